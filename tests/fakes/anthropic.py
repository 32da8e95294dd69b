"""A local fake of the Anthropic Messages API (POST /v1/messages), following
the real contract: x-api-key and anthropic-version required, the error
shape {"type":"error","error":{"type","message"},"request_id"}, usage with
input and output tokens, retry-after on 429, 529 overloaded.

Faults for the next requests are queued with POST /_faults, a JSON list of:
  "500", "529", "429:<retry-after s>", "401", "spend_limit", "garbage",
  "timeout" (no answer for 30 s), "refusal", "max_tokens", "empty",
  "long" (a caption over 2,200 characters), "echo_url" (a url image
  source is refused with a message quoting the URL), "echo_key" (a 400
  invalid_request_error whose message quotes the x-api-key it was sent,
  as an API echoing a request back would), "slow:<s>" (answers as with no
  fault after <s> seconds), "pass" (no fault)
Image blocks are checked as the API does: a base64 source must carry a
supported media_type and data that decodes to that kind of image, at most
5 MB of base64 ("image exceeds 5 MB maximum: N bytes > 5242880 bytes") and
at most 8000 px on either side; a url source is fetched (so a presigned S3
URL must really serve the photo) and must return an image. The kinds of
source seen are counted in /_stats, and the JPEG and PNG sizes listed.
GET /_stats returns {"requests": N, "last": <last request body>,
"image_sources": {"base64": N, "url": N}, "image_sizes": [[w, h], ...]}
(never the URLs themselves).
Binds 127.0.0.1 on a free port and prints it.
usage: anthropic.py KEY
"""
import base64
import binascii
import http.server
import json
import urllib.request
import socketserver
import sys
import threading
import time

KEY = sys.argv[1]
lock = threading.Lock()
faults = []
stats = {"requests": 0, "last": None, "captions": 0,
         "image_sources": {"base64": 0, "url": 0}, "image_sizes": []}
BASE64_MAX, SIDE_MAX = 5242880, 8000


def image_size(data):
    """(width, height) of a JPEG or PNG, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return (int.from_bytes(data[16:20], "big"),
                int.from_bytes(data[20:24], "big"))
    i = 2
    while data.startswith(b"\xff\xd8") and i + 9 < len(data):
        if data[i] != 0xff:
            return None
        marker = data[i + 1]
        if marker == 0xff:
            i += 1
            continue
        if 0xc0 <= marker <= 0xcf and marker not in (0xc4, 0xc8, 0xcc):
            return (int.from_bytes(data[i + 7:i + 9], "big"),
                    int.from_bytes(data[i + 5:i + 7], "big"))
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None
MAGIC = {"image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG\r\n\x1a\n",
         "image/gif": b"GIF8", "image/webp": b"RIFF"}


def image_problem(source):
    """None if the API would take this image source, else its message."""
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "base64":
        media = source.get("media_type")
        if media not in MAGIC:
            return "image.source.media_type: Input should be 'image/jpeg'" \
                ", 'image/png', 'image/gif' or 'image/webp'"
        b64 = source.get("data", "")
        if len(b64) > BASE64_MAX:
            return "image.source.base64: image exceeds 5 MB maximum: " \
                "%d bytes > %d bytes" % (len(b64), BASE64_MAX)
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            return "image.source.base64.data: invalid base64 data"
        if not data.startswith(MAGIC[media]):
            return "Image does not match the provided media type " + media
        size = image_size(data)
        if size and max(size) > SIDE_MAX:
            return "image.source.base64.data: At least one of the image " \
                "dimensions exceed max allowed size: %d pixels" % SIDE_MAX
        if size:
            with lock:
                stats["image_sizes"].append(list(size))
        return None
    if kind == "url":
        url = source.get("url", "")
        if not url.startswith(("http://", "https://")):
            return "image.source.url: must be an http(s) URL"
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                data = r.read()
        except Exception:
            return "Unable to download the file. Please verify the URL " \
                "and try again."
        if not any(data.startswith(m) for m in MAGIC.values()):
            return "The downloaded file is not a supported image"
        return None
    return "image.source.type: Input should be 'base64' or 'url'"


def error(kind, message, code):
    return code, {"type": "error", "error": {"type": kind, "message": message},
                  "request_id": "req_fake"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("request-id", "req_fake")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_stats":
            with lock:
                self.reply(200, stats)
        else:
            self.reply(*error("not_found_error", "no such path", 404))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_faults":
            with lock:
                faults.extend(json.loads(body))
            return self.reply(200, {"queued": len(faults)})
        if self.path != "/v1/messages":
            return self.reply(*error("not_found_error", "no such path", 404))
        with lock:
            stats["requests"] += 1
            fault = faults.pop(0) if faults else None
            if fault == "pass":
                fault = None
        if fault is not None and fault.startswith("slow:"):
            time.sleep(float(fault.split(":")[1]))
            fault = None
        if fault == "echo_key":
            return self.reply(*error(
                "invalid_request_error", "x-api-key: the key %s is not "
                "allowed to use this model" % self.headers.get("x-api-key"),
                400))
        if self.headers.get("x-api-key") != KEY or fault == "401":
            return self.reply(*error("authentication_error",
                                     "invalid x-api-key", 401))
        if self.headers.get("anthropic-version") != "2023-06-01":
            return self.reply(*error("invalid_request_error",
                                     "anthropic-version: header is required",
                                     400))
        try:
            req = json.loads(body)
            assert req["model"] and req["max_tokens"] > 0
            assert isinstance(req["messages"], list)
        except Exception:
            return self.reply(*error("invalid_request_error",
                                     "malformed request body", 400))
        with lock:
            stats["last"] = req
        if fault == "500":
            return self.reply(*error("api_error", "Internal server error", 500))
        if fault == "529":
            return self.reply(*error("overloaded_error", "Overloaded", 529))
        if fault and fault.startswith("429:"):
            code, err = error("rate_limit_error", "Number of requests has "
                              "exceeded your rate limit", 429)
            return self.reply(code, err,
                              [("retry-after", fault.split(":")[1])])
        if fault == "spend_limit":
            code, err = error("rate_limit_error", "You have reached your "
                              "specified API usage limits", 429)
            err["error"]["details"] = {
                "error_code": "enforced_spend_limit_reached"}
            return self.reply(code, err)
        if fault == "garbage":
            return self.reply(200, b"<html>upstream hiccup</html>")
        if fault == "timeout":
            time.sleep(30)
            return
        content = req["messages"][-1]["content"]
        vision = isinstance(content, list) and any(
            c.get("type") == "image" for c in content)
        for block in content if vision else []:
            if block.get("type") != "image":
                continue
            source = block.get("source") or {}
            if fault == "echo_url" and source.get("type") == "url":
                return self.reply(*error(
                    "invalid_request_error", "Could not fetch the image "
                    "at %s: it took too long" % source.get("url"), 400))
            problem = image_problem(source)
            if problem:
                return self.reply(*error("invalid_request_error",
                                         "messages.0.content.0: " + problem,
                                         400))
            with lock:
                stats["image_sources"][block["source"]["type"]] += 1
        if vision:
            text = "A navy wool overcoat on a pale background; calm, warm."
        elif fault == "long":
            text = "x" * 2300
        else:
            system = req.get("system", "")
            lang = "fr" if "French" in system else "nl"
            # Each caption its own, as a real model's are: a publisher
            # that finds its lost post by caption must not be helped
            # (or fooled) by every run writing the same words.
            with lock:
                stats["captions"] += 1
                n = stats["captions"]
            text = ("Découvrez notre nouveauté n°%d. #costume" % n
                    if lang == "fr"
                    else "Ontdek onze nieuwste jas, nummer %d. #pomandi" % n)
        if fault == "empty":
            text = ""
        stop = {"refusal": "refusal", "max_tokens": "max_tokens"}.get(
            fault, "end_turn")
        self.reply(200, {
            "id": "msg_fake", "type": "message", "role": "assistant",
            "model": req["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 1200 if vision else 300,
                      "output_tokens": 40 if vision else 60}})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
