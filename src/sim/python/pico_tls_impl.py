# The implementation of the firmware's TLS module (pico_tls publishes its names) over the board's simulated mbedTLS (main thread): `tls` from v1.23
# (extmod/modtls_mbedtls.c), the native `ssl`/`ussl` before (modussl_mbedtls.c, modssl_mbedtls.c).
# configure() trims it to the API the firmware version had. Handshakes run on the board; the
# server's chain is judged there at the board's own RTC.
import pico_hw
import pico_gc

_CERT_NONE = 0
_CERT_REQUIRED = 2
_CLIENT = 0
_SERVER = 1

# mbedTLS's record buffers (MBEDTLS_SSL_IN/OUT_CONTENT_LEN 16384/4096 in every rp2 config, plus
# record overhead) and its context, allocated from the MicroPython heap as m_tracked_calloc does on
# rp2. Model: the overhead and the handshake's transient needs are estimates.
_BUFFER_BYTES = 16384 + 4096 + 2 * 325
_HANDSHAKE_BYTES = 6000

_features = {}


def _bytes(value):
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


def _reserve(nbytes):
    # mbedTLS's calloc fails when the heap has no room (after one collection): ENOMEM.
    if not pico_gc.reserve(nbytes):
        pico_gc.collect()
        if not pico_gc.reserve(nbytes):
            raise OSError(12)
    return nbytes


class SSLContext:
    # The native type's attribute handler (ssl_context_attr) stores verify_mode, from v1.23 also
    # verify_callback, and nothing else: any other store raises AttributeError.
    _settable = ("verify_mode",)

    def __init__(self, protocol):
        if protocol not in (_CLIENT, _SERVER):
            raise ValueError("invalid protocol")
        self._protocol = protocol
        # v1.23+: a client context verifies by default; v1.21/v1.22 native contexts did not.
        self.verify_mode = _CERT_REQUIRED if (_features["tlsModule"] and protocol == _CLIENT) else _CERT_NONE
        self._cadata = []
        self._chain = None
        self._ciphers = None

    def __getattr__(self, name):
        # An instance attribute of the native object, not of its type: hasattr(tls.SSLContext, ...) is False.
        if name == "verify_callback" and name in self._settable:
            return None
        raise AttributeError("'SSLContext' object has no attribute '%s'" % name)

    def __setattr__(self, name, value):
        if not name.startswith("_") and name not in self._settable:
            raise AttributeError("'SSLContext' object has no attribute '%s'" % name)
        object.__setattr__(self, name, value)

    def wrap_socket(self, sock, *, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        if server_side or self._protocol == _SERVER:
            raise OSError(95)  # Model: the simulated board does not serve TLS
        return SSLSocket(self, sock, do_handshake_on_connect, server_hostname)


def _read_if_file(value):
    if isinstance(value, str) and "-----BEGIN" not in value:
        with open(value, "rb") as f:
            return f.read()
    return value


class SSLSocket(pico_hw.Stream):
    def __init__(self, context, sock, do_handshake, server_hostname):
        if context.verify_mode == _CERT_REQUIRED and server_hostname is None and _features["hostnameRequired"]:
            raise ValueError("CERT_REQUIRED requires server_hostname")
        self._sock = sock
        self._context = context
        self._timeout = sock._timeout
        self._memory = _reserve(_BUFFER_BYTES + _HANDSHAKE_BYTES)
        try:
            self._start(sock, context, do_handshake, server_hostname)
        except Exception:
            pico_gc.release(self._memory)
            self._memory = 0
            raise

    def _start(self, sock, context, do_handshake, server_hostname):
        opts = {
            "serverHostname": None if server_hostname is None else str(server_hostname),
            "verifyMode": context.verify_mode,
            "cadata": [pico_hw.b64(c) for c in context._cadata],
            "chain": None if context._chain is None else [pico_hw.b64(part) for part in context._chain],
        }
        self._tcp_id = sock._live()
        self._id = pico_hw.call("tls.wrap", self._tcp_id, opts)
        sock._id = None  # the TLS session owns the TCP connection now
        self._open = False
        if do_handshake:
            self._handshake()
            # the handshake's transient buffers are freed; the record buffers stay
            pico_gc.release(_HANDSHAKE_BYTES)
            self._memory -= _HANDSHAKE_BYTES

    def _handshake(self):
        tid = self._id
        try:
            try:
                pico_hw.block(lambda: pico_hw.call("tls.handshake", tid), self._timeout)
            except OSError as exc:
                if exc.args and exc.args[0] in (11, 110):
                    pico_hw.call("tls.handshake_timed_out", tid)
                raise
        except Exception:
            # MicroPython detaches the TCP socket before raising; the TLS entry is freed and the
            # TCP connection is the application's again (its close() frees it, as on a board).
            self._id = None
            pico_hw.call("tls.close", tid)
            self._sock._id = self._tcp_id
            raise
        self._open = True

    def _live(self):
        if self._id is None:
            raise OSError(9)
        if not self._open:
            self._handshake()
        return self._id

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def _read_once(self, n):
        tid = self._live()
        return pico_hw.block(lambda: pico_hw.call("tls.read", tid, n), self._timeout)

    def write(self, data):
        tid = self._live()
        view = memoryview(bytes(data))
        total = len(view)
        while len(view):
            chunk = bytes(view[:4096])
            sent = pico_hw.block(lambda: pico_hw.call("tls.write", tid, pico_hw.b64(chunk)) or None, self._timeout)
            view = view[sent:]
        return total

    def close(self):
        if self._id is not None:
            pico_hw.call("tls.close", self._id)
            self._id = None
        pico_gc.release(self._memory)
        self._memory = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _ctx_load_cert_chain(self, cert, key):
    cert = _read_if_file(cert) if not _features["tlsModule"] else cert
    key = _read_if_file(key) if not _features["tlsModule"] else key
    pico_hw.call("tls.check_chain", pico_hw.b64(_bytes(cert)), pico_hw.b64(_bytes(key)))
    self._chain = (_bytes(cert), _bytes(key))

def _ctx_load_verify_locations(self, cafile=None, cadata=None):
    if cafile is not None and not _features["tlsModule"]:
        cadata = _read_if_file(cafile)
    elif cafile is not None:
        cadata = cafile  # tls takes the data as its only argument
    if cadata is None:
        raise TypeError("function missing required positional argument")
    pico_hw.call("tls.check_cadata", pico_hw.b64(_bytes(cadata)))
    self._cadata.append(_bytes(cadata))

def _ctx_get_ciphers(self):
    return pico_hw.call("tls.ciphers")

def _ctx_set_ciphers(self, ciphers):
    known = pico_hw.call("tls.ciphers")
    if not ciphers or any(c not in known for c in ciphers):
        raise OSError(-24192, "MBEDTLS_ERR_SSL_BAD_CONFIG")
    self._ciphers = list(ciphers)

def _sock_cipher(self):
    return tuple(pico_hw.call("tls.cipher", self._live()))

def _sock_getpeercert(self, binary_form=False):
    if not binary_form:
        raise NotImplementedError
    return pico_hw.call("tls.peer_certificate", self._live())


def _wrap_socket(sock, *, key=None, cert=None, server_side=False, server_hostname=None, cert_reqs=_CERT_NONE, cadata=None, do_handshake=True):
    # The native module-level wrap_socket of firmware <= v1.22 (keyword-only, CERT_NONE default).
    context = SSLContext(1 if server_side else 0)
    if key is not None:
        _ctx_load_cert_chain(context, cert, key)
    context.verify_mode = cert_reqs
    if cadata is not None:
        pico_hw.call("tls.check_cadata", pico_hw.b64(_bytes(cadata)))
        context._cadata.append(_bytes(cadata))
    return context.wrap_socket(sock, server_side=server_side, do_handshake_on_connect=do_handshake, server_hostname=server_hostname)


def _wrap_socket_without_verification(sock, **kwargs):
    # v1.19.1-88: wrap_socket(sock, *, key, cert, server_side, server_hostname, do_handshake).
    for name in kwargs:
        if name not in ("key", "cert", "server_side", "server_hostname", "do_handshake"):
            raise TypeError("extra keyword arguments given")
    return _wrap_socket(sock, **kwargs)


def configure(features, g):
    # Publish into the module `g` exactly the names this firmware version's module had.
    _features.update(features)
    if features["getpeercert"]:
        SSLSocket.getpeercert = _sock_getpeercert
    if features["verifyCallback"]:
        # Model: the callback is stored (default None) but the simulated handshake does not call it.
        SSLContext._settable = ("verify_mode", "verify_callback")
    if features["sslContextLoad"] or features["tlsModule"]:
        SSLContext.load_cert_chain = _ctx_load_cert_chain
        SSLContext.load_verify_locations = _ctx_load_verify_locations
        SSLContext.get_ciphers = _ctx_get_ciphers
        SSLContext.set_ciphers = _ctx_set_ciphers
        SSLSocket.cipher = _sock_cipher
        g["MBEDTLS_VERSION"] = features["mbedtlsVersionText"]
    if features["certReqs"]:
        g["CERT_NONE"] = 0
        g["CERT_OPTIONAL"] = 1
        g["CERT_REQUIRED"] = 2
    if features["sslContext"]:
        g["SSLContext"] = SSLContext
        g["PROTOCOL_TLS_CLIENT"] = _CLIENT
        g["PROTOCOL_TLS_SERVER"] = _SERVER
    if not features["tlsModule"]:
        g["wrap_socket"] = _wrap_socket if features["certReqs"] else _wrap_socket_without_verification
