# The console against a real daemon (--demo: feed runs that publish into
# the outbox, two schedules; plus diagnostic runs), with no key pressed
# unless said: a failing step's retry count rises live; Enter shows a feed
# run's caption and history; a schedule is paused with a note (é, 🎉)
# and the note is shown; `t` triggers a run that shows up by itself; the
# daemon killed and restarted shows as disconnected, then live again.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --demo --state-dir "$S"
console 120 40
wait_screen 'pomandi-demo-first-run +FeedPublisher… +pomandi +completed'
# costume is the demo's approve-before-publish brand: it waits.
wait_screen 'costume-demo-first-run +FeedPublisher… +costume +waiting_approval'
wait_screen '● heraldd '

# A step that fails three times: its retries count up as they happen
# (each shows while the next attempt waits: 2 s, then 4 s), and the
# fourth attempt completes it.
h workflow start --type diagnostic --id diag-retry \
	--input '{"fail": {"s2": 3}}' >/dev/null
wait_screen 'diag-retry +diagnostic +- +running +s2 +1 '
wait_screen 'diag-retry +diagnostic +- +running +s2 +2 '
wait_screen 'diag-retry +diagnostic +- +completed +3 '

# A failed run: its status and the step that failed.
h workflow start --type diagnostic --id diag-bad \
	--input '{"fail_non_retryable": ["s3"]}' >/dev/null
wait_screen 'diag-bad +diagnostic +- +failed +s3 '

# Filter to the demo feed run and open it: the caption in full, the
# photo, the posts, and the history to its end.
keys /
keys -l 'pomandi-demo'
keys Enter
wait_screen '/pomandi-demo'
wait_no_screen 'diag-retry'
keys Enter
wait_screen 'Caption +Nieuw bij Pomandi: '
wait_screen '#pomandi #mode #nieuwecollectie'
wait_screen 'Photo +[a-z-]+\.jpg'
wait_screen 'facebook +outbox-facebook-pomandi-demo-first-run'
wait_screen 'save_publication_report +completed +1/2'
nev=$(h workflow show pomandi-demo-first-run --json | jq '.events | length')
wait_screen "History \\($nev events\\)"
wait_screen 'workflow_completed'
# Back, and the filter goes with Esc.
keys Escape
wait_screen 'Executions +/pomandi-demo'
keys Escape
wait_screen 'diag-retry'

# Schedules: pause pomandi-daily-posts with a note; the note shows, and
# the daemon has it.
keys 4
wait_screen 'costume-daily-posts +FeedPublisher… +active'
keys j p
wait_screen 'Pause pomandi-daily-posts, note:'
keys -l 'stop for the sale: été 🎉'
keys Enter
wait_screen 'pomandi-daily-posts +FeedPublisher… +paused'
wait_screen 'paused: stop for the sale: été 🎉'
wait_screen 'pomandi-daily-posts: paused'
h schedule describe pomandi-daily-posts --json |
	jq -e '.paused and .note == "stop for the sale: été 🎉"' >/dev/null ||
	fail "the daemon has no note: $(h schedule describe pomandi-daily-posts)"
# Unpause asks first.
keys p
wait_screen 'Unpause pomandi-daily-posts\? \(y/N\)'
keys n
wait_screen 'nothing done'
wait_screen 'pomandi-daily-posts +FeedPublisher… +paused'

# t: costume's run starts, and its schedule's last fire follows it to
# the end (approved from the CLI) with no key pressed.
keys k t
wait_screen 'costume-daily-posts: started costume-daily-posts-[0-9T]+Z'
run=$(grep -oE 'costume-daily-posts-[0-9]{8}T[0-9]{6}Z' "$T/screen" | head -1)
[ -n "$run" ] || fail "no run id on the screen"
n=0
until h approval approve "$run" >/dev/null 2>&1; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "$run never waited for approval"
	sleep 0.05
done
wait_screen 'costume-daily-posts +FeedPublisher… +active +in [0-9hms]+ +[0-9]+s ago started, completed'
# D deletes, after asking; a schedule the config declares is refused,
# saying where it is declared (the next reload would bring it back).
keys D
wait_screen 'Delete schedule costume-daily-posts\? \(y/N\)'
keys y
wait_screen 'costume-daily-posts: invalid_state: schedule costume-daily-posts is'
h schedule describe costume-daily-posts >/dev/null 2>&1 ||
	fail "costume-daily-posts was deleted"
keys 1
wait_screen "$run +FeedPublisher… +costume +completed"
# And one started elsewhere shows up on the list by itself.
h schedule trigger pomandi-daily-posts >/dev/null
h workflow start --type diagnostic --id from-cli >/dev/null
wait_screen 'from-cli +diagnostic +- +completed'

# The daemon goes away: the status bar says so at once, what was shown
# stays; it comes back: live again, no key pressed.
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
wait_screen '✗ heraldd disconnected at ipc://.*reconnecting'
grep -q 'from-cli' "$T/screen" || fail "the list went away with the daemon"
start_daemon --demo --state-dir "$S"
wait_screen '● heraldd '
h workflow start --type diagnostic --id after-restart \
	--input '{"fail": {"s1": 2}}' >/dev/null
wait_screen 'after-restart +diagnostic +- +running +s1 +1 '
wait_screen 'after-restart +diagnostic +- +completed +2 '
# The console still has the operator's screen: the list, the top row.
wait_screen 'Executions'

console_quit
echo ok
