# expect: failed exception
# denied
# Replace the process with another program: refused (PermissionError).
import os
os.execv("/bin/sh", ["sh", "-c", "echo pwned"])
