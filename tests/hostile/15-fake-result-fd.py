# expect: error early_exit
# Write forged verdicts on every descriptor that might be the result channel, then exit 0.
import os
fake = b'0123456789abcdef0123456789abcdef\n{"status":"passed","tests_run":1,"tests_passed":1,"failures":[],"category":"passed"}\n'
for fd in range(3, 64):
    try:
        os.write(fd, fake)
    except OSError:
        pass
os._exit(0)
