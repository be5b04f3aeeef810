# ssl from v1.23: micropython-lib's Python module on top of the native tls module (facts §5). Its
# SSLContext forces verify_mode to CERT_NONE and its wrap_socket defaults to CERT_NONE, so a script
# that does not ask for CERT_REQUIRED verifies nothing. Like the frozen module (micropython-lib
# 50ed36fb / 68e3e07b in v1.23.0 / v1.24.1) its SSLContext has no get_ciphers, set_ciphers or
# verify_callback: those are on tls.SSLContext only.
import tls
from tls import CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, MBEDTLS_VERSION


def _read(path_or_data):
    if isinstance(path_or_data, str):
        with open(path_or_data, "rb") as f:
            return f.read()
    return path_or_data


class SSLContext:
    def __init__(self, *args):
        self._context = tls.SSLContext(*args)
        self._context.verify_mode = CERT_NONE

    @property
    def verify_mode(self):
        return self._context.verify_mode

    @verify_mode.setter
    def verify_mode(self, value):
        self._context.verify_mode = value

    def load_cert_chain(self, certfile, keyfile):
        self._context.load_cert_chain(_read(certfile), _read(keyfile))

    def load_verify_locations(self, cafile=None, cadata=None):
        if cafile:
            cadata = _read(cafile)
        self._context.load_verify_locations(cadata)

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        return self._context.wrap_socket(
            sock, server_side=server_side, do_handshake_on_connect=do_handshake_on_connect, server_hostname=server_hostname
        )


def wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE, cadata=None, server_hostname=None, do_handshake=True):
    context = SSLContext(PROTOCOL_TLS_SERVER if server_side else PROTOCOL_TLS_CLIENT)
    if cert or key:
        context.load_cert_chain(cert, key)
    if cadata:
        context.load_verify_locations(cadata=cadata)
    context.verify_mode = cert_reqs
    return context.wrap_socket(sock, server_side=server_side, do_handshake_on_connect=do_handshake, server_hostname=server_hostname)
