# An S3 service for a test: s3_up installs the npm package s3rver 3.7.1
# once into the build dir, starts it on 127.0.0.1 with the bucket "photos",
# and puts tests/fakes/s3_gate.py in front of it (s3rver checks only the
# shape of a SigV4 signature; the gate recomputes each one with botocore).
# Sets S3_UP (s3rver's port, for uploads) and S3_GATE (the port heraldd
# talks to); s3_put FILE KEY uploads; s3_down stops both. Credentials are
# s3rver's built-in account. Source after lib.sh.
S3_AKID=S3RVER
S3_SECRET=S3RVER
S3_CACHE="$BUILD/tests/s3rver"
S3RVER="$S3_CACHE/node_modules/s3rver/bin/s3rver.js"
S3_PID="" S3_GATE_PID=""
s3_down() {
	for p in $S3_PID $S3_GATE_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	S3_PID="" S3_GATE_PID=""
}
s3_up() {
	# Tests running at once share the cache: one installs, the others
	# wait for it.
	mkdir -p "$S3_CACHE"
	(
		flock 9
		if [ ! -f "$S3RVER" ]; then
			npm install --prefix "$S3_CACHE" --no-audit --no-fund \
				--loglevel=error s3rver@3.7.1 >"$T/npm.log" 2>&1 ||
				exit 1
		fi
	) 9>"$S3_CACHE.lock" ||
		fail "npm install s3rver@3.7.1: $(tail -n 5 "$T/npm.log")"
	v=$(node -p "require('$S3_CACHE/node_modules/s3rver/package.json').version")
	[ "$v" = 3.7.1 ] || fail "s3rver in $S3_CACHE is $v, not 3.7.1"
	mkdir -p "$T/s3data"
	# s3rver makes its continuation tokens with DES, which OpenSSL 3
	# keeps in its legacy provider: without it every truncated listing
	# is a 500.
	node --openssl-legacy-provider "$S3RVER" -d "$T/s3data" -a 127.0.0.1 \
		-p 0 --silent --service-endpoint localhost \
		--configure-bucket photos >"$T/s3rver.log" 2>&1 &
	S3_PID=$!
	wait_for grep -q "listening on" "$T/s3rver.log" ||
		fail "s3rver did not start: $(cat "$T/s3rver.log")"
	S3_UP=$(sed -n 's/^S3rver listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
		"$T/s3rver.log")
	/usr/bin/python3 "$SRC/tests/fakes/s3_gate.py" "$S3_UP" "$S3_AKID" \
		"$S3_SECRET" us-east-1 >"$T/gate.port" 2>"$T/gate.err" &
	S3_GATE_PID=$!
	wait_for test -s "$T/gate.port" ||
		fail "the gate did not start: $(cat "$T/gate.err")"
	S3_GATE=$(cat "$T/gate.port")
}
# s3_put FILE KEY: KEY already URL-encoded.
s3_put() {
	code=$(curl -s -o /dev/null -w '%{http_code}' -T "$1" \
		"http://127.0.0.1:$S3_UP/photos/$2")
	[ "$code" = 200 ] || fail "upload of $2: HTTP $code"
}
