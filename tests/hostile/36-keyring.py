# expect: violation
import ctypes
ctypes.CDLL(None, use_errno=True).syscall(248, b"user", b"k", b"v", 1, -2)  # add_key
