# The console on an 80x24 terminal: every tab usable, the detail's
# caption reached by scrolling, é, ë and emoji in the right columns; a
# resize redraws for the new size; colours, or none with NO_COLOR (the
# distinctions kept by bold and reverse video); --frames exits by itself.
. "$(dirname "$0")/lib.sh"

S="$T/s"
mkdir -p "$T/photos"
cp "$SRC/assets/photos/pomandi/blue-denim-jacket.jpg" "$T/photos/robe-été-🎉.jpg"
cat >"$T/herald.json" <<JSON
{"brands": {"ete": {"display_name": "Été", "language": "fr", "approval": "auto",
  "photos": {"source": "dir", "path": "$T/photos"},
  "captions": {"writer": "offline", "hashtags": ["#été", "#noël", "#🎉"]},
  "publish": {"to": "outbox"}}},
 "schedules": [{"id": "ete-weekly", "workflow": "FeedPublisherWorkflow",
  "input": "ete", "cron": ["0 9 * * 1"]}]}
JSON
start_daemon --state-dir "$S" --config "$T/herald.json"
h workflow execute --type FeedPublisherWorkflow --input '"ete"' --id ete-1 \
	>/dev/null || fail "the feed run failed: $(h workflow describe ete-1)"
h schedule pause ete-weekly --note "back after the holidays: noël 🎄" >/dev/null
h workflow start --type diagnostic --id wide-1 \
	--input '{"brand": "été🎉x"}' >/dev/null

console 80 24
# The tab bar fits; the list drops type and duration, keeps the rest in
# columns even with wide characters in them.
wait_screen '1 Executions +2 Detail +3 Approvals +4 Schedules +5 Publications'
wait_screen '^  ID +BRAND +STATUS +STEP +RT +AGE *$'
wait_screen '^  wide-1 +été🎉x +completed +[0-9]+s$'
wait_screen '^  ete-1 +ete +completed +[0-9]+s$'
[ "$(screen | wc -l)" -eq 24 ] || fail "not 24 lines"
# The detail: the caption is below the first page; scrolling reaches it.
keys j Enter
wait_screen 'ete-1 +completed'
wait_screen 'History \([0-9]+ events\)'
n=0
until screen | grep -qE "^ +#été #noël #🎉"; do
	keys j
	n=$((n + 1)); [ $n -lt 40 ] || fail "no caption: $(screen)"
	sleep 0.05
done
wait_screen 'Caption +Nouveau chez Été : robe été 🎉'
# The history pane, focused and scrolled to its start.
keys w g
wait_screen 'workflow_started "ete"'
keys Escape
# Schedules: the paused one's note in full.
keys 4
wait_screen 'ete-weekly +FeedPublisher… +paused'
wait_screen 'paused: back after the holidays: noël 🎄'
# Publications: the Claude spend (its figures: e2e/console_spend.sh),
# the posts, and the caption below.
keys 5
wait_screen '^Publications +Claude spend'
wait_screen '^[0-9]+s ago +ete +facebook'
wait_screen 'Nouveau chez Été'
# The help fits.
keys '?'
wait_screen 'Keys in Publications'
wait_screen 'q +quit'
keys Escape

# Wider: the type and duration columns come back.
tm resize-window -t 0 -x 130 -y 30
keys 1
wait_screen '^  ID +TYPE +BRAND +STATUS +STEP +RT +AGE +DUR *$'
wait_screen 'ete-1 +FeedPublisher… +ete +completed +[0-9]+s +[0-9]+s$'
[ "$(screen | wc -l)" -eq 30 ] || fail "not 30 lines after the resize"
tm resize-window -t 0 -x 80 -y 24
wait_screen '^  ID +BRAND +STATUS +STEP +RT +AGE *$'
console_quit

# Colours: status colours in a colour terminal; none with NO_COLOR, but
# bold and reverse video still mark things.
console 80 24
wait_screen 'ete-1 +ete +completed'
screen -e | grep -qE $'\e\\[([0-9]+;)*3[1-7](;[0-9]+)*m' ||
	fail "no colours: $(screen -e | head -5 | cat -v)"
console_quit
console 80 24 NO_COLOR=1
wait_screen 'ete-1 +ete +completed'
screen -e >"$T/mono"
! grep -qE $'\e\\[([0-9]+;)*(3[0-7]|4[0-7]|38|48)(;[0-9]+)*m' "$T/mono" ||
	fail "colours with NO_COLOR: $(head -5 "$T/mono" | cat -v)"
grep -qE $'\e\\[([0-9]+;)*7(;[0-9]+)*m' "$T/mono" ||
	fail "no reverse video without colours: $(head -5 "$T/mono" | cat -v)"
console_quit
# A terminal without colours at all.
console 80 24 TERM=vt100
wait_screen 'ete-1 +ete +completed'
console_quit

# --frames: three redraws, then out, with status 0.
console 80 24 -- --state-dir "$S" --frames 3
n=0
until [ -f "$T/console.exit" ]; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "--frames did not exit"; sleep 0.05
done
[ "$(cat "$T/console.exit")" = 0 ] || fail "--frames exit $(cat "$T/console.exit")"
# Narrower than the columns (60: the age ends past the edge): rows are
# cut at the right edge, never wrapped onto the next row.
console 60 20
wait_screen '^  ID +BRAND +STATUS'
wait_screen '^. ete-1 '
screen >"$T/narrow"
awk 'NR > 3 && NR < 20 && $0 != "" && !/^(  |▶ )[a-z]/ { bad = 1 }
	END { exit bad }' "$T/narrow" || fail "rows wrapped at 60 columns:
$(cat "$T/narrow")"
console_quit
# Too small to draw: it says so, redraws only when something changes
# (it used to spin, and --frames never ended), and --frames still ends.
console 30 6 -- --state-dir "$S" --frames 3
n=0
until [ -f "$T/console.exit" ]; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "--frames did not exit at 30x6: $(screen)"; sleep 0.05
done
[ "$(cat "$T/console.exit")" = 0 ] || fail "--frames exit $(cat "$T/console.exit") at 30x6"
tm kill-server
console 30 6
wait_screen 'herald: the terminal is too'
pid=$(console_pid)
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 2
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo "too small: $((t1 - t0)) ticks of CPU in 2 s"
console_quit
# Without a terminal it says so.
expect_rc 2 "$HERALD" --state-dir "$S" </dev/null
grep -q "needs a terminal" "$T/err" || fail "no terminal: $(cat "$T/err")"
expect_rc 2 "$HERALD" --state-dir "$S" --frames x
echo ok
