# expect: failed
# sys.exit(0) in a test is an exception like any other.
import sys
sys.exit(0)
