#!/bin/sh
# Every function of the standard library: ls-lift's IR validates against
# docs/schema/ir.schema.json (full profile) and lift-sys's published core
# (--profile lift-sys), with python3-jsonschema; no record fails; and no
# ls-prompt prompt contains a line of its function's body.
. "$(dirname "$0")/../lib.sh"
here=$TOP/tests/lift
schema=$TOP/docs/schema/ir.schema.json
[ -d /usr/lib/python3.11 ] || { skip_dep "no /usr/lib/python3.11"; done_testing; exit; }
$PY "$here/mkrecords.py" /usr/lib/python3.11 > "$T/in.jsonl"
n=$(wc -l < "$T/in.jsonl")
ok_if "standard library records: $n (over 10000)" test "$n" -gt 10000
ls-lift -j 2 "$T/in.jsonl" > "$T/full.jsonl" 2> "$T/err"
ok_if "ls-lift: every record lifted, none failed" grep -q "$n in, $n out, 0 rejected, 0 errors" "$T/err"
ok_if "every IR validates (full profile)" $PY "$here/validate.py" "$schema" full "$T/full.jsonl"
ls-lift -q -j 2 --profile lift-sys "$T/in.jsonl" > "$T/core.jsonl"
ok_if "every IR validates (lift-sys core, strictly)" $PY "$here/validate.py" "$schema" core "$T/core.jsonl"
ls-prompt -j 2 "$T/in.jsonl" > "$T/prompts.jsonl" 2> "$T/err"
ok_if "ls-prompt: every record prompted" grep -q "$n in, $n out, 0 rejected, 0 errors" "$T/err"
ok_if "no prompt holds a line of its body" $PY "$TOP/tests/prompt/leakcheck.py" "$T/prompts.jsonl"

# The same over ls-extract's records, once ls-extract is built (it lands separately).
if command -v ls-extract > /dev/null 2>&1; then
	L=/usr/lib/python3.11
	mkrepo "$T/repo" $L/*.py $L/json $L/email $L/collections $L/asyncio $L/concurrent $L/importlib \
		$L/logging $L/urllib $L/http $L/xml > /dev/null 2>&1
	echo "$T/repo" | ls-extract -q --no-dedup --include-nested --include-test-code > "$T/ex.jsonl"
	m=$(wc -l < "$T/ex.jsonl")
	ok_if "ls-extract records: $m (over 5000)" test "$m" -gt 5000
	ls-lift -j 2 "$T/ex.jsonl" > "$T/exfull.jsonl" 2> "$T/err"
	ok_if "ls-extract records: every one lifted" grep -q "$m in, $m out, 0 rejected, 0 errors" "$T/err"
	ok_if "ls-extract records: every IR validates" $PY "$here/validate.py" "$schema" full "$T/exfull.jsonl"
	ls-prompt -q -j 2 "$T/ex.jsonl" > "$T/exprompts.jsonl"
	ok_if "ls-extract records: no prompt holds a line of its body" $PY "$TOP/tests/prompt/leakcheck.py" "$T/exprompts.jsonl"
else
	skip_dep "ls-extract not built: its records are not checked here"
fi
done_testing
