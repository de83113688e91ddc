#!/bin/sh
# bench/exec-hosts.sh — ls-exec on repository records (Debian packages made
# into git repositories by pipelines/corpus): with hosts (a package imported
# once per run of its records) against --no-hosts (every child imports it),
# in the same run, on the same records sorted by repository and module as
# pipelines/dataset sorts them. Checks that the verdicts are the same.
#   PKGS=sympy,networkx,boltons,toolz,more_itertools  EVERY=15 (keep one
#   record of EVERY with doctests)  TESTS=0 (1: repository-test records too)
set -eu
B=${B:-build}
PKGS=${PKGS:-sympy,networkx,boltons,toolz,more_itertools}
EVERY=${EVERY:-15}
TOP=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/ls-bench-hosts.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"
X="$B/bin/ls-exec -j 2 --quiet --no-duration --cache-dir $W/cache"
sh "$TOP/pipelines/corpus" -p "$PKGS" "$W/corpus" | grep -v '/stdlib-' >"$W/repos.txt"
"$B/bin/ls-repos" -q <"$W/repos.txt" | "$B/bin/ls-extract" -q -j 2 >"$W/fns.jsonl"
sel='(.doctests // []) | length > 0'
[ "${TESTS:-0}" = 1 ] && sel="$sel or ((.tests // []) | length > 0)"
jq -c "select(.error == null and ($sel))" "$W/fns.jsonl" | awk -v n="$EVERY" 'NR % n == 0' |
	jq -r '"\(.repo.name) \(.module) \(.id)\t\(tojson)"' | LC_ALL=C sort -s -t "$(printf '\t')" -k1,1 | cut -f2- >"$W/in.jsonl"
N=$(wc -l <"$W/in.jsonl")
echo "records: $N from $PKGS ($(jq -r .repo.name "$W/in.jsonl" | uniq -c | awk '{ printf "%s%s %s", s, $2, $1; s = ", " }'))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
$X <"$W/in.jsonl" >/dev/null	# checkouts made and compiled once, outside the timings
secs() { /usr/bin/time -f "%e %U %S" -o "$W/time" "$@"; awk '{ printf "%.1f %.1f", $1, $2 + $3 }' "$W/time"; }
set -- $(secs sh -c "$X --no-hosts <'$W/in.jsonl' >'$W/plain.out'"); pw=$1 pc=$2
set -- $(secs sh -c "$X <'$W/in.jsonl' >'$W/hosts.out'"); hw=$1 hc=$2
rate() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%.1f", n / s }'; }
echo "-j 2 --no-hosts: $(rate "$pw") records/s (${pw}s wall, ${pc}s CPU)"
echo "-j 2 hosts:      $(rate "$hw") records/s (${hw}s wall, ${hc}s CPU); ratio $(awk -v a="$pw" -v b="$hw" 'BEGIN { printf "%.1fx", a / b }')"
v() { jq -c '[.id, .exec.status, .exec.category, .exec.tests_run, .exec.tests_passed]' "$1"; }
if [ "$(v "$W/plain.out")" = "$(v "$W/hosts.out")" ]; then echo "verdicts: identical with and without hosts"
else echo "verdicts: DIFFER"; v "$W/plain.out" >"$W/a"; v "$W/hosts.out" >"$W/b"; diff "$W/a" "$W/b" | head; exit 1; fi
echo "statuses:"; jq -r .exec.status "$W/hosts.out" | sort | uniq -c
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
