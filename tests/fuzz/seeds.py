"""Makes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>)
from what the fakes really answer, so that each target starts from the
shapes herald meets: the Graph fake (tests/fakes/graph.py), the Anthropic
fake (anthropic.py), the OTLP fake (otlp.py), s3rver's ListObjectsV2 and
error XML (when s3rver is installed, as tests/integration/s3lib.sh does),
small TZif files from /usr/share/zoneinfo, the configs in assets/ and a
.env. HTTP answers are written as the targets read them (tests/fuzz/
fuzz.h): "<status>[ <flags>]", the headers as they came (Date and Server
left out, so that a new run changes only what the fakes change), a blank
line, the body.

Run it by hand when a fake or a parser changes, and commit what changes:
    python3 tests/fuzz/seeds.py [S3RVER_JS]
S3RVER_JS: node_modules/s3rver/bin/s3rver.js (default: the one the S3
integration test installs under build/tests/s3rver); without it, the S3
seeds already in the tree are kept.
"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import http.server
import functools

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CORPUS = os.path.join(SRC, "tests", "fuzz", "corpus")
FAKES = os.path.join(SRC, "tests", "fakes")
procs = []


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def start(args, **kw):
    p = subprocess.Popen(args, stdout=subprocess.PIPE, **kw)
    procs.append(p)
    return p


def fake(script, *args):
    p = start([sys.executable, os.path.join(FAKES, script)] + list(args))
    return int(p.stdout.readline())


def ask(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheaders(), data


def seed(target, name, answer, flags=""):
    status, headers, body = answer
    out = ("%d%s\n" % (status, " " + flags if flags else "")).encode()
    out += ("HTTP/1.1 %d\r\n" % status).encode()
    for k, v in headers:
        if k.lower() not in ("date", "server"):
            out += ("%s: %s\r\n" % (k, v)).encode()
    out += b"\r\n" + body
    put(target, name, out)


def serve_photos():
    """A local web server for the photos the fakes fetch (url=)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    h = functools.partial(Quiet, directory=os.path.join(SRC, "assets",
                                                          "photos"))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d/pomandi/navy-wool-overcoat.jpg" % \
        srv.server_address[1]


def graph(photo):
    tok = "EAAseedTOKEN"
    port = fake("graph.py", "v26.0", "1234", "1789", tok)
    auth = {"Authorization": "Bearer " + tok,
            "Content-Type": "application/x-www-form-urlencoded"}
    v = "/v26.0"

    def post(path, form, h=auth):
        return ask(port, "POST", v + path, form.encode(), h)

    def get(path, h=auth):
        return ask(port, "GET", v + path, None, h)

    def faults(*f):
        ask(port, "POST", "/_faults", json.dumps(list(f)).encode())

    seed("graph", "fb-photo", post("/1234/photos", "url=%s&caption=Ontdek"
                                   "+onze+jas.+%%23pomandi" % photo),
         "publish")
    seed("graph", "fb-posts", get("/1234/posts?fields=id,message,"
                                  "created_time,permalink_url&limit=25"))
    st, h, body = post("/1789/media", "image_url=%s&caption=Ontdek" % photo)
    seed("graph", "ig-media", (st, h, body))
    cid = json.loads(body)["id"]
    seed("graph", "ig-status-in-progress",
         get("/%s?fields=status_code,status" % cid))
    seed("graph", "ig-status-finished",
         get("/%s?fields=status_code,status" % cid))
    st, h, body = post("/1789/media_publish", "creation_id=" + cid)
    seed("graph", "ig-publish", (st, h, body), "publish")
    seed("graph", "ig-permalink",
         get("/%s?fields=permalink" % json.loads(body)["id"]))
    seed("graph", "ig-publish-again", post("/1789/media_publish",
                                           "creation_id=" + cid), "publish")
    seed("graph", "ig-limit", get("/1789/content_publishing_limit?fields="
                                  "quota_usage,config"))
    seed("graph", "no-token", get("/1234/posts", {}))
    seed("graph", "bad-token", get("/1234/posts",
                                   {"Authorization": "Bearer nope"}))
    seed("graph", "bad-version", ask(port, "GET", "/v1.0/1234/posts", None,
                                     auth))
    seed("graph", "bad-field", get("/1234/posts?fields=nonesuch"))
    seed("graph", "fetch-failed", post("/1234/photos", "url=http://127.0.0."
                                       "1:1/none.jpg"), "publish")
    seed("graph", "ig-fetch-failed", post("/1789/media", "image_url=http://"
                                          "127.0.0.1:1/none.jpg"))
    for f in ("500", "unknown", "503_html", "http429:7", "throttle:4",
              "throttle:32", "throttle:80001:3", "garbage",
              "expired_token", "permission"):
        faults("*:" + f)
        seed("graph", "fault-" + f.replace(":", "-"), get("/1234/posts"))
    faults("fb_photo:duplicate")
    seed("graph", "fault-duplicate", post("/1234/photos", "url=" + photo),
         "publish")
    faults("ig_publish:limit")
    st, h, body = post("/1789/media", "image_url=" + photo)
    cid = json.loads(body)["id"]
    get("/%s?fields=status_code,status" % cid)
    seed("graph", "fault-limit", post("/1789/media_publish",
                                      "creation_id=" + cid), "publish")
    faults("ig_status:error")
    st, h, body = post("/1789/media", "image_url=" + photo)
    seed("graph", "fault-ig-error", get("/%s?fields=status_code,status" %
                                        json.loads(body)["id"]))


def anthropic():
    key = "sk-ant-seed"
    port = fake("anthropic.py", key)
    h = {"x-api-key": key, "anthropic-version": "2023-06-01",
         "content-type": "application/json"}
    text = {"model": "claude-sonnet-4-6", "max_tokens": 1024,
            "system": "You write captions in Dutch.",
            "messages": [{"role": "user", "content": "The photo: a coat."}]}
    with open(os.path.join(SRC, "assets", "photos", "pomandi",
                           "brown-leather-shoes.jpg"), "rb") as f:
        import base64
        b64 = base64.b64encode(f.read()).decode()
    vision = {"model": "claude-haiku-4-5", "max_tokens": 512, "messages": [
        {"role": "user", "content": [
            {"type": "image", "source": {"type": "base64",
                                         "media_type": "image/jpeg",
                                         "data": b64}},
            {"type": "text", "text": "Describe this photo."}]}]}

    def call(req=text, headers=h):
        return ask(port, "POST", "/v1/messages", json.dumps(req).encode(),
                   headers)

    seed("anthropic", "caption", call())
    seed("anthropic", "vision", call(vision))
    seed("anthropic", "bad-key", call(headers=dict(h, **{"x-api-key": "x"})))
    seed("anthropic", "no-version", call(headers={"x-api-key": key}))
    seed("anthropic", "bad-body", call({"model": "m"}))
    bad = json.loads(json.dumps(vision))
    bad["messages"][0]["content"][0]["source"]["media_type"] = "image/png"
    seed("anthropic", "bad-image", call(bad))
    for f in ("500", "529", "429:12", "spend_limit", "garbage", "refusal",
              "max_tokens", "empty", "long"):
        ask(port, "POST", "/_faults", json.dumps([f]).encode())
        seed("anthropic", "fault-" + f.replace(":", "-"), call())


def otlp():
    pk, sk = "pk-lf-seed", "sk-lf-seed"
    port = fake("otlp.py", pk, sk)
    import base64
    auth = "Basic " + base64.b64encode(("%s:%s" % (pk, sk)).encode()).decode()
    h = {"Authorization": auth, "x-langfuse-ingestion-version": "4",
         "Content-Type": "application/json"}
    span = {"traceId": "0" * 31 + "1", "spanId": "0" * 15 + "2",
            "name": "s1", "startTimeUnixNano": "1", "endTimeUnixNano": "2"}
    body = json.dumps({"resourceSpans": [{"scopeSpans": [
        {"spans": [span]}]}]}).encode()
    path = "/api/public/otel/v1/traces"
    seed("otlp", "taken", ask(port, "POST", path, body, h))
    seed("otlp", "bad-auth", ask(port, "POST", path, body,
                                 dict(h, Authorization="Basic eDp5")))
    seed("otlp", "bad-version", ask(port, "POST", path, body, dict(
        h, **{"x-langfuse-ingestion-version": "9"})))
    seed("otlp", "bad-json", ask(port, "POST", path, b"{", h))
    for f in ("503", "429:3", "400", "garbage", "empty"):
        ask(port, "POST", "/_faults", json.dumps([f]).encode())
        seed("otlp", "fault-" + f.replace(":", "-"),
             ask(port, "POST", path, body, h))
    # What the OTLP specification allows beside "{}" (Partial Success),
    # which the fake never says.
    for name, b in (("partial", {"partialSuccess": {
                        "rejectedSpans": "2",
                        "errorMessage": "2 spans had no name"}}),
                    ("partial-number", {"partialSuccess": {
                        "rejectedSpans": 1}}),
                    ("warning", {"partialSuccess": {
                        "errorMessage": "timestamps were in the future"}})):
        seed("otlp", name, (200, [("Content-Type", "application/json")],
                            json.dumps(b).encode()))


def s3(js):
    d = tempfile.mkdtemp()
    p = start(["node", "--openssl-legacy-provider", js, "-d", d, "-a",
               "127.0.0.1", "-p", "0", "--silent", "--service-endpoint",
               "localhost", "--configure-bucket", "photos"],
              stderr=subprocess.STDOUT)
    port = None
    while port is None:
        line = p.stdout.readline().decode()
        if not line:
            sys.exit("s3rver did not start")
        if line.startswith("S3rver listening on 127.0.0.1:"):
            port = int(line.rsplit(":", 1)[1])
    for key in ("pomandi/a.jpg", "pomandi/b%20c.jpg", "pomandi/%C3%A9t%C3%A9"
                ".jpg", "pomandi/deep/d.png", "costume/e.jpg"):
        st, _, _ = ask(port, "PUT", "/photos/" + key, b"\xff\xd8photo",
                       {"Content-Type": "image/jpeg"})
        assert st == 200, key

    def listing(q):
        st, h, body = ask(port, "GET", "/photos?list-type=2&" + q)
        return st, h, body

    def xml(name, answer):
        put("s3", name, answer[2])

    xml("list", listing("max-keys=1000&prefix=pomandi%2F"))
    st, h, body = listing("max-keys=2&prefix=pomandi%2F")
    xml("list-truncated", (st, h, body))
    tok = body.split(b"<NextContinuationToken>")[1].split(b"<")[0].decode()
    import urllib.parse
    xml("list-next", listing("continuation-token=%s&max-keys=2&prefix="
                             "pomandi%%2F" % urllib.parse.quote(tok, "")))
    xml("list-empty", listing("prefix=nobody%2F"))
    xml("list-all", listing("max-keys=1000&prefix="))
    xml("no-bucket", ask(port, "GET", "/nobucket?list-type=2"))
    xml("no-key", ask(port, "GET", "/photos/pomandi/none.jpg"))


def files():
    z = "/usr/share/zoneinfo"
    for name in ("UTC", "Europe/Amsterdam", "America/New_York",
                 "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
                 "America/Sao_Paulo", "Africa/Casablanca"):
        with open(os.path.join(z, name), "rb") as f:
            data = f.read()
        if len(data) <= 4096:
            put("tzif", name.replace("/", "-"), data)
    for src, name in (("assets/herald.example.json", "example.json"),
                      ("assets/demo/herald.json", "demo.json")):
        shutil.copy(os.path.join(SRC, src), os.path.join(CORPUS, "config",
                                                         name))
    # Beside the examples: a brand on S3 publishing to Meta (as
    # tests/integration/feed_meta.sh has it), schedules in time zones.
    put("config", "s3-meta.json", json.dumps({
        "meta": {"base_url": "http://127.0.0.1:8081", "poll_interval":
                 "200ms", "poll_max": 10, "throttle_wait": "1s",
                 "check_settle": "300ms"},
        "langfuse": {"base_url": "http://127.0.0.1:3000", "flush": "100ms",
                     "max_backoff": "1s"},
        "brands": {"pomandi": {
            "language": "nl", "display_name": "Pomandi",
            "approval": "required", "approval_timeout": "2h",
            "photos": {"source": "s3", "bucket": "photos", "prefix": "p/",
                       "region": "eu-west-1",
                       "endpoint": "http://127.0.0.1:9000",
                       "path_style": True, "url_expires": "6h"},
            "captions": {"writer": "claude", "hashtags": ["#pomandi"]},
            "publish": {"to": "meta", "page_id": "1234",
                        "instagram_user_id": "1789",
                        "token_env": "POMANDI_META_TOKEN"}}},
        "schedules": [
            {"id": "pomandi-posts", "workflow": "FeedPublisherWorkflow",
             "input": "pomandi", "cron": ["0 9 * * 1-5", "30 18 * * 6,0"],
             "timezone": "Europe/Amsterdam", "overlap": "buffer_one",
             "catchup": "1h", "jitter": "30s"},
            {"id": "health", "workflow": "diagnostic", "input": {},
             "cron": ["*/5 * * * *"], "timezone": "America/New_York"}]},
        indent=1).encode())
    shutil.copy(os.path.join(SRC, "assets", ".env.example"),
                os.path.join(CORPUS, "dotenv", "example.env"))
    put("dotenv", "forms.env", b"# comment\n\nHT_PLAIN=abc\nexport "
        b"HT_EXPORTED = spaced value  # note\nHT_SINGLE='a #b \\n'\n"
        b"HT_DOUBLE=\"x\\ny \\\"q\\\"\"\r\nHT_EMPTY=\nHT_HASH=a#b\n")


def main():
    for t in ("config", "dotenv", "graph", "anthropic", "otlp", "s3",
              "tzif"):
        os.makedirs(os.path.join(CORPUS, t), exist_ok=True)
    js = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        SRC, "build", "tests", "s3rver", "node_modules", "s3rver", "bin",
        "s3rver.js")
    try:
        files()
        graph(serve_photos())
        anthropic()
        otlp()
        if os.path.exists(js):
            s3(js)
        else:
            print("no s3rver at %s: S3 seeds kept" % js)
    finally:
        for p in procs:
            p.kill()
            p.wait()


main()
