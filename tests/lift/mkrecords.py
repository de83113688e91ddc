#!/usr/bin/python3.11
"""Function records from Python files, for ls-lift/ls-prompt tests and benchmarks.

A stand-in for ls-extract with the fields those tools read: id, path, module,
qualname, name, kind, is_async, lineno, end_lineno, code (the def without its
decorators, dedented by the def's column), docstring (inspect.cleandoc'd),
doctests, class. Usage: mkrecords.py ROOT [FILE ...]  (no FILE: every .py
under ROOT, test directories and site-packages excluded).
"""
import ast, doctest, hashlib, inspect, json, os, sys

def files(root):
    for d, subs, fs in os.walk(root):
        subs[:] = sorted(s for s in subs if s not in ('test', 'tests', 'site-packages',
                                                     'dist-packages', '__pycache__', 'idle_test'))
        for f in sorted(fs):
            if f.endswith('.py'):
                yield os.path.join(d, f)

def code_of(lines, node):
    # lines are bytes split on b'\n' only (as the tokenizer counts them:
    # a form feed is no line break); col_offset counts UTF-8 bytes
    first = node.lineno - 1
    col = node.col_offset
    out = []
    for i in range(first, node.end_lineno):
        l = lines[i]
        if i == first:
            l = l[col:]
        else:
            ind = len(l) - len(l.lstrip(b' '))
            l = l[min(ind, col):]
        out.append(l)
    text = b'\n'.join(out).decode('utf-8', 'replace')
    return text.rstrip('\n') + '\n'

def records(root, path):
    try:
        src = open(path, encoding='utf-8').read()
        tree = ast.parse(src)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    lines = src.encode('utf-8').split(b'\n')
    rel = os.path.relpath(path, root)
    module = rel[:-3].replace(os.sep, '.')
    parser = doctest.DocTestParser()

    def visit(node, prefix, cls):
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                q = prefix + ch.name
                doc = ast.get_docstring(ch, clean=True)
                tests = []
                if doc:
                    try:
                        for ex in parser.get_examples(doc):
                            tests.append({'source': ex.source, 'want': ex.want, 'lineno': ex.lineno})
                    except ValueError:
                        pass
                decos = [ast.get_source_segment(src, d) for d in ch.decorator_list]
                kind = 'async' if isinstance(ch, ast.AsyncFunctionDef) else 'function'
                if cls is not None and kind == 'function':
                    kind = ('staticmethod' if 'staticmethod' in decos else 'classmethod'
                            if 'classmethod' in decos else 'property' if 'property' in decos else 'method')
                rid = 'fn-' + hashlib.sha256(f'{rel}\0{q}\0{ch.lineno}'.encode()).hexdigest()[:16]
                yield {'id': rid, 'path': rel, 'module': module, 'qualname': q, 'name': ch.name,
                       'kind': kind, 'is_async': isinstance(ch, ast.AsyncFunctionDef),
                       'lineno': ch.lineno, 'end_lineno': ch.end_lineno,
                       'code': code_of(lines, ch), 'decorators': decos, 'docstring': doc,
                       'doctests': tests,
                       'class': {'name': cls.name, 'bases': [ast.unparse(b) for b in cls.bases]} if cls else None}
                yield from visit(ch, q + '.<locals>.', None)
            elif isinstance(ch, ast.ClassDef):
                yield from visit(ch, prefix + ch.name + '.', ch)
            else:
                yield from visit(ch, prefix, cls)
    yield from visit(tree, '', None)

def main():
    root = sys.argv[1]
    paths = sys.argv[2:] or list(files(root))
    out = sys.stdout
    for p in paths:
        for r in records(root, p):
            out.write(json.dumps(r, ensure_ascii=False) + '\n')

main()
