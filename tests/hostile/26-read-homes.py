# expect: passed
# Other users' homes and root's must not be readable.
import os
for d in ("/root", "/home", "/work", "/var/lib", "/var/log"):
    try:
        os.listdir(d)
    except OSError:
        continue
    raise AssertionError("listed " + d)
