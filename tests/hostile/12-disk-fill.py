# expect: failed
# Fill the disk from the working directory: the file size limit or the
# working directory's size stops it with an OSError (a failed test).
with open("big", "wb") as f:
    while True:
        f.write(b"\0" * (1 << 20))
        f.flush()
