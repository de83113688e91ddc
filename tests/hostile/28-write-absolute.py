# expect: passed
# Absolute paths outside the working directory are not writable.
for p in ("/tmp/ls-hostile-pwned", "/var/tmp/ls-hostile-pwned", "/dev/shm/ls-hostile-pwned", "/etc/ls-hostile-pwned"):
    try:
        open(p, "w").write("pwned")
    except OSError:
        continue
    raise AssertionError("wrote " + p)
