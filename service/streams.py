"""Async iteration over local files without blocking the event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO

import anyio

CHUNK = 1024 * 1024


async def file_chunks(fh: BinaryIO) -> AsyncIterator[bytes]:
    """Yield the file in chunks read in a worker thread; close it at the end or on disconnect."""
    try:
        while chunk := await anyio.to_thread.run_sync(fh.read, CHUNK):
            yield chunk
    finally:
        fh.close()
