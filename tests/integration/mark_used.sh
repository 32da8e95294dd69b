# Moving from another system: the photos it posted are marked used
# (herald photo mark-used, keys from a file or stdin), and no run ever
# picks them. A repeat changes nothing and says so; keys not in the pool
# are marked all the same; the history says who did it.
. "$(dirname "$0")/lib.sh"

S="$T/s"
mkdir "$T/pool"
src="$SRC/assets/photos/pomandi/navy-wool-overcoat.jpg"
for i in $(seq -w 1 500); do
	cp "$src" "$T/pool/old-$i.jpg"
	echo "old-$i.jpg"
done >"$T/keys"
for i in 1 2 3; do echo "gone-$i.jpg"; done >>"$T/keys" # not in the pool
printf '\n  \n' >>"$T/keys"                             # blank lines
for i in 1 2 3 4; do cp "$src" "$T/pool/new-$i.jpg"; done
jq -n --arg p "$T/pool" '{brands: {pomandi: {language: "nl",
  photos: {source: "dir", path: $p}, captions: {writer: "offline"},
  publish: {to: "outbox"}}}}' >"$T/herald.json"
start_daemon --config "$T/herald.json" --state-dir "$S"

h photo mark-used --brand pomandi --from-file "$T/keys" --by migration \
	--json >"$T/m1" || fail "mark-used: $(cat "$T/m1")"
jq -e '.new == 503 and .known == 0 and .unknown == 3 and .held == 0' "$T/m1" \
	>/dev/null || fail "first import: $(cat "$T/m1")"
# From stdin, the same keys again and one more: only that one is new.
{ head -n 10 "$T/keys"; echo new-4.jpg; echo new-4.jpg; } |
	h photo mark-used --brand pomandi --from-file - >"$T/m2" ||
	fail "mark-used from stdin: $(cat "$T/m2")"
grep -q "^12 keys: 1 marked used now, 10 used already" "$T/m2" ||
	fail "second import: $(cat "$T/m2")"
h photo mark-used --brand pomandi --from-file "$T/keys" --json >"$T/m3"
jq -e '.new == 0 and .known == 503' "$T/m3" >/dev/null ||
	fail "a repeat changed something: $(cat "$T/m3")"
h photo list --brand pomandi --json >"$T/l"
jq -e '.counts.used == 501 and .counts.unused == 3' "$T/l" >/dev/null ||
	fail "pool: $(jq -c .counts "$T/l")"

# The three unmarked photos go out, then nothing is left.
for i in 1 2 3; do
	h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' \
		--id "run-$i" >/dev/null || fail "run-$i"
done
for i in 1 2 3; do
	h workflow describe "run-$i" --json |
		jq -r '.steps[] | select(.name == "get_random_unused_photo") | .result.key'
done | sort >"$T/picked"
printf 'new-%s.jpg\n' 1 2 3 | cmp -s - "$T/picked" || fail "picked: $(cat "$T/picked")"
expect_rc 1 h workflow execute --type FeedPublisherWorkflow --input '"pomandi"' --id run-4
h workflow describe run-4 --json | jq -e '.error | test("no unused photo left")' >/dev/null ||
	fail "run-4: $(h workflow describe run-4 --json | jq -c .error)"

# On record: who marked how many.
h events --since 0 --topic photo >"$T/ev"
# (A request takes 500 keys: the first import was two.)
jq -s -e 'all(.[]; .type == "photo_marked_used" and .data.brand == "pomandi") and
  ([.[] | select(.data.by == "migration") | .data.new] == [500, 3]) and
  length == 5' "$T/ev" >/dev/null || fail "history: $(cat "$T/ev")"
expect_rc 2 h photo mark-used --brand pomandi
expect_rc 1 h photo mark-used --brand nobody key.jpg
grep -q "no brand nobody" "$T/err" || fail "unknown brand: $(cat "$T/err")"
stop_daemon
echo ok
