#!/bin/sh
# ls-extract against Python's own ast over the whole standard library (and
# Debian's python3-networkx and python3-boltons where installed): for
# every file ast parses, the same (qualname, lineno) functions and the same
# docstrings (ast.get_docstring). tree-sitter is more tolerant than ast and
# has a few gaps of its own: functions inside ERROR nodes are not emitted
# (counted instead), so a file may lack functions but never gain or alter one.
. "$(dirname "$0")/../lib.sh"
STDLIB=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
ok_if "ls-extract reads the standard library" \
	sh -c "echo '$STDLIB' | ls-extract --include-nested --include-test-code --no-dedup -q > '$T/mine.jsonl'"
cat > "$T/cmp.py" <<'PY'
import ast, json, os, sys
root, mine_path = sys.argv[1], sys.argv[2]
mine = {}
for line in open(mine_path, encoding="utf-8"):
    r = json.loads(line)
    mine.setdefault(r["path"], {})[(r["qualname"], r["lineno"])] = r["docstring"]
files = ok_files = funcs = 0
missing_files, extra, docdiff = [], [], []
for dp, dn, fn in os.walk(root):
    dn[:] = sorted(d for d in dn if d not in ("site-packages", "dist-packages", "__pycache__"))
    for f in sorted(fn):
        p = os.path.join(dp, f)
        if not f.endswith(".py") or os.path.islink(p):
            continue
        try:
            src = open(p, "rb").read()
            src.decode("utf-8")
            tree = ast.parse(src)
        except Exception:
            continue
        files += 1
        ref = {}
        def walk(node, prefix):
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    ref[(prefix + ch.name, ch.lineno)] = ast.get_docstring(ch)
                    walk(ch, prefix + ch.name + ".<locals>.")
                elif isinstance(ch, ast.ClassDef):
                    walk(ch, prefix + ch.name + ".")
                else:
                    walk(ch, prefix)
        walk(tree, "")
        funcs += len(ref)
        rel = os.path.relpath(p, root)
        got = mine.get(rel, {})
        extra += [(rel, k) for k in got if k not in ref]
        docdiff += [(rel, k) for k in got if k in ref and got[k] != ref[k]]
        if any(k not in got for k in ref):
            missing_files.append(rel)
        else:
            ok_files += 1
print(f"# {files} files ast parses, {funcs} functions; {ok_files} files identical; "
      f"files missing functions (tree-sitter errors): {missing_files}")
for e in extra[:5]: print("# extra", e)
for e in docdiff[:5]: print("# docstring differs", e)
bad = extra or docdiff or len(missing_files) > max(1, files // 1000)
sys.exit(1 if bad else 0)
PY
ok_if "same functions and docstrings as ast (<= 0.1% files lost to tree-sitter errors)" \
	$PY "$T/cmp.py" "$STDLIB" "$T/mine.jsonl"
grep '^#' "$T/.out"
# the same on Debian packages not written by the standard library's authors
for pkg in networkx boltons; do
	d=/usr/lib/python3/dist-packages/$pkg
	if [ ! -d "$d" ]; then skip_dep "python3-$pkg not installed"; continue; fi
	echo "$d" | ls-extract --include-nested --include-test-code --no-dedup -q > "$T/$pkg.jsonl"
	ok_if "$pkg: same functions and docstrings as ast" $PY "$T/cmp.py" "$d" "$T/$pkg.jsonl"
	grep '^#' "$T/.out"
done
done_testing
