# sys as rp2 firmware shows it. picoboot sets implementation, platform and version from the
# firmware profile; everything else is the interpreter's own sys.
from sys import *  # noqa: F401,F403
