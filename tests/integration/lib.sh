# Shared helpers for integration tests. Source it; it makes $T (a temp dir
# removed on exit) and stops any daemon started with start_daemon.
set -eu
: "${BUILD:?BUILD must name the build dir}"
: "${SRC:?SRC must name the source dir}"
HERALDD="$BUILD/heraldd"
HERALD="$BUILD/herald"
T=$(mktemp -d /tmp/herald-it.XXXXXX)
: >"$T/daemon.log"
DAEMON_PID=""
cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/daemon.log" ]; then
		echo "--- daemon log (last 40 lines)" >&2
		tail -n 40 "$T/daemon.log" >&2
	fi
	exit 1
}

# free_port: a TCP port on 127.0.0.1 nobody holds now (the kernel's pick;
# a fixed guess may fall in the ephemeral range another test's client or
# fake is using).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for CMD...: retries CMD for up to 10 s.
wait_for() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || return 1
		sleep 0.05
	done
}

# start_daemon ARGS...: starts heraldd in the background, logging to
# $T/daemon.log, and waits until it says it started.
count_lines() {
	grep -c "$1" "$T/daemon.log" 2>/dev/null || true
}
started_since() {
	[ "$(count_lines daemon_started)" -gt "$1" ]
}
start_daemon() {
	before=$(count_lines daemon_started)
	"$HERALDD" "$@" >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	wait_for started_since "$before" || fail "daemon did not start"
}

# stop_daemon: SIGTERM, and the exit status must be 0.
stop_daemon() {
	kill -TERM "$DAEMON_PID"
	rc=0
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=""
	[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
}

# h ARGS...: herald against the test daemon's state dir ($S).
h() {
	"$HERALD" --state-dir "$S" "$@"
}

# expect_rc WANT CMD...: runs CMD, which must exit WANT.
expect_rc() {
	want=$1
	shift
	rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq "$want" ] ||
		fail "$* exited $rc, want $want: $(cat "$T/out" "$T/err")"
}

# wait_status ID STATUS [SECONDS]
wait_status() {
	n=$((${3:-20} * 20))
	while [ "$n" -gt 0 ]; do
		s=$(h workflow describe "$1" --json 2>/dev/null | jq -r .status)
		[ "$s" = "$2" ] && return 0
		n=$((n - 1))
		sleep 0.05
	done
	fail "$1 is $s, want $2"
}
