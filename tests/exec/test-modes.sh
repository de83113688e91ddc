#!/bin/sh
# ls-exec's three test modes on real code: standard-library doctests in their
# module's globals, assert tests (statements, bare calls, a test module), and
# python3-toolz's own test suite in repository mode from a throwaway git
# repository, with --code-field replacing a function in each mode.
. "$(dirname "$0")/../lib.sh"
chmod 755 "$T"	# the sandbox's uid must reach the checkouts under $T/cache
X="ls-exec --quiet --no-duration --cache-dir $T/cache"
STD=/usr/lib/python3.11

# -- doctest mode: statistics and fractions, as doctest.testmod runs them
$PY "$TOP/tests/exec/mkrecords.py" --doctests-only $STD $STD/statistics.py $STD/fractions.py >"$T/std.jsonl"
n=$(wc -l <"$T/std.jsonl")
ok_if "found stdlib doctest records ($n)" test "$n" -ge 10
$X <"$T/std.jsonl" >"$T/std.out"
ok_if "every statistics/fractions doctest passes" \
	test "$(jq -r .exec.status "$T/std.out" | sort -u)" = passed
ok_if "doctests run in the module's namespace" \
	test "$(jq -r '.exec.mode + " " + .exec.namespace' "$T/std.out" | sort -u)" = "doctest module"
ok_if "tests_run counts doctest examples" \
	test "$(jq '.exec.tests_run' "$T/std.out" | paste -sd+ | bc)" = "$(jq '.doctests | length' "$T/std.jsonl" | paste -sd+ | bc)"
# A model's completion replaces the function in the module, then the same tests run.
jq -c 'select(.qualname == "mean") | .completion = "def mean(data):\n    return sum(data) / len(data) + 1\n"' \
	"$T/std.jsonl" >"$T/bad.jsonl"
$X --code-field completion <"$T/bad.jsonl" >"$T/bad.out"
ok_if "a wrong completion fails its doctests" \
	test "$(jq -r '.exec.status + " " + .exec.category' "$T/bad.out")" = "failed wrong_output"
jq -c '.completion = .code' "$T/bad.jsonl" | $X --code-field completion >"$T/good.out"
ok_if "the original code as completion passes" test "$(jq -r .exec.status "$T/good.out")" = passed
# A textwrap doctest that is wrong in the standard library itself fails here too.
$PY "$TOP/tests/exec/mkrecords.py" --doctests-only $STD $STD/textwrap.py | jq -c 'select(.name == "shorten")' | $X >"$T/tw.out"
ok_if "a broken stdlib doctest fails as doctest would (textwrap.shorten)" \
	test "$(jq -r '.exec.status + " " + .exec.failures[0].message' "$T/tw.out" | head -c 40)" = "failed NameError: name 'textwrap' is not"

# -- assert mode: statements in order, bare calls, a whole test module
cat >"$T/a.jsonl" <<'J'
{"id":"a1","name":"clamp","code":"def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n","tests":["assert clamp(5, 0, 3) == 3","y = clamp(-1, 0, 3)","assert y == 0","clamp(1, 2, 3)"]}
{"id":"a2","name":"clamp","code":"def clamp(x, lo, hi):\n    return x\n","tests":["assert clamp(5, 0, 3) == 3","assert clamp(1, 0, 3) == 1"]}
{"id":"a3","name":"fib","code":"def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n","test_source":"import unittest\ndef test_small():\n    assert [fib(i) for i in range(6)] == [0, 1, 1, 2, 3, 5]\ndef test_wrong():\n    assert fib(10) == 56\nclass T(unittest.TestCase):\n    def test_ten(self):\n        self.assertEqual(fib(10), 55)\n"}
{"id":"a4","name":"slug","module":"textwrap","imports":["import re"],"code":"def slug(s):\n    return re.sub(r'\\W+', '-', s).strip('-').lower()\n","tests":["assert slug('Hello, World!') == 'hello-world'"]}
J
$X <"$T/a.jsonl" >"$T/a.out"
v() { jq -r --arg id "$1" 'select(.id == $id) | .exec | "\(.status) \(.tests_run) \(.tests_passed) \(.category)"' "$T/a.out"; }
ok_if "statements share a namespace; bare calls are tests" test "$(v a1)" = "passed 4 4 passed"
ok_if "a failing assert is counted" test "$(v a2)" = "failed 2 1 assertion"
ok_if "a test module: functions and TestCase methods" test "$(v a3)" = "failed 3 2 assertion"
ok_if "a new function in a module's namespace (plus its imports)" test "$(v a4)" = "passed 1 1 passed"

# -- repository mode: toolz's own test suite at a commit
mkrepo "$T/toolz" /usr/lib/python3/dist-packages/toolz
rm -rf "$T/toolz/toolz/__pycache__" "$T/toolz/toolz/tests/__pycache__"
C=$(git -C "$T/toolz" rev-parse HEAD)
(cd "$T/toolz" && $PY -m pytest --collect-only -q -p no:cacheprovider toolz/tests 2>/dev/null) |
	grep '::' >"$T/ids"
jq -Rnc --arg repo "$T/toolz" --arg c "$C" '
	[inputs] | group_by(split("::")[0])[] |
	{id: ("suite-" + (.[0] | split("::")[0])), name: "groupby", qualname: "groupby",
	 module: "toolz.itertoolz", path: "toolz/itertoolz.py",
	 code: "", repo: {name: "toolz", path: $repo, commit: $c}, tests: .}' <"$T/ids" >"$T/suite.jsonl"
ok_if "collected toolz's tests ($(wc -l <"$T/ids"))" test "$(wc -l <"$T/ids")" -ge 150
$X -j 2 <"$T/suite.jsonl" >"$T/suite.out"
ok_if "toolz's whole suite passes in repository mode" \
	test "$(jq -r .exec.status "$T/suite.out" | sort -u)" = passed
ok_if "every collected test ran" \
	test "$(jq .exec.tests_run "$T/suite.out" | paste -sd+ | bc)" = "$(wc -l <"$T/ids")"
ok_if "one checkout per commit" test "$(ls "$T/cache/checkouts" | wc -l)" = 1
ok_if "the checkout is the commit's tree" test -f "$T/cache/checkouts/$C/toolz/itertoolz.py"
# Replace groupby at the commit with a broken completion: its tests fail.
grp=$(jq -r 'select(.id | endswith("test_itertoolz.py")) | .tests[]' "$T/suite.jsonl" | grep groupby | jq -Rn '[inputs]')
$PY "$TOP/tests/exec/mkrecords.py" --repo "$T/toolz" "$C" "$T/toolz" "$T/toolz/toolz/itertoolz.py" |
	jq -c --argjson t "$grp" 'select(.qualname == "groupby") | .tests = $t' >"$T/g.jsonl"
jq -c '.completion = "def groupby(key, seq):\n    return {}\n"' "$T/g.jsonl" | $X --mode repo --code-field completion >"$T/g.out"
ok_if "a broken completion fails the repository's tests" \
	test "$(jq -r '.exec.status + " " + .exec.mode + " " + .exec.category' "$T/g.out")" = "failed repo assertion"
$X --mode repo <"$T/g.jsonl" >"$T/g2.out"
ok_if "the function's own code passes them" test "$(jq -r .exec.status "$T/g2.out")" = passed
# unittest as the runner: the standard library's own test_bisect in a throwaway repository.
if [ -f $STD/test/test_bisect.py ]; then
	mkdir -p "$T/sb/tests" && cp $STD/test/test_bisect.py "$T/sb/tests/" && mkrepo "$T/sbr" "$T/sb/tests"
	jq -nc --arg p "$T/sbr" --arg c "$(git -C "$T/sbr" rev-parse HEAD)" \
		'{id: "u", name: "bisect_left", module: "bisect", code: "", repo: {path: $p, commit: $c},
		  tests: ["tests/test_bisect.py::TestBisectPython::test_precomputed",
			  "tests/test_bisect.py::TestInsortPython", "tests/test_bisect.py::TestBisectPython::test_nope"]}' >"$T/u.jsonl"
	$X --runner unittest <"$T/u.jsonl" >"$T/u.out"
	ok_if "unittest runs test ids and whole TestCase classes" \
		test "$(jq -r '.exec | "\(.status) \(.tests_run) \(.tests_passed) \(.failures[0].test)"' "$T/u.out")" = \
		"failed 5 4 tests/test_bisect.py::TestBisectPython::test_nope"
else
	skip_dep "libpython3.11-testsuite is not installed"
fi
done_testing
