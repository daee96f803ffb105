"""How the C allocator hands memory back to the operating system, set once per cleaner process.

glibc's malloc serves a block of at least ``M_MMAP_THRESHOLD`` bytes with its own mapping,
returned to the system when freed, but by default it raises that threshold to the size of each
such block freed (up to 32 MB). After the first multi-megabyte document text is freed, the next
ones come from the heap, and a heap only shrinks from its top: the freed texts of every stage
stay resident, and a 2 MB document kept ~40 MB more than it needed. A fixed threshold (which
also stops the dynamic adjustment) returns every large block when it is freed.
"""

from __future__ import annotations

import ctypes
import sys

#: mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: glibc's default threshold, kept fixed: document texts, their copies and large lists are
#: far above it; the small objects Python makes are far below.
LARGE_BLOCK_BYTES = 128 * 1024


def return_large_blocks() -> bool:
    """Make freed large blocks go back to the system at once; True when the allocator took
    the setting (glibc), False elsewhere, where nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, LARGE_BLOCK_BYTES)
    )
