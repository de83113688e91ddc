"""mkrecords.py — function records (the ls-extract shape) from Python files, for
ls-exec's tests and benchmark until ls-extract is in the pipeline.

usage: python3.11 mkrecords.py [--doctests-only] [--repo DIR --commit SHA] ROOT [FILE ...]
ROOT is the directory module names are relative to; FILEs default to every .py under it.
"""
import ast, doctest, hashlib, json, os, sys, textwrap

def module_name(root, path):
    rel = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
    return rel[:-9] if rel.endswith(".__init__") else rel

def records(root, path, repo, doctests_only):
    try:
        src = open(path, encoding="utf-8").read()
        tree = ast.parse(src)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    lines = src.splitlines(keepends=True)
    imports = [ast.get_source_segment(src, n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    parser = doctest.DocTestParser()
    def walk(body, prefix, cls):
        for n in body:
            if isinstance(n, ast.ClassDef):
                yield from walk(n.body, prefix + n.name + ".", n)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(n, clean=True)
                try:
                    exs = parser.get_examples(doc) if doc else []
                except ValueError:
                    exs = []
                if doctests_only and not exs:
                    continue
                code = textwrap.dedent("".join(lines[n.lineno - 1:n.end_lineno]))
                decos = [ast.get_source_segment(src, d) for d in n.decorator_list]
                kind = "async" if isinstance(n, ast.AsyncFunctionDef) else "function"
                if cls is not None:
                    kind = "staticmethod" if "staticmethod" in decos else \
                           "classmethod" if "classmethod" in decos else \
                           "property" if "property" in decos else "method"
                rel = os.path.relpath(path, root)
                qual = prefix + n.name
                yield {
                    "id": "fn-" + hashlib.sha256(("%s\0%s\0%s" % (repo and repo["commit"], rel, qual)).encode()).hexdigest()[:16],
                    "repo": repo, "path": rel, "module": module_name(root, path),
                    "qualname": qual, "name": n.name, "kind": kind,
                    "is_async": isinstance(n, ast.AsyncFunctionDef), "is_generator": False,
                    "lineno": n.lineno, "end_lineno": n.end_lineno, "code": code,
                    "decorators": decos, "docstring": doc,
                    "class": {"name": cls.name, "bases": [ast.unparse(b) for b in cls.bases]} if cls else None,
                    "imports": imports,
                    "doctests": [{"source": e.source, "want": e.want, "lineno": e.lineno} for e in exs],
                    "tests": [],
                }
    yield from walk(tree.body, "", None)

def main(argv):
    doctests_only = "--doctests-only" in argv
    argv = [a for a in argv if a != "--doctests-only"]
    repo = None
    if "--repo" in argv:
        i = argv.index("--repo")
        repo = {"name": os.path.basename(argv[i + 1]), "url": None, "path": argv[i + 1], "commit": argv[i + 2]}
        del argv[i:i + 3]
    root, files = argv[0], argv[1:]
    if not files:
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".py"))
    for f in files:
        for r in records(root, f, repo, doctests_only):
            print(json.dumps(r))

main(sys.argv[1:])
