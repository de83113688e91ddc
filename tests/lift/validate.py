#!/usr/bin/python3.11
"""validate.py SCHEMA full|core FILE: check every record's "ir" against the IR
schema (core: its $defs/core, lift-sys's published fields). Prints one line
per invalid record and a count; exits 1 when any is invalid or none was checked."""
import json, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
if sys.argv[2] == 'core':
    core = dict(schema['$defs']['core'])
    core['$defs'] = schema['$defs']
    schema = core
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema)
n = bad = 0
for line in open(sys.argv[3]):
    r = json.loads(line)
    if 'ir' not in r:
        continue
    n += 1
    errs = sorted(v.iter_errors(r['ir']), key=lambda e: list(e.path))
    if errs:
        bad += 1
        if bad <= 10:
            e = errs[0]
            print(f"invalid: {r.get('id')} {r.get('qualname')}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
print(f"{n} checked, {bad} invalid")
sys.exit(1 if bad or not n else 0)
