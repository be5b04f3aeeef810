# Board-time sleeping that also runs due machine.Timer callbacks. Model: on the board a timer
# callback runs at the next bytecode boundary after its alarm; here it runs while the program
# sleeps or waits in a blocking call (time.sleep*, socket waits, machine.idle/lightsleep).
import _simhost

timers = []


def _run_due():
    now = _simhost.ticks_ms()
    for timer in list(timers):
        if timer._armed and ((now - timer._due) % (1 << 30)) < (1 << 29):
            timer._fire(now)


def next_due_in(now):
    best = None
    for timer in timers:
        if timer._armed:
            left = (timer._due - now) % (1 << 30)
            if left >= (1 << 29):
                left = 0
            if best is None or left < best:
                best = left
    return best


def sleep_ms(ms):
    if not timers:
        # A Ctrl-C cuts the sleep short and is pending; the branch's check raises it here, inside
        # the sleep, as rp2 does (a plain return would let it surface after the caller's try).
        if _simhost.sleep_ms(ms):
            return
        return
    start = _simhost.ticks_ms()
    while True:
        _run_due()
        now = _simhost.ticks_ms()
        left = ms - ((now - start) % (1 << 30))
        if left <= 0:
            return
        due = next_due_in(now)
        _simhost.sleep_ms(left if due is None else min(left, max(due, 1)))
