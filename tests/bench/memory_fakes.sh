# The daemon's memory over feed runs that go outside, as in production:
# photos of a real photo's size from S3 (s3rver behind the SigV4 gate),
# captions from the Anthropic fake, posts to the Graph API fake (both
# channels fetch the photo from a presigned URL), every span to the OTLP
# fake (Langfuse). Starts the fakes and runs bench-memory against them;
# prints its figures, asserts nothing.
# Usage: BUILD=build SRC=. bash tests/bench/memory_fakes.sh [FEEDS [DIAGS
#        [PAD_KIB]]]   (800, 0, 1024; BENCH_ARGS: more bench-memory options,
#        e.g. "-d OTHER/heraldd -w 60")
set -eu
: "${BUILD:=build}"
: "${SRC:=.}"
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
export BUILD SRC
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/s3lib.sh"
FEEDS=${1:-800}
DIAGS=${2:-0}
PAD=${3:-1024}

KEY=sk-ant-bench-$$-0123456789
PK=pk-lf-bench-$$ SK=sk-lf-bench-$$
TOKEN=EAAbench-$$-meta-page-token
PIDS=""
trap 'kill $PIDS 2>/dev/null || true; s3_down; cleanup' EXIT INT TERM
s3_up
mkdir "$T/gen"
"$BUILD/bench-memory" -a "$SRC/assets" -f "$FEEDS" -p "$PAD" -g "$T/gen"
for f in "$T"/gen/*/*.jpg; do
	s3_put "$f" "$(basename "$(dirname "$f")")/$(basename "$f")"
done
rm -rf "$T/gen"
/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/aport" &
PIDS="$PIDS $!"
/usr/bin/python3 "$SRC/tests/fakes/graph.py" v26.0 1234 1789 "$TOKEN" \
	>"$T/gport" 2>"$T/graph.err" &
PIDS="$PIDS $!"
/usr/bin/python3 "$SRC/tests/fakes/otlp.py" "$PK" "$SK" >"$T/lport" &
PIDS="$PIDS $!"
for f in aport gport lport; do
	wait_for test -s "$T/$f" || fail "a fake did not start ($f)"
done
# Instagram containers are ready at once and the quota is no limit: the
# bench measures memory, not the polling or the quota wait.
curl -sf -X POST "http://127.0.0.1:$(cat "$T/gport")/_config" \
	-d '{"ready_after": 0, "quota_total": 100000}' >/dev/null ||
	fail "the Graph fake's config"

# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
AWS_ACCESS_KEY_ID=$S3_AKID AWS_SECRET_ACCESS_KEY=$S3_SECRET \
	ANTHROPIC_API_KEY=$KEY HERALD_BENCH_META_TOKEN=$TOKEN \
	LANGFUSE_PUBLIC_KEY=$PK LANGFUSE_SECRET_KEY=$SK \
	"$BUILD/bench-memory" -d "$BUILD/heraldd" -a "$SRC/assets" \
	-f "$FEEDS" -n "$DIAGS" -S "http://127.0.0.1:$S3_GATE" \
	-A "http://127.0.0.1:$(cat "$T/aport")" \
	-G "http://127.0.0.1:$(cat "$T/gport")" \
	-L "http://127.0.0.1:$(cat "$T/lport")" ${BENCH_ARGS:-}
