#!/bin/sh
# bench/split.sh — ls-split against jq doing a comparable grouped split (a
# checksum of the repository name picks the split) on the same 100,000 records.
B=${B:-build}
PATH=$B/bin:$PATH
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
jq -nc 'range(0; 100000) | {id: "fn-\(.)", repo: {name: "repo\(. % 300)"}, kind: "function",
	code: "def f(x):\n    return x + 1\n", prompt: "Add one to x.", ir: {intent: {summary: "adds one"}}}' >"$d/in.jsonl"
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e $s" | awk '{ printf "%.3f", $1 - $2 }'; }
jq_split='.split = ((.repo.name | explode | add) % 10 | if . < 8 then "train" elif . < 9 then "val" else "test" end)'
for i in 1 2 3; do
	a=$(t ls-split --quiet "$d/in.jsonl"); b=$(t jq -c "$jq_split" "$d/in.jsonl")
	c=$(t ls-split --quiet --format chat --task code "$d/in.jsonl")
	echo "run $i: ls-split ${a}s, jq ${b}s, ls-split --format chat ${c}s, jq/ls-split $(echo "$b $a" | awk '{ printf "%.2f", $1 / $2 }')"
done
