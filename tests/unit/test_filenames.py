from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from service.domain.filenames import content_disposition, safe_filename


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Диплом.pdf", "Диплом.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\Мария\\скан.jpg", "скан.jpg"),
        ("a\x00b\x1fc\x7f.png", "abc.png"),
        ("скан %22итог%22.jpg", "скан _итог_.jpg"),
        ("évite\u202egnp.exe", "évitegnp.exe"),
        ("  ...  ", "document"),
        (None, "document"),
        ("x" * 400 + ".jpeg", "x" * 175 + ".jpeg"),
    ],
)
def test_safe_filename(raw: str | None, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_content_disposition_is_ascii_and_keeps_the_exact_name() -> None:
    name = 'Грамота «Живое слово» "финал"; 2025.pdf'
    header = content_disposition(name, inline=False)
    header.encode("ascii")
    assert header.startswith('attachment; filename="')
    fallback = re.search(r'filename="([^"]*)"', header)
    assert fallback and fallback.group(1).startswith("Gramota")
    exact = re.search(r"filename\*=UTF-8''(\S+)$", header)
    assert exact and unquote(exact.group(1)) == name
