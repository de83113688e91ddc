#!/bin/sh
# pipelines/retrain end to end on a tiny model: the decision and its audit
# trail, promotion on evidence only, a candidate that must not be promoted,
# a rollback. The gate is tested with a stand-in for ls-infer whose answers
# are known (the reference code, or a function that returns None), so the
# candidate is truly better or truly worse; one last run uses the real
# ls-infer on the tiny model end to end.
. "$(dirname "$0")/../lib.sh"
export SOURCE_DATE_EPOCH=1700000000
mk=$B/tests/test_mkmodel
tok=$TOP/tests/fixtures/tiny-tokenizer.json
"$mk" "$T/m" --tokenizer "$tok" --std 0.1 --dim 32 --layers 1 >/dev/null 2>&1 || { _tap 1 "make a tiny model"; done_testing; exit; }
cat >"$T/sft.jsonl" <<'X'
{"id":"1","instruction":"Write Python.","input":"add two numbers","output":"def add(a, b):\n    return a + b\n"}
{"id":"2","instruction":"Write Python.","input":"reverse a list","output":"def rev(xs):\n    return xs[::-1]\n"}
{"id":"3","instruction":"Write Python.","input":"square a number","output":"def sq(x):\n    return x * x\n"}
X
ls-gen --count 12 --seed 5 2>/dev/null | ls-exec --keep passed --quiet >"$T/suite.jsonl"
ok_if "a suite of 12 tasks with tests" test "$(wc -l <"$T/suite.jsonl")" = 12

# The stand-in: the first call (the candidate) answers as $ANSWER says, the
# second (the default, or the base) the other way.
cat >"$T/infer" <<'X'
#!/bin/sh
n=$(cat "$CALLS" 2>/dev/null || echo 0); echo $((n + 1)) >"$CALLS"
good='. + {completion: .code}'
bad='. + {completion: ("def " + .name + "(*a, **k):\n    return None\n")}'
case $n,$ANSWER in 0,better|[1-9]*,worse) jq -c "$good" ;; *) jq -c "$bad" ;; esac
X
chmod +x "$T/infer"
rt() { CALLS=$T/count.$1; export CALLS; shift; rm -f "$CALLS"
	LS_INFER=$T/infer "$TOP/pipelines/retrain" --train "$T/sft.jsonl" --suite "$T/suite.jsonl" \
		--base "$T/m" --out "$T/out" --steps 2 --train-args "--seq-len 64 --batch 1" "$@"; }
reg() { ls-registry --quiet --db "$T/out/registry.db" "$@"; }

ANSWER=better rt 1 2>"$T/err1"
ok_if "first run: retrained (no default yet) and promoted" sh -c "grep -q 'promoted code-lora@v1' '$T/err1'"
ok_if "the models file's default is the new version" jq -e '.default == "code-lora@v1" and .models["code-lora@v1"].adapter != null' "$T/out/models.json"
ok_if "the decision is in the audit trail with its reason" \
	sh -c "ls-registry --quiet --db '$T/out/registry.db' audit decision | jq -e 'select(.detail.retrain) | .detail.reasons == [\"no default version yet\"]' >/dev/null"
ok_if "the promotion names its evidence (McNemar p)" sh -c "ls-registry --quiet --db '$T/out/registry.db' audit promote | grep -q 'McNemar exact p='"
ok_if "registered with metrics, data manifest and training config" \
	sh -c "ls-registry --quiet --db '$T/out/registry.db' show code-lora@v1 | jq -e '.metrics.suite.pass_rate == 1 and .data[0].records == 3 and .config.max_steps == 2' >/dev/null"
ok_if "the registered adapter holds no checkpoints" \
	sh -c "ls-registry --quiet --db '$T/out/registry.db' show code-lora@v1 | jq -e '[.files[].path] | all(startswith(\"checkpoint\") | not)' >/dev/null"

ANSWER=better rt 2 2>"$T/err2"
ok_if "same data, thresholds not reached: no retraining" grep -q 'no retraining' "$T/err2"
ok_if "... decided and recorded, no new version" sh -c "test \"\$(ls-registry --quiet --db '$T/out/registry.db' audit decision | tail -1 | jq .detail.retrain)\" = false && test \"\$(ls-registry --quiet --db '$T/out/registry.db' list | wc -l)\" = 1"

ANSWER=worse rt 3 --force --seed 1 2>"$T/err3"
ok_if "a worse candidate is registered but not promoted" grep -q 'kept code-lora@v1: code-lora@v2 is not significantly better' "$T/err3"
ok_if "the default stays" test "$(reg default | jq -r .id)" = code-lora@v1
reg audit decision | tail -1 >"$T/last"
ok_if "the refusal is in the audit trail" jq_true '.version == "code-lora@v2" and .detail.promote == false' "$T/last"

ANSWER=better rt 4 --force --seed 2 2>"$T/err4"
ok_if "a better candidate is promoted over the default" test "$(reg default | jq -r .id)" = code-lora@v3
reg rollback --reason "test" --models "$T/out/models.json" >/dev/null
ok_if "rollback: the previous default is back, in the models file too" \
	sh -c "test \"\$(ls-registry --quiet --db '$T/out/registry.db' default | jq -r .id)\" = code-lora@v1 && jq -e '.default == \"code-lora@v1\"' '$T/out/models.json' >/dev/null"
ok_if "the registry is consistent" test "$(reg check | jq -r .check)" = ok
ok_if "bad usage: 64" sh -c "'$TOP/pipelines/retrain' --suite x 2>/dev/null; test \$? = 64"

# The real tools end to end: a tiny random model passes nothing, so its
# candidate cannot be significantly better and is not promoted.
"$TOP/pipelines/retrain" --train "$T/sft.jsonl" --suite "$T/suite.jsonl" --base "$T/m" --out "$T/real" \
	--steps 2 --train-args "--seq-len 64 --batch 1" --infer-args "-n 8" 2>"$T/err5"
ok_if "real tools: the run ends" test $? = 0
ok_if "real tools: the tiny model's candidate is compared and not promoted" grep -q 'is not significantly better' "$T/err5"
ok_if "real tools: ls-abtest's report is written" test -s "$T/real/abtest.md"
done_testing
