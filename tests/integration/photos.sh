# The photo pool on folder brands, end to end through the outbox, with
# photos made here the way real ones come: a PNG, a 9:16 phone shot, a
# 3:1 panorama, a 24-megapixel camera JPEG stored sideways (EXIF
# orientation 6), a HEIC, a truncated JPEG and a 200 px thumbnail.
#  - herald photo check says what each channel would get and sets nothing
#    aside; --apply sets aside only what cannot be used.
#  - Every run publishes on both channels; the outbox holds exactly each
#    channel's variant: baseline JPEG, upright, Instagram's ratio and
#    width (padded on the brand's colour, or cropped), Facebook's size.
#  - The truncated and tiny photos are set aside with their reasons, never
#    consumed, never picked again, until their file changes.
#  - Retention removes the variants of published photos after
#    photos.variants_keep.
. "$(dirname "$0")/lib.sh"

S="$T/s"
MK="$BUILD/mkphoto"
PI="$BUILD/photoinfo"
make_pool() {
	mkdir -p "$1"
	"$MK" "$1/square.png" 1200 1200
	"$MK" "$1/tall-9x16.jpg" 1080 1920 --noise
	"$MK" "$1/panorama-3x1.jpg" 3000 1000
	"$MK" "$1/camera-24mp.jpg" 4000 6000 --orientation 6 --noise
	"$MK" "$1/phone.heic" 1600 1200
	"$MK" "$1/cut.jpg" 1600 1200 --noise --truncate 60
	"$MK" "$1/thumb.jpg" 200 200
}
make_pool "$T/pad"
make_pool "$T/crop"
sha256sum "$T"/pad/* >"$T/originals.sum"
jq -n --arg pad "$T/pad" --arg crop "$T/crop" '{workers: 2, brands: {
  padded: {language: "en", photos: {source: "dir", path: $pad, fit: "pad",
           background: "#102030", variants_keep: "2s"},
           captions: {writer: "offline"}, publish: {to: "outbox"}},
  cropped: {language: "en", photos: {source: "dir", path: $crop,
            fit: "crop"}, captions: {writer: "offline"},
            publish: {to: "outbox"}}}}' >"$T/herald.json"
# What a killed daemon left in its tmp goes at the next start.
mkdir -p "$S/tmp"
echo half >"$S/tmp/photo-1-2-3"
start_daemon --config "$T/herald.json" --state-dir "$S"
[ ! -e "$S/tmp/photo-1-2-3" ] || fail "a stale temporary file stayed"

# The check reads every photo and changes nothing.
h photo check --brand padded --json >"$T/check"
jq -e '.applied == false and .counts.photos == 7 and .counts.checked == 7
  and .counts.usable == 5 and .counts.unusable == 2' "$T/check" >/dev/null ||
	fail "check: $(jq -c .counts "$T/check")"
jq -e '[.photos[] | select(.usable == false) | .key] | sort == ["cut.jpg", "thumb.jpg"]' \
	"$T/check" >/dev/null || fail "unusable: $(jq -c '.photos' "$T/check")"
jq -e '.photos[] | select(.key == "cut.jpg") | .reason | test("truncated|corrupt"; "i")' \
	"$T/check" >/dev/null || fail "cut.jpg: $(jq -c '.photos[] | select(.key == "cut.jpg")' "$T/check")"
jq -e '.photos[] | select(.key == "thumb.jpg") | .reason | test("320")' \
	"$T/check" >/dev/null || fail "thumb.jpg: $(jq -c '.photos[] | select(.key == "thumb.jpg")' "$T/check")"
jq -e '.photos[] | select(.key == "camera-24mp.jpg") | .width == 4000 and
  .height == 6000 and .orientation == 6 and
  (.channels.instagram.done | test("rotated")) and
  (.channels.instagram.done | test("padded to 4:5"))' "$T/check" >/dev/null ||
	fail "camera: $(jq -c '.photos[] | select(.key == "camera-24mp.jpg")' "$T/check")"
h photo check --brand padded >"$T/check.txt"
grep -q "cut.jpg.*cannot be used" "$T/check.txt" || fail "check text: $(cat "$T/check.txt")"
grep -q "nothing was set aside" "$T/check.txt" || fail "check text: $(cat "$T/check.txt")"
h photo list --brand padded --set-aside --json | jq -e '.photos == []' >/dev/null ||
	fail "a check without --apply set something aside"

h photo check --brand padded --apply --json >"$T/apply"
jq -e '.applied == true' "$T/apply" >/dev/null || fail "apply: $(cat "$T/apply")"
h photo list --brand padded --json >"$T/list"
jq -e '.counts.set_aside == 2 and .counts.unused == 5 and
  ([.photos[] | select(.state == "set_aside") | .key] | sort == ["cut.jpg", "thumb.jpg"]) and
  (.photos[] | select(.key == "thumb.jpg") | .reason | test("320"))' \
	"$T/list" >/dev/null || fail "list after apply: $(cat "$T/list")"

# Variant checks. ig FILE BG: a baseline JPEG with no orientation left, 320
# to 1440 px wide, a ratio in 4:5..1.91:1; when BG is given, the top-left
# corner is that colour (padding).
ig() {
	"$PI" "$1" >"$T/pi" || fail "photoinfo $1"
	jq -e '.format == "jpeg" and .progressive == false and
	  (.orientation == 1 or .orientation == null) and
	  .width >= 320 and .width <= 1440 and
	  4 * .height <= 5 * .width and 100 * .width <= 191 * .height and
	  .bytes < 8000000' "$T/pi" >/dev/null || fail "instagram $1: $(cat "$T/pi")"
}
# fb FILE: upright (the red corner is top-left) and at most 2048 px.
fb() {
	"$PI" "$1" >"$T/pi" || fail "photoinfo $1"
	jq -e '.format == "jpeg" and .progressive == false and
	  (.orientation == 1 or .orientation == null) and
	  ([.width, .height] | max) <= 2048 and .bytes < 4194304 and
	  .topleft[0] > 200 and .topleft[1] < 60 and .topleft[2] < 60' \
		"$T/pi" >/dev/null || fail "facebook $1 (not upright?): $(cat "$T/pi")"
}

run_brand() { # brand n
	for i in $(seq 1 "$2"); do
		id="$1-$i"
		h workflow execute --type FeedPublisherWorkflow --input "\"$1\"" \
			--id "$id" >/dev/null || fail "$id: $(h workflow describe "$id" --json)"
		h workflow describe "$id" --json >"$T/x"
		jq '.steps[] | select(.name == "get_random_unused_photo") | .result' \
			"$T/x" >"$T/pick-$id"
		key=$(jq -r .key "$T/pick-$id")
		case $key in cut.jpg | thumb.jpg) fail "$id picked $key" ;; esac
		for ch in instagram facebook; do
			[ -f "$S/outbox/$ch/$id/photo.jpg" ] || fail "$id: no $ch post"
		done
		ig "$S/outbox/instagram/$id/photo.jpg"
		fb "$S/outbox/facebook/$id/photo.jpg"
		jq -e '.variants.claude.width <= 1568 and .variants.claude.height <= 1568' \
			"$T/pick-$id" >/dev/null || fail "claude variant: $(cat "$T/pick-$id")"
		echo "$key" >>"$T/used-$1"
	done
}

# The crop brand was never checked: its runs meet the bad photos and set
# them aside on the way, and every run still publishes.
run_brand cropped 5
for id in $(seq 1 5); do
	id="cropped-$id"
	# The outbox holds exactly the variant the channel gets.
	for ch in instagram facebook; do
		loc=$(jq -r ".variants.$ch.location" "$T/pick-$id")
		cmp -s "$loc" "$S/outbox/$ch/$id/photo.jpg" ||
			fail "$id: the $ch post is not its variant $loc"
	done
	key=$(jq -r .key "$T/pick-$id")
	case $key in
	tall-9x16.jpg | panorama-3x1.jpg | camera-24mp.jpg)
		jq -e '.variants.instagram.done | test("cropped")' "$T/pick-$id" >/dev/null ||
			fail "$id: $key not cropped: $(jq -c .variants "$T/pick-$id")" ;;
	esac
done
sort -u "$T/used-cropped" | wc -l | grep -qx 5 || fail "a photo went out twice: $(cat "$T/used-cropped")"
# Nothing left but bad photos (those the runs did not meet on their way
# are met now): the error says where the photos went.
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"cropped"' --id cropped-none
h workflow describe cropped-none --json | jq -e '.error | test("no unused photo left") and test("2 set aside")' \
	>/dev/null || fail "empty pool: $(h workflow describe cropped-none --json | jq -c .error)"
h photo list --brand cropped --json >"$T/list"
jq -e '.counts.used == 5 and .counts.set_aside == 2 and .counts.unused == 0' \
	"$T/list" >/dev/null || fail "cropped pool: $(cat "$T/list")"
h photo list --brand cropped --set-aside >"$T/list.txt"
grep -q "thumb.jpg.*set_aside.*320" "$T/list.txt" || fail "list text: $(cat "$T/list.txt")"
[ "$(sqlite3 "$S/herald.db" "SELECT count(*) FROM claims WHERE scope = 'cropped' AND key IN ('cut.jpg', 'thumb.jpg')")" = 0 ] ||
	fail "a set-aside photo was claimed"
# A photo set aside comes back when its file changes.
"$MK" "$T/fixed.jpg" 1000 1000
mv "$T/fixed.jpg" "$T/crop/cut.jpg"
h workflow execute --type FeedPublisherWorkflow --input '"cropped"' --id cropped-fixed >/dev/null ||
	fail "the fixed photo was not picked: $(h workflow describe cropped-fixed --json | jq -c .error)"
h workflow describe cropped-fixed --json |
	jq -e '.steps[] | select(.name == "get_random_unused_photo") | .result.key == "cut.jpg"' >/dev/null ||
	fail "cropped-fixed did not take the fixed photo"

# The pad brand's pool was checked first: its runs read only good photos.
run_brand padded 5
for i in $(seq 1 5); do
	jq -e '.set_aside == null' "$T/pick-padded-$i" >/dev/null ||
		fail "padded-$i met a set-aside photo: $(jq -c .set_aside "$T/pick-padded-$i")"
	key=$(jq -r .key "$T/pick-padded-$i")
	case $key in
	tall-9x16.jpg | panorama-3x1.jpg)
		# Padded on #102030 (JPEG keeps it within a few steps): the
		# padding is wider than photoinfo's top-left eighth.
		"$PI" "$S/outbox/instagram/padded-$i/photo.jpg" |
			jq -e '(.topleft[0] - 16 | fabs) < 8 and (.topleft[1] - 32 | fabs) < 8 and
			  (.topleft[2] - 48 | fabs) < 8' >/dev/null ||
			fail "padded-$i: $key not padded on the brand's colour" ;;
	esac
done

# Retention: the pad brand keeps its variants 2 s; once its runs are done
# they go, and the crop brand's (30 days) stay.
gone() { [ -z "$(find "$S/variants/padded" -name '*.jpg' 2>/dev/null)" ]; }
wait_for gone || fail "variants kept: $(find "$S/variants/padded")"
[ "$(find "$S/variants/cropped" -name '*.jpg' | wc -l)" -ge 15 ] ||
	fail "the crop brand's variants went: $(find "$S/variants/cropped")"
[ "$(sqlite3 "$S/herald.db" "SELECT count(*) FROM photo_variants WHERE scope = 'padded' AND removed_at IS NULL")" = 0 ] ||
	fail "removed variants are not on record as removed"
# Nothing is left behind in tmp.
[ -z "$(find "$S/tmp" -type f)" ] || fail "temporary files left: $(ls "$S/tmp")"
# The originals are never written.
sha256sum --quiet -c "$T/originals.sum" || fail "an original changed"
# A new fit brings back what was set aside: the thumbnail was refused
# under "crop"; under "pad" it is read again (and refused again: it is
# too small whatever the fit).
jq '.brands.cropped.photos.fit = "pad"' "$T/herald.json" >"$T/h2.json"
mv "$T/h2.json" "$T/herald.json"
reloaded() { [ "$(count_lines config_loaded)" -gt "$1" ]; }
n=$(count_lines config_loaded)
kill -HUP "$DAEMON_PID"
wait_for reloaded "$n" || fail "no reload"
h photo list --brand cropped --json | jq -e '.counts.set_aside == 0 and
  ([.photos[] | select(.key == "thumb.jpg") | .state] == ["unused"])' >/dev/null ||
	fail "after the new fit: $(h photo list --brand cropped --json | jq -c .counts)"
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"cropped"' --id cropped-refit
h photo list --brand cropped --json | jq -e '.counts.set_aside == 1' >/dev/null ||
	fail "the thumbnail was not set aside again"
stop_daemon
echo "ok"
