# expect: violation
# Start a shell.
import os
os.system("echo pwned > /tmp/ls-hostile-pwned")
