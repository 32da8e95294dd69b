# Input that would fail later is refused at the door, naming the key: bad
# configs at start (each with its message) and on SIGHUP (the old config
# stays); a NUL inside a string or a duplicate key in a request, over the
# wire; `schedule delete` of a schedule the config declares; --socket with
# --state-dir.
. "$(dirname "$0")/lib.sh"

S="$T/state"
mkdir -p "$T/photos"
PHOTOS='"photos": {"source": "dir", "path": "photos"}'
BRAND="\"pomandi\": {\"language\": \"nl\", $PHOTOS}"
DAILY='{"id": "daily", "workflow": "FeedPublisherWorkflow", "input": "pomandi",
  "cron": ["0 9 * * *"]}'

# refused_at_start NAME WANT: $T/NAME.json must be refused; the message names the file
# and WANT follows it.
refused_at_start() {
	rc=0
	"$HERALDD" --state-dir "$S" --config "$T/$1.json" 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$1: heraldd exited $rc, want 1"
	grep -qF "heraldd: $T/$1.json: $2" "$T/err" ||
		fail "$1: message $(cat "$T/err"), want $2"
}

cat >"$T/page.json" <<JSON
{"brands": {"pomandi": {"language": "nl", $PHOTOS,
  "publish": {"to": "meta", "token_env": "POMANDI_META_TOKEN",
              "page_id": "pomandi-page"}}}}
JSON
cat >"$T/brand.json" <<JSON
{"brands": {$BRAND},
 "schedules": [{"id": "daily", "workflow": "FeedPublisherWorkflow",
   "input": "costume", "cron": ["0 9 * * *"]}]}
JSON
cat >"$T/extra.json" <<JSON
{"brands": {$BRAND},
 "schedules": [{"id": "daily", "workflow": "FeedPublisherWorkflow",
   "input": {"brand": "pomandi", "channel": "instagram"},
   "cron": ["0 9 * * *"]}]}
JSON
cat >"$T/poll.json" <<JSON
{"meta": {"poll_interval": "0s"}, "brands": {$BRAND}}
JSON
printf '{"brands": {"pomandi": {"language": "nl", "display_name": "Pom\xe9ndi",\n %s}}}' \
	"$PHOTOS" >"$T/latin1.json"
cat >"$T/price.json" <<JSON
{"brands": {"pomandi": {"language": "nl", $PHOTOS,
  "captions": {"writer": "claude"}}},
 "anthropic": {"model": "claude-opus-4-7",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}}}
JSON
cat >"$T/cron.json" <<JSON
{"brands": {$BRAND},
 "schedules": [{"id": "feb30", "workflow": "FeedPublisherWorkflow",
   "input": "pomandi", "cron": ["0 9 30 2 *"]}]}
JSON
cat >"$T/nul.json" <<JSON
{"brands": {"pomandi": {"language": "nl", "display_name": "Pom\\u0000andi",
  $PHOTOS}}}
JSON
cat >"$T/dup.json" <<JSON
{"brands": {$BRAND},
 "schedules": [{"id": "daily", "workflow": "FeedPublisherWorkflow",
   "input": {"brand": "pomandi", "brand": "costume"},
   "cron": ["0 9 * * *"]}]}
JSON
refused_at_start page \
	'brands.pomandi.publish.page_id: "pomandi-page" is not a Page id'
# No token_env: the old system's variable name, which must be set.
cat >"$T/oldtoken.json" <<JSON
{"brands": {"pom-andi": {"language": "nl", $PHOTOS,
  "publish": {"to": "meta", "page_id": "1234"}}}}
JSON
(unset META_ACCESS_TOKEN_POM_ANDI
 refused_at_start oldtoken \
	'brands.pom-andi.publish.token_env: META_ACCESS_TOKEN_POM_ANDI is not set')
refused_at_start brand 'schedules[0].input: no brand "costume" in "brands"'
refused_at_start extra 'schedules[0].input.channel: unknown key'
refused_at_start poll 'meta.poll_interval: must be more than 0s'
refused_at_start latin1 'brands.pomandi.display_name: is not valid UTF-8'
refused_at_start price \
	'anthropic.prices: no price for the model "claude-opus-4-7", which brands.pomandi.captions.writer "claude" uses'
refused_at_start cron \
	'schedules[0].cron[0]: "0 9 30 2 *" never fires (no such date in the next ten years): schedule feb30 would never run'
refused_at_start nul \
	'brands.pomandi.display_name: contains a NUL character (\u0000)'
refused_at_start dup 'schedules[0].input.brand: duplicate key'
[ ! -e "$S/herald.db" ] || fail "a refused config left a database"

# A good config; then each bad one on SIGHUP is reported with its key and
# the previous config stays (its schedule, its workers).
cat >"$T/herald.json" <<JSON
{"workers": 3, "brands": {$BRAND}, "schedules": [$DAILY]}
JSON
CONFIG=$(realpath "$T/herald.json")
start_daemon --state-dir "$S" --config "$T/herald.json"
grep -q "brands=1 schedules=1 workers=3" "$T/daemon.log" ||
	fail "config not loaded"
more_than() { # more_than PATTERN N: the log has more than N such lines
	[ "$(count_lines "$1")" -gt "$2" ]
}
for bad in page brand extra poll latin1 price cron nul dup; do
	before=$(count_lines config_reload_failed)
	cp "$T/$bad.json" "$T/herald.json"
	kill -HUP "$DAEMON_PID"
	wait_for more_than config_reload_failed "$before" ||
		fail "SIGHUP with $bad.json not reported"
	grep config_reload_failed "$T/daemon.log" | tail -1 | grep -q \
		"$T/herald.json: .* keeping=previous" ||
		fail "$bad: $(grep config_reload_failed "$T/daemon.log" | tail -1)"
	kill -0 "$DAEMON_PID" || fail "daemon died on $bad.json"
done
grep config_reload_failed "$T/daemon.log" | grep -q \
	'schedules\[0\].cron\[0\]: \\\?"0 9 30 2 \*\\\?" never fires' ||
	fail "the never-firing cron is not named in the log"
if grep -q "config_loaded .*brands=1 schedules=0" "$T/daemon.log"; then
	fail "a bad config was applied"
fi
[ "$(grep -c config_loaded "$T/daemon.log")" -eq 1 ] ||
	fail "a bad reload loaded a config"
h schedule list --json | jq -e '[.schedules[].id] == ["daily"]' >/dev/null ||
	fail "the old schedule is gone: $(h schedule list --json)"

# The config's schedule cannot be deleted over the protocol: it would come
# back at the next reload. The message names the file. A schedule made at
# run time still can be.
printf '{"workers": 3, "brands": {%s}, "schedules": [%s]}' "$BRAND" \
	"$DAILY" >"$T/herald.json"
expect_rc 1 h schedule delete daily
grep -qF "invalid_state" "$T/err" || fail "delete: $(cat "$T/out" "$T/err")"
grep -qF "schedule daily is declared in $CONFIG: it comes back at the next reload unless removed there" \
	"$T/err" ||
	fail "delete does not name the file: $(cat "$T/err")"
expect_rc 1 h schedule delete daily --json
jq -e --arg f "$CONFIG" '.code == "invalid_state" and
	(.message | contains("declared in " + $f))' "$T/out" >/dev/null ||
	fail "delete --json: $(cat "$T/out" "$T/err")"
h schedule describe daily >/dev/null || fail "daily was deleted"
expect_rc 0 h schedule create made --workflow diagnostic --cron '@daily'
expect_rc 0 h schedule delete made
# A schedule made over the protocol whose cron never fires is refused as
# the config's is.
expect_rc 1 h schedule create feb30 --workflow diagnostic --cron '0 9 30 2 *'
grep -qF 'bad_request' "$T/err" &&
	grep -qF 'params.cron[0]: "0 9 30 2 *" never fires' "$T/err" ||
	fail "a never-firing cron over the protocol: $(cat "$T/out" "$T/err")"
kill -HUP "$DAEMON_PID"
wait_for more_than config_loaded 1 ||
	fail "the good config did not reload"
h schedule describe daily >/dev/null || fail "daily gone after reload"

# Over the wire: a NUL inside a string, a key twice; each a bad_request
# naming the key, and nothing created.
raw() { # raw JSON: sends it as one request, prints the reply
	printf '%s' "$1" >"$T/req"
	nngcat --req --dial "ipc://$S/herald.sock" --raw --recv-timeout 5 \
		--file "$T/req" || true
}
refused_on_wire() { # refused_on_wire JSON WANT
	raw "$1" >"$T/reply"
	jq -e --arg m "$2" '.ok == false and .error.code == "bad_request" and
		(.error.message | startswith($m))' "$T/reply" >/dev/null ||
		fail "$1: $(cat "$T/reply"), want bad_request $2"
}
refused_on_wire '{"v":1,"method":"workflow.start","params":{"type":"diagnostic","id":"a\u0000b"}}' \
	'params.id: contains a NUL character (\u0000)'
refused_on_wire '{"v":1,"method":"workflow.start","params":{"type":"FeedPublisherWorkflow","id":"nul-brand","input":{"brand":"pomandi\u0000x"}}}' \
	'params.input.brand: contains a NUL character'
refused_on_wire '{"v":1,"method":"schedule.pause","params":{"id":"daily","note":"gone\u0000"}}' \
	'params.note: contains a NUL character'
refused_on_wire '{"v":1,"method":"workflow.start","params":{"type":"diagnostic","id":"d1","id":"d2"}}' \
	'params.id: duplicate key'
refused_on_wire '{"v":1,"method":"workflow.start","params":{"type":"diagnostic","id":"d3","input":{"fail":{"s2":1,"s2":3}}}}' \
	'params.input.fail.s2: duplicate key'
refused_on_wire '{"v":1,"method":"status","method":"workflow.list"}' \
	'method: duplicate key'
for id in a d1 d2 d3 nul-brand; do
	expect_rc 1 h workflow describe "$id"
	grep -q not_found "$T/err" || fail "$id exists: $(cat "$T/out")"
done
h schedule describe daily --json | jq -e '.paused == false' >/dev/null ||
	fail "a refused pause paused daily"
raw '{"v":1,"method":"status"}' | jq -e '.ok' >/dev/null ||
	fail "the daemon stopped answering"

# The CLI names one daemon: a state dir or a socket, never both.
expect_rc 2 "$HERALD" --state-dir "$S" --socket "ipc://$S/herald.sock" status
grep -qF -- "--state-dir and --socket both name the daemon" "$T/err" ||
	fail "both options: $(cat "$T/err")"
expect_rc 2 "$HERALD" status --socket "ipc://$S/herald.sock" --state-dir "$S"
expect_rc 2 env HERALD_STATE_DIR="$S" HERALD_SOCKET="ipc://$S/herald.sock" \
	"$HERALD" status
grep -qF "HERALD_STATE_DIR and HERALD_SOCKET are both set" "$T/err" ||
	fail "both variables: $(cat "$T/err")"
expect_rc 2 "$HERALD" --socket "" status
# The command line wins over the environment, either way round.
expect_rc 0 env HERALD_SOCKET="ipc://$T/nowhere.sock" \
	"$HERALD" --state-dir "$S" status
expect_rc 0 env HERALD_STATE_DIR="$T/nowhere" \
	"$HERALD" --socket "ipc://$S/herald.sock" status
expect_rc 0 env HERALD_SOCKET="ipc://$S/herald.sock" "$HERALD" status
expect_rc 0 env HERALD_STATE_DIR="$S" "$HERALD" status

stop_daemon
echo "ok"
