# A stop drains (DESIGN rule 5): on SIGTERM the running steps may finish
# (stop_drain, 60 s by default) while nothing new starts, reads are still
# answered and changes are refused as unavailable; what a stop cuts short
# is interrupted, not failed, and uses no attempt. Two restarts during a
# 25 s Claude call (view_image has 2 attempts) do not fail the run; a
# second SIGTERM ends the drain at once.
. "$(dirname "$0")/lib.sh"

S="$T/s"
KEY=sk-ant-fake-$$-0123456789
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/port" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true; cleanup' EXIT
wait_for test -s "$T/port" || fail "the fake did not start"
AN="http://127.0.0.1:$(cat "$T/port")"
afault() { curl -sf -X POST "$AN/_faults" -d "$1" >/dev/null; }
requests() { curl -s "$AN/_stats" | jq .requests; }

mkdir "$T/photos"
cp "$SRC"/assets/photos/*/*.jpg "$T/photos/"
config() { # config STOP_DRAIN
	cat >"$T/herald.json" <<JSON
{"stop_drain": "$1",
 "brands": {"pomandi": {"language": "nl", "display_name": "Pomandi",
   "photos": {"source": "dir", "path": "$T/photos"},
   "captions": {"writer": "claude", "hashtags": ["#pomandi"]}}},
 "anthropic": {"base_url": "$AN", "model": "claude-sonnet-4-6",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}}}
JSON
}
export ANTHROPIC_API_KEY="$KEY"
q() { sqlite3 -cmd ".timeout 5000" "$S/herald.db" "$1"; }
step() { # step ID STEP COLUMN
	q "SELECT s.$3 FROM steps s JOIN executions x ON x.n = s.exec_n
		WHERE x.id = '$1' AND s.name = '$2'"
}
# in_call N: the fake has had N requests and view_image is running.
in_call() {
	[ "$(requests)" -ge "$1" ] &&
		[ "$(step "$id" view_image status)" = running ]
}
sigterm_wait() { # sends SIGTERM, waits for exit 0; TOOK: ms taken
	t0=$(date +%s%3N)
	kill -TERM "$DAEMON_PID"
	rc=0
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=""
	[ "$rc" -eq 0 ] || fail "exited $rc on SIGTERM"
	TOOK=$(($(date +%s%3N) - t0))
}

# 1. The default drain lets a 12 s call finish: nothing is interrupted.
config 60s
start_daemon --state-dir "$S" --config "$T/herald.json"
afault '["slow:12"]'
id=d1
base=$(requests)
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id d1 \
	>/dev/null
wait_for in_call $((base + 1)) ||
	fail "view_image did not start: $(requests) $(h workflow describe d1)"
kill -TERM "$DAEMON_PID"
wait_for grep -q daemon_draining "$T/daemon.log" || fail "no drain"
# Meanwhile the sockets answer: reads work, changes are refused.
h status >/dev/null || fail "status during the drain"
expect_rc 1 h workflow start --type diagnostic --id late
grep -q "unavailable.*heraldd is stopping" "$T/err" "$T/out" ||
	fail "a change during the drain: $(cat "$T/out" "$T/err")"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=""
[ "$rc" -eq 0 ] || fail "exited $rc after the drain"
[ "$(step d1 view_image status)" = completed ] &&
	[ "$(step d1 view_image interrupted)" = 0 ] ||
	fail "d1: view_image $(step d1 view_image status) interrupted $(step d1 view_image interrupted)"
[ "$(q "SELECT count(*) FROM executions WHERE id = 'late'")" = 0 ] ||
	fail "a run was started during the drain"
# Nothing new started meanwhile: the next step waits for the next start.
[ "$(step d1 generate_caption status)" = pending ] ||
	fail "generate_caption started during the drain: $(step d1 generate_caption status)"
start_daemon --state-dir "$S" --config "$T/herald.json"
wait_status d1 completed 30

# 2. A drain shorter than the call: two restarts during a 25 s Claude call
# interrupt it twice; view_image has 2 attempts, and still the run
# completes, its step having used one.
stop_daemon
config 2s
start_daemon --state-dir "$S" --config "$T/herald.json"
afault '["slow:25", "slow:25"]'
id=d2
base=$(requests)
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id d2 \
	>/dev/null
for k in 1 2; do
	wait_for in_call $((base + k)) || fail "d2: call $k did not start"
	sigterm_wait
	[ "$TOOK" -lt 15000 ] || fail "the 2 s drain took $TOOK ms"
	[ "$(step d2 view_image status)" = running ] ||
		fail "d2: an interrupted attempt was stored as $(step d2 view_image status)"
	start_daemon --state-dir "$S" --config "$T/herald.json"
done
wait_status d2 completed 30
[ "$(step d2 view_image interrupted)" = 2 ] &&
	[ "$(step d2 view_image "attempt - s.attempt_base")" = 1 ] ||
	fail "d2: $(h workflow describe d2)"
[ "$(q "SELECT count(*) FROM events e JOIN executions x ON x.n = e.exec_n
	WHERE x.id = 'd2' AND e.type = 'step_failed'")" = 0 ] ||
	fail "d2: an interruption was a failure: $(h workflow show d2)"
[ -s "$S/outbox/facebook/d2/caption.txt" ] || fail "d2 published nothing"

# 3. A second SIGTERM ends a drain at once.
stop_daemon
config 60s
start_daemon --state-dir "$S" --config "$T/herald.json"
afault '["slow:20"]'
id=d3
base=$(requests)
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id d3 \
	>/dev/null
wait_for in_call $((base + 1)) || fail "d3: view_image did not start"
t0=$(date +%s)
drains=$(count_lines daemon_draining)
kill -TERM "$DAEMON_PID"
# The second signal only once the first was taken (two at once are one).
more_drains() { [ "$(count_lines daemon_draining)" -gt "$drains" ]; }
wait_for more_drains || fail "no drain"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "exited non-zero on a second SIGTERM"
DAEMON_PID=""
[ $(($(date +%s) - t0)) -lt 10 ] || fail "the second SIGTERM did not cut it"
grep -q daemon_drain_cut "$T/daemon.log" || fail "no daemon_drain_cut"
start_daemon --state-dir "$S" --config "$T/herald.json"
wait_status d3 completed 30
[ "$(step d3 view_image interrupted)" = 1 ] || fail "d3: $(h workflow describe d3)"
stop_daemon
echo "ok: drained, interrupted twice without a failure, cut by a second SIGTERM"
