# sys as rp2 firmware shows it. picoboot sets implementation, platform and version from the
# firmware profile; everything else is the interpreter's own sys. path, argv, ps1 and ps2 live
# outside sys's dict (attribute delegation), so `from sys import *` alone misses them.
import sys as _sys
from sys import *  # noqa: F401,F403

for _name in dir(_sys):
    if not _name.startswith("_") and _name not in globals():
        globals()[_name] = getattr(_sys, _name)
del _name, _sys
