# picow-harness device script: what the board says about itself.
# Plain MicroPython for a Pico W; runs unmodified on a real board and on the simulator.
# Prints one line "@@picow {...}". A fact that cannot be read is null, and the error text
# is kept under "errors" with the same key.
import json
import sys

info = {}
errors = {}


def read(key, getter):
    try:
        info[key] = getter()
    except Exception as e:
        info[key] = None
        errors[key] = "%s: %s" % (type(e).__name__, e)


def constant_name(module, value, prefix="", suffix=""):
    # e.g. machine.WDT_RESET for 3, network.STAT_GOT_IP for 3; None when no constant matches.
    for name in dir(module):
        if name.startswith(prefix) and name.endswith(suffix) and getattr(module, name) == value:
            return name
    return None


def implementation():
    impl = sys.implementation
    return {"name": impl.name, "version": list(impl.version)}


def uname():
    import os

    u = os.uname()
    return {
        "sysname": u.sysname,
        "nodename": u.nodename,
        "release": u.release,
        "version": u.version,
        "machine": u.machine,
    }


def unique_id():
    import machine

    return "".join("%02x" % b for b in machine.unique_id())


def mem_free():
    import gc

    gc.collect()
    return gc.mem_free()


def mem_alloc():
    import gc

    return gc.mem_alloc()


def rtc():
    import machine

    return list(machine.RTC().datetime())


def reset_cause():
    import machine

    cause = machine.reset_cause()
    return {"value": cause, "name": constant_name(machine, cause, suffix="_RESET")}


def wifi_status():
    import network

    status = network.WLAN(network.STA_IF).status()
    return {"value": status, "name": constant_name(network, status, prefix="STAT_")}


read("version", lambda: sys.version)
read("implementation", implementation)
read("machine", lambda: sys.implementation._machine)
read("mpy", lambda: sys.implementation._mpy)
read("platform", lambda: sys.platform)
read("uname", uname)
read("unique_id", unique_id)
read("mem_free", mem_free)
read("mem_alloc", mem_alloc)
read("rtc", rtc)
read("reset_cause", reset_cause)
read("wifi_status", wifi_status)
info["errors"] = errors
print("@@picow", json.dumps(info))
