# expect: output_limit
# Print to stderr without end.
import sys
while True:
    print("flood " * 1000, file=sys.stderr)
