"""Independent checks of an ls-gen suite (read on stdin), used by the tests:

  normalise.py distinct     no two tasks share a prompt or a normalised reference
                            (Python's own ast with every name renamed in order)
  normalise.py edges        every task has edge-case inputs, and the suite covers
                            empty, single, boundary, negative, duplicates, unicode, large
  normalise.py schema FILE  every task's IR validates against the JSON Schema FILE
"""
import ast
import builtins
import json
import sys

KEEP = set(dir(builtins)) | {'self', 'cls'}


def normal(code):
    tree = ast.parse(code)
    names = {}

    def rename(n):
        if n in KEEP:
            return n
        return names.setdefault(n, f'v{len(names)}')

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = rename(node.id)
        elif isinstance(node, ast.arg):
            node.arg = rename(node.arg)
            node.annotation = None
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            node.name = rename(node.name)
            if isinstance(node, ast.FunctionDef):
                node.returns = None
    return ast.dump(tree, annotate_fields=False)


def main():
    tasks = [json.loads(line) for line in sys.stdin]
    cmd = sys.argv[1]
    bad = 0
    if cmd == 'distinct':
        seen_p, seen_c = {}, {}
        for t in tasks:
            n = normal(t['code'])
            for seen, key, what in ((seen_p, t['prompt'], 'prompt'), (seen_c, n, 'code')):
                if key in seen:
                    bad += 1
                    print(f"{t['id']}: same {what} as {seen[key]}")
                seen[key] = t['id']
        print(f'{len(tasks)} tasks, {len(seen_c)} distinct references, {len(seen_p)} distinct prompts')
    elif cmd == 'edges':
        kinds = {}
        for t in tasks:
            tags = [c.get('edge') for c in t['cases'] if c.get('edge')]
            if not tags:
                bad += 1
                print(f"{t['id']}: no edge-case input")
            for tag in tags:
                for k in ('empty', 'single', 'boundary', 'negative', 'duplicates', 'unicode', 'large'):
                    if k in tag:
                        kinds[k] = kinds.get(k, 0) + 1
        for k in ('empty', 'single', 'boundary', 'negative', 'duplicates', 'unicode', 'large'):
            print(f'edge {k}: {kinds.get(k, 0)} cases')
            bad += kinds.get(k, 0) == 0
    elif cmd == 'schema':
        import jsonschema
        v = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
        for t in tasks:
            for e in v.iter_errors(t['ir']):
                bad += 1
                print(f"{t['id']}: {'/'.join(map(str, e.path))}: {e.message}")
                break
        print(f'{len(tasks)} IRs checked, {bad} invalid')
    return 1 if bad else 0


sys.exit(main())
