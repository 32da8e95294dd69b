# Memory stays flat (issue 13): the daemon's RSS after many feed runs and
# diagnostic runs, with a client polling what the console shows, stays
# under 24 MiB. Two runs of tests/bench/bench_memory.c, smaller than the
# bench's (2,000 feed runs and 100,000 diagnostic runs, `make bench`) to
# fit the suite's time:
# - the demo's path (offline captions, local outbox, generated photos):
#   300 feed runs, then 20,000 diagnostic runs;
# - captions from the Anthropic fake, with photos of 512 KiB, so each
#   worker reads, encodes and sends a real photo's worth of bytes (where
#   the memory went: glibc's per-thread arenas kept each worker's largest
#   buffers, 26-28 MiB here before the fix): 100 feed runs, then 10,000
#   diagnostic runs.
# RSS means nothing under a sanitizer (shadow memory, quarantine): there
# the test is skipped.
. "$(dirname "$0")/lib.sh"

CEILING_KIB=$((24 * 1024))
if [ -n "${HERALD_SANITIZE:-}" ] ||
	nm -D "$HERALDD" 2>/dev/null | grep -q ' __[at]san_init$'; then
	echo "skipped: heraldd is built with a sanitizer (${HERALD_SANITIZE:-found in the binary}), its RSS is not the daemon's"
	exit 77
fi
[ -x "$BUILD/bench-memory" ] || fail "no $BUILD/bench-memory"

echo "--- the demo's path"
"$BUILD/bench-memory" -d "$HERALDD" -a "$SRC/assets" -f 300 -n 20000 \
	-w 2 -x "$CEILING_KIB" >"$T/demo.out" 2>"$T/demo.err" || {
	cat "$T/demo.out"
	fail "demo path: $(tail -n 5 "$T/demo.err")"
}
cat "$T/demo.out"

echo "--- captions from Claude (the fake), photos of 512 KiB"
KEY=sk-ant-mem-$$-0123456789
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/aport" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true; cleanup' EXIT
wait_for test -s "$T/aport" || fail "the Anthropic fake did not start"
ANTHROPIC_API_KEY=$KEY "$BUILD/bench-memory" -d "$HERALDD" \
	-a "$SRC/assets" -f 100 -n 10000 -p 512 -w 2 -x "$CEILING_KIB" \
	-A "http://127.0.0.1:$(cat "$T/aport")" >"$T/claude.out" \
	2>"$T/claude.err" || {
	cat "$T/claude.out"
	fail "Claude path: $(tail -n 5 "$T/claude.err")"
}
cat "$T/claude.out"
echo ok
