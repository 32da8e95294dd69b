# Checks (or, with --write, updates) the generated block of
# docs/protocol.md against the protocol tables.
set -eu
PROTODOC=$1
DOC=$2
begin='<!-- generated: methods and events (make docs) -->'
end='<!-- end generated -->'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$PROTODOC" >"$tmp"
awk -v b="$begin" -v e="$end" -v gen="$tmp" '
	$0 == b { print; while ((getline l < gen) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$DOC" >"$tmp.new"
grep -qxF "$begin" "$DOC" || { echo "$DOC: no generated block" >&2; exit 1; }
if [ "${3:-}" = --write ]; then
	cp "$tmp.new" "$DOC"
elif ! cmp -s "$tmp.new" "$DOC"; then
	echo "$DOC differs from the protocol tables; run make docs:" >&2
	diff -u "$DOC" "$tmp.new" >&2 || true
	exit 1
fi
