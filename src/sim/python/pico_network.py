# network as the Pico W firmware has it (extmod/modnetwork.c, extmod/network_cyw43.c): the CYW43
# radio itself is modelled on the board (main thread), so its state survives a soft reset exactly
# as cyw43 does on rp2. Only the API this firmware version had is present (see configure()).
import pico_hw

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_CONNECT_FAIL = -1
STAT_GOT_IP = 3

_CHANNEL_NONE = 0xFFFFFFFF
_DHCP_WAIT_MS = 10000


def _text(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode()
    return value


class CYW43:
    def __init__(self, interface_id=STA_IF):
        self._itf = 0 if interface_id == STA_IF else 1

    def __repr__(self):
        return pico_hw.call("wlan.describe", self._itf)

    def active(self, *args):
        if args:
            pico_hw.call("wlan.active", self._itf, bool(args[0]))
            return None
        return pico_hw.call("wlan.active", self._itf, None)

    def connect(self, ssid=None, key=None, *, auth=-1, security=-1, bssid=None, channel=_CHANNEL_NONE):
        if ssid is None:
            raise TypeError("'ssid' argument required")
        if security == -1:
            security = auth
        if bssid is not None:
            bssid = bytes(bssid)
        opts = {"ssid": _text(ssid), "key": None if key is None else _text(key), "security": security, "channel": channel}
        opts["bssid"] = None if bssid is None else pico_hw.b64(bssid)
        pico_hw.call("wlan.connect", self._itf, opts)

    def disconnect(self):
        pico_hw.call("wlan.disconnect", self._itf)

    def status(self, param=None):
        return pico_hw.call("wlan.status", self._itf, param)

    def isconnected(self):
        return pico_hw.call("wlan.isconnected", self._itf)

    def scan(self, *, passive=False, ssid=None, essid=None, bssid=None):
        if ssid is None:
            ssid = essid
        opts = {"passive": bool(passive), "ssid": None if ssid is None else _text(ssid)}
        opts["bssid"] = None if bssid is None else pico_hw.b64(bytes(bssid))
        reply = pico_hw.call("wlan.scan", self._itf, opts)
        pico_hw.sleep_ms(reply["durationMs"])  # cyw43 scans block the caller
        return [tuple(entry) for entry in reply["results"]]

    def config(self, *args, **kwargs):
        if args and kwargs:
            raise TypeError("can't specify pos and kw args")
        if args:
            if len(args) != 1:
                raise TypeError("must query one param")
            value = pico_hw.call("wlan.config", self._itf, args[0])
            return tuple(value) if isinstance(value, list) else value
        settings = {}
        for name, value in kwargs.items():
            if isinstance(value, (bytes, bytearray, memoryview)):
                value = {"__b": pico_hw.b64(value)}
            settings[name] = value
        pico_hw.call("wlan.configure", self._itf, settings)

    def ifconfig(self, *args):
        if not args:
            return tuple(pico_hw.call("wlan.ifconfig", self._itf, None))
        value = args[0]
        if value == "dhcp":
            # mod_network_nic_ifconfig: (re)start the DHCP client, then wait for a lease, polling
            # every 100 ms, and give up once more than 10 s have passed.
            pico_hw.call("wlan.ifconfig", self._itf, "dhcp")
            start = pico_hw.ticks_ms()
            while not pico_hw.call("wlan.dhcp_supplied_address", self._itf):
                if pico_hw.ticks_diff(pico_hw.ticks_ms(), start) > _DHCP_WAIT_MS:
                    raise OSError("timeout waiting for DHCP to get IP address")
                pico_hw.sleep_ms(100)
            return None
        if isinstance(value, (tuple, list)):
            value = list(value)
        else:
            value = {"type": type(value).__name__}  # DHCP is stopped first, then this raises TypeError
        pico_hw.call("wlan.ifconfig", self._itf, value)
        return None

    def deinit(self):
        pico_hw.call("wlan.deinit", self._itf)

    def send_ethernet(self, buf):
        raise OSError(1)

    def ioctl(self, cmd, arg):
        raise OSError(1)


def _ipconfig_method(self, *args, **kwargs):
    if args and kwargs:
        raise TypeError("can't specify pos and kw args")
    if args:
        if len(args) != 1:
            raise TypeError("must query one param")
        value = pico_hw.call("wlan.ipconfig", self._itf, args[0], None)
        return tuple(value) if isinstance(value, list) else value
    pico_hw.call("wlan.ipconfig", self._itf, None, kwargs)


def _country(*args):
    if args:
        pico_hw.call("wlan.country", args[0])
        return None
    return pico_hw.call("wlan.country", None)


def _hostname(*args):
    if args:
        pico_hw.call("wlan.hostname", args[0])
        return None
    return pico_hw.call("wlan.hostname", None)


def _ipconfig(*args, **kwargs):
    if args and kwargs:
        raise TypeError("can't specify pos and kw args")
    if args:
        return pico_hw.call("net.ipconfig", args[0])
    for name in kwargs:
        if name not in ("dns", "prefer"):
            raise ValueError("unexpected key")


def route():
    return []


WLAN = CYW43


def configure(features):
    g = globals()
    if features["networkCountry"]:
        g["country"] = _country
        g["hostname"] = _hostname
    if features["pmConstants"]:
        CYW43.PM_NONE = 0x10
        CYW43.PM_PERFORMANCE = 0xA11142
        CYW43.PM_POWERSAVE = 0x11
    if features["secIfConstants"]:
        CYW43.SEC_OPEN = 0
        CYW43.SEC_WPA_WPA2 = 0x00400006
        CYW43.IF_STA = STA_IF
        CYW43.IF_AP = AP_IF
    if features["ipconfig"]:
        CYW43.ipconfig = _ipconfig_method
        g["ipconfig"] = _ipconfig
