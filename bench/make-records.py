"""Real-shaped function records from the Python standard library, for benchmarks.

usage: /usr/bin/python3.11 bench/make-records.py N > records.jsonl
Walks /usr/lib/python3.11 with ast and emits N records shaped like ls-extract's
(repeating the library when N is larger than its function count)."""
import ast, hashlib, json, os, sys

def functions(root="/usr/lib/python3.11"):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("site-packages", "dist-packages", "__pycache__"))
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            p = os.path.join(d, f)
            try:
                src = open(p, encoding="utf-8").read()
                tree = ast.parse(src)
            except Exception:
                continue
            lines = src.splitlines()
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    code = "\n".join(lines[node.lineno - 1:node.end_lineno])
                    yield p[len(root) + 1:], node, code

def main():
    n = int(sys.argv[1])
    out, i = sys.stdout, 0
    while i < n:
        for path, node, code in functions():
            if i >= n:
                break
            h = hashlib.sha1(f"{i}:{path}:{node.name}".encode()).hexdigest()[:16]
            rec = {"id": "fn-" + h, "repo": {"name": "cpython-stdlib", "url": "file:///usr/lib/python3.11",
                   "commit": "0" * 40}, "path": path, "qualname": node.name, "name": node.name,
                   "kind": "function", "lineno": node.lineno, "end_lineno": node.end_lineno,
                   "code": code, "docstring": ast.get_docstring(node),
                   "signature": {"parameters": [{"name": a.arg, "annotation": None, "default": None,
                                                 "kind": "positional-or-keyword"} for a in node.args.args],
                                 "returns": None}}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            i += 1

main()
