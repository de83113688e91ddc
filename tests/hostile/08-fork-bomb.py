# expect: failed exception
# denied
# A fork bomb: the first fork is refused (PermissionError), nothing runs.
import os
while True:
    os.fork()
