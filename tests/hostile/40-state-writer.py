# expect: passed
# Leave state behind for the next example: module attributes, files, environment, SysV IPC.
import json, os
json.LEFT_BEHIND = True
os.environ["LEFT_BEHIND"] = "1"
open("left-behind", "w").write("x")
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget(0x4c53, 4096, 0o1666)  # IPC_CREAT|0666: refused
