# expect: passed
# /proc: other processes' memory and root, kernel knobs.
import os
for path, mode in (("/proc/1/mem", "rb"), ("/proc/1/root/etc/shadow", "rb"),
                   ("/proc/sys/kernel/hostname", "w"), ("/proc/sysrq-trigger", "w"),
                   ("/proc/1/environ", "rb")):
    try:
        with open(path, mode) as f:
            f.write("x") if "w" in mode else f.read(1)
    except OSError:
        continue
    raise AssertionError("opened " + path)
try:
    os.listdir("/proc/1/root")
except OSError:
    pass
else:
    raise AssertionError("listed /proc/1/root")
