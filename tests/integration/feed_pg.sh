# The publication report in a real PostgreSQL, started by the test in a
# temporary folder: the demo's runs land in herald_publications (created
# by heraldd), matching SQLite; with PostgreSQL down the report step
# retries, and lands once it is back (rows are keyed by execution and
# channel, so a report written twice would still be one row each).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
trap 'pg_cleanup; cleanup' EXIT
pg_up

S="$T/s"
start_daemon --demo --state-dir "$S"
wait_status pomandi-demo-first-run completed 30
wait_status costume-demo-first-run waiting_approval 30
h approval approve costume-demo-first-run >/dev/null
wait_status costume-demo-first-run completed 30
[ "$(psql_q "SELECT count(*) FROM herald_publications")" = 4 ] ||
	fail "rows: $(psql_q "SELECT * FROM herald_publications")"
[ "$(psql_q "SELECT post_id FROM herald_publications WHERE
	execution = 'pomandi-demo-first-run' AND channel = 'facebook'")" = \
	"outbox-facebook-pomandi-demo-first-run" ] || fail "post id"
h publication list --json | jq -r '.publications[] |
	"\(.execution)|\(.channel)|\(.post_id)"' | sort >"$T/sqlite"
psql_q "SELECT execution || '|' || channel || '|' || post_id
	FROM herald_publications" | sort >"$T/pg"
cmp -s "$T/sqlite" "$T/pg" || fail "SQLite and PostgreSQL differ"

# PostgreSQL refuses connections: the report fails with libpq's message
# (no connection string in it), and lands once the server takes
# connections again: at its retry, or, when a loaded machine let its
# second attempt fail too, at an operator's retry of the run (the one
# retry's second is no window to aim for).
psql -X -A -t -h "$PGD" -p "$PGPORT" -U postgres -d template1 \
	-c "ALTER DATABASE postgres ALLOW_CONNECTIONS false" >/dev/null
h workflow start --type FeedPublisherWorkflow --input '"pomandi"' --id down \
	>/dev/null
report_failed() {
	h workflow show down --json | jq -e '[.events[] | select(.type ==
	  "step_failed" and .step == "save_publication_report")] | length > 0' \
		>/dev/null
}
n=0
until report_failed; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "the report did not fail: $(h workflow describe down --json)"
	sleep 0.05
done
h workflow describe down --json | jq -r '(.steps[] | select(.name == "save_publication_report")).last_error' |
	grep -q "^postgres: " || fail "the report's error"
if h workflow describe down --json | grep -q "postgresql://"; then
	fail "the connection string leaked into the error"
fi
psql -X -A -t -h "$PGD" -p "$PGPORT" -U postgres -d template1 \
	-c "ALTER DATABASE postgres ALLOW_CONNECTIONS true" >/dev/null
closed() {
	s=$(h workflow describe down --json | jq -r .status)
	[ "$s" = completed ] || [ "$s" = failed ]
}
n=0
until closed; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "down did not close"
	sleep 0.05
done
if [ "$(h workflow describe down --json | jq -r .status)" = failed ]; then
	h workflow retry down >/dev/null
fi
wait_status down completed 20
[ "$(psql_q "SELECT count(*) FROM herald_publications WHERE
	execution = 'down'")" = 2 ] || fail "the late report is missing"
stop_daemon

# A DATABASE_URL libpq cannot read fails the report for good, and its
# password shows up nowhere.
export DATABASE_URL="postgresql://postgres:s3cr%zzet-pw@/postgres?host=$PGD&port=$PGPORT"
start_daemon --demo --state-dir "$S"
h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' --id badurl \
	>/dev/null 2>&1 || true
h workflow describe badurl --json >"$T/b"
jq -e '.status == "failed" and (.steps[] | select(.name == "save_publication_report")).attempt == 1 and
	((.steps[] | select(.name == "save_publication_report")).last_error | test("not a valid connection string"))' "$T/b" \
	>/dev/null || fail "bad DATABASE_URL: $(cat "$T/b")"
if grep -rq "zzet" "$T/daemon.log" "$S"/herald.db*; then
	fail "the password leaked"
fi
stop_daemon
echo ok
