# time on the simulated board's clocks: ticks count from the last hard boot, the RTC starts at
# 2021-01-01 00:00:00 on a cold boot (ports/rp2/main.c), and sleeps wait without spinning a core.
from time import ticks_add, ticks_diff, gmtime as _gmtime, mktime
import _simhost
import pico_sched


def ticks_ms():
    return _simhost.ticks_ms()


def ticks_us():
    return _simhost.ticks_us()


def ticks_cpu():
    return _simhost.ticks_us()


def time():
    return int(_simhost.rtc_ms() // 1000)


def time_ns():
    return int(_simhost.rtc_ms() * 1000) * 1000


def gmtime(secs=None):
    return _gmtime(time() if secs is None else secs)


localtime = gmtime


def sleep(seconds):
    pico_sched.sleep_ms(seconds * 1000)


def sleep_ms(ms):
    pico_sched.sleep_ms(ms)


def sleep_us(us):
    pico_sched.sleep_ms(us / 1000)
