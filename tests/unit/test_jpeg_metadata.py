from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from service.domain.jpeg_metadata import NotAJpeg, strip_jpeg_metadata
from tests.helpers import jpeg_bytes


def test_exif_and_gps_are_removed_and_pixels_untouched() -> None:
    original = jpeg_bytes((64, 48), orientation=6, gps=True)
    assert b"Exif" in original and b"SyntheticCam" in original
    clean = strip_jpeg_metadata(original)
    assert b"Exif" not in clean and b"SyntheticCam" not in clean
    a, b = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(clean))
    assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


def test_comments_xmp_and_trailers_go_icc_and_adobe_stay() -> None:
    im = Image.new("CMYK", (32, 32), (10, 20, 30, 40))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", icc_profile=b"\x00" * 200, comment=b"secret comment")
    data = buf.getvalue()
    xmp = b"\xff\xe1" + (len(b"http://ns.adobe.com/xap/1.0/\x00<x:gps/>") + 2).to_bytes(2, "big")
    xmp += b"http://ns.adobe.com/xap/1.0/\x00<x:gps/>"
    data = data[:2] + xmp + data[2:] + b"MOTION-PHOTO-VIDEO-TRAILER"
    clean = strip_jpeg_metadata(data)
    assert b"secret comment" not in clean and b"<x:gps/>" not in clean and b"TRAILER" not in clean
    assert b"ICC_PROFILE" in clean and b"Adobe" in clean
    assert clean.endswith(b"\xff\xd9")
    assert Image.open(io.BytesIO(clean)).mode == "CMYK"


def test_progressive_jpeg_survives() -> None:
    im = Image.effect_noise((120, 90), 40).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, format="JPEG", progressive=True)
    clean = strip_jpeg_metadata(buf.getvalue())
    assert (
        ImageChops.difference(
            Image.open(io.BytesIO(clean)).convert("RGB"), Image.open(buf).convert("RGB")
        ).getbbox()
        is None
    )


@pytest.mark.parametrize(
    "data", [b"", b"\x89PNG\r\n", b"\xff\xd8\xff\xe1\xff\xff", b"\xff\xd8\xff\xda\x00\x08abc"]
)
def test_malformed_streams_are_refused(data: bytes) -> None:
    with pytest.raises(NotAJpeg):
        strip_jpeg_metadata(data)
