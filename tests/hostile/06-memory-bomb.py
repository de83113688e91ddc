# expect: memory
# Ask for a terabyte at once.
x = bytearray(10 ** 12)
