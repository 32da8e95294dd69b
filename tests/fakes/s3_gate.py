"""A SigV4-checking front for s3rver, on 127.0.0.1.

s3rver 3.7.1 (the S3 server the integration test runs) checks the shape of
a SigV4 request (the access key id, x-amz-content-sha256, the date, a
presigned URL's expiry) but not the signature itself: its authentication
middleware says "Signature version 4 calculation is unimplemented" and
accepts any. This gate does what S3 does before a request reaches a
bucket: it recomputes the signature of every request (GET, PUT, HEAD,
DELETE, POST), header-signed or presigned, with botocore's signers (AWS's
own Python SDK, Debian's python3-botocore: an implementation independent of
herald's), and refuses a mismatch with S3's own error document; what
passes goes to s3rver unchanged and s3rver's answer comes back unchanged
(a HEAD's Content-Length too).

A header-signed request must sign host and x-amz-content-sha256, and that
header must be the body's hex SHA-256 (or UNSIGNED-PAYLOAD): else 400
XAmzContentSHA256Mismatch, as S3 answers. A body needs a Content-Length:
a chunked one is 411 MissingContentLength. As S3 does, a refused HEAD has
no body.

The canonical URI is the decoded path encoded again (as S3 does), the
canonical query the decoded parameters encoded again, so an encoding
mistake in the client cannot cancel itself out.

Faults for the next requests are queued with POST /_faults, a JSON list of
  "slowdown" (503 SlowDown), "500" (500 InternalError), "echo_token" (400
  InvalidToken quoting the session token sent, in <Token-0> as S3 does and
  in the message too, as a careless S3-compatible store might), "slow:<s>"
  (waits <s> seconds, then goes on as "pass"), "pass".
GET /_stats returns {"checked": N, "refused": N}.
Prints its port. usage: s3_gate.py UPSTREAM_PORT ACCESS_KEY SECRET_KEY REGION
"""
import calendar
import hashlib
import http.client
import http.server
import json
import re
import socketserver
import sys
import threading
import time
import urllib.parse

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UPSTREAM = int(sys.argv[1])
ACCESS, SECRET, REGION = sys.argv[2], sys.argv[3], sys.argv[4]
CREDS = Credentials(ACCESS, SECRET)
lock = threading.Lock()
faults = []
stats = {"checked": 0, "refused": 0}

AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/s3/aws4_request,"
    r" ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def split_query(raw):
    """(name, value) pairs, percent-decoded ('+' stays '+', as S3 reads
    a query)."""
    pairs = []
    for part in raw.split("&") if raw else []:
        k, _, v = part.partition("=")
        pairs.append((urllib.parse.unquote(k), urllib.parse.unquote(v)))
    return pairs


def amz_time(stamp):
    try:
        return calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    except (ValueError, TypeError):
        raise Refused(403, "AccessDenied",
                      "AWS authentication requires a valid Date or "
                      "x-amz-date header")


def request_for(method, host, path, headers, names, params):
    """The request botocore signs: the canonical path, the signed
    headers only, the decoded parameters."""
    signed = {}
    for name in names:
        if name not in headers:
            raise Refused(403, "AccessDenied",
                          "There were headers present in the request "
                          "which were not signed")
        signed[name] = headers[name]
    canon_path = urllib.parse.quote(urllib.parse.unquote(path), safe="/~")
    req = AWSRequest(method=method, url="http://" + host + canon_path,
                     headers=signed)
    req.params = params
    return req


def check_scope(akid, day, region, stamp):
    if akid != ACCESS:
        raise Refused(403, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist "
                      "in our records.")
    if region != REGION:
        raise Refused(400, "AuthorizationHeaderMalformed",
                      "The authorization header is malformed; the region "
                      "'%s' is wrong; expecting '%s'" % (region, REGION))
    if stamp[:8] != day:
        raise Refused(403, "SignatureDoesNotMatch",
                      "The credential's date is not the request's date")


def verify(method, path, query, headers, body):
    """Raises Refused unless the request is signed with our key."""
    params = split_query(query)
    names = dict(params)
    if "X-Amz-Algorithm" in names:
        if names["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Algorithm only supports "
                          "\"AWS4-HMAC-SHA256\"")
        try:
            akid, day, region, service, term = \
                names["X-Amz-Credential"].split("/")
            stamp, given = names["X-Amz-Date"], names["X-Amz-Signature"]
            expires = int(names["X-Amz-Expires"])
            signed = names["X-Amz-SignedHeaders"].split(";")
        except (KeyError, ValueError):
            raise Refused(400, "AuthorizationQueryParametersError",
                          "Query-string authentication version 4 requires "
                          "the X-Amz-Algorithm, X-Amz-Credential, "
                          "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                          "and X-Amz-Expires parameters.")
        check_scope(akid, day, region, stamp)
        if not 1 <= expires <= 604800:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Expires must be less than a week (in "
                          "seconds); that is, the given X-Amz-Expires must "
                          "be less than 604800 seconds")
        if time.time() > amz_time(stamp) + expires:
            raise Refused(403, "AccessDenied", "Request has expired")
        auth = S3SigV4QueryAuth(CREDS, "s3", REGION, expires=expires)
        req = request_for(method, headers.get("host", ""), path, headers,
                          signed, [p for p in params
                                   if p[0] != "X-Amz-Signature"])
    elif "authorization" in headers:
        m = AUTH_RE.match(headers["authorization"])
        if not m:
            raise Refused(400, "AuthorizationHeaderMalformed",
                          "The authorization header is malformed")
        akid, day, region, signed, given = m.groups()
        stamp = headers.get("x-amz-date", "")
        check_scope(akid, day, region, stamp)
        if abs(time.time() - amz_time(stamp)) > 900:
            raise Refused(403, "RequestTimeTooSkewed",
                          "The difference between the request time and "
                          "the current time is too large.")
        payload = headers.get("x-amz-content-sha256")
        if payload is None:
            raise Refused(400, "InvalidRequest",
                          "Missing required header for this request: "
                          "x-amz-content-sha256")
        if payload != "UNSIGNED-PAYLOAD" and \
                payload != hashlib.sha256(body).hexdigest():
            raise Refused(400, "XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does "
                          "not match what was computed.")
        signed = signed.split(";")
        if "host" not in signed or "x-amz-content-sha256" not in signed:
            raise Refused(403, "AccessDenied",
                          "Host and x-amz-content-sha256 must be signed")
        auth = S3SigV4Auth(CREDS, "s3", REGION)
        req = request_for(method, headers.get("host", ""), path, headers,
                          signed, params)
    else:
        raise Refused(403, "AccessDenied", "Access Denied")
    req.context["timestamp"] = stamp
    want = auth.signature(auth.string_to_sign(req,
                          auth.canonical_request(req)), req)
    if want != given:
        raise Refused(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match "
                      "the signature you provided. Check your key and "
                      "signing method.")


def error_xml(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
            "</Code><Message>%s</Message><RequestId>gate</RequestId>"
            "</Error>" % (code, message)).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body, headers=(), length=None):
        """length: the Content-Length to announce, when not len(body) (a
        HEAD passed on from s3rver)."""
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length",
                         str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            with lock:
                stats["refused"] += 1
            return self.send(411, error_xml(
                "MissingContentLength", "You must provide the "
                "Content-Length HTTP header."),
                [("Content-Type", "application/xml")])
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_faults" and self.command == "POST":
            with lock:
                faults.extend(json.loads(body))
            return self.send(200, b"{}")
        if url.path == "/_stats":
            with lock:
                return self.send(200, json.dumps(stats).encode())
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            verify(self.command, url.path, url.query, headers, body)
        except Refused as r:
            with lock:
                stats["refused"] += 1
            return self.send(r.status, error_xml(r.code, r.message),
                             [("Content-Type", "application/xml")])
        with lock:
            stats["checked"] += 1
            fault = faults.pop(0) if faults else None
        if fault is not None and fault.startswith("slow:"):
            time.sleep(float(fault.split(":")[1]))
        if fault == "slowdown":
            return self.send(503, error_xml(
                "SlowDown", "Please reduce your request rate."),
                [("Content-Type", "application/xml")])
        if fault == "echo_token":
            token = headers.get("x-amz-security-token") or \
                dict(split_query(url.query)).get("X-Amz-Security-Token", "")
            body = error_xml("InvalidToken", "The provided token is "
                             "malformed or otherwise invalid: %s" % token)
            body = body.replace(b"</Error>", ("<Token-0>%s</Token-0>"
                                              "</Error>" % token).encode())
            return self.send(400, body,
                             [("Content-Type", "application/xml")])
        if fault == "500":
            return self.send(500, error_xml(
                "InternalError", "We encountered an internal error. "
                "Please try again."), [("Content-Type", "application/xml")])
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
        try:
            conn.putrequest(self.command, self.path, skip_host=True,
                            skip_accept_encoding=True)
            # The body is here already: no Expect: 100-continue.
            for k, v in self.headers.items():
                if k.lower() not in ("connection", "content-length",
                                     "expect"):
                    conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            keep = [(k, v) for k, v in resp.getheaders() if k.lower() not in
                    ("connection", "content-length", "transfer-encoding",
                     "keep-alive", "date")]
            self.send(resp.status, data, keep,
                      resp.getheader("Content-Length")
                      if self.command == "HEAD" else None)
        finally:
            conn.close()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
