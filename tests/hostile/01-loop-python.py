# expect: timeout
# An infinite loop in Python code.
while True:
    pass
