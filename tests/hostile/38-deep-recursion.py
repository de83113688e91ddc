# expect: failed recursion
# Unbounded recursion in Python: RecursionError, a failed test.
def down(n):
    return down(n + 1)
down(0)
