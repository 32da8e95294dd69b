# Shared helpers for the console's end-to-end tests: herald's console runs
# in a tmux session on a tmux server of the test's own (-L), is typed at
# with send-keys and read with capture-pane. Builds on the integration
# helpers (a temp dir $T, start_daemon, h, fail); the tmux server goes
# with the rest on exit.
. "$SRC/tests/integration/lib.sh"

command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 1; }
export LC_ALL=C.UTF-8
# Each console gets a tmux server of its own (a killed server may still
# hold its socket for a moment).
TMUX_BASE="herald-e2e-$(basename "$0" .sh)-$$"
TMUX_N=0
TMUX_SOCK="$TMUX_BASE-0"
unset TMUX
tm() {
	tmux -L "$TMUX_SOCK" -f /dev/null "$@"
}
# Every console's server goes, not only the last one's: a console that
# exited (--frames) leaves its pane's "sleep 600" behind otherwise.
e2e_cleanup() {
	k=0
	while [ "$k" -le "$TMUX_N" ]; do
		tmux -L "$TMUX_BASE-$k" -f /dev/null kill-server \
			>/dev/null 2>&1 || true
		k=$((k + 1))
	done
	cleanup
}
trap e2e_cleanup EXIT INT TERM

# console [WIDTH HEIGHT [ENV=VALUE...] [-- HERALD ARGS...]]: the console
# in a new session (default 120x40) against $S, or against what the
# arguments after -- say. Its exit status lands in $T/console.exit.
console() {
	w=${1:-120}
	hh=${2:-40}
	shift 2 || true
	envs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs $(printf '%q' "$1")"
		shift
	done
	[ "${1:-}" = "--" ] && shift
	if [ $# -eq 0 ]; then
		set -- --state-dir "$S"
	fi
	args=""
	for a in "$@"; do args="$args $(printf '%q' "$a")"; done
	rm -f "$T/console.exit"
	tm kill-server >/dev/null 2>&1 || true # the previous console's
	TMUX_N=$((TMUX_N + 1))
	TMUX_SOCK="$TMUX_BASE-$TMUX_N"
	tm new-session -d -x "$w" -y "$hh" \
		"env LC_ALL=C.UTF-8 TERM=screen-256color$envs $HERALD$args \
2>>$T/console.err; echo \$? >$T/console.exit; sleep 600"
	tm set-option -g status off >/dev/null
}

screen() {
	tm capture-pane -p -t 0 "$@"
}

# keys KEY...: tmux send-keys (Enter, Escape, C-j, or text with -l).
keys() {
	tm send-keys -t 0 "$@"
}

# wait_screen REGEX [SECONDS]: until the screen matches (grep -E), or
# fail showing the screen.
wait_screen() {
	end=$(($(date +%s) + ${2:-15}))
	while :; do
		screen >"$T/screen" 2>/dev/null || true
		grep -qE -- "$1" "$T/screen" && return 0
		[ "$(date +%s)" -lt "$end" ] ||
			fail "the screen never showed /$1/:
$(cat "$T/screen")
--- console stderr:
$(cat "$T/console.err" 2>/dev/null)"
		sleep 0.05
	done
}

# wait_no_screen REGEX [SECONDS]: until the screen stops matching.
wait_no_screen() {
	end=$(($(date +%s) + ${2:-15}))
	while :; do
		screen >"$T/screen" 2>/dev/null || true
		grep -qE -- "$1" "$T/screen" || return 0
		[ "$(date +%s)" -lt "$end" ] ||
			fail "the screen kept showing /$1/:
$(cat "$T/screen")"
		sleep 0.05
	done
}

# The console's process id (the herald under the session's shell).
console_pid() {
	pane=$(tm list-panes -t 0 -F '#{pane_pid}')
	pgrep -P "$pane" -x herald || pgrep -P "$(pgrep -P "$pane" | head -1)" -x herald
}

# quit_diag: what a console that does not quit is doing (for the failure
# message): its state and each thread's kernel wait channel and stack.
quit_diag() {
	p=$(console_pid 2>/dev/null | head -1)
	[ -n "$p" ] || { echo "no herald process"; return; }
	grep -E '^(State|Threads)' "/proc/$p/status"
	for t in /proc/"$p"/task/*; do
		echo "thread ${t##*/}: $(cat "$t/comm") wchan=$(cat "$t/wchan")"
		cat "$t/stack" 2>/dev/null | head -5
	done
	if command -v gdb >/dev/null; then
		gdb -p "$p" -batch -ex 'thread apply all bt 12' 2>/dev/null |
			grep -E '^(Thread|#)' | head -60
	fi
}

# console_quit: q, and the console must exit 0 with nothing on stderr (a
# sanitizer's report would be there).
console_quit() {
	keys q
	end=$(($(date +%s) + 10))
	until [ -f "$T/console.exit" ]; do
		[ "$(date +%s)" -lt "$end" ] ||
			fail "q did not quit: $(screen)
--- where herald is: $(quit_diag)"
		sleep 0.05
	done
	[ "$(cat "$T/console.exit")" = 0 ] ||
		fail "the console exited $(cat "$T/console.exit"): $(cat "$T/console.err")"
	[ ! -s "$T/console.err" ] ||
		fail "the console wrote to stderr: $(cat "$T/console.err")"
	tm kill-server
}
