# expect: passed
# denied
# A library that tries a helper program and falls back when it cannot start
# (as matplotlib does with fc-list) keeps working: the start is refused with
# EPERM, not punished by a kill.
import subprocess
try:
    fonts = subprocess.check_output(["fc-list"]).decode().splitlines()
except OSError as e:
    assert isinstance(e, PermissionError), repr(e)
    fonts = []
assert fonts == []
