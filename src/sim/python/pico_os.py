# os as rp2 firmware has it: the VFS functions (served by the board's flash), uname(), urandom().
from os import chdir, getcwd, ilistdir, listdir, mkdir, mount, remove, rename, rmdir, stat, statvfs, umount
import _simhost

unlink = remove
_uname = None


def configure(uname_tuple):
    global _uname
    _uname = uname_tuple


def uname():
    return _uname


def urandom(n):
    import binascii

    return binascii.unhexlify(_simhost.urandom_hex(int(n)))


def sync():
    # LittleFS commits on close/flush; the simulated flash is always in sync.
    pass
