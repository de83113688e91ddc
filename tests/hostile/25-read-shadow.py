# expect: passed
# Reading /etc/shadow must fail.
try:
    open("/etc/shadow").read()
except OSError:
    pass
else:
    raise AssertionError("read /etc/shadow")
