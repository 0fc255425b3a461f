"""Original file names: kept for people, never used as storage keys."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME = 180
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_filename(name: str | None, *, fallback: str = "document") -> str:
    """The last path segment of a client-supplied name, without control or path characters.

    ``../../etc/passwd`` becomes ``passwd``; ``C:\\scan.jpg`` becomes ``scan.jpg``.
    """
    # Browsers (WHATWG multipart rules) send '"', CR and LF in file names as %22, %0D, %0A.
    raw = (name or "").replace("%22", '"').replace("%0D", " ").replace("%0A", " ")
    raw = unicodedata.normalize("NFC", raw)
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]
    raw = "".join(ch for ch in raw if not unicodedata.category(ch).startswith("C"))
    raw = _UNSAFE.sub("_", raw).strip(" .")
    if not raw:
        return fallback
    if len(raw) > MAX_NAME:
        stem, dot, ext = raw.rpartition(".")
        raw = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else raw[:MAX_NAME]
    return raw


_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)


def _ascii_fallback(filename: str) -> str:
    """Latin transliteration for old clients that ignore ``filename*``."""
    chars = []
    for ch in filename:
        low = ch.lower()
        if low in _TRANSLIT:
            t = _TRANSLIT[low].strip("_")
            chars.append(t.capitalize() if ch != low else t)
        else:
            chars.append(ch)
    return unicodedata.normalize("NFKD", "".join(chars)).encode("ascii", "ignore").decode("ascii")


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266 header with an ASCII fallback and the exact UTF-8 name (RFC 5987/8187)."""
    ascii_name = _ascii_fallback(filename)
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()-]", "_", ascii_name).strip() or "document"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
