# The embedded default, end to end and offline: heraldd --demo on a fresh
# state dir publishes one post per demo brand into the outbox (the costume
# brand's once approved); photos are
# never reused; a run that fails gives its photo back; when the folder is
# used up the error names the brand and the folder.
. "$(dirname "$0")/lib.sh"

S="$T/s"
start_daemon --demo --state-dir "$S"
# costume is the demo's approve-before-publish brand: its first run waits
# with nothing in the outbox until someone approves it.
wait_status costume-demo-first-run waiting_approval 60
[ ! -e "$S/outbox/facebook/costume-demo-first-run" ] ||
	fail "costume published before approval"
h approval approve costume-demo-first-run --by demo-test >/dev/null
for brand in pomandi costume; do
	wait_status "$brand-demo-first-run" completed 60
	h workflow describe "$brand-demo-first-run" --json >"$T/x"
	key=$(jq -r '.steps[] | select(.name == "get_random_unused_photo") | .result.key' "$T/x")
	post="$S/outbox/facebook/$brand-demo-first-run"
	[ -f "$post/post.json" ] && [ -f "$S/outbox/instagram/$brand-demo-first-run/post.json" ] ||
		fail "no post in the outbox for $brand"
	# Each channel gets its variant of the photo, never the original.
	for ch in facebook instagram; do
		loc=$(jq -r ".steps[] | select(.name == \"get_random_unused_photo\") | .result.variants.$ch.location" "$T/x")
		cmp -s "$S/outbox/$ch/$brand-demo-first-run/photo.jpg" "$loc" ||
			fail "$brand: the $ch post is not the variant of $key"
	done
	"$BUILD/photoinfo" "$post/photo.jpg" |
		jq -e '.format == "jpeg" and .width == 480 and .height == 600' >/dev/null ||
		fail "$brand: the posted photo: $("$BUILD/photoinfo" "$post/photo.jpg")"
	jq -e --arg k "$key" '.photo_key == $k and (.caption | length) > 20' \
		"$post/post.json" >/dev/null || fail "post.json: $(cat "$post/post.json")"
	jq -e '.steps[] | select(.name == "generate_caption") | .result.offline == true' "$T/x" >/dev/null ||
		fail "caption not marked offline"
done
grep -q "Nieuw bij Pomandi" "$S/outbox/facebook/pomandi-demo-first-run/caption.txt" ||
	fail "pomandi caption not in Dutch"
grep -q "Nouveau chez Costume" "$S/outbox/instagram/costume-demo-first-run/caption.txt" ||
	fail "costume caption not in French"
h publication list --json | jq -e '(.publications | length) == 4' >/dev/null ||
	fail "publications: $(h publication list --json)"
# Templates are not model calls: no spend, no generation.
h status --json | jq -e '.spend.brands | length == 0' >/dev/null ||
	fail "the offline writer counted as spend: $(h status --json | jq -c .spend)"

# A run that published nothing gives its photo back: both outboxes
# unwritable.
block() { mv "$S/outbox/$1" "$S/outbox/$1.away"; touch "$S/outbox/$1"; }
unblock() { rm "$S/outbox/$1"; mv "$S/outbox/$1.away" "$S/outbox/$1"; }
block facebook
block instagram
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id nothing-out
h workflow describe nothing-out --json >"$T/f"
jq -e '.status == "failed" and (.steps[] | select(.name == "publish_facebook_photo") | .last_error | test("outbox"))' \
	"$T/f" >/dev/null || fail "expected an outbox failure: $(cat "$T/f")"
released=$(jq -r '.steps[] | select(.name == "get_random_unused_photo") | .result.key' "$T/f")
unblock instagram
# A run that published on one channel keeps its photo: it went out.
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id half-out
kept=$(h workflow describe half-out --json | jq -r '.steps[] | select(.name == "get_random_unused_photo") | .result.key')
[ -f "$S/outbox/instagram/half-out/post.json" ] || fail "half-out: no instagram post"
unblock facebook

# The other photos go out once each, the released one among them; then the
# folder is used up.
n=$(ls "$SRC/assets/photos/pomandi" | wc -l)
for i in $(seq 3 "$n"); do
	expect_rc 0 h workflow execute --type FeedPublisherWorkflow \
		--input '"pomandi"' --id "p$i"
done
# No photo ever went out in two runs (any channel; the outbox too, where
# half-out's Instagram post is not in the report).
for f in "$S"/outbox/*/*/post.json; do
	jq -r '"\(.execution) \(.photo_key)"' "$f"
done | sort -u | awk '{print $2}' | sort | uniq -d >"$T/dups"
[ ! -s "$T/dups" ] || fail "photos published by two runs: $(cat "$T/dups")"
# (half-out may itself have taken the released photo: look at every post.)
cat "$S"/outbox/*/*/post.json | jq -s -e --arg k "$released" \
	'map(select(.photo_key == $k)) | length > 0' >/dev/null ||
	fail "the photo of a run that published nothing never came back"
[ "$(ls "$S"/outbox/*/*/post.json | wc -l)" -eq $(( (n - 1) * 2 + 1 + 2)) ] ||
	fail "posts: $(ls "$S"/outbox/*/)"
[ -n "$kept" ] || fail "half-out had no photo"
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
	--id empty
h workflow describe empty --json | jq -r '.steps[] | select(.name == "get_random_unused_photo") | .last_error' >"$T/e"
grep -q "no unused photo left for brand pomandi in folder .*assets/photos/pomandi" \
	"$T/e" || fail "exhausted: $(cat "$T/e")"
stop_daemon
echo ok
