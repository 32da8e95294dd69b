# Durability: 500 diagnostic executions (some sleeping, some failing and
# retrying) while heraldd is killed with SIGKILL at random moments 12 times
# and restarted each time. In the end every execution exists and completed
# (in-doubt steps resolved by "an operator"), no step completed twice in any
# history, and the event seq has neither gaps nor repeats.
. "$(dirname "$0")/lib.sh"

S="$T/s"
N=${CRASH_N:-500}
KILLS=${CRASH_KILLS:-12}
inputs=('{}'
	'{"sleep_ms":{"s4":300,"s5":150}}'
	'{"fail":{"s2":1}}'
	'{"sleep_ms":{"s1":40,"s6":120}}'
	'{"sleep_ms":{"s3":200},"fail":{"s5":1}}')

start_daemon --state-dir "$S"

# The submitter: starts c-0 .. c-N-1, retrying each until the daemon says
# it exists (a start whose reply was lost to a kill may have committed).
submit() {
	for ((i = 0; i < N; i++)); do
		while :; do
			rc=0
			h workflow start --type diagnostic --id "c-$i" \
				--input "${inputs[i % 5]}" >/dev/null \
				2>"$T/submit.err" || rc=$?
			[ "$rc" -eq 0 ] && break
			grep -q already_exists "$T/submit.err" && break
			sleep 0.05
		done
	done
}
submit &
SUBMITTER=$!

rand_ms() { # rand_ms MIN MAX
	awk -v a="$1" -v b="$2" -v s="$RANDOM" \
		'BEGIN { srand(s); printf "%.3f", (a + rand() * (b - a)) / 1000 }'
}

for ((k = 1; k <= KILLS; k++)); do
	sleep "$(rand_ms 150 900)"
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=""
	start_daemon --state-dir "$S"
done
wait "$SUBMITTER" || fail "submitter failed"

# Let everything finish; resolve in-doubt steps as an operator would.
deadline=$(($(date +%s) + 120))
flip=0
while :; do
	open=$({ h workflow list --json --status running --limit 1000
		h workflow list --json --status in_doubt --limit 1000; } |
		jq -r '.executions[].id')
	[ -z "$open" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || fail "still open: $open"
	for id in $open; do
		for st in $(h workflow describe "$id" --json |
			jq -r '.steps[] | select(.status == "in_doubt") | .name'); do
			flip=$((1 - flip))
			if [ $flip -eq 1 ]; then how=--done; else how=--retry; fi
			h workflow resolve "$id" "$st" $how >/dev/null ||
				fail "resolve $id $st"
		done
	done
	sleep 0.2
done
stop_daemon

q() { sqlite3 "$S/herald.db" "$1"; }
[ "$(q "SELECT count(*) FROM executions WHERE id LIKE 'c-%'")" -eq "$N" ] ||
	fail "executions missing: $(q "SELECT count(*) FROM executions")"
[ "$(q "SELECT count(*) FROM executions WHERE status != 'completed'")" -eq 0 ] ||
	fail "not completed: $(q "SELECT id, status, error FROM executions WHERE status != 'completed'")"
[ "$(q "SELECT count(*) FROM steps WHERE status != 'completed'")" -eq 0 ] ||
	fail "steps not completed"
dups=$(q "SELECT count(*) FROM (SELECT exec_n, step FROM events
	WHERE type = 'step_completed' GROUP BY exec_n, step HAVING count(*) > 1)")
[ "$dups" -eq 0 ] || fail "$dups steps completed twice"
[ "$(q "SELECT max(seq) = count(*) FROM events")" -eq 1 ] ||
	fail "seq has gaps"
# Every step completed once, or was resolved done instead.
total=$(($(q "SELECT count(*) FROM events WHERE type = 'step_completed'") + \
	$(q "SELECT count(*) FROM events WHERE type = 'step_resolved' AND data LIKE '%done%'")))
[ "$total" -eq $((N * 6)) ] || fail "$total step completions, want $((N * 6))"
interrupted=$(q "SELECT count(*) FROM events WHERE type = 'step_interrupted'")
# An attempt the kill cut short is not a failure: it used no attempt.
[ "$(q "SELECT count(*) FROM events WHERE type = 'step_failed' AND
	data LIKE '%interrupted%'")" -eq 0 ] ||
	fail "interruptions counted as failures"
in_doubt=$(q "SELECT count(*) FROM events WHERE type = 'step_in_doubt'")
[ "$interrupted" -gt 0 ] || fail "no kill caught a running step"
echo "ok: $N executions, $KILLS kills, $interrupted interrupted attempts," \
	"$in_doubt in doubt"
