# The console against a remote daemon (a TLS listener with a token):
# there is no event socket there, so the console polls events.since; runs
# still show up and move on their own, and the daemon going away and
# coming back shows as it does locally, and so does a run's photo. The
# token never reaches the screen.
. "$(dirname "$0")/lib.sh"

S="$T/s"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
	-out "$T/cert.pem" -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost" 2>/dev/null ||
	fail "openssl could not make a certificate"
PORT=$(free_port)
mkdir -p "$T/photos"
cp "$SRC/assets/photos/pomandi/blue-denim-jacket.jpg" "$T/photos/a.jpg"
cat >"$T/herald.json" <<JSON
{"listen": ["tls+tcp://127.0.0.1:$PORT"],
 "tls": {"cert": "$T/cert.pem", "key": "$T/key.pem"},
 "token_env": "HT_TOKEN",
 "brands": {"ete": {"display_name": "Été", "language": "fr",
  "approval": "required",
  "photos": {"source": "dir", "path": "$T/photos"},
  "captions": {"writer": "offline"}, "publish": {"to": "outbox"}}}}
JSON
# $EDITOR, started by the console, must not inherit the token.
cat >"$T/env.sh" <<SH
#!/bin/sh
env >"$T/editor.env"
exit 1
SH
chmod +x "$T/env.sh"
export HT_TOKEN=console-remote-token-0123456789
start_daemon --state-dir "$S" --config "$T/herald.json"
R="tls+tcp://localhost:$PORT"
h workflow execute --type diagnostic --id before >/dev/null

console 120 40 HT_TOKEN="$HT_TOKEN" EDITOR="$T/env.sh" TMPDIR="$T" -- \
	--socket "$R" --tls-ca "$T/cert.pem" --token-env HT_TOKEN
wait_screen 'before +diagnostic +- +completed'
wait_screen "● heraldd "
h workflow start --type diagnostic --id polled \
	--input '{"fail": {"s3": 2}}' >/dev/null
wait_screen 'polled +diagnostic +- +running +s3 +1 '
wait_screen 'polled +diagnostic +- +completed +2 '
keys 4
wait_screen 'No schedules'
keys 1

kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
wait_screen "✗ heraldd disconnected at tls\\+tcp://localhost:$PORT"
start_daemon --state-dir "$S" --config "$T/herald.json"
wait_screen '● heraldd ' 20
h workflow start --type diagnostic --id after >/dev/null
wait_screen 'after +diagnostic +- +completed'
screen | grep -q "$HT_TOKEN" && fail "the token is on the screen"
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id env-1 \
	>/dev/null
keys 3
wait_screen '▶ env-1'
keys e
wait_screen 'the editor did not finish cleanly'
[ -s "$T/editor.env" ] || fail "the editor did not run"
grep -q "^EDITOR=" "$T/editor.env" || fail "no env dump: $(cat "$T/editor.env")"
! grep -q "$HT_TOKEN" "$T/editor.env" || fail "\$EDITOR inherited the token"
# The run's photo comes over the same link (photo.preview), as locally.
keys p
wait_screen '^a\.jpg  run env-1'
wait_screen '^instagram [0-9]+x[0-9]+, '
keys q
wait_screen '▶ env-1'
console_quit
echo ok
