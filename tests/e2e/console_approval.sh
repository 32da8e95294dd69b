# Approvals from the console (issue 7's gate): a brand that approves
# before publishing; the tab bar's badge counts what waits, from any
# view; `e` edits the caption in $EDITOR (or inline without one) and
# approves it, and the outbox post carries the edited text; `x` rejects
# with a reason; `g` asks for a new caption with a hint. A caption
# pasted into the inline editor (its lines' ends come as Enter) approves
# nothing: Enter is a new line there, ^X submits.
. "$(dirname "$0")/lib.sh"

S="$T/s"
mkdir -p "$T/photos"
for f in blue-denim-jacket grey-knit-sweater brown-leather-shoes \
	navy-wool-overcoat white-linen-shirt; do
	cp "$SRC/assets/photos/pomandi/$f.jpg" "$T/photos/$f.jpg"
done
cat >"$T/herald.json" <<JSON
{"brands": {"ete": {"display_name": "Été", "language": "fr",
  "approval": "required",
  "photos": {"source": "dir", "path": "$T/photos"},
  "captions": {"writer": "offline", "hashtags": ["#été"]},
  "publish": {"to": "outbox"}}}}
JSON
cat >"$T/edit.sh" <<'SH'
#!/bin/sh
# An operator's edit: a new first line, the rest kept.
sed -i '1s/^/Édité 🎉 /' "$1"
SH
chmod +x "$T/edit.sh"
start_daemon --state-dir "$S" --config "$T/herald.json"
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id appr-1 \
	>/dev/null

console 120 40 EDITOR="$T/edit.sh"
wait_screen 'appr-1 +FeedPublisher… +ete +waiting_approval'
wait_screen '3 Approvals +1 '
keys 3
wait_screen '▶ appr-1 +ete +waiting [0-9]+s'
wait_screen 'photo [a-z-]+\.jpg'
wait_screen 'Nouveau chez Été'
# e: $EDITOR edits, then approving asks.
keys e
wait_screen 'Approve appr-1 with the edited caption\? \(y/N\)'
keys y
wait_screen 'approved appr-1 with the edited caption'
wait_screen 'Nothing waits for approval'
wait_no_screen '3 Approvals +1 '
keys 1
wait_screen 'appr-1 +FeedPublisher… +ete +completed' 30
for ch in facebook instagram; do
	grep -q '^Édité 🎉 Nouveau chez Été' "$S/outbox/$ch/appr-1/caption.txt" ||
		fail "$ch: the post does not carry the edit: $(cat "$S/outbox/$ch/appr-1/caption.txt")"
done
console_quit

# Without an editor: inline. A paste of several lines (tmux sends each
# line's end as Enter, as a terminal does) stays text: no question
# opens and the y, a and x in it act on nothing. Then the start of the
# first line, a word, ^X, y.
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id appr-2 \
	>/dev/null
console 120 40
wait_screen '3 Approvals +1 '
keys 3
wait_screen '▶ appr-2'
keys e
wait_screen 'Caption of appr-2:'
wait_screen '\^X: approve \(asks\) +Enter: new line'
keys C-a
tm set-buffer -- "$(printf 'y\nyes a x\ny\n')"
tm paste-buffer -t 0
wait_screen '^yes a x$'
sleep 0.5
screen >"$T/screen"
! grep -qE 'Approve appr-2|approved appr-2|Reject' "$T/screen" ||
	fail "the paste answered a question: $(cat "$T/screen")"
grep -q 'Caption of appr-2:' "$T/screen" ||
	fail "the paste left the editor: $(cat "$T/screen")"
[ "$(h approval list --json | jq '.approvals | length')" = 1 ] ||
	fail "the paste decided the approval: $(h approval list --json)"
keys -l 'Inline! '
keys C-x
wait_screen 'Approve appr-2 with the edited caption\? \(y/N\)'
keys y
wait_screen 'approved appr-2'
keys 1
wait_screen 'appr-2 +FeedPublisher… +ete +completed' 30
grep -q '^yes a x$' "$S/outbox/facebook/appr-2/caption.txt" ||
	fail "the pasted lines are not in the caption: $(cat "$S/outbox/facebook/appr-2/caption.txt")"
grep -q 'Inline! ' "$S/outbox/facebook/appr-2/caption.txt" ||
	fail "inline edit lost: $(cat "$S/outbox/facebook/appr-2/caption.txt")"

# x rejects with a reason; g regenerates with a hint, and it waits again.
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id appr-3 \
	>/dev/null
wait_screen '3 Approvals +1 '
keys 3
wait_screen '▶ appr-3'
keys g
wait_screen 'New caption for appr-3, hint:'
keys -l 'plus court'
keys Enter
wait_screen 'asked for a new caption for appr-3'
wait_screen '▶ appr-3'
h workflow show appr-3 --json |
	jq -e '[.events[] | select(.type == "approval_decided" and
		.data.decision == "regenerate")] | length == 1' >/dev/null ||
	fail "no regenerate decision"
keys x
wait_screen 'Reject appr-3, reason:'
keys -l 'pas pour cette marque'
keys Enter
wait_screen 'rejected appr-3'
wait_screen 'Nothing waits for approval'
keys 1
wait_screen 'appr-3 +FeedPublisher… +ete +rejected'
h workflow show appr-3 --json |
	jq -e '[.events[] | select(.type == "approval_decided" and
		.data.reason == "pas pour cette marque")] | length == 1' \
	>/dev/null || fail "no rejection reason in the history"

# A decision names the caption it was about: `a` pressed, then the
# caption is regenerated elsewhere; the y approves nothing, and says so.
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id appr-4 \
	>/dev/null
keys 3
wait_screen '▶ appr-4'
keys a
wait_screen 'Approve the caption of appr-4\? \(y/N\)'
h approval regenerate appr-4 >/dev/null
until h approval list --json |
	jq -e '.approvals[] | select(.execution == "appr-4" and .round == 2)' \
		>/dev/null; do
	sleep 0.05
done
keys y
wait_screen 'now waits with another caption'
h approval list --json |
	jq -e '.approvals[] | select(.execution == "appr-4")' >/dev/null ||
	fail "a decision about a replaced caption was applied"
# The new caption, seen now, is approved.
keys a
wait_screen 'Approve the caption of appr-4\? \(y/N\)'
keys y
wait_screen 'approved appr-4'
console_quit

# An edit is never lost. $EDITOR's caption over 2,200 characters comes
# back in the inline editor, to shorten there; an editor that fails
# leaves its file where the message says.
cat >"$T/long.sh" <<'SH'
#!/bin/sh
printf 'Court et bon.' >"$1"
printf '\n%02300d\n' 0 >>"$1"
SH
cat >"$T/fail.sh" <<'SH'
#!/bin/sh
printf 'Mon texte à garder' >"$1"
exit 1
SH
chmod +x "$T/long.sh" "$T/fail.sh"
mkdir -p "$T/tmp"
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id appr-5 \
	>/dev/null
console 120 40 EDITOR="$T/long.sh" TMPDIR="$T/tmp"
keys 3
wait_screen '▶ appr-5'
keys e
wait_screen 'Caption of appr-5, too long:'
wait_screen 'the caption has 2314 characters, over 2200'
keys C-x
wait_screen 'Caption of appr-5, too long:'
keys C-u BSpace C-x
wait_screen 'Approve appr-5 with the edited caption\? \(y/N\)'
keys y
wait_screen 'approved appr-5 with the edited caption'
[ "$(ls "$T/tmp")" = "" ] || fail "a used editor file was left: $(ls "$T/tmp")"
console_quit
n=0
until [ -f "$S/outbox/facebook/appr-5/caption.txt" ]; do
	n=$((n + 1)); [ $n -lt 600 ] || fail "appr-5 never published"; sleep 0.05
done
[ "$(cat "$S/outbox/facebook/appr-5/caption.txt")" = "Court et bon." ] ||
	fail "appr-5: $(head -c 200 "$S/outbox/facebook/appr-5/caption.txt")"
h workflow start --type FeedPublisherWorkflow --input '"ete"' --id appr-6 \
	>/dev/null
console 120 40 EDITOR="$T/fail.sh" TMPDIR="$T/tmp"
keys 3
wait_screen '▶ appr-6'
keys e
wait_screen 'the editor did not finish cleanly \(exit status\); nothing done'
grep -q 'Mon texte à garder' "$T"/tmp/herald-caption-*.txt ||
	fail "the failed edit was not kept: $(ls "$T/tmp")"
h approval list --json | jq -e '.approvals[] | select(.execution == "appr-6")' \
	>/dev/null || fail "a failed edit decided appr-6"
console_quit
echo ok
