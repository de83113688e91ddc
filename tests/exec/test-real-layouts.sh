#!/bin/sh
# Repositories shaped like real public projects, through ls-repos | ls-extract
# | ls-exec: each verdict must be about the checkout's own code (issue 14).
#   srclay   src/ layout + pyproject, a package also installed from Debian
#            (toolz) at another version: the checkout's copy must be tested
#   flat     a flat package, a conftest.py doctest_namespace (networkx's nx)
#   script   a top-level module with a top-level tests.py (python-slugify)
#   libdir   package_dir = lib in setup.cfg
#   needy    a missing dependency, a missing pytest plugin fixture (benchmark)
#   checks   all-SKIP, setup-only and empty doctests; one with a linked test
#   nsport   toolz/ without __init__.py: Python imports Debian's toolz
. "$(dirname "$0")/../lib.sh"
[ "${SANITIZE:-}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1:handle_segv=0"
chmod 755 "$T"
R=$T/src
w() { mkdir -p "$(dirname "$R/$1")" && cat >"$R/$1"; }

w srclay/pyproject.toml <<'E'
[project]
name = "toolz"
version = "99.0"
[tool.setuptools.packages.find]
where = ["src"]
E
w srclay/src/toolz/__init__.py <<'E'
from toolz.itertoolz import frequencies
__version__ = "99.0"
E
w srclay/src/toolz/itertoolz.py <<'E'
def frequencies(seq):
    """How often each item occurs (this checkout's own variant: sorted pairs).

    >>> frequencies("abca")
    [('a', 2), ('b', 1), ('c', 1)]
    """
    d = {}
    for x in seq:
        d[x] = d.get(x, 0) + 1
    return sorted(d.items())
E
w srclay/tests/test_itertoolz.py <<'E'
import toolz
from toolz.itertoolz import frequencies
def test_frequencies():
    assert toolz.__version__ == "99.0"
    assert frequencies("bb") == [("b", 2)]
E

w flat/graphs/__init__.py <<'E'
from graphs.core import degree
E
w flat/graphs/core.py <<'E'
def degree(edges, node):
    """Edges that touch node.

    >>> degree(G, 1)
    2
    """
    return sum(node in e for e in edges)


def home():
    """A writable, empty HOME here too (a host serves this package).

    >>> import os; sorted(os.listdir(os.path.expanduser("~")))
    []
    >>> open(os.path.expanduser("~/.rc"), "w").write("x")
    1
    """
E
w flat/conftest.py <<'E'
import pytest
@pytest.fixture(autouse=True)
def add_graph(doctest_namespace):
    doctest_namespace["G"] = [(1, 2), (1, 3), (2, 3)]
E

w script/slugify.py <<'E'
import re
def slugify(text):
    """A URL slug.

    >>> slugify("Hello, World!")
    'hello-world'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
E
w script/tests.py <<'E'
import unittest
from slugify import slugify
class T(unittest.TestCase):
    def test_slugify(self):
        self.assertEqual(slugify("A b"), "a-b")
E

w libdir/setup.cfg <<'E'
[metadata]
name = clamps
[options]
package_dir =
    = lib
packages = find:
E
w libdir/lib/clamps/__init__.py <<'E'
def clamp(x, lo, hi):
    """Clamp x to [lo, hi].

    >>> clamp(5, 0, 3)
    3
    """
    return max(lo, min(x, hi))
E

w needy/needy/__init__.py <<'E'
E
w needy/needy/fast.py <<'E'
import no_such_dependency_xyz
def fast(x):
    """
    >>> fast(1)
    1
    """
    return x
E
w needy/needy/slow.py <<'E'
def slow(x):
    """The examples after a missing import fail for want of it too.

    >>> import no_such_frames_xyz as pd
    >>> slow(pd.DataFrame())
    1
    """
    return x
E
w needy/tests/test_slow.py <<'E'
from needy.slow import slow
def test_slow(benchmark):
    assert benchmark(slow, 1) == 1
E

w checks/checks/__init__.py <<'E'
def skipped(x):
    """
    >>> skipped(1)  # doctest: +SKIP
    1
    """
    return x
def setup_only(x):
    """
    >>> y = setup_only(1)
    """
    return x
def linked(x):
    """
    >>> import math  # doctest: +SKIP
    """
    return x + 1
def checked(x):
    """
    >>> y = checked(1)
    >>> assert y == 1
    """
    return x
E
w checks/tests/test_checks.py <<'E'
from checks import linked
def test_linked():
    assert linked(1) == 2
E

w nsport/toolz/functoolz.py <<'E'
def identity(x):
    """
    >>> identity(3)
    3
    """
    return x
E

for r in srclay flat script libdir needy checks nsport; do
	git -C "$R/$r" init -q -b main && git -C "$R/$r" add -A &&
		git -C "$R/$r" -c user.name=t -c user.email=t@example.com commit -q -m init
	git clone -q --bare "$R/$r" "$T/$r.git"
	echo "$T/$r.git"
done >"$T/repos.txt"
ls-repos --quiet <"$T/repos.txt" | ls-extract --quiet >"$T/fn.jsonl"
ok_if "ls-extract found the functions" test "$(wc -l <"$T/fn.jsonl")" -ge 10
ls-exec --quiet --no-duration --cache-dir "$T/cache" <"$T/fn.jsonl" >"$T/out.jsonl"
ok_if "ls-exec ran" test $? = 0
v() { # qualname -> "status category"
	jq -r --arg q "$1" 'select(.qualname == $q) | .exec.status + " " + .exec.category' "$T/out.jsonl" | head -1
}
is() { # what qualname "status category"
	got=$(v "$2")
	ok_if "$1: $3 (got: $got)" test "$got" = "$3"
}
is "src/ layout: the checkout's toolz, not Debian's" frequencies "passed passed"
jq -c 'select(.qualname == "frequencies") | del(.docstring, .doctests)' "$T/fn.jsonl" |
	ls-exec --quiet --no-duration --cache-dir "$T/cache" >"$T/rt.jsonl"
ok_if "src/ layout: the repository test passes against the checkout (version 99.0)" \
	test "$(jq -r '.exec.status + " " + .exec.mode' "$T/rt.jsonl")" = "passed repo"
is "conftest.py's doctest_namespace is honoured" degree "passed passed"
is "a writable, empty HOME" home "passed passed"
is "a top-level module" slugify "passed passed"
jq -c 'select(.qualname == "slugify") | del(.docstring, .doctests) | .tests = ["tests.py::T::test_slugify"]' "$T/fn.jsonl" |
	ls-exec --quiet --no-duration --cache-dir "$T/cache" --runner unittest >"$T/tp.jsonl"
ok_if "a top-level tests.py runs against the top-level module" \
	test "$(jq -r '.exec.status + " " + .exec.mode' "$T/tp.jsonl")" = "passed repo"
is "package_dir = lib (setup.cfg)" clamp "passed passed"
is "a missing dependency is an environment error" fast "error missing_dependency"
ok_if "it names the missing module" \
	jq_true 'select(.qualname == "fast") | .exec.missing == ["no_such_dependency_xyz"]' "$T/out.jsonl"
is "a missing import in a doctest, and the examples after it: missing_dependency" slow "error missing_dependency"
ok_if "... naming it" jq_true 'select(.qualname == "slow") | .exec.missing == ["no_such_frames_xyz"]' "$T/out.jsonl"
jq -c 'select(.qualname == "slow") | del(.docstring, .doctests)' "$T/fn.jsonl" | ls-exec --quiet --no-duration --cache-dir "$T/cache" >"$T/bm.jsonl"
ok_if "a missing pytest plugin fixture is missing_dependency ($(jq -c .exec.missing "$T/bm.jsonl"))" \
	test "$(jq -r '.exec.status + " " + .exec.category' "$T/bm.jsonl")" = "error missing_dependency"
is "an all-SKIP doctest checks nothing" skipped "error no_checks"
is "a setup-only doctest checks nothing" setup_only "error no_checks"
is "setup then assert is a check" checked "passed passed"
is "auto: doctests that check nothing run the linked repository test" linked "passed passed"
ok_if "... in repo mode" jq_true 'select(.qualname == "linked") | .exec.mode == "repo"' "$T/out.jsonl"
is "a module that resolves outside the checkout is wrong_module" identity "error wrong_module"
ok_if "wrong_module names the file imported" \
	jq_true 'select(.qualname == "identity") | .exec.failures[0].message | test("dist-packages/toolz")' "$T/out.jsonl"

# --site: a directory with the missing dependency makes the record pass.
mkdir -p "$T/site"
echo 'VALUE = 1' >"$T/site/no_such_dependency_xyz.py"
chmod -R a+rX "$T/site"
jq -c 'select(.qualname == "fast")' "$T/fn.jsonl" >"$T/fast.jsonl"
ls-exec --quiet --no-duration --cache-dir "$T/cache" --site "$T/site" <"$T/fast.jsonl" >"$T/s.jsonl"
ok_if "--site DIR gives the tests their dependency" test "$(jq -r .exec.status "$T/s.jsonl")" = passed
name=$(jq -r .repo.name "$T/fast.jsonl")
ls-exec --quiet --no-duration --cache-dir "$T/cache" --site "$name=$T/site" <"$T/fast.jsonl" >"$T/s.jsonl"
ok_if "--site NAME=DIR for repository $name" test "$(jq -r .exec.status "$T/s.jsonl")" = passed
ls-exec --quiet --no-duration --cache-dir "$T/cache" --site "other/name=$T/site" <"$T/fast.jsonl" >"$T/s.jsonl"
ok_if "--site NAME=DIR leaves other repositories alone" test "$(jq -r .exec.category "$T/s.jsonl")" = missing_dependency
mkdir -p "$T/venv/lib/python3.11/site-packages" && cp "$T/site/no_such_dependency_xyz.py" "$T/venv/lib/python3.11/site-packages/"
chmod -R a+rX "$T/venv"
ls-exec --quiet --no-duration --cache-dir "$T/cache" --site "$T/venv" <"$T/fast.jsonl" >"$T/s.jsonl"
ok_if "--site VENV uses its site-packages" test "$(jq -r .exec.status "$T/s.jsonl")" = passed
ls-exec --quiet --site "$T/nonexistent" </dev/null 2>"$T/err"
ok_if "--site with no such directory is exit 66" test $? = 66

# pipelines/dataset passes --site on to ls-exec.
echo "$R/needy" >"$T/needy.txt"
bash "$TOP/pipelines/dataset" --repos "$T/needy.txt" --target 0 --workers 1 --out "$T/ds" \
	--site "$T/site" >"$T/ds.log" 2>&1
ok_if "pipelines/dataset --site: the record with the dependency passes" \
	jq_true 'select(.qualname == "fast") | .exec.status == "passed"' "$T/ds/stages/50-executed.jsonl"

# --on-error: environment errors go to --rejects (skip) or stop the run (fail).
jq -c 'select(.qualname == "fast" or .qualname == "clamp")' "$T/fn.jsonl" >"$T/two.jsonl"
ls-exec --quiet --no-duration --cache-dir "$T/cache" --on-error=skip --rejects "$T/rej.jsonl" <"$T/two.jsonl" >"$T/o.jsonl"
ok_if "--on-error=skip: the passing record is out" test "$(jq -r .qualname "$T/o.jsonl")" = clamp
ok_if "--on-error=skip: the missing dependency is in --rejects" \
	test "$(jq -r '.qualname + " " + .error.code' "$T/rej.jsonl")" = "fast missing_dependency"
ls-exec --quiet --no-duration --cache-dir "$T/cache" --on-error=fail <"$T/two.jsonl" >"$T/o.jsonl" 2>"$T/err"
rc=$?
ok_if "--on-error=fail stops with a non-zero status ($rc)" test $rc != 0
ok_if "--on-error=fail says why" grep -q no_such_dependency_xyz "$T/err"
done_testing
