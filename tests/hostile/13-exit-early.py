# expect: error early_exit
# Exit with status 0 before any test has run.
import os
os._exit(0)
