from __future__ import annotations

from PIL import Image

from service.domain.images import has_scan_signature, to_printable


def test_sixteen_bit_images_are_stretched_not_clipped() -> None:
    im = Image.new("I;16", (4, 1))
    im.putdata([0, 300, 700, 1023])  # a 10-bit sensor range inside 16 bits
    out = to_printable(im, keep_bilevel=False)
    assert out.mode == "L"
    assert list(out.getdata()) == [0, 75, 174, 255]


def test_transparency_is_flattened_onto_white() -> None:
    im = Image.new("RGBA", (2, 1), (0, 0, 0, 0))
    assert to_printable(im, keep_bilevel=False).getpixel((0, 0)) == (255, 255, 255)


def test_bilevel_kept_only_when_asked() -> None:
    im = Image.new("1", (2, 2))
    assert to_printable(im, keep_bilevel=True).mode == "1"
    assert to_printable(im, keep_bilevel=False).mode == "L"


def test_signatures() -> None:
    assert has_scan_signature(b"\x89PNG\r\n\x1a\n....")
    assert has_scan_signature(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    assert has_scan_signature(b"\x00\x00\x00\x18ftypheic")
    assert not has_scan_signature(b"GIF89a")
    assert not has_scan_signature(b"<!DOCTYPE html>")
