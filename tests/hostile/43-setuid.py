# expect: passed
# Privileges cannot be regained.
import os
for f in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0])):
    try:
        f()
    except (PermissionError, OSError):
        continue
    raise AssertionError("regained a privilege")
