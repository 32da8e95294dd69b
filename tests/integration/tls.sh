# A headless daemon reachable from an operator's laptop, and nobody else:
# a TLS listener that wants a token in every request; plain tcp:// only
# when the config says so; ipc sockets owner-only or as configured.
. "$(dirname "$0")/lib.sh"

S="$T/s"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
	-out "$T/cert.pem" -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost" 2>/dev/null ||
	fail "openssl could not make a certificate"
PORT=$(free_port)
cat >"$T/herald.json" <<JSON
{"listen": ["tls+tcp://127.0.0.1:$PORT"],
 "tls": {"cert": "$T/cert.pem", "key": "$T/key.pem"},
 "token_env": "HT_TOKEN", "socket_mode": "0660"}
JSON
export HT_TOKEN=tls-test-token-0123456789
start_daemon --state-dir "$S" --config "$T/herald.json"
[ "$(stat -c %a "$S/herald.sock")" = 660 ] || fail "socket_mode not applied"

R="tls+tcp://localhost:$PORT"
expect_rc 1 "$HERALD" --socket "$R" --tls-ca "$T/cert.pem" status
grep -q "unauthorized" "$T/err" || fail "no token: $(cat "$T/err")"
HT_WRONG=tls-test-token-0123456788 expect_rc 1 "$HERALD" --socket "$R" \
	--tls-ca "$T/cert.pem" --token-env HT_WRONG status
grep -q "unauthorized" "$T/err" || fail "wrong token: $(cat "$T/err")"
expect_rc 0 "$HERALD" --socket "$R" --tls-ca "$T/cert.pem" \
	--token-env HT_TOKEN status --json
jq -e '.pid > 0' "$T/out" >/dev/null || fail "with token: $(cat "$T/out")"
expect_rc 0 "$HERALD" --socket "$R" --tls-ca "$T/cert.pem" \
	--token-env HT_TOKEN workflow execute --type diagnostic --id remote1
# Events over the remote listener, polled.
expect_rc 0 "$HERALD" --socket "$R" --tls-ca "$T/cert.pem" \
	--token-env HT_TOKEN events --since 0
jq -s -e 'map(select(.execution == "remote1")) | length == 14' "$T/out" \
	>/dev/null || fail "remote events: $(head -c 300 "$T/out")"
"$HERALD" --socket "$R" --tls-ca "$T/cert.pem" --token-env HT_TOKEN \
	events --follow --since 0 >"$T/follow" &
FOLLOW=$!
h workflow execute --type diagnostic --id remote2 >/dev/null
n=0
until grep -q '"remote2".*workflow_completed\|workflow_completed.*"remote2"' \
	"$T/follow" 2>/dev/null; do
	n=$((n + 1)); [ $n -lt 100 ] || fail "remote follow saw nothing"
	sleep 0.05
done
kill -TERM "$FOLLOW"; wait "$FOLLOW" || fail "remote follow exit"
# The local socket needs no token; the token shows up nowhere.
expect_rc 0 h workflow describe remote1
if grep -q "$HT_TOKEN" "$T/daemon.log" "$S"/herald.db* 2>/dev/null; then
	fail "the token leaked into the log or the store"
fi
# Without the CA the server cannot be verified: not reached (3).
expect_rc 3 "$HERALD" --socket "$R" --token-env HT_TOKEN status
grep -q "cannot reach heraldd at $R" "$T/err" || fail "verify message"
# A wrong token for events: an error reply (1), not a crash.
HT_WRONG=tls-test-token-0123456788 expect_rc 1 "$HERALD" --socket "$R" \
	--tls-ca "$T/cert.pem" --token-env HT_WRONG events --follow
grep -q unauthorized "$T/err" || grep -q "valid token" "$T/err" ||
	fail "events with a wrong token: $(cat "$T/err")"
# Global options may follow the command; a bad address is a usage error.
expect_rc 0 "$HERALD" status --socket "$R" --tls-ca "$T/cert.pem" \
	--token-env HT_TOKEN
expect_rc 2 "$HERALD" --socket "nonsense" status
stop_daemon

# Plain tcp:// is refused unless insecure; a missing token is refused.
printf '{"listen": ["tcp://127.0.0.1:%s"], "token_env": "HT_TOKEN"}' \
	"$PORT" >"$T/plain.json"
expect_rc 1 "$HERALDD" --state-dir "$S" --config "$T/plain.json"
grep -q 'listen\[0\]: .*insecure' "$T/err" || fail "tcp message: $(cat "$T/err")"
printf '{"listen": ["tcp://127.0.0.1:%s"], "token_env": "HT_NONE", "insecure": true}' \
	"$PORT" >"$T/notoken.json"
expect_rc 1 "$HERALDD" --state-dir "$S" --config "$T/notoken.json"
grep -q 'HT_NONE must hold a token' "$T/err" || fail "token message: $(cat "$T/err")"
echo ok
