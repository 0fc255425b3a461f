"""Drop metadata segments from a JPEG without decoding it.

Portfolio pages embed scans byte for byte (no re-encoding, no quality loss), yet a photo of a
child may carry GPS coordinates, camera serial numbers or editing history in EXIF, XMP, IPTC or
vendor segments, and phones append whole trailers (motion-photo videos, depth maps) after the
image. Pillow cannot remove these without re-encoding, and the small libraries that claim to
(piexif) only know EXIF and are unmaintained, so the segment walk lives here.

Kept: APP0 (JFIF), APP2 ICC_PROFILE (colour), APP14 (Adobe: tells readers how CMYK is stored),
and every segment the decoder needs. Dropped: every other APPn, COM, and bytes after EOI.
"""

from __future__ import annotations

import re

_SOI = 0xD8
_EOI = 0xD9
_SOS = 0xDA
_APP0 = 0xE0
_APP2 = 0xE2
_APP14 = 0xEE
_COM = 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0-7 carry no length


class NotAJpeg(ValueError):
    """The bytes are not a well-formed JPEG stream."""


def _keep(marker: int, payload: bytes) -> bool:
    if marker == _APP0 or marker == _APP14:
        return True
    if marker == _APP2:
        return payload.startswith(b"ICC_PROFILE\x00")
    return not (0xE0 <= marker <= 0xEF or marker == _COM)


# A marker inside scan data is 0xFF followed by anything but 0x00 (a stuffed 0xFF byte),
# RST0-7 (restart markers, part of the scan) or 0xFF (fill).
_NEXT_MARKER = re.compile(rb"\xff(?![\x00\xd0-\xd7\xff])")


def _skip_entropy_coded(data: bytes, i: int) -> int:
    """Return the offset of the first marker after entropy-coded data starting at ``i``."""
    match = _NEXT_MARKER.search(data, i)
    if match is None or match.start() + 1 >= len(data):
        raise NotAJpeg("scan data runs to the end of the file without an end marker")
    return match.start()


def strip_jpeg_metadata(data: bytes) -> bytes:
    """Return the JPEG with metadata segments and trailing bytes removed.

    Raises:
        NotAJpeg: the stream is malformed (the caller then re-encodes through Pillow).
    """
    if data[:2] != b"\xff\xd8":
        raise NotAJpeg("missing SOI marker")
    out = bytearray(b"\xff\xd8")
    i = 2
    n = len(data)
    while True:
        if i + 1 >= n or data[i] != 0xFF:
            raise NotAJpeg(f"expected a marker at offset {i}")
        while i + 1 < n and data[i + 1] == 0xFF:  # fill bytes before a marker
            i += 1
        marker = data[i + 1]
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE or marker == _SOI:
            out += data[i : i + 2]
            i += 2
            continue
        if i + 4 > n:
            raise NotAJpeg("segment header cut off")
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        end = i + 2 + length
        if length < 2 or end > n:
            raise NotAJpeg(f"segment at offset {i} runs past the end of the file")
        if _keep(marker, data[i + 4 : end]):
            out += data[i:end]
        i = end
        if marker == _SOS:
            j = _skip_entropy_coded(data, i)
            out += data[i:j]
            i = j
