"""Assembly of a pupil's portfolio PDF: cover, contents, then every document's pages.

Runs in a worker thread. Scans are embedded as they are where possible (JPEG bytes go into the
PDF without re-encoding, minus their metadata segments); other images are decoded once and
re-encoded; PDFs are copied page by page with their /Rotate kept.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import BinaryIO

import img2pdf
import pypdf
import typst
from PIL import Image, ImageSequence
from pypdf.generic import NameObject

from service.domain import images
from service.domain.inspection import PDF_MEDIA_TYPE, open_pdf
from service.domain.jpeg_metadata import NotAJpeg, strip_jpeg_metadata
from service.models import (
    CATEGORY_TITLES_RU,
    KIND_TITLES_RU,
    LEVEL_TITLES_RU,
    RESULT_TITLES_RU,
    Category,
    Document,
    Student,
)

log = logging.getLogger(__name__)

_MM = 72 / 25.4
A4 = (210 * _MM, 297 * _MM)
_BORDER = (10 * _MM, 10 * _MM)
_A4_LAYOUT = img2pdf.get_layout_fun(pagesize=A4, border=_BORDER, fit=img2pdf.FitMode.into, auto_orient=True)
_PREFETCH = 6
# Bump when the layout changes: cached portfolios of an older layout are then assembled again.
LAYOUT_VERSION = 1
_FRONT_TEMPLATE = files("service") / "templates" / "portfolio_front.typ"

# EXIF orientations a PDF page /Rotate can express (img2pdf's own mapping); the mirrored
# ones (2, 4, 5, 7) are re-encoded upright through Pillow.
_ROTATIONS = {3: img2pdf.Rotation["180"], 6: img2pdf.Rotation["90"], 8: img2pdf.Rotation["270"]}


def ru_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def ordered_documents(documents: Sequence[Document]) -> list[Document]:
    """Category order as the regulation lists them; inside a category, by date of issue."""
    rank = {c: i for i, c in enumerate(Category)}
    return sorted(
        documents,
        key=lambda d: (
            rank[d.metadata.category],
            d.metadata.issued_on or date.max,
            d.created_at,
        ),
    )


def describe(document: Document) -> str:
    """One line under the title in the contents: kind, event, level, result, date."""
    m = document.metadata
    parts = [KIND_TITLES_RU[m.kind]]
    if m.event:
        parts.append(m.event)
    if m.event_level:
        parts.append(LEVEL_TITLES_RU[m.event_level])
    if m.result and RESULT_TITLES_RU[m.result]:
        parts.append(RESULT_TITLES_RU[m.result])
    if m.issued_on:
        parts.append(f"выдан {ru_date(m.issued_on)}")
    parts.append(f"{m.academic_year} уч. г.")
    if not document.file.is_scan:
        parts.append("файл хранится в архиве, в портфолио не печатается")
    return "; ".join(parts)


@dataclass(frozen=True)
class PortfolioPlan:
    documents: list[Document]  # in portfolio order
    offsets: dict[str, int | None]  # document id -> first page after the front matter (1-based)


def plan(documents: Sequence[Document]) -> PortfolioPlan:
    ordered = ordered_documents(documents)
    offsets: dict[str, int | None] = {}
    next_page = 1
    for d in ordered:
        if d.file.is_scan and d.file.pages:
            offsets[d.id] = next_page
            next_page += d.file.pages
        else:
            offsets[d.id] = None
    return PortfolioPlan(ordered, offsets)


def front_matter_pdf(student: Student, school_name: str, portfolio: PortfolioPlan, today: date) -> bytes:
    groups: list[dict[str, object]] = []
    for d in portfolio.documents:
        title = CATEGORY_TITLES_RU[d.metadata.category]
        if not groups or groups[-1]["title"] != title:
            groups.append({"title": title, "entries": []})
        entries = groups[-1]["entries"]
        assert isinstance(entries, list)
        entries.append({"title": d.metadata.title, "details": describe(d), "offset": portfolio.offsets[d.id]})
    data = {
        "title": f"Портфолио: {student.full_name}",
        "school": school_name,
        "student": student.full_name,
        "class_name": student.class_name,
        "assembled_on": ru_date(today),
        "document_count": len(portfolio.documents),
        "groups": groups,
    }
    source = _FRONT_TEMPLATE.read_bytes()
    return bytes(
        typst.compile(source, format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    )


def _jpeg_pages(data: bytes) -> bytes | None:
    """JPEG embedded without re-encoding; None when it must go through Pillow instead."""
    with Image.open(io.BytesIO(data)) as im:
        if im.format != "JPEG":  # MPO and friends: only the first picture belongs on paper
            return None
        try:
            orientation = int(im.getexif().get(0x0112, 1))
        except (ValueError, TypeError, SyntaxError, OSError):
            orientation = 1
    if orientation in (2, 4, 5, 7):
        return None
    rotation = _ROTATIONS.get(orientation, img2pdf.Rotation["0"])
    try:
        clean = strip_jpeg_metadata(data)
    except NotAJpeg:
        return None
    return bytes(img2pdf.convert(clean, layout_fun=_A4_LAYOUT, rotation=rotation))


def _encode_page(frame: Image.Image) -> bytes:
    page = images.to_printable(images.upright(frame), keep_bilevel=True)
    # Keep only the colour profile: comments and other carried-over metadata stay out.
    page.info = {k: v for k, v in page.info.items() if k == "icc_profile"}
    out = io.BytesIO()
    if page.mode == "RGB" and frame.format != "PNG":
        page.save(out, format="JPEG", quality=90)
    else:
        page.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _image_pages(data: bytes) -> bytes:
    with images.open_image(io.BytesIO(data)) as im:
        count = images.page_count(im)
        pages = []
        for index, frame in enumerate(ImageSequence.Iterator(im)):
            if index >= count:
                break
            frame.load()
            frame.format = im.format
            pages.append(_encode_page(frame))
    return bytes(img2pdf.convert(pages, layout_fun=_A4_LAYOUT, rotation=img2pdf.Rotation["0"]))


def document_pdf(document: Document, data: bytes) -> pypdf.PdfReader:
    """The document's pages as a PDF reader ready to append."""
    if document.file.media_type == PDF_MEDIA_TYPE:
        return open_pdf(io.BytesIO(data))
    pdf = _jpeg_pages(data) if document.file.media_type == "image/jpeg" else None
    if pdf is None:
        pdf = _image_pages(data)
    return pypdf.PdfReader(io.BytesIO(pdf))


# Actions a PDF viewer would run on the family's computer; a portfolio never needs them.
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/Rendition", "/RichMediaExecute"}
)


def strip_active_content(page: pypdf.PageObject) -> None:
    """Remove page and annotation actions that run code or send data (links to URLs stay)."""
    page.pop(NameObject("/AA"), None)
    annotations = page.get("/Annots")
    if annotations is None:
        return
    for ref in annotations.get_object():
        annotation = ref.get_object()
        annotation.pop(NameObject("/AA"), None)
        action = annotation.get("/A")
        if action is not None and action.get_object().get("/S") in _ACTIVE_ACTIONS:
            annotation.pop(NameObject("/A"), None)


def _prefetched(docs: Sequence[Document], fetch: Callable[[str], bytes]) -> Iterator[tuple[Document, bytes]]:
    """Fetch originals a few at a time ahead of use: parallel, yet memory stays bounded."""
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="portfolio-fetch") as pool:
        queue: list[tuple[Document, Future[bytes]]] = []
        it = iter(docs)
        for d in it:
            queue.append((d, pool.submit(fetch, d.object_key)))
            if len(queue) >= _PREFETCH:
                break
        while queue:
            d, future = queue.pop(0)
            nxt = next(it, None)
            if nxt is not None:
                queue.append((nxt, pool.submit(fetch, nxt.object_key)))
            yield d, future.result()


def assemble_portfolio(
    *,
    student: Student,
    school_name: str,
    documents: Sequence[Document],
    fetch: Callable[[str], bytes],
    today: date,
    out: BinaryIO,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the portfolio PDF to ``out``; return its page count. ``progress(n)`` is called after
    each of the documents with pages.

    Raises:
        NotFound / StoreUnavailable: from ``fetch`` when an original cannot be read.
    """
    portfolio = plan(documents)
    writer = pypdf.PdfWriter()
    writer.append(
        pypdf.PdfReader(io.BytesIO(front_matter_pdf(student, school_name, portfolio, today))),
        import_outline=False,
    )
    scans = [d for d in portfolio.documents if d.file.is_scan]
    category_marks: dict[Category, object] = {}
    for done, (document, data) in enumerate(_prefetched(scans, fetch), start=1):
        first_page = len(writer.pages)
        reader = document_pdf(document, data)
        writer.append(reader, import_outline=False)
        for page in writer.pages[first_page:]:
            strip_active_content(page)
        # append() has copied every object the pages need, but the writer keeps each reader
        # alive on purpose; closing the reader's buffer stops every scan being held twice.
        reader.stream.close()
        category = document.metadata.category
        if category not in category_marks:
            category_marks[category] = writer.add_outline_item(
                title=CATEGORY_TITLES_RU[category], page_number=first_page
            )
        writer.add_outline_item(
            title=document.metadata.title, page_number=first_page, parent=category_marks[category]
        )
        if progress:
            progress(done)
    writer.add_metadata(
        {
            "/Title": f"Портфолио: {student.full_name}",
            "/Author": school_name,
            "/Subject": "Портфолио достижений обучающегося",
            "/Creator": "school-archive",
        }
    )
    writer.page_mode = "/UseOutlines"
    writer.write(out)
    return len(writer.pages)
