"""Small builders of test files (synthetic, generated on the fly)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def jpeg_bytes(
    size: tuple[int, int] = (200, 300),
    *,
    color: str = "white",
    orientation: int | None = None,
    gps: bool = False,
    marker_top: bool = True,
    quality: int = 85,
) -> bytes:
    """A JPEG with a black bar at the top (to tell upright from upside down) and optional EXIF."""
    im = Image.new("RGB", size, color)
    if marker_top:
        ImageDraw.Draw(im).rectangle((0, 0, size[0], size[1] // 5), fill="black")
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)}
        exif[0x010F] = "SyntheticCam"
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality, exif=exif.tobytes() if (orientation or gps) else b"")
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (120, 80), mode: str = "RGB") -> bytes:
    im = Image.new(mode, size, 128 if mode in ("L", "I;16") else (30, 120, 200))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def image_of(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def top_is_dark(im: Image.Image) -> bool:
    """True when the top fifth is darker than the bottom fifth (the marker bar is on top)."""
    gray = im.convert("L")
    w, h = gray.size
    top = gray.crop((0, 0, w, max(1, h // 6)))
    bottom = gray.crop((0, h - max(1, h // 6), w, h))
    mean = lambda part: sum(part.getdata()) / (part.width * part.height)  # noqa: E731
    return mean(top) + 40 < mean(bottom)
