# picow-harness device script: which firmware the board runs (used by `devices --probe`).
# Plain MicroPython; prints one line "@@picow {...}".
import json
import sys

print("@@picow", json.dumps({"version": sys.version, "machine": getattr(sys.implementation, "_machine", None)}))
