#!/bin/sh
# bench/infer.sh — decode speed of the CPU backend next to the bound that
# memory bandwidth sets: a ~20M-parameter Qwen3-shaped model (d=512, 6 layers,
# 8 heads / 4 KV heads, FFN 1536, vocab 8192, tied), fp32, greedy, after a
# 16-token prefill. bound = measured copy bandwidth (read + write bytes/s, as
# STREAM counts) / weight bytes read per token; ratio = achieved / bound.
# Also a 256-token prompt's prefill speed, and ls-infer end to end
# (tokenizer, template, sampling) on the same model shape.
set -eu
B=${B:-build}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
N=${N:-128}
"$B/tests/test_mkmodel" "$T/m" --dim 512 --layers 6 --heads 8 --kv-heads 4 --ffn 1536 \
	--vocab 8192 --ctx 1024 >/dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for j in 1 2 1 2; do
	"$B/tests/test_nn" bench "$T/m" $j "$N"
done
# end to end: ls-infer with the tiny tokenizer, 4 records of up to N tokens
"$B/tests/test_mkmodel" "$T/t" --dim 512 --layers 6 --heads 8 --kv-heads 4 --ffn 1536 \
	--tokenizer tests/fixtures/tiny-tokenizer.json --ctx 1024 >/dev/null
for i in 1 2 3 4; do echo "{\"id\":\"$i\",\"prompt\":\"def f$i(x):\"}"; done >"$T/in"
start=$(date +%s.%N)
"$B/bin/ls-infer" -q --model "$T/t" -n "$N" --template raw <"$T/in" >"$T/out"
end=$(date +%s.%N)
jq -s --argjson s "$start" --argjson e "$end" '{ls_infer_records: length,
	tokens_out: (map(.tokens_out) | add),
	end_to_end_tok_s: ((map(.tokens_out) | add) / ($e - $s) * 10 | round / 10)}' -c "$T/out"
