#!/bin/sh
# bench/abtest.sh — ls-abtest against the same statistics written with
# Debian's scipy and numpy (tests/abtest/baseline.py), in the same run, on
# N generated pairs (default 20,000; 10,000 bootstrap resamples each):
# pairing by id, Wilson intervals, McNemar exact, the paired bootstrap, per
# category. Prints the seconds of each (best of 3) and the ratio, and checks
# that both give the same rates and p-value.
set -eu
B=${B:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) ;; *) B=$TOP/$B ;; esac
N=${N:-20000}
PY=/usr/bin/python3.11
"$PY" -c 'import scipy, numpy' 2>/dev/null || { echo "bench/abtest.sh: python3-scipy missing" >&2; exit 69; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
awk -v n="$N" 'BEGIN { srand(7); for (i = 0; i < n; i++) {
	c = "c" (i % 12); d = i % 3 == 0 ? "easy" : i % 3 == 1 ? "medium" : "hard"; u = rand()
	a = u < 0.5; b = u < 0.45 || (u >= 0.5 && u < 0.58)
	printf "{\"id\":\"t%06d\",\"category\":\"%s\",\"difficulty\":\"%s\",\"exec\":{\"status\":\"%s\"},\"latency_ms\":%d,\"tokens_out\":%d}\n", i, c, d, a ? "passed" : "failed", 100 + i % 97, 20 + i % 13 > "/dev/stderr"
	printf "{\"id\":\"t%06d\",\"category\":\"%s\",\"difficulty\":\"%s\",\"exec\":{\"status\":\"%s\"},\"latency_ms\":%d,\"tokens_out\":%d}\n", i, c, d, b ? "passed" : "failed", 90 + i % 89, 18 + i % 11 } }' \
	2>"$t/a.jsonl" >"$t/b.jsonl"
best() { # best of three wall times of a command, in seconds
	b=
	for i in 1 2 3; do
		s=$(date +%s.%N); "$@" >"$t/out" 2>/dev/null; e=$(date +%s.%N)
		b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{ print (b == "" || $1 < b) ? $1 : b }')
	done
	echo "$b"
}
ours=$(best "$B/bin/ls-abtest" --json "$t/a.jsonl" "$t/b.jsonl")
cp "$t/out" "$t/ours.json"
base=$(best "$PY" "$TOP/tests/abtest/baseline.py" "$t/a.jsonl" "$t/b.jsonl")
cp "$t/out" "$t/base.json"
same=$(jq -n --slurpfile o "$t/ours.json" --slurpfile b "$t/base.json" \
	'($o[0].overall.rate == $b[0].rate) and (($o[0].overall.mcnemar.exact - $b[0].exact) | fabs) <= 1e-9 * $b[0].exact
	 and ((($o[0].overall.diff_ci[0] - $b[0].diff_ci[0]) | fabs) < 0.002)')
printf 'pairs %d: ls-abtest %.2f s, scipy+numpy %.2f s, ratio %.2f (baseline / ls-abtest); same rates, p and interval: %s\n' \
	"$N" "$ours" "$base" "$(echo "$base / $ours" | bc -l)" "$same"
[ "$same" = true ]
