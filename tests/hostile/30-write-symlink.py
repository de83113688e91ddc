# expect: passed
# A symlink in the working directory pointing out of it does not help.
import os
os.symlink("/tmp/ls-hostile-pwned", "link")
try:
    open("link", "w").write("pwned")
except OSError:
    pass
else:
    raise AssertionError("wrote through a symlink")
try:
    os.link("/etc/passwd", "hard")
except OSError:
    pass
else:
    raise AssertionError("hard-linked /etc/passwd")
