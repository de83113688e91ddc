#!/bin/sh
# ls-train --train-tokenizer: a byte-level BPE learnt from standard-library
# sources loads in ls-infer and in Hugging Face's tokenizers (npm), both give
# the same ids on text it was not learnt from, and decoding gives every text
# back byte for byte.
. "$(dirname "$0")/../lib.sh"
for f in $(ls /usr/lib/python3.11/*.py | head -30); do jq -Rsc '{text: .}' "$f"; done >"$T/learn.jsonl"
ls-train --train-tokenizer 700 --out "$T/tk" <"$T/learn.jsonl" >"$T/out" 2>"$T/err"
tok=$T/tk/tokenizer.json
ok_if "writes tokenizer.json" test -s "$tok"
ok_if "700 tokens: 256 bytes, 441 merges, 3 added" jq -e '(.model.vocab | length) == 697 and
	(.model.merges | length) == 441 and ([.added_tokens[].id] == [697, 698, 699])' "$tok"
ok_if "one summary line, no records out" sh -c "grep -q '^ls-train: 30 in, 0 out, 0 rejected, 0 errors, 30 texts, 441 merges' '$T/err' && ! test -s '$T/out'"
ls-train --train-tokenizer 700 --out "$T/tk2" <"$T/learn.jsonl" 2>/dev/null
same "the same texts give the same file" "$T/tk2/tokenizer.json" "$tok"
# text it has not seen: other modules, non-ASCII, chat turns with added tokens
for f in $(ls /usr/lib/python3.11/*.py | tail -20); do jq -Rsc '{text: .}' "$f"; done >"$T/test.jsonl"
cat >>"$T/test.jsonl" <<'X'
{"text":"naïve café — 東京 ÅNGSTRÖM ñ \u00e9t\u00e9 emoji 🐍🐍 tabs\t\tand\r\nCRLF"}
{"text":"<|im_start|>user\nwrite add<|im_end|>\n<|im_start|>assistant\ndef add(a, b): return a+b<|im_end|>"}
{"text":"   leading spaces, 12345678 digits, x'll've'd"}
X
ls-infer --tokenize --tokenizer "$tok" <"$T/test.jsonl" 2>/dev/null | jq -c .tokens >"$T/ours"
ok_if "loads in ls-infer" test "$(wc -l <"$T/ours")" = 23
if command -v node >/dev/null 2>&1 && [ -d "$TOP/build/deps/npm/node_modules/@anush008/tokenizers" ]; then
	TOP=$TOP TOKENIZERS_PARALLELISM=false node "$TOP/tests/train/hf-encode.js" "$tok" <"$T/test.jsonl" >"$T/hf" 2>"$T/hferr"
	ok_if "loads in Hugging Face's tokenizers" test "$(wc -l <"$T/hf")" = 23
	same "the same ids from both, on 23 unseen texts" "$T/ours" "$T/hf"
else
	skip "node or @anush008/tokenizers missing (make deps)"
	skip "node or @anush008/tokenizers missing (make deps)"
fi
ls-infer --tokenize --tokenizer "$tok" <"$T/test.jsonl" 2>/dev/null |
	ls-infer --detokenize --tokenizer "$tok" 2>/dev/null | jq -c '{text}' >"$T/back"
jq -c '{text}' "$T/test.jsonl" >"$T/want"
same "decode(encode(text)) is the text, byte for byte" "$T/back" "$T/want"
# 441 merges learnt from 30 modules: about 2.3 bytes a token on 20 others (bytes alone: 1)
ok_if "it compresses unseen code: over 2 bytes a token" sh -c \
	"[ \$(jq -s 'map(length) | add' '$T/ours') -lt \$(head -20 '$T/test.jsonl' | jq -s 'map(.text | utf8bytelength) | add / 2 | floor') ]"
ok_if "a size below 259 is a usage error" sh -c "ls-train --train-tokenizer 100 --out '$T/x' </dev/null 2>/dev/null; [ \$? = 64 ]"
done_testing
