# FeedPublisherWorkflow with Claude writing, against a local fake of the
# Messages API (tests/fakes/anthropic.py) that follows its contract: a run
# that works records model, tokens and cost; injected faults retry or fail
# exactly as their error class says, with the API's message in last_error.
. "$(dirname "$0")/lib.sh"

S="$T/s"
KEY=sk-ant-fake-$$-0123456789
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/port" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true; cleanup' EXIT
wait_for test -s "$T/port" || fail "the fake did not start"
PORT=$(cat "$T/port")
fake() { curl -s -X POST "http://127.0.0.1:$PORT/_faults" -d "$1" >/dev/null; }

mkdir "$T/photos"
cp "$SRC"/assets/photos/*/*.jpg "$T/photos/" # 9 photos: enough for all runs
# And one over the 3.75 MiB Claude takes inline as a file: Claude gets
# its variant (a small JPEG), so it is as good as the others. Alone in
# its own folder, its run sends Claude a photo that fits.
mkdir "$T/huge"
{ cat "$SRC/assets/photos/pomandi/navy-wool-overcoat.jpg"
  head -c 4500000 /dev/zero; } >"$T/huge/huge-poster.jpg"
cat >"$T/herald.json" <<JSON
{"brands": {"pomandi": {"language": "nl", "display_name": "Pomandi",
   "photos": {"source": "dir", "path": "$T/photos"},
   "captions": {"writer": "claude", "voice": "warm, plain",
                "hashtags": ["#pomandi"]}},
  "poster": {"language": "en", "photos": {"source": "dir", "path": "$T/huge"},
   "captions": {"writer": "claude"}}},
 "anthropic": {"base_url": "http://127.0.0.1:$PORT",
   "model": "claude-sonnet-4-6",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}}}
JSON

# The key is required at start, and the message names the brand.
rc=0
env -u ANTHROPIC_API_KEY "$HERALDD" --state-dir "$S" --config "$T/herald.json" \
	2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "started without ANTHROPIC_API_KEY"
grep -q "brands.pomandi.captions.writer: claude needs ANTHROPIC_API_KEY" \
	"$T/err" || fail "missing key message: $(cat "$T/err")"

export ANTHROPIC_API_KEY="$KEY"
start_daemon --state-dir "$S" --config "$T/herald.json"
run() { # run ID: one FeedPublisherWorkflow run for pomandi
	h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
		--id "$1" >/dev/null 2>&1 || true
	h workflow describe "$1" --json >"$T/$1.json"
}
step() { # step ID N FIELD
	jq -r ".steps[$2].$3" "$T/$1.json"
}

run ok1
[ "$(jq -r .status "$T/ok1.json")" = completed ] || fail "ok1: $(cat "$T/ok1.json")"

grep -q "Ontdek onze nieuwste jas" "$S/outbox/facebook/ok1/caption.txt" ||
	fail "the caption from the API did not go out"
h publication list --json | jq -e '.publications | map(select(.execution ==
	"ok1" and .channel == "facebook"))[0] | .model == "claude-sonnet-4-6"
	and .input_tokens == 1500 and .output_tokens == 100 and
	(.cost_usd - 0.006 | fabs) < 1e-9' >/dev/null ||
	fail "tokens and cost: $(h publication list --json)"
# The key went in the header, not anywhere we keep.
if grep -rq "$KEY" "$T/daemon.log" "$S"/herald.db* "$S/outbox"; then
	fail "the API key leaked"
fi

fake '["500"]'
run r500
[ "$(jq -r .status "$T/r500.json")" = completed ] || fail "500 not retried"
[ "$(step r500 1 attempt)" = 2 ] || fail "500: attempts"
step r500 1 last_error | grep -q "anthropic 500 api_error: Internal server error" ||
	fail "500 message: $(step r500 1 last_error)"

fake '["529"]'
run r529
[ "$(jq -r .status "$T/r529.json")" = completed ] || fail "529 not retried"
step r529 1 last_error | grep -q "529 overloaded_error" || fail "529 message"

fake '["429:3"]'
run r429
[ "$(jq -r .status "$T/r429.json")" = completed ] || fail "429 not retried"
h workflow show r429 --json | jq -e '[.events[] | select(.type ==
	"step_failed")][0] | ((.data.retry_at | sub("\\.[0-9]+Z$"; "Z") |
	fromdate) - (.at | sub("\\.[0-9]+Z$"; "Z") | fromdate)) >= 2' \
	>/dev/null || fail "Retry-After not honoured: $(h workflow show r429 --json)"

fake '["garbage"]'
run rgarbage
[ "$(jq -r .status "$T/rgarbage.json")" = completed ] || fail "garbage not retried"
step rgarbage 1 last_error | grep -q "not a message" || fail "garbage message"

# Final errors: no retry, the API's message kept, the photo given back.
fake '["401"]'
run r401
[ "$(jq -r .status "$T/r401.json")" = failed ] || fail "401 should fail"
[ "$(step r401 1 attempt)" = 1 ] || fail "401 was retried: $(cat "$T/r401.json")"
step r401 1 last_error | grep -q "anthropic 401 authentication_error: invalid x-api-key" ||
	fail "401 message: $(step r401 1 last_error)"
fake '["spend_limit"]'
run rspend
[ "$(jq -r .status "$T/rspend.json")" = failed ] &&
	[ "$(step rspend 1 attempt)" = 1 ] || fail "a spend limit was retried"
fake '["pass", "refusal"]'
run rrefusal
[ "$(step rrefusal 2 status)" = failed ] && [ "$(step rrefusal 2 attempt)" = 1 ] ||
	fail "refusal: $(cat "$T/rrefusal.json")"
step rrefusal 2 last_error | grep -q "stop_reason refusal" || fail "refusal message"
# A refused answer is billed all the same: its cost is on the failure and
# in the spend (the view and the refused caption: two calls).
h workflow show rrefusal --json | jq -e '[.events[] | select(.type ==
	"step_failed" and .step == "generate_caption")][0].data.usage |
	.output_tokens > 0 and .cost_usd > 0' >/dev/null ||
	fail "refusal usage: $(h workflow show rrefusal --json)"
[ "$(sqlite3 "$S/herald.db" "SELECT count(*) FROM spend WHERE
	execution = 'rrefusal'")" = 2 ] || fail "the refused call is not spend"
fake '["pass", "long"]'
run rlong
step rlong 2 last_error | grep -q "over Instagram's 2200" ||
	fail "long caption: $(step rlong 2 last_error)"
# The photo over the inline limit as a file: Claude gets its variant.
h workflow execute --type FeedPublisherWorkflow --input '"poster"' \
	--id poster1 >/dev/null || fail "poster1: $(h workflow describe poster1 --json)"
h workflow describe poster1 --json >"$T/poster1.json"
jq -e '.steps[1].result | .image_source == "base64" and .width == 480' \
	"$T/poster1.json" >/dev/null || fail "poster1 view: $(jq -c '.steps[1].result' "$T/poster1.json")"
curl -s "http://127.0.0.1:$PORT/_stats" | jq -e '.image_sizes[-1] == [480, 600]' >/dev/null ||
	fail "Claude saw: $(curl -s "http://127.0.0.1:$PORT/_stats" | jq -c .image_sizes)"
# Five runs went out, five photos used; the failed runs' photos are free.
h publication list --brand pomandi --json | jq -e '[.publications[] |
	select(.channel == "instagram")] | length == 5' >/dev/null ||
	fail "publications"
stop_daemon
echo ok
