# expect: output_limit
# Write to stdout's fd directly, without end.
import os
while True:
    os.write(1, b"x" * 65536)
