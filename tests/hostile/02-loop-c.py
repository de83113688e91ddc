# expect: timeout
# An infinite loop inside C code that never returns to the interpreter.
import collections, itertools
collections.deque(itertools.count(), maxlen=0)
