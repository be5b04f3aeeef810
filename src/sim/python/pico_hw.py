# Calls from the simulated firmware's modules into the board's hardware models (main thread),
# and the one way those modules wait: poll, then sleep until the board signals an event or the
# deadline passes. A Ctrl-C during a wait raises KeyboardInterrupt, as in a blocking C call.
import json
import binascii
import _simhost

_EXC = {
    "OSError": OSError,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "MemoryError": MemoryError,
    "RuntimeError": RuntimeError,
    "NotImplementedError": NotImplementedError,
}


def _from_wire(value):
    # bytes travel as {"__b": base64}
    if isinstance(value, dict):
        if "__b" in value:
            return binascii.a2b_base64(value["__b"].encode())
        return {k: _from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_wire(v) for v in value]
    return value


def call(method, *args):
    reply = json.loads(_simhost.call(method, json.dumps(args)))
    if "value" in reply:
        return _from_wire(reply["value"])
    if "raise" in reply:
        exc = reply["raise"]
        raise _EXC.get(exc["type"], OSError)(*exc["args"])
    # errno from the board, or EIO when the simulator itself failed
    raise OSError(reply.get("errno", 5))


def b64(data):
    return binascii.b2a_base64(bytes(data)).decode().rstrip()


def block(poll, timeout_ms):
    # Run poll() until it returns something other than None. timeout_ms None waits forever,
    # 0 raises EAGAIN at once, otherwise ETIMEDOUT after that many board ms.
    start = _simhost.ticks_ms()
    while True:
        seq = _simhost.wake_seq()
        result = poll()
        if result is not None:
            return result
        if timeout_ms is None:
            left = 1000
        else:
            left = timeout_ms - ((_simhost.ticks_ms() - start) % (1 << 30))
            if left <= 0:
                raise OSError(11 if timeout_ms == 0 else 110)
        _simhost.wait_wake(seq, min(left, 1000))


def sleep_ms(ms):
    if _simhost.sleep_ms(ms):
        return  # the branch raises the pending KeyboardInterrupt here (see pico_sched.sleep_ms)


def ticks_ms():
    return _simhost.ticks_ms()


def ticks_diff(end, start):
    # ticks_ms wraps like the firmware's (a 2**30 period)
    return (end - start) % (1 << 30)


class Stream:
    # The stream methods of a socket (py/stream.c over one-shot reads): read(n) gathers until n
    # bytes or EOF, readinto, readline byte by byte. Subclasses give _read_once(n) and the errnos
    # after which read() returns the bytes it already has (_partial_errnos).
    _partial_errnos = (11,)

    def read(self, n=-1):
        chunks = []
        left = n
        while n < 0 or left > 0:
            try:
                chunk = self._read_once(4096 if n < 0 else min(left, 4096))
            except OSError as exc:
                code = exc.args[0] if exc.args else None
                if chunks and code in self._partial_errnos:
                    break
                if code == 11:
                    return None
                raise
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def readinto(self, buf, nbytes=None):
        want = len(buf) if nbytes is None else min(nbytes, len(buf))
        data = self.read(want)
        if data is None:
            return None
        buf[: len(data)] = data
        return len(data)

    def readline(self):
        line = bytearray()
        while True:
            byte = self._read_once(1)
            if not byte:
                break
            line += byte
            if byte == b"\n":
                break
        return bytes(line)
