# expect: passed
# The example after the writer sees none of its state.
import json, os
import ctypes
assert not hasattr(json, "LEFT_BEHIND")
assert "LEFT_BEHIND" not in os.environ
assert not os.path.exists("left-behind")
assert os.listdir(".") == []
libc = ctypes.CDLL(None, use_errno=True)
assert libc.shmget(0x4c53, 0, 0) == -1
assert os.stat(".").st_mode & 0o7777 == 0o700, oct(os.stat(".").st_mode)
try:
    assert "user.left_behind" not in os.listxattr(".")
except OSError:
    pass
