# expect: timeout wall_time
# Use no CPU at all: only the wall clock can end this.
import time
time.sleep(10 ** 6)
