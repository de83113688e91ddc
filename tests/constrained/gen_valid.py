"""gen_valid.py SCHEMA N SEED — N random documents valid against SCHEMA, one
a line, written in lift-sys's canonical form (docs/CONSTRAINED.md): properties
in the schema's order, ", " and ": ", no exponent in bounded numbers. Strings
under a pattern come from the schema's own "examples"; other strings mix
ASCII, escapes and non-ASCII characters. An independent writer of valid
documents for the token-by-token acceptance test."""
import json, random, re, sys

schema = json.load(open(sys.argv[1]))
rnd = random.Random(int(sys.argv[3]))
CHARS = ['a', 'Z', ' ', '0', '_', '"', '\\', '\n', '\t', 'é', '名', '😀', '/', '{', ',', ':']


def resolve(ref):
    node = schema
    for part in ref.lstrip('#').split('/')[1:]:
        node = node[part.replace('~1', '/').replace('~0', '~')]
    return node


def dump_str(s):
    return json.dumps(s, ensure_ascii=False)


def canon(v):
    if isinstance(v, dict):
        return '{' + ', '.join(dump_str(k) + ': ' + canon(v[k]) for k in sorted(v)) + '}'
    if isinstance(v, list):
        return '[' + ', '.join(canon(x) for x in v) + ']'
    return json.dumps(v, ensure_ascii=False)


def gen_int(s):
    lo, hi = s.get('minimum', -10**6), s.get('maximum', 10**6)
    em, eM = s.get('exclusiveMinimum'), s.get('exclusiveMaximum')
    if em is True:
        lo += 1
    elif isinstance(em, (int, float)) and not isinstance(em, bool):
        lo = max(lo, int(em) + 1)
    if eM is True:
        hi -= 1
    elif isinstance(eM, (int, float)) and not isinstance(eM, bool):
        hi = min(hi, int(eM) - 1)
    return str(rnd.randint(int(lo), int(hi)))


def gen_num(s):
    if 'minimum' not in s and 'maximum' not in s:
        return rnd.choice([gen_int(s), '%d.%d' % (rnd.randint(-99, 99), rnd.randint(0, 999)), '%de%d' % (rnd.randint(1, 9), rnd.randint(-20, 20))])
    lo, hi = s.get('minimum', -1e6), s.get('maximum', 1e6)
    for _ in range(100):
        x = round(rnd.uniform(lo, hi), rnd.randint(0, 4))
        t = ('%.4f' % x).rstrip('0').rstrip('.')
        if t in ('-0', ''):
            t = '0'
        if lo <= float(t) <= hi:
            return t
    return ('%.15f' % lo).rstrip('0').rstrip('.')


def gen(s, depth=0):
    if s is True or s == {}:
        return gen({'type': rnd.choice(['null', 'boolean', 'integer', 'string', 'array'])}, depth)
    if '$ref' in s:
        return gen(resolve(s['$ref']), depth + 1)
    if 'const' in s:
        return canon(s['const'])
    if 'enum' in s:
        return canon(rnd.choice(s['enum']))
    for k in ('anyOf', 'oneOf'):
        if k in s:
            opts = s[k]
            if depth > 6:  # recursion: prefer the branch without a $ref
                opts = [o for o in opts if '$ref' not in json.dumps(o)] or opts
            return gen(rnd.choice(opts), depth + 1)
    if 'allOf' in s:
        return gen(s['allOf'][0], depth)
    t = s.get('type')
    if t is None:
        t = 'object' if any(k in s for k in ('properties', 'required', 'additionalProperties')) else \
            'array' if any(k in s for k in ('items', 'minItems', 'maxItems')) else \
            'string' if any(k in s for k in ('minLength', 'maxLength', 'pattern')) else \
            'number' if any(k in s for k in ('minimum', 'maximum')) else None
        if t is None:
            return gen(True, depth)
    if isinstance(t, list):
        t = rnd.choice([x for x in t if not (x == 'integer' and 'number' in t)])
    if t == 'null':
        return 'null'
    if t == 'boolean':
        return rnd.choice(['true', 'false'])
    if t == 'integer':
        return gen_int(s)
    if t == 'number':
        return gen_num(s)
    if t == 'string':
        if 'pattern' in s:  # the schema's examples, or identifiers that match
            cands = s.get('examples') or [''.join(rnd.choice('abc_xyz019') for _ in range(rnd.randint(1, 8))) for _ in range(200)]
            cands = [c for c in cands if re.search(s['pattern'], c)]
            if not cands:
                raise SystemExit('gen_valid: no string for pattern %r' % s['pattern'])
            return dump_str(rnd.choice(cands))
        lo = s.get('minLength', 0)
        hi = s.get('maxLength', lo + 12)
        return dump_str(''.join(rnd.choice(CHARS) for _ in range(rnd.randint(lo, hi))))
    if t == 'array':
        lo, hi = s.get('minItems', 0), s.get('maxItems', 4)
        if depth > 6:
            hi = lo
        return '[' + ', '.join(gen(s.get('items', True), depth + 1) for _ in range(rnd.randint(lo, hi))) + ']'
    if t == 'object':
        props, req = s.get('properties', {}), s.get('required', [])
        names = list(props) + [r for r in req if r not in props]
        if not names:
            add = s.get('additionalProperties', True)
            if add is False:
                return '{}'
            return '{' + ', '.join(dump_str('k%d' % i) + ': ' + gen(add, depth + 1) for i in range(rnd.randint(0, 3))) + '}'
        out = []
        add = s.get('additionalProperties', True)
        for n in names:
            if n in req or (depth < 6 and rnd.random() < 0.5):
                out.append(dump_str(n) + ': ' + gen(props.get(n, add), depth + 1))
        return '{' + ', '.join(out) + '}'
    raise SystemExit('gen_valid: no generator for %r' % (s,))


for _ in range(int(sys.argv[2])):
    print(gen(schema))
