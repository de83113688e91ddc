#!/bin/sh
# The layering rule of docs/ARCHITECTURE.md ("```layers" block): every
# #include "..." under lib/ names a header of its own folder or of a folder
# (or a single header) that the table allows. base includes nothing of ours.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 70

rules=$T/rules
awk '/^```layers/{on=1; next} /^```/{on=0} on && NF' docs/ARCHITECTURE.md >"$rules"
ok_if "the layer table is in docs/ARCHITECTURE.md" test -s "$rules"

# allowed LAYER INCLUDE: 0 when LAYER may include INCLUDE ("dir/file.h").
# rec/tool.h is the tools' API, above every layer: a folder may include it
# only when its row names it (a row's "rec" does not cover it), and in rec
# only tool.c (and buildid.c, which defines tool.h's ls_build_id) does.
allowed() {
	[ "$2" = rec/tool.h ] && [ "$1" != rec ] && { grep -q "^$1[[:space:]].*rec/tool\.h" "$rules"; return; }
	case $2 in "$1"/*) return 0 ;; esac
	awk -v l="$1" -v inc="$2" '$1 == l { for (i = 2; i <= NF; i++) {
		if ($i == inc) ok = 1
		if (index(inc, $i "/") == 1 && $i !~ /\.h$/) ok = 1 } }
		END { exit !ok }' "$rules"
}

# every lib folder has a row, and every include is allowed
bad=$T/bad; : >"$bad"
for d in lib/*/; do
	l=$(basename "$d")
	grep -q "^$l[[:space:]]" "$rules" || echo "lib/$l has no row in the layer table" >>"$bad"
done
for f in lib/*/*.c lib/*/*.h; do
	l=$(echo "$f" | cut -d/ -f2)
	grep -o '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"' "$f" | sed 's/.*"\(.*\)"/\1/' |
	while read -r inc; do
		case $inc in */*) ;; *) echo "$f: include without its folder: \"$inc\"" >>"$bad"; continue ;; esac
		allowed "$l" "$inc" || echo "$f: $l may not include \"$inc\"" >>"$bad"
		[ "$inc" = rec/tool.h ] && [ "$l" = rec ] && case $f in lib/rec/tool.[ch]|lib/rec/buildid.c) ;;
			*) echo "$f: in rec only tool.c includes rec/tool.h" >>"$bad" ;; esac
	done
	# a symbol of another module is reached through its header, never
	# declared by hand (record.c once declared ls_progname "extern")
	case $f in *.c) grep -n '^[[:space:]]*extern[[:space:]]' "$f" | grep -v '"C"\|char \*\*environ;' ;; esac | sed "s|^|$f:|; s|\$| (declare it in a header)|" >>"$bad"
done
if [ -s "$bad" ]; then _tap 1 "lib/ keeps the layering rule"; sed 's/^/#   /' "$bad"
else _tap 0 "lib/ keeps the layering rule"; fi

# the checker itself catches a violation (so the check above can fail)
allowed base rec/tool.h && _tap 1 "base including rec/tool.h is refused" || _tap 0 "base including rec/tool.h is refused"
allowed nn model/infer.h && _tap 1 "nn including model/infer.h is refused" || _tap 0 "nn including model/infer.h is refused"
ok_if "nn may include model/safetensors.h" allowed nn model/safetensors.h
ok_if "lift may include py/pyparse.h" allowed lift py/pyparse.h
allowed lift rec/tool.h && _tap 1 "lift including rec/tool.h is refused" || _tap 0 "lift including rec/tool.h is refused"
ok_if "model may include rec/tool.h (its row names it)" allowed model rec/tool.h
done_testing
