#!/bin/sh
# Are the generated tests strong enough to catch a wrong reference? Mutate
# every reference of the suite (off-by-one, swapped operators, negated
# conditions, dropped branches, wrong returns) and run the mutants against the
# task's own tests in ls-exec: at least 90% must fail.
. "$(dirname "$0")/../lib.sh"

EXEC=${LS_EXEC:-$(command -v ls-exec)}
if [ -z "$EXEC" ]; then
	skip_dep "ls-exec is not built: no suite to mutate"
	done_testing
	exit
fi
export LS_EXEC="$EXEC"

ls-gen --count 400 --seed 1 > "$T/suite.jsonl" 2>/dev/null
ok_if "the suite is generated" test "$(wc -l < "$T/suite.jsonl")" = 400

# the unmutated references pass: a mutant that fails means its tests caught it
$PY "$TOP/tests/gen/mutate.py" make --per-task 4 "$T/suite.jsonl" > "$T/mutants.jsonl"
n=$(wc -l < "$T/mutants.jsonl")
ok_if "mutants made ($n, at least 2 per task)" test "$n" -ge 800
# mutants may loop forever: a short CPU limit keeps the run short
"$EXEC" --quiet -j 2 --timeout 1 --wall-timeout 1.5 "$T/mutants.jsonl" > "$T/verdicts.jsonl"
ok_if "every mutant has a verdict" test "$(wc -l < "$T/verdicts.jsonl")" = "$n"
$PY "$TOP/tests/gen/mutate.py" score --min 0.90 "$T/verdicts.jsonl" > "$T/score.txt"
rc=$?
sed 's/^/#: /' "$T/score.txt" | head -24
ok_if "$(head -1 "$T/score.txt")" test "$rc" = 0

# the scorer itself: a suite whose tests cannot fail scores 0
jq -c '.tests = ["assert True"]' "$T/suite.jsonl" | head -20 > "$T/weak.jsonl"
$PY "$TOP/tests/gen/mutate.py" make --per-task 2 "$T/weak.jsonl" > "$T/weak-m.jsonl"
"$EXEC" --quiet --timeout 1 --wall-timeout 1.5 "$T/weak-m.jsonl" > "$T/weak-v.jsonl"
$PY "$TOP/tests/gen/mutate.py" score "$T/weak-v.jsonl" > "$T/weak.txt"
ok_if "tests that cannot fail kill no mutant (and the score says so)" \
	sh -c "test $? = 1 && grep -q '^mutation score: 0/' '$T/weak.txt'"
done_testing
