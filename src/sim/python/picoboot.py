# Runs once in every fresh interpreter of a simulated Pico W, before any user code.
# It makes the WebAssembly MicroPython look like rp2 firmware to the code that runs on it:
# rp2's sys/os/time identity and clocks, the board's flash as the root filesystem, input() on the
# USB serial line, and no way to import the host plumbing. It also runs code for the firmware's
# REPL loops (see ../worker/firmware.ts) the way pyexec.c does.
import sys
import builtins
import io
import json
import binascii
import vfs
import _simhost

_SIM_DIR = "/.sim/"
_tuple = tuple
_main_globals = None

# pyexec results, as in shared/runtime/pyexec.c on rp2
NORMAL = 1
EXCEPTION = 0
FORCED_EXIT = 0x100
KEYBOARD_INTERRUPT = 2


def _attrtuple(fields, values):
    # Like the firmware's attrtuple: a tuple with named fields and a "(name=value, ...)" repr.
    class tuple(_tuple):
        def __repr__(self):
            return "(" + ", ".join("%s=%r" % (f, v) for f, v in zip(fields, self)) + ")"

        __str__ = __repr__

    for index, field in enumerate(fields):
        setattr(tuple, field, property(lambda self, i=index: self[i]))
    return tuple(values)


def _strip_sim_frames(text):
    lines = [line for line in text.split("\n") if not line.startswith('  File "' + _SIM_DIR)]
    if len(lines) > 1 and lines[0] == "Traceback (most recent call last):" and not lines[1].startswith("  File "):
        lines.pop(0)
    return "\n".join(lines)


def _format_exception(exc):
    buf = io.StringIO()
    sys.print_exception(exc, buf)
    return _strip_sim_frames(buf.getvalue())


def run(source, filename, mode):
    # parse_compile_execute: compile and run with Ctrl-C enabled. Returns "<pyexec result>:<what the
    # board prints for an uncaught exception>"; the firmware prints it with its EOF markers.
    g = _main_globals
    try:
        code = compile(source, filename, mode)
        if mode == "exec":
            g["__file__"] = filename
        _simhost.set_intr(3)
        exec(code, g)
        # mp_handle_pending after the call: a Ctrl-C that came in at the very end still counts.
        if _simhost.set_intr(-1):
            raise KeyboardInterrupt
        return "%d:" % NORMAL
    except SystemExit:
        _simhost.set_intr(-1)
        return "%d:" % FORCED_EXIT
    except BaseException as exc:  # noqa: B902 - everything the board would print
        # The exception path clears a Ctrl-C that is still pending (..._CLEAR_EXCEPTIONS).
        _simhost.set_intr(-1)
        code = KEYBOARD_INTERRUPT if isinstance(exc, KeyboardInterrupt) else EXCEPTION
        return "%d:%s" % (code, _format_exception(exc))


def run_file(path):
    # pyexec_file_if_exists: a missing file counts as a successful empty one.
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError:
        return "%d:" % NORMAL
    return run(source, path, "exec")


def syntax_error_in(source):
    # What the board prints if compiling `source` (complete lines received so far) fails, else "".
    try:
        compile(source, "<stdin>", "exec")
    except SyntaxError as exc:
        return _format_exception(exc)
    except Exception:  # noqa: B902 - only syntax errors matter here
        pass
    return ""


def _input(prompt=""):
    # input() reads a line from the USB serial port with echo and line editing.
    reply = _simhost.readline(str(prompt))
    if reply[0] == "L":
        return reply[1:]
    if reply[0] == "I":
        raise KeyboardInterrupt
    raise EOFError


def install(config_json):
    global _main_globals
    cfg = json.loads(config_json)
    import flashfs
    import pico_sys
    import pico_os
    import pico_time
    import pico_sched
    import pico_gc
    import pico_machine
    import pico_network
    import pico_socket
    import pico_rp2
    import pico_micropython
    import pico_tls
    import __main__

    features = cfg["features"]
    pico_machine.configure(binascii.unhexlify(cfg["unique_id"]))
    pico_network.configure(features)
    pico_rp2.configure(features)
    pico_tls._configure(features)

    # Firmware modules written in Python import the C modules by their board names.
    sys.modules["tls"] = pico_tls
    sys.modules["socket"] = pico_socket
    if features["tlsModule"]:
        import pico_ssl
    import pico_ntptime

    del sys.modules["tls"], sys.modules["socket"]

    version = _tuple(cfg["version"]) + (("",) if cfg["version_has_prerelease"] else ())
    if cfg["version_has_prerelease"] and cfg["prerelease"]:
        version = version[:3] + (cfg["prerelease"],)
    machine = cfg["board"] + " with " + cfg["mcu"]
    pico_sys.implementation = _attrtuple(
        ("name", "version", "_machine", "_mpy"), ("micropython", version, machine, cfg["mpy"])
    )
    pico_sys.platform = "rp2"
    pico_sys.version = "3.4.0; MicroPython " + cfg["git_tag"] + " on " + cfg["build_date"]
    pico_os.configure(
        _attrtuple(
            ("sysname", "nodename", "release", "version", "machine"),
            (
                "rp2",
                "rp2",
                cfg["version_string"],
                cfg["git_tag"] + " on " + cfg["build_date"] + " (" + cfg["build_type"] + ")",
                machine,
            ),
        )
    )

    # The board's flash is the root filesystem, as _boot.py mounts LittleFS on rp2.
    vfs.umount("/")
    vfs.mount(flashfs.FlashVfs(), "/")
    import os

    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]

    overrides = {
        "sys": pico_sys,
        "usys": pico_sys,
        "os": pico_os,
        "uos": pico_os,
        "time": pico_time,
        "utime": pico_time,
        "gc": pico_gc,
        "machine": pico_machine,
        "umachine": pico_machine,
        "network": pico_network,
        "socket": pico_socket,
        "usocket": pico_socket,
        "rp2": pico_rp2,
        "ntptime": pico_ntptime,
        "micropython": pico_micropython,
    }
    if features["tlsModule"]:
        overrides["tls"] = pico_tls
        overrides["ssl"] = pico_ssl
    else:
        overrides["ssl"] = pico_tls
        overrides["ussl"] = pico_tls
    # Host plumbing and the prelude's own modules (the pico_* imported above) are not importable
    # by user code; a user's own pico_*.py on the flash still is.
    hidden = ("js", "jsffi", "_simhost", "picoboot", "flashfs", "pyscript")
    hidden += tuple(name for name in sys.modules if name.startswith("pico_"))
    if not features["tlsModule"]:
        hidden += ("tls",)

    def is_hidden(name):
        return name in hidden

    real_import = builtins.__import__

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            if is_hidden(name.split(".")[0]):
                raise ImportError("no module named '%s'" % name)
            module = overrides.get(name)
            if module is not None:
                return module
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = __import__
    builtins.input = _input
    for name in list(sys.modules):
        if is_hidden(name):
            del sys.modules[name]
    for name, module in overrides.items():
        if name in sys.modules:
            sys.modules[name] = module
        # Each module answers to its board name (not its u-alias) and has no file, like a C module.
        if name[1:] not in overrides:
            module.__name__ = name
            if "__file__" in module.__dict__:
                del module.__dict__["__file__"]
    pico_gc.configure(cfg["heap_bytes"], cfg["boot_alloc_bytes"])
    _main_globals = __main__.__dict__
