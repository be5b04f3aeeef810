# picow-harness device script: one verified TLS connection to an echo server, checked byte for byte.
# Plain MicroPython for a Pico W; runs unmodified on a real board and on the simulator.
# Wi-Fi must already be up. Parameters come from ARGS (the harness binds it before this script;
# run by hand, edit the defaults below):
#   host             str: the server's DNS name, resolved on the board with getaddrinfo
#   port             int
#   api              "SSLContext" (ssl.SSLContext), "wrap_socket" (legacy ssl.wrap_socket) or
#                    "tls" (tls.SSLContext, v1.23+)
#   cadata           hex of the trusted CA certificate (DER), or None: no CA loaded
#   server_hostname  str, default host: the name the certificate must carry (and SNI)
#   verify           "CERT_REQUIRED" (default), "CERT_OPTIONAL" or "CERT_NONE"; always set
#                    explicitly, because ssl.SSLContext and ssl.wrap_socket default to CERT_NONE
#   correlation_id   str without a newline: the first line sent (the echo server logs it)
#   nonce            hex of the bytes sent after that line
#   timeout_ms       int, default 10000: socket timeout for connect, handshake and echo
#   cert, key        hex of a client certificate and key (DER or PEM) for mutual TLS, or None
# The echo server sends back everything once the first line is complete; the probe reads exactly
# what it sent and compares. Prints "@@picow " + JSON: {"kind": "stage", ...} as each stage
# begins, and the result last ({"kind": "result", ...}).
try:
    ARGS
except NameError:
    ARGS = {}

import gc
import json
import time

KNOWN_ARGS = ("host", "port", "api", "cadata", "server_hostname", "verify", "correlation_id", "nonce", "timeout_ms", "cert", "key")
VERIFY_MODES = ("CERT_REQUIRED", "CERT_OPTIONAL", "CERT_NONE")
APIS = ("SSLContext", "wrap_socket", "tls")


def check_args():
    unknown = [name for name in ARGS if name not in KNOWN_ARGS]
    if unknown:
        raise TypeError("tls_probe: unknown ARGS %s" % ", ".join(unknown))
    if ARGS.get("api", "SSLContext") not in APIS:
        raise ValueError("tls_probe: api must be one of %s" % ", ".join(APIS))
    if ARGS.get("verify", "CERT_REQUIRED") not in VERIFY_MODES:
        raise ValueError("tls_probe: verify must be one of %s" % ", ".join(VERIFY_MODES))
    if "\n" in ARGS.get("correlation_id", ""):
        raise ValueError("tls_probe: correlation_id must be one line")


def error_of(e):
    # ScriptError: the exception as JSON (args that JSON cannot carry become their repr).
    args = []
    for a in e.args:
        args.append(a if a is None or isinstance(a, (bool, int, float, str)) else repr(a))
    errno = getattr(e, "errno", None) if isinstance(e, OSError) else None
    return {"type": type(e).__name__, "args": args, "errno": errno if isinstance(errno, int) else None, "text": str(e)}


def emit(obj):
    print("@@picow", json.dumps(obj))


def unhex(text):
    import binascii

    return None if text is None else binascii.unhexlify(text)


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


def ssl_module():
    try:
        import ssl
    except ImportError:
        import ussl as ssl  # the C module's own name on early firmware
    return ssl


class Api:
    # The chosen TLS API, looked up so that anything the firmware lacks fails here (stage "api"),
    # each time with the firmware's own ImportError/AttributeError.
    def __init__(self, name, verify, cadata, client_cert):
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
            if client_cert:
                getattr(self.context_class, "load_cert_chain")
        # v1.19.1-88 has no CERT_* constants and no cert_reqs: it can only skip verification.
        self.verify_value = getattr(self.module, verify, None)
        if self.verify_value is None and (verify != "CERT_NONE" or cadata is not None):
            getattr(self.module, verify)

    def connect(self, sock, verify_value, cadata, server_hostname, cert, key):
        if self.name == "wrap_socket":
            kwargs = {"server_hostname": server_hostname}
            if verify_value is not None:
                kwargs["cert_reqs"] = verify_value
            if cadata is not None:
                kwargs["cadata"] = cadata
            if cert is not None:
                kwargs["cert"] = cert
                kwargs["key"] = key
            return self.wrap(sock, **kwargs)
        ctx = self.context_class(self.protocol)
        ctx.verify_mode = verify_value
        if cadata is not None:
            if self.name == "tls":
                ctx.load_verify_locations(cadata)
            else:
                ctx.load_verify_locations(cadata=cadata)
        if cert is not None:
            ctx.load_cert_chain(cert, key)
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


def main():
    check_args()
    host = ARGS.get("host", "picow-harness.local")
    port = ARGS.get("port", 8443)
    api_name = ARGS.get("api", "SSLContext")
    verify = ARGS.get("verify", "CERT_REQUIRED")
    cadata = unhex(ARGS.get("cadata", None))
    server_hostname = ARGS.get("server_hostname", host)
    correlation_id = ARGS.get("correlation_id", "picow-probe")
    nonce = unhex(ARGS.get("nonce", ""))
    timeout_ms = ARGS.get("timeout_ms", 10000)
    cert = unhex(ARGS.get("cert", None))
    key = unhex(ARGS.get("key", None))

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
    start = time.ticks_ms()

    def stage(name):
        result["stage"] = name
        emit({"kind": "stage", "script": "tls_probe", "stage": name, "t": time.ticks_diff(time.ticks_ms(), start)})

    sock = None
    stream = None
    try:
        stage("api")
        try:
            api = Api(api_name, verify, cadata, cert)
        except (ImportError, AttributeError):
            result["apiAvailable"] = False
            raise
        result["verifyModeValue"] = api.verify_value

        stage("resolve")
        import socket

        address = socket.getaddrinfo(host, port)[0][-1]

        stage("connect")
        sock = socket.socket()
        sock.settimeout(timeout_ms / 1000)
        sock.connect(address)

        stage("handshake")
        result["memFreeBefore"] = mem_free()
        result["rtcAtStart"] = rtc_now()
        began = time.ticks_ms()
        stream = api.connect(sock, api.verify_value, cadata, server_hostname, cert, key)
        result["handshakeMs"] = time.ticks_diff(time.ticks_ms(), began)
        if hasattr(stream, "cipher"):
            try:
                result["cipher"] = list(stream.cipher())
            except Exception:
                pass  # cipher() is informative only

        stage("echo")
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
            stage("done")
    except Exception as e:
        result["error"] = error_of(e)
        result["rtcAtFailure"] = rtc_now()
    # The heap as the probe ends (the TLS socket still open on success, or right after a failure).
    result["memFreeAtEnd"] = mem_free()
    for s in (stream, sock):
        if s is not None:
            try:
                s.close()
            except Exception:
                pass
    emit(result)


try:
    main()
finally:
    del ARGS  # so a later script run without its own ARGS cannot pick these up
