# expect: memory
# cpu: generous
# Grow by a megabyte at a time until something gives.
import time
keep = []
while True:
    keep.append(bytearray(1 << 20))
    time.sleep(0.0005)
