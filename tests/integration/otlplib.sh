# The local OTLP endpoint (tests/fakes/otlp.py) for the Langfuse tests:
# otlp_up [PORT [FAULT...]] starts it (on PORT, or a free port) and sets
# LPORT; otlp_down stops it, so that Langfuse is "away" on a known port;
# received prints what it got. Needs PK and SK (the keys it expects).
# Source after lib.sh; it is stopped on exit.
OTLP=""
otlp_up() {
	: >"$T/lport"
	/usr/bin/python3 "$SRC/tests/fakes/otlp.py" "$PK" "$SK" "$@" \
		>"$T/lport" &
	OTLP=$!
	wait_for test -s "$T/lport" || fail "the OTLP fake did not start"
	LPORT=$(cat "$T/lport")
}
otlp_down() {
	kill "$OTLP" 2>/dev/null || true
	wait "$OTLP" 2>/dev/null || true
	OTLP=""
}
received() { curl -s "http://127.0.0.1:$LPORT/_requests"; }
