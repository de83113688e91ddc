#!/bin/sh
# The CUDA backend: `ls-infer --device cuda --self-test` checks every op of
# the CUDA table against the CPU table where a GPU works, and says "skipped:
# no CUDA device" (exit 69) where none does; the binaries start without any
# CUDA library; --device picks the backend and auto falls back to the CPU.
. "$(dirname "$0")/../lib.sh"

ls-infer --device cuda --self-test >"$T/st" 2>"$T/st.err"
rc=$?
if [ $rc = 69 ] && grep -q '^skipped: no CUDA device' "$T/st"; then
	report "$(cat "$T/st")"
	ok_if "without a device: exactly one 'skipped' line" test "$(wc -l <"$T/st")" = 1
	skip "the CUDA table against the CPU: no CUDA device"
	gpu=0
else
	sed 's/^/#: /' "$T/st"
	ok_if "every op of the CUDA table agrees with the CPU (exit $rc)" test $rc = 0
	ok_if "one line per op" test "$(grep -c '^ok ' "$T/st")" = 19
	gpu=1
fi

ls-infer --device cpu --self-test >"$T/cpu" 2>&1
ok_if "the self-test's report on the CPU table: 19 ops ok" test "$(grep -c '^ok ' "$T/cpu")" = 19
ok_if "with the tolerance on each line" sh -c "grep '^ok ' '$T/cpu' | grep -vc 'max abs .* max rel .* tol abs' | grep -qx 0"

# no CUDA library is needed to start: the driver and cuBLAS are dlopen'd
ok_if "ls-infer does not link CUDA libraries" sh -c "! readelf -d '$B/bin/ls-infer' | grep NEEDED | grep -Eq 'cuda|cublas'"

ls-infer --device tpu --self-test >/dev/null 2>"$T/e1"
ok_if "an unknown --device is a usage error (64)" test $? = 64
grep -q "unknown device 'tpu'" "$T/e1" && _tap 0 "which names it" || _tap 1 "which names it"

mk=$B/tests/test_mkmodel
tok=$TOP/tests/fixtures/tiny-tokenizer.json
"$mk" "$T/m" --tokenizer "$tok" --std 0.3 --dim 64 --layers 2 >/dev/null 2>&1
printf '{"id":"a","prompt":"def add(a, b):"}\n{"id":"b","text":"import os"}\n' >"$T/in.jsonl"
noms() { jq -c 'del(.latency_ms)'; }
ls-infer --model "$T/m" --device cpu -n 8 <"$T/in.jsonl" 2>/dev/null | noms >"$T/cpu.jsonl"
ok_if "--device cpu: two completions" test "$(jq -r ".completion | type" "$T/cpu.jsonl" | grep -c "^string$")" = 2
if [ $gpu = 0 ]; then
	ls-infer --model "$T/m" --device cuda -n 8 <"$T/in.jsonl" >"$T/o" 2>"$T/e2"
	ok_if "--device cuda without a GPU exits 69" test $? = 69
	ok_if "with a clear message" grep -q 'ls-infer: --device cuda: no CUDA device' "$T/e2"
	ls-infer --model "$T/m" --device auto -n 8 <"$T/in.jsonl" 2>"$T/e3" | noms >"$T/auto.jsonl"
	same "--device auto falls back to the CPU: the same completions" "$T/auto.jsonl" "$T/cpu.jsonl"
	ok_if "with a one-line notice" test "$(grep -c 'using the CPU' "$T/e3")" = 1
	ls-infer --model "$T/m" -n 8 <"$T/in.jsonl" 2>"$T/e4" >/dev/null
	ok_if "the default (auto) falls back quietly" sh -c "! grep -q 'using the CPU' '$T/e4'"
else
	# fp32 products: bf16's rounding could flip a near tie of random weights
	LS_CUDA_GEMM=fp32 ls-infer --model "$T/m" --device cuda -n 8 <"$T/in.jsonl" 2>/dev/null |
		noms >"$T/gpu.jsonl"
	same "greedy decoding on the GPU (fp32 GEMM) gives the CPU's tokens" "$T/gpu.jsonl" "$T/cpu.jsonl"
fi
done_testing
