"""Keep a big PDF's image data on disk while pypdf assembles it, instead of in memory.

pypdf's writer holds every stream it will write as bytes until ``write``; a 400-page portfolio of
scans is then held whole in the service's memory. Here each large image stream's bytes are moved
to one temporary file as soon as its page is appended, and the writer gets a small placeholder
with the same length. ``SpillingOutput`` wraps the real output: when the writer writes a
placeholder, the bytes are copied from the file in chunks. The output is hashed on the way, so the
finished PDF's SHA-256 needs no second pass.
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import IO, BinaryIO

import pypdf
from pypdf.generic import IndirectObject, NameObject, StreamObject

SPILL_FROM = 64 * 1024  # smaller streams stay in memory: not worth a file round trip
CHUNK = 1024 * 1024


class SpilledData:
    """Stands in for a stream's bytes; only ``len`` and writing through ``SpillingOutput`` work."""

    __slots__ = ("_spill", "length", "offset")

    def __init__(self, spill: Spill, offset: int, length: int) -> None:
        self._spill = spill
        self.offset = offset
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __hash__(self) -> int:
        return hash((id(self._spill), self.offset, self.length))

    def chunks(self) -> list[bytes] | object:
        return self._spill.read(self.offset, self.length)


class Spill:
    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="archive-portfolio-")
        self._size = 0

    def keep(self, data: bytes) -> SpilledData:
        offset = self._size
        self._file.seek(offset)
        self._file.write(data)
        self._size += len(data)
        return SpilledData(self, offset, len(data))

    def read(self, offset: int, length: int):  # type: ignore[no-untyped-def]
        self._file.seek(offset)
        left = length
        while left > 0:
            chunk = self._file.read(min(CHUNK, left))
            if not chunk:
                raise OSError("portfolio spill file is shorter than expected")
            left -= len(chunk)
            yield chunk

    def close(self) -> None:
        self._file.close()


def spill_images(page: pypdf.PageObject, spill: Spill) -> None:
    """Move the page's large image streams (in the writer) to the spill file."""
    resources = page.get("/Resources")
    if resources is None:
        return
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return
    for ref in xobjects.get_object().values():
        target = ref.get_object() if isinstance(ref, IndirectObject) else ref
        if (
            isinstance(target, StreamObject)
            and target.get(NameObject("/Subtype")) == "/Image"
            and isinstance(target._data, bytes)
            and len(target._data) >= SPILL_FROM
        ):
            target._data = spill.keep(target._data)  # type: ignore[assignment]


class SpillingOutput:
    """A write-only stream for ``PdfWriter.write`` that expands placeholders and hashes.

    pypdf writes in many tiny pieces; they are gathered into 1 MB blocks before hashing and
    writing, which costs far less than hashing each piece."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._written = 0
        self._buffer = bytearray()
        self._sha256 = hashlib.sha256()

    def write(self, data: bytes | SpilledData) -> int:
        if isinstance(data, SpilledData):
            self._drain()
            for chunk in data.chunks():  # type: ignore[attr-defined]
                self._put(chunk)
            self._written += data.length
            return data.length
        self._buffer += data
        self._written += len(data)
        if len(self._buffer) >= CHUNK:
            self._drain()
        return len(data)

    def _drain(self) -> None:
        if self._buffer:
            self._put(bytes(self._buffer))
            self._buffer.clear()

    def _put(self, chunk: bytes) -> None:
        self._out.write(chunk)
        self._sha256.update(chunk)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        self._drain()
        self._out.flush()

    def hexdigest(self) -> str:
        self._drain()
        return self._sha256.hexdigest()
