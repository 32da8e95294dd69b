# The Graph fake (tests/fakes/graph.py) is as strict about photos as
# Instagram and Facebook: Instagram takes only a JPEG, 4:5..1.91:1 (bounds
# included) as displayed (Exif orientation 5..8 turns it), at least 320 px
# wide, at most 8 MiB, and notes one it will scale down (over 1440 px);
# Facebook takes JPEG, PNG, GIF, TIFF, HEIF and WebP up to 4 MiB. Each
# refusal carries Meta's code and subcode; every accepted photo is recorded
# (size, kind, progressive, orientation, hash) in /_stats and written,
# byte for byte, to the media directory; refused ones are not. The photos
# are made here: headers only, which is all the fake reads.
. "$(dirname "$0")/lib.sh"

TOKEN=EAAfake-$$-graph-media
GPID="" G2PID="" WPID=""
trap 'for p in $GPID $G2PID $WPID; do kill "$p" 2>/dev/null || true; done
	cleanup' EXIT INT TERM

mkdir -p "$T/photos"
/usr/bin/python3 - "$T/photos" <<'PY'
import os, struct, sys, zlib
d = sys.argv[1]

def seg(m, payload):
    return b"\xff" + bytes([m]) + struct.pack(">H", len(payload) + 2) + payload

def exif(orientation, endian):
    e = "<" if endian == b"II*\0" else ">"
    ifd = struct.pack(e + "H", 2) + struct.pack(e + "HHI", 0x10F, 2, 4) + \
        b"ACME" + struct.pack(e + "HHIHH", 0x112, 3, 1, orientation, 0) + \
        struct.pack(e + "I", 0)
    return b"Exif\0\0" + endian + struct.pack(e + "I", 8) + ifd

def jpeg(w, h, sof=0xC0, app1=None, pad=0):
    out = b"\xff\xd8" + seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
    if app1:
        out += seg(0xE1, app1)
    out += seg(0xDB, b"\0" + bytes(range(64)))
    if sof is not None:
        out += seg(sof, struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00")
    out += seg(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\x34" * 64
    out += b"\xff\xd9"
    return out + bytes(pad)

def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

put("ok.jpg", jpeg(480, 600))                       # 4:5 exactly
put("prog.jpg", jpeg(1080, 1080, sof=0xC2))
put("ext.jpg", jpeg(1000, 800, sof=0xC1))
put("wide191.jpg", jpeg(1910, 1000))                # 1.91:1 exactly
put("wide.jpg", jpeg(1911, 1000))
put("tall.jpg", jpeg(480, 601))
put("min.jpg", jpeg(320, 400))
put("narrow.jpg", jpeg(319, 300))
put("big.jpg", jpeg(2000, 1200))                    # scaled down
# Stored landscape, shown portrait (6: a quarter turn), and the reverse.
put("rot6.jpg", jpeg(1000, 600, app1=exif(6, b"MM\0*")))
put("rot8.jpg", jpeg(600, 1000, app1=exif(8, b"II*\0")))
put("rot3.jpg", jpeg(1000, 600, app1=exif(3, b"II*\0")))
put("rot5.jpg", jpeg(1000, 600, app1=exif(5, b"II*\0")))
put("rot7.jpg", jpeg(600, 1000, app1=exif(7, b"MM\0*")))
put("rot6big.jpg", jpeg(1200, 2000, app1=exif(6, b"II*\0")))
put("xmp.jpg", jpeg(800, 800, app1=b"http://ns.adobe.com/xap/1.0/\0<x/>"))
put("nosof.jpg", jpeg(800, 800, sof=None))
put("sof3.jpg", jpeg(800, 800, sof=0xC3))
put("cut.jpg", jpeg(800, 800)[:30])
n = len(jpeg(480, 600))
put("8mib.jpg", jpeg(480, 600, pad=(8 << 20) - n))
put("8mib1.jpg", jpeg(480, 600, pad=(8 << 20) - n + 1))

def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
raw = b"".join(b"\0" + b"\xcc\x22\x22" * 8 for _ in range(8))
put("pixel.png", b"\x89PNG\r\n\x1a\n" +
    chunk(b"IHDR", struct.pack(">IIBBBBB", 800, 800, 8, 2, 0, 0, 1)) +
    chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
put("a.gif", b"GIF89a" + struct.pack("<HH", 640, 480) + b"\0\0\0;")
put("a.webp", b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8X" +
    struct.pack("<I", 10) + bytes(4) + (639).to_bytes(3, "little") +
    (479).to_bytes(3, "little"))
put("a.tiff", b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 2) +
    struct.pack("<HHIHH", 256, 3, 1, 640, 0) +
    struct.pack("<HHIHH", 257, 3, 1, 480, 0) + struct.pack("<I", 0))
put("a.heic", struct.pack(">I", 24) + b"ftypheic" + bytes(4) + b"mif1heic")
put("note.txt", b"not a photo\n")
PY

# The photos' web server, and the fake writing what it takes to $T/media.
/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 \
	--directory "$T/photos" >"$T/web.out" 2>"$T/web.err" &
WPID=$!
wait_for grep -q "port" "$T/web.out" || fail "the web server did not start"
PH="http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$T/web.out")"
/usr/bin/python3 "$SRC/tests/fakes/graph.py" --media-dir "$T/media" v26.0 \
	1234 1789 "$TOKEN" >"$T/graph.port" 2>"$T/graph.err" &
GPID=$!
wait_for test -s "$T/graph.port" || fail "the Graph fake did not start"
GR="http://127.0.0.1:$(cat "$T/graph.port")"
curl -sf -X POST "$GR/_config" -d '{"ready_after": 0}' >/dev/null
stats() { curl -s "$GR/_stats"; }
sum() { sha256sum "$T/photos/$1" | cut -d' ' -f1; }

post() { # PATH FIELD FILE: a form POST with the photo's URL
	curl -s -o "$T/ans" -w '%{http_code}' -X POST "$GR/v26.0/$1" \
		-H "Authorization: Bearer $TOKEN" \
		--data-urlencode "$2=$PH/$3" --data-urlencode "caption=$3"
}
# refused PATH FIELD FILE CODE SUBCODE MESSAGE: a 400 with Graph's shape.
refused() {
	st=$(post "$1" "$2" "$3")
	[ "$st" = 400 ] && jq -e --argjson c "$4" --argjson s "$5" \
		--arg m "$6" '.error | .code == $c and .message == $m and
		(if $s == 0 then has("error_subcode") | not
		 else .error_subcode == $s end) and .type == "OAuthException"
		and .is_transient == false and (.fbtrace_id | length) > 0' \
		"$T/ans" >/dev/null || fail "$3 on $1: HTTP $st $(cat "$T/ans")"
}
ig_refused() { # FILE CODE SUBCODE MESSAGE: Instagram's user title and text too
	refused 1789/media image_url "$@"
	jq -e '.error | (.error_user_title | length) > 0 and
		(.error_user_msg | length) > 0' "$T/ans" >/dev/null ||
		fail "$1: no user title or message: $(cat "$T/ans")"
}
# taken PATH FIELD FILE LIST JQ: accepted; the record in /_stats LIST
# (ig_containers or fb_posts) matches JQ and has the photo's hash; the
# media directory holds the bytes.
taken() {
	st=$(post "$1" "$2" "$3")
	[ "$st" = 200 ] || fail "$3 on $1: HTTP $st $(cat "$T/ans")"
	id=$(jq -r 'if .post_id then .post_id else .id end' "$T/ans")
	stats | jq -e --arg id "$id" --arg h "$(sum "$3")" --arg f "$T/media" \
		"[.$4[] | select(.id == \$id)] | length == 1 and (.[0] |
		.photo_sha256 == \$h and .photo_bytes > 0 and
		(.photo_file | startswith(\$f + \"/\" + \$h + \".\")) and $5)" \
		>/dev/null || fail "$3: $(stats | jq -c --arg id "$id" \
		".$4[] | select(.id == \$id)")"
	cmp -s "$(stats | jq -r --arg id "$id" ".$4[] |
		select(.id == \$id) | .photo_file")" "$T/photos/$3" ||
		fail "$3: the media directory does not hold its bytes"
}
ig_taken() { taken 1789/media image_url "$1" ig_containers "$2"; }
fb_taken() { taken 1234/photos url "$1" fb_posts "$2"; }

# Instagram: what it takes, as recorded.
ig_taken ok.jpg '.photo_type == "jpeg" and .photo_width == 480 and
	.photo_height == 600 and .photo_progressive == false and
	.photo_orientation == null and .photo_scaled_down == false and
	.status_code == "FINISHED" and .caption == "ok.jpg"'
[ -f "$T/media/$(sum ok.jpg).jpg" ] || fail "not written as <sha256>.jpg"
ig_taken prog.jpg '.photo_progressive == true and .photo_width == 1080'
ig_taken ext.jpg '.photo_progressive == false and .photo_height == 800'
ig_taken wide191.jpg '.photo_width == 1910'
ig_taken min.jpg '.photo_width == 320'
ig_taken big.jpg '.photo_scaled_down == true and .photo_width == 2000'
ig_taken rot8.jpg '.photo_orientation == 8 and .photo_width == 600 and
	.photo_height == 1000 and .photo_scaled_down == false'
ig_taken rot3.jpg '.photo_orientation == 3'
ig_taken rot7.jpg '.photo_orientation == 7'
ig_taken rot6big.jpg '.photo_orientation == 6 and .photo_width == 1200 and
	.photo_scaled_down == true'
ig_taken xmp.jpg '.photo_orientation == null'
ig_taken 8mib.jpg ".photo_bytes == $((8 << 20))"

# Instagram: what it refuses, with Meta's codes; nothing is kept.
before=$(find "$T/media" -type f | wc -l)
NOFMT="The image format is not supported."
ig_refused pixel.png 36001 2207005 "$NOFMT"
jq -e '.error.error_user_msg | test("png is not supported")' "$T/ans" \
	>/dev/null || fail "png: $(cat "$T/ans")"
stats | jq -e '.last.ig_media._photo | .photo_type == "png" and
	.photo_width == 800 and .photo_progressive == true' >/dev/null ||
	fail "the refused PNG was not noted: $(stats | jq -c .last.ig_media)"
ig_refused a.gif 36001 2207005 "$NOFMT"
ig_refused note.txt 36001 2207005 "$NOFMT"
ig_refused nosof.jpg 36001 2207005 "$NOFMT"
stats | jq -e '.last.ig_media._media_error | test("no frame header")' \
	>/dev/null || fail "nosof: $(stats | jq -c .last.ig_media)"
ig_refused sof3.jpg 36001 2207005 "$NOFMT"
ig_refused cut.jpg 36001 2207005 "$NOFMT"
NORATIO="The aspect ratio is not supported."
ig_refused tall.jpg 36003 2207009 "$NORATIO"
jq -e '.error.error_user_msg | test("aspect ratio \\(\u0027480/601\u0027,\\)")' \
	"$T/ans" >/dev/null || fail "tall: $(cat "$T/ans")"
ig_refused wide.jpg 36003 2207009 "$NORATIO"
ig_refused rot6.jpg 36003 2207009 "$NORATIO"
ig_refused rot5.jpg 36003 2207009 "$NORATIO"
ig_refused narrow.jpg 36001 2207005 "The image resolution is not supported."
ig_refused 8mib1.jpg 36000 2207004 "The image size is too large."
[ "$(find "$T/media" -type f | wc -l)" = "$before" ] ||
	fail "a refused photo was written to the media directory"
# A URL it cannot fetch is still Meta's fetch failure.
st=$(post 1789/media image_url none.jpg)
[ "$st" = 400 ] && jq -e '.error | .code == 9004 and
	.error_subcode == 2207052' "$T/ans" >/dev/null ||
	fail "a missing photo: HTTP $st $(cat "$T/ans")"

# A published container's post carries its photo's record.
cid=$(stats | jq -r '.ig_containers[] | select(.caption == "big.jpg") | .id')
curl -s -X POST "$GR/v26.0/1789/media_publish" -H "Authorization: Bearer \
$TOKEN" -d "creation_id=$cid" >"$T/pub"
stats | jq -e --arg c "$cid" --arg h "$(sum big.jpg)" '.ig_posts |
	length == 1 and (.[0] | .container_id == $c and .photo_sha256 == $h
	and .photo_width == 2000 and .photo_scaled_down == true)' \
	>/dev/null || fail "publish: $(cat "$T/pub") $(stats | jq -c .ig_posts)"

# Facebook: the kinds it takes, by their magic bytes.
fb_taken ok.jpg '.photo_type == "jpeg" and .source == "url" and
	.photo_width == 480'
fb_taken pixel.png '.photo_type == "png" and .photo_height == 800'
fb_taken a.gif '.photo_type == "gif" and .photo_width == 640 and
	.photo_height == 480'
fb_taken a.webp '.photo_type == "webp" and .photo_width == 640 and
	.photo_height == 480'
fb_taken a.tiff '.photo_type == "tiff" and .photo_width == 640 and
	.photo_height == 480'
fb_taken a.heic '.photo_type == "heif" and .photo_width == null'
fb_taken tall.jpg '.photo_height == 601'
before=$(find "$T/media" -type f | wc -l)
refused 1234/photos url note.txt 324 0 "(#324) Missing or invalid image file"
refused 1234/photos url 8mib.jpg 100 1366046 "(#100) Your photos couldn't \
be uploaded. Photos should be less than 4 MB and saved as JPG, PNG, GIF, \
TIFF, HEIF or WebP files."
[ "$(find "$T/media" -type f | wc -l)" = "$before" ] ||
	fail "a refused Facebook photo was written to the media directory"

# GRAPH_MEDIA_DIR does what --media-dir does; an upload is kept as sent.
GRAPH_MEDIA_DIR="$T/media2" /usr/bin/python3 "$SRC/tests/fakes/graph.py" \
	v26.0 1234 1789 "$TOKEN" >"$T/graph2.port" 2>"$T/graph2.err" &
G2PID=$!
wait_for test -s "$T/graph2.port" || fail "the second Graph fake did not start"
G2="http://127.0.0.1:$(cat "$T/graph2.port")"
upload() { # FILE
	curl -s -o "$T/ans" -w '%{http_code}' -X POST "$G2/v26.0/1234/photos" \
		-H "Authorization: Bearer $TOKEN" -F "caption=up" \
		-F "source=@$T/photos/$1;type=application/octet-stream"
}
[ "$(upload rot6.jpg)" = 200 ] || fail "upload: $(cat "$T/ans")"
cmp -s "$T/media2/$(sum rot6.jpg).jpg" "$T/photos/rot6.jpg" ||
	fail "the upload was not written to GRAPH_MEDIA_DIR"
curl -s "$G2/_stats" | jq -e '.fb_posts[0] | .source == "upload" and
	.photo_orientation == 6 and .photo_width == 1000' >/dev/null ||
	fail "upload record: $(curl -s "$G2/_stats" | jq -c .fb_posts)"
[ "$(upload note.txt)" = 400 ] && jq -e '.error.code == 324' "$T/ans" \
	>/dev/null || fail "a text upload: $(cat "$T/ans")"
# /_reset forgets the posts, not the files.
curl -sf -X POST "$G2/_reset" >/dev/null
[ -f "$T/media2/$(sum rot6.jpg).jpg" ] || fail "/_reset emptied the media dir"
echo ok
