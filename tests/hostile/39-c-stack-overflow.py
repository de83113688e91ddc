# expect: crash segfault
# Lift the recursion limit and recurse in C (hashing a deeply nested tuple): the stack overflows.
import sys
sys.setrecursionlimit(10 ** 8)
x = ()
for _ in range(10 ** 6):
    x = (x,)
hash(x)
