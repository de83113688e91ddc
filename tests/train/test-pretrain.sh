#!/bin/sh
# pipelines/pretrain at a tiny size: sources, tokenizer, model, loss curve;
# a second run with more steps continues from the first's last checkpoint.
. "$(dirname "$0")/../lib.sh"
p="$TOP/pipelines/pretrain -o $T/p -n 6 -v 400 -d 64 -l 2 -j 1"
$p -s 4 >/dev/null 2>"$T/err"
ok_if "gathers sources, none of the evaluation's packages" sh -c \
	"test -s '$T/p/code.jsonl' && ! grep -q -E '/(toolz|more_itertools|boltons|networkx|sympy)/' '$T/p/files.txt'"
ok_if "a tokenizer of 400 tokens" jq -e '(.model.vocab | length) + (.added_tokens | length) == 400' "$T/p/tokenizer/tokenizer.json"
ok_if "4 steps of metrics" test "$(wc -l <"$T/p/metrics.jsonl")" = 4
ok_if "a model ls-infer loads" sh -c "echo '{\"prompt\":\"def \"}' | ls-infer --model '$T/p/model' --template raw -n 8 2>/dev/null | jq -e '.tokens_out > 0'"
if command -v gnuplot >/dev/null 2>&1; then ok_if "the loss curve" test -s "$T/p/loss.png"; else skip "no gnuplot"; fi
$p -s 7 >/dev/null 2>"$T/err2"
ok_if "run again with -s 7: continues at step 5" sh -c "jq -s 'map(.step)' '$T/p/metrics.jsonl' | jq -e '. == [1,2,3,4,5,6,7]'"
done_testing
