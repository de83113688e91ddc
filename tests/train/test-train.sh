#!/bin/sh
# ls-train on tiny models written by test_mkmodel with the tiny tokenizer:
# LoRA, full and from-scratch training, what ls-infer makes of the results,
# determinism, SIGKILL and resume, and bad input.
. "$(dirname "$0")/../lib.sh"
mk=$B/tests/test_mkmodel
tok=$TOP/tests/fixtures/tiny-tokenizer.json
"$mk" "$T/m" --tokenizer "$tok" --std 0.1 --dim 64 --layers 2 >/dev/null 2>&1
cat >"$T/sft.jsonl" <<'X'
{"id":"1","instruction":"Write Python.","input":"add two numbers","output":"def add(a, b):\n    return a + b\n"}
{"id":"2","messages":[{"role":"user","content":"reverse a list"},{"role":"assistant","content":"def rev(xs):\n    return xs[::-1]\n"}]}
{"id":"3","prompt":"square a number","completion":"def sq(x):\n    return x * x\n"}
{"id":"4","instruction":"Write Python.","input":"maximum of a list","output":"def mx(xs):\n    return max(xs)\n"}
X
cp "$T/sft.jsonl" "$T/val.jsonl"
sum0=$(sha256sum "$T/m/model.safetensors")
losses() { jq -c '[.step, .epoch, .loss, .lr, .grad_norm, .tokens, .val_loss]' "$@"; }
tr() { ls-train --base "$T/m" --seq-len 64 --batch 1 --lr 1e-2 "$@"; }

# LoRA: metrics, a lower loss, a PEFT adapter
tr --out "$T/a" --epochs 25 --val "$T/val.jsonl" --val-every 20 <"$T/sft.jsonl" >"$T/met" 2>"$T/err"
ok_if "LoRA training writes a PEFT adapter" test -f "$T/a/adapter_config.json" -a -f "$T/a/adapter_model.safetensors"
ok_if "one metrics line per step with the fields" jq -se 'length == 100 and all(.[]; has("step") and has("epoch")
	and has("loss") and has("lr") and has("grad_norm") and has("tokens_per_s"))' "$T/met"
ok_if "the loss on the training set falls by half" jq -se '([.[:4][].loss] | add) > 2 * ([.[-4:][].loss] | add)' "$T/met"
ok_if "val_loss every 20 steps and at the end" jq -se '[.[] | select(has("val_loss")) | .step] == [20,40,60,80,100]' "$T/met"
ok_if "warmup-free cosine: lr falls to 0" jq -se '.[0].lr > .[50].lr and .[-1].lr == 0' "$T/met"
ok_if "one summary line with the data counts" grep -q '^ls-train: 4 in, 100 out, 0 rejected, 0 errors, 4 examples, .* tokens (.* in the loss), 0 truncated' "$T/err"
ok_if "adapter_config.json as PEFT writes it" jq -e '.peft_type == "LORA" and .r == 16 and .lora_alpha == 32
	and (.target_modules | sort) == ["k_proj","o_proj","q_proj","v_proj"]' "$T/a/adapter_config.json"
same "the base model is untouched" "$(echo "$sum0" >"$T/s0"; echo "$T/s0")" \
	"$(sha256sum "$T/m/model.safetensors" >"$T/s1"; echo "$T/s1")"

# ls-infer loads it, merged or not, with the same greedy completions
ls-infer --model "$T/m" --adapter "$T/a" -n 24 <"$T/sft.jsonl" 2>/dev/null | jq -c '.completion' >"$T/u"
ls-infer --model "$T/m" --adapter "$T/a" --merge -n 24 <"$T/sft.jsonl" 2>/dev/null | jq -c '.completion' >"$T/g"
ls-infer --model "$T/m" -n 24 <"$T/sft.jsonl" 2>/dev/null | jq -c '.completion' >"$T/b"
ok_if "ls-infer loads the adapter" test -s "$T/u"
same "merged and unmerged adapters generate the same" "$T/g" "$T/u"
ok_if "the adapter changes what the model writes" sh -c "! cmp -s '$T/u' '$T/b'"

# deterministic: the same seed and -j, the same losses
tr --out "$T/a2" --epochs 3 --seed 9 <"$T/sft.jsonl" 2>/dev/null | losses >"$T/d1"
tr --out "$T/a3" --epochs 3 --seed 9 <"$T/sft.jsonl" 2>/dev/null | losses >"$T/d2"
same "the same seed gives the same losses" "$T/d2" "$T/d1"
tr --out "$T/a3" --epochs 3 --seed 9 -j 2 <"$T/sft.jsonl" 2>/dev/null | losses >"$T/d4"
tr --out "$T/a3" --epochs 3 --seed 9 -j 2 <"$T/sft.jsonl" 2>/dev/null | losses >"$T/d5"
same "and so does -j 2 (BLAS threads), twice" "$T/d5" "$T/d4"
tr --out "$T/a4" --epochs 3 --seed 10 <"$T/sft.jsonl" 2>/dev/null | losses >"$T/d3"
ok_if "another seed, another order" sh -c "! cmp -s '$T/d1' '$T/d3'"

# SIGKILL at a random step, resume: bit-identical losses and adapter
opts="--epochs 40 --lora-dropout 0.1 --grad-accum 2 --warmup 3 --seed 4 --ckpt-every 1"
tr --out "$T/k1" $opts <"$T/sft.jsonl" 2>/dev/null | losses >"$T/full"
total=$(wc -l <"$T/full")
n=$(( $(od -An -N2 -tu2 /dev/urandom) % (total - 10) + 2 ))
ls-train --base "$T/m" --seq-len 64 --batch 1 --lr 1e-2 --out "$T/k2" $opts <"$T/sft.jsonl" >/dev/null 2>&1 &
pid=$!	# the process itself (not a shell function's subshell), so kill -9 reaches it
at=0
while kill -0 $pid 2>/dev/null && [ "$at" -lt "$n" ]; do
	at=$(sed -n 's/checkpoint-//p' "$T/k2/latest" 2>/dev/null); at=${at:-0}
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
at=$(sed -n 's/checkpoint-//p' "$T/k2/latest")
tr --out "$T/k2" $opts --resume "$T/k2" <"$T/sft.jsonl" 2>"$T/rerr" | losses >"$T/rest"
tail -n "$(wc -l <"$T/rest")" "$T/full" >"$T/want"
echo "#: SIGKILL after checkpoint-$at (aimed at step $n of $total), resumed for $(wc -l <"$T/rest") steps"
ok_if "resumed from the checkpoint the killed run left" sh -c "[ $at -ge 1 ] && [ $(wc -l <"$T/rest") = $((total - at)) ]"
same "resumed losses equal the uninterrupted run's" "$T/rest" "$T/want"
same "resumed adapter is bit-identical" "$T/k2/adapter_model.safetensors" "$T/k1/adapter_model.safetensors"
ok_if "a checkpoint of another config is refused" sh -c \
	"! ls-train --base '$T/m' --seq-len 64 --batch 1 --out '$T/k3' $opts --lora-r 4 --resume '$T/k2' <'$T/sft.jsonl' 2>'$T/e' >/dev/null && grep -q 'checkpoint from another run.*lora' '$T/e'"

# bad input: refused records are reported and counted, nothing silently lost
cat >"$T/bad.jsonl" <<'X'
{"id":"x","foo":1}
{"id":"y","instruction":"Write Python.","input":"a very long task","output":"def f():\n    return 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 + 24\n"}
X
cat "$T/sft.jsonl" "$T/bad.jsonl" >"$T/mixed.jsonl"
tr --out "$T/b1" --max-steps 2 <"$T/mixed.jsonl" >"$T/o" 2>"$T/e"
ok_if "a record without the fields is passed on with an error" jq -se '[.[] | select(.error)] | map(.id) == ["x","y"]
	and (.[0].error.message | test("nothing to train on"))' "$T/o"
ok_if "a record longer than --seq-len is refused and counted" sh -c "grep -q '2 errors, 4 examples' '$T/e' &&
	jq -se '.[] | select(.id == \"y\") | .error.message | test(\"longer than --seq-len 64\")' '$T/o'"
tr --out "$T/b2" --max-steps 2 --truncate <"$T/mixed.jsonl" >"$T/o" 2>"$T/e"
ok_if "--truncate cuts it instead, and says so" grep -q '1 errors, 5 examples, .* 1 truncated' "$T/e"
tr --out "$T/b3" --max-steps 2 --on-error=skip --rejects "$T/rej" <"$T/mixed.jsonl" >"$T/o" 2>/dev/null
ok_if "--on-error=skip writes them to --rejects" sh -c "[ \$(wc -l <'$T/rej') = 2 ] && ! grep -q error '$T/o'"
"$mk" "$T/small" --vocab 300 --dim 32 --layers 1 >/dev/null 2>&1
ok_if "a tokenizer that does not fit the model is refused" sh -c \
	"! ls-train --base '$T/small' --tokenizer '$tok' --out '$T/x' <'$T/sft.jsonl' 2>'$T/e' >/dev/null && grep -q 'tokenizer and model do not match' '$T/e'"
ok_if "no --base nor --init is a usage error" sh -c "ls-train --out '$T/x' </dev/null 2>/dev/null; [ \$? = 64 ]"

# every weight: --full, and a new model from --init
tr --out "$T/f" --full --epochs 5 --lr 3e-3 <"$T/sft.jsonl" >"$T/fm" 2>/dev/null
ok_if "--full writes a model directory ls-infer loads" sh -c \
	"ls-infer --model '$T/f' -n 4 <'$T/sft.jsonl' 2>/dev/null | jq -e '.completion | type == \"string\"' >/dev/null"
ok_if "--full lowers the loss" jq -se '.[0].loss > .[-1].loss' "$T/fm"
jq '.num_hidden_layers = 2 | .hidden_size = 32 | .intermediate_size = 64 | .head_dim = 8' "$T/m/config.json" >"$T/cfg.json"
ls-train --init "$T/cfg.json" --tokenizer "$tok" --out "$T/new" --seq-len 64 --batch 2 --epochs 40 --lr 1e-2 \
	<"$T/sft.jsonl" >"$T/nm" 2>/dev/null
ok_if "--init trains a new model: config, weights, tokenizer, generation config" sh -c \
	"cd '$T/new' && test -f config.json -a -f model.safetensors -a -f tokenizer.json -a -f generation_config.json"
ok_if "from scratch, the loss falls from ln(V) to below 1" jq -se '.[0].loss > 6 and .[-1].loss < 1' "$T/nm"
printf '{"id":"1","instruction":"Write Python.","input":"add two numbers"}\n' |
	ls-infer --model "$T/new" -n 30 2>/dev/null | jq -r .completion >"$T/c"
printf 'def add(a, b):\n    return a + b\n\n' >"$T/cw"
same "the new model has learnt its data" "$T/c" "$T/cw"
done_testing
