# The daemon's skeleton: options, state dir, one instance per state dir,
# config errors, SIGHUP and a clean SIGTERM.
. "$(dirname "$0")/lib.sh"

S="$T/state"

"$HERALDD" --version | grep -q '^heraldd [0-9]' || fail "--version"
"$HERALDD" --help | grep -q -- '--state-dir' || fail "--help"
"$HERALD" --version | grep -q '^herald [0-9]' || fail "herald --version"
"$HERALD" --help | grep -q 'usage' || fail "herald --help"
rc=0; "$HERALDD" --bogus 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "unknown option exits $rc, want 2"

# A broken config: non-zero, naming the file and the key.
printf '{"brands": {"pomandi": {"language": "de"}}}' >"$T/bad.json"
rc=0
"$HERALDD" --state-dir "$S" --config "$T/bad.json" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "bad config accepted"
grep -q "$T/bad.json: brands.pomandi.language: expected one of" "$T/err" ||
	fail "bad config message: $(cat "$T/err")"

# Defaults with no config; the state dir is created owner-only.
HERALD_STATE_DIR="$S" start_daemon
[ "$(stat -c %a "$S")" = 700 ] || fail "state dir mode $(stat -c %a "$S")"
grep -q "config_loaded source=<defaults> brands=0 schedules=0" \
	"$T/daemon.log" || fail "defaults not logged"

# A second daemon on the same state dir is refused and names the holder.
rc=0
"$HERALDD" --state-dir "$S" 2>"$T/err2" || rc=$?
[ "$rc" -ne 0 ] || fail "second daemon started"
grep -q "in use by another heraldd (pid $DAEMON_PID" "$T/err2" ||
	fail "second daemon message: $(cat "$T/err2")"

# SIGTERM: exit 0, lock released.
stop_daemon
grep -q daemon_stopped "$T/daemon.log" || fail "no daemon_stopped line"

# With a config and a .env beside it; SIGHUP re-reads the config and a
# broken reload keeps the previous one.
cp "$SRC/assets/herald.example.json" "$T/herald.json"
printf 'HERALD_TEST_SECRET=s3cr3t-value\n' >"$T/.env"
start_daemon --state-dir "$S" --config "$T/herald.json"
grep -q "brands=2 schedules=2" "$T/daemon.log" || fail "config not loaded"
grep -q "dotenv_loaded path=$T/.env variables=1" "$T/daemon.log" ||
	fail ".env not loaded"
printf '{"workers": 2}' >"$T/herald.json"
kill -HUP "$DAEMON_PID"
wait_for grep -q "brands=0 schedules=0 workers=2" "$T/daemon.log" ||
	fail "SIGHUP did not reload"
printf '{"workers": "x"}' >"$T/herald.json"
kill -HUP "$DAEMON_PID"
wait_for grep -q "config_reload_failed" "$T/daemon.log" ||
	fail "bad reload not reported"
kill -0 "$DAEMON_PID" || fail "daemon died on a bad reload"
stop_daemon
if grep -q s3cr3t-value "$T/daemon.log"; then fail "secret in the log"; fi

# kill -9 leaves no stale lock.
start_daemon --state-dir "$S"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
start_daemon --state-dir "$S"
stop_daemon
echo "ok"
