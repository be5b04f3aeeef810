# picow-harness device script: join a Wi-Fi network and record how the join went.
# Plain MicroPython for a Pico W; runs unmodified on a real board and on the simulator.
# Parameters come from ARGS (the harness binds it before this script; run by hand, edit the
# defaults below):
#   ssid        str, the network to join
#   password    str or None (None: an open network)
#   mode        "fresh" (disconnect, deactivate and deinit the radio first) or "as-is" (join on
#               whatever state the board is in, e.g. a link that survived a soft reset)
#   timeout_ms  int, default 20000: how long to wait for STAT_GOT_IP
#   poll_ms     int, default 50: how often status() is read
#   pm          int or None (None: leave the power-management mode as it is), e.g. 0xa11140
#   country     str or None: network.country() (rp2.country() on old firmware), set before the
#               interface comes up (cyw43 applies it only then)
#   bssid       "aa:bb:cc:dd:ee:ff" or None: connect(bssid=...)
#   channel     int or None: connect(channel=...) (cyw43 uses it only together with bssid)
#   hostname    str or None
# It never stops at the first negative status: cyw43 can report STAT_WRONG_PASSWORD for a moment
# and then recover, so it polls until STAT_GOT_IP or the timeout. Prints one "@@picow " JSON line
# per status change ({"kind": "status", ...}) and the result last ({"kind": "result", ...}).
try:
    ARGS
except NameError:
    ARGS = {}

import json
import time

KNOWN_ARGS = ("ssid", "password", "mode", "timeout_ms", "poll_ms", "pm", "country", "bssid", "channel", "hostname")
STAT_GOT_IP = 3


def check_args():
    unknown = [name for name in ARGS if name not in KNOWN_ARGS]
    if unknown:
        raise TypeError("wifi_connect: unknown ARGS %s" % ", ".join(unknown))
    if ARGS.get("mode", "fresh") not in ("fresh", "as-is"):
        raise ValueError("wifi_connect: mode must be 'fresh' or 'as-is'")


def error_of(e):
    # ScriptError: the exception as JSON (args that JSON cannot carry become their repr).
    args = []
    for a in e.args:
        args.append(a if a is None or isinstance(a, (bool, int, float, str)) else repr(a))
    errno = getattr(e, "errno", None) if isinstance(e, OSError) else None
    return {"type": type(e).__name__, "args": args, "errno": errno if isinstance(errno, int) else None, "text": str(e)}


def emit(obj):
    print("@@picow", json.dumps(obj))


def set_country(network, code):
    if hasattr(network, "country"):
        network.country(code)
    else:
        import rp2  # before v1.20 the country lived in rp2

        rp2.country(code)


def read_country(network):
    try:
        if hasattr(network, "country"):
            return network.country()
        import rp2

        return rp2.country()
    except Exception:
        return None


def set_hostname(network, wlan, name):
    if hasattr(network, "hostname"):
        network.hostname(name)
    else:
        wlan.config(hostname=name)


def read_pm(wlan):
    try:
        return wlan.config("pm")
    except Exception:
        return None


def bssid_bytes(text):
    import binascii

    raw = binascii.unhexlify(text.replace(":", ""))
    if len(raw) != 6:
        raise ValueError("bssid must be 6 bytes: %s" % text)
    return raw


def fresh_start(wlan):
    # What a "clean" join does: drop any association and power the chip down, so the country and
    # power-management defaults are applied again when the interface comes up.
    try:
        wlan.disconnect()
    except Exception:
        pass  # an inactive interface may refuse; deactivating is what matters
    wlan.active(False)
    if hasattr(wlan, "deinit"):
        wlan.deinit()


def main():
    check_args()
    ssid = ARGS.get("ssid", "")
    password = ARGS.get("password", None)
    mode = ARGS.get("mode", "fresh")
    timeout_ms = ARGS.get("timeout_ms", 20000)
    poll_ms = ARGS.get("poll_ms", 50)
    pm = ARGS.get("pm", None)
    country = ARGS.get("country", None)
    bssid = ARGS.get("bssid", None)
    channel = ARGS.get("channel", None)
    hostname = ARGS.get("hostname", None)

    result = {
        "kind": "result",
        "script": "wifi_connect",
        "mode": mode,
        "ssid": ssid,
        "linkUpBefore": False,
        "statusBefore": 0,
        "timeline": [],
        "timeToIpMs": None,
        "finalStatus": 0,
        "rssi": None,
        "ifconfig": None,
        "firstNegative": None,
        "recovered": False,
        "timeoutMs": timeout_ms,
        "pm": None,
        "country": None,
        "error": None,
    }
    wlan = None
    try:
        import network

        wlan = network.WLAN(network.STA_IF)
        if mode == "fresh":
            fresh_start(wlan)
        if country is not None:
            set_country(network, country)
        if hostname is not None:
            set_hostname(network, wlan, hostname)
        if not wlan.active():
            wlan.active(True)
        if pm is not None:
            wlan.config(pm=pm)  # after active(True): cyw43 applies its default PM when the chip comes up

        result["linkUpBefore"] = wlan.isconnected()
        result["statusBefore"] = wlan.status()

        kwargs = {}
        if bssid is not None:
            kwargs["bssid"] = bssid_bytes(bssid)
        if channel is not None:
            kwargs["channel"] = channel
        wlan.connect(ssid, password, **kwargs)
        start = time.ticks_ms()
        timeline = result["timeline"]
        last = None
        while True:
            elapsed = time.ticks_diff(time.ticks_ms(), start)
            status = wlan.status()
            if status != last:
                at = 0 if last is None else elapsed
                timeline.append([at, status])
                emit({"kind": "status", "script": "wifi_connect", "t": at, "status": status})
                last = status
            if status < 0 and result["firstNegative"] is None:
                result["firstNegative"] = status
            if status == STAT_GOT_IP:
                result["timeToIpMs"] = elapsed
                break
            if elapsed >= timeout_ms:
                break
            time.sleep_ms(poll_ms)
        result["recovered"] = result["firstNegative"] is not None and result["timeToIpMs"] is not None
        result["finalStatus"] = wlan.status()
        if result["finalStatus"] == STAT_GOT_IP:
            result["ifconfig"] = list(wlan.ifconfig())
            try:
                result["rssi"] = wlan.status("rssi")
            except Exception:
                pass  # status('rssi') arrived in v1.20
    except Exception as e:
        result["error"] = error_of(e)
        if wlan is not None:
            try:
                result["finalStatus"] = wlan.status()
            except Exception:
                pass
    if wlan is not None:
        result["pm"] = read_pm(wlan)
        try:
            import network

            result["country"] = read_country(network)
        except Exception:
            pass
    emit(result)


try:
    main()
finally:
    del ARGS  # so a later script run without its own ARGS cannot pick these up
