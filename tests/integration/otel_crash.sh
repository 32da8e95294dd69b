# The outbox survives kill -9: spans written while Langfuse is away are
# all delivered after a restart, each once. While away, the outbox is
# capped: the oldest spans go, counted, with a warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/otlplib.sh"

S="$T/s"
PK=pk-lf-crash-$$
SK=sk-lf-crash-$$
trap 'otlp_down; cleanup' EXIT
# A port for the fake, which is then stopped: Langfuse is "down".
otlp_up
otlp_down

cat >"$T/herald.json" <<JSON
{"langfuse": {"base_url": "http://127.0.0.1:$LPORT", "flush": "100ms",
              "max_backoff": "1s", "max_outbox": 100}}
JSON
export LANGFUSE_PUBLIC_KEY="$PK" LANGFUSE_SECRET_KEY="$SK"
start_daemon --state-dir "$S" --config "$T/herald.json"

# 16 runs of 7 spans while Langfuse is down: 112 spans, room for 100.
for i in $(seq 1 16); do
	h workflow execute --type diagnostic --id "c$i" >/dev/null
done
h status --json | jq -e '.langfuse.outbox == 100 and .langfuse.dropped == 12' \
	>/dev/null || fail "cap: $(h status --json | jq -c .langfuse)"
grep -q 'trace_spans_dropped dropped=.*max_outbox=100' "$T/daemon.log" ||
	fail "no warning for the dropped spans"
# The spans waiting, by id: the newest 100.
spans() {
	/usr/bin/python3 -c 'import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (s,) in db.execute("select span from trace_outbox order by n"):
    print(json.loads(s)["spanId"])' "$S/herald.db"
}
spans | sort >"$T/waiting"
[ "$(wc -l <"$T/waiting")" = 100 ] || fail "outbox rows"
# The last run's root is among them, the first run's spans are not.
T16=$(printf 'herald-trace\0c16\0' | sha256sum | cut -c1-32)

kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""

otlp_up "$LPORT"
start_daemon --state-dir "$S" --config "$T/herald.json"
drained() {
	h status --json | jq -e '.langfuse.outbox == 0 and
		.langfuse.exported == 100'
}
wait_for drained >/dev/null || fail "not drained: $(h status --json | jq -c .langfuse)"
curl -s "http://127.0.0.1:$LPORT/_requests" >"$T/got.json"
jq -r '.requests[] | select(.status == 200) | .spans[].spanId' "$T/got.json" |
	sort >"$T/arrived"
cmp -s "$T/waiting" "$T/arrived" ||
	fail "what waited is not what arrived, once each: $(diff "$T/waiting" "$T/arrived" | head)"
jq -e --arg t "$T16" '[.requests[].spans[] | select(.traceId == $t and
	.parentSpanId == null)] | length == 1' "$T/got.json" >/dev/null ||
	fail "the last run's root did not arrive"
stop_daemon
echo ok
