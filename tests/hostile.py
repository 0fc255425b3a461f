"""Generated hostile files: decompression bombs, absurd dimensions, deep and looping structures.

Each is small on disk and expensive (or endless) for a naive decoder.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

A4_PAGE = b"/Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"


def pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct cross-reference table; object 1 is the catalogue."""
    buf = io.BytesIO()
    buf.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(buf.tell())
        buf.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = buf.tell()
    buf.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        buf.write(b"%010d 00000 n \n" % offset)
    buf.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return buf.getvalue()


def _flate_stream(data_chunks: list[bytes], extra: bytes = b"") -> bytes:
    co = zlib.compressobj(9)
    packed = b"".join(co.compress(c) for c in data_chunks) + co.flush()
    return b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n%s\nendstream" % (len(packed), extra, packed)


def _one_page(page: bytes, *more: bytes) -> bytes:
    return pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, *more]
    )


def flate_bomb_pdf(inflated_mb: int = 2048) -> bytes:
    """A page whose content stream inflates to ``inflated_mb`` MB (about 1/1000 of that on disk)."""
    spaces = b" " * (1 << 20)
    return _one_page(b"<< %s /Contents 4 0 R >>" % A4_PAGE, _flate_stream([spaces] * inflated_mb))


def object_stream_bomb_pdf(padding_mb: int = 1024) -> bytes:
    """The page object lives in an object stream (found through a cross-reference stream) that
    inflates to ``padding_mb`` MB: reading the page at all means inflating all of it."""
    page = b"<< %s >>" % A4_PAGE
    objstm = _flate_stream([b"3 0 " + page] + [b" " * (1 << 20)] * padding_mb, b"/Type /ObjStm /N 1 /First 4")
    buf = io.BytesIO()
    buf.write(b"%PDF-1.7\n")
    offsets = {}
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (4, objstm),
    ):
        offsets[number] = buf.tell()
        buf.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref_at = buf.tell()
    rows = [
        struct.pack(">BIH", 0, 0, 65535),
        struct.pack(">BIH", 1, offsets[1], 0),
        struct.pack(">BIH", 1, offsets[2], 0),
        struct.pack(">BIH", 2, 4, 0),  # object 3: index 0 of object stream 4
        struct.pack(">BIH", 1, offsets[4], 0),
        struct.pack(">BIH", 1, xref_at, 0),
    ]
    table = b"".join(rows)
    xref = b"<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>" % len(table)
    buf.write(b"5 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (xref, table))
    buf.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return buf.getvalue()


def nested_arrays_pdf(depth: int = 200_000) -> bytes:
    return _one_page(b"<< %s /Junk %s%s >>" % (A4_PAGE, b"[" * depth, b"]" * depth))


def deep_page_tree_pdf(depth: int = 5000) -> bytes:
    """One page at the bottom of a page tree ``depth`` levels deep."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        me = 2 + level
        parent = b"" if level == 0 else b"/Parent %d 0 R " % (me - 1)
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 %s>>" % (me + 1, parent))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % (depth + 1))
    return pdf(objects)


def page_tree_loop_pdf() -> bytes:
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header promising width x height RGB pixels, with almost no data behind it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real 16 x 16 JPEG whose frame header is patched to claim width x height."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_pixel_flood(width: int = 16_000, height: int = 16_000) -> bytes:
    """A real, valid PNG of 256 megapixels of one colour: about 1 MB on disk."""
    row = b"\x00" + b"\xff" * width  # filter byte + one grey sample per pixel
    co = zlib.compressobj(9)
    packed = b"".join(co.compress(row) for _ in range(height)) + co.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", packed)
        + _png_chunk(b"IEND", b"")
    )
