# The firmware's TLS module as user code imports it: `tls` from v1.23, `ssl`/`ussl` before. Only the
# names the firmware version had are published here (see pico_tls_impl.configure).
import pico_tls_impl as _impl


def _configure(features):
    _impl.configure(features, globals())
