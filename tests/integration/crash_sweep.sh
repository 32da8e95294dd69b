# Kill points swept over every step of FeedPublisherWorkflow (DESIGN rule 5,
# rule 9): for each step, heraldd is killed with SIGKILL when the attempt
# is committed as started (before a worker has it), in the middle of its
# outside call (a slow fake, or a locked report table), and after the call
# returned but before the engine stored the result. After each restart the
# run must complete on its own (an interrupted pure step runs again, an
# interrupted publish is checked first), using no attempt for the
# interruption, with one post per channel, its photo used once and the
# report written: feed_invariants after each kill.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3lib.sh"
. "$(dirname "$0")/pglib.sh"
. "$(dirname "$0")/feedlib.sh"
trap 'feed_down; cleanup' EXIT INT TERM
# The Facebook check waits longer than a slow publish takes: a Graph that
# is still working on a post whose caller died must not be read as "not
# there" (meta.check_settle, 20 s by default, is that margin).
feed_up 24 '{"meta": {"check_settle": "5s"}}'
LOCKER=""

steps="get_random_unused_photo view_image generate_caption
publish_facebook_photo publish_instagram_photo save_publication_report"

# A first run, so the report's table exists (the mid-call kill of the
# report locks it).
start_feed_daemon
h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id warmup >/dev/null || fail "warmup: $(h workflow describe warmup)"
feed_invariants

# mid STEP: queues what makes STEP's outside call slow.
mid() {
	case $1 in
	get_random_unused_photo) sfault '["slow:4"]' ;;
	view_image) afault '["slow:4"]' ;;
	generate_caption) afault '["pass", "slow:4"]' ;;
	publish_facebook_photo) gfault '["fb_photo:slow:4"]' ;;
	publish_instagram_photo) gfault '["ig_publish:slow:4"]' ;;
	save_publication_report)
		psql_q "BEGIN; LOCK TABLE herald_publications IN ACCESS
			EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT;" \
			>/dev/null 2>&1 &
		LOCKER=$!
		;;
	esac
}

# in_call STEP: true while STEP's attempt is out (running for 1 s).
in_call() {
	[ "$(q "SELECT count(*) FROM steps s JOIN executions x ON x.n =
		s.exec_n WHERE x.id = '$id' AND s.name = '$1' AND s.status =
		'running' AND s.started_at < (strftime('%s', 'now') - 1) *
		1000")" = 1 ]
}

kn=0
for step in $steps; do
	for point in start mid after; do
		kn=$((kn + 1))
		id="k$kn-$point-$step"
		if [ "$point" = mid ]; then
			[ -n "$DAEMON_PID" ] || start_feed_daemon
			mid "$step"
			h workflow start --type FeedPublisherWorkflow \
				--input '"pomandi"' --id "$id" >/dev/null
			wait_for in_call "$step" || wait_for in_call "$step" ||
				fail "$id: $step never ran: $(h workflow describe "$id")"
			kill9
		else
			[ -z "$DAEMON_PID" ] || stop_daemon
			export HERALD_TEST_KILL="$step:$point"
			start_feed_daemon
			unset HERALD_TEST_KILL
			# The kill may come before the answer (the start
			# commits, then dispatches, then replies).
			h workflow start --type FeedPublisherWorkflow \
				--input '"pomandi"' --id "$id" >/dev/null 2>&1 ||
				true
			died_within 30 || fail "$id: no kill at $step:$point"
		fi
		start_feed_daemon
		settle 60
		[ "$(q "SELECT count(*) FROM events e JOIN executions x ON
			x.n = e.exec_n WHERE x.id = '$id' AND e.type =
			'step_interrupted' AND e.step = '$step'")" = 1 ] ||
			fail "$id: $(h workflow show "$id")"
		feed_invariants
		echo "ok $id"
	done
done
stop_daemon
wait "$LOCKER" 2>/dev/null || true
# Every interrupted publish was checked before anything else happened to
# it, and no interruption used an attempt.
[ "$(q "SELECT count(*) FROM steps WHERE interrupted > 0 AND
	attempt - attempt_base > 1")" = 0 ] ||
	fail "an interruption used an attempt: $(q "SELECT exec_n, name,
		attempt, attempt_base, interrupted FROM steps WHERE
		interrupted > 0")"
echo "ok: $kn kill points, every run completed, nothing posted twice"
