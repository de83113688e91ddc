#!/bin/sh
# bench/exec.sh — ls-exec throughput on standard-library doctests, against a
# harness that starts a fresh python3.11 per example, in the same run.
#   N=2000 (records, cycled from the stdlib's doctest functions)  BASE_N=300 (baseline sample)
# Prints examples/s for each and the ratio, and checks that verdicts are the
# same with -j 1, -j 2 and a second -j 2 run.
set -eu
B=${B:-build}
N=${N:-2000}
BASE_N=${BASE_N:-300}
PY=/usr/bin/python3.11
TOP=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/ls-bench-exec.XXXXXX)
trap 'rm -rf "$W"' EXIT
STD=/usr/lib/python3.11
find "$STD" -name '*.py' -not -path '*/test/*' -not -path '*/tests/*' -not -path '*/idlelib/*' \
	-not -path '*/turtledemo/*' -not -path '*/lib2to3/*' -not -path '*-packages/*' \
	-not -path '*/tkinter/*' -not -name turtle.py -not -name antigravity.py -not -name this.py | sort >"$W/files"
(cd "$W" && $PY "$TOP/tests/exec/mkrecords.py" --doctests-only "$STD" $(cat "$W/files")) >"$W/all.jsonl"
# GUI modules (turtle, tkinter, idlelib) are left out above: their doctests need a display.
# Leave out what the sandbox stops (servers, subprocesses): unsandboxed, the
# baseline would really run them, and hang or touch the machine.
"$B/bin/ls-exec" --quiet --cache-dir "$W/cache" <"$W/all.jsonl" |
	jq -c 'select(.exec.status != "violation" and .exec.status != "timeout") | del(.exec)' >"$W/distinct.jsonl"
D=$(wc -l <"$W/distinct.jsonl")
# Cycle the distinct records up to N, each copy with its own id.
jq -c --argjson n "$N" --slurp '. as $a | [range($n)] | map($a[. % ($a|length)] + {id: ("fn-bench-\(.)")}) | .[]' \
	"$W/distinct.jsonl" >"$W/in.jsonl"
head -n "$BASE_N" "$W/in.jsonl" >"$W/base.jsonl"
EX=$(jq '.doctests | length' "$W/in.jsonl" | paste -sd+ | bc)
echo "records: $N (cycled from $D of $(wc -l <"$W/all.jsonl") stdlib functions with doctests; $EX doctest examples); baseline sample: $BASE_N"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
# secs CMD...: wall seconds to $W/t, CPU seconds (user + sys, children included) to $W/c
secs() { /usr/bin/time -f "%e %U %S" -o "$W/time" "$@"; awk '{ printf "%.3f", $1 }' "$W/time" >"$W/t"
	awk '{ printf "%.3f", $2 + $3 }' "$W/time" >"$W/c"; }
cpu_ms() { awk -v c="$(cat "$W/c")" -v n="$1" 'BEGIN { printf "%.1f", c * 1000 / n }'; }
for j in 1 2; do
	secs sh -c "$PY '$TOP/bench/exec_baseline.py' $j <'$W/base.jsonl' >'$W/base$j.out'"
	bt=$(cat "$W/t"); bc_=$(cpu_ms "$BASE_N")
	secs sh -c "'$B/bin/ls-exec' -j $j --no-duration --quiet --cache-dir '$W/cache' <'$W/in.jsonl' >'$W/ls$j.out'"
	lt=$(cat "$W/t"); lc=$(cpu_ms "$N")
	br=$(rate "$BASE_N" "$bt"); lr=$(rate "$N" "$lt")
	echo "-j $j: fresh python3.11 per example $br records/s ($BASE_N in ${bt}s); ls-exec $lr records/s ($N in ${lt}s); ratio $(awk -v a="$lr" -v b="$br" 'BEGIN { printf "%.1fx", a / b }')"
	echo "      CPU per record: baseline $bc_ ms, ls-exec $lc ms (ratio $(awk -v a="$bc_" -v b="$lc" 'BEGIN { printf "%.1fx", a / b }')); what 2 idle cores would allow: ls-exec $(awk -v c="$lc" 'BEGIN { printf "%.0f", 2000 / c }') records/s"
done
secs sh -c "'$B/bin/ls-exec' -j 2 --no-duration --quiet --cache-dir '$W/cache' <'$W/in.jsonl' >'$W/ls2b.out'"
echo "-j 2 again: $(rate "$N" "$(cat "$W/t")") records/s"
v() { jq -c '[.id, .exec.status, .exec.category, .exec.tests_run, .exec.tests_passed]' "$1"; }
v "$W/ls1.out" >"$W/v1"; v "$W/ls2.out" >"$W/v2"; v "$W/ls2b.out" >"$W/v3"
if cmp -s "$W/v1" "$W/v2" && cmp -s "$W/v2" "$W/v3"; then echo "verdicts: identical across -j 1, -j 2 and a rerun"
else echo "verdicts: DIFFER"; diff "$W/v1" "$W/v2" | head; diff "$W/v2" "$W/v3" | head; exit 1; fi
cmp -s "$W/ls1.out" "$W/ls2.out" && echo "output bytes: identical for -j 1 and -j 2"
echo "statuses (-j 2):"; jq -r .exec.status "$W/ls2.out" | sort | uniq -c
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
