# Any nng client can script herald: nngcat alone sends raw requests and
# subscribes to events. Malformed input of every kind gets the right error
# and never takes the daemon down; a request sent twice with one rid acts
# once; the socket files are owner-only.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --state-dir "$S"
REQ="ipc://$S/herald.sock"

[ "$(stat -c %a "$S/herald.sock")" = 600 ] || fail "herald.sock mode"
[ "$(stat -c %a "$S/events.sock")" = 600 ] || fail "events.sock mode"

raw() { # raw FILE: sends FILE's bytes as one request, prints the reply
	nngcat --req --dial "$REQ" --raw --recv-timeout 5 --file "$1" || true
}
raw_data() {
	printf '%s' "$1" >"$T/req"
	raw "$T/req"
}
code_of() { # code_of FILE WANT
	got=$(raw "$1" | jq -r '.error.code')
	[ "$got" = "$2" ] || fail "$(head -c 80 "$1"): code $got, want $2"
}
code_of_data() {
	printf '%s' "$1" >"$T/req"
	code_of "$T/req" "$2"
}

raw_data '{"v":1,"method":"status"}' >"$T/status"
jq -e '.v == 1 and .ok == true and .result.pid > 0' "$T/status" >/dev/null ||
	fail "raw status: $(cat "$T/status")"

# A subscriber sees a diagnostic run's events, in seq order.
nngcat --sub --dial "ipc://$S/events.sock" --subscribe "" --raw \
	--recv-timeout 4 >"$T/sub" &
SUBPID=$!
sleep 0.3
raw_data '{"v":1,"method":"workflow.execute","params":{"type":"diagnostic","id":"n1"}}' \
	>"$T/exec"
jq -e '.result.status == "completed"' "$T/exec" >/dev/null ||
	fail "execute: $(cat "$T/exec")"
wait "$SUBPID" || true
# Messages are "<topic> <json>", back to back: split them on the topics.
sed -E 's/(^|\})(execution|step|schedule|approval|daemon) \{/\1\n\2 {/g' \
	"$T/sub" | grep -v '^$' >"$T/sub.lines"
cut -d' ' -f2- "$T/sub.lines" | jq -s -e '
	map(select(.execution == "n1")) as $e |
	($e | length) == 14 and
	($e[0].type == "workflow_started") and
	($e[-1].type == "workflow_completed") and
	([$e[].seq] == ([$e[].seq] | sort)) and
	([$e[] | select(.topic == "step")] | length) == 12' >/dev/null ||
	fail "subscriber saw: $(cat "$T/sub.lines")"
# The topic prefix matches the event's topic.
while read -r topic json; do
	[ "$(printf '%s' "$json" | jq -r .topic)" = "$topic" ] ||
		fail "topic $topic for $json"
done <"$T/sub.lines"

# Malformed requests: each gets the right code.
code_of_data 'not json' bad_request
code_of_data '[1,2,3]' bad_request
code_of_data '{"v":1,"method":"workflow.list","params":{"limit":"ten"}}' \
	bad_request
code_of_data '{"v":1,"method":"no.such"}' bad_request
code_of_data '{"v":7,"method":"status"}' bad_request
code_of_data '{"v":1,"method":"workflow.describe","params":{"id":"nope"}}' \
	not_found
printf '{"v":1,"method":"status","params":{"x":"\377\376"}}' >"$T/utf8"
code_of "$T/utf8" bad_request
raw "$T/utf8" | jq -r .error.message | grep -q UTF-8 || fail "utf-8 message"
raw_data '{"v":1,"method":"workflow.list","params":{"limit":"ten"}}' |
	jq -r .error.message | grep -q 'params.limit' || fail "names the key"
# Just over 1 MiB: too_large. 16 MiB: dropped by nng, no answer.
{ printf '{"v":1,"method":"status","params":{"pad":"'
  head -c 1048600 /dev/zero | tr '\0' a
  printf '"}}'; } >"$T/big"
code_of "$T/big" too_large
head -c 16777216 /dev/zero | tr '\0' a >"$T/huge"
nngcat --req --dial "$REQ" --raw --recv-timeout 2 --file "$T/huge" \
	>"$T/huge.out" 2>/dev/null || true
[ ! -s "$T/huge.out" ] || jq -e '.ok == false' "$T/huge.out" >/dev/null ||
	fail "16 MiB request answered ok"
kill -0 "$DAEMON_PID" || fail "daemon died"
raw_data '{"v":1,"method":"status"}' | jq -e '.ok' >/dev/null ||
	fail "status after abuse"

# The same rid twice: one execution, the same answer.
R='{"v":1,"method":"workflow.start","rid":"rid-twice-1","params":{"type":"diagnostic"}}'
a=$(raw_data "$R" | jq -r .result.id)
b=$(raw_data "$R" | jq -r .result.id)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "rid repeat: $a vs $b"
n=$(h workflow list --json --limit 1000 | jq '[.executions[] |
	select(.id | startswith("diagnostic-"))] | length')
[ "$n" -eq 1 ] || fail "rid repeat started $n executions"
# ... even after a restart.
stop_daemon
start_daemon --state-dir "$S"
c=$(raw_data "$R" | jq -r .result.id)
[ "$c" = "$a" ] || fail "rid after restart: $c vs $a"
# A repeated execute answers with the execution it started.
E='{"v":1,"method":"workflow.execute","rid":"rid-exec-1","params":{"type":"diagnostic","input":{"sleep_ms":{"s1":300}}}}'
raw_data "$E" >"$T/e1" &
FIRST=$!
sleep 0.1
printf '%s' "$E" >"$T/req2"
raw "$T/req2" >"$T/e2"
wait "$FIRST"

[ "$(jq -r .result.id "$T/e1")" = "$(jq -r .result.id "$T/e2")" ] ||
	fail "execute repeat: $(cat "$T/e1") vs $(cat "$T/e2")"
jq -e '.result.status == "completed"' "$T/e2" >/dev/null || fail "e2"
stop_daemon
echo ok
