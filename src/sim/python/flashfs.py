# The board's flash filesystem as a MicroPython user VFS. The data lives in the simulated board's
# hardware (main thread), so it survives soft resets, hard resets and power cycles; errors carry
# the errno values rp2's LittleFS driver raises. Like LittleFS, a file's changes are committed
# when it is flushed or closed.
import io
import json
import binascii
import _simhost

_S_IFDIR = 0x4000
_S_IFREG = 0x8000


def _call(op, *args):
    reply = json.loads(_simhost.fs(op, json.dumps(args)))
    if "errno" in reply:
        raise OSError(reply["errno"])
    return reply.get("value")


def _join(cwd, path):
    if not path.startswith("/"):
        path = cwd.rstrip("/") + "/" + path
    parts = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


class _File(io.IOBase):
    _text = False

    def __init__(self, path, mode, data):
        self._path = path
        self._readable = "r" in mode or "+" in mode
        self._writable = "w" in mode or "a" in mode or "x" in mode or "+" in mode
        self._append = "a" in mode
        self._buf = bytearray(data)
        self._pos = len(self._buf) if self._append else 0
        self._dirty = False
        self._closed = False

    def _check(self, want_write=False):
        if self._closed:
            raise OSError(9)  # EBADF
        if want_write and not self._writable:
            raise OSError(9)
        if not want_write and not self._readable:
            raise OSError(9)

    def _out(self, data):
        return data.decode() if self._text else bytes(data)

    def readinto(self, buf):
        self._check()
        n = min(len(buf), len(self._buf) - self._pos)
        if n > 0:
            buf[:n] = self._buf[self._pos : self._pos + n]
            self._pos += n
        return n

    def read(self, size=-1):
        self._check()
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), self._pos + size)
        data = self._buf[self._pos : end]
        self._pos = end
        return self._out(data)

    def readline(self, size=-1):
        self._check()
        end = self._buf.find(b"\n", self._pos)
        end = len(self._buf) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, self._pos + size)
        data = self._buf[self._pos : end]
        self._pos = end
        return self._out(data)

    def readlines(self):
        lines = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data):
        self._check(True)
        if self._text:
            data = data.encode() if isinstance(data, str) else bytes(data)
        else:
            data = bytes(data)
        if self._append:
            self._pos = len(self._buf)
        end = self._pos + len(data)
        if end > len(self._buf):
            _call("reserve", self._path, end)
            self._buf.extend(bytes(end - len(self._buf)))
        self._buf[self._pos : end] = data
        self._pos = end
        self._dirty = True
        return len(data)

    def seek(self, offset, whence=0):
        if self._closed:
            raise OSError(9)  # EBADF
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._buf)
        self._pos = max(0, offset)
        return self._pos

    def tell(self):
        return self._pos

    def flush(self):
        if self._dirty and not self._closed:
            _call("write", self._path, binascii.hexlify(self._buf).decode())
            self._dirty = False

    def close(self):
        if not self._closed:
            self.flush()
            self._closed = True

    def ioctl(self, request, arg):
        if request == 4:  # MP_STREAM_CLOSE
            self.close()
        elif request == 1:  # MP_STREAM_FLUSH
            self.flush()
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileIO(_File):
    pass


class TextIOWrapper(_File):
    _text = True


class FlashVfs:
    def __init__(self):
        self._cwd = "/"

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def _abs(self, path):
        return _join(self._cwd, path)

    def ilistdir(self, path="."):
        for name, is_dir, size in _call("listdir", self._abs(path)):
            yield (name, _S_IFDIR if is_dir else _S_IFREG, 0, size)

    def chdir(self, path):
        target = self._abs(path)
        if not _call("stat", target)[0]:
            raise OSError(20)  # ENOTDIR
        self._cwd = target

    def getcwd(self):
        return self._cwd

    def mkdir(self, path):
        _call("mkdir", self._abs(path))

    def remove(self, path):
        _call("remove", self._abs(path))

    def rmdir(self, path):
        _call("rmdir", self._abs(path))

    def rename(self, old, new):
        _call("rename", self._abs(old), self._abs(new))

    def stat(self, path):
        is_dir, size, mtime = _call("stat", self._abs(path))
        return (_S_IFDIR if is_dir else _S_IFREG, 0, 0, 0, 0, 0, size, mtime, mtime, mtime)

    def statvfs(self, path):
        return tuple(_call("statvfs"))

    def open(self, path, mode="r"):
        path = self._abs(path)
        data = _call("open", path, mode)
        cls = FileIO if "b" in mode else TextIOWrapper
        return cls(path, mode, binascii.unhexlify(data))
