# expect: passed
# Leave state behind for the next example: module attributes, files, environment, SysV IPC.
import json, os
json.LEFT_BEHIND = True
os.environ["LEFT_BEHIND"] = "1"
open("left-behind", "w").write("x")
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget(0x4c53, 4096, 0o1666)  # IPC_CREAT|0666: refused
# The working directory itself: a locked subdirectory, its own mode, an attribute.
os.mkdir("locked")
open("locked/f", "w").write("x")
os.chmod("locked", 0)
os.chmod(".", 0o777)
try:
    os.setxattr(".", "user.left_behind", b"1")
except OSError:
    pass  # a tmpfs without user attributes
