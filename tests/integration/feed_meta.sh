# FeedPublisherWorkflow publishing to Meta, end to end: photos from S3
# (s3rver behind a SigV4 check), the Graph API fake (tests/fakes/graph.py)
# for the Facebook Page and the Instagram account, the report in a real
# PostgreSQL. A clean run posts on both channels (Meta fetches the photo
# from a presigned URL; Instagram's container is polled by durable
# timers). Each injected fault retries or fails exactly as its class says,
# with Graph's message in last_error; a publish whose answer is lost, and
# a daemon killed mid-publish, are checked and never posted twice; an
# expired token pauses the brand's schedules with a note.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3lib.sh"
. "$(dirname "$0")/pglib.sh"

S="$T/s"
TOKEN=EAAfake-$$-meta-page-token
GPID=""
trap 'kill $GPID 2>/dev/null || true; s3_down; pg_cleanup; cleanup' EXIT INT TERM
pg_up
s3_up
/usr/bin/python3 "$SRC/tests/fakes/graph.py" v26.0 1234 1789 "$TOKEN" \
	>"$T/graph.port" 2>"$T/graph.err" &
GPID=$!
wait_for test -s "$T/graph.port" || fail "the Graph fake did not start"
GR="http://127.0.0.1:$(cat "$T/graph.port")"
stats() { curl -s "$GR/_stats"; }
fault() { curl -sf -X POST "$GR/_faults" -d "$1" >/dev/null ||
	fail "the fake refused faults $1"; }
curl -sf -X POST "$GR/_config" -d '{"timeout_s": 3}' >/dev/null

# 20 photos, each a different key (the offline caption names the subject,
# so every run's caption is its own).
files=("$SRC"/assets/photos/pomandi/*.jpg)
for n in $(seq 10 29); do
	f=${files[$((n % ${#files[@]}))]}
	s3_put "$f" "pomandi/look-$n-$(basename "$f")"
done

cat >"$T/herald.json" <<JSON
{"meta": {"base_url": "$GR", "poll_interval": "200ms", "poll_max": 10,
          "throttle_wait": "1s", "check_settle": "300ms"},
 "brands": {"pomandi": {"language": "nl", "display_name": "Pomandi",
   "photos": {"source": "s3", "bucket": "photos",
              "endpoint": "http://127.0.0.1:$S3_GATE", "path_style": true},
   "captions": {"writer": "offline", "hashtags": ["#pomandi"]},
   "publish": {"to": "meta", "page_id": "1234",
               "instagram_user_id": "1789",
               "token_env": "POMANDI_META_TOKEN"}}},
 "schedules": [{"id": "pomandi-posts", "workflow": "FeedPublisherWorkflow",
   "input": "pomandi", "cron": ["0 9 1 1 *"]}]}
JSON

# Refused at start without the token, naming the brand and the key.
rc=0
AWS_ACCESS_KEY_ID=$S3_AKID AWS_SECRET_ACCESS_KEY=$S3_SECRET \
	"$HERALDD" --state-dir "$S" --config "$T/herald.json" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "brands.pomandi.publish.token_env: \
POMANDI_META_TOKEN is not set" "$T/err" || fail "no token: $(cat "$T/err")"

export POMANDI_META_TOKEN="$TOKEN" AWS_ACCESS_KEY_ID=$S3_AKID \
	AWS_SECRET_ACCESS_KEY=$S3_SECRET
start_daemon --state-dir "$S" --config "$T/herald.json"

run() { # run ID: start a run for pomandi and wait until it closes
	h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
		--id "$1" >/dev/null 2>&1 || true
	h workflow describe "$1" --json >"$T/$1.json"
}
st() { # st ID STEP FIELD
	jq -r --arg s "$2" ".steps[] | select(.name == \$s) | .$3" "$T/$1.json"
}
caption() { st "$1" approve_caption result.caption; }
# posts CHANNEL CAPTION: how many posts the fake holds with that caption
posts() {
	stats | jq --arg c "$2" "[.$1_posts[] | select(.caption == \$c)] | length"
}
expect_done() { # ID: completed, one post per channel with its caption
	[ "$(jq -r .status "$T/$1.json")" = completed ] ||
		fail "$1: $(cat "$T/$1.json")"
	c=$(caption "$1")
	[ "$(posts fb "$c")" = 1 ] && [ "$(posts ig "$c")" = 1 ] ||
		fail "$1: posts fb=$(posts fb "$c") ig=$(posts ig "$c")"
}

# 1. A clean run.
run ok
expect_done ok
key=$(st ok get_random_unused_photo result.key)
stats >"$T/s1"
jq -e --arg c "$(caption ok)" '.fb_posts[0] | .caption == $c and
	.source == "url"' "$T/s1" >/dev/null ||
	fail "facebook: $(jq .fb_posts "$T/s1")"
# Each channel got its variant of the photo (a JPEG made at the pick, in
# the bucket under herald-variants/), not the original.
for ch in facebook:fb instagram:ig; do
	loc=$(st ok get_random_unused_photo "result.variants.${ch%:*}.location")
	case $loc in s3://photos/herald-variants/*) ;; *) fail "$ch variant at $loc" ;; esac
	sum=$(curl -s "http://127.0.0.1:$S3_UP/photos/${loc#s3://photos/}" | sha256sum | cut -d' ' -f1)
	jq -e --arg h "$sum" ".${ch#*:}_posts[0].photo_sha256 == \$h" "$T/s1" >/dev/null ||
		fail "Meta did not get the ${ch%:*} variant of $key"
done
h workflow show ok --json | jq -e '[.events[] | select(.type ==
	"step_waiting" and .step == "publish_instagram_photo")] | length >= 1' \
	>/dev/null || fail "the container was not polled by a durable wait"
# Polling the container is not retrying: a clean run has no retries.
h workflow list --json | jq -e '.executions[] | select(.id == "ok") |
	.retries == 0' >/dev/null ||
	fail "polls counted as retries: $(h workflow list --json | jq -c .executions)"
[ "$(st ok publish_instagram_photo attempt)" = "$(h workflow show ok --json |
	jq '[.events[] | select(.step == "publish_instagram_photo" and
	.type == "step_started")] | length')" ] || fail "attempt numbering"
jq -e '.steps[] | select(.name == "publish_facebook_photo") | .result |
	(.post_id | startswith("1234_")) and (.permalink | startswith("https"))' \
	"$T/ok.json" >/dev/null || fail "fb result: $(st ok publish_facebook_photo result)"
jq -e '.steps[] | select(.name == "publish_instagram_photo") | .result |
	(.post_id | length > 0) and (.permalink | test("instagram.com/p/"))' \
	"$T/ok.json" >/dev/null || fail "ig result: $(st ok publish_instagram_photo result)"
[ "$(psql_q "SELECT count(*) FROM herald_publications WHERE execution =
	'ok' AND post_id IS NOT NULL AND permalink LIKE 'https://%'")" = 2 ] ||
	fail "PostgreSQL: $(psql_q "SELECT * FROM herald_publications")"

# 2. Faults. Each run must end as its class says.
# 500 on the photo post: the answer is unknown, the check finds nothing,
# the publish goes again, once.
fault '["fb_photo:500"]'
run f500
expect_done f500
st f500 publish_facebook_photo last_error | grep -q "graph 500 code 2" ||
	fail "f500 error: $(st f500 publish_facebook_photo last_error)"
h workflow show f500 --json | jq -e '[.events[] | select(.type ==
	"step_started" and .step == "publish_facebook_photo" and
	.data.check == true)] | length == 1' >/dev/null ||
	fail "f500: the publish was not checked before the retry"
# A proxy's 429 with Retry-After on the container: honoured.
fault '["ig_media:http429:2"]'
run f429
expect_done f429
h workflow show f429 --json | jq -e '[.events[] | select(.type ==
	"step_failed" and .step == "publish_instagram_photo")][0].data |
	.retry_in_ms >= 2000' >/dev/null || fail "f429: Retry-After not honoured"
# Page throttling (613): waits 5 x throttle_wait, then works.
fault '["fb_photo:throttle:613"]'
run f613
expect_done f613
st f613 publish_facebook_photo last_error | grep -q "code 613" ||
	fail "f613: $(st f613 publish_facebook_photo last_error)"
h workflow show f613 --json | jq -e '[.events[] | select(.type ==
	"step_failed" and .step == "publish_facebook_photo")][0].data.retry_in_ms
	>= 5000' >/dev/null ||
	fail "f613: did not wait"
# A status check that never answers: a GET, retried.
# (A clean run checks its container twice; this one a third time, after
# the connection that never answered.)
checks=$(stats | jq '.requests.ig_status')
fault '["ig_status:timeout"]'
run ftimeout
expect_done ftimeout
[ "$(stats | jq '.requests.ig_status')" -ge $((checks + 3)) ] &&
	stats | jq -e '.faults | length == 0' >/dev/null ||
	fail "ftimeout: the fault did not bite: $(stats | jq -c .requests)"
# Garbage after a photo post: unknown, checked, published once.
fault '["fb_photo:garbage"]'
run fgarbage
expect_done fgarbage
st fgarbage publish_facebook_photo last_error | grep -q "not a Graph API" ||
	fail "fgarbage: $(st fgarbage publish_facebook_photo last_error)"
# A container stuck IN_PROGRESS, then ERROR: dropped, a new one published.
fault '["ig_status:in_progress:3", "ig_status:error"]'
run fcontainer
expect_done fcontainer
st fcontainer publish_instagram_photo last_error | grep -q "ERROR" ||
	fail "fcontainer: $(st fcontainer publish_instagram_photo last_error)"
stats | jq -e --arg id "$(st fcontainer publish_instagram_photo \
	result.container_id)" '.containers[$id] == "PUBLISHED" and
	([.containers[] | select(. == "ERROR")] | length == 1)' >/dev/null ||
	fail "fcontainer: containers $(stats | jq -c .containers)"
# The photo post goes out, then the answer is lost: the check finds it.
fault '["fb_photo:publish_then_timeout"]'
run flost
expect_done flost
[ "$(st flost publish_facebook_photo result.found_by_check)" = true ] ||
	fail "flost: $(st flost publish_facebook_photo result)"
# media_publish goes out, then a 500: the container says PUBLISHED.
fault '["ig_publish:publish_then_500"]'
run flostig
expect_done flostig
[ "$(st flostig publish_instagram_photo result.found_by_check)" = true ] &&
	[ "$(st flostig publish_instagram_photo result.post_id)" != null ] ||
	fail "flostig: $(st flostig publish_instagram_photo result)"
# The quota is full: no publish; the container waits (no attempt used),
# saying why.
fault '["ig_limit:quota_full"]'
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id fquota \
	>/dev/null
n=0
until h workflow show fquota --json | jq -e '[.events[] | select(.type ==
	"step_waiting" and (.data.waiting_for |
	test("quota used up [(]50 of 50")))] | length == 1' >/dev/null; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "fquota never waited: $(h workflow show fquota --json)"
	sleep 0.05
done
before_q=$(stats | jq '.requests.ig_publish')
h workflow describe fquota --json | jq -e '.steps[] | select(.name ==
	"publish_instagram_photo") | .status == "waiting" and .last_error ==
	null' >/dev/null ||
	fail "fquota: $(h workflow describe fquota --json)"
h workflow cancel fquota >/dev/null
[ "$(stats | jq '.requests.ig_publish')" = "$before_q" ] ||
	fail "fquota published"
# Meta calls the photo a duplicate: maybe ours, so checked (twice, a
# settle apart), not found, published once.
fault '["fb_photo:duplicate"]'
run fdup
expect_done fdup
# The check's words say what it found, not what comes next.
st fdup publish_facebook_photo last_error | grep -q "code 506.*checked: no \
post with this caption on page 1234 since the attempt began (looked twice, \
0.3 s apart): it did not go out$" ||
	fail "fdup: $(st fdup publish_facebook_photo last_error)"
# Meta's code 1 on a container: nothing published, retried.
fault '["ig_media:unknown"]'
run fcode1
expect_done fcode1
# A missing permission: final, and the brand paused like a dead token.
fault '["ig_media:permission"]'
run fperm
[ "$(jq -r .status "$T/fperm.json")" = failed ] &&
	[ "$(st fperm publish_instagram_photo attempt)" = 1 ] ||
	fail "fperm: $(cat "$T/fperm.json")"
h schedule describe pomandi-posts --json | jq -e '.paused and (.note |
	test("code 200"))' >/dev/null || fail "fperm did not pause the brand"
h schedule unpause pomandi-posts >/dev/null

# Cancelled while the photo post goes out: the step is in doubt (the
# photo stays used); a retry checks it first, finds it, posts nothing.
curl -sf -X POST "$GR/_config" -d '{"timeout_s": 6}' >/dev/null
fault '["fb_photo:publish_then_timeout"]'
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id fcancel \
	>/dev/null
n=0
until stats | jq -e '.faults | length == 0' >/dev/null &&
	[ "$(h workflow describe fcancel --json | jq -r '.steps[] | select(.name ==
	"publish_facebook_photo") | .status')" = running ]; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "fcancel: never published"
	sleep 0.05
done
h workflow cancel fcancel >/dev/null
h workflow describe fcancel --json >"$T/fcancel.json"
[ "$(st fcancel publish_facebook_photo status)" = in_doubt ] ||
	fail "fcancel: $(st fcancel publish_facebook_photo status)"
curl -sf -X POST "$GR/_config" -d '{"timeout_s": 3}' >/dev/null
h workflow retry fcancel >/dev/null
wait_status fcancel completed 30
run fcancel
expect_done fcancel
[ "$(st fcancel publish_facebook_photo result.found_by_check)" = true ] ||
	fail "fcancel: $(st fcancel publish_facebook_photo result)"

# An expired token: final, and the brand's schedules are paused, saying so.
fault '["fb_photo:expired_token"]'
run fexpired
[ "$(jq -r .status "$T/fexpired.json")" = failed ] ||
	fail "fexpired: $(cat "$T/fexpired.json")"
[ "$(st fexpired publish_facebook_photo attempt)" = 1 ] ||
	fail "fexpired was retried"
st fexpired publish_facebook_photo last_error | grep -q "code 190/463" ||
	fail "fexpired: $(st fexpired publish_facebook_photo last_error)"
h schedule describe pomandi-posts --json >"$T/sched"
jq -e '.paused == true and (.note | test("brand pomandi")) and
	(.note | test("190"))' "$T/sched" >/dev/null ||
	fail "schedule not paused: $(cat "$T/sched")"
h schedule unpause pomandi-posts >/dev/null

# 3. kill -9 while both channels publish (the fake posts, then stalls):
# after the restart both are checked, found, and nothing goes out twice.
curl -sf -X POST "$GR/_config" -d '{"timeout_s": 20}' >/dev/null
fault '["fb_photo:publish_then_timeout", "ig_publish:publish_then_timeout"]'
before=$(stats | jq '[.fb_posts[], .ig_posts[]] | length')
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id crash \
	>/dev/null
n=0
until [ "$(stats | jq '[.fb_posts[], .ig_posts[]] | length')" -ge \
	$((before + 2)) ]; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "crash: nothing published: $(stats)"
	sleep 0.05
done
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
curl -sf -X POST "$GR/_config" -d '{"timeout_s": 3}' >/dev/null
start_daemon --state-dir "$S" --config "$T/herald.json"
wait_status crash completed 30
h workflow describe crash --json >"$T/crash.json"
expect_done crash
for s in publish_facebook_photo publish_instagram_photo; do
	[ "$(st crash $s result.found_by_check)" = true ] ||
		fail "crash $s: $(st crash $s result)"
	st crash $s last_error | grep -q interrupted ||
		fail "crash $s: $(st crash $s last_error)"
done

# Every caption went out once per channel; the token went nowhere.
stats | jq -e '[.fb_posts[].caption] | length == (unique | length)' \
	>/dev/null || fail "a Facebook caption was posted twice"
stats | jq -e '[.ig_posts[].caption] | length == (unique | length)' \
	>/dev/null || fail "an Instagram caption was posted twice"
! grep -rq "$TOKEN" "$S" "$T/daemon.log" || fail "the token leaked"
! grep -q "X-Amz-Signature" "$T/daemon.log" "$S"/herald.db* ||
	fail "a presigned URL was kept"
echo ok
