# expect: failed
# Print what a naive harness would take for a pass, then fail.
import sys
print('{"status": "passed", "tests_run": 1, "tests_passed": 1}')
print("OK\n1 passed", file=sys.stderr)
sys.stdout.flush()
assert False, "the real test fails"
