# The approval gate (DESIGN rule 10) against a real daemon: a brand in
# approve-before-publish mode waits with nothing sent to the (fake) Graph
# API; approve with an edited caption publishes the edit; reject publishes
# nothing and frees the photo; regenerate writes a second caption and waits
# again; two approvals at once: one wins; waits survive kill -9 with their
# deadlines, and an expired one takes the brand's on_timeout.
. "$(dirname "$0")/lib.sh"

S="$T/s"
TOKEN=EAAfake-$$-approval-token
/usr/bin/python3 "$SRC/tests/fakes/graph.py" v26.0 1234 1789 "$TOKEN" \
	>"$T/port" 2>"$T/fake.log" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true; cleanup' EXIT
wait_for test -s "$T/port" || fail "the Graph fake did not start"
G="http://127.0.0.1:$(cat "$T/port")"
graph_posts() { curl -s "$G/_stats" | jq '.fb_posts | length'; }
graph_requests() { curl -s "$G/_stats" | jq '[.requests[]] | add // 0'; }

mkdir "$T/photos" "$T/photos2"
cp "$SRC/assets/photos/pomandi/navy-wool-overcoat.jpg" \
	"$SRC/assets/photos/pomandi/white-linen-shirt.jpg" "$T/photos/"
cp "$SRC"/assets/photos/costume/*.jpg "$T/photos2/"
cat >"$T/herald.json" <<JSON
{"meta": {"base_url": "$G"},
 "brands": {
  "pomandi": {"language": "nl", "approval": "required",
   "photos": {"source": "dir", "path": "$T/photos"},
   "captions": {"writer": "offline", "hashtags": ["#pomandi"]},
   "publish": {"to": "meta", "page_id": "1234",
               "token_env": "POMANDI_META_TOKEN"}},
  "costume": {"language": "fr", "approval": "required", "approval_timeout": "1h",
   "on_timeout": "approve",
   "photos": {"source": "dir", "path": "$T/photos2"},
   "captions": {"writer": "offline"}, "publish": {"to": "outbox"}}}}
JSON
export POMANDI_META_TOKEN="$TOKEN"
T0=2026-11-28T08:00:00Z
HERALD_TEST_CLOCK=$T0 start_daemon --state-dir "$S" --config "$T/herald.json"

started_reload() { [ "$(count_lines config_loaded)" -gt "$1" ]; }
start() { h workflow start --type FeedPublisherWorkflow --input "\"$1\"" \
	--id "$2" >/dev/null; }
field() { h workflow describe "$1" --json | jq -r "$2"; }
caption_of() { field "$1" '.steps[] | select(.name == "generate_caption") |
	.result.caption'; }

# 1. The run waits; nothing reaches the Graph API; the list shows it.
start pomandi w1
wait_status w1 waiting_approval
[ "$(graph_requests)" = 0 ] || fail "a waiting run called the Graph API"
h approval list --json >"$T/l"
jq -e '.approvals | length == 1 and .[0].execution == "w1" and
	.[0].brand == "pomandi" and (.[0].caption | test("pomandi"; "i")) and
	(.[0].photo_key | test("jpg$")) and (.[0].description | length) > 0 and
	(.[0].expires_at | startswith("2026-11-28T20:00:0"))' "$T/l" >/dev/null ||
	fail "approval list: $(cat "$T/l")"
h approval list | grep -q w1 || fail "approval list (text) lacks w1"
# The list shows where the run stands, and waiting is not a retry.
h workflow list --json | jq -e '.executions[] | select(.id == "w1") |
	.step == "approve_caption" and .retries == 0' >/dev/null ||
	fail "list row: $(h workflow list --json | jq -c '.executions[0]')"
h events --since 0 --topic approval --json 2>/dev/null |
	grep -q approval_requested || fail "no approval_requested event"

# 2. An edit is checked like a generated caption.
expect_rc 1 h approval approve w1 --caption "   "
grep -q "empty" "$T/err" || fail "empty edit: $(cat "$T/err")"
expect_rc 1 h approval approve w1 --caption "$(head -c 2201 /dev/zero |
	tr '\0' x)"
grep -q "2201 characters" "$T/err" || fail "long edit: $(cat "$T/err")"

# 3. Approve with an edit: the edit is what goes out.
EDIT="Édité à la main: onze jas ✨ — #pomandi"
h approval approve w1 --caption "$EDIT" --by alice >/dev/null
wait_status w1 completed
[ "$(curl -s "$G/_stats" | jq -r '.fb_posts[0].caption')" = "$EDIT" ] ||
	fail "the Page got: $(curl -s "$G/_stats" | jq '.fb_posts')"
h publication list --json | jq -e --arg c "$EDIT" '.publications[0] |
	.caption == $c and .channel == "facebook"' >/dev/null ||
	fail "publication: $(h publication list --json)"
h workflow show w1 --json | jq -e --arg c "$EDIT" '[.events[] |
	select(.type == "approval_decided")][0].data | .decision == "approved"
	and .by == "alice" and .caption == $c and (.caption_before |
	test("pomandi"; "i"))' >/dev/null || fail "history: $(h workflow show w1 --json)"
# Approving it again: invalid_state, saying what became of it.
expect_rc 1 h approval approve w1
grep -q "invalid_state\|not waiting_approval" "$T/err" ||
	fail "second approve: $(cat "$T/err")"
grep -q "alice" "$T/err" || fail "second approve does not say who: $(cat "$T/err")"

# 4. Reject: rejected, nothing published, the photo back in the pool.
start pomandi w2
wait_status w2 waiting_approval
key2=$(field w2 '.steps[] | select(.name == "get_random_unused_photo") |
	.result.key')
h approval reject w2 --reason "off-brand" --by bob >/dev/null
wait_status w2 rejected
[ "$(graph_posts)" = 1 ] || fail "a rejected run published"
[ "$(field w2 .error)" = "rejected by bob: off-brand" ] ||
	fail "error: $(field w2 .error)"
h workflow list --status rejected --json | jq -e '.executions[0].id ==
	"w2"' >/dev/null || fail "list --status rejected"
# Two photos, one used: the next run can only get the released one.
start pomandi w3
wait_status w3 waiting_approval
[ "$(field w3 '.steps[] | select(.name == "get_random_unused_photo") |
	.result.key')" = "$key2" ] || fail "the rejected run's photo was not freed"

# 5. Regenerate: a second caption, then the wait again.
first=$(caption_of w3)
h approval regenerate w3 --hint "korter" --by carol >/dev/null
n=0
until [ "$(field w3 .status)" = waiting_approval ] &&
	[ "$(caption_of w3)" != "$first" ]; do
	n=$((n + 1))
	[ $n -lt 200 ] || fail "no second caption: $(h workflow describe w3 --json)"
	sleep 0.05
done
second=$(caption_of w3)
h workflow show w3 --json | jq -e '[.events[] | select(.type ==
	"approval_requested")] | length == 2' >/dev/null ||
	fail "regenerate did not wait again"
h approval approve w3 --by carol >/dev/null
wait_status w3 completed
[ "$(curl -s "$G/_stats" | jq -r '.fb_posts[1].caption')" = "$second" ] ||
	fail "the regenerated caption did not go out"

# 6. Two operators approve at once: exactly one wins.
cp "$SRC/assets/photos/pomandi/"*.jpg "$T/photos/"
start pomandi w4
wait_status w4 waiting_approval
rc1=0 rc2=0
h approval approve w4 --by dave >"$T/a1" 2>&1 & p1=$!
h approval approve w4 --by erin >"$T/a2" 2>&1 & p2=$!
wait $p1 || rc1=$?
wait $p2 || rc2=$?
[ $((rc1 + rc2)) -eq 1 ] || fail "two approvals: rc $rc1 and $rc2"
cat "$T/a1" "$T/a2" | grep -q "not waiting_approval" ||
	fail "the loser was not told: $(cat "$T/a1" "$T/a2")"
wait_status w4 completed

# 7. A decision on a caption that was replaced meanwhile is refused.
start pomandi w7
wait_status w7 waiting_approval
r1=$(h approval list --json | jq '.approvals[] | select(.execution == "w7") |
	.round')
h approval regenerate w7 --round "$r1" >/dev/null
n=0
until h approval list --json | jq -e --argjson r "$r1" '.approvals[] |
	select(.execution == "w7") | .round > $r' >/dev/null; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "w7 did not wait again"
	sleep 0.05
done
expect_rc 1 h approval approve w7 --round "$r1"
grep -q "another caption" "$T/err" || fail "stale approve: $(cat "$T/err")"
r2=$(h approval list --json | jq '.approvals[] | select(.execution == "w7") |
	.round')
h approval approve w7 --round "$r2" >/dev/null
wait_status w7 completed

# 8. Cancelled while it waits: nothing published, the photo back; a retry
# waits for approval again.
start pomandi w8
wait_status w8 waiting_approval
posts=$(graph_posts)
h workflow cancel w8 >/dev/null
wait_status w8 cancelled
h workflow retry w8 >/dev/null
wait_status w8 waiting_approval
h approval reject w8 --reason "not today" >/dev/null
wait_status w8 rejected
[ "$(graph_posts)" = "$posts" ] || fail "w8 published"
expect_rc 1 h workflow retry w8
grep -q "only failed or cancelled" "$T/err" || fail "retry of rejected: $(cat "$T/err")"

# 9. The config stops asking for costume's approval (SIGHUP): its waiting
# run goes on, approved by heraldd.
start costume w9
wait_status w9 waiting_approval
sed 's/"approval": "required",\(.*"approval_timeout"\)/"approval": "auto",\1/' \
	"$T/herald.json" >"$T/h2" && mv "$T/h2" "$T/herald.json"
grep -q '"approval": "auto", *"approval_timeout"' "$T/herald.json" ||
	fail "the test's config edit did not apply"
kill -HUP "$DAEMON_PID"
wait_status w9 completed
h workflow show w9 --json | jq -e '[.events[] | select(.type ==
	"approval_decided")][0].data | .by == "heraldd" and (.reason |
	test("no longer required"))' >/dev/null || fail "w9 history"
sed 's/"approval": "auto",\(.*"approval_timeout"\)/"approval": "required",\1/' \
	"$T/herald.json" >"$T/h2" && mv "$T/h2" "$T/herald.json"
loaded=$(count_lines config_loaded)
kill -HUP "$DAEMON_PID"
wait_for started_reload "$loaded" || fail "the config was not reloaded"

# 10. Waits survive kill -9 with their deadlines; expiry takes on_timeout.
start pomandi w5 # 12 h, reject
start costume w6 # 1 h, approve
wait_status w5 waiting_approval
wait_status w6 waiting_approval
h approval list --json >"$T/before"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
HERALD_TEST_CLOCK=2026-11-28T08:30:00Z start_daemon --state-dir "$S" \
	--config "$T/herald.json"
h approval list --json >"$T/after"
jq -e --slurpfile b "$T/before" '[.approvals[] | {execution, expires_at}] ==
	[$b[0].approvals[] | {execution, expires_at}] and
	(.approvals | length) == 2' "$T/after" >/dev/null ||
	fail "deadlines moved: $(cat "$T/before") -> $(cat "$T/after")"
stop_daemon
HERALD_TEST_CLOCK=2026-11-28T09:30:00Z start_daemon --state-dir "$S" \
	--config "$T/herald.json"
wait_status w6 completed
[ -f "$S/outbox/facebook/w6/post.json" ] || fail "w6 approved on timeout did not publish"
h workflow show w6 --json | jq -e '[.events[] | select(.type ==
	"approval_decided")][0].data | .decision == "expired" and .action ==
	"approve" and .by == "heraldd"' >/dev/null || fail "w6 history"
[ "$(field w5 .status)" = waiting_approval ] || fail "w5 expired early"
stop_daemon
posts=$(graph_posts)
HERALD_TEST_CLOCK=2026-11-28T20:00:01Z start_daemon --state-dir "$S" \
	--config "$T/herald.json"
wait_status w5 rejected
field w5 .error | grep -q "rejected by heraldd: no decision before" ||
	fail "w5 error: $(field w5 .error)"
[ "$(graph_posts)" = "$posts" ] || fail "an expired reject published"
# A decision on an expired run: invalid_state with its state.
expect_rc 1 h approval approve w5
grep -q "rejected" "$T/err" || fail "late approve: $(cat "$T/err")"
[ "$(h approval list --json | jq '.approvals | length')" = 0 ] ||
	fail "approvals left: $(h approval list --json)"
# The token never showed up anywhere heraldd writes.
! grep -rq "$TOKEN" "$S" "$T/daemon.log" || fail "the token leaked"
echo ok
