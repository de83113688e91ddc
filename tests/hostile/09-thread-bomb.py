# expect: failed
# Start threads until the thread limit refuses one (RuntimeError: a failed test).
import threading, time
while True:
    threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
