#!/bin/sh
# bench/train.sh — training speed and memory of ls-train next to PyTorch's
# (Debian's python3-torch with OpenBLAS, torch.set_num_threads(J)), in the
# same run, on the same architecture, size, batch and sequence length: a
# Llama decoder d=256, 4 layers, 8 heads / 4 KV heads, FFN 768, vocab 4096,
# untied head (5.2M parameters), batches of 8 x 256 tokens, AdamW with
# clipping; full training and LoRA (r 16, alpha 32, on q,k,v,o).
# tokens/s is taken over steps 3..STEPS of each run; peak RSS of the process.
# ls-train trains on packed chunks of standard-library source (up to 256
# tokens each), PyTorch on random ids in full 8 x 256 rows.
# Run under flock /tmp/bench.lock; the machine is shared: see the load line.
set -eu
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
J=${J:-2} STEPS=${STEPS:-12} ROUNDS=${ROUNDS:-2}
$PY -c 'import torch' 2>/dev/null || { echo "bench/train.sh: python3-torch is missing (apt-get install python3-torch)" >&2; exit 69; }
"$B/tests/test_mkmodel" "$T/m" --arch llama --dim 256 --layers 4 --heads 8 --kv-heads 4 --ffn 768 \
	--vocab 4096 --untied --ctx 512 --std 0.02 >/dev/null
cp tests/fixtures/tiny-tokenizer.json "$T/m/tokenizer.json"
for f in $(ls /usr/lib/python3.11/*.py | head -40); do jq -Rsc '{text: .}' "$f"; done >"$T/text.jsonl"
peak() { $PY -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(r)' "$@"; }
ours() { # mode flags...
	_mode=$1; shift
	peak "$B/bin/ls-train" -q --base "$T/m" "$@" --seq-len 256 --batch 8 --max-steps "$STEPS" -j "$J" \
		--no-shuffle --out "$T/o" <"$T/text.jsonl" >"$T/met" 2>"$T/rss"
	jq -sc --arg mode "$_mode" --argjson rss "$(tail -1 "$T/rss")" '.[2:] |
		{impl: "ls-train", mode: $mode, tokens_per_s: ((map(.tokens) | add) / (map(.tokens / .tokens_per_s) | add) | round),
		 peak_rss_kb: $rss}' "$T/met"
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores, -j $J, $STEPS steps"
for round in $(seq "$ROUNDS"); do
	for mode in full lora; do
		if [ $mode = full ]; then ours full --full >"$T/a"; else ours lora >"$T/a"; fi
		$PY bench/train_torch.py $mode 256 4 8 4 768 4096 8 256 "$STEPS" "$J" >"$T/b"
		cat "$T/a" "$T/b"
		jq -sr '"ratio \(.[0].mode): ls-train / pytorch tokens/s = \(.[0].tokens_per_s / .[1].tokens_per_s * 100 | round / 100), peak RSS = \(.[0].peak_rss_kb / .[1].peak_rss_kb * 100 | round / 100)"' "$T/a" "$T/b"
	done
done
