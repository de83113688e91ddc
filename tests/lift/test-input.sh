#!/bin/sh
# Bad input for ls-lift and ls-prompt: every problem is a clear per-record
# error under the record contract, and the run goes on. Also --min-score,
# --cache, usage errors, and the man pages' SYNOPSIS against --help.
. "$(dirname "$0")/../lib.sh"
big=$($PY -c "print('x' * (1 << 20))")
{
	printf '%s\n' '{"id": "ok", "code": "def add(a: int, b: int) -> int:\n    \"\"\"Add a and b.\"\"\"\n    return a + b\n"}'
	printf '%s\n' '{"id": "nocode", "qualname": "f"}'
	printf '%s\n' '{"id": "badcode", "code": 42}'
	printf '%s\n' '{"id": "syntax", "code": "def f(x:\n    return x\n"}'
	printf '%s\n' '{"id": "notdef", "code": "x = 1\n"}'
	printf '%s\n' '{"id": "broken", "code": '
	printf '%s\n' '{"id": "emptydoc", "code": "def f(x):\n    \"\"\"\"\"\"\n    return x\n"}'
	printf '%s\n' '{"id": "blankdoc", "code": "def f(x):\n    \"\"\"   \n\t  \"\"\"\n    return x\n", "docstring": ""}'
	printf '%s\n' '{"id": "utf8", "code": "def größe(wert: str) -> int:\n    \"\"\"Länge — 長さ.\"\"\"\n    return len(wert)\n"}'
	printf '{"id": "bigdoc", "code": "def big(x):\\n    \\"\\"\\"Big.\\n\\n    %s\\n    \\"\\"\\"\\n    return x\\n"}\n' "$big"
} > "$T/in.jsonl"
for tool in ls-lift ls-prompt; do
	$tool "$T/in.jsonl" > "$T/$tool.out" 2> "$T/$tool.err"; rc=$?
	ok_if "$tool: malformed line: exit 65" test $rc = 65
	ok_if "$tool: malformed line reported with FILE:LINE" grep -q "in.jsonl:6: " "$T/$tool.err"
	ok_if "$tool: every other record out" test "$(wc -l < "$T/$tool.out")" = 9
	ok_if "$tool: summary counts the errors" grep -q "9 in, 9 out, 0 rejected, 4 errors, 1 malformed line" "$T/$tool.err"
	for e in nocode:missing_field badcode:bad_field syntax:syntax notdef:no_function; do
		ok_if "$tool: ${e%:*} has error ${e#*:}" sh -c "grep '\"id\":\"${e%:*}\"' '$T/$tool.out' | grep -q '\"error\":{\"tool\":\"$tool\",\"code\":\"${e#*:}\"'"
	done
	ok_if "$tool: the syntax error says where" grep -q '"message":"code does not parse: line 1, column' "$T/$tool.out"
	for id in ok emptydoc blankdoc utf8 bigdoc; do
		ok_if "$tool: $id processed" sh -c "grep '\"id\":\"$id\"' '$T/$tool.out' | grep -vq '\"error\"'"
	done
done
ok_if "empty docstring: derived summary" sh -c "grep '\"id\":\"emptydoc\"' '$T/ls-lift.out' | grep -q '\"derived\":true'"
ok_if "non-ASCII name and docstring kept" sh -c "grep '\"id\":\"utf8\"' '$T/ls-lift.out' | grep -q '\"summary\":\"Länge — 長さ.\"'"
ok_if "1 MB docstring: summary" sh -c "grep '\"id\":\"bigdoc\"' '$T/ls-lift.out' | grep -q '\"summary\":\"Big. (function'"
ok_if "ls-prompt: missing docstring falls back" sh -c "grep '\"id\":\"emptydoc\"' '$T/ls-prompt.out' | grep -q '\"prompt_source\":\"combined:signature (fallback: no docstring)\"'"

# --on-error=skip: failed records go to --rejects, with their error
ls-lift -q --on-error=skip --rejects "$T/rej" "$T/in.jsonl" > "$T/skip" 2>/dev/null
ok_if "on-error=skip: 5 out, 4 rejected" sh -c "test \$(wc -l < '$T/skip') = 5 && test \$(wc -l < '$T/rej') = 4"

# --min-score drops low-quality IR to --rejects
grep -v broken "$T/in.jsonl" > "$T/good.jsonl"
ls-lift --min-score 0.5 --rejects "$T/low" "$TOP/tests/lift/golden.jsonl" > "$T/high" 2> "$T/err"
ok_if "--min-score: every kept record scores >= 0.5" sh -c "jq -e '.ir.quality.score >= 0.5' '$T/high' | grep -vq false"
ok_if "--min-score: the others are in --rejects" sh -c "test \$((\$(wc -l < '$T/high') + \$(wc -l < '$T/low'))) = \$(wc -l < '$TOP/tests/lift/golden.jsonl')"
ok_if "--min-score: and say why" grep -q 'quality score 0.[0-4][0-9]* below --min-score 0.5' "$T/low"

# --cache: a second run reuses every result and writes the same bytes
ls-lift --cache "$T/cache" "$TOP/tests/lift/golden.jsonl" > "$T/c1" 2> "$T/e1"
ls-lift --cache "$T/cache" "$TOP/tests/lift/golden.jsonl" > "$T/c2" 2> "$T/e2"
n=$(wc -l < "$TOP/tests/lift/golden.jsonl")
ok_if "--cache: the second run hits every record" grep -q "cache $n hits 0 misses" "$T/e2"
same "--cache: same output" "$T/c2" "$T/c1"
ls-prompt -q --cache "$T/cache" --seed 3 "$TOP/tests/lift/golden.jsonl" > "$T/p1"
ls-prompt --cache "$T/cache" --seed 4 "$TOP/tests/lift/golden.jsonl" > "$T/p2" 2> "$T/e3"
ok_if "--cache: another seed is another key" grep -q "cache 0 hits $n misses" "$T/e3"

# usage errors
ls-lift --profile nope < /dev/null > /dev/null 2>&1; rc=$?
ok_if "unknown --profile: exit 64" test $rc = 64
ls-lift --min-score 2 < /dev/null > /dev/null 2>&1; rc=$?
ok_if "--min-score out of range: exit 64" test $rc = 64
ls-prompt --strategy nope < /dev/null > /dev/null 2>&1; rc=$?
ok_if "unknown --strategy: exit 64" test $rc = 64

# man pages: SYNOPSIS matches --help's usage line; the EXAMPLES run
for tool in ls-lift ls-prompt; do
	want=$($tool --help | sed -n 's/^usage: //p')
	got=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$TOP/man/$tool.1" | grep -v '^\.Sh' |
		sed -e 's/^\.Nm *//' -e 's/^\.Op Ar options$/[options]/' -e 's/^\.Op Ar FILE \.\.\.$/[FILE ...]/' | tr '\n' ' ' | sed 's/ *$//')
	ok_if "$tool.1: SYNOPSIS matches --help" test "$got" = "$want"
done
cp "$TOP/tests/lift/golden.jsonl" "$T/functions.jsonl"
cd "$T" || exit 1
grep '^\.Dl ' "$TOP/man/ls-lift.1" "$TOP/man/ls-prompt.1" | sed 's/^[^:]*:\.Dl //; s/\\e/\\/g' > "$T/examples"
while IFS= read -r cmd; do
	ok_if "man example runs: $cmd" sh -c "$cmd > /dev/null"
done < "$T/examples"
done_testing
