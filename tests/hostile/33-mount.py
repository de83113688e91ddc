# expect: violation
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.unshare(0x00020000)  # CLONE_NEWNS
libc.mount(b"none", b"/mnt", b"tmpfs", 0, None)
