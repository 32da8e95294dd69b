# The run's photo in the console (issue 14): `p` on an approval, and on
# the open execution, shows the variant Instagram gets, drawn by chafa in
# block symbols (tmux is a multiplexer: never sixels or kitty there), with
# its key, size and what was done to it on the header, never the file's
# path; Tab shows the other channels' variants; any other key brings the
# screen back as it was. On 80x24 and 200x60, with colours and with
# NO_COLOR (not one colour escape in the picture); a resize redraws it.
# A run with no photo yet (a diagnostic run) says so on the status bar.
# The pixels always come over the protocol (photo.preview), as they would
# for a remote console.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --demo --state-dir "$S"
h workflow start --type diagnostic --id diag-1 >/dev/null
wait_status diag-1 completed
n=0
until h approval list --json |
	jq -e '.approvals[] | select(.execution == "costume-demo-first-run")' \
		>/dev/null; do
	n=$((n + 1)); [ $n -lt 600 ] || fail "no approval for costume"; sleep 0.05
done
KEY=$(h approval list --json |
	jq -r '.approvals[] | select(.execution == "costume-demo-first-run")
		| .photo_key')
[ -n "$KEY" ] && [ "$KEY" != null ] || fail "no photo key: $(h approval list --json)"
case "$KEY" in
*/*) fail "the photo key is a path: $KEY" ;;
esac

# has_blocks: the screen holds chafa's symbols, 20 block elements
# (U+2580..U+259F) at least.
has_blocks() {
	[ "$(grep -oP '[\x{2580}-\x{259F}]' "$T/screen" | wc -l)" -ge 20 ]
}
# picture_shown KEY: header, footer and picture, and nothing of the
# screen underneath (no path, no caption, no tab bar). The picture is
# written just after the header and footer: waited for too.
picture_shown() {
	wait_screen "^$1  run costume-demo-first-run"
	wait_screen '^instagram 480x600, [0-9]+ KiB: '
	wait_screen 'Tab: facebook +any other key: close'
	n=0
	until has_blocks; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "no picture on the screen: $(cat "$T/screen")"
		sleep 0.05
		screen >"$T/screen"
	done
	! grep -qE "$S|photos/costume|Nouveau chez|Executions" "$T/screen" ||
		fail "the screen underneath shows through: $(cat "$T/screen")"
}

for size in "80 24" "200 60"; do
	# shellcheck disable=SC2086
	console $size
	wait_screen '3 Approvals +1 '
	keys 3
	wait_screen '▶ costume-demo-first-run'
	wait_screen "photo $KEY"
	keys p
	picture_shown "$KEY"
	[ "$(screen | wc -l)" -eq "${size#* }" ] || fail "not ${size#* } lines"
	# Colours: chafa's, in the terminal's 256 (TERM=screen-256color).
	screen -e >"$T/screen.e"
	grep -q '38;5;' "$T/screen.e" ||
		fail "no colours in the picture: $(head -c 2000 "$T/screen.e")"
	# Tab: Facebook's variant, then Claude's; Shift-Tab back; any
	# other key closes.
	keys Tab
	wait_screen '^facebook 480x600'
	wait_screen 'Tab: claude'
	keys Tab
	wait_screen '^claude 480x600'
	wait_screen 'Tab: instagram'
	keys BTab BTab
	wait_screen '^instagram 480x600'
	wait_screen 'Tab: facebook'
	keys x
	wait_screen '▶ costume-demo-first-run'
	wait_screen "photo $KEY"
	wait_screen '3 Approvals +1 '
	screen >"$T/screen"
	! grep -q 'any other key: close' "$T/screen" ||
		fail "the photo stayed: $(cat "$T/screen")"
	[ "$(h approval list --json | jq '.approvals | length')" = 1 ] ||
		fail "the x that closed the photo rejected the run"
	console_quit
done

# NO_COLOR: symbols, and not one escape sequence in the picture's rows
# (the header's bold and tmux's own resets are not the picture's).
console 100 30 NO_COLOR=1
keys 3
wait_screen '▶ costume-demo-first-run'
keys p
picture_shown "$KEY"
screen -e >"$T/screen.e"
[ "$(grep -cP '[\x{2500}-\x{259F}]' "$T/screen.e")" -ge 10 ] ||
	fail "no picture rows: $(cat "$T/screen.e")"
! grep -P '[\x{2500}-\x{259F}]' "$T/screen.e" | grep -q $'\033' ||
	fail "escapes in the picture with NO_COLOR: $(grep -P '[\x{2500}-\x{259F}]' "$T/screen.e" | grep -m2 $'\033' | cat -v | cut -c1-200)"
# A resize redraws the photo for the new size: whether tmux keeps the
# top or the bottom of the old screen, only a redraw shows both the
# header and the footer.
tm resize-window -t 0 -x 80 -y 24
picture_shown "$KEY"
[ "$(screen | wc -l)" -eq 24 ] || fail "not 24 lines after the resize"
keys Escape
wait_screen '▶ costume-demo-first-run'
console_quit

# In the detail: the open execution's photo; Esc brings the detail back
# (wide: the status bar says where the daemon was, and the error too).
console 200 40
keys 3
wait_screen '▶ costume-demo-first-run'
keys Enter
wait_screen 'costume-demo-first-run +waiting_approval'
keys p
picture_shown "$KEY"
keys Escape
wait_screen 'costume-demo-first-run +waiting_approval'
wait_screen 'History \([0-9]+ events\)'
# A run without a photo: the daemon's reason on the status bar, and
# the console carries on.
keys Escape
wait_screen '^  diag-1 +diagnostic'
keys g Enter
wait_screen '^diag-1 +completed'
wait_screen 'History \([0-9]+ events\)'
keys p
wait_screen 'execution diag-1 has no photo yet'
wait_screen '^diag-1 +completed'
screen >"$T/screen"
! grep -q 'any other key: close' "$T/screen" ||
	fail "a photo screen for a run without a photo"
# The daemon away: said, not fatal.
stop_daemon
wait_screen 'heraldd (disconnected|not reachable)'
keys p
wait_screen 'photo of diag-1: heraldd is not connected'
console_quit
echo ok
