# herald events: JSON lines in seq order. --follow survives a daemon
# restart (clean and SIGKILL) with no gap and no repeat, and a reader too
# slow for nng's SUB queue still ends with every event, by catching up.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --state-dir "$S"

# seq_ok FILE: the seqs are exactly 1..max of the store, in order.
seq_ok() {
	jq -s -e --argjson max "$2" \
		'[.[].seq] == [range(1; $max + 1)]' "$1" >/dev/null
}
max_seq() {
	h status --json | jq .engine.last_seq
}
wait_seq() { # wait_seq FILE MAX
	n=0
	until [ -s "$1" ] && [ "$(tail -n 1 "$1" | jq .seq)" -ge "$2" ]; do
		n=$((n + 1))
		[ $n -lt 600 ] || fail "$1 stopped at $(tail -n 1 "$1" | jq .seq), want $2
--- its stderr: $(cat "$T/follow.err" 2>/dev/null)
--- the daemon's last seq: $(max_seq)"
		sleep 0.05
	done
}
runs() { # runs N PREFIX
	for ((k = 0; k < $1; k++)); do
		h workflow start --type diagnostic --id "$2-$k" >/dev/null
	done
}

"$HERALD" --state-dir "$S" events --follow --since 0 >"$T/follow" \
	2>"$T/follow.err" &
FOLLOW=$!
runs 10 a
sleep 0.5
stop_daemon
start_daemon --state-dir "$S"
runs 10 b
sleep 0.5
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
start_daemon --state-dir "$S"
runs 10 c
n=0
until [ -z "$(h workflow list --json --status running | jq -r '.executions[].id')" ]; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "runs did not finish"; sleep 0.05
done
MAX=$(max_seq)
wait_seq "$T/follow" "$MAX"
kill -TERM "$FOLLOW"
wait "$FOLLOW" || fail "events --follow exited non-zero"
seq_ok "$T/follow" "$MAX" || fail "follow has gaps or repeats: $(jq -c .seq "$T/follow" | tr '\n' ' ')"
jq -s -e 'map(select(.type == "daemon_started")) | length == 3' \
	"$T/follow" >/dev/null || fail "three daemon starts"
# Without --follow: the history so far, the same events.
h events --since 0 >"$T/all"
seq_ok "$T/all" "$MAX" || fail "events --since 0"
h events --since 0 --topic daemon | jq -s -e 'all(.topic == "daemon")' \
	>/dev/null || fail "--topic"
h events --since "$((MAX - 3))" | jq -s -e 'length == 3' >/dev/null ||
	fail "--since"
expect_rc 2 h events --topic nope

# A reader that stalls while thousands of events go by.
START=$(max_seq)
h events --follow --since "$START" | { sleep 4; cat; } >"$T/slow" &
SLOW=$!
runs 150 d
n=0
until [ -z "$(h workflow list --json --status running | jq -r '.executions[].id')" ]; do
	n=$((n + 1)); [ $n -lt 600 ] || fail "d runs did not finish"; sleep 0.05
done
MAX=$(max_seq)
wait_seq "$T/slow" "$MAX"
pkill -TERM -f "events --follow --since $START" || true
wait "$SLOW" 2>/dev/null || true
jq -s -e --argjson a "$START" --argjson b "$MAX" \
	'[.[].seq] == [range($a + 1; $b + 1)]' "$T/slow" >/dev/null ||
	fail "slow reader has gaps or repeats"
echo "ok: $MAX events"
