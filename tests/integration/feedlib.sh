# A FeedPublisherWorkflow brand wired to every outside service, for the
# crash and stop tests: photos from S3 (s3rver behind the SigV4 gate),
# Claude (tests/fakes/anthropic.py), Facebook and Instagram (the Graph
# fake), the report in a real PostgreSQL. Source after lib.sh, s3lib.sh and
# pglib.sh.
#   feed_up NPHOTOS [EXTRA_CONFIG_JSON]  starts them all, uploads NPHOTOS
#       photos, writes $T/herald.json (EXTRA is merged into it) and exports
#       the secrets; feed_down stops them.
#   gfault/afault/sfault JSON  queue faults in the Graph, Anthropic, S3 fakes
#   feed_invariants [in_doubt_ok]  the promises that must hold after any
#       crash: see below.
S="$T/s"
TOKEN=EAAfake-$$-meta-page-token
KEY=sk-ant-fake-$$-0123456789
GPID="" APID=""
feed_down() {
	for p in $GPID $APID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	s3_down
	pg_cleanup
}
feed_up() {
	pg_up
	s3_up
	/usr/bin/python3 "$SRC/tests/fakes/graph.py" v26.0 1234 1789 "$TOKEN" \
		>"$T/graph.port" 2>"$T/graph.err" &
	GPID=$!
	/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" \
		>"$T/anthropic.port" 2>"$T/anthropic.err" &
	APID=$!
	wait_for test -s "$T/graph.port" || fail "the Graph fake did not start"
	wait_for test -s "$T/anthropic.port" ||
		fail "the Anthropic fake did not start"
	GR="http://127.0.0.1:$(cat "$T/graph.port")"
	AN="http://127.0.0.1:$(cat "$T/anthropic.port")"
	curl -sf -X POST "$GR/_config" -d '{"timeout_s": 4}' >/dev/null
	files=("$SRC"/assets/photos/pomandi/*.jpg)
	for n in $(seq 1 "$1"); do
		f=${files[$((n % ${#files[@]}))]}
		s3_put "$f" "pomandi/p-$n-$(basename "$f")"
	done
	jq -n --arg gr "$GR" --arg an "$AN" --arg s3 "http://127.0.0.1:$S3_GATE" \
		--argjson extra "${2:-{\}}" '{
	  meta: {base_url: $gr, poll_interval: "200ms", poll_max: 20,
	         throttle_wait: "1s", check_settle: "300ms"},
	  anthropic: {base_url: $an, model: "claude-sonnet-4-6",
	    prices: {"claude-sonnet-4-6": {input: 3.0, output: 15.0}}},
	  brands: {pomandi: {language: "nl", display_name: "Pomandi",
	    photos: {source: "s3", bucket: "photos", endpoint: $s3,
	             path_style: true},
	    captions: {writer: "claude", hashtags: ["#pomandi"]},
	    publish: {to: "meta", page_id: "1234", instagram_user_id: "1789",
	              token_env: "POMANDI_META_TOKEN"}}}} * $extra' \
		>"$T/herald.json" || fail "config"
	export POMANDI_META_TOKEN="$TOKEN" ANTHROPIC_API_KEY="$KEY" \
		AWS_ACCESS_KEY_ID=$S3_AKID AWS_SECRET_ACCESS_KEY=$S3_SECRET
}
gfault() {
	curl -sf -X POST "$GR/_faults" -d "$1" >/dev/null ||
		fail "the Graph fake refused $1"
}
afault() {
	curl -sf -X POST "$AN/_faults" -d "$1" >/dev/null ||
		fail "the Anthropic fake refused $1"
}
sfault() {
	curl -sf -X POST "http://127.0.0.1:$S3_GATE/_faults" -d "$1" \
		>/dev/null || fail "the S3 gate refused $1"
}
gstats() { curl -s "$GR/_stats"; }
q() { sqlite3 -cmd ".timeout 5000" "$S/herald.db" "$1"; }

# start_feed_daemon: heraldd on $S with the config, waiting until it runs.
start_feed_daemon() {
	start_daemon --state-dir "$S" --config "$T/herald.json"
}

# died_within SECONDS: waits for the daemon (killed by its test hook, say)
# to be gone.
died_within() {
	n=$(($1 * 20))
	while kill -0 "$DAEMON_PID" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=""
}

# kill9: kill -9 the daemon now.
kill9() {
	kill -KILL "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=""
}

# settle SECONDS: waits until no run is running (each is completed,
# failed, or waits for an operator).
settle() {
	n=$(($1 * 10))
	while [ "$(q "SELECT count(*) FROM executions WHERE status
		IN ('running', 'waiting_approval')")" != 0 ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "runs still open: $(q "SELECT id, status
			FROM executions WHERE status IN ('running',
			'waiting_approval')")"
		sleep 0.1
	done
}

# feed_invariants [in_doubt_ok]: after any crash,
#  - every run completed, or (in_doubt_ok) waits for an operator with the
#    step in doubt and its reason; none failed, none with a null error;
#  - no attempt that heraldd's stop or crash cut short counted as failed;
#  - no caption went out twice on a channel, and each completed run's
#    caption is out exactly once on each;
#  - no photo was used by two runs;
#  - the PostgreSQL report has each completed run's two posts, once.
feed_invariants() {
	bad=$(q "SELECT id || ' ' || status || ' ' || coalesce(error, 'NULL')
		FROM executions WHERE status != 'completed'
		AND NOT ('${1:-}' = 'in_doubt_ok' AND status = 'in_doubt')")
	[ -z "$bad" ] || fail "runs not completed: $bad"
	[ "$(q "SELECT count(*) FROM executions x WHERE status = 'in_doubt'
		AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.exec_n = x.n AND
		s.status = 'in_doubt' AND s.last_error IS NOT NULL)")" = 0 ] ||
		fail "a run waits without a step in doubt and its reason"
	[ "$(q "SELECT count(*) FROM executions WHERE status = 'failed'
		AND (error IS NULL OR error LIKE '%interrupted%')")" = 0 ] ||
		fail "failed with no error, or for an interruption"
	[ "$(q "SELECT count(*) FROM events WHERE type = 'step_failed'
		AND data LIKE '%interrupted%'")" = 0 ] ||
		fail "an interruption counted as a failed attempt: $(q "SELECT
			exec_n, step, data FROM events WHERE type =
			'step_failed' AND data LIKE '%interrupted%'")"
	gstats >"$T/gstats.json"
	for ch in fb ig; do
		dup=$(jq -r ".${ch}_posts | group_by(.caption)[] |
			select(length > 1) | .[0].caption" "$T/gstats.json")
		[ -z "$dup" ] || fail "posted twice on $ch: $dup"
	done
	q "SELECT json_extract(s.result, '$.caption') FROM steps s JOIN
		executions x ON x.n = s.exec_n WHERE x.status = 'completed'
		AND s.name = 'approve_caption'" >"$T/captions"
	while IFS= read -r c; do
		for ch in fb ig; do
			[ "$(jq --arg c "$c" "[.${ch}_posts[] |
				select(.caption == \$c)] | length" \
				"$T/gstats.json")" = 1 ] ||
				fail "'$c' is not out once on $ch"
		done
	done <"$T/captions"
	[ "$(q "SELECT count(*) FROM (SELECT key FROM claims WHERE state =
		'used' GROUP BY kind, scope, key HAVING count(*) > 1)")" = 0 ] ||
		fail "a photo used twice"
	done_n=$(q "SELECT count(*) FROM executions WHERE status = 'completed'")
	[ "$(psql_q "SELECT count(DISTINCT (execution, channel)) FROM
		herald_publications WHERE post_id IS NOT NULL")" = \
		$((done_n * 2)) ] ||
		fail "report: $(psql_q "SELECT execution, channel, post_id FROM
			herald_publications") for $done_n completed runs"
}
