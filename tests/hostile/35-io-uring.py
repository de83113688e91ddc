# expect: violation
import ctypes
ctypes.CDLL(None, use_errno=True).syscall(425, 1, 0)  # io_uring_setup
