"""Give freed heap memory back to the operating system after large one-off jobs.

A portfolio holds every scan it embeds until the PDF is written; glibc keeps those freed pages
in its per-thread arenas, so each job's peak would stack on the last one's leftovers and the
process would only ever grow. ``malloc_trim`` returns them. Elsewhere (musl, macOS) it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc

import anyio


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - probe: glibc only
    except (OSError, AttributeError):
        return None
    return libc


DECODE_SLOTS = 2


@functools.cache
def decode_limiter() -> anyio.CapacityLimiter:
    """Process-wide cap on concurrent image/PDF decoding (CPU- and memory-heavy)."""
    return anyio.CapacityLimiter(DECODE_SLOTS)


PORTFOLIO_SLOTS = 2


@functools.cache
def portfolio_limiter() -> anyio.CapacityLimiter:
    """At most two portfolios are assembled at once per process (the background worker runs one
    job at a time, so a family's small portfolio never waits behind a large job). Image data is
    spilled to disk while assembling, so each costs tens of megabytes, not the size of its scans."""
    return anyio.CapacityLimiter(PORTFOLIO_SLOTS)


def release_free_memory(*, collect: bool = True) -> None:
    if collect:
        # pypdf's writer and its objects reference each other: only the cycle collector frees them.
        gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
