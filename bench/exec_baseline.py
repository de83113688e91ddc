"""exec_baseline.py — the baseline for bench/exec.sh: a harness that starts a
fresh python3.11 process per example (no sandbox at all), running the record's
doctests in its module's globals as doctest does.

usage: python3.11 exec_baseline.py JOBS < records.jsonl > verdicts.jsonl
"""
import json, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

RUNNER = r'''
import doctest, importlib, json, sys
rec = json.loads(sys.stdin.read())
try:
    g = dict(importlib.import_module(rec["module"]).__dict__)
except BaseException:
    g = {"__name__": "__main__"}
p = doctest.DocTestParser()
ex = p.get_examples(rec.get("docstring") or "", rec["qualname"])
t = doctest.DocTest(ex, g, rec["module"] + "." + rec["qualname"], rec["path"], rec["lineno"], None)
r = doctest.DocTestRunner(verbose=False, optionflags=0)
res = r.run(t, out=lambda s: None)
status = "passed" if res.failed == 0 and res.attempted else "failed"
sys.__stdout__.write(json.dumps({"status": status, "tests_run": res.attempted,
                                 "tests_passed": res.attempted - res.failed}) + "\n")
'''

def one(line):
    try:
        p = subprocess.run(["/usr/bin/python3.11", "-I", "-c", RUNNER], input=line, capture_output=True,
                           text=True, timeout=30, cwd="/tmp")
        out = p.stdout.strip().splitlines()
        return out[-1] if out else json.dumps({"status": "error"})
    except subprocess.TimeoutExpired:
        return json.dumps({"status": "timeout"})

jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
lines = sys.stdin.read().splitlines()
with ThreadPoolExecutor(jobs) as pool:
    for r in pool.map(one, lines):
        print(r)
