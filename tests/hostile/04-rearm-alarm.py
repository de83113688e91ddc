# expect: timeout
# Re-arm a timer signal from its own handler, forever, and swallow every exception.
import signal
def again(*a):
    signal.setitimer(signal.ITIMER_REAL, 0.01)
signal.signal(signal.SIGALRM, again)
signal.signal(signal.SIGXCPU, again)
again()
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
