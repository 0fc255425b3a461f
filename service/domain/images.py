"""Pillow helpers shared by thumbnails and portfolio pages."""

from __future__ import annotations

import io
import threading
from typing import BinaryIO

import pillow_heif
from PIL import Image, ImageCms, ImageDraw, ImageOps

pillow_heif.register_heif_opener()

# Formats accepted as scans, as Pillow names them after sniffing the content.
SCAN_IMAGE_FORMATS: dict[str, str] = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # cameras save multi-picture JPEGs as .JPG; the first picture is the photo
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}

# Only multi-page TIFFs (fax, scanner output) become several pages; MPO/WebP/HEIC extra frames
# are alternative views or animation of one picture.
MULTI_PAGE_FORMATS = frozenset({"TIFF"})

THUMBNAIL_SIZE = 320

_lab_lock = threading.Lock()
_lab_transform: ImageCms.ImageCmsTransform | None = None


class _KeepOpen:
    """File proxy whose close() does nothing: Pillow closes the file it was given when a PNG or
    a multi-frame TIFF is closed, but the upload still needs it afterwards."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        return getattr(self._fh, name)


def open_image(fh: BinaryIO) -> Image.Image:
    """Open (lazily) an image of one of the accepted scan formats; raise on anything else."""
    # MPO is not a format of its own to Image.open: the JPEG plugin returns it.
    return Image.open(_KeepOpen(fh), formats=[f for f in SCAN_IMAGE_FORMATS if f != "MPO"])  # type: ignore[arg-type]


_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")


def has_scan_signature(head: bytes) -> bool:
    """True when the first bytes are the signature of an accepted image format.

    Such a file is judged as an image (and a broken one is reported as broken), not as
    "some other kind of file".
    """
    return (
        head.startswith(
            (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
        )
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS)
    )


def page_count(im: Image.Image) -> int:
    if im.format in MULTI_PAGE_FORMATS:
        return int(getattr(im, "n_frames", 1))
    return 1


def _lab_to_rgb(im: Image.Image) -> Image.Image:
    global _lab_transform
    with _lab_lock:
        if _lab_transform is None:
            _lab_transform = ImageCms.buildTransform(
                ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
            )
        transform = _lab_transform
    return ImageCms.applyTransform(im, transform)  # type: ignore[return-value]


def _stretch_to_8bit(im: Image.Image) -> Image.Image:
    """Map a 16-bit or float image onto 0..255 by its own range.

    ``convert("L")`` clips instead of scaling, which turns a 16-bit scan nearly white.
    """
    im = im.convert("F") if im.mode != "F" else im
    lo, hi = im.getextrema()
    if hi <= lo:
        return Image.new("L", im.size, 0 if hi <= 0 else 255)
    scale = 255.0 / (hi - lo)
    return im.point(lambda v: (v - lo) * scale + 0.5).convert("L")


def to_printable(im: Image.Image, *, keep_bilevel: bool) -> Image.Image:
    """Return an image in mode RGB or L (or 1 when ``keep_bilevel``) fit for JPEG/PNG/PDF.

    Transparency is flattened onto white paper; colour spaces other than RGB are converted.
    """
    mode = im.mode
    if mode == "1":
        return im if keep_bilevel else im.convert("L")
    if mode in ("L", "RGB"):
        return im
    if mode.startswith("I") or mode == "F":
        return _stretch_to_8bit(im)
    if mode == "LAB":
        return _lab_to_rgb(im)
    if mode in ("P", "PA", "RGBA", "LA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        flat = paper.convert("RGB")
        return flat.convert("L") if mode in ("LA", "La") else flat
    return im.convert("RGB")


def upright(im: Image.Image) -> Image.Image:
    """Apply EXIF orientation (JPEG, WebP, PNG, HEIC). TIFF orientation is already applied by load()."""
    transposed = ImageOps.exif_transpose(im)
    return transposed if transposed is not None else im


def thumbnail_jpeg(im: Image.Image) -> bytes:
    """A small upright JPEG carrying no EXIF, XMP or ICC metadata."""
    small = to_printable(upright(im), keep_bilevel=False)
    small = small.copy() if small is im else small
    small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    small.info = {}  # Pillow would write a JPEG comment (or other carried-over info) back out
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def placeholder_thumbnail(label: str) -> bytes:
    """A plain card with the file type, for files that have no picture of their own."""
    card = Image.new("RGB", (240, THUMBNAIL_SIZE), (236, 239, 243))
    draw = ImageDraw.Draw(card)
    draw.rectangle((8, 8, 231, THUMBNAIL_SIZE - 9), outline=(150, 160, 175), width=3)
    text = label.upper()[:8] or "FILE"
    box = draw.textbbox((0, 0), text, font_size=40)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(((240 - w) / 2, (THUMBNAIL_SIZE - h) / 2), text, fill=(70, 80, 95), font_size=40)
    out = io.BytesIO()
    card.save(out, format="JPEG", quality=85)
    return out.getvalue()
