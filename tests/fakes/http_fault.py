"""A local HTTP server that misbehaves on request, for the HTTP helper's
tests. Binds 127.0.0.1 on a free port, prints the port, serves until
killed. Paths:
  /ok                     200 {"ok": true}
  /status/<code>          that status, a JSON error body; query
                          retry_after=S, retry_after_ms=MS, should_retry=
                          true|false add those headers
  /slow?ms=N              waits N ms, then 200
  /big?bytes=N            200 with N bytes
  /garbage                200 with bytes that are not JSON
  /echo                   200 with the request's method, headers and body
usage: http_fault.py
"""
import http.server
import json
import socketserver
import sys
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length) if length else b""
        if url.path == "/ok":
            self.send(200, b'{"ok": true}')
        elif url.path.startswith("/status/"):
            code = int(url.path.split("/")[2])
            headers = []
            if "retry_after" in q:
                headers.append(("Retry-After", q["retry_after"]))
            if "retry_after_ms" in q:
                headers.append(("retry-after-ms", q["retry_after_ms"]))
            if "should_retry" in q:
                headers.append(("x-should-retry", q["should_retry"]))
            self.send(code, json.dumps({"type": "error", "error": {
                "type": "fault", "message": "injected %d" % code}}).encode(),
                headers)
        elif url.path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.send(200, b'{"slow": true}')
        elif url.path == "/big":
            self.send(200, b"x" * int(q.get("bytes", "0")))
        elif url.path == "/garbage":
            self.send(200, b"\xff\x00<html>not json")
        elif url.path == "/echo":
            self.send(200, json.dumps({
                "method": self.command,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace")}).encode())
        else:
            self.send(404, b'{"error": "no such path"}')

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients hang up on purpose here (cancel, size cap, deadline).
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


main()
