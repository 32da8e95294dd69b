# Schedules against a real daemon with a fake clock (HERALD_TEST_CLOCK sets
# the daemon's clock; restarting with a later one is downtime): fires, the
# run's id, pause with a note, unpause, trigger, delete, catch-up inside
# the window, missed fires outside it, overlap skip and buffer_one, and
# runtime state kept across a config reload and a restart.
. "$(dirname "$0")/lib.sh"

S="$T/s"
at() { # at CLOCK [ARGS]: (re)start the daemon with its clock at CLOCK
	clock=$1
	shift
	if [ -n "$DAEMON_PID" ]; then stop_daemon; fi
	HERALD_TEST_CLOCK=$clock start_daemon --state-dir "$S" \
		--config "$T/herald.json" "$@"
}
wait_exec() { # wait_exec ID STATUS
	n=0
	until [ "$(h workflow describe "$1" --json 2>/dev/null |
		jq -r .status)" = "$2" ]; do
		n=$((n + 1))
		[ $n -lt 200 ] || fail "$1 never got to $2"
		sleep 0.05
	done
}
cat >"$T/herald.json" <<'JSON'
{"schedules": [
  {"id": "daily", "workflow": "diagnostic", "input": {"brand": "pomandi"},
   "cron": ["0 9 * * *", "0 18 * * *"]},
  {"id": "cfg-min", "workflow": "diagnostic", "cron": ["* * * * *"],
   "paused": true}
]}
JSON

# A fire 2 s after start: the run is named after the fire time.
at 2026-11-28T08:59:58Z
wait_exec daily-20261128T090000Z completed
h workflow describe daily-20261128T090000Z --json >"$T/x"
jq -e '.brand == "pomandi" and .schedule == "daily" and
	.created_at >= "2026-11-28T09:00:00.000Z" and
	.created_at < "2026-11-28T09:00:01.000Z"' "$T/x" >/dev/null ||
	fail "fired run: $(cat "$T/x")"
h schedule describe daily --json >"$T/d"
jq -e '.next_fires[0] == "2026-11-28T18:00:00.000Z" and
	.next_fires[1] == "2026-11-29T09:00:00.000Z" and
	(.next_fires | length) == 5 and
	.fires[0].outcome == "started" and
	.fires[0].execution == "daily-20261128T090000Z" and
	.fires[0].execution_status == "completed"' "$T/d" >/dev/null ||
	fail "describe daily: $(cat "$T/d")"
h schedule list | grep -q "every day at 09:00; every day at 18:00 (UTC)" ||
	fail "list in words"

# Declared paused in the config: nothing fires; then an operator's pause
# note, unpause, trigger, delete on a run-time schedule.
h schedule describe cfg-min --json | jq -e '.paused and .fires == []' \
	>/dev/null || fail "cfg-min should be paused with no fires"
expect_rc 0 h schedule create m --workflow diagnostic --cron '* * * * *' \
	--input '{"sleep_ms":{"s1":100}}'
expect_rc 0 h schedule pause m --note "photographer on holiday"
at 2026-11-28T09:10:58Z
sleep 2.5
h schedule describe m --json >"$T/m"
jq -e '.paused and .note == "photographer on holiday" and .fires == []' \
	"$T/m" >/dev/null || fail "paused m fired: $(cat "$T/m")"
h schedule list | grep -q "note: photographer on holiday" || fail "note in list"
at 2026-11-28T09:11:58Z
expect_rc 0 h schedule unpause m --note "back"
# Fires while paused do not run after unpausing; the next one does.
wait_exec m-20261128T091200Z completed
[ "$(h workflow list --json --limit 100 | jq '[.executions[] |
	select(.schedule == "m")] | length')" -eq 1 ] || fail "m ran more than once"
sleep 1 # a trigger's run is named after its second
expect_rc 0 h schedule trigger m --json
jq -e '.outcome == "started" and (.execution | startswith("m-2026"))' \
	"$T/out" >/dev/null || fail "trigger: $(cat "$T/out")"
expect_rc 0 h schedule delete m
expect_rc 1 h schedule trigger m
grep -q not_found "$T/err" || fail "trigger after delete"
expect_rc 1 h schedule create bad --workflow diagnostic --cron '0 25 * * *'
grep -q 'hour 25 out of range 0-23' "$T/err" || fail "cron error: $(cat "$T/err")"
expect_rc 1 h schedule create bad --workflow nosuch --cron '@daily'
expect_rc 1 h schedule create bad --workflow diagnostic --cron '@daily' \
	--timezone Mars/Olympus
grep -q 'unknown time zone' "$T/err" || fail "zone error"

# Overlap: skip refuses a second run while one is open; buffer_one queues
# one and starts it when the first closes.
expect_rc 0 h schedule create o --workflow diagnostic --cron '0 0 1 1 *' \
	--input '{"sleep_ms":{"s1":3000}}'
expect_rc 0 h schedule trigger o --json
first=$(jq -r .execution "$T/out")
sleep 1.1
expect_rc 0 h schedule trigger o --json
jq -e '.outcome == "skipped" and .execution == null' "$T/out" >/dev/null ||
	fail "skip: $(cat "$T/out")"
expect_rc 0 h schedule create b --workflow diagnostic --cron '0 0 1 1 *' \
	--overlap buffer_one --input '{"sleep_ms":{"s1":4000}}'
expect_rc 0 h schedule trigger b --json
b1=$(jq -r .execution "$T/out")
sleep 1.1
expect_rc 0 h schedule trigger b --json
jq -e '.outcome == "buffered"' "$T/out" >/dev/null || fail "buffer: $(cat "$T/out")"
sleep 1.1
expect_rc 0 h schedule trigger b --json
jq -e '.outcome == "skipped"' "$T/out" >/dev/null || fail "only one buffered"
wait_exec "$b1" completed
n=0
until [ "$(h workflow list --json | jq '[.executions[] |
	select(.schedule == "b")] | length')" -eq 2 ]; do
	n=$((n + 1)); [ $n -lt 100 ] || fail "buffered run never started"
	sleep 0.05
done
wait_exec "$first" completed

# Downtime inside the catch-up window: the 18:00 fire runs once, late.
at 2026-11-28T17:59:00Z
stop_daemon
at 2026-11-28T18:40:00Z
wait_exec daily-20261128T180000Z completed
at 2026-11-28T18:41:00Z
# Run ids are unique, so a second fire would show as a second record.
[ "$(h schedule describe daily --json | jq '[.fires[] |
	select(.fire_at == "2026-11-28T18:00:00.000Z")] | length')" -eq 1 ] ||
	fail "the caught-up fire was handled twice"
# Downtime beyond it: recorded as missed, shown, not run.
at 2026-11-29T10:30:00Z
h schedule describe daily --json >"$T/d"
jq -e '.missed[0].fire_at == "2026-11-29T09:00:00.000Z" and
	.missed[0].outcome == "missed"' "$T/d" >/dev/null ||
	fail "missed: $(cat "$T/d")"
expect_rc 1 h workflow describe daily-20261129T090000Z
h schedule describe daily | grep -A2 '^missed:' |
	grep -q 2026-11-29T09:00:00.000Z || fail "missed not shown"

# A reload that changes the spec fires from now on, not since the last
# fire (09:05 ... 10:30 must not start now).
sed -i 's|"0 9 \* \* \*", "0 18|"*/5 * * * *", "0 18|' "$T/herald.json"
kill -HUP "$DAEMON_PID"
n=0
until h schedule describe daily --json | jq -e '.cron[0] == "*/5 * * * *"' \
	>/dev/null; do
	n=$((n + 1)); [ $n -lt 100 ] || fail "reload did not change daily"
	sleep 0.05
done
sleep 0.3
h schedule describe daily --json >"$T/d"
jq -e '.next_fire == "2026-11-29T10:35:00.000Z" and
	([.fires[] | select(.outcome == "started")] | length) == 2' "$T/d" \
	>/dev/null || fail "spec change fired the past: $(cat "$T/d")"

# Runtime state survives a config reload that changes the spec, and a
# restart.
expect_rc 0 h schedule pause daily --note "brand review"
sed -i 's/"0 18 \* \* \*"/"30 17 * * *"/' "$T/herald.json"
kill -HUP "$DAEMON_PID"
n=0
until h schedule describe daily --json | jq -e '.cron[1] == "30 17 * * *"' \
	>/dev/null; do
	n=$((n + 1)); [ $n -lt 100 ] || fail "reload did not update the spec"
	sleep 0.05
done
h schedule describe daily --json | jq -e '.paused and .note == "brand review"' \
	>/dev/null || fail "pause lost on reload"
at 2026-11-29T10:31:00Z
h schedule describe daily --json | jq -e '.paused and .note == "brand review"
	and .source == "config"' >/dev/null || fail "pause lost on restart"
# Schedule changes are events.
h events --since 0 --topic schedule | jq -s -e '
	(map(.type) | index("schedule_created")) and
	(map(.type) | index("schedule_paused")) and
	(map(.type) | index("schedule_updated")) and
	(map(.type) | index("schedule_missed")) and
	(map(select(.type == "schedule_fired" and .data.outcome == "skipped"))
	 | length) >= 1' >/dev/null || fail "schedule events"
stop_daemon
echo ok
