# kill -9 at random moments over feed runs against every outside service
# (S3, Claude, Graph, PostgreSQL), with slow calls and lost answers queued
# all along: KILLS kills (60 by default), 0.2-3 s apart, while a submitter
# keeps starting runs. At the end every run completed or waits for an
# operator with its reason, none failed (none for an interruption), no
# failed run lacks its error, no caption went out twice on a channel, no
# photo was used twice, and the report holds every completed run's posts
# (feed_invariants).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3lib.sh"
. "$(dirname "$0")/pglib.sh"
. "$(dirname "$0")/feedlib.sh"
# 60 kills; under the sanitizers (a slower daemon, the same code paths)
# 20, so that the whole suite keeps to its time.
if [ -n "${HERALD_SANITIZE:-}" ]; then
	KILLS=${CRASH_KILLS:-20} RUNS=${CRASH_RUNS:-25}
else
	KILLS=${CRASH_KILLS:-60} RUNS=${CRASH_RUNS:-70}
fi
SUBMITTER=""
trap 'kill $SUBMITTER 2>/dev/null || true; feed_down; cleanup' EXIT INT TERM
# The Facebook check waits longer than the slowest publish below takes.
feed_up $((RUNS + 5)) '{"meta": {"check_settle": "1500ms"}}'
# Instagram's 50 posts a day would hold the last runs back for hours.
curl -sf -X POST "$GR/_config" -d '{"timeout_s": 2, "quota_total": 500}' \
	>/dev/null

rand_ms() { # rand_ms MIN MAX
	awk -v a="$1" -v b="$2" -v s="$RANDOM$RANDOM" \
		'BEGIN { srand(s); printf "%.3f", (a + rand() * (b - a)) / 1000 }'
}
pick() { # pick WORD...: one of them
	shift $((RANDOM % $#))
	echo "$1"
}

start_feed_daemon

# The submitter starts loop-0 .. loop-RUNS-1, about one a second, each
# retried until the daemon knows it (a start whose answer a kill lost may
# have committed). It also queues a fault now and then: slow calls and
# publishes whose answer is lost.
submit() {
	for ((i = 0; i < RUNS; i++)); do
		case $((RANDOM % 4)) in
		0) gfault "[\"$(pick fb_photo:publish_then_timeout \
			ig_publish:publish_then_timeout fb_photo:slow:1 \
			ig_publish:slow:1 ig_media:slow:1 ig_status:500 \
			fb_photo:500)\"]" 2>/dev/null || true ;;
		1) afault '["slow:2"]' 2>/dev/null || true ;;
		2) sfault '["slow:1"]' 2>/dev/null || true ;;
		esac
		while :; do
			rc=0
			h workflow start --type FeedPublisherWorkflow \
				--input '"pomandi"' --id "loop-$i" >/dev/null \
				2>"$T/submit.err" || rc=$?
			[ "$rc" -eq 0 ] && break
			grep -q already_exists "$T/submit.err" && break
			sleep 0.1
		done
		sleep "$(rand_ms 500 1500)"
	done
}
submit &
SUBMITTER=$!

for ((k = 1; k <= KILLS; k++)); do
	sleep "$(rand_ms 200 3000)"
	kill9
	start_feed_daemon
done
wait "$SUBMITTER" || fail "the submitter failed"
SUBMITTER=""

settle 180
stop_daemon
[ "$(q "SELECT count(*) FROM executions WHERE id LIKE 'loop-%'")" = "$RUNS" ] ||
	fail "runs missing: $(q "SELECT count(*) FROM executions")"
feed_invariants in_doubt_ok
[ "$(q "SELECT count(*) FROM events WHERE type = 'step_interrupted'")" -gt 0 ] ||
	fail "no kill cut a step short: the loop tested nothing"
echo "ok: $RUNS runs, $KILLS kills;" \
	"$(q "SELECT count(*) FROM events WHERE type = 'step_interrupted'")" \
	"interrupted attempts (none failed);" \
	"$(q "SELECT count(*) FROM events WHERE type = 'step_started' AND
		data LIKE '%\"check\":true%'")" "checks;" \
	"$(q "SELECT count(*) FROM executions WHERE status = 'in_doubt'")" \
	"runs waiting for an operator;" \
	"$(gstats | jq '.fb_posts | length') Facebook and" \
	"$(gstats | jq '.ig_posts | length') Instagram posts"
