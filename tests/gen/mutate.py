"""Mutation testing for ls-gen's suite: are the generated tests strong enough
to reject a wrong reference?

  mutate.py make [--per-task N] SUITE.jsonl > MUTANTS.jsonl
      For every task, apply mutation operators to its reference code and
      write up to N mutants per task (chosen deterministically, one operator
      after another), each a record {id, name, code, tests, mutant: {...}}
      with the task's own tests, ready for ls-exec.

  mutate.py score [--min 0.9] RESULTS.jsonl
      Read ls-exec's verdicts on the mutants: a mutant is killed when its
      status is anything but "passed". Print the score overall, per operator
      and per category, list some survivors, and exit 1 below --min.

Operators (the mistakes a model or a person makes):
  off-by-one   < <-> <=, > <-> >=, integer constant n -> n + 1 or n - 1,
               range(a, b) -> range(a, b + 1)
  swap-op      + <-> -, * -> +, // <-> %, and <-> or, == <-> !=, min <-> max
  negate       if/while/ternary condition c -> not c
  drop-branch  an if's else/elif part removed, or an if body replaced by pass
  return       return x -> return None (when x is not already None)
"""
import ast
import copy
import json
import random
import sys

CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
            ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In}
BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add,
            ast.FloorDiv: ast.Mod, ast.Mod: ast.FloorDiv, ast.Div: ast.FloorDiv}


def sites(tree):
    """Every (operator, node path, variant) the tree offers."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in CMP_SWAP:
                    kind = 'off-by-one' if type(op) in (ast.Lt, ast.LtE, ast.Gt, ast.GtE) else 'swap-op'
                    out.append((kind, node, ('cmp', i)))
        elif isinstance(node, ast.BinOp) and type(node.op) in BIN_SWAP:
            out.append(('swap-op', node, ('bin',)))
        elif isinstance(node, ast.BoolOp):
            out.append(('swap-op', node, ('bool',)))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            out.append(('off-by-one', node, ('const', 1)))
            if node.value != 0:
                out.append(('off-by-one', node, ('const', -1)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == 'range' and node.args:
                out.append(('off-by-one', node, ('range',)))
            if node.func.id in ('min', 'max'):
                out.append(('swap-op', node, ('minmax',)))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            out.append(('negate', node, ('not',)))
            if isinstance(node, ast.If):
                if node.orelse:
                    out.append(('drop-branch', node, ('orelse',)))
                out.append(('drop-branch', node, ('body',)))
        elif isinstance(node, ast.Return) and node.value is not None and \
                not (isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append(('return', node, ('none',)))
    return out


def apply(node, how):
    tag = how[0]
    if tag == 'cmp':
        node.ops[how[1]] = CMP_SWAP[type(node.ops[how[1]])]()
    elif tag == 'bin':
        node.op = BIN_SWAP[type(node.op)]()
    elif tag == 'bool':
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif tag == 'const':
        node.value = node.value + how[1]
    elif tag == 'range':
        stop = node.args[-1] if len(node.args) < 3 else node.args[1]
        new = ast.BinOp(left=stop, op=ast.Add(), right=ast.Constant(1))
        if len(node.args) < 3:
            node.args[-1] = new
        else:
            node.args[1] = new
    elif tag == 'minmax':
        node.func.id = 'max' if node.func.id == 'min' else 'min'
    elif tag == 'not':
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif tag == 'orelse':
        node.orelse = []
    elif tag == 'body':
        node.body = [ast.Pass()]
    elif tag == 'none':
        node.value = ast.Constant(None)


def mutants(code, rng, per_task):
    tree = ast.parse(code)
    base = ast.unparse(tree)
    found = sites(tree)
    # one operator after another, so every kind gets its share
    by_kind = {}
    for i, (kind, _, _) in enumerate(found):
        by_kind.setdefault(kind, []).append(i)
    for v in by_kind.values():
        rng.shuffle(v)
    order = []
    while any(by_kind.values()):
        for k in sorted(by_kind):
            if by_kind[k]:
                order.append(by_kind[k].pop())
    seen = {base}
    for i in order:
        if len(seen) > per_task:
            break
        t = copy.deepcopy(tree)
        node = [n for n in ast.walk(t)]
        # the same walk order finds the same node in the copy
        orig = [n for n in ast.walk(tree)]
        apply(node[orig.index(found[i][1])], found[i][2])
        try:
            src = ast.unparse(ast.fix_missing_locations(t))
            compile(src, '<mutant>', 'exec')
        except (SyntaxError, ValueError):
            continue
        if src in seen:
            continue
        seen.add(src)
        yield found[i][0], src


def make(argv):
    per_task = 4
    if argv and argv[0] == '--per-task':
        per_task = int(argv[1])
        argv = argv[2:]
    for line in open(argv[0], encoding='utf-8'):
        task = json.loads(line)
        rng = random.Random(task['id'])
        for n, (kind, src) in enumerate(mutants(task['code'], rng, per_task)):
            rec = {'id': f"{task['id']}-m{n}", 'name': task['name'], 'code': src,
                   'tests': task['tests'],
                   'mutant': {'of': task['id'], 'operator': kind, 'category': task['category'],
                              'template': task['template']}}
            print(json.dumps(rec, ensure_ascii=False))


def score(argv):
    least = 0.9
    if argv and argv[0] == '--min':
        least = float(argv[1])
        argv = argv[2:]
    total = killed = 0
    per = {}
    survivors = []
    for line in open(argv[0], encoding='utf-8'):
        rec = json.loads(line)
        m = rec['mutant']
        dead = rec.get('exec', {}).get('status') != 'passed'
        total += 1
        killed += dead
        for key in ('operator:' + m['operator'], 'category:' + m['category']):
            k, t = per.get(key, (0, 0))
            per[key] = (k + dead, t + 1)
        if not dead:
            survivors.append(rec)
    if not total:
        print('no mutants')
        return 1
    s = killed / total
    print(f'mutation score: {killed}/{total} = {s:.3f} killed (minimum {least})')
    for key in sorted(per):
        k, t = per[key]
        print(f'  {key:28s} {k:5d}/{t:<5d} {k / t:.3f}')
    for rec in survivors[:5]:
        print(f"survivor {rec['id']} ({rec['mutant']['operator']}, {rec['mutant']['template']}):")
        for ln in rec['code'].splitlines()[:14]:
            print('    ' + ln)
    return 0 if s >= least else 1


if __name__ == '__main__':
    cmd, rest = sys.argv[1], sys.argv[2:]
    sys.exit(make(rest) or 0 if cmd == 'make' else score(rest))
