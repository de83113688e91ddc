#!/bin/sh
# bench/exec-real.sh — the share of functions ls-exec validates on
# repositories shaped like real public projects, made from Debian's
# python3-* packages (code nobody here wrote), per verdict category:
#   toolz          src/ layout, pyproject package-dir, its own tests inside
#   more_itertools flat package, setup.py
#   boltons        flat package
#   pyrsistent     setup.cfg package_dir = lib
#   packaging      src/ layout, pyproject
#   jsonschema     src/ layout, tests inside, dependencies from Debian
#   networkx       flat, conftest.py's doctest_namespace (nx); its tests left out
# Every one of them is also installed in /usr/lib/python3/dist-packages: a
# verdict about the installed copy instead of the checkout is wrong_module.
# ls-repos | ls-extract | ls-lift | ls-prompt | ls-exec, as pipelines/dataset.
#   J=2 (workers)   KEEP=DIR (keep the records there)
#   BASE_EXEC=PATH  also run another ls-exec build (e.g. one from before a
#                   change) on the same records, and print its verdicts too
set -eu
B=${B:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) ;; *) B=$TOP/$B ;; esac
PATH=$B/bin:$PATH
J=${J:-2}
W=$(mktemp -d /tmp/ls-bench-real.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
D=/usr/lib/python3/dist-packages
commit() { git -C "$1" init -q -b main && git -C "$1" add -A &&
	git -C "$1" -c user.name=bench -c user.email=bench@example.com commit -q -m import; }
cp_pkg() { # SRC DEST: a package's files (sources and data), no bytecode
	mkdir -p "$2" && (cd "$1" && find . -type f -not -path '*/__pycache__/*' -not -name '*.pyc' | tar -cf - -T -) | tar -xf - -C "$2"
}
srclayout() { # NAME: src/NAME + pyproject
	r=$W/repos/$1; cp_pkg "$D/$1" "$r/src/$1"
	printf '[project]\nname = "%s"\nversion = "0.0.dev0"\n[tool.setuptools.package-dir]\n"" = "src"\n' "$1" >"$r/pyproject.toml"
	commit "$r"
}
flat() { # NAME
	r=$W/repos/$1; cp_pkg "$D/$1" "$r/$1"
	printf 'from setuptools import setup\nsetup(name="%s", packages=["%s"])\n' "$1" "$1" >"$r/setup.py"
	commit "$r"
}
srclayout toolz
flat more_itertools
flat boltons
r=$W/repos/pyrsistent; cp_pkg "$D/pyrsistent" "$r/lib/pyrsistent"
printf '[metadata]\nname = pyrsistent\n[options]\npackage_dir =\n    = lib\npackages = find:\n' >"$r/setup.cfg"; commit "$r"
srclayout packaging
srclayout jsonschema
r=$W/repos/networkx
# its sources without its tests (1,100 test functions would dominate the run)
mkdir -p "$r/networkx"
(cd "$D/networkx" && find . -type f -not -path '*/tests/*' -not -path '*/__pycache__/*' -not -name '*.pyc' | tar -cf - -T -) | tar -xf - -C "$r/networkx"
commit "$r"
ls "$W/repos" | sed "s|^|$W/repos/|" >"$W/repos.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
ls-repos --quiet <"$W/repos.txt" | ls-extract --quiet -j "$J" >"$W/fn.jsonl"
# functions that carry something to run (doctests, linked tests), as pipelines/dataset
jq -c 'select((.doctests // [] | length) > 0 or (.tests // [] | length) > 0)' "$W/fn.jsonl" |
	ls-lift --quiet -j "$J" | ls-prompt --quiet -j "$J" |
	ls-exec --quiet -j "$J" --no-duration --cache-dir "$W/cache" >"$W/out.jsonl"
t1=$(date +%s)
n=$(wc -l <"$W/out.jsonl")
echo "functions: $(wc -l <"$W/fn.jsonl") extracted, $n with doctests or linked tests, ls-exec in $((t1 - t0)) s (-j $J)"
jq -r '.repo.name' "$W/out.jsonl" | sort | uniq -c | awk '{ printf "  %s %s", $2, $1 } END { print "" }'
echo "per repository: validated / with tests"
jq -r '[.repo.name, .exec.status] | @tsv' "$W/out.jsonl" |
	awk -F'\t' '{ n[$1]++; if ($2 == "passed") p[$1]++ } END { for (r in n) printf "  %-16s %4d / %4d  %5.1f%%\n", r, p[r], n[r], 100 * p[r] / n[r] }' | sort
echo "per verdict (status category): count, share"
jq -r '.exec.status + " " + .exec.category' "$W/out.jsonl" | sort | uniq -c | sort -rn |
	awk -v n="$n" '{ printf "  %-34s %5d  %5.1f%%\n", $2 " " $3, $1, 100 * $1 / n }'
echo "missing dependencies named:"
jq -r '.exec.missing // [] | .[]' "$W/out.jsonl" | sort | uniq -c | sort -rn | head -10
echo "first message of each non-passing category (sample):"
jq -r 'select(.exec.status != "passed") | [.exec.category, .repo.name, .qualname, ((.exec.failures[0].message // "") | gsub("\n"; " ") | .[:150])] | @tsv' "$W/out.jsonl" |
	sort -u -t"$(printf '\t')" -k1,1 | head -20
if [ -n "${BASE_EXEC:-}" ]; then
	jq -c 'del(.exec)' "$W/out.jsonl" |
		"$BASE_EXEC" --quiet -j "$J" --no-duration --cache-dir "$W/cache-base" >"$W/base.jsonl"
	echo "the same records through $BASE_EXEC: per verdict"
	jq -r '.exec.status + " " + .exec.category' "$W/base.jsonl" | sort | uniq -c | sort -rn |
		awk -v n="$n" '{ printf "  %-34s %5d  %5.1f%%\n", $2 " " $3, $1, 100 * $1 / n }'
	echo "  per repository (validated): $(jq -r 'select(.exec.status == "passed") | .repo.name' "$W/base.jsonl" | sort | uniq -c | awk '{ printf "%s %s  ", $2, $1 }')"
	[ -n "${KEEP:-}" ] && cp "$W/base.jsonl" "$KEEP/exec-real-base.jsonl"
fi
[ -n "${KEEP:-}" ] && cp "$W/out.jsonl" "$KEEP/exec-real.jsonl"
exit 0
