#!/usr/bin/python3.11
"""leakcheck.py FILE: no record's "prompt" contains a line of its function's
body. The body is found with Python's own ast (independently of ls-prompt):
the def's statements after the docstring. A line counts when it has at least
10 characters once stripped, is more than a bare name, and is not a piece of
the def's own header (the signature every prompt shows; lib/lift/prompt.h)."""
import ast, json, re, sys

bare = re.compile(r'^[\w.]+[,)\]}:]*$')
n = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if 'prompt' not in r:
        continue
    n += 1
    try:
        fn = ast.parse(r['code']).body[0]
    except SyntaxError:
        continue
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if not body:
        continue
    code_lines = r['code'].split('\n')
    lines = code_lines[body[0].lineno - 1:fn.end_lineno]
    header = ''.join(''.join(code_lines[:fn.body[0].lineno - 1]).split())  # no whitespace at all
    for l in lines:
        s = l.strip()
        if len(s) >= 10 and not bare.match(s) and s in r['prompt'] and ''.join(s.split()) not in header:
            bad += 1
            print(f"leak: {r.get('qualname')}: {s!r}")
            break
print(f"{n} prompts checked, {bad} leak")
sys.exit(1 if bad or not n else 0)
