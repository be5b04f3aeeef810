# picow-harness device script: which access points the Pico W hears.
# Plain MicroPython for a Pico W; runs unmodified on a real board and on the simulator.
# Parameters come from ARGS (the harness binds it before this script; run by hand, the defaults
# apply):
#   passive  bool, default False: a passive scan (listen for beacons only)
# Prints "@@picow " + one JSON object: {"kind": "result", "script": "wifi_scan", ...}. A hidden AP
# beacons without its name, so cyw43 reports its SSID as b"" (ssidHex "") with its BSSID.
try:
    ARGS
except NameError:
    ARGS = {}

import json
import time

KNOWN_ARGS = ("passive",)


def check_args():
    unknown = [name for name in ARGS if name not in KNOWN_ARGS]
    if unknown:
        raise TypeError("wifi_scan: unknown ARGS %s" % ", ".join(unknown))


def error_of(e):
    # ScriptError: the exception as JSON (args that JSON cannot carry become their repr).
    args = []
    for a in e.args:
        args.append(a if a is None or isinstance(a, (bool, int, float, str)) else repr(a))
    errno = getattr(e, "errno", None) if isinstance(e, OSError) else None
    return {"type": type(e).__name__, "args": args, "errno": errno if isinstance(errno, int) else None, "text": str(e)}


def hexlify(data):
    return "".join("%02x" % b for b in data)


def decoded(data):
    try:
        return bytes(data).decode("utf-8")
    except Exception:
        return None


def entry(ap):
    ssid, bssid, channel, rssi, security, seen = ap
    return {
        "ssidHex": hexlify(ssid),
        "ssid": decoded(ssid),
        "bssid": ":".join("%02x" % b for b in bssid),
        "channel": channel,
        "rssi": rssi,
        "security": security,
        "seen": seen,
    }


def emit(obj):
    print("@@picow", json.dumps(obj))


def main():
    check_args()
    result = {"kind": "result", "script": "wifi_scan", "durationMs": 0, "aps": [], "error": None}
    start = time.ticks_ms()
    try:
        import network

        wlan = network.WLAN(network.STA_IF)
        wlan.active(True)
        if ARGS.get("passive", False):
            found = wlan.scan(passive=True)
        else:
            found = wlan.scan()
        result["aps"] = [entry(ap) for ap in found]
    except Exception as e:
        result["error"] = error_of(e)
    result["durationMs"] = time.ticks_diff(time.ticks_ms(), start)
    emit(result)


try:
    main()
finally:
    del ARGS  # so a later script run without its own ARGS cannot pick these up
