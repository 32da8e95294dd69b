# herald workflow ... against a real daemon: start, execute, describe, show,
# list with filters and cursors, cancel, retry, resolve, and exit codes.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --state-dir "$S"

h status | grep -q "^heraldd .*pid $DAEMON_PID" || fail "status"
h status --json | jq -e '.pid and .engine.open_executions == 0' >/dev/null ||
	fail "status --json"

# A run told to fail twice: describe shows its attempts and last error.
h workflow start --json --type diagnostic --id twice \
	--input '{"fail":{"s2":2}}' >"$T/out"
jq -e '.id == "twice"' "$T/out" >/dev/null || fail "start --json: $(cat "$T/out")"
wait_status twice completed 15
h workflow describe twice --json >"$T/d"
jq -e '.steps[1].name == "s2" and .steps[1].attempt == 3 and
	.steps[1].last_error == "s2: told to fail attempt 2 of 2" and
	.steps[1].status == "completed" and .type == "diagnostic" and
	.steps[1].attempts_used == 3 and .steps[1].max_attempts == 5 and
	.seq > 0 and
	(.closed_at | type) == "string"' "$T/d" >/dev/null ||
	fail "describe: $(cat "$T/d")"
h workflow describe twice | grep -E '^s2 +completed +3 .*told to fail attempt 2 of 2' \
	>/dev/null || fail "human describe: $(h workflow describe twice)"
h workflow show twice --json >"$T/h"
jq -e '[.events[] | select(.type == "step_failed")] | length == 2' "$T/h" \
	>/dev/null || fail "show: two failures"
jq -e '[.events[] | select(.type == "step_failed")][0].data.retry_at' "$T/h" \
	>/dev/null || fail "show: retry_at"
jq -e '.events[0].type == "workflow_started" and
	.events[-1].type == "workflow_completed"' "$T/h" >/dev/null ||
	fail "show: first and last"

# execute waits, and exits 0 only when the execution completed.
expect_rc 0 h workflow execute --type diagnostic --id ok1
grep -q "ok1 completed" "$T/out" || fail "execute output: $(cat "$T/out")"
expect_rc 1 h workflow execute --json --type diagnostic --id bad1 \
	--input '{"fail_non_retryable":["s5"]}'
jq -e '.status == "failed" and (.error | test("s5"))' "$T/out" >/dev/null ||
	fail "execute failed: $(cat "$T/out")"

# Requests are handled concurrently: while an execute waits, everything
# else still answers.
"$HERALD" --state-dir "$S" workflow execute --type diagnostic --id slowx \
	--input '{"sleep_ms":{"s1":3000}}' >"$T/slowx" &
SLOWX=$!
sleep 0.2
expect_rc 0 h status
expect_rc 0 h workflow list
expect_rc 0 h workflow start --type diagnostic --id during-slowx
kill -0 "$SLOWX" 2>/dev/null || fail "the slow execute finished first?"
wait "$SLOWX" || fail "slow execute failed"
grep -q "slowx completed" "$T/slowx" || fail "slowx: $(cat "$T/slowx")"

# Unique ids.
expect_rc 1 h workflow start --type diagnostic --id ok1
grep -q "already_exists" "$T/err" || fail "already_exists: $(cat "$T/err")"

# Lists: filters and cursors.
h workflow list --json --status failed >"$T/l"
jq -e '[.executions[].id] == ["bad1"]' "$T/l" >/dev/null ||
	fail "list --status: $(cat "$T/l")"
h workflow list --json --limit 2 >"$T/l"
jq -e '(.executions | length) == 2 and .executions[0].id == "during-slowx"
	and (.next | type) == "number"' "$T/l" >/dev/null ||
	fail "list page 1: $(cat "$T/l")"
next=$(jq .next "$T/l")
h workflow list --json --limit 10 --after "$next" >"$T/l2"
jq -e '[.executions[].id] == ["bad1", "ok1", "twice"] and .next == null' \
	"$T/l2" >/dev/null || fail "list page 2: $(cat "$T/l2")"
h workflow list --json --type nosuch | jq -e '.executions == []' >/dev/null ||
	fail "list --type"
# Paging up (--before), the oldest page (--before 0), text match, and the
# step summary and snapshot seq the console relies on.
first=$(jq '.executions[0].cursor' "$T/l2")
h workflow list --json --limit 2 --before "$first" >"$T/l3"
jq -e '[.executions[].id] == ["during-slowx", "slowx"] and .prev == null and
	(.next | type) == "number"' "$T/l3" >/dev/null ||
	fail "list --before: $(cat "$T/l3")"
h workflow list --json --limit 2 --before 0 >"$T/l4"
jq -e '[.executions[].id] == ["ok1", "twice"] and .next == null and
	(.prev | type) == "number"' "$T/l4" >/dev/null ||
	fail "list --before 0: $(cat "$T/l4")"
h workflow list --json --match BAD >"$T/l5"
jq -e '[.executions[].id] == ["bad1"] and .executions[0].step == "s5" and
	.executions[0].retries == 0 and .executions[0].in_doubt == false and
	.seq == (.seq | floor) and .seq > 0' "$T/l5" >/dev/null ||
	fail "list --match: $(cat "$T/l5")"
h workflow list --json --match '%' | jq -e '.executions == []' >/dev/null ||
	fail "list --match is literal"
expect_rc 1 h workflow list --after 3 --before 1

# Cancel a sleeping run, then retry it from where it stopped.
h workflow start --type diagnostic --id sl --input '{"sleep_ms":{"s3":20000}}' \
	>/dev/null
n=0
until h workflow describe sl --json | jq -e '.steps[2].status == "running"' \
	>/dev/null; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "s3 never ran"; sleep 0.05
done
expect_rc 0 h workflow cancel sl --reason "operator test"
h workflow describe sl --json | jq -e '.status == "cancelled" and
	.error == "cancelled: operator test" and .steps[2].status == "cancelled"' \
	>/dev/null || fail "cancel"
expect_rc 1 h workflow cancel sl
grep -q invalid_state "$T/err" || fail "cancel twice"
expect_rc 0 h workflow retry sl
# s3 sleeps again (same input); s1, s2 are not run again.
h workflow cancel sl >/dev/null
h workflow show sl --json | jq -e '[.events[] | select(.type ==
	"step_completed" and .step == "s1")] | length == 1' >/dev/null ||
	fail "retry re-ran s1"

# An in-doubt step waits for an operator.
h workflow start --type diagnostic --id idb --input '{"unknown":{"s4":1}}' \
	>/dev/null
n=0
until h workflow describe idb --json | jq -e '.steps[3].status == "in_doubt"' \
	>/dev/null; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "s4 never in doubt"; sleep 0.05
done
expect_rc 0 h workflow resolve idb s4 --done
wait_status idb completed

# Exit codes: 1 error reply, 2 usage, 3 unreachable.
expect_rc 1 h workflow describe nosuch
grep -q "not_found" "$T/err" || fail "not_found message"
expect_rc 2 h workflow start
expect_rc 2 h bogus
expect_rc 2 h workflow list --limit x
expect_rc 2 h workflow list --limit 99999999999999999999
expect_rc 2 "$HERALD" status --state-dir
expect_rc 1 h workflow list --limit 0
grep -q "params.limit" "$T/err" || fail "limit message: $(cat "$T/err")"
stop_daemon
expect_rc 3 h status
grep -q "cannot reach heraldd at ipc://$S/herald.sock" "$T/err" ||
	fail "unreachable message: $(cat "$T/err")"
echo ok
