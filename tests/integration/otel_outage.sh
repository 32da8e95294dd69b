# Langfuse away for a while: runs complete while the exporter cannot
# deliver (connection refused, then 503, then 429 with Retry-After), the
# spans wait in the outbox, and once the fake is back every span arrives
# exactly once (by span id). The outage is logged once, not per retry.
# Then a batch refused as a bad payload (400) is logged once with the
# answer and dropped, not sent again. Last, a 200 whose body is not OTLP's
# JSON answer (garbage, then nothing) is a failure: the batch is sent
# again after a backoff and its spans arrive exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/otlplib.sh"

S="$T/s"
PK=pk-lf-out-$$
SK=sk-lf-out-$$
trap 'otlp_down; cleanup' EXIT
# A port for the fake, which is then stopped: Langfuse is "down".
otlp_up
otlp_down

cat >"$T/herald.json" <<JSON
{"langfuse": {"base_url": "http://127.0.0.1:$LPORT", "flush": "100ms",
              "max_backoff": "1s"}}
JSON
export LANGFUSE_PUBLIC_KEY="$PK" LANGFUSE_SECRET_KEY="$SK"
start_daemon --state-dir "$S" --config "$T/herald.json"

# Five runs while nothing answers: they all complete.
for i in 1 2 3 4 5; do
	h workflow execute --type diagnostic --id "d$i" --json >"$T/out"
	jq -e '.status == "completed"' "$T/out" >/dev/null ||
		fail "d$i: $(cat "$T/out")"
done
# ...while the exporter was failing and holding their spans: 5 x (6 step
# attempts + 1 root).
failing() {
	h status --json | jq -e '.langfuse.outbox == 35 and
		.langfuse.failures > 0 and .langfuse.exported == 0 and
		(.langfuse.last_error | length > 0) and .langfuse.retry_at != null'
}
wait_for failing >/dev/null || fail "not failing: $(h status --json | jq -c .langfuse)"

# Back, but answering 503, 503, then 429 with Retry-After: 3.
otlp_up "$LPORT" 503 503 429:3
drained() {
	h status --json | jq -e '.langfuse.outbox == 0 and
		.langfuse.exported == 35 and .langfuse.failures == 0'
}
n=0
while ! drained >/dev/null; do
	n=$((n + 1))
	[ "$n" -lt 300 ] || fail "not drained: $(h status --json | jq -c .langfuse)"
	sleep 0.1
done
received >"$T/got.json"
jq -e '[.requests[].status] | .[0:3] == [503, 503, 429] and
	(.[3:] | all(. == 200))' "$T/got.json" >/dev/null ||
	fail "statuses: $(jq -c '[.requests[].status]' "$T/got.json")"
# Retry-After is a minimum: nothing came within 3 s of the 429 (the
# backoff alone is at most 1 s here).
jq -e '.requests | (.[3].at - .[2].at) >= 3' "$T/got.json" >/dev/null ||
	fail "Retry-After not honoured: $(jq -c '[.requests[].at]' "$T/got.json")"
# Every span exactly once among the accepted ones.
jq -e '[.requests[] | select(.status == 200) | .spans[].spanId] |
	length == 35 and (unique | length) == 35' "$T/got.json" >/dev/null ||
	fail "spans: $(jq -c '[.requests[] | {status, n: (.spans | length)}]' "$T/got.json")"
# Each run's trace is whole: its root and six attempts under it.
for i in 1 2 3 4 5; do
	t=$(printf 'herald-trace\0d%s\0' "$i" | sha256sum | cut -c1-32)
	jq -e --arg t "$t" '[.requests[] | select(.status == 200) |
		.spans[] | select(.traceId == $t)] | (map(select(.parentSpanId
		== null)) | length) == 1 and length == 7' "$T/got.json" \
		>/dev/null || fail "trace of d$i"
done
[ "$(count_lines langfuse_export_failed)" = 1 ] ||
	fail "the outage was logged $(count_lines langfuse_export_failed) times"
[ "$(count_lines langfuse_export_recovered)" = 1 ] || fail "no recovery line"

# A batch Langfuse refuses as a bad payload: logged once, dropped.
curl -s -X POST "http://127.0.0.1:$LPORT/_faults" -d '["400"]' >/dev/null
h workflow execute --type diagnostic --id bad >/dev/null
settled() {
	h status --json | jq -e '.langfuse.outbox == 0 and
		.langfuse.rejected + .langfuse.exported == 42'
}
wait_for settled >/dev/null || fail "not settled: $(h status --json | jq -c .langfuse)"
received >"$T/got.json"
REJ=$(jq '[.requests[] | select(.status == 400)] | length' "$T/got.json")
[ "$REJ" = 1 ] || fail "the bad batch was sent $REJ times"
h status --json | jq -e --argjson n "$(jq '[.requests[] |
	select(.status == 400) | .spans[]] | length' "$T/got.json")" \
	'.langfuse.rejected == $n and $n > 0' >/dev/null ||
	fail "rejected count: $(h status --json | jq -c .langfuse)"
[ "$(count_lines langfuse_batch_rejected)" = 1 ] || fail "rejection not logged once"
grep -q 'langfuse_batch_rejected.*HTTP 400.*bad payload: injected' \
	"$T/daemon.log" || fail "the answer is not in the log"
# No span was sent twice, refused or not.
jq -e '[.requests[] | select(.status == 200 or .status == 400) |
	.spans[].spanId] | length == 42 and (unique | length) == 42' \
	"$T/got.json" >/dev/null || fail "a span went twice"

# A 200 that is not OTLP's answer: a proxy's page ("garbage"), then an
# empty body. Neither takes the batch: it is kept, sent again after a
# backoff, and its spans arrive exactly once when Langfuse answers {}.
E0=$(h status --json | jq '.langfuse.exported')
R0=$(h status --json | jq '.langfuse.rejected')
curl -s -X POST "http://127.0.0.1:$LPORT/_faults" \
	-d '["garbage", "empty"]' >/dev/null
h workflow execute --type diagnostic --id garbled >/dev/null
taken() {
	h status --json | jq -e --argjson e "$E0" --argjson r "$R0" \
		'.langfuse.outbox == 0 and .langfuse.exported == $e + 7 and
		.langfuse.rejected == $r and .langfuse.failures == 0'
}
wait_for taken >/dev/null || fail "not taken: $(h status --json | jq -c .langfuse)"
received >"$T/got.json"
t=$(printf 'herald-trace\0garbled\0' | sha256sum | cut -c1-32)
# Both faults were answered to batches of this run's spans...
jq -e --arg t "$t" '[.requests[] | select(.fault != null)] |
	(map(.fault) == ["garbage", "empty"]) and
	all(.spans | length > 0 and all(.traceId == $t))' "$T/got.json" \
	>/dev/null || fail "faults: $(jq -c '[.requests[] | select(.fault !=
	null) | {fault, n: (.spans | length)}]' "$T/got.json")"
# ...each resend came after a backoff (the first is 0.8 s at least)...
jq -e '. as $all | [.requests | to_entries[] | select(.value.fault !=
	null) | .key] | all(.[]; ($all.requests[. + 1].at -
	$all.requests[.].at) >= 0.7)' "$T/got.json" >/dev/null ||
	fail "no backoff: $(jq -c '[.requests[] | {fault, at}]' "$T/got.json")"
# ...and the run's seven spans were taken exactly once, those the faults
# got among them.
jq -e --arg t "$t" '([.requests[] | select(.status == 200 and .fault ==
	null) | .spans[] | select(.traceId == $t) | .spanId]) as $ok |
	($ok | length) == 7 and ($ok | unique | length) == 7 and
	([.requests[] | select(.fault != null) | .spans[].spanId] - $ok
	| length) == 0' "$T/got.json" >/dev/null ||
	fail "spans of the garbled run: $(jq -c '[.requests[] | {status,
	fault, n: (.spans | length)}]' "$T/got.json")"
grep -q 'langfuse_export_failed.*HTTP 200: the answer is not an OTLP' \
	"$T/daemon.log" || fail "the garbage answer is not in the log"
[ "$(count_lines langfuse_export_recovered)" = 2 ] ||
	fail "no recovery line after the garbage"
stop_daemon
echo ok
