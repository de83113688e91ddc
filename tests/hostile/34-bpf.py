# expect: violation
import ctypes
ctypes.CDLL(None, use_errno=True).syscall(321, 0, 0, 0)  # bpf
