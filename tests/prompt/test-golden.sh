#!/bin/sh
# ls-prompt over the golden set (tests/lift/golden.jsonl), every strategy,
# against the reviewed expected prompts, byte for byte; and no prompt holds a
# line of its function's body (checked independently, with Python's ast).
# `sh tests/prompt/test-golden.sh --update` rewrites the expectations.
. "$(dirname "$0")/../lib.sh"
here=$TOP/tests/prompt
in=$TOP/tests/lift/golden.jsonl
for s in combined docstring signature examples; do
	ls-prompt -q --strategy $s --seed 1 "$in" | jq -c '{id, qualname, prompt_source, prompt}' > "$T/$s.jsonl"
	[ "${1:-}" = --update ] && cp "$T/$s.jsonl" "$here/golden.$s.jsonl"
	same "golden prompts, strategy $s" "$T/$s.jsonl" "$here/golden.$s.jsonl"
	ls-prompt -q --strategy $s --seed 1 "$in" > "$T/$s.full"
	ok_if "no body line in any $s prompt" $PY "$here/leakcheck.py" "$T/$s.full"
done
ls-prompt -q --seed 2 "$in" | jq -c '{id, qualname, prompt_source, prompt}' > "$T/seed2.jsonl"
ok_if "another seed, other phrasings" sh -c "! cmp -s '$T/seed2.jsonl' '$T/combined.jsonl'"
ls-prompt -q --seed 1 "$in" | jq -c '{id, qualname, prompt_source, prompt}' > "$T/again.jsonl"
same "the same seed, the same bytes" "$T/again.jsonl" "$T/combined.jsonl"
ok_if "a missing docstring falls back to the signature" grep -q '"prompt_source":"docstring:signature (fallback: no docstring)"' "$T/docstring.jsonl"
done_testing
