# picow-harness boot runner: deployed as main.py for standalone mode (issue 6/9).
# Plain MicroPython for a Pico W; runs unmodified on a real board and on the simulator. It stands
# alone on the board: the Wi-Fi join and the TLS probe are copies of device-scripts/wifi_connect.py
# and tls_probe.py (same result shapes), because nothing else from the harness is on the flash.
#
# At power-on, with no host talking to the board, it:
#   1. exits at once when a file named `noboot` exists on the flash (the escape hatch);
#   2. reads picow_runner.json (written by the harness before each power cycle);
#   3. joins Wi-Fi, sets the clock per "clock" ("cold": leave the RTC as the boot left it,
#      2021-01-01; "ntp": ntptime.settime()), runs one TLS probe against the harness's echo server;
#   4. appends one JSON line to a size-capped log on the flash (a full flash, OSError(28), is
#      reported, the log keeps what fit), then sends the same line, with how the log write went,
#      to the harness's report listener over TCP.
# It prints little: with no host on the USB port only the newest 256 bytes of output are kept.
# Ctrl-C (the harness collecting the log) stops it like any program.
import gc
import json
import os
import time

CONFIG_FILE = "picow_runner.json"
NOBOOT_FILE = "noboot"
STAT_GOT_IP = 3
ENOSPC = 28


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def error_of(e):
    # ScriptError: the exception as JSON (args that JSON cannot carry become their repr).
    args = []
    for a in e.args:
        args.append(a if a is None or isinstance(a, (bool, int, float, str)) else repr(a))
    errno = getattr(e, "errno", None) if isinstance(e, OSError) else None
    return {"type": type(e).__name__, "args": args, "errno": errno if isinstance(errno, int) else None, "text": str(e)}


def errno_of(e):
    if isinstance(e, OSError):
        if isinstance(getattr(e, "errno", None), int):
            return e.errno
        if e.args and isinstance(e.args[0], int):
            return e.args[0]
    return None


def rtc_now():
    try:
        import machine

        return list(machine.RTC().datetime())
    except Exception:
        return None


def mem_free():
    try:
        gc.collect()
        return gc.mem_free()
    except Exception:
        return None


def unhex(text):
    import binascii

    return None if text is None else binascii.unhexlify(text)


# ---- Wi-Fi (from wifi_connect.py) ----


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
    try:
        wlan.disconnect()
    except Exception:
        pass  # an inactive interface may refuse; deactivating is what matters
    wlan.active(False)
    if hasattr(wlan, "deinit"):
        wlan.deinit()


def join_wifi(args):
    ssid = args.get("ssid", "")
    password = args.get("password", None)
    mode = args.get("mode", "fresh")
    timeout_ms = args.get("timeout_ms", 20000)
    poll_ms = args.get("poll_ms", 50)
    pm = args.get("pm", None)
    country = args.get("country", None)
    bssid = args.get("bssid", None)
    channel = args.get("channel", None)
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
        if not wlan.active():
            wlan.active(True)
        if pm is not None:
            wlan.config(pm=pm)
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
                timeline.append([0 if last is None else elapsed, status])
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
    return result


# ---- clock ----


def set_clock(mode, ntp_host):
    # "cold": the RTC is left as the boot set it; "ntp": ntptime.settime() (UTC), the usual fix.
    clock = {"mode": mode, "before": rtc_now(), "after": None}
    if mode == "ntp":
        try:
            import ntptime

            if ntp_host is not None:
                ntptime.host = ntp_host
            ntptime.settime()
        except Exception as e:
            clock["problem"] = "ntptime.settime() failed: %s: %s" % (type(e).__name__, e)
    clock["after"] = rtc_now()
    return clock


# ---- TLS probe (from tls_probe.py) ----


def ssl_module():
    try:
        import ssl
    except ImportError:
        import ussl as ssl  # the C module's own name on early firmware
    return ssl


class Api:
    def __init__(self, name, verify, cadata):
        self.name = name
        if name == "tls":
            import tls

            self.module = tls
        else:
            self.module = ssl_module()
        if name == "wrap_socket":
            self.wrap = getattr(self.module, "wrap_socket")
        else:
            self.context_class = getattr(self.module, "SSLContext")
            self.protocol = getattr(self.module, "PROTOCOL_TLS_CLIENT")
            if cadata is not None:
                getattr(self.context_class, "load_verify_locations")
        self.verify_value = getattr(self.module, verify, None)
        if self.verify_value is None and (verify != "CERT_NONE" or cadata is not None):
            getattr(self.module, verify)

    def connect(self, sock, cadata, server_hostname):
        if self.name == "wrap_socket":
            kwargs = {"server_hostname": server_hostname}
            if self.verify_value is not None:
                kwargs["cert_reqs"] = self.verify_value
            if cadata is not None:
                kwargs["cadata"] = cadata
            return self.wrap(sock, **kwargs)
        ctx = self.context_class(self.protocol)
        ctx.verify_mode = self.verify_value
        if cadata is not None:
            if self.name == "tls":
                ctx.load_verify_locations(cadata)
            else:
                ctx.load_verify_locations(cadata=cadata)
        return ctx.wrap_socket(sock, server_hostname=server_hostname)


def write_all(stream, data):
    view = memoryview(data)
    while len(view):
        n = stream.write(view)
        if n is None:
            n = 0
        view = view[n:]


def read_exactly(stream, count):
    got = b""
    while len(got) < count:
        chunk = stream.read(count - len(got))
        if not chunk:
            break  # the server closed the connection
        got += chunk
    return got


def tls_probe(args, correlation_id):
    host = args.get("host", "picow-harness.local")
    port = args.get("port", 8443)
    api_name = args.get("api", "SSLContext")
    verify = args.get("verify", "CERT_REQUIRED")
    cadata = unhex(args.get("cadata", None))
    server_hostname = args.get("server_hostname", host)
    nonce = unhex(args.get("nonce", ""))
    timeout_ms = args.get("timeout_ms", 10000)
    result = {
        "kind": "result",
        "script": "tls_probe",
        "api": api_name,
        "apiAvailable": True,
        "verifyMode": verify,
        "verifyModeValue": None,
        "host": host,
        "port": port,
        "serverHostname": server_hostname,
        "correlationId": correlation_id,
        "stage": "api",
        "rtcAtStart": None,
        "rtcAtFailure": None,
        "memFreeBefore": None,
        "memFreeAtEnd": None,
        "handshakeMs": None,
        "cipher": None,
        "echoOk": None,
        "echoMismatchAt": None,
        "error": None,
    }
    sock = None
    stream = None
    try:
        try:
            api = Api(api_name, verify, cadata)
        except (ImportError, AttributeError):
            result["apiAvailable"] = False
            raise
        result["verifyModeValue"] = api.verify_value
        result["stage"] = "resolve"
        import socket

        address = socket.getaddrinfo(host, port)[0][-1]
        result["stage"] = "connect"
        sock = socket.socket()
        sock.settimeout(timeout_ms / 1000)
        sock.connect(address)
        result["stage"] = "handshake"
        result["memFreeBefore"] = mem_free()
        result["rtcAtStart"] = rtc_now()
        began = time.ticks_ms()
        stream = api.connect(sock, cadata, server_hostname)
        result["handshakeMs"] = time.ticks_diff(time.ticks_ms(), began)
        if hasattr(stream, "cipher"):
            try:
                result["cipher"] = list(stream.cipher())
            except Exception:
                pass  # cipher() is informative only
        result["stage"] = "echo"
        sent = correlation_id.encode() + b"\n" + nonce
        write_all(stream, correlation_id.encode() + b"\n")
        write_all(stream, nonce)
        echoed = read_exactly(stream, len(sent))
        result["echoOk"] = echoed == sent
        if not result["echoOk"]:
            at = 0
            while at < len(echoed) and echoed[at] == sent[at]:
                at += 1
            result["echoMismatchAt"] = at
        if len(echoed) == len(sent):
            result["stage"] = "done"
    except Exception as e:
        result["error"] = error_of(e)
        result["rtcAtFailure"] = rtc_now()
    result["memFreeAtEnd"] = mem_free()
    for s in (stream, sock):
        if s is not None:
            try:
                s.close()
            except Exception:
                pass
    return result


# ---- log and report ----


def append_log(path, max_bytes, line):
    # One line, appended whole or not at all; the cap keeps the flash for the user's files.
    data = line + "\n"
    size = 0
    try:
        size = os.stat(path)[6]
    except OSError:
        pass
    if size + len(data) > max_bytes:
        return {"status": "cap", "errno": None, "bytes": size}
    try:
        with open(path, "a") as f:
            f.write(data)
    except OSError as e:
        number = errno_of(e)
        return {"status": "full" if number == ENOSPC else "error", "errno": number, "bytes": size}
    return {"status": "ok", "errno": None, "bytes": size + len(data)}


def send_report(args, line):
    import socket

    sock = None
    try:
        address = socket.getaddrinfo(args["host"], args["port"])[0][-1]
        sock = socket.socket()
        sock.settimeout(args.get("timeout_ms", 5000) / 1000)
        sock.connect(address)
        write_all(sock, line.encode() + b"\n")
        return True
    except Exception as e:
        print("picow runner: report not sent:", type(e).__name__, e)
        return False
    finally:
        if sock is not None:
            try:
                sock.close()
            except Exception:
                pass


def reset_cause():
    try:
        import machine

        return machine.reset_cause()
    except Exception:
        return None


def run(config):
    started = time.ticks_ms()
    record = {
        "kind": "standalone",
        "v": 1,
        "runId": config.get("runId"),
        "seq": config.get("seq"),
        "correlationId": config.get("correlationId"),
        "resetCause": reset_cause(),
        "bootRtc": rtc_now(),
        "bootTicksMs": started,
        "clock": None,
        "wifi": None,
        "tls": None,
        "error": None,
        "boardMs": None,
        "log": None,
    }
    try:
        wifi_args = config.get("wifi")
        if wifi_args is not None:
            record["wifi"] = join_wifi(wifi_args)
            tls_args = config.get("tls")
            if record["wifi"]["finalStatus"] == STAT_GOT_IP and tls_args is not None:
                record["clock"] = set_clock(config.get("clock", "cold"), config.get("ntpHost"))
                record["tls"] = tls_probe(tls_args, record["correlationId"])
    except Exception as e:
        record["error"] = error_of(e)
    record["boardMs"] = time.ticks_diff(time.ticks_ms(), started)
    line = json.dumps(record)
    log = config.get("log", {})
    outcome = append_log(log.get("path", "picow_runner.log"), log.get("max_bytes", 65536), line)
    report = config.get("report")
    if report is not None:
        record["log"] = outcome
        send_report(report, json.dumps(record))
    print("picow runner: %s done, log %s" % (record["correlationId"], outcome["status"]))


def main():
    if exists(NOBOOT_FILE):
        print("picow runner: %s found, not running" % NOBOOT_FILE)
        return
    if not exists(CONFIG_FILE):
        print("picow runner: no %s, nothing to do" % CONFIG_FILE)
        return
    with open(CONFIG_FILE) as f:
        config = json.loads(f.read())
    run(config)


main()
