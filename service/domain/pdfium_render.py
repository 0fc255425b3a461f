"""First-page rendering of PDFs through PDFium.

PDFium is not thread-safe; every call goes through one lock, and the service calls it from
worker threads only.
"""

from __future__ import annotations

import threading
from typing import BinaryIO

import pypdfium2 as pdfium
from PIL import Image

_lock = threading.Lock()


class PdfPasswordRequired(Exception):
    """PDFium (the engine of Chrome's viewer) cannot open the file without a password."""


def render_first_page(fh: BinaryIO, *, longest_side: int) -> Image.Image:
    """Render page 1 so that its longest side is ``longest_side`` pixels.

    Raises:
        PdfPasswordRequired: the file needs a password to open.
        pypdfium2.PdfiumError: anything else PDFium refuses.
    """
    fh.seek(0)
    data = fh.read()
    with _lock:
        try:
            doc = pdfium.PdfDocument(data, password="")
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise PdfPasswordRequired from exc
            raise
        try:
            page = doc[0]
            w, h = page.get_size()
            scale = longest_side / max(w, h, 1.0)
            bitmap = page.render(scale=scale, may_draw_forms=True)
            image = bitmap.to_pil().convert("RGB")
            page.close()
            return image
        finally:
            doc.close()
