# The console's CPU while idle: a demo daemon, the console open on the
# executions (whose ages tick every second), then on the publications
# (with the Claude spend), nothing happening, for IDLE_SECONDS (10) each. CPU time is read from /proc: the scheduler's
# nanoseconds summed over the console's threads, and utime+stime. Prints
# the figures; asserts nothing (speed is measured, not tested).
# Usage: BUILD=build SRC=. bash tests/bench/console_idle.sh
set -eu
: "${BUILD:=build}"
: "${SRC:=.}"
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
export BUILD SRC
. "$SRC/tests/e2e/lib.sh"
SECONDS_IDLE=${IDLE_SECONDS:-10}

# Nanoseconds on CPU of every thread of pid.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ s += $1 } END { printf "%d\n", s }'
}
ticks() {
	awk '{ print $14 + $15 }' /proc/"$1"/stat
}

S="$T/s"
start_daemon --demo --state-dir "$S"
h workflow execute --type diagnostic --id bench-1 >/dev/null
console 120 40
wait_screen 'bench-1 +diagnostic +- +completed'
sleep 2 # let the start settle
P=$(console_pid)
[ -n "$P" ] || fail "no console process"
hz=$(getconf CLK_TCK)
# idle WHAT: the console's CPU over SECONDS_IDLE with nothing happening.
idle() {
	ns0=$(cpu_ns "$P")
	t0=$(ticks "$P")
	w0=$(date +%s%N)
	sleep "$SECONDS_IDLE"
	ns1=$(cpu_ns "$P")
	t1=$(ticks "$P")
	w1=$(date +%s%N)
	awk -v ns=$((ns1 - ns0)) -v wall=$((w1 - w0)) -v tk=$((t1 - t0)) \
		-v hz="$hz" -v what="$1" \
		-v threads="$(ls /proc/"$P"/task | wc -l)" 'BEGIN {
	printf "console idle (%s): %.3f%% of one CPU over %.1f s (%.2f ms on " \
	       "CPU, %d threads; utime+stime %d ticks of 1/%d s)\n",
	       what, 100 * ns / wall, wall / 1e9, ns / 1e6, threads, tk, hz }'
}
idle executions
# Publications: the Claude spend comes from status, fetched after steps
# end, never on a timer: idle there too.
keys 5
wait_screen '^Publications +Claude spend'
sleep 2
idle publications
keys 1
wait_screen 'bench-1 +diagnostic'
# The same while 200 diagnostic runs go through (the console follows
# every event and redraws at most as often as it can).
ns0=$(cpu_ns "$P")
w0=$(date +%s%N)
for i in $(seq 1 200); do
	h workflow start --type diagnostic --id "load-$i" >/dev/null
done
wait_screen 'load-200 +diagnostic +- +completed' 60
ns1=$(cpu_ns "$P")
w1=$(date +%s%N)
awk -v ns=$((ns1 - ns0)) -v wall=$((w1 - w0)) 'BEGIN {
	printf "console under load: %.2f%% of one CPU over %.1f s while 200 " \
	       "runs (about 2,800 events) went through\n",
	       100 * ns / wall, wall / 1e9 }'
printf 'machine: %s, %s CPUs, load average %s\n' \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
	"$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
