# gc with a Pico W's heap. The WebAssembly interpreter's heap is large, grows on demand and keeps
# what crosses into the host alive, so its own counters say nothing about a Pico. Model:
# mem_alloc() is what the firmware uses at boot plus the memory firmware objects hold from the
# heap (mbedTLS's record buffers while a TLS socket is open); the program's own objects are not
# counted, and a program never gets MemoryError from the Pico's limit. Sizes come from the board
# (SimBoardOptions.heapBytes).
from gc import collect, enable, disable, isenabled, threshold

_sizes = [188416, 6400, 0]  # heap, used at boot, held by firmware objects


def configure(heap_bytes, boot_alloc_bytes):
    _sizes[0] = heap_bytes
    _sizes[1] = boot_alloc_bytes
    _sizes[2] = 0


def reserve(nbytes):
    # An allocation a firmware object makes from the heap (m_tracked_calloc); False if it does not fit.
    if mem_free() < nbytes:
        return False
    _sizes[2] += nbytes
    return True


def release(nbytes):
    _sizes[2] = max(0, _sizes[2] - nbytes)


def mem_alloc():
    return _sizes[1] + _sizes[2]


def mem_free():
    return max(0, _sizes[0] - mem_alloc())
