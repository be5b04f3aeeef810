# socket as rp2 firmware has it (extmod/modlwip.c): lwIP sockets whose packets go through the
# board's simulated network stack (main thread). Blocking calls wait in board time and give the
# errors lwIP gives: ETIMEDOUT after a timeout, EAGAIN / EINPROGRESS when non-blocking.
import pico_hw

AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOL_SOCKET = 1
SO_REUSEADDR = 0x04
SO_BROADCAST = 0x20
IPPROTO_IP = 0
IP_ADD_MEMBERSHIP = 3
IP_DROP_MEMBERSHIP = 4
IPPROTO_TCP = 6
TCP_NODELAY = 0x01

_EAGAIN = 11
_EBADF = 9
_EINPROGRESS = 115
_ETIMEDOUT = 110


def _ip(address):
    host, port = address[0], address[1]
    parts = host.split(".") if isinstance(host, str) else ()
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise ValueError("invalid arguments")
    return host, int(port)


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    reply = pico_hw.call("net.resolve", str(host))
    pico_hw.sleep_ms(reply["delayMs"])
    if "errno" in reply:
        raise OSError(reply["errno"])
    return [(AF_INET, SOCK_STREAM, 0, "", (reply["address"], int(port)))]


class socket(pico_hw.Stream):
    # lwIP: a timeout after some bytes arrived also ends read() with what it has.
    _partial_errnos = (_EAGAIN, _ETIMEDOUT)

    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        if type not in (SOCK_STREAM, SOCK_DGRAM):
            raise OSError(95)  # EOPNOTSUPP: raw sockets are not modelled
        self._type = type
        self._id = pico_hw.call("net.socket", "tcp" if type == SOCK_STREAM else "udp")
        self._timeout = None  # board ms; None blocks
        self._state = 0
        self._peer = None

    def __repr__(self):
        return "<socket state=%d timeout=%d incoming=0 off=0>" % (self._state, -1 if self._timeout is None else self._timeout)

    def _live(self):
        if self._id is None:
            raise OSError(_EBADF)
        return self._id

    def settimeout(self, value):
        self._timeout = None if value is None else int(value * 1000)

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def setsockopt(self, level, optname, value):
        self._live()

    def makefile(self, mode="rb", buffering=0):
        return self

    def bind(self, address):
        host, port = (address[0] or "0.0.0.0"), int(address[1])
        pico_hw.call("net.bind", self._live(), host, port)

    def listen(self, backlog=0):
        raise OSError(95)  # Model: the simulated board does not accept connections

    def accept(self):
        raise OSError(95)

    def connect(self, address):
        sid = self._live()
        host, port = _ip(address)
        if self._type == SOCK_DGRAM:
            self._peer = (host, port)
            return
        pico_hw.call("net.connect", sid, host, port)
        self._state = 1
        try:
            pico_hw.block(lambda: pico_hw.call("net.connected", sid), self._timeout)
        except OSError as exc:
            if exc.args and exc.args[0] == _EAGAIN:
                raise OSError(_EINPROGRESS)
            raise
        self._state = 2

    def _read_once(self, n):
        sid = self._live()
        return pico_hw.block(lambda: pico_hw.call("net.recv", sid, n), self._timeout)

    def recv(self, n):
        if self._type == SOCK_DGRAM:
            return self.recvfrom(n)[0]
        return self._read_once(n)

    def recvfrom(self, n):
        sid = self._live()
        reply = pico_hw.block(lambda: pico_hw.call("net.recvfrom", sid, n), self._timeout)
        return reply[0], (reply[1], reply[2])

    def send(self, data):
        sid = self._live()
        if self._type == SOCK_DGRAM:
            if self._peer is None:
                raise OSError(107)  # ENOTCONN
            return self.sendto(data, self._peer)
        data = bytes(data)
        return pico_hw.block(lambda: pico_hw.call("net.send", sid, pico_hw.b64(data)) or None, self._timeout)

    def sendall(self, data):
        data = memoryview(bytes(data))
        while len(data):
            sent = self.send(data)
            data = data[sent:]

    def sendto(self, data, address):
        host, port = _ip(address)
        return pico_hw.call("net.sendto", self._live(), pico_hw.b64(data), host, port)

    def write(self, data):
        self.sendall(data)
        return len(data)

    def close(self):
        if self._id is not None:
            pico_hw.call("net.close", self._id)
            self._id = None
            self._state = 3

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
