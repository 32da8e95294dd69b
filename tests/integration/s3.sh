# S3 photos against an independent S3 server: the npm package s3rver
# 3.7.1 (installed once into the build dir) behind tests/fakes/s3_gate.py,
# which recomputes every request's SigV4 signature with botocore, because
# s3rver itself only checks a signature's shape. A bucket of 1,000+
# objects: the listing follows continuation tokens and sees them all (runs
# pick only the images, each once, then "no unused photo left"); path
# style and virtual-host style; presigned URLs fetch the photo, tampered
# or expired ones are refused; wrong credentials fail for good with S3's
# message; SlowDown is retried; every channel gets its variant (Claude
# too, inline, whatever the original's size); nothing secret is kept or
# logged. The library's writes
# (tests/tools/s3_tool.c: PutObject, HeadObject, DeleteObject, and
# GetObject and the listing to read them back) go through the same gate,
# which refuses a tampered signature and a body that is not the one signed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3lib.sh"

S="$T/s"
FAKEPID=""
trap 'kill $FAKEPID 2>/dev/null || true; s3_down; cleanup' EXIT INT TERM
s3_up
AKID=$S3_AKID SECRET=$S3_SECRET UP=$S3_UP G=$S3_GATE
KEY=sk-ant-fake-$$-0123456789
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/fake.port" &
FAKEPID=$!
wait_for test -s "$T/fake.port" || fail "the Anthropic fake did not start"
FAKE=$(cat "$T/fake.port")

# The gate is no rubber stamp: curl's own SigV4 signer gets through, the
# same request with a wrong secret does not.
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
gate_curl() { # SECRET: a signed listing of the empty bucket's root
	curl -s -o "$T/gc" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 \
		--user "$AKID:$1" -H "x-amz-content-sha256: $EMPTY" \
		"http://127.0.0.1:$G/photos?list-type=2"
}
[ "$(gate_curl "$SECRET")" = 200 ] || fail "the gate refused curl: $(cat "$T/gc")"
[ "$(gate_curl wrong)" = 403 ] && grep -q SignatureDoesNotMatch "$T/gc" ||
	fail "the gate let a wrong secret through: $(cat "$T/gc")"

# The bucket. pomandi/: 1,001 notes, 4 images (two sort after the notes,
# on the listing's second page), a hidden file, an empty image, a text.
# Beside it: costume/ and a look-alike prefix. Uploaded straight to s3rver.
P="$SRC/assets/photos"
printf 'not a photo\n' >"$T/note.txt"
: >"$T/empty.jpg"
"$BUILD/mkphoto" "$T/pixel.png" 400 500
# Over Claude's inline limit (3.75 MiB): a real JPEG with padding after it;
# Claude gets its variant all the same.
{ cat "$P/costume/midnight-blue-tuxedo.jpg"; head -c 4500000 /dev/zero; } >"$T/big.jpg"
put() { # FILE KEY (already URL-encoded)
	printf 'url = "http://127.0.0.1:%s/photos/%s"\nupload-file = "%s"\n' \
		"$UP" "$2" "$1"
}
{
	for i in $(seq -w 1 1001); do put "$T/note.txt" "pomandi/notes/n$i.txt"; done
	put "$P/pomandi/navy-wool-overcoat.jpg" "pomandi/000%20first%2Blook.jpg"
	put "$P/pomandi/white-linen-shirt.jpg" "pomandi/2026/linen-shirt.JPEG"
	put "$P/pomandi/grey-knit-sweater.jpg" "pomandi/notes/zebra.jpeg"
	put "$T/pixel.png" "pomandi/zz-last.png"
	put "$P/pomandi/blue-denim-jacket.jpg" "pomandi/.hidden.jpg"
	put "$T/empty.jpg" "pomandi/empty.jpg"
	put "$T/note.txt" "pomandi/readme.txt"
	put "$P/pomandi/brown-leather-shoes.jpg" "pomandiX/wrong.jpg"
	put "$P/costume/beige-summer-suit.jpg" "costume/beige%20suit.jpg"
	put "$T/big.jpg" "atelier/big%20poster.jpg"
	put "$P/costume/burgundy-silk-tie.jpg" "atelier/small.jpg"
	put "$T/big.jpg" "studio/big%20again.jpg"
} >"$T/upload.cfg"
curl -s -K "$T/upload.cfg" -w '%{http_code}\n' -o /dev/null >"$T/codes"
[ "$(grep -c '^200$' "$T/codes")" -eq 1013 ] ||
	fail "uploads: $(sort "$T/codes" | uniq -c)"
# key -> the file it holds, for checking what was published
src_of() {
	case "$1" in
	"pomandi/000 first+look.jpg") echo "$P/pomandi/navy-wool-overcoat.jpg" ;;
	pomandi/2026/linen-shirt.JPEG) echo "$P/pomandi/white-linen-shirt.jpg" ;;
	pomandi/notes/zebra.jpeg) echo "$P/pomandi/grey-knit-sweater.jpg" ;;
	pomandi/zz-last.png) echo "$T/pixel.png" ;;
	"costume/beige suit.jpg") echo "$P/costume/beige-summer-suit.jpg" ;;
	*) echo "/nonexistent" ;;
	esac
}

# pomandi: path style; costume: virtual-host style (libcurl resolves
# photos.s3.localhost to the loopback); studio and atelier: Claude writes.
cat >"$T/herald.json" <<JSON
{"brands": {
  "pomandi": {"language": "nl", "display_name": "Pomandi",
    "photos": {"source": "s3", "bucket": "photos",
               "endpoint": "http://127.0.0.1:$G", "path_style": true}},
  "costume": {"language": "fr",
    "photos": {"source": "s3", "bucket": "photos", "prefix": "costume/",
               "endpoint": "http://s3.localhost:$G", "url_expires": "2h"}},
  "studio": {"language": "en",
    "photos": {"source": "s3", "bucket": "photos", "prefix": "studio/",
               "endpoint": "http://127.0.0.1:$G", "path_style": true},
    "captions": {"writer": "claude"}},
  "atelier": {"language": "en",
    "photos": {"source": "s3", "bucket": "photos", "prefix": "atelier/",
               "endpoint": "http://127.0.0.1:$G", "path_style": true},
    "captions": {"writer": "claude"}}},
 "anthropic": {"base_url": "http://127.0.0.1:$FAKE",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}}}
JSON
export ANTHROPIC_API_KEY="$KEY"

# The credentials are required at start, and the message says where.
rc=0
env -u AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY="$SECRET" "$HERALDD" \
	--state-dir "$S" --config "$T/herald.json" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "started without AWS_ACCESS_KEY_ID"
grep -q "herald.json: brands.pomandi.photos.source: s3 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" \
	"$T/err" || fail "missing credentials message: $(cat "$T/err")"

run() { # ID BRAND: one FeedPublisherWorkflow run
	h workflow execute --type FeedPublisherWorkflow --input "\"$2\"" \
		--id "$1" >/dev/null 2>&1 || true
	h workflow describe "$1" --json >"$T/$1.json"
}
field() { # ID JQ
	jq -r "$2" "$T/$1.json"
}

# Wrong credentials: S3's refusal, final at the first attempt.
export AWS_ACCESS_KEY_ID="$AKID"
for bad in secret akid; do
	if [ $bad = secret ]; then
		export AWS_SECRET_ACCESS_KEY=not-the-secret
		want="S3 403 SignatureDoesNotMatch: The request signature we calculated does not match"
	else
		export AWS_ACCESS_KEY_ID=AKIDUNKNOWN AWS_SECRET_ACCESS_KEY="$SECRET"
		want="S3 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist"
	fi
	start_daemon --state-dir "$S" --config "$T/herald.json"
	run "bad-$bad" pomandi
	[ "$(field "bad-$bad" .status)" = failed ] &&
		[ "$(field "bad-$bad" '.steps[0].attempt')" = 1 ] ||
		fail "wrong $bad: $(cat "$T/bad-$bad.json")"
	field "bad-$bad" '.steps[0].last_error' | grep -q "$want" ||
		fail "wrong $bad message: $(field "bad-$bad" '.steps[0].last_error')"
	stop_daemon
done
export AWS_ACCESS_KEY_ID="$AKID" AWS_SECRET_ACCESS_KEY="$SECRET"
start_daemon --state-dir "$S" --config "$T/herald.json"

# SlowDown is S3 asking to wait: retried.
curl -s -X POST "http://127.0.0.1:$G/_faults" -d '["slowdown"]' >/dev/null
run p1 pomandi
[ "$(field p1 .status)" = completed ] || fail "p1: $(cat "$T/p1.json")"
[ "$(field p1 '.steps[0].attempt')" = 2 ] || fail "SlowDown was not retried"
field p1 '.steps[0].last_error' | grep -q "S3 503 SlowDown: Please reduce your request rate" ||
	fail "SlowDown message: $(field p1 '.steps[0].last_error')"

# Four images under the prefix, two of them on the second page: four runs
# take each once; the fifth finds none left.
for i in 2 3 4; do
	run "p$i" pomandi
	[ "$(field "p$i" .status)" = completed ] || fail "p$i: $(cat "$T/p$i.json")"
done
for i in 1 2 3 4; do
	field "p$i" '.steps[0].result.key'
done | sort >"$T/keys"
printf '%s\n' "pomandi/000 first+look.jpg" pomandi/2026/linen-shirt.JPEG \
	pomandi/notes/zebra.jpeg pomandi/zz-last.png | sort >"$T/want"
cmp -s "$T/keys" "$T/want" || fail "picked: $(cat "$T/keys")"
for i in 1 2 3 4; do
	key=$(field "p$i" '.steps[0].result.key')
	field "p$i" '.steps[0].result | "\(.source) \(.bucket) \(.bytes)"' >"$T/r"
	[ "$(cat "$T/r")" = "s3 photos $(stat -c %s "$(src_of "$key")")" ] ||
		fail "p$i result: $(cat "$T/r")"
	post="$S/outbox/instagram/p$i"
	ls "$post"/photo.* >/dev/null 2>&1 || fail "p$i: no photo in the outbox"
	# The channel's variant: a JPEG the size of the original.
	src=$(src_of "$key")
	"$BUILD/photoinfo" "$post/photo.jpg" >"$T/pi" || fail "p$i: no photo posted"
	jq -e --argjson s "$("$BUILD/photoinfo" "$src")" '.format == "jpeg" and
	  .width == $s.width and .height == $s.height' "$T/pi" >/dev/null ||
		fail "p$i: the posted photo is not $key's variant: $(cat "$T/pi")"
	jq -e --arg k "$key" '.photo_key == $k' "$post/post.json" >/dev/null ||
		fail "p$i post.json: $(cat "$post/post.json")"
done
for i in 1 2 3 4; do
	field "p$i" '.steps[1].result.subject'
done | grep / && fail "a subject kept the key's folders"
run p5 pomandi
[ "$(field p5 .status)" = failed ] && [ "$(field p5 '.steps[0].attempt')" = 1 ] ||
	fail "p5: $(cat "$T/p5.json")"
field p5 '.steps[0].last_error' | grep -qF \
	"no unused photo left for brand pomandi in s3://photos/pomandi/ (5 photos: 4 used or reserved, 0 set aside, 1 empty;" ||
	fail "exhausted: $(field p5 '.steps[0].last_error')"

# Virtual-host style.
run c1 costume
[ "$(field c1 .status)" = completed ] || fail "c1: $(cat "$T/c1.json")"
[ "$(field c1 '.steps[0].result.key')" = "costume/beige suit.jpg" ] &&
	"$BUILD/photoinfo" "$S/outbox/facebook/c1/photo.jpg" |
	jq -e '.format == "jpeg" and .width == 480' >/dev/null ||
	fail "c1: wrong photo"

# Claude: every photo inline, as its variant (a JPEG at most 1568 px):
# the one over the inline limit as a file too, and never as a URL.
run s0 studio
run a1 atelier
run a2 atelier
for r in s0 a1 a2; do
	[ "$(field $r .status)" = completed ] || fail "$r: $(cat "$T/$r.json")"
	field $r '"\(.steps[0].result.key) \(.steps[1].result.image_source)"'
done | sort >"$T/sources"
printf '%s\n' "atelier/big poster.jpg base64" "atelier/small.jpg base64" \
	"studio/big again.jpg base64" >"$T/want"
cmp -s "$T/sources" "$T/want" || fail "image sources: $(cat "$T/sources")"
curl -s "http://127.0.0.1:$FAKE/_stats" | jq -e '.image_sources ==
	{"base64": 3, "url": 0}' >/dev/null || fail "the fake saw other images"
for r in a1 a2; do
	[ "$(field $r '.steps[0].result.key')" = "atelier/big poster.jpg" ] || continue
	"$BUILD/photoinfo" "$S/outbox/facebook/$r/photo.jpg" |
		jq -e '.format == "jpeg" and .width == 480 and .bytes < 1000000' >/dev/null ||
		fail "the large photo's variant: $("$BUILD/photoinfo" "$S/outbox/facebook/$r/photo.jpg")"
done
h publication list --json | jq -e '[.publications[] |
	select(.channel == "facebook")] | length == 8' >/dev/null ||
	fail "publications: $(h publication list --json)"

# Presigned URLs: the photo's bytes; refused when tampered or expired.
P3="$BUILD/s3-presign"
url=$("$P3" photos "pomandi/000 first+look.jpg" 60 "http://127.0.0.1:$G" path)
[ "$(curl -s -o "$T/got" -w '%{http_code}' "$url")" = 200 ] &&
	cmp -s "$T/got" "$P/pomandi/navy-wool-overcoat.jpg" ||
	fail "presigned path-style GET: $(head -c 300 "$T/got")"
url=$("$P3" photos "costume/beige suit.jpg" 60 "http://s3.localhost:$G" vhost)
[ "$(curl -s -o "$T/got" -w '%{http_code}' "$url")" = 200 ] &&
	cmp -s "$T/got" "$P/costume/beige-summer-suit.jpg" ||
	fail "presigned virtual-host GET: $(head -c 300 "$T/got")"
url=$("$P3" photos "pomandi/000 first+look.jpg" 60 "http://127.0.0.1:$G" path)
last=${url#"${url%?}"}
flip=$([ "$last" = 0 ] && echo 1 || echo 0)
refused() { # URL CODE
	[ "$(curl -s -o "$T/got" -w '%{http_code}' "$1")" = 403 ] &&
		grep -q "<Code>$2</Code>" "$T/got"
}
refused "${url%?}$flip" SignatureDoesNotMatch || fail "a tampered signature: $(cat "$T/got")"
refused "$(echo "$url" | sed 's/first/First/')" SignatureDoesNotMatch ||
	fail "a tampered key: $(cat "$T/got")"
refused "$(echo "$url" | sed 's/X-Amz-Expires=60/X-Amz-Expires=600/')" \
	SignatureDoesNotMatch || fail "a longer expiry: $(cat "$T/got")"
url=$("$P3" photos "pomandi/000 first+look.jpg" 1 "http://127.0.0.1:$G" path)
sleep 2
refused "$url" AccessDenied && grep -q "Request has expired" "$T/got" ||
	fail "an expired URL: $(cat "$T/got")"

# Writes, each signed by the library. Put, then head (the size), the
# listing (the ETag, quotes gone, is the bytes' MD5, as S3's is for a
# single PUT), get (the same bytes), the Content-Type kept; a second put
# replaces; an empty object, a 3 MB one; delete, then head says missing,
# and a second delete is no error (S3 answers 204 either way).
s3t() { "$BUILD/s3-tool" "http://127.0.0.1:$G" path photos "$@"; }
F1="$P/pomandi/navy-wool-overcoat.jpg" F2="$P/costume/beige-summer-suit.jpg"
md5() { md5sum <"$1" | cut -d' ' -f1; }
key="writes/a b+c.jpg"
s3t put "$key" "$F1" image/jpeg 2>"$T/err" || fail "put: $(cat "$T/err")"
[ "$(s3t head "$key")" = "exists $(stat -c %s "$F1")" ] ||
	fail "head after put: $(s3t head "$key" 2>&1)"
s3t list writes/ >"$T/wl" || fail "list writes/"
[ "$(cat "$T/wl")" = "$(printf '%s\t%s\t%s' "$key" "$(stat -c %s "$F1")" \
	"$(md5 "$F1")")" ] || fail "list: $(cat "$T/wl")"
s3t get "$key" "$T/back" && cmp -s "$T/back" "$F1" || fail "get after put"
curl -sI "http://127.0.0.1:$UP/photos/writes/a%20b%2Bc.jpg" |
	grep -qi '^content-type: image/jpeg' || fail "the Content-Type was lost"
s3t put "$key" "$F2" image/jpeg && s3t get "$key" "$T/back" &&
	cmp -s "$T/back" "$F2" && [ "$(s3t head "$key")" = \
	"exists $(stat -c %s "$F2")" ] || fail "a second put did not replace"
"$BUILD/s3-tool" "http://s3.localhost:$G" vhost photos put writes/v.jpg \
	"$F1" 2>"$T/err" && [ "$(s3t head writes/v.jpg)" = \
	"exists $(stat -c %s "$F1")" ] || fail "virtual-host put: $(cat "$T/err")"
: >"$T/nothing"
s3t put writes/empty "$T/nothing" && [ "$(s3t head writes/empty)" = \
	"exists 0" ] || fail "an empty object"
s3t list writes/ | cut -f1,3 >"$T/wl"
grep -qxF "$(printf 'writes/empty\t%s' "$(md5 "$T/nothing")")" "$T/wl" ||
	fail "list: $(cat "$T/wl")"
# Over libcurl's 1 MiB threshold for Expect: 100-continue.
head -c 3000000 /dev/urandom >"$T/big.bin"
s3t put writes/big.bin "$T/big.bin" && [ "$(s3t head writes/big.bin)" = \
	"exists 3000000" ] && s3t get writes/big.bin "$T/back" &&
	cmp -s "$T/back" "$T/big.bin" || fail "a 3 MB put"
s3t delete "$key" && [ "$(s3t head "$key")" = missing ] ||
	fail "head after delete: $(s3t head "$key" 2>&1)"
s3t delete "$key" || fail "deleting a missing key"
[ "$(s3t head writes/never)" = missing ] || fail "head of a key never put"
# Wrong credentials: refused by the gate, for good, nothing written or
# deleted; a refused HEAD says only its status (it has no body).
rc=0
AWS_SECRET_ACCESS_KEY=wrong s3t put writes/x "$F1" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q "S3 putting s3://photos/writes/x: S3 403 \
SignatureDoesNotMatch: .* (fail)$" "$T/err" && [ "$(s3t head writes/x)" = \
	missing ] || fail "a put with a wrong secret: $(cat "$T/err")"
rc=0
AWS_SECRET_ACCESS_KEY=wrong s3t head writes/v.jpg 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q "S3 403 (no S3 error in the body) (fail)$" \
	"$T/err" || fail "a head with a wrong secret: $(cat "$T/err")"
rc=0
AWS_SECRET_ACCESS_KEY=wrong s3t delete writes/v.jpg 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q "SignatureDoesNotMatch" "$T/err" &&
	[ "$(s3t head writes/v.jpg)" != missing ] ||
	fail "a delete with a wrong secret: $(cat "$T/err")"
# PUTs signed by botocore (not herald): as signed, it goes in; the same
# with one hex digit of the signature changed, or with other bytes than
# the signed ones, is refused as S3 refuses them; a chunked body too.
/usr/bin/python3 - "$G" "$AKID" "$SECRET" >"$T/raw" <<'PY'
import hashlib, http.client, re, sys
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port, akid, secret = sys.argv[1:]

def put(key, body, sent=None, tamper=False):
    req = AWSRequest(method="PUT", url="http://127.0.0.1:%s/photos/%s" % (
        port, key), data=body, headers={
        "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
        "Content-Type": "image/jpeg"})
    S3SigV4Auth(Credentials(akid, secret), "s3", "us-east-1").add_auth(req)
    h = dict(req.headers.items())
    if tamper:
        a = h["Authorization"]
        h["Authorization"] = a[:-1] + ("0" if a[-1] != "0" else "1")
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=20)
    c.request("PUT", "/photos/" + key, body=body if sent is None else sent,
              headers=h)
    r = c.getresponse()
    code = re.search(rb"<Code>(.*?)</Code>", r.read())
    print(key, r.status, code.group(1).decode() if code else "-")

put("raw/signed", b"signed bytes")
put("raw/tampered", b"signed bytes", tamper=True)
put("raw/swapped", b"signed bytes", sent=b"others bytes")
PY
printf '%s\n' "raw/signed 200 -" "raw/tampered 403 SignatureDoesNotMatch" \
	"raw/swapped 400 XAmzContentSHA256Mismatch" >"$T/want"
cmp -s "$T/raw" "$T/want" || fail "botocore's puts: $(cat "$T/raw")"
[ "$(s3t head raw/signed)" = "exists 12" ] &&
	[ "$(s3t head raw/tampered)" = missing ] &&
	[ "$(s3t head raw/swapped)" = missing ] ||
	fail "what the refused puts left: $(s3t list raw/)"
[ "$(curl -s -o "$T/got" -w '%{http_code}' -X PUT -H \
	'Transfer-Encoding: chunked' --data-binary x \
	"http://127.0.0.1:$G/photos/raw/chunked")" = 411 ] &&
	grep -q MissingContentLength "$T/got" ||
	fail "a chunked put: $(cat "$T/got")"

# Every request herald made went through the check; the refused ones are
# the wrong credentials' and this test's own (curl's wrong secret, three
# tampered URLs, an expired one, the wrong secret's put, head and delete,
# botocore's tampered and swapped puts, the chunked one).
curl -s "http://127.0.0.1:$G/_stats" >"$T/gstats"
jq -e '.checked > 30 and .refused == 13' "$T/gstats" >/dev/null ||
	fail "gate stats: $(cat "$T/gstats")"

# No secret and no presigned URL is kept or logged anywhere.
for id in bad-secret bad-akid p1 p2 p3 p4 p5 c1 s0 a1 a2; do
	h workflow show "$id" --json
done >"$T/shows"
if grep -rl -e "X-Amz-Signature" -e "X-Amz-Credential" -e "not-the-secret" \
	-e "$KEY" -e "$SECRET" "$T/daemon.log" "$S"/herald.db* "$S/outbox" "$T/shows"; then
	fail "a secret or a presigned URL was kept"
fi
stop_daemon
echo ok
