#!/bin/sh
# ls-extract on throwaway git repositories built from the standard library and
# Debian's python3-* sources: shapes, doctests, test linking, filters, skips,
# dedup, --exclude, commits and -j. (tests/man checks the man page.)
. "$(dirname "$0")/../lib.sh"
STDLIB=/usr/lib/python3.11
DIST=/usr/lib/python3/dist-packages

# --- a repository of standard-library modules -------------------------------
mkdir -p "$T/std/src"
cp $STDLIB/functools.py $STDLIB/pathlib.py $STDLIB/dataclasses.py "$T/std/src/"
mkdir -p "$T/std/src/asyncio" && cp $STDLIB/asyncio/locks.py "$T/std/src/asyncio/"
( cd "$T/std/src" && printf 'def broken(:\n    return 1\n' > broken.py && ln -s functools.py link.py &&
  printf 'def crlf():\r\n    """Doc.\r\n\r\n    >>> crlf()\r\n    1\r\n    """\r\n    return 1\r\n' > crlf.py &&
  printf 'x = "\0"\n' > binary.py && printf 'x = "\351"\n' > latin1.py )
mkrepo "$T/std/repo" "$T/std/src/."
echo "$T/std/repo" | ls-extract --include-nested --no-dedup > "$T/std.jsonl" 2> "$T/std.err"
ok_if "a plain path line is a repository" test -s "$T/std.jsonl"
ok_if "a repository kept as NAME/repo is named NAME, not repo" test "$(jq -r .repo.name "$T/std.jsonl" | sort -u)" = std
ok_if "records carry the repo's HEAD commit" \
	test "$(jq -r .repo.commit "$T/std.jsonl" | sort -u)" = "$(git -C "$T/std/repo" rev-parse HEAD)"
q() { jq -r "select(.qualname == \"$1\" and .path == \"$2\") | $3" "$T/std.jsonl" | head -1; }
ok_if "method kind" test "$(q 'PurePath.with_name' pathlib.py .kind)" = method
ok_if "property kind" test "$(q 'PurePath.name' pathlib.py .kind)" = property
ok_if "classmethod kind" test "$(q 'PurePath._parse_args' pathlib.py .kind)" = classmethod
ok_if "async kind" test "$(q 'Lock.acquire' asyncio/locks.py .kind)" = async
ok_if "async flag" test "$(q 'Lock.acquire' asyncio/locks.py .is_async)" = true
ok_if "nested qualname" test "$(q 'lru_cache.<locals>.decorating_function' functools.py .name)" = decorating_function
ok_if "class in function qualname" test -n "$(jq -r 'select(.qualname | test("<locals>\\.[A-Za-z_]+\\.[a-z_]+$")) | .qualname' "$T/std.jsonl" | head -1)"
ok_if "decorators listed" test "$(q 'PurePath.name' pathlib.py '.decorators[0]')" = property
ok_if "lambdas are not functions" test -z "$(jq -r 'select(.name == "<lambda>" or (.qualname|test("lambda")))' "$T/std.jsonl")"
ok_if "class bases" test "$(q 'Path.cwd' pathlib.py '.class.bases[0]')" = PurePath
ok_if "signature defaults" test "$(q 'lru_cache' functools.py '.signature.parameters[0].default')" = 128
ok_if "module-level names used" sh -c "jq -r 'select(.qualname==\"lru_cache\" and .path==\"functools.py\") | .globals[]' '$T/std.jsonl' | grep -qx _lru_cache_wrapper"
ok_if "imports that the function needs" sh -c "jq -r 'select(.qualname==\"singledispatch\") | .imports[]' '$T/std.jsonl' | grep -qx 'from abc import get_cache_token'"
ok_if "CRLF source: docstring and doctests as Python reads them" \
	test "$(q crlf crlf.py '[.docstring, .doctests[0].want, .code] | tojson')" = '["Doc.\n\n>>> crlf()\n1","1\n","def crlf():\n    \"\"\"Doc.\n\n    >>> crlf()\n    1\n    \"\"\"\n    return 1\n"]'
ok_if "broken function not emitted" test -z "$(q broken broken.py .name)"
ok_if "summary counts the syntax error" grep -q "1 with syntax errors" "$T/std.err"
ok_if "summary counts skipped symlink, binary, non-UTF-8" grep -q "skipped 1 symlinks, 0 submodules, 1 binary, 1 non-UTF-8" "$T/std.err"
ok_if "ids are unique" test "$(jq -r .id "$T/std.jsonl" | sort | uniq -d | wc -l)" = 0
ok_if "ids look like fn-<16 hex>" test -z "$(jq -r '.id | select(test("^fn-[0-9a-f]{16}$") | not)' "$T/std.jsonl")"

cat > "$T/schema.py" <<'PY'
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
for line in open(sys.argv[2]):
    for e in v.iter_errors(json.loads(line)):
        print("#", e.message); sys.exit(1)
PY
ok_if "records validate against docs/schema/function.schema.json" $PY "$T/schema.py" "$TOP/docs/schema/function.schema.json" "$T/std.jsonl"

# code is the exact source: every record's code compiles, and ast finds the same def
jq -c '{code, name, docstring, body}' "$T/std.jsonl" > "$T/codes.jsonl"
cat > "$T/code.py" <<'PY'
import ast, json, sys
bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    t = ast.parse(r["code"])
    d = t.body[0]
    # body: exactly the statements after the docstring
    stmts = d.body[1:] if ast.get_docstring(d, clean=False) is not None else d.body
    got = ast.parse("if 1:\n" + r["body"]).body[0].body if r["body"] else []
    if ast.dump(ast.Module(stmts, [])) != ast.dump(ast.Module(got, [])):
        bad += 1
        print("# body differs:", r["name"])
    # dedenting the def also dedents blank-ish lines inside its strings
    norm = lambda s: s and "\n".join(l.rstrip() for l in s.split("\n")).strip()
    if d.name != r["name"] or norm(ast.get_docstring(d)) != norm(r["docstring"]):
        bad += 1
        print("# differs:", r["name"])
sys.exit(1 if bad else 0)
PY
ok_if "code parses alone: same name, docstring (up to trailing blanks) and body statements" $PY "$T/code.py" "$T/codes.jsonl"

# -j 2 writes the same bytes; filters
echo "$T/std/repo" | ls-extract -q -j 2 --include-nested --no-dedup > "$T/std2.jsonl"
same "-j 2 output identical to -j 1" "$T/std2.jsonl" "$T/std.jsonl"
echo "$T/std/repo" | ls-extract -q --no-dedup > "$T/top.jsonl"
ok_if "without --include-nested no <locals>" test -z "$(jq -r 'select(.qualname|test("<locals>"))|.id' "$T/top.jsonl")"
echo "$T/std/repo" | ls-extract -q --no-dedup --skip-private --skip-dunder --require-docstring --min-lines 3 --max-lines 40 > "$T/f.jsonl"
ok_if "filters: no private, no dunder, docstrings, 3..40 lines" test -z "$(jq -r 'select((.name|startswith("_")) or .docstring == null or (.end_lineno - .lineno + 1) < 3 or (.end_lineno - .lineno + 1) > 40) | .id' "$T/f.jsonl")"
ok_if "filters kept something" test -s "$T/f.jsonl"

# --- an older commit, from a repo record ---------------------------------------
old=$(git -C "$T/std/repo" rev-parse HEAD)
printf 'def added_later():\n    return 1\n' > "$T/std/repo/later.py"
git -C "$T/std/repo" add later.py && git -C "$T/std/repo" -c user.name=t -c user.email=t@e commit -qm later
printf '{"id":"r1","name":"std","url":"https://example.com/std","path":"%s","commit":"%s"}\n' "$T/std/repo" "$old" |
	ls-extract -q > "$T/old.jsonl"
ok_if "commit from the repo record is read (no checkout)" test -z "$(jq -r 'select(.name=="added_later")|.id' "$T/old.jsonl")"
ok_if "repo name and url from the record" test "$(jq -r '.repo.name + " " + .repo.url' "$T/old.jsonl" | sort -u)" = "std https://example.com/std"
echo "$T/std/repo" | ls-extract -q > "$T/new.jsonl"
ok_if "HEAD has the new function" test -n "$(jq -r 'select(.name=="added_later")|.id' "$T/new.jsonl")"
printf '{"id":"r2","path":"%s/nope"}\n' "$T" | ls-extract -q > "$T/err.jsonl"
ok_if "missing repository: the record passes with an error" test "$(jq -r .error.code "$T/err.jsonl")" = repo

# --- doctests: more_itertools, checked against doctest.DocTestParser ------------------
if [ -d $DIST/more_itertools ]; then
	mkrepo "$T/mi" $DIST/more_itertools
	echo "$T/mi" | ls-extract -q --require-doctest > "$T/mi.jsonl"
	ok_if "more_itertools: functions with doctests found" test "$(wc -l < "$T/mi.jsonl")" -gt 50
	cat > "$T/dt.py" <<'PY'
import doctest, importlib, json, sys
bad = n = 0
p = doctest.DocTestParser()
for line in open(sys.argv[1]):
    r = json.loads(line)
    mod = importlib.import_module("more_itertools." + r["module"].split(".")[-1] if "." not in r["module"] else r["module"])
    obj = mod
    try:
        for part in r["qualname"].split("."):
            obj = getattr(obj, part)
    except AttributeError:
        continue
    obj = getattr(obj, "fget", obj)
    doc = getattr(obj, "__doc__", None)
    if not doc:
        continue
    n += 1
    want = [{"source": e.source, "want": e.want} for e in p.get_examples(doc)]
    got = [{"source": d["source"], "want": d["want"]} for d in r["doctests"]]
    if want != got:
        bad += 1
        print("# differs:", r["qualname"])
print("# compared", n)
sys.exit(1 if bad or n < 50 else 0)
PY
	ok_if "doctests split exactly as doctest.DocTestParser" sh -c "cd '$T/mi/..' && PYTHONPATH=$DIST $PY '$T/dt.py' '$T/mi.jsonl'"
else
	skip_dep "python3-more-itertools not installed"
fi

# --- test linking: toolz ships its tests --------------------------------------------
if [ -d $DIST/toolz/tests ]; then
	mkdir -p "$T/tz/src" && cp -R $DIST/toolz "$T/tz/src/" && rm -rf "$T/tz/src/toolz/__pycache__" "$T/tz/src/toolz"/*/__pycache__
	mkrepo "$T/tz/repo" "$T/tz/src/."
	echo "$T/tz/repo" | ls-extract -q > "$T/tz.jsonl"
	ok_if "toolz: groupby linked to its test" sh -c "jq -r 'select(.qualname==\"groupby\" and .module==\"toolz.itertoolz\") | .tests[]' '$T/tz.jsonl' | grep -qx 'toolz/tests/test_itertoolz.py::test_groupby'"
	ok_if "toolz: test ids look like path::name" test -z "$(jq -r '.tests[] | select(test("^toolz/tests/test_[a-z_]+\\.py::") | not)' "$T/tz.jsonl")"
	echo "$T/tz/repo" | ls-extract -q -j 2 > "$T/tz2.jsonl"
	same "toolz: -j 2 links the same tests (same bytes)" "$T/tz2.jsonl" "$T/tz.jsonl"
	ok_if "test code is skipped by default" test -z "$(jq -r 'select(.path|test("/tests/"))|.id' "$T/tz.jsonl")"
	echo "$T/tz/repo" | ls-extract -q --include-test-code > "$T/tzi.jsonl"
	ok_if "--include-test-code emits the test functions too" test -n "$(jq -r 'select(.path|test("/tests/test_"))|.id' "$T/tzi.jsonl")"
	echo "$T/tz/repo" | ls-extract -q --require-tests --skip-test-code > "$T/tzt.jsonl"
	ok_if "--require-tests keeps only linked functions" test -z "$(jq -r 'select(.tests == [])|.id' "$T/tzt.jsonl")"
	ok_if "--require-tests keeps many toolz functions" test "$(wc -l < "$T/tzt.jsonl")" -gt 40
	ok_if "--skip-test-code drops test files' functions" test -z "$(jq -r 'select(.path|test("/tests/"))|.id' "$T/tzt.jsonl")"
else
	skip_dep "python3-toolz not installed"
fi

# --- top-level test.py / tests.py are test code (python-slugify's layout) ----------
mkdir -p "$T/sl/src" && cp $STDLIB/fnmatch.py "$T/sl/src/" &&
	printf 'import fnmatch\n\ndef test_match():\n    assert fnmatch.fnmatch("a", "*")\n' > "$T/sl/src/test.py" &&
	printf 'def helper():\n    return 1\n' > "$T/sl/src/tests.py"
mkrepo "$T/sl/repo" "$T/sl/src/."
echo "$T/sl/repo" | ls-extract -q > "$T/sl.jsonl"
ok_if "top-level test.py and tests.py: no functions emitted by default" test -z "$(jq -r 'select(.path|test("^tests?\\.py$"))|.id' "$T/sl.jsonl")"
ok_if "top-level test.py links its test to the function" sh -c "jq -r 'select(.qualname==\"fnmatch\") | .tests[]' '$T/sl.jsonl' | grep -qx 'test.py::test_match'"

# --- dedup and --exclude --------------------------------------------------------------------
mkdir -p "$T/dup/src"
cp $STDLIB/textwrap.py "$T/dup/src/a.py"
# b.py: the same module with comments added: exact duplicates
sed -e 's/^\( *def .*:\)$/\1  # reformatted/' $STDLIB/textwrap.py > "$T/dup/src/b.py"
# c.py: one identifier renamed inside one long function: a near duplicate of it
awk '/^def dedent/{d=1} d && /margin = None/ {sub(/margin = None/, "margin_ = None"); d=0} {print}' $STDLIB/textwrap.py > "$T/dup/src/c.py"
mkrepo "$T/dup/repo" "$T/dup/src/."
echo "$T/dup/repo" | ls-extract -q --no-dedup > "$T/nodedup.jsonl"
echo "$T/dup/repo" | ls-extract > "$T/dedup.jsonl" 2> "$T/dedup.err"
n_a=$(jq -r 'select(.path=="a.py")|.id' "$T/nodedup.jsonl" | wc -l)
ok_if "--no-dedup keeps all three copies" test "$(wc -l < "$T/nodedup.jsonl")" = $((3 * n_a))
ok_if "dedup keeps one copy" test "$(wc -l < "$T/dedup.jsonl")" = "$n_a"
ok_if "the first copy is the one kept" test -z "$(jq -r 'select(.path != "a.py")|.id' "$T/dedup.jsonl")"
ok_if "summary counts exact and near duplicates" grep -q "$((2 * n_a - 1)) exact and 1 near duplicates" "$T/dedup.err"
echo "$T/dup/repo" | ls-extract -q --near 2 > "$T/exact.jsonl"
ok_if "--near above 1: exact dedup only" test "$(wc -l < "$T/exact.jsonl")" = $((n_a + 1))
jq -c 'select(.name == "dedent" or .name == "shorten") | {id: ("eval-" + .name), code}' "$T/dedup.jsonl" > "$T/eval.jsonl"
echo "$T/dup/repo" | ls-extract --exclude "$T/eval.jsonl" > "$T/excl.jsonl" 2> "$T/excl.err"
ok_if "--exclude drops the evaluation functions" test -z "$(jq -r 'select(.name == "dedent" or .name == "shorten")|.id' "$T/excl.jsonl")"
ok_if "--exclude keeps the rest" test "$(wc -l < "$T/excl.jsonl")" = $((n_a - 2))
ok_if "summary counts the excluded (all three copies of each)" grep -q "6 excluded" "$T/excl.err"

# --- several repositories: order, dedup across them, an error in the middle, -j ----------
{ echo "$T/dup/repo"; echo "$T/nope"; echo "$T/std/repo"; echo "$T/dup/repo"; } > "$T/many.txt"
ls-extract -j 1 "$T/many.txt" > "$T/many1.jsonl" 2> "$T/many1.err"
ls-extract -j 3 "$T/many.txt" > "$T/many3.jsonl" 2> /dev/null
same "several repositories: -j 3 output identical to -j 1" "$T/many3.jsonl" "$T/many1.jsonl"
ok_if "the missing repository is passed on with an error, in its place" \
	test "$(jq -r 'if .error then "E" else .repo.path end' "$T/many1.jsonl" | uniq | tr '\n' ' ')" = "$T/dup/repo E $T/std/repo "
ok_if "a repository seen again adds nothing (dedup across repositories)" \
	test "$(jq -r 'select(.repo.path == "'"$T/dup/repo"'") | .id' "$T/many1.jsonl" | wc -l)" = "$n_a"
ok_if "summary: 4 in, 1 error" grep -q "ls-extract: 4 in, .* 1 errors" "$T/many1.err"
ls-extract -q --limit 5 "$T/many.txt" > "$T/lim.jsonl"
ok_if "--limit stops after N records" test "$(wc -l < "$T/lim.jsonl")" = 5
done_testing
