# expect: passed
# denied
# Start a shell: refused (os.system returns -1 and nothing is written).
import os
os.system("echo pwned > /tmp/ls-hostile-pwned")
