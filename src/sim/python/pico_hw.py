# Calls from the simulated firmware's modules into the board's hardware models (main thread),
# and the one way those modules wait: poll, then sleep until the board signals an event or the
# deadline passes. A Ctrl-C during a wait raises KeyboardInterrupt, as in a blocking C call.
import json
import binascii
import _simhost

features = {}

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


def unb64(text):
    return binascii.a2b_base64(text.encode())


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
    _simhost.sleep_ms(ms)
