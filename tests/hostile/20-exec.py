# expect: violation
# Replace the process with another program.
import os
os.execv("/bin/sh", ["sh", "-c", "echo pwned"])
