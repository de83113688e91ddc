# expect: passed
# Kill every process that /proc shows.
import os, signal
me = os.getpid()
for d in os.listdir("/proc"):
    if d.isdigit() and int(d) != me:
        try:
            os.kill(int(d), signal.SIGKILL)
        except OSError:
            pass
