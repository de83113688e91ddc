#!/usr/bin/python3.11
"""The Python baseline of bench/extract.sh: the same function records as
ls-extract --include-nested --no-dedup, written with Python's own ast.

usage: extract_ast.py DIR > functions.jsonl
Reads the .py files of a plain directory (as ls-extract does for a
directory that is not a git repository) and writes one JSON line per def:
id, repo, path, module, blob, qualname, name, kind, is_async, is_generator,
lineno, end_lineno, code, decorators, docstring, body, signature, class,
imports, globals, doctests and tests (static test linking, as ls-extract).
"""
import ast, builtins, doctest, hashlib, json, os, sys, textwrap

KINDS = {"staticmethod": "staticmethod", "classmethod": "classmethod", "property": "property"}
PARSER = doctest.DocTestParser()


def blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def module_of(path):
    m = path[:-3] if path.endswith(".py") else path
    if m.startswith("src/"):
        m = m[4:]
    m = m.replace("/", ".")
    if m == "__init__":
        return ""
    return m[:-9] if m.endswith(".__init__") else m


def is_test_path(p):
    b = os.path.basename(p)
    return b.startswith("test_") or b.endswith("_test.py") or p.startswith(("test/", "tests/")) \
        or "/test/" in p or "/tests/" in p


def dec_kind(d):
    s = ast.unparse(d)
    if s in KINDS:
        return KINDS[s]
    if s.endswith((".setter", ".getter", ".deleter")) or s.endswith("cached_property"):
        return "property"
    return None


def bound_names(node):
    """Names a function binds locally (params, assignments, imports, defs) and declares global."""
    binds, globs = set(), set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            binds.add(n.id)
        elif isinstance(n, ast.arg):
            binds.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                binds.add((a.asname or a.name).split(".")[0])
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not node:
            binds.add(n.name)
        elif isinstance(n, ast.Global):
            globs.update(n.names)
    return binds, globs


def module_names(tree):
    names, imports = set(), []
    def visit(stmts):
        for s in stmts:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(s.name)
            elif isinstance(s, ast.Import):
                for a in s.names:
                    n = a.asname or a.name.split(".")[0]
                    names.add(n)
                    imports.append((n, "import " + a.name + (" as " + a.asname if a.asname else ""), False))
            elif isinstance(s, ast.ImportFrom):
                mod = "." * s.level + (s.module or "")
                for a in s.names:
                    n = a.asname or a.name
                    names.add(n)
                    imports.append((n, "from %s import %s%s" % (mod, a.name, " as " + a.asname if a.asname else ""),
                                    s.module == "__future__" or a.name == "*"))
            elif isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For)):
                targets = s.targets if isinstance(s, ast.Assign) else [s.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            names.add(n.id)
            for field in ("body", "orelse", "finalbody", "handlers"):
                if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and hasattr(s, field):
                    visit(getattr(s, field))
    visit(tree.body)
    return names, imports


def signature(fn):
    a = fn.args
    out = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + a.defaults
    def p(arg, kind, d):
        return {"name": arg.arg, "annotation": ast.unparse(arg.annotation) if arg.annotation else None,
                "default": ast.unparse(d) if d is not None else None, "kind": kind}
    for i, arg in enumerate(pos):
        out.append(p(arg, "positional-only" if i < len(a.posonlyargs) else "positional-or-keyword", defaults[i]))
    if a.vararg:
        out.append(p(a.vararg, "var-positional", None))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(p(arg, "keyword-only", d))
    if a.kwarg:
        out.append(p(a.kwarg, "var-keyword", None))
    return {"parameters": out, "returns": ast.unparse(fn.returns) if fn.returns else None}


def own_yield(fn):
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))
    return False


def test_refs(tree, path):
    """{test id: set of dotted names it uses, resolved through the imports}, attrs."""
    imap = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                imap[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
            for a in n.names:
                imap[a.asname or a.name] = n.module + "." + a.name
    tests = {}
    def scan(fn, tid):
        refs, attrs = set(), set()
        for n in ast.walk(fn):
            if isinstance(n, ast.Attribute):
                attrs.add(n.attr)
            if isinstance(n, (ast.Name, ast.Attribute)):
                try:
                    chain = ast.unparse(n)
                except Exception:
                    continue
                first, _, rest = chain.partition(".")
                if first in imap and all(c.isidentifier() for c in chain.split(".")):
                    full = imap[first] + ("." + rest if rest else "")
                    parts = full.split(".")
                    for i in range(1, len(parts) + 1):
                        refs.add(".".join(parts[:i]))
        tests[tid] = (refs, attrs)
    for s in tree.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name.startswith("test"):
            scan(s, "%s::%s" % (path, s.name))
        elif isinstance(s, ast.ClassDef):
            for m in s.body:
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name.startswith("test"):
                    scan(m, "%s::%s::%s" % (path, s.name, m.name))
    return tests


def main():
    root = sys.argv[1].rstrip("/")
    repo = {"name": os.path.basename(root), "url": None, "commit": None, "path": root}
    files = []
    for dp, dn, fn in os.walk(root):
        dn[:] = sorted(d for d in dn if d not in (".git", "__pycache__"))
        for f in sorted(fn):
            p = os.path.join(dp, f)
            if f.endswith(".py") and not os.path.islink(p):
                files.append(p)
    files.sort(key=lambda p: os.path.relpath(p, root).encode())
    records, tests = [], {}
    for p in files:
        rel = os.path.relpath(p, root)
        data = open(p, "rb").read()
        if b"\0" in data[:8000]:
            continue
        try:
            src = data.decode("utf-8")
            tree = ast.parse(src)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue
        blob, module = blob_id(data), module_of(rel)
        lines = src.splitlines(keepends=True)
        names, imports = module_names(tree)
        if is_test_path(rel):
            tests.update(test_refs(tree, rel))

        def visit(node, prefix, cls, nested):
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    emit(ch, prefix, cls, nested)
                    visit(ch, prefix + ch.name + ".<locals>.", None, True)
                elif isinstance(ch, ast.ClassDef):
                    visit(ch, prefix + ch.name + ".", ch, nested)
                else:
                    visit(ch, prefix, cls, nested)

        def emit(fn, prefix, cls, nested):
            qual = prefix + fn.name
            in_class = cls is not None   # the nearest scope is a class body
            kind = None
            if in_class:
                for d in fn.decorator_list:
                    kind = kind or dec_kind(d)
            is_async = isinstance(fn, ast.AsyncFunctionDef)
            kind = kind or ("async" if is_async else "method" if in_class else "function")
            col = fn.col_offset
            seg = lines[fn.lineno - 1:fn.end_lineno]
            seg[-1] = seg[-1][:fn.end_col_offset] if len(seg) == 1 else seg[-1][:fn.end_col_offset]
            seg[0] = seg[0][col:]
            code = seg[0] + "".join(l[col:] if l[:col].isspace() else l.lstrip(" \t") for l in seg[1:])
            if not code.endswith("\n"):
                code += "\n"
            doc = ast.get_docstring(fn)
            raw = ast.get_docstring(fn, clean=False)
            start = fn.body[1].lineno if raw is not None and len(fn.body) > 1 else fn.body[0].lineno if raw is None else None
            body = "" if start is None else textwrap.indent("".join(l[col:] for l in lines[start - 1:fn.end_lineno]), "")
            binds, globs = bound_names(fn)
            used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            g = sorted(n for n in used if n in names and (n not in binds or n in globs)
                       and not (not nested and not in_class and n == fn.name))
            gs, seen, imps = set(g), set(), []
            for n, line, always in imports:
                if always or (n in gs and n not in seen):
                    seen.add(n)
                    imps.append(line)
            dts = []
            if raw and ">>>" in raw:
                try:
                    dts = [dict({"source": e.source, "want": e.want, "lineno": fn.body[0].lineno + e.lineno},
                                **({"options": ["%s%s" % ("+" if v else "-", doctest.OPTIONFLAGS_BY_NAME and
                                    [k for k, f in doctest.OPTIONFLAGS_BY_NAME.items() if f == o][0]) for o, v in e.options.items()]}
                                   if e.options else {}))
                           for e in PARSER.get_examples(raw)]
                except ValueError:
                    dts = []
            h = hashlib.sha256("\0".join([repo["name"], rel, qual, blob, str(fn.lineno)]).encode()).hexdigest()
            records.append({
                "id": "fn-" + h[:16], "repo": repo, "path": rel, "module": module, "blob": blob,
                "qualname": qual, "name": fn.name, "kind": kind, "is_async": is_async,
                "is_generator": own_yield(fn), "lineno": fn.lineno, "end_lineno": fn.end_lineno,
                "code": code, "decorators": [ast.unparse(d) for d in fn.decorator_list],
                "docstring": doc, "body": body, "signature": signature(fn),
                "class": {"name": cls.name, "qualname": prefix[:-1], "bases": [ast.unparse(b) for b in cls.bases]} if in_class else None,
                "imports": imps, "globals": g, "doctests": dts, "tests": [],
                "_link": (module, qual)})

        visit(tree, "", None, False)
    # test linking, as ls-extract does it
    by_ref, by_attr = {}, {}
    for tid, (refs, attrs) in tests.items():
        for r in refs:
            by_ref.setdefault(r, set()).add(tid)
        for a in attrs:
            by_attr.setdefault(a, set()).add(tid)
    out = sys.stdout
    for r in records:
        module, qual = r.pop("_link")
        found = set()
        if "<locals>" not in qual:
            parts = module.split(".") if module else []
            for i in range(len(parts), 0, -1):
                m = ".".join(parts[:i])
                found |= by_ref.get(m + "." + qual, set())
                if "." in qual:
                    c, _, meth = qual.rpartition(".")
                    found |= by_ref.get(m + "." + c, set()) & by_attr.get(meth, set())
        r["tests"] = sorted(found)
        out.write(json.dumps(r, ensure_ascii=False) + "\n")


main()
