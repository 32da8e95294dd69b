# The embedded default, end to end and offline: heraldd --demo on a fresh
# state dir publishes one post per demo brand into the outbox; photos are
# never reused; a run that fails gives its photo back; when the folder is
# used up the error names the brand and the folder.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --demo --state-dir "$S"
for brand in pomandi costume; do
	wait_status "$brand-demo-first-run" completed 60
	h workflow describe "$brand-demo-first-run" --json >"$T/x"
	key=$(jq -r '.steps[0].result.key' "$T/x")
	post="$S/outbox/facebook/$brand-demo-first-run"
	[ -f "$post/post.json" ] && [ -f "$S/outbox/instagram/$brand-demo-first-run/post.json" ] ||
		fail "no post in the outbox for $brand"
	cmp -s "$post/photo.jpg" "$SRC/assets/photos/$brand/$key" ||
		fail "$brand: the posted photo is not $key"
	jq -e --arg k "$key" '.photo_key == $k and (.caption | length) > 20' \
		"$post/post.json" >/dev/null || fail "post.json: $(cat "$post/post.json")"
	jq -e '.steps[2].result.offline == true' "$T/x" >/dev/null ||
		fail "caption not marked offline"
done
grep -q "Nieuw bij Pomandi" "$S/outbox/facebook/pomandi-demo-first-run/caption.txt" ||
	fail "pomandi caption not in Dutch"
grep -q "Nouveau chez Costume" "$S/outbox/instagram/costume-demo-first-run/caption.txt" ||
	fail "costume caption not in French"
h publication list --json | jq -e '(.publications | length) == 4' >/dev/null ||
	fail "publications: $(h publication list --json)"

# A run that fails releases its photo: make the Facebook outbox unwritable.
mv "$S/outbox/facebook" "$S/outbox/facebook.away"
touch "$S/outbox/facebook"
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id fails
h workflow describe fails --json >"$T/f"
jq -e '.status == "failed" and (.steps[3].last_error | test("outbox"))' \
	"$T/f" >/dev/null || fail "expected an outbox failure: $(cat "$T/f")"
failed_key=$(jq -r '.steps[0].result.key' "$T/f")
rm "$S/outbox/facebook"
mv "$S/outbox/facebook.away" "$S/outbox/facebook"

# Every other pomandi photo is posted once; the failed run's photo is free
# again; then the folder is used up.
n=$(ls "$SRC/assets/photos/pomandi" | wc -l)
for i in $(seq 2 "$n"); do
	expect_rc 0 h workflow execute --type FeedPublisherWorkflow \
		--input '"pomandi"' --id "p$i"
done
h publication list --brand pomandi --json >"$T/p"
jq -e --argjson n "$n" '[.publications[] | select(.channel == "facebook")
	| .photo_key] | (length == $n) and (unique | length == $n)' "$T/p" \
	>/dev/null || fail "photos reused or missing: $(cat "$T/p")"
jq -e --arg k "$failed_key" '[.publications[] | .photo_key] | index($k)' \
	"$T/p" >/dev/null || fail "the failed run's photo never came back"
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id empty
h workflow describe empty --json | jq -r '.steps[0].last_error' >"$T/e"
grep -q "no unused photo left for brand pomandi in folder .*assets/photos/pomandi" \
	"$T/e" || fail "exhausted: $(cat "$T/e")"
stop_daemon
echo ok
