# Langfuse traces: a FeedPublisherWorkflow run against the Claude fake
# reaches a local fake of the OTLP endpoint (tests/fakes/otlp.py) as one
# trace: a root span, a span per step, and a generation per Claude call
# with model, tokens and cost, linked by trace and parent ids, sent with
# basic auth and x-langfuse-ingestion-version 4. The keys appear nowhere;
# status shows the spend; prompts can be left out; without the keys
# nothing is written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/otlplib.sh"

S="$T/s"
KEY=sk-ant-fake-$$-0123456789
PK=pk-lf-test-$$-public
SK=sk-lf-test-$$-secret
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/aport" &
CLAUDE=$!
trap 'kill $CLAUDE 2>/dev/null || true; otlp_down; cleanup' EXIT
otlp_up
wait_for test -s "$T/aport" || fail "the Claude fake did not start"
APORT=$(cat "$T/aport")

mkdir "$T/photos"
cp "$SRC"/assets/photos/pomandi/*.jpg "$T/photos/"
config() { # config PROMPTS
	cat >"$T/herald.json" <<JSON
{"brands": {"pomandi": {"language": "nl",
   "photos": {"source": "dir", "path": "$T/photos"},
   "captions": {"writer": "claude", "hashtags": ["#pomandi"]}}},
 "anthropic": {"base_url": "http://127.0.0.1:$APORT",
   "model": "claude-sonnet-4-6",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}},
 "langfuse": {"flush": "${2:-100ms}", "prompts": $1}}
JSON
}
config true
export ANTHROPIC_API_KEY="$KEY"
export LANGFUSE_HOST="http://127.0.0.1:$LPORT/"
export LANGFUSE_PUBLIC_KEY="$PK" LANGFUSE_SECRET_KEY="$SK"

# Half a key pair is refused at start, naming what is missing.
rc=0
env -u LANGFUSE_SECRET_KEY "$HERALDD" --state-dir "$S" \
	--config "$T/herald.json" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "started with LANGFUSE_SECRET_KEY missing"
grep -q "LANGFUSE_PUBLIC_KEY is set but LANGFUSE_SECRET_KEY is not" "$T/err" ||
	fail "half key pair: $(cat "$T/err")"

start_daemon --state-dir "$S" --config "$T/herald.json"
grep -q "langfuse_export enabled=1 host_from=LANGFUSE_HOST" "$T/daemon.log" ||
	fail "export not announced"
h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id run1 >/dev/null
h workflow describe run1 --json | jq -e '.status == "completed"' >/dev/null ||
	fail "run1: $(h workflow describe run1 --json)"
outbox_empty() {
	h status --json | jq -e '.langfuse.outbox == 0 and
		.langfuse.exported >= 9' >/dev/null
}
wait_for outbox_empty || fail "not exported: $(h status --json)"
received >"$T/got.json"

# Every request carried the keys as basic auth and the ingestion version.
AUTH="Basic $(printf '%s:%s' "$PK" "$SK" | base64 -w0)"
jq -e --arg a "$AUTH" '.requests | length > 0 and all(.authorization == $a
	and .version == "4" and (.content_type | startswith("application/json"))
	and .status == 200)' "$T/got.json" >/dev/null ||
	fail "headers: $(jq -c '[.requests[] | del(.spans)]' "$T/got.json")"
jq '[.requests[].spans[]]' "$T/got.json" >"$T/spans.json"
# attr SPAN KEY: the value of one attribute, as jq sees it.
A='def attr($k): [.attributes[] | select(.key == $k) | .value |
	(.stringValue // .intValue // .doubleValue // .boolValue //
	 (.arrayValue.values | map(.stringValue)))] | .[0];'

# One trace, its id derived from the execution id.
TID=$(printf 'herald-trace\0run1\0' | sha256sum | cut -c1-32)
jq -e --arg t "$TID" 'length == 9 and all(.traceId == $t)' "$T/spans.json" \
	>/dev/null || fail "one trace of 9 spans: $(jq -c 'map({traceId, name})' "$T/spans.json")"
# The root: no parent, the workflow's name, input and output, the trace's
# name, tags and metadata.
jq -e "$A"' [.[] | select(.parentSpanId == null)] | length == 1 and
	(.[0] | .name == "FeedPublisherWorkflow" and
	 attr("langfuse.observation.type") == "span" and
	 attr("langfuse.trace.name") == "FeedPublisherWorkflow" and
	 attr("langfuse.trace.tags") == ["pomandi", "completed"] and
	 attr("langfuse.trace.metadata.brand") == "pomandi" and
	 attr("langfuse.trace.metadata.status") == "completed" and
	 attr("langfuse.observation.input") == "\"pomandi\"" and
	 (attr("langfuse.observation.output") | fromjson | .publications) and
	 .status.code == 1)' "$T/spans.json" >/dev/null ||
	fail "root span: $(jq -c '.[] | select(.parentSpanId == null)' "$T/spans.json")"
ROOT=$(jq -r '.[] | select(.parentSpanId == null) | .spanId' "$T/spans.json")
# A span per step attempt, children of the root, with the trace's
# attributes too.
jq -e --arg r "$ROOT" "$A"' [.[] | select(.parentSpanId == $r)] |
	(map(.name) | sort) == ["generate_caption", "get_random_unused_photo",
	 "publish_facebook_photo", "publish_instagram_photo",
	 "save_publication_report", "view_image"] and
	all(attr("langfuse.trace.name") == "FeedPublisherWorkflow" and
	    attr("langfuse.observation.metadata.attempt") == 1 and
	    (.startTimeUnixNano | tonumber) <= (.endTimeUnixNano | tonumber))' \
	"$T/spans.json" >/dev/null || fail "step spans"
# A generation under each Claude step's span: model, usage and cost
# (300 in, 60 out at 3 and 15 USD per million: 0.0018), prompt and answer.
jq -e "$A"' (map({(.spanId): .name}) | add) as $names |
	[.[] | select(attr("langfuse.observation.type") == "generation")] |
	length == 2 and (map($names[.parentSpanId]) | sort) ==
	["generate_caption", "view_image"] and
	(.[] | select($names[.parentSpanId] == "generate_caption") |
	 attr("langfuse.observation.model.name") == "claude-sonnet-4-6" and
	 (attr("langfuse.observation.usage_details") | fromjson) ==
	 {"input": 300, "output": 60, "total": 360} and
	 ((attr("langfuse.observation.cost_details") | fromjson) as $c |
	  (($c.total - 0.0018) | fabs) < 1e-12 and
	  (($c.input - 0.0009) | fabs) < 1e-12) and
	 attr("gen_ai.usage.input_tokens") == 300 and
	 (attr("langfuse.observation.output") | test("Ontdek")) and
	 (attr("langfuse.observation.input") | fromjson | .[0].role ==
	  "system"))' "$T/spans.json" >/dev/null ||
	fail "generations: $(jq -c '.[] | select(.name | test(": "))' "$T/spans.json")"
# The view_image prompt names the photo; the image itself is not sent.
jq -e "$A"' .[] | select(.name == "view_image: claude-sonnet-4-6") |
	attr("langfuse.observation.input") | (test("photo") and
	(test("base64") | not))' "$T/spans.json" >/dev/null ||
	fail "the image went into the trace"

# The keys appear nowhere: not in the log, the store, or the spans.
for k in "$PK" "$SK" "$KEY"; do
	if grep -rqF -- "$k" "$T/daemon.log" "$S"/herald.db* "$T/spans.json"; then
		fail "a key leaked"
	fi
done
# The spend of today and this month, per brand (0.0042 + 0.0018).
h status --json | jq -e '.spend.brands.pomandi | .today_calls == 2 and
	.month_calls == 2 and ((.today_usd - 0.006) | fabs) < 1e-9 and
	((.month_usd - 0.006) | fabs) < 1e-9 and .month_input_tokens == 1500' \
	>/dev/null || fail "spend: $(h status --json | jq -c .spend)"
h status --json | jq -e '.spend.day == (now | strftime("%Y-%m-%d")) and
	.spend.month == (now | strftime("%Y-%m")) and .langfuse.enabled and
	.langfuse.failures == 0 and .langfuse.last_error == null' >/dev/null ||
	fail "status: $(h status --json)"
# And in words, for an operator.
h status >"$T/status.txt"
grep -Eq '^  pomandi +today \$0\.0060 \(2 calls\), month \$0\.0060 \(2 calls' \
	"$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
grep -q '^langfuse: 0 spans waiting, 9 exported, 0 refused, 0 dropped' \
	"$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
stop_daemon

# Prompts off: the generations keep tokens and cost, but not the prompt.
# And the stop sends what waits: with a 10 s flush nothing would go
# before it otherwise.
config false 10s
start_daemon --state-dir "$S" --config "$T/herald.json"
h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id run2 >/dev/null
stop_daemon
TID2=$(printf 'herald-trace\0run2\0' | sha256sum | cut -c1-32)
received | jq -e --arg t "$TID2" '[.requests[].spans[] |
	select(.traceId == $t)] | length == 9' >/dev/null ||
	fail "the stop did not send run2's spans"
received | jq -e --arg t "$TID2" "$A"' [.requests[].spans[] |
	select(.traceId == $t and
	       attr("langfuse.observation.type") == "generation")] |
	length == 2 and all(attr("langfuse.observation.input") == null and
	attr("langfuse.observation.usage_details") != null)' >/dev/null ||
	fail "prompts off"

# Without the keys: no export and no outbox growth; spend still counts.
unset LANGFUSE_PUBLIC_KEY LANGFUSE_SECRET_KEY
start_daemon --state-dir "$S" --config "$T/herald.json"
grep -q "langfuse_export enabled=0" "$T/daemon.log" || fail "not off"
h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id run3 >/dev/null
h status --json | jq -e '.langfuse == {"enabled": false} and
	.spend.brands.pomandi.month_calls == 6' >/dev/null ||
	fail "off: $(h status --json)"
stop_daemon
rows=$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "select count(*) from trace_outbox").fetchone()[0])' "$S/herald.db")
[ "$rows" = 0 ] || fail "the outbox grew without keys: $rows"
echo ok
