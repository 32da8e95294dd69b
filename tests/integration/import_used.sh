# Moving from another system whose reports are in PostgreSQL: herald
# photo import-used runs the operator's query there (read-only, in the
# client: the URL and its password never go to the daemon) and marks the
# keys it returns used. 500 keys from a real table; none is ever picked;
# a second import finds them known; a query that would write is refused;
# the password shows up nowhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
trap 'pg_cleanup; cleanup' EXIT
pg_up
psql_q "CREATE TABLE old_reports (photo_key text, channel text)" >/dev/null
psql_q "INSERT INTO old_reports SELECT 'old-' || lpad(i::text, 3, '0') ||
  '.jpg', 'facebook' FROM generate_series(1, 500) i" >/dev/null
psql_q "INSERT INTO old_reports VALUES (NULL, 'instagram'), ('', 'x')" >/dev/null
psql_q "ALTER USER postgres PASSWORD 'imp0rt-secret'" >/dev/null

S="$T/s"
mkdir "$T/pool"
src="$SRC/assets/photos/pomandi/navy-wool-overcoat.jpg"
for i in $(seq -w 1 500); do cp "$src" "$T/pool/old-$i.jpg"; done
cp "$src" "$T/pool/new-1.jpg"
cp "$src" "$T/pool/new-2.jpg"
jq -n --arg p "$T/pool" '{brands: {pomandi: {language: "nl",
  photos: {source: "dir", path: $p}, captions: {writer: "offline"},
  publish: {to: "outbox"}}}}' >"$T/herald.json"
env -u DATABASE_URL "$HERALDD" --config "$T/herald.json" --state-dir "$S" \
	>>"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_for started_since 0 || fail "daemon did not start"

URL="postgresql://postgres:imp0rt-secret@/postgres?host=$PGD&port=$PGPORT"
h photo import-used --brand pomandi --pg "$URL" --by migration --json \
	--query "SELECT DISTINCT photo_key FROM old_reports" >"$T/i1" 2>"$T/e1" ||
	fail "import: $(cat "$T/i1" "$T/e1")"
jq -e '.new == 500 and .known == 0 and .unknown == 0' "$T/i1" >/dev/null ||
	fail "first import: $(cat "$T/i1")"
h photo import-used --brand pomandi --pg "$URL" --json \
	--query "SELECT photo_key FROM old_reports WHERE channel = 'facebook'" >"$T/i2" ||
	fail "second import"
jq -e '.new == 0 and .known == 500' "$T/i2" >/dev/null || fail "second import: $(cat "$T/i2")"
# Read only: a query that writes is refused, and nothing changed.
expect_rc 1 h photo import-used --brand pomandi --pg "$URL" \
	--query "DELETE FROM old_reports RETURNING photo_key"
grep -q "read-only transaction" "$T/err" || fail "a write went through: $(cat "$T/err")"
[ "$(psql_q "SELECT count(*) FROM old_reports")" = 502 ] || fail "rows were deleted"
# A wrong password: PostgreSQL's refusal, without the password.
expect_rc 1 h photo import-used --brand pomandi --query "SELECT 1" \
	--pg "postgresql://postgres:wr0ng-pw@127.0.0.1:$PGPORT/postgres"
if grep -q "wr0ng-pw" "$T/err" "$T/out"; then fail "the password was shown"; fi
# Only the two new photos are ever picked.
for i in 1 2; do
	h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
		--id "run-$i" >/dev/null || fail "run-$i"
done
for i in 1 2; do
	h workflow describe "run-$i" --json |
		jq -r '.steps[] | select(.name == "get_random_unused_photo") | .result.key'
done | sort | tr '\n' ' ' | grep -qx "new-1.jpg new-2.jpg " || fail "picked an imported photo"
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' --id run-3
if grep -rq "imp0rt-secret" "$T/daemon.log" "$S"/herald.db*; then
	fail "the password reached the daemon"
fi
stop_daemon
echo ok
