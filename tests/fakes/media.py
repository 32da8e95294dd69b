"""How the Graph fake (graph.py) takes photos in: fetching a URL, reading a
multipart upload, reading a photo's header, and Instagram's media rules
(api-notes section 2), with no package beyond Python's own: the fake reads
headers only, never pixels.

inspect(data) -> {"photo_bytes", "photo_type", "photo_sha256",
  "photo_width", "photo_height", "photo_progressive", "photo_orientation"}
  photo_type is read from the magic bytes: "jpeg", "png", "gif", "tiff",
  "heif", "webp", or None. The size is the pixel size as stored (a JPEG's
  frame header SOF0, SOF1 or SOF2; PNG's IHDR; GIF's screen; TIFF's IFD0;
  WebP's VP8, VP8L or VP8X header); None for HEIF. photo_progressive: a
  JPEG's SOF2 (true) or SOF0/SOF1 (false), an Adam7-interlaced PNG (true);
  None for the others. photo_orientation: the Exif Orientation (tag 0x112)
  of a JPEG's first Exif APP1 segment, or of a TIFF's IFD0, as written
  (None when there is none). A JPEG whose header cannot be walked (no
  SOF before the scan, a segment past the end, another SOF coding) has a
  "_why" saying so, and no size.
ig_refusal(info) -> None, or the Graph error Instagram answers for it:
  {"code", "subcode", "message", "error_user_title", "error_user_msg"}.
  Checked in this order: over 8 MiB (36000/2207004); not a JPEG, or a JPEG
  whose header cannot be read (36001/2207005, "The image format is not
  supported."); width/height outside 4:5..1.91:1, bounds included, exact
  integer arithmetic (36003/2207009); width under 320 px (36001/2207005,
  "The image resolution is not supported.": Meta's error table has no
  resolution row; clients read 36001 as the format-or-resolution class, so
  this fake uses it). Width and height are measured as Instagram displays
  the photo: a JPEG with Exif orientation 5..8 is rotated a quarter turn,
  so its stored height is its width. Over 1440 px wide is accepted
  (Instagram scales it down): ig_scaled_down(info) says so.
save(directory, data, info) -> the path of <sha256>.<type> (.jpg for a
  JPEG), written whole (a temporary file renamed).
fetch(url, limit) -> (bytes, None), or (None, why): the photo at url as
  Meta would fetch it, this fake never reaching the internet: only http://
  URLs on 127.0.0.1 or localhost (redirects too), no proxy; an empty body
  is a failure.
multipart(content_type, body) -> (form, files): a multipart/form-data body
  (a photo upload), {name: text} and {name: {filename, content_type,
  data}} (the "source" part is a file even without a filename);
  ValueError for a malformed one.
"""
import hashlib
import math
import os
import re
import struct
import tempfile
import urllib.error
import urllib.parse
import urllib.request

IG_MAX = 8 << 20
IG_MIN_WIDTH, IG_MAX_WIDTH = 320, 1440
SOF = {0xC0: False, 0xC1: False, 0xC2: True}  # marker: progressive
EXT = {"jpeg": "jpg", "png": "png", "gif": "gif", "tiff": "tiff",
       "heif": "heif", "webp": "webp"}
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis",
               b"hevm", b"hevs", b"mif1", b"msf1")


def kind(data):
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] in (b"II*\0", b"MM\0*"):
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "heif"
    return None


def ifd0(tiff):
    """{tag: value} of a TIFF header's first IFD, SHORT and LONG entries
    only; {} when it is not one."""
    e = {b"II*\0": "<", b"MM\0*": ">"}.get(tiff[:4])
    if e is None or len(tiff) < 8:
        return {}
    off = struct.unpack(e + "I", tiff[4:8])[0]
    if off + 2 > len(tiff):
        return {}
    out = {}
    for k in range(struct.unpack(e + "H", tiff[off:off + 2])[0]):
        p = off + 2 + 12 * k
        if p + 12 > len(tiff):
            break
        tag, typ = struct.unpack(e + "HH", tiff[p:p + 4])
        if typ == 3:
            out.setdefault(tag, struct.unpack(e + "H", tiff[p + 8:p + 10])[0])
        elif typ == 4:
            out.setdefault(tag, struct.unpack(e + "I", tiff[p + 8:p + 12])[0])
    return out


def jpeg(data):
    """(width, height, progressive, orientation); ValueError(why) when the
    markers before the first scan do not lead to a SOF0, SOF1 or SOF2."""
    i, orientation, exif = 2, None, False
    while True:
        if i >= len(data):
            raise ValueError("the JPEG ends before its frame header (SOF)")
        if data[i] != 0xFF:
            raise ValueError("no JPEG marker at byte %d" % i)
        while i < len(data) and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= len(data):
            raise ValueError("the JPEG ends before its frame header (SOF)")
        m, i = data[i], i + 1
        if m == 0x01 or 0xD0 <= m <= 0xD8:  # no length
            continue
        if m in (0xD9, 0xDA, 0x00):
            raise ValueError("no frame header (SOF) before the image data")
        if i + 2 > len(data):
            raise ValueError("the JPEG ends inside a marker")
        n = struct.unpack(">H", data[i:i + 2])[0]
        if n < 2 or i + n > len(data):
            raise ValueError("a JPEG segment (0xFF%02X) runs past the end" % m)
        seg, i = data[i + 2:i + n], i + n
        if m == 0xE1 and not exif and seg.startswith(b"Exif\0\0"):
            exif, orientation = True, ifd0(seg[6:]).get(0x112)
        elif m in SOF:
            if len(seg) < 6:
                raise ValueError("a frame header (SOF) too short")
            h, w = struct.unpack(">HH", seg[1:5])
            if w == 0 or h == 0:
                raise ValueError("a frame header (SOF) with a zero size")
            return w, h, SOF[m], orientation
        elif 0xC3 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
            raise ValueError("a SOF%d JPEG (lossless, hierarchical or "
                             "arithmetic coding)" % (m - 0xC0))


def size(t, data):
    """(width, height, progressive, orientation) of the other kinds, each
    None when the header does not say."""
    try:
        if t == "png" and data[12:16] == b"IHDR" and len(data) >= 29:
            w, h = struct.unpack(">II", data[16:24])
            return w, h, data[28] == 1, None
        if t == "gif" and len(data) >= 10:
            return struct.unpack("<HH", data[6:10]) + (None, None)
        if t == "tiff":
            d = ifd0(data)
            return d.get(256), d.get(257), None, d.get(0x112)
        if t == "webp":
            c = data[12:16]
            if c == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF, None, None
            if c == b"VP8L" and data[20:21] == b"\x2f":
                b = struct.unpack("<I", data[21:25])[0]
                return 1 + (b & 0x3FFF), 1 + ((b >> 14) & 0x3FFF), None, None
            if c == b"VP8X" and len(data) >= 30:
                w = int.from_bytes(data[24:27], "little") + 1
                return w, int.from_bytes(data[27:30], "little") + 1, None, \
                    None
    except struct.error:
        pass
    return None, None, None, None


def inspect(data):
    t = kind(data)
    info = {"photo_bytes": len(data), "photo_type": t,
            "photo_sha256": hashlib.sha256(data).hexdigest()}
    if t == "jpeg":
        try:
            w, h, prog, orient = jpeg(data)
        except ValueError as e:
            w = h = prog = orient = None
            info["_why"] = str(e)
    else:
        w, h, prog, orient = size(t, data)
    info.update(photo_width=w, photo_height=h, photo_progressive=prog,
                photo_orientation=orient)
    return info


def shown(info):
    """(width, height) as Instagram displays the photo."""
    w, h = info["photo_width"], info["photo_height"]
    if info["photo_orientation"] in (5, 6, 7, 8):
        return h, w
    return w, h


def ig_scaled_down(info):
    return shown(info)[0] > IG_MAX_WIDTH


def refusal(code, subcode, message, title, user_msg):
    return {"code": code, "subcode": subcode, "message": message,
            "error_user_title": title, "error_user_msg": user_msg}


def ig_refusal(info):
    if info["photo_bytes"] > IG_MAX:
        return refusal(36000, 2207004, "The image size is too large.",
                       "Image size too large", "The image is too large to "
                       "download. It should be less than 8 MiB.")
    t = info["photo_type"]
    if t != "jpeg" or "_why" in info:
        return refusal(36001, 2207005, "The image format is not supported.",
                       "Image format not supported",
                       "The image format %s is not supported. Supported "
                       "formats are: jpeg." % (t or "unknown")
                       if t != "jpeg" else "The image could not be read: "
                       "%s." % info["_why"])
    w, h = shown(info)
    if 5 * w < 4 * h or 100 * w > 191 * h:
        g = math.gcd(w, h)
        return refusal(36003, 2207009, "The aspect ratio is not supported.",
                       "Aspect ratio not supported",
                       "The submitted image with aspect ratio ('%d/%d',) "
                       "cannot be published. Please submit an image with a "
                       "valid aspect ratio." % (w // g, h // g))
    if w < IG_MIN_WIDTH:
        return refusal(36001, 2207005, "The image resolution is not "
                       "supported.", "Image resolution not supported",
                       "The image is %d pixels wide. It should be at least "
                       "%d pixels wide." % (w, IG_MIN_WIDTH))
    return None


def save(directory, data, info):
    path = os.path.join(directory, "%s.%s" % (
        info["photo_sha256"], EXT.get(info["photo_type"], "bin")))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


def local(url):
    u = urllib.parse.urlsplit(url)
    return u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost")


class LocalRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not local(newurl):
            raise urllib.error.URLError("redirect to a non-local URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                     LocalRedirects)


def fetch(url, limit):
    if not local(url):
        return None, "not an http URL on 127.0.0.1 (no internet here)"
    try:
        with OPENER.open(url, timeout=10) as r:
            data = r.read(limit)
    except Exception as e:  # any failure is Meta's fetch failure
        return None, "%s: %s" % (type(e).__name__, e)
    return (data, None) if data else (None, "an empty body")


def multipart(ctype, body):
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        raise ValueError("multipart body without a boundary")
    chunks = body.split(b"--" + m.group(1).encode())
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise ValueError("malformed multipart body")
    form, files = {}, {}
    for part in chunks[1:-1]:
        head, sep, data = part.partition(b"\r\n\r\n")
        if not part.startswith(b"\r\n") or not sep or \
                not data.endswith(b"\r\n"):
            raise ValueError("malformed multipart part")
        data, head = data[:-2], head.decode("utf-8")
        name = re.search(r'(?i)content-disposition:[^\r\n]*\bname="([^"]*)"',
                         head)
        if not name:
            raise ValueError("multipart part without a name")
        filename = re.search(r'\bfilename="([^"]*)"', head)
        ptype = re.search(r"(?i)content-type:\s*([^\r\n]*)", head)
        if filename or name.group(1) == "source":
            files[name.group(1)] = {
                "filename": filename.group(1) if filename else None,
                "content_type": ptype.group(1) if ptype else None,
                "data": data}
        else:
            form[name.group(1)] = data.decode("utf-8")
    return form, files
