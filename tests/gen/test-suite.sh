#!/bin/sh
# The generated suite through ls-exec: every reference passes its own tests,
# counts per category and difficulty, edge cases, IR schema, and the drop of
# failing and nondeterministic references.
. "$(dirname "$0")/../lib.sh"

EXEC=${LS_EXEC:-$(command -v ls-exec)}
if [ -z "$EXEC" ]; then
	skip_dep "ls-exec is not built: the suite cannot be generated"
	done_testing
	exit
fi
export LS_EXEC="$EXEC"
PATH=$(dirname "$EXEC"):$PATH	# the man page's examples call ls-exec by name

ls-gen --count 400 --seed 1 --stats --report "$T/report.json" > "$T/suite.jsonl" 2>"$T/err"
ok_if "ls-gen --count 400 --seed 1 succeeds" test $? = 0
ok_if "400 tasks" test "$(wc -l < "$T/suite.jsonl")" = 400
sed -n 's/^ls-gen: \(category\|difficulty\) */#: \1 /p' "$T/err"

# every emitted reference passes its own tests, run afresh (no trace)
"$EXEC" --quiet "$T/suite.jsonl" > "$T/run.jsonl"
passed=$(jq -r 'select(.exec.status == "passed") | .id' "$T/run.jsonl" | wc -l)
ok_if "every reference passes its own tests ($passed of 400)" test "$passed" = 400
jq -r 'select(.exec.status != "passed") | "# \(.id) \(.template): \(.exec.status) \(.exec.failures[0].message // "")"' \
	"$T/run.jsonl" | head -5

# counts: no category under 5%, a spread of difficulties
for c in $(jq -r '.by_category | to_entries[] | "\(.key)=\(.value)"' "$T/report.json"); do
	n=${c#*=}
	ok_if "category ${c%=*}: $n tasks, at least 5% (20)" test "$n" -ge 20
done
for d in easy medium hard; do
	n=$(jq -r ".by_difficulty.$d // 0" "$T/report.json")
	ok_if "difficulty $d: $n tasks, at least 10% (40)" test "$n" -ge 40
done
ok_if "at least 10 categories" test "$(jq '.by_category | length' "$T/report.json")" -ge 10

ok_if "every case has its test" \
	test "$(jq -c 'select((.tests | length) != (.cases | length))' "$T/suite.jsonl" | wc -l)" = 0
ok_if "edge cases: every task has some, the suite has every kind" \
	$PY "$TOP/tests/gen/normalise.py" edges < "$T/suite.jsonl"
ok_if "no two tasks share a prompt or a normalised reference" \
	$PY "$TOP/tests/gen/normalise.py" distinct < "$T/suite.jsonl"
if [ -f "$TOP/docs/schema/ir.schema.json" ]; then
	ok_if "every IR validates against docs/schema/ir.schema.json" \
		$PY "$TOP/tests/gen/normalise.py" schema "$TOP/docs/schema/ir.schema.json" < "$T/suite.jsonl"
else
	skip_dep "docs/schema/ir.schema.json"
fi

# a reference that fails, one that raises what it must not, one that is
# nondeterministic: dropped, reported, counted
mkdir -p "$T/tm"
cat > "$T/tm/bad.tmpl" <<'TMPL'
name: sometimes_bad
category: numeric
summary: Return {{n}} plus something, depending on the variant.
varies: the body (4)
--- param n
n
--- param body
{"code": "return n + 1"}
{"code": "return n + 2"}
{"code": "return [n][n]"}
{"code": "import time\n    return n + time.perf_counter_ns() % 1000003"}
{"code": "while True:\n        n += 1"}
--- prompt
Variant: {{body.code}}
--- code
def f({{n}}: int) -> int:
    {{body.code}}
--- inputs
0
1
5
TMPL
ls-gen --templates "$T/tm" --count 5 --timeout 1 --report "$T/bad.json" --rejects "$T/rejects.jsonl" \
	> "$T/good.jsonl" 2>"$T/bad.err"
ok_if "the good references are kept (2)" test "$(wc -l < "$T/good.jsonl")" = 2
ok_if "a reference raising what its template does not allow is dropped" \
	grep -q "reference raised IndexError" "$T/bad.err"
ok_if "a nondeterministic reference is dropped" grep -q "nondeterministic" "$T/bad.err"
ok_if "a reference that never ends is dropped" grep -q "reference timeout" "$T/bad.err"
ok_if "the drops are in the report" test "$(jq '.dropped | length' "$T/bad.json")" = 3
ok_if "and in --rejects" test "$(wc -l < "$T/rejects.jsonl")" = 3
ok_if "and counted in the summary" grep -q "5 in, 2 out, 3 rejected" "$T/bad.err"

# the man page's examples work
grep '^\.Dl ' "$TOP/man/ls-gen.1" | sed 's/^\.Dl //' > "$T/examples"
while read -r ex; do
	ok_if "man example: $ex" sh -c "cd '$T' && $ex > /dev/null"
done < "$T/examples"
done_testing
