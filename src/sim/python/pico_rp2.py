# rp2: the parts of ports/rp2/modrp2.c a networking script touches. country() is the deprecated
# alias of network.country() (it sets the same C global).
import pico_hw


def country(*args):
    if args:
        pico_hw.call("wlan.country", args[0])
        return None
    return pico_hw.call("wlan.country", None)


def _bootsel_button():
    # Model: nobody holds the BOOTSEL button of a simulated board.
    return 0


class Flash:
    pass


class PIO:
    pass


class StateMachine:
    pass


def configure(features):
    if features["bootselButton"]:
        globals()["bootsel_button"] = _bootsel_button
