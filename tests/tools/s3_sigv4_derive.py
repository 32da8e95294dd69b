"""How tests/unit/test_s3.c's expected S3 signatures were derived, at
authoring time, independently of herald: with botocore (AWS's Python SDK,
Debian's python3-botocore 1.29) and, for the header case, again with
nothing but hashlib and hmac. Run it with /usr/bin/python3 to see the
values the test records.
"""
import calendar
import hashlib
import hmac
import time

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
STAMP = "20261128T090000Z"
print("time", calendar.timegm(time.strptime(STAMP, "%Y%m%dT%H%M%SZ")))

# 1. Header signing, S3 flavour: UNSIGNED-PAYLOAD, a key with a space and
# a '+', a path with "//" and "/./" that S3 signs as it is.
host = "photos.s3.eu-west-1.amazonaws.com"
path = "/pomandi/2026//./navy%20wool%2Bcoat.jpg"
req = AWSRequest(method="GET", url="https://" + host + path,
                 headers={"host": host,
                          "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                          "x-amz-date": STAMP})
auth = S3SigV4Auth(Credentials(AKID, SECRET), "s3", "eu-west-1")
req.context["timestamp"] = STAMP
canon = auth.canonical_request(req)
sig = auth.signature(auth.string_to_sign(req, canon), req)
print("header canonical", repr(canon))
print("header signature", sig)


def h(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


key = h(h(h(h(("AWS4" + SECRET).encode(), STAMP[:8]), "eu-west-1"), "s3"),
        "aws4_request")
sts = "\n".join(["AWS4-HMAC-SHA256", STAMP,
                 STAMP[:8] + "/eu-west-1/s3/aws4_request",
                 hashlib.sha256(canon.encode()).hexdigest()])
assert hmac.new(key, sts.encode(), hashlib.sha256).hexdigest() == sig


# 2. Presigned GETs: AWS virtual-host style; a path-style endpoint with a
# session token.
def presign(creds, url, host, expires):
    req = AWSRequest(method="GET", url=url, headers={"host": host})
    q = S3SigV4QueryAuth(creds, "s3", "eu-west-1", expires=expires)
    req.context["timestamp"] = STAMP
    q._modify_request_before_signing(req)
    sig = q.signature(q.string_to_sign(req, q.canonical_request(req)), req)
    q._inject_signature_to_request(req, sig)
    return req.url


print("presign vhost", presign(
    Credentials(AKID, SECRET),
    "https://" + host + "/pomandi/navy%20wool%2Bcoat.jpg", host, 21600))
print("presign path+token", presign(
    Credentials(AKID, SECRET, "IQoJb3JpZ2luX2VjE+token/x="),
    "http://127.0.0.1:9000/photos/pomandi/a%20b%2Bc.png", "127.0.0.1:9000",
    604800))
