#!/bin/sh
# ls-split: usage errors, bad input, errors from expressions, the man page.
. "$(dirname "$0")/../lib.sh"

echo '{"id":"a"}' >"$T/one"
ls-split --by '.a |' <"$T/one" >/dev/null 2>"$T/err"
ok_if "a bad --by expression is a usage error" test $? = 64
ok_if "the message names the flag and the expression" grep -q "^ls-split: bad --by expression: .*'.a |'" "$T/err"
ls-split --ratios 1,2 <"$T/one" >/dev/null 2>&1
ok_if "bad --ratios: usage error" test $? = 64

printf '%s\n' '{"id":"a","repo":{"name":"x"}}' 'not json' '{"id":"b","repo":{"name":"x"}}' >"$T/bad"
ls-split --quiet <"$T/bad" >"$T/out" 2>"$T/err"
ok_if "a malformed line: status 65" test $? = 65
ok_if "the records after it are still split" test "$(jq -r .id "$T/out" | tr '\n' ' ')" = "a b "
ok_if "the line is named" grep -q ':2:' "$T/err"

# An expression that raises on one record: that record is an error, the others go on.
printf '%s\n' '{"id":"a","g":"x"}' '{"id":"b","g":3}' '{"id":"c","g":"y"}' >"$T/mixed"
ls-split --quiet --by '.g | ascii_downcase' <"$T/mixed" >"$T/out" 2>/dev/null
ok_if "an expression error marks that record" test "$(jq -r '"\(.id):\(.error.code // "-")"' "$T/out" | tr '\n' ' ')" = "a:- b:by c:- "

ls-split --quiet --train /nonexistent/dir/x <"$T/one" >/dev/null 2>&1
ok_if "an output file that cannot be opened: status 74" test $? = 74

# The man page: SYNOPSIS matches --help, and its examples run.
man=$TOP/man/ls-split.1
syn=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh/p' "$man" | sed -n 's/^\.Op Ar \(.*\)/[\1]/p; s/^\.Op \(.*\)/[\1]/p' | tr '\n' ' ' | sed 's/ $//')
ok_if "SYNOPSIS matches the usage line" sh -c "ls-split --help | grep -qF 'ls-split $syn'"
jq -nc 'range(0; 300) | {id: "fn-\(.)", repo: {name: "r\(. % 9)"}, module: "m\(. % 5)", kind: (["function", "method"][. % 2]),
	prompt: "Do \(.).", code: "def f():\n    pass\n", ir: {intent: {summary: "does thing \(.)"}}}' >"$T/validated.jsonl"
cp "$T/validated.jsonl" "$T/train.jsonl"
jq -c '. + {buggy: "def f():\n    return 1\n", failure: {test: "f()", message: "expected None"}, fix: {code: .code}}' \
	"$T/validated.jsonl" >"$T/repair_train.jsonl"
sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE/p' "$man" | sed -n '/^\.Bd/,/^\.Ed/{/^\./d;p}' >"$T/examples"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	ok_if "man example $n runs: $cmd" sh -c "cd '$T' && $cmd 2>/dev/null"
done <"$T/examples"
ok_if "the man page has examples" test "$n" -ge 4
done_testing
