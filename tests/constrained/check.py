"""check.py FIELD [SCHEMA] < records — parse each record's FIELD as JSON and
validate it with python3-jsonschema against SCHEMA, or against the record's
own "schema" field. Prints {"n", "finished", "parsed", "valid"} and one line
per failure to stderr."""
import json, sys, jsonschema

field = sys.argv[1]
fixed = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
n = finished = parsed = valid = 0
for line in sys.stdin:
    r = json.loads(line)
    n += 1
    finished += r.get("finish_reason") == "stop"
    s = fixed if fixed is not None else r["schema"]
    try:
        doc = json.loads(r[field])
    except Exception as e:
        print("unparsable: %s: %s" % (r.get("id"), str(e)[:60]), file=sys.stderr)
        continue
    parsed += 1
    errs = list(jsonschema.validators.validator_for(s)(s).iter_errors(doc))
    if errs:
        print("invalid: %s: %s" % (r.get("id"), errs[0].message[:100]), file=sys.stderr)
    else:
        valid += 1
print(json.dumps({"n": n, "finished": finished, "parsed": parsed, "valid": valid}))
