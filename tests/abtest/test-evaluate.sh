#!/bin/sh
# pipelines/evaluate end to end on a tiny random-weight model (--tiny): the
# suite, disjoint training tasks, both tasks (code through ls-exec, IR
# through the schema), ls-abtest and EVALUATION.md. The model's output is
# noise; the checks are about the pipeline, not the scores.
. "$(dirname "$0")/../lib.sh"
[ -x "$PY" ] || { skip "no $PY"; done_testing; exit; }
"$PY" -c 'import jsonschema' 2>/dev/null || { skip "python3-jsonschema missing"; done_testing; exit; }
O=$T/eval
# a stand-in for the dataset's test split: other tasks with a prompt and an IR
ls-gen --quiet --count 6 --seed 77 | ls-exec --quiet --keep passed >"$T/test.jsonl"
bash "$TOP/pipelines/evaluate" --tiny -o "$O" --suite 14 --train 40 --steps 2 --max-tokens 16 \
	--test "$T/test.jsonl" --test-count 4 >"$T/log" 2>&1
ok_if "the pipeline runs to the end" test $? = 0 -a -s "$O/EVALUATION.md"
sed 's/^/#   /' "$T/log" | tail -5
n=$(wc -l <"$O/suite.jsonl")
ok_if "a suite of tasks whose references pass ($n)" test "$n" -ge 10
for task in code ir; do
	ok_if "$task: every task paired, none left out" jq -e --argjson n "$n" \
		'.input.paired == $n and (.input.left_out | length) == 0' "$O/abtest/suite-$task.json"
	ok_if "$task: every record of both models has a verdict" sh -c \
		"cat '$O/suite-$task-A.jsonl' '$O/suite-$task-B.jsonl' | jq -e 'select(.exec.status == null)' | { ! grep -q .; }"
	ok_if "$task: charts" test -s "$O/charts/suite-$task/success.png" -a -s "$O/charts/suite-$task/discordant.svg"
done
for task in code ir; do
	ok_if "test split, $task: the first 4 records compared" jq -e '.input.paired == 4' "$O/abtest/test-$task.json"
done
sed -n '/^## Summary/,/^## Failure/p' "$O/EVALUATION.md" >"$T/summary"
ok_if "the summary has a row per set and task" test "$(grep -cE '^\| (suite|test) \| (code|ir) \|' "$T/summary")" = 4
ok_if "the fine-tuned runs carry the adapter, the base runs none (models.json, --use)" sh -c \
	"jq -e '.adapter == null' '$O/suite-code-A.jsonl' >/dev/null && jq -e '.adapter == \"adapter\"' '$O/suite-code-B.jsonl' >/dev/null &&
	 jq -e '.default == \"fine-tuned\"' '$O/models.json' >/dev/null"
ok_if "training tasks share no id or prompt with the evaluated ones" sh -c \
	"jq -c '.id, .prompt' '$O/suite.jsonl' | sort >'$T/e'; jq -c '.id, .prompt' '$O/work/train-tasks.jsonl' | sort >'$T/t';
	 [ -s '$T/t' ] && [ -z \"\$(comm -12 '$T/e' '$T/t')\" ]"
ok_if "no held-out template among the training tasks" sh -c \
	"jq -r .template '$O/work/train-tasks.jsonl' | sort -u | grep -qxF -f '$O/heldout-templates.txt' && exit 1 || exit 0"
ok_if "the evaluated tasks are marked seen or held-out" sh -c \
	"jq -r .templates '$O/suite.jsonl' | sort -u | grep -qvxE 'seen|held-out' && exit 1 || exit 0"
ok_if "IR verdicts come from the schema validator" sh -c \
	"jq -r '.exec.category // \"passed\"' '$O/suite-ir-A.jsonl' | sort -u | grep -qvxE 'passed|not_json|schema' && exit 1 || exit 0"
for s in "## Summary" "## Failure taxonomy" "### One real example of each" "## Latency and tokens" "## Detail: suite, code" "## Detail: suite, ir"; do
	ok_if "EVALUATION.md: $s" grep -qxF "$s" "$O/EVALUATION.md"
done
ok_if "EVALUATION.md says the tiny model's results are noise" grep -q 'results are noise' "$O/EVALUATION.md"
# every failure category in the taxonomy has its example
cats=$(jq -r '.failures[].category' "$O/abtest/suite-code.json" "$O/abtest/suite-ir.json" | sort -u | wc -l)
exs=$(grep -c '^\*\*suite, ' "$O/EVALUATION.md")
ok_if "one example per failure category ($cats categories, $exs examples)" test "$cats" = "$exs" -a "$cats" -gt 0
report "pipelines/evaluate --tiny on $n tasks: $(tail -n 1 "$T/log")"
done_testing
