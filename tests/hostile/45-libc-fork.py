# expect: passed
# fork, vfork, execve and a process-making clone straight from C, past
# Python: each is refused with EPERM and no process appears.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
assert libc.fork() == -1 and ctypes.get_errno() == 1, ctypes.get_errno()
assert libc.syscall(57) == -1 and ctypes.get_errno() == 1      # fork
assert libc.syscall(58) == -1 and ctypes.get_errno() == 1      # vfork
assert libc.syscall(56, 17, 0, 0, 0, 0) == -1 and ctypes.get_errno() == 1  # clone(SIGCHLD)
argv = (ctypes.c_char_p * 2)(b"/bin/true", None)
assert libc.execv(b"/bin/true", argv) == -1 and ctypes.get_errno() == 1
