#!/bin/sh
# ls-gen without a sandbox: templates, sampling, determinism, distinctness,
# errors, and the man page's synopsis.
. "$(dirname "$0")/../lib.sh"

ls-gen --list > "$T/list.jsonl" 2>/dev/null
ntmpl=$(wc -l < "$T/list.jsonl")
ncat=$(jq -r .category "$T/list.jsonl" | sort -u | wc -l)
ok_if "at least 40 templates ($ntmpl)" test "$ntmpl" -ge 40
ok_if "at least 10 categories ($ncat)" test "$ncat" -ge 10
ok_if "every template documents what it varies" \
	test "$(jq -r 'select((.varies // "") == "") | .template' "$T/list.jsonl" | wc -l)" = 0
ok_if "every template has at least 8 parameter combinations" \
	test "$(jq -r 'select(.combinations < 8) | .template' "$T/list.jsonl" | wc -l)" = 0

ls-gen --no-exec --count 400 --seed 1 > "$T/a.jsonl" 2>/dev/null
ls-gen --no-exec --count 400 --seed 1 > "$T/b.jsonl" 2>/dev/null
ls-gen --no-exec --count 400 --seed 2 > "$T/c.jsonl" 2>/dev/null
ok_if "400 candidates" test "$(wc -l < "$T/a.jsonl")" = 400
same "the same seed gives the same bytes" "$T/b.jsonl" "$T/a.jsonl"
ok_if "another seed gives another suite" sh -c "! cmp -s '$T/a.jsonl' '$T/c.jsonl'"
ok_if "no two tasks share a prompt or a normalised reference" \
	$PY "$TOP/tests/gen/normalise.py" distinct < "$T/a.jsonl"
ok_if "every task comes with its fields" test "$(jq -c 'select(.id == null or .prompt == null or .code == null
	or .ir == null or .category == null or .difficulty == null or (.cases | length) < 3)' "$T/a.jsonl" | wc -l)" = 0
ok_if "ids are unique" test "$(jq -r .id "$T/a.jsonl" | sort -u | wc -l)" = 400
min=$(jq -r .category "$T/a.jsonl" | sort | uniq -c | sort -n | awk 'NR == 1 { print $1 }')
ok_if "the plan is balanced: the smallest category has $min of 400" test "$min" -ge 30

# every template yields tasks that differ in more than names
ls-gen --no-exec --count 5000 > "$T/all.jsonl" 2>/dev/null
few=$(jq -r .template "$T/all.jsonl" | sort | uniq -c | awk '$1 < 4 { print $2 }')
ok_if "every template yields at least 4 distinct tasks${few:+ (not: $few)}" test -z "$few"
ok_if "every template is used" test "$(jq -r .template "$T/all.jsonl" | sort -u | wc -l)" = "$ntmpl"

# --only, --limit
ls-gen --no-exec --only strings,recursion --count 20 > "$T/o.jsonl" 2>/dev/null
ok_if "--only keeps the named categories" \
	test "$(jq -r .category "$T/o.jsonl" | sort -u | tr '\n' ' ')" = "recursion strings "

# a template directory of one's own, and a broken template
mkdir -p "$T/tm/x"
cat > "$T/tm/x/double.tmpl" <<'TMPL'
name: double_it
category: numeric
summary: Multiply {{n}} by {{k}}.
varies: factor (3)
arg {{n}}: a number
--- param n
n
--- param k
2
3
4
--- prompt
Write `times({{n}})` returning {{n}} * {{k}}.
--- code
def times({{n}}: int) -> int:
    return {{n}} * {{k}}
--- inputs
0       # boundary
1       # single
-7      # negative
TMPL
ls-gen --no-exec --templates "$T/tm" --count 10 > "$T/own.jsonl" 2>"$T/own.err"
ok_if "--templates DIR reads that directory" test "$(wc -l < "$T/own.jsonl")" = 3
ok_if "fewer variations than --count is said" grep -q "only 3 of 10 tasks" "$T/own.err"
ok_if "cases call the entry point" \
	test "$(jq -r '.cases[2].call' "$T/own.jsonl" | sort -u)" = "times(-7)"
printf 'name: broken\ncategory: c\nsummary: s\n--- param p\n{"a": 1}\n' > "$T/tm/x/broken.tmpl"
ls-gen --no-exec --templates "$T/tm" > /dev/null 2>"$T/err"
ok_if "a broken template stops the run with 65" test $? = 65
ok_if "and the message names file and line" grep -q "broken.tmpl:5: alternative values must be strings" "$T/err"
ls-gen --no-such-flag > /dev/null 2>&1
ok_if "a bad flag is a usage error (64)" test $? = 64
ls-gen --exec /nonexistent/ls-exec --count 3 > /dev/null 2>"$T/err"
ok_if "an ls-exec that cannot run is 69" test $? = 69

# the man page's synopsis is --help's usage line
syn=$(groff -mdoc -Tascii -P-cbou "$TOP/man/ls-gen.1" 2>/dev/null | awk '/^SYNOPSIS/ { getline; print; exit }' | sed 's/^ *//')
use=$(ls-gen --help | sed -n 's/^usage: //p')
ok_if "man SYNOPSIS matches --help ($use)" test "$syn" = "$use"
done_testing
