# Secrets an outside API echoes back never leave heraldd. Each fake quotes
# its secret in an error body: Anthropic the x-api-key, Graph the access
# token, Langfuse the Authorization header and the secret key, the S3 gate
# the session token; the PostgreSQL report fails with a password in
# DATABASE_URL. Runs hit every one of those faults, then no secret, in any
# form (as is, JSON-escaped, percent-encoded, as Basic auth), is found in
# the daemon's log, the state dir (the SQLite database and its WAL), the
# event stream, the spans Langfuse received, or anything the CLI prints;
# and each echo shows up redacted, so the faults really happened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/otlplib.sh"

S="$T/s"
KEY=sk-ant-echo-$$-0123456789abcdef
TOKEN=EAAecho$$MetaPageToken0123
PK=pk-lf-echo-$$-public
SK=sk-lf-echo-$$/secret+key
AWS_SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfi$$EXAMPLEKEY
SESSION=FwoGZXIvYXdzEcho$$/Session+Token==
PGPW=pg-echo-$$-p@ss/word
APID="" GPID="" GATE_PID=""
trap 'kill $APID $GPID $GATE_PID 2>/dev/null || true; otlp_down; cleanup' EXIT INT TERM

/usr/bin/python3 "$SRC/tests/fakes/anthropic.py" "$KEY" >"$T/aport" &
APID=$!
/usr/bin/python3 "$SRC/tests/fakes/graph.py" v26.0 1234 1789 "$TOKEN" \
	>"$T/gport" 2>"$T/graph.err" &
GPID=$!
# The gate answers every request of this test with a fault before it
# would reach an S3 behind it, so there is none (port 9: nothing there).
/usr/bin/python3 "$SRC/tests/fakes/s3_gate.py" 9 AKIDECHO "$AWS_SECRET" \
	us-east-1 >"$T/sport" 2>"$T/gate.err" &
GATE_PID=$!
# Langfuse refuses the first batches, quoting the credentials it got.
otlp_up 0 echo_auth echo_auth echo_auth echo_auth echo_auth echo_auth
for f in aport gport sport; do
	wait_for test -s "$T/$f" || fail "a fake did not start ($f)"
done
APORT=$(cat "$T/aport")
GR="http://127.0.0.1:$(cat "$T/gport")"
GATE=$(cat "$T/sport")
fault() { # fault URL JSON
	curl -sf -X POST "$1/_faults" -d "$2" >/dev/null ||
		fail "faults refused: $1 $2"
}

mkdir "$T/photos"
cp "$SRC"/assets/photos/pomandi/*.jpg "$T/photos/"
cat >"$T/herald.json" <<JSON
{"meta": {"base_url": "$GR", "poll_interval": "200ms", "poll_max": 10,
          "throttle_wait": "1s", "check_settle": "300ms"},
 "anthropic": {"base_url": "http://127.0.0.1:$APORT",
   "model": "claude-sonnet-4-6",
   "prices": {"claude-sonnet-4-6": {"input": 3.0, "output": 15.0}}},
 "langfuse": {"flush": "100ms", "max_backoff": "400ms"},
 "brands": {
  "pomandi": {"language": "nl",
   "photos": {"source": "dir", "path": "$T/photos"},
   "captions": {"writer": "claude", "hashtags": ["#pomandi"]},
   "publish": {"to": "meta", "page_id": "1234",
               "token_env": "POMANDI_META_TOKEN"}},
  "costume": {"language": "fr",
   "photos": {"source": "s3", "bucket": "photos",
              "endpoint": "http://127.0.0.1:$GATE", "path_style": true},
   "captions": {"writer": "offline"}}}}
JSON
export ANTHROPIC_API_KEY="$KEY" POMANDI_META_TOKEN="$TOKEN"
export LANGFUSE_HOST="http://127.0.0.1:$LPORT" LANGFUSE_PUBLIC_KEY="$PK" \
	LANGFUSE_SECRET_KEY="$SK"
export AWS_ACCESS_KEY_ID=AKIDECHO AWS_SECRET_ACCESS_KEY="$AWS_SECRET" \
	AWS_SESSION_TOKEN="$SESSION"
# No PostgreSQL behind it: the report fails to connect.
PGPW_URL=$(python3 -c 'import sys, urllib.parse as u;
print(u.quote(sys.argv[1], safe=""))' "$PGPW")
export DATABASE_URL="postgresql://herald:$PGPW_URL@/postgres?host=$T/nopg&port=5432"
start_daemon --state-dir "$S" --config "$T/herald.json"

mkdir "$T/out"
run() { # run ID BRAND: a run, until it closes (what the CLI says kept)
	h workflow execute --type FeedPublisherWorkflow --input "\"$2\"" \
		--id "$1" >"$T/out/execute-$1.txt" 2>&1 || true
	h workflow describe "$1" --json >"$T/$1.json"
}
st() { # st ID STEP FIELD
	jq -r --arg s "$2" ".steps[] | select(.name == \$s) | .$3" "$T/$1.json"
}
M() { printf '[redacted %s]' "$1"; }

# 1. Anthropic quotes the key in a 400: the vision step fails for good.
fault "http://127.0.0.1:$APORT" '["echo_key"]'
run echo-claude pomandi
[ "$(jq -r .status "$T/echo-claude.json")" = failed ] ||
	fail "echo-claude: $(cat "$T/echo-claude.json")"
st echo-claude view_image last_error | grep -qF "$(M ANTHROPIC_API_KEY)" ||
	fail "the key's echo: $(st echo-claude view_image last_error)"

# 2. Langfuse quotes the credentials while it refuses the first batches
# (those spans): the status says so, redacted.
n=0
until h status --json >"$T/status.json" &&
	jq -e '.langfuse.last_error // "" | contains("[redacted ")' \
		"$T/status.json" >/dev/null; do
	n=$((n + 1))
	[ $n -lt 200 ] || fail "no Langfuse error in the status: $(cat "$T/status.json")"
	sleep 0.05
done
cp "$T/status.json" "$T/out/status-failing.json"
h status >"$T/out/status-failing.txt"

# 3. Graph quotes the token (Facebook; the brand has no Instagram).
fault "$GR" '["fb_photo:echo_token"]'
run echo-graph pomandi
st echo-graph publish_facebook_photo last_error |
	grep -qF "$(M POMANDI_META_TOKEN)" ||
	fail "the token's echo: $(st echo-graph publish_facebook_photo last_error)"

# 4. The post goes out, but the report cannot reach PostgreSQL.
run echo-pg pomandi
st echo-pg save_publication_report last_error | grep -q "^postgres: " ||
	fail "the report: $(cat "$T/echo-pg.json")"

# 5. The S3 gate quotes the session token: the photo pick fails.
fault "http://127.0.0.1:$GATE" '["echo_token", "echo_token", "echo_token"]'
run echo-s3 costume
st echo-s3 get_random_unused_photo last_error |
	grep -qF "$(M AWS_SESSION_TOKEN)" ||
	fail "the session token's echo: $(cat "$T/echo-s3.json")"

# 6. Langfuse took the spans in the end.
outbox_empty() {
	h status --json | jq -e '.langfuse.outbox == 0 and
		.langfuse.exported > 0' >/dev/null
}
wait_for outbox_empty || fail "not exported: $(h status --json)"
grep "langfuse_export_failed" "$T/daemon.log" |
	grep -qF "$(M LANGFUSE_SECRET_KEY)" ||
	fail "the Langfuse echo is not in the log, redacted"
received | jq '[.requests[] | select(.status == 200) | .spans[]]' \
	>"$T/out/spans.json"
# The echoes reached the traces, redacted (the failed steps' errors).
for name in ANTHROPIC_API_KEY POMANDI_META_TOKEN AWS_SESSION_TOKEN; do
	grep -qF "$(M $name)" "$T/out/spans.json" ||
		fail "no redacted $name in the spans"
done
# What Langfuse got besides the spans is what it was sent: only the
# Authorization header, which must carry the keys, has them.
received | jq '[.requests[] | del(.spans, .authorization)]' \
	>"$T/out/requests.json"

# 7. Everything the CLI prints.
for id in echo-claude echo-graph echo-pg echo-s3; do
	for cmd in describe show; do
		h workflow $cmd "$id" >"$T/out/$cmd-$id.txt"
		h workflow $cmd "$id" --json >"$T/out/$cmd-$id.json"
	done
done
h workflow list >"$T/out/list.txt"
h workflow list --json >"$T/out/list.json"
h status >"$T/out/status.txt"
h status --json >"$T/out/status.json"
h publication list --json >"$T/out/publications.json"
h events --since 0 >"$T/out/events.txt"
h events --since 0 --json >"$T/out/events.json"
grep -qF "$(M ANTHROPIC_API_KEY)" "$T/out/events.txt" ||
	fail "the events do not show the redacted error"
# The database as it is while running, WAL included (a stop checkpoints).
mkdir "$T/out/live"
cp "$S"/herald.db* "$T/out/live/"
ls "$T/out/live" | grep -q -- "-wal$" || fail "no WAL to look through"
stop_daemon

# Not one secret, in any form, anywhere.
forms() { # every form a secret may take in a text
	python3 - "$1" <<'PY'
import json, re, sys, urllib.parse as u
s = sys.argv[1]
j = json.dumps(s)[1:-1]
p = u.quote(s, safe="")
lower = re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), p)
# Its head too: a field cut to size must not show the start of a secret.
print("\n".join(sorted({s, j, j.replace("/", "\\/"), p, lower, s[:12]})))
PY
}
BASIC=$(printf '%s:%s' "$PK" "$SK" | base64 -w0)
found=""
for secret in "$KEY" "$TOKEN" "$PK" "$SK" "$AWS_SECRET" "$SESSION" "$PGPW" \
	"$BASIC"; do
	while IFS= read -r form; do
		for place in "$T/daemon.log" "$S" "$T/out"; do
			if grep -raqF -D skip -- "$form" "$place"; then
				found="$found $form in $(grep -raFl -D skip -- \
					"$form" "$place" | tr '\n' ' ')"
			fi
		done
	done < <(forms "$secret")
done
[ -z "$found" ] || fail "secrets leaked:$found"
# The files the grep went through are the ones meant.
[ -s "$S/herald.db" ] && [ -s "$T/out/spans.json" ] &&
	[ -s "$T/out/events.txt" ] || fail "nothing to look through"
echo ok
