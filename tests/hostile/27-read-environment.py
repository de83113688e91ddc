# expect: passed
# The parent's environment is not inherited and cannot be read through /proc.
import os
assert "LS_HOSTILE_SECRET" not in os.environ, "secret in os.environ"
assert set(os.environ) <= {"LANG", "LC_ALL", "LC_CTYPE", "TZ", "PATH", "HOME", "TMPDIR",
                           "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE"}, sorted(os.environ)
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            data = open("/proc/%s/environ" % d, "rb").read()
        except OSError:
            continue
        assert b"LS_HOSTILE_SECRET" not in data, "secret in /proc/%s/environ" % d
