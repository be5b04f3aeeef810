# The `micropython` module with kbd_intr() wired to the simulated USB stack: kbd_intr(-1) makes
# Ctrl-C an ordinary input byte, as mp_hal_set_interrupt_char does on rp2, until the next REPL exec
# sets it back to 3. Everything else is the interpreter's own module.
import micropython as _micropython
import _simhost

for _name in dir(_micropython):
    if not _name.startswith("__"):
        globals()[_name] = getattr(_micropython, _name)


def kbd_intr(chr):
    _micropython.kbd_intr(chr)
    _simhost.set_intr(chr)
