# The console's actions on executions, each confirmed first: c cancels, R
# retries from where it stopped, d decides an in-doubt step; the `:`
# command line takes the CLI's commands (Tab completes); ? lists the
# view's keys; bad input is refused with a message and loses nothing.
. "$(dirname "$0")/lib.sh"

S="$T/s"
# Opened before the daemon runs: it waits for it, and comes alive.
console 120 40
wait_screen "✗ heraldd not reachable at ipc://$S/herald.sock, reconnecting"
wait_screen 'Waiting for heraldd'
start_daemon --state-dir "$S"
wait_screen '● heraldd '
h workflow start --type diagnostic --id sleepy \
	--input '{"sleep_ms": {"s2": 3000}}' >/dev/null
wait_screen 'sleepy +diagnostic +- +running +s2 '

# c asks; n does nothing; y cancels.
keys c
wait_screen 'Cancel execution sleepy\? \(y/N\)'
keys n
wait_screen 'nothing done'
wait_screen 'sleepy +diagnostic +- +running'
keys c
wait_screen 'Cancel execution sleepy\? \(y/N\)'
keys y
wait_screen 'sleepy: cancelled'
wait_screen 'sleepy +diagnostic +- +cancelled'
[ "$(h workflow describe sleepy --json | jq -r .status)" = cancelled ] ||
	fail "not cancelled in the daemon"
# R retries from s2 (s1 keeps its result) and it completes.
keys R
wait_screen 'Retry sleepy from where it stopped\? \(y/N\)'
keys y
wait_screen 'sleepy +diagnostic +- +running +s2'
wait_screen 'sleepy +diagnostic +- +completed' 20
h workflow show sleepy --json |
	jq -e '[.events[] | select(.type == "step_started" and .step == "s1")]
		| length == 1' >/dev/null || fail "s1 ran twice"
# Cancelling a closed run is refused, with the daemon's reason. The y
# comes after the question: one typed before it (with the c, in one
# burst) is dropped, as a paste's would be.
keys c
wait_screen 'Cancel execution sleepy\? \(y/N\)'
keys y
wait_screen 'sleepy: invalid_state'

# A side effect whose outcome is unknown: the run waits (in_doubt),
# marked in the list, decided in the detail with d.
h workflow start --type diagnostic --id doubtful \
	--input '{"unknown": {"s4": 1}}' >/dev/null
wait_screen '⚠ doubtful +diagnostic +- +in_doubt +s4 '
keys g Enter
wait_screen 's4 +in_doubt'
keys d
wait_screen 'Step s4 of doubtful may have taken effect: d done'
keys d
wait_screen 'doubtful s4: '
wait_screen 'doubtful +completed'
wait_screen 's4 +completed'
wait_screen 'step_resolved s4#1 \{"outcome":"done"\}'
# d with nothing in doubt says so.
keys d
wait_screen 'no step of doubtful is in doubt'
# The history pane scrolls on its own focus.
keys w
wait_screen 'History \(1[0-9] events\)'
keys Escape

# ? shows this view's keys; Esc closes it.
keys '?'
wait_screen 'Keys in Executions'
wait_screen 'R +retry it from where it failed'
keys Escape
wait_no_screen 'Keys in Executions'
keys 3 '?'
wait_screen 'a +approve the caption'
wait_screen 'g/G\* +first / last'
keys Escape 1

# The command line: Tab completes, a read-only command opens a pager, a
# change reports in the status bar, a mistake is refused.
keys :
keys -l 'workflow desc'
keys Tab
wait_screen ': workflow describe *$'
keys -l 'doubtful'
keys Enter
wait_screen 'id: +doubtful'
wait_screen 'status: +completed'
keys q
wait_no_screen 'id: +doubtful'
keys :
# Words split as a shell does: unquoted, the JSON loses its quotes.
keys -l 'workflow start --type diagnostic --id from-prompt --input {"brand":"x"}'
keys Enter
wait_screen 'workflow start: --input: not valid JSON'
keys :
keys -l "workflow start --type diagnostic --id from-prompt --input '{\"brand\":\"été\"}'"
keys Enter
wait_screen 'from-prompt +diagnostic +été +completed'
keys :
keys -l 'workflow start --type nosuch'
keys Enter
wait_screen 'bad_request: .*nosuch'
keys :
keys -l 'workflow frobnicate'
keys Enter
wait_screen 'unknown command "workflow frobnicate"'
keys :
keys -l "schedule pause 'unclosed"
keys Enter
wait_screen 'unclosed . quote'
keys :
keys -l 'help workflow'
keys Enter
wait_screen 'herald workflow resolve id step --done\|--retry'
keys Escape

# Approvals: a daemon without them says so (and the tab shows no
# badge); one with them lists what waits.
printf '{"v":1,"method":"approval.list"}' >"$T/req"
code=$(nngcat --req --dial "ipc://$S/herald.sock" --raw --recv-timeout 5 \
	--file "$T/req" | jq -r '.error.code // "ok"')
keys 3
if [ "$code" = bad_request ]; then
	wait_screen 'Approvals are not available from this daemon\.'
	keys a
	wait_screen 'approvals are not available from this daemon'
else
	wait_screen 'Nothing waits for approval\.'
fi
keys 1

# The status filter cycles with s and shows in the title (running,
# waiting_approval, in_doubt, failed, ...).
keys s s s s
wait_screen 'Executions +status=failed'
wait_screen 'No executions match the filters'
keys S S S S
wait_screen 'Executions  '
wait_screen 'doubtful'

console_quit
echo ok
