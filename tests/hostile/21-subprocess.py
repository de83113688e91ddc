# expect: failed exception
# denied
# Run a program: refused (PermissionError).
import subprocess
subprocess.run(["/bin/true"])
