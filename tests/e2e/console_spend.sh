# The Publications tab shows the Claude spend per brand, today and this
# month (UTC), as the daemon counts it: FeedPublisherWorkflow runs with
# the Claude writer against the Messages API fake, whose usage gives a
# known cost (vision 1200 in + 40 out, caption 300 in + 60 out tokens at
# $3 / $15 per million: $0.0060 and 1500/100 tokens a run). The tab is
# open before the runs and no key is pressed: the figures follow the
# runs' events, and they are the ones `herald status` prints.
. "$(dirname "$0")/lib.sh"

S="$T/s"
KEY=sk-ant-fake-$$-0123456789
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/port" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true; e2e_cleanup' EXIT INT TERM
wait_for test -s "$T/port" || fail "the fake did not start"
PORT=$(cat "$T/port")

mkdir "$T/pomandi" "$T/costume"
cp "$SRC"/assets/photos/pomandi/*.jpg "$T/pomandi/"
cp "$SRC"/assets/photos/costume/*.jpg "$T/costume/"
cat >"$T/herald.json" <<JSON
{"brands": {
  "pomandi": {"language": "nl", "approval": "auto",
   "photos": {"source": "dir", "path": "$T/pomandi"},
   "captions": {"writer": "claude", "hashtags": ["#pomandi"]},
   "publish": {"to": "outbox"}},
  "costume": {"language": "fr", "approval": "auto",
   "photos": {"source": "dir", "path": "$T/costume"},
   "captions": {"writer": "claude", "hashtags": ["#costume"]},
   "publish": {"to": "outbox"}}},
 "anthropic": {"base_url": "http://127.0.0.1:$PORT",
   "model": "claude-sonnet-4-6",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}}}
JSON
export ANTHROPIC_API_KEY="$KEY"
start_daemon --state-dir "$S" --config "$T/herald.json"
day=$(h status --json | jq -r .spend.day)
month=$(h status --json | jq -r .spend.month)

console 120 40
wait_screen '● heraldd '
keys 5
wait_screen "Publications +Claude spend \\(UTC\\): none in $month"
wait_screen 'Nothing published yet\.'

feed() { # feed BRAND ID: one run, which must complete
	h workflow execute --type FeedPublisherWorkflow --input "\"$1\"" \
		--id "$2" >/dev/null 2>&1 ||
		fail "$2: $(h workflow describe "$2")"
}
feed pomandi p1
wait_screen 'Publications +Claude spend per brand \(UTC\)'
wait_screen "BRAND +TODAY ${day#????-} +CALLS +MONTH $month +CALLS +TOKENS IN/OUT"
wait_screen '^  pomandi +\$0\.0060 +2 +\$0\.0060 +2 +1500/100 *$'
# One brand: no total line. The run's posts are listed below.
grep -q 'all [0-9]* brands' "$T/screen" && fail "a total for one brand: $(cat "$T/screen")"
wait_screen '^PUBLISHED +BRAND +CHANNEL'
wait_screen 'pomandi +instagram'

feed costume c1
feed costume c2
wait_screen '^  costume +\$0\.0120 +4 +\$0\.0120 +4 +3000/200 *$'
wait_screen '^  pomandi +\$0\.0060 +2 +\$0\.0060 +2 +1500/100 *$'
wait_screen '^  all 2 brands +\$0\.0180 +6 +\$0\.0180 +6 +4500/300 *$'
# The daemon's own figures, as `herald status` has them.
h status --json | jq -e '.spend.brands.costume | .today_calls == 4 and
	.month_calls == 4 and (.month_usd - 0.012 | fabs) < 1e-9 and
	.month_input_tokens == 3000' >/dev/null ||
	fail "status disagrees: $(h status)"
h status | grep -qE '^  costume +today \$0\.0120 \(4 calls\)' ||
	fail "herald status: $(h status)"

# A run that fails before its caption costs its vision call only.
curl -s -X POST "http://127.0.0.1:$PORT/_faults" -d '["pass", "401"]' >/dev/null
h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id p2 >/dev/null 2>&1 || true
[ "$(h workflow describe p2 --json | jq -r .status)" = failed ] ||
	fail "p2 should fail: $(h workflow describe p2)"
wait_screen '^  pomandi +\$0\.0102 +3 +\$0\.0102 +3 +2700/140 *$'
wait_screen '^  all 2 brands +\$0\.0222 +7 '

# On an 80x24 terminal the block still fits above the list.
tm resize-window -t 0 -x 80 -y 24
wait_screen '^  all 2 brands +\$0\.0222 +7 +\$0\.0222 +7 +5700/340'
wait_screen '^PUBLISHED +BRAND +CHANNEL'
console_quit
kill "$FAKE" 2>/dev/null || true
echo ok
