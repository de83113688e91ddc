# expect: passed
# Try to kill the supervisor, pid 1 and everything else; none of it may work.
import os, signal
assert os.getppid() == 0, "the supervisor is visible"  # it lives outside our pid namespace
for pid in (1, -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except (PermissionError, ProcessLookupError, OSError):
        pass
try:
    os.killpg(0, signal.SIGCONT)
except OSError:
    pass
