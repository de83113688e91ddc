#!/bin/sh
# ls-break: mutants of real validated functions, their validation by
# ls-exec --code-field buggy and ls-break --check, determinism, the man page.
. "$(dirname "$0")/../lib.sh"
chmod 755 "$T"	# the sandbox's uid must reach the checkouts under $T/cache
for t in ls-repos ls-extract ls-exec ls-break; do
	command -v $t >/dev/null 2>&1 || { skip "$t is not built yet"; done_testing; exit 0; }
done
X="ls-exec --quiet --no-duration --cache-dir $T/cache --timeout 2 --wall-timeout 6"

# Real code with doctests: toolz, as a git repository; the first functions it passes.
mkrepo "$T/repo/toolz" /usr/lib/python3/dist-packages/toolz >/dev/null || { skip "no python3-toolz"; done_testing; exit 0; }
echo "$T/repo/toolz" | ls-repos --quiet | ls-extract --quiet >"$T/fns.jsonl"
jq -c 'select((.doctests // []) | length > 0)' "$T/fns.jsonl" | LC_ALL=C sort | head -n 8 | $X --keep passed >"$T/validated.jsonl"
nv=$(wc -l <"$T/validated.jsonl")
ok_if "a few toolz functions pass ls-exec ($nv)" test "$nv" -ge 5

ls-break -n 4 <"$T/validated.jsonl" >"$T/m1" 2>"$T/err"
ok_if "ls-break runs" test $? = 0
ok_if "one summary line" test "$(wc -l <"$T/err")" = 1
nm=$(jq -c 'select(.break.control | not)' "$T/m1" | wc -l)
nc=$(jq -c 'select(.break.control)' "$T/m1" | wc -l)
ok_if "up to 4 mutants per function ($nm for $nv)" test "$nm" -gt "$nv" -a "$nm" -le $((4 * nv))
ok_if "one control per function with mutants, before them" test "$nc" -le "$nv" -a "$(head -n 1 "$T/m1" | jq .break.control)" = true
ok_if "mutant ids are the parent's id and a suffix" test "$(jq -r 'select(.break.control | not) | . as $r | $r.id | startswith($r.break.parent + "-b")' "$T/m1" | sort -u)" = true
ok_if "ids are unique" test "$(jq -r .id "$T/m1" | sort | uniq -d | wc -l)" = 0
ok_if "every mutant differs from its fix" test "$(jq -c 'select(.buggy == .fix.code and (.break.control | not))' "$T/m1" | wc -l)" = 0
ok_if "every mutant has a diff that starts with the headers" test "$(jq -r 'select(.break.control | not) | .diff | split("\n")[0] | startswith("--- a/")' "$T/m1" | sort -u)" = true
ok_if "the parent's verdict is not carried" test "$(jq -c 'select(.exec)' "$T/m1" | wc -l)" = 0
# The diff applies: patch the fix with it and get the buggy code.
jq -c 'select(.break.control | not)' "$T/m1" | head -n 3 >"$T/three"
okp=0
i=0
while IFS= read -r r; do
	i=$((i + 1))
	printf '%s' "$r" | jq -j .fix.code >"$T/f.py"
	printf '%s' "$r" | jq -j .buggy >"$T/want.py"
	first=$(printf '%s' "$r" | jq -r '.lineno // 1')
	# hunks carry the file's line numbers: pad the file to them
	{ i2=1; while [ $i2 -lt "$first" ]; do echo; i2=$((i2 + 1)); done; cat "$T/f.py"; } >"$T/file.py"
	{ i2=1; while [ $i2 -lt "$first" ]; do echo; i2=$((i2 + 1)); done; cat "$T/want.py"; } >"$T/wantfile.py"
	printf '%s' "$r" | jq -j .diff | patch -s -o "$T/got.py" "$T/file.py" >/dev/null 2>&1 && cmp -s "$T/got.py" "$T/wantfile.py" && okp=$((okp + 1))
done <"$T/three"
ok_if "patch applies the diff to the fix and gives the buggy code ($okp of $i)" test "$okp" = "$i"

ls-break -n 4 -j 2 <"$T/validated.jsonl" >"$T/m2" 2>/dev/null
same "-j 2 writes the same bytes" "$T/m2" "$T/m1"
ls-break -n 2 <"$T/validated.jsonl" >"$T/m3" 2>/dev/null
ok_if "a smaller -n is a prefix of each function's mutants" sh -c "jq -r .id '$T/m3' | while read -r id; do grep -q \"\\\"id\\\":\\\"\$id\\\"\" '$T/m1' || exit 1; done"
ls-break -n 4 --seed 9 <"$T/validated.jsonl" >"$T/m4" 2>/dev/null
ok_if "another seed, another choice" sh -c "! cmp -s '$T/m4' '$T/m1'"
ls-break -n 2 --combine 2 <"$T/validated.jsonl" >"$T/m5" 2>/dev/null
ok_if "--combine 2: two operators per mutant" test "$(jq -c 'select(.break.control | not) | .break.operators | length' "$T/m5" | sort -u)" = 2
ls-break --ops nope <"$T/validated.jsonl" >/dev/null 2>"$T/err"
ok_if "an unknown operator: usage error that names it" sh -c "test $? = 64 && grep -q \"unknown operator: 'nope'\" '$T/err'"
jq -c '.exec.status = "failed"' "$T/validated.jsonl" | head -n 2 | ls-break --rejects "$T/rej" >"$T/none" 2>/dev/null
ok_if "records ls-exec did not pass go to --rejects" test "$(wc -l <"$T/rej")" = 2 -a ! -s "$T/none"

# Validation: both verdicts from one ls-exec run.
$X --code-field buggy <"$T/m1" >"$T/x1"
ls-break --check --rejects "$T/rej1" <"$T/x1" >"$T/r1" 2>"$T/err"
ok_if "--check runs" test $? = 0
nr=$(wc -l <"$T/r1")
nrej=$(wc -l <"$T/rej1")
ok_if "caught + rejected = mutants ($nr + $nrej = $nm)" test $((nr + nrej)) = "$nm"
ok_if "the tests caught some mutants" test "$nr" -gt 0
ok_if "repair tasks failed cleanly" test "$(jq -r '.exec.category' "$T/r1" | grep -cvE '^(assertion|wrong_output|exception|recursion)$')" = 0
ok_if "each carries the failing test's output" test "$(jq -c 'select((.failure.message // "") == "")' "$T/r1" | wc -l)" = 0
ok_if "and the control's pass" test "$(jq -r .fix.exec.status "$T/r1" | sort -u)" = passed
ok_if "survivors are rejected with the reason" sh -c "jq -r '.rejected.message // empty' '$T/rej1' | grep -q 'survived\|not a clean failure' || test $nrej = 0"
report "toolz: $nv functions, $nm mutants, $nr caught ($(awk "BEGIN { printf \"%.0f\", 100 * $nr / $nm }")%)"
# A mutant whose control is missing is not taken.
jq -c 'select(.break.control | not)' "$T/x1" | ls-break --check >"$T/r2" 2>/dev/null
ok_if "no control, no repair task" test ! -s "$T/r2"
# Rerun: the same bytes.
$X --code-field buggy <"$T/m1" | ls-break --check >"$T/r3" 2>/dev/null
same "a second run gives the same repair tasks" "$T/r3" "$T/r1"

# The man page's examples run.
man=$TOP/man/ls-break.1
sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE/p' "$man" | sed -n '/^\.Bd/,/^\.Ed/{/^\./d;p}' >"$T/examples"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	ok_if "man example $n runs: $cmd" sh -c "cd '$T' && PATH='$PATH' && $(echo "$cmd" | sed "s|ls-exec |ls-exec --cache-dir $T/cache |") 2>/dev/null"
done <"$T/examples"
ok_if "the man page has examples" test "$n" -ge 4
# ls-exec --lines: the lines of the function its tests ran. ls-break then
# mutates only those and the signature above them: a bug on a line no test
# reaches cannot be caught. The doctest here takes only the first branch.
jq -nc '{id: "cover", name: "f", code: "def f(x, k=3):\n    \"\"\"\n    >>> f(1)\n    2\n    \"\"\"\n    if x > 0:\n        return x + 1\n    y = x * 2\n    return y - k\n", docstring: ">>> f(1)\n2\n"}' >"$T/cover.jsonl"
$X --lines <"$T/cover.jsonl" >"$T/cover.out"
ok_if "ls-exec --lines: the lines its test ran ($(jq -c .exec.lines "$T/cover.out"))" test "$(jq -c .exec.lines "$T/cover.out")" = "[6,7]"
# In the module's own namespace (toolz): lines count from the record's def.
$X --lines <"$T/validated.jsonl" >"$T/vl.out"
ok_if "--lines on toolz: within each function's code, and some" test "$(jq -r '(.code | split("\n") | length) as $n | .exec.lines as $l | ($l | length > 0) and all($l[]; . >= 2 and . <= $n)' "$T/vl.out" | sort -u | paste -sd,)" = true
ok_if "without --lines, no exec.lines" test "$($X <"$T/cover.jsonl" | jq -c .exec.lines)" = null
# first line where a mutant differs from its parent
firstdiff='(.fix.code | split("\n")) as $a | (.buggy | split("\n")) as $b | [range(0; [($a | length), ($b | length)] | max) as $i | select($a[$i] != $b[$i]) | $i + 1][0]'
ls-break --no-control -n 50 <"$T/cover.out" | jq -r "$firstdiff" | sort -un | paste -sd, >"$T/cov.lines"
jq -c 'del(.exec.lines)' "$T/cover.out" | ls-break --no-control -n 50 | jq -r "$firstdiff" | sort -un | paste -sd, >"$T/all.lines"
ok_if "ls-break with exec.lines: mutants on the signature and lines 6-7 only ($(cat "$T/cov.lines"))" \
	sh -c "test -s '$T/cov.lines' && ! grep -qE '(^|,)(8|9)(,|\$)' '$T/cov.lines'"
ok_if "without it, on lines 8-9 too ($(cat "$T/all.lines"))" grep -qE '(^|,)(8|9)(,|$)' "$T/all.lines"
jq -c '.exec.lines = []' "$T/cover.out" | ls-break --no-control -n 50 >"$T/none.out" 2>/dev/null
ok_if "a function its tests never ran: nothing to break" test ! -s "$T/none.out"
done_testing
