# Paging in the console: more executions than its window holds (300), so
# scrolling fetches pages from the daemon both ways and drops the far
# ones; G jumps to the oldest, g back to the newest; the text filter asks
# the daemon, not the rows held.
. "$(dirname "$0")/lib.sh"

S="$T/s"
N=450
start_daemon --state-dir "$S"
for i in $(seq 1 "$N"); do
	h workflow start --type diagnostic --id "p-$i" >/dev/null
done
console 120 40
wait_screen "^  p-$N +diagnostic"

top_row() {
	screen | sed -n 4p | awk '{ print $1 }'
}
# page KEY UNTIL: presses KEY, one page at a time (each waits for the
# screen to move), until a row matching UNTIL shows.
page() {
	n=0
	until screen | grep -qE -- "$2"; do
		before=$(top_row)
		keys "$1"
		m=0
		while [ "$(top_row)" = "$before" ]; do
			m=$((m + 1))
			[ $m -lt 200 ] || fail "$1 did not move from $before: $(screen)"
			sleep 0.05
		done
		n=$((n + 1))
		[ $n -lt 40 ] || fail "$1 never reached /$2/: $(screen)"
	done
}
page NPage '^  p-1 +diagnostic'
page PPage "^  p-$N +diagnostic"
# G: the oldest page at once; g: the newest.
keys G
wait_screen '^  p-1 +diagnostic'
wait_no_screen "^  p-$N "
keys g
wait_screen "^  p-$N +diagnostic"
# Up from the oldest page: pages come back above it.
keys G
wait_screen '^  p-1 +diagnostic'
page PPage "^  p-$N +diagnostic"
# The filter is the daemon's: p-44 and p-440..p-449, however far away.
keys /
keys -l 'P-44'
keys Enter
wait_screen '^  p-449 +diagnostic'
wait_screen '^  p-44 +diagnostic'
[ "$(screen | grep -cE '^  p-[0-9]+ ')" -eq 11 ] ||
	fail "the filter shows $(screen | grep -cE '^  p-[0-9]+ ') rows"
console_quit
echo ok
