"""A local fake of Langfuse's OTLP/HTTP traces endpoint
(POST /api/public/otel/v1/traces, JSON encoding), following its contract:
HTTP Basic auth with the project's public and secret key (else 401),
x-langfuse-ingestion-version at most 4 and a JSON content type (else 400),
a body that parses as an ExportTraceServiceRequest (else 400); {} on
success.

It records every request it answers, with the spans in it:
GET /_requests returns {"requests": [{"status", "at", "authorization",
"version", "content_type", "spans": [...], "fault"}]} (at: seconds,
float; fault: the fault that shaped the answer, or null).
Faults for the next requests are queued with POST /_faults (a JSON list)
or as extra arguments: "503", "429:<retry-after s>", "400" (the batch
is refused as a bad payload), "echo_auth" (401 whose message quotes the
Authorization header it got and the secret key in it), "garbage" (HTTP
200, Content-Type application/json, a body that is not JSON: what a broken
proxy or a captive portal answers; the spans are not taken), "empty" (HTTP
200 with an empty body, which no JSON-encoded ExportTraceServiceResponse
is; not taken either), "pass".
Binds 127.0.0.1 on PORT (0: a free one) and prints the port.
usage: otlp.py PUBLIC_KEY SECRET_KEY [PORT [FAULT...]]
"""
import base64
import http.server
import json
import socketserver
import sys
import threading
import time

PUBLIC, SECRET = sys.argv[1], sys.argv[2]
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 0
AUTH = "Basic " + base64.b64encode(
    ("%s:%s" % (PUBLIC, SECRET)).encode()).decode()
PATH = "/api/public/otel/v1/traces"
lock = threading.Lock()
faults = list(sys.argv[4:])
requests = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_requests":
            with lock:
                return self.reply(200, {"requests": requests})
        self.reply(404, {"error": "no such path"})

    def record(self, status, spans, fault=None):
        with lock:
            requests.append({
                "status": status, "at": time.time(),
                "authorization": self.headers.get("Authorization"),
                "version": self.headers.get("x-langfuse-ingestion-version"),
                "content_type": self.headers.get("Content-Type"),
                "spans": spans, "fault": fault})

    def raw(self, code, data):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_faults":
            with lock:
                faults.extend(json.loads(body))
            return self.reply(200, {"queued": len(faults)})
        if self.path != PATH:
            return self.reply(404, {"error": "no such path"})
        spans = []
        try:
            req = json.loads(body)
            for rs in req["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    spans.extend(ss["spans"])
            for s in spans:
                assert len(s["traceId"]) == 32 and len(s["spanId"]) == 16
                int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
        except Exception:
            spans = None
        with lock:
            fault = faults.pop(0) if faults else None
        if fault == "echo_auth":
            self.record(401, spans)
            return self.reply(401, {"message": "Invalid credentials: "
                                    "Authorization: %s (public key %s, "
                                    "secret key %s)" % (
                                        self.headers.get("Authorization"),
                                        PUBLIC, SECRET)})
        if self.headers.get("Authorization") != AUTH:
            self.record(401, spans)
            return self.reply(401, {"message": "Invalid credentials"})
        version = self.headers.get("x-langfuse-ingestion-version")
        if version is None or not version.isdigit() or int(version) > 4:
            self.record(400, spans)
            return self.reply(400, {"error": "Unsupported "
                                    "x-langfuse-ingestion-version"})
        if "application/json" not in self.headers.get("Content-Type", ""):
            self.record(400, spans)
            return self.reply(400, {"error": "Invalid content type"})
        if spans is None:
            self.record(400, spans)
            return self.reply(400, {"error": "Failed to parse OTel JSON"})
        if fault == "503":
            self.record(503, spans)
            return self.reply(503, {"error": "Service Unavailable"})
        if fault and fault.startswith("429:"):
            self.record(429, spans)
            return self.reply(429, {"error": "rate limited"},
                              [("Retry-After", fault.split(":")[1])])
        if fault == "400":
            self.record(400, spans)
            return self.reply(400, {"error": "bad payload: injected"})
        if fault == "garbage":
            self.record(200, spans, fault)
            return self.raw(200, b"<html><body>upstream hiccup</body>"
                            b"</html>\n")
        if fault == "empty":
            self.record(200, spans, fault)
            return self.raw(200, b"")
        self.record(200, spans)
        self.reply(200, {})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


srv = Server(("127.0.0.1", PORT), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
