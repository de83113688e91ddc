#!/bin/sh
# The record layer against jq: read 200k real-shaped records, add a field, write.
# Baseline: jq -c '. + {x:1}' on the same file, in the same run. Goal: ratio <= 1.3.
set -eu
. "$(dirname "$0")/lib.sh"
N=${N:-200000}
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
$PY "$(dirname "$0")/make-records.py" "$N" > "$D/in.jsonl"
size=$(du -m "$D/in.jsonl" | cut -f1)
jq -c '. + {x:1}' "$D/in.jsonl" > "$D/jq.out"
"$B/tests/bin/rec-addfield" -q "$D/in.jsonl" > "$D/ls.out"
cmp -s "$D/jq.out" "$D/ls.out" && same=yes || same=no
tjq=$(best_of 3 jq -c '. + {x:1}' "$D/in.jsonl")
tls=$(best_of 3 "$B/tests/bin/rec-addfield" -q "$D/in.jsonl")
echo "record layer: $N records, ${size} MB; identical output to jq: $same"
echo "  jq -c '. + {x:1}':     ${tjq}s"
echo "  lift-sys record layer: ${tls}s"
echo "  ratio (ours / jq):     $(ratio "$tls" "$tjq")   (goal <= 1.30)"
