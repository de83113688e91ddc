# expect: passed
# Climbing out of the working directory with .. does not help.
import os
for p in ("../ls-hostile-pwned", "../../tmp/ls-hostile-pwned", "../../../../../../tmp/ls-hostile-pwned"):
    try:
        open(p, "w").write("pwned")
    except OSError:
        continue
    raise AssertionError("wrote " + os.path.abspath(p))
