# expect: violation
import subprocess
subprocess.run(["/bin/true"])
