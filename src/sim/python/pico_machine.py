# machine as rp2 firmware has it on a Pico W (ports/rp2/modmachine.c and friends), on the
# simulated board's hardware: resets, reset cause, RTC, unique ID, watchdog and the LED live in
# the board (main thread); GPIO, ADC and timers are modelled here.
import _simhost
import pico_hw
import pico_sched

PWRON_RESET = 1
WDT_RESET = 3

_unique_id = b""
_freq = [125_000_000]


def configure(unique_id):
    global _unique_id
    _unique_id = unique_id


def unique_id():
    return _unique_id


def freq(hz=None, peripheral=None):
    if hz is None:
        return _freq[0]
    hz = int(hz)
    # Model: any frequency the RP2040 PLLs reach in 1 kHz steps is accepted (set_sys_clock_khz).
    if not 10_000_000 <= hz <= 420_000_000:
        raise ValueError("cannot change frequency")
    _freq[0] = hz


def reset():
    pico_hw.call("machine.reset")
    while True:  # the CPU stops here: the board reboots under it
        _simhost.sleep_ms(1000)


def soft_reset():
    raise SystemExit


def bootloader(*args):
    pico_hw.call("machine.bootloader")
    while True:
        _simhost.sleep_ms(1000)


def reset_cause():
    return pico_hw.call("machine.reset_cause")


def idle():
    pico_sched.sleep_ms(1)


def lightsleep(ms=None):
    # Model: time passes as in a sleep; USB and Wi-Fi keep their state.
    if ms is None:
        while True:
            pico_sched.sleep_ms(1000)
    pico_sched.sleep_ms(max(0, int(ms)))


def deepsleep(ms=None):
    # rp2: mp_machine_deepsleep is lightsleep followed by machine.reset().
    lightsleep(ms)
    reset()


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    return -2


class RTC:
    def __init__(self, id=0):
        pass

    def datetime(self, datetimetuple=None):
        if datetimetuple is None:
            ms = _simhost.rtc_ms()
            import time

            t = time.gmtime(int(ms // 1000))
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0)
        if len(datetimetuple) < 7:
            raise ValueError("requested length 8 but object has length %d" % len(datetimetuple))
        year, month, day, _weekday, hour, minute, second = datetimetuple[:7]
        # rp2 ignores the weekday and the subseconds
        pico_hw.call("machine.rtc_set", year, month, day, hour, minute, second)


class WDT:
    def __init__(self, id=0, timeout=5000):
        timeout = int(timeout)
        if timeout > 8388:
            raise ValueError("timeout exceeds 8388")
        pico_hw.call("machine.wdt_start", timeout)

    def feed(self):
        pico_hw.call("machine.wdt_feed")


# GPIO 0..29 are plain pins here; "LED" (and "WL_GPIO0".."WL_GPIO2") are on the CYW43.
_EXT_PINS = ("LED", "WL_GPIO0", "WL_GPIO1", "WL_GPIO2")


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, *, value=None, alt=None):
        if isinstance(id, str):
            if id not in _EXT_PINS and not (id.startswith("GP") and id[2:].isdigit() and int(id[2:]) < 30):
                raise ValueError('unknown named pin "%s"' % id)
            self._name = "WL_GPIO0" if id == "LED" else id
            self._external = id in _EXT_PINS
        else:
            if not 0 <= int(id) < 30:
                raise ValueError("invalid pin")
            self._name = "GPIO%d" % int(id)
            self._external = False
        self._mode = Pin.IN
        self._pull = 0
        self._out = 0
        self.init(mode, pull, value=value, alt=alt)

    def init(self, mode=-1, pull=-1, *, value=None, alt=None):
        if self._external and pull not in (-1, None, 0):
            raise ValueError("pulls are not supported for external pins")
        if mode is not None and mode != -1:
            self._mode = mode
        if pull is not None and pull != -1:
            self._pull = pull
        if value is not None:
            self.value(value)

    def value(self, x=None):
        if x is None:
            if self._mode in (Pin.OUT, Pin.OPEN_DRAIN):
                return self._out
            return 1 if self._pull == Pin.PULL_UP else 0
        self._out = 1 if x else 0
        if self._name == "WL_GPIO0":
            pico_hw.call("machine.led", self._out)

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    high = on
    low = off

    def toggle(self):
        self.value(1 - self._out)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False):
        if self._external:
            raise ValueError("expecting a regular GPIO Pin")
        return None

    def __repr__(self):
        mode = {0: "IN", 1: "OUT", 2: "OPEN_DRAIN", 3: "ALT"}.get(self._mode, "IN")
        return "Pin(%s, mode=%s%s)" % (self._name, mode, ", pull=PULL_UP" if self._pull == 1 else ", pull=PULL_DOWN" if self._pull == 2 else "")


class Signal:
    def __init__(self, pin, *args, invert=False):
        self._pin = pin if isinstance(pin, Pin) else Pin(pin, *args)
        self._invert = invert

    def value(self, x=None):
        if x is None:
            return self._pin.value() ^ self._invert
        self._pin.value((1 if x else 0) ^ self._invert)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class ADC:
    CORE_TEMP = 4

    def __init__(self, pin):
        self._channel = pin if isinstance(pin, int) else 0

    def read_u16(self):
        # Model: a floating input reads mid-rail noise-free; channel 4 (the die sensor) reads
        # 0.706 V, the datasheet's 27 degC point.
        return 14022 if self._channel == 4 else 32768


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, *, mode=PERIODIC, period=-1, freq=-1, tick_hz=1000, callback=None):
        self._armed = False
        self._due = 0
        self._period = 0
        self._mode = Timer.PERIODIC
        self._callback = None
        if callback is not None or period != -1 or freq != -1:
            self.init(mode=mode, period=period, freq=freq, tick_hz=tick_hz, callback=callback)

    def init(self, *, mode=PERIODIC, period=-1, freq=-1, tick_hz=1000, callback=None):
        if freq != -1:
            period_ms = 1000 / freq
        elif period != -1:
            period_ms = period * 1000 / tick_hz
        else:
            period_ms = 1000
        self._period = max(1, int(period_ms))
        self._mode = mode
        self._callback = callback
        self._due = (_simhost.ticks_ms() + self._period) % (1 << 30)
        self._armed = True
        if self not in pico_sched.timers:
            pico_sched.timers.append(self)

    def deinit(self):
        self._armed = False
        if self in pico_sched.timers:
            pico_sched.timers.remove(self)

    def _fire(self, now):
        if self._mode == Timer.PERIODIC:
            self._due = (self._due + self._period) % (1 << 30)
            if ((now - self._due) % (1 << 30)) < (1 << 29):
                self._due = (now + self._period) % (1 << 30)
        else:
            self.deinit()
        if self._callback is not None:
            self._callback(self)
