#!/bin/sh
# ls-lift over the golden set — 51 real functions from the standard library and
# Debian's python3-* packages: every docstring style, with and without
# docstrings, file/network/process I/O, mutation, raising guards, generators,
# async — against the reviewed expected IR, byte for byte.
# `sh tests/lift/test-golden.sh --update` rewrites the expectations (review the diff).
. "$(dirname "$0")/../lib.sh"
here=$TOP/tests/lift
n=$(wc -l < "$here/golden.jsonl")
ok_if "golden set has at least 40 functions" test "$n" -ge 40
for s in google numpy rest epydoc plain; do
	ok_if "golden set has $s docstrings" grep -q "\"docstring_style\":\"$s\"" "$here/golden.ir.jsonl"
done
ok_if "golden set has functions without a docstring" grep -q '"derived":true' "$here/golden.ir.jsonl"
for k in file network process mutation global random clock raise logging; do
	ok_if "golden set has $k effects" grep -q "\"kind\":\"$k\"" "$here/golden.ir.jsonl"
done
ok_if "golden set has a generator and an async function" sh -c "grep -q '\"generator\":true' '$here/golden.ir.jsonl' && grep -q '\"async\":true' '$here/golden.ir.jsonl'"
ok_if "golden set has guard preconditions" grep -q '"kind":"precondition"' "$here/golden.ir.jsonl"

ls-lift -q "$here/golden.jsonl" | jq -c '{id, qualname, ir}' > "$T/full.jsonl"
ls-lift -q --profile lift-sys "$here/golden.jsonl" | jq -c '{id, qualname, ir}' > "$T/core.jsonl"
if [ "${1:-}" = --update ]; then
	cp "$T/full.jsonl" "$here/golden.ir.jsonl"
	cp "$T/core.jsonl" "$here/golden.core.jsonl"
fi
same "golden IR, full profile" "$T/full.jsonl" "$here/golden.ir.jsonl"
same "golden IR, lift-sys profile" "$T/core.jsonl" "$here/golden.core.jsonl"
ok_if "golden IR validates against docs/schema/ir.schema.json" \
	$PY "$here/validate.py" "$TOP/docs/schema/ir.schema.json" full "$T/full.jsonl"
ok_if "lift-sys profile validates against the published core" \
	$PY "$here/validate.py" "$TOP/docs/schema/ir.schema.json" core "$T/core.jsonl"
ls-lift -q -j 2 "$here/golden.jsonl" | jq -c '{id, qualname, ir}' > "$T/j2.jsonl"
same "-j 2 gives the same bytes" "$T/j2.jsonl" "$T/full.jsonl"
done_testing
