#!/bin/sh
# bench/break.sh — what a repair task costs: ls-exec on N validated functions
# (the baseline: one run each) against ls-exec on their mutants and controls
# (ls-break -n 8), the same functions, in the same run. Prints runs/s, CPU
# seconds per run (user + sys), the ratio, and the share of mutants caught.
#   sh bench/break.sh [N] [PACKAGE ...]     (default: 60 toolz more_itertools)
B=${B:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B/bin:$PATH
n=${1:-60}
[ $# -gt 0 ] && shift
pkgs=${*:-toolz more_itertools}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
chmod 755 "$d"	# the sandbox's uid reads the checkouts
for p in $pkgs; do
	mkdir -p "$d/repos/$p" && cp -R "/usr/lib/python3/dist-packages/$p" "$d/repos/$p/" &&
		git -C "$d/repos/$p" init -q -b main && git -C "$d/repos/$p" add -A &&
		git -C "$d/repos/$p" -c user.name=b -c user.email=b@example.com commit -q -m init || exit 1
	echo "$d/repos/$p"
done | ls-repos --quiet | ls-extract --quiet >"$d/fns.jsonl"
# every k-th function with doctests (ids are hashes: a sample), by module for ls-exec's hosts
jq -c 'select((.doctests // []) | length > 0)' "$d/fns.jsonl" | LC_ALL=C sort >"$d/all.jsonl"
k=$(( $(wc -l <"$d/all.jsonl") / n )); [ "$k" -ge 1 ] || k=1
awk -v k="$k" 'NR % k == 1' "$d/all.jsonl" | head -n "$n" |
	jq -r '"\(.repo.name) \(.module) \(.id)\t\(tojson)"' | LC_ALL=C sort -t "$(printf '\t')" -k1,1 | cut -f2- >"$d/in.jsonl"
X="ls-exec -j 2 --quiet --no-duration --cache-dir $d/cache --timeout 2"
# the checkouts once, outside the timings
head -n 1 "$d/in.jsonl" | $X >/dev/null
run() { /usr/bin/time -f "%e %U %S" -o "$d/t" "$@"; awk '{ printf "%s %.2f", $1, $2 + $3 }' "$d/t"; }
set -- $(run sh -c "$X <'$d/in.jsonl' >'$d/x0.jsonl'")
w0=$1 c0=$2
jq -c 'select(.exec.status == "passed")' "$d/x0.jsonl" | ls-break --quiet -n 8 >"$d/m.jsonl"
set -- $(run sh -c "$X --code-field buggy <'$d/m.jsonl' >'$d/x1.jsonl'")
w1=$1 c1=$2
r0=$(wc -l <"$d/in.jsonl") r1=$(wc -l <"$d/m.jsonl")
caught=$(ls-break --quiet --check <"$d/x1.jsonl" | wc -l)
mut=$(jq -c 'select(.break.control | not)' "$d/m.jsonl" | wc -l)
echo "originals: $r0 runs in ${w0}s wall, ${c0}s CPU: $(echo "$r0 $w0 $c0" | awk '{ printf "%.1f runs/s, %.3f CPU s/run", $1 / $2, $3 / $1 }')"
echo "mutants:   $r1 runs ($mut mutants, $((r1 - mut)) controls) in ${w1}s wall, ${c1}s CPU: $(echo "$r1 $w1 $c1" | awk '{ printf "%.1f runs/s, %.3f CPU s/run", $1 / $2, $3 / $1 }')"
echo "CPU per run, mutants/originals: $(echo "$c1 $r1 $c0 $r0" | awk '{ printf "%.2f", ($1 / $2) / ($3 / $4) }'); caught: $caught of $mut ($(echo "$caught $mut" | awk '{ printf "%.0f%%", 100 * $1 / $2 }')), $(echo "$caught $r1" | awk '{ printf "%.2f", $1 / $2 }') per run"
