# picow-harness device script: the board's state, read without changing it.
# Plain MicroPython for a Pico W; runs unmodified on a real board and on the simulator.
# Takes no parameters (ARGS is ignored). Prints "@@picow " + one JSON object ({"kind": "result", "script": "diag",
# ...}). A fact that cannot be read is null, and the error text is kept under "errors" with the
# same key ("wifi.pm" for a field of "wifi").
try:
    ARGS
except NameError:
    ARGS = {}

import json
import sys

errors = {}


def read(key, getter):
    try:
        return getter()
    except Exception as e:
        errors[key] = "%s: %s" % (type(e).__name__, e)
        return None


def constant_name(module, value, suffix):
    # e.g. machine.WDT_RESET for 3; None when no constant matches.
    for name in dir(module):
        if name.endswith(suffix) and getattr(module, name) == value:
            return name
    return None


def unique_id():
    import machine

    return "".join("%02x" % b for b in machine.unique_id())


def reset_cause():
    import machine

    cause = machine.reset_cause()
    return {"value": cause, "name": constant_name(machine, cause, "_RESET")}


def rtc():
    import machine

    return list(machine.RTC().datetime())


def ticks_ms():
    import time

    return time.ticks_ms()


def mem_free():
    import gc

    gc.collect()
    return gc.mem_free()


def mem_alloc():
    import gc

    return gc.mem_alloc()


def country(network):
    if hasattr(network, "country"):
        return network.country()
    import rp2  # before v1.20 the country lived in rp2

    return rp2.country()


def wifi():
    import network

    wlan = network.WLAN(network.STA_IF)
    connected = read("wifi.isconnected", wlan.isconnected)
    return {
        "active": read("wifi.active", wlan.active),
        "status": read("wifi.status", wlan.status),
        "isconnected": connected,
        "ifconfig": read("wifi.ifconfig", lambda: list(wlan.ifconfig())),
        "pm": read("wifi.pm", lambda: wlan.config("pm")),
        "country": read("wifi.country", lambda: country(network)),
    }


def main():
    result = {"kind": "result", "script": "diag"}
    result["version"] = read("version", lambda: sys.version)
    result["machine"] = read("machine", lambda: sys.implementation._machine)
    result["uniqueId"] = read("uniqueId", unique_id)
    result["resetCause"] = read("resetCause", reset_cause)
    result["rtc"] = read("rtc", rtc)
    result["ticksMs"] = read("ticksMs", ticks_ms)
    result["memFree"] = read("memFree", mem_free)
    result["memAlloc"] = read("memAlloc", mem_alloc)
    result["wifi"] = read("wifi", wifi)
    result["errors"] = errors
    print("@@picow", json.dumps(result))


try:
    main()
finally:
    del ARGS  # so a later script run without its own ARGS cannot pick these up
