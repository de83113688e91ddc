#!/bin/sh
# tests/fuzz/run.sh [SECONDS] — fuzz the safetensors reader with libFuzzer
# (clang + libclang-rt-14-dev), growing tests/fuzz/corpus/safetensors, then
# minimise the corpus. make check replays it without a fuzzer.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
out=build/fuzz
# libjq 1.6 leaks inside its parser on some syntax errors: not ours
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
mkdir -p "$out/new"
clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
	tests/fuzz/fuzz_safetensors.c lib/model/safetensors.c -ljq -o "$out/fuzz_safetensors"
corpus=tests/fuzz/corpus/safetensors
"$out/fuzz_safetensors" -artifact_prefix="$out/" -max_total_time="$secs" -max_len=4096 "$out/new" "$corpus" \
	-dict=tests/fuzz/safetensors.dict
# keep only inputs that add coverage
mkdir -p "$out/min"
rm -f "$out/min"/*
"$out/fuzz_safetensors" -merge=1 "$out/min" "$corpus" "$out/new" >/dev/null 2>&1
rm -f "$corpus"/*
cp "$out/min"/* "$corpus"/
echo "corpus: $(ls "$corpus" | wc -l) files"
