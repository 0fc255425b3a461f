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
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    RectangleObject,
)

from service.domain import images
from service.domain.inspection import PDF_MEDIA_TYPE, open_pdf
from service.domain.jpeg_metadata import NotAJpeg, strip_jpeg_metadata
from service.domain.pdf_spill import Spill, SpillingOutput, spill_images
from service.models import (
    CATEGORY_TITLES_RU,
    KIND_TITLES_RU,
    LEVEL_TITLES_RU,
    RESULT_TITLES_RU,
    REWARD_KIND_TITLES_RU,
    Category,
    Document,
    Reward,
    Student,
)

log = logging.getLogger(__name__)

_MM = 72 / 25.4
A4 = (210 * _MM, 297 * _MM)
_BORDER = (10 * _MM, 10 * _MM)
# Shrink large scans to fit; never blow a small picture up to a whole page.
_A4_LAYOUT = img2pdf.get_layout_fun(pagesize=A4, border=_BORDER, fit=img2pdf.FitMode.shrink, auto_orient=True)
_PREFETCH = 6
# Bump when the layout changes: cached portfolios of an older layout are then assembled again.
LAYOUT_VERSION = 3
_FRONT_TEMPLATE = files("service") / "templates" / "portfolio_front.typ"
_NUMBERS_TEMPLATE = files("service") / "templates" / "page_numbers.typ"

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
    if document.status != "verified":
        parts.append("не проверен заместителем директора")
    return "; ".join(parts)


@dataclass(frozen=True)
class Assembled:
    pages: int
    sha256: str


@dataclass(frozen=True)
class PortfolioPlan:
    documents: list[Document]  # in portfolio order
    offsets: dict[str, int | None]  # document id -> first page after the front matter (1-based)
    pages: int = 0  # document pages after the front matter


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
    return PortfolioPlan(ordered, offsets, next_page - 1)


def summary_rows(documents: Sequence[Document]) -> list[dict[str, object]]:
    """Counts by category x level x result, in the regulation's category order."""
    counts: dict[tuple[int, str, str, str], int] = {}
    rank = {c: i for i, c in enumerate(Category)}
    for d in documents:
        m = d.metadata
        level = LEVEL_TITLES_RU[m.event_level] if m.event_level else "—"
        result = (RESULT_TITLES_RU[m.result] if m.result else "") or "—"
        key = (rank[m.category], CATEGORY_TITLES_RU[m.category], level, result)
        counts[key] = counts.get(key, 0) + 1
    return [
        {"category": category, "level": level, "result": result, "count": n}
        for (_, category, level, result), n in sorted(counts.items())
    ]


def chronology_rows(documents: Sequence[Document]) -> list[dict[str, str]]:
    def when(d: Document) -> str:
        return ru_date(d.metadata.issued_on) if d.metadata.issued_on else f"{d.metadata.academic_year} уч. г."

    def outcome(d: Document) -> str:
        m = d.metadata
        parts = [
            LEVEL_TITLES_RU[m.event_level] if m.event_level else "",
            RESULT_TITLES_RU[m.result] if m.result else "",
        ]
        return ", ".join(p for p in parts if p) or "—"

    ordered = sorted(
        documents, key=lambda d: (d.metadata.issued_on or date.max, d.metadata.academic_year, d.created_at)
    )
    return [{"when": when(d), "title": d.metadata.title, "outcome": outcome(d)} for d in ordered]


def reward_rows(rewards: Sequence[Reward]) -> list[dict[str, str]]:
    return [
        {
            "when": ru_date(r.granted_on),
            "kind": REWARD_KIND_TITLES_RU[r.kind],
            "reason": r.reason,
            "order": f"№ {r.order_number} от {ru_date(r.order_date)}",
        }
        for r in sorted(rewards, key=lambda r: (r.granted_on, r.id))
    ]


def front_matter_pdf(
    student: Student,
    school_name: str,
    portfolio: PortfolioPlan,
    today: date,
    rewards: Sequence[Reward] = (),
    selection: str = "",
) -> bytes:
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
        "document_pages": portfolio.pages,
        "groups": groups,
        "summary": summary_rows(portfolio.documents),
        "chronology": chronology_rows(portfolio.documents),
        "rewards": reward_rows(rewards),
        "selection": selection,
    }
    source = _FRONT_TEMPLATE.read_bytes()
    return bytes(
        typst.compile(source, format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    )


def page_numbers_pdf(sizes: Sequence[tuple[float, float]], first: int, total: int) -> bytes:
    """One transparent page per size, each with «стр. N из M» at the foot: stamped onto the
    merged document pages."""
    data = {"sizes": [[w, h] for w, h in sizes], "first": first, "total": total}
    return bytes(
        typst.compile(_NUMBERS_TEMPLATE.read_bytes(), format="pdf", sys_inputs={"data": json.dumps(data)})
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


# A4 at 300 dpi, with some room: a print copy needs no more, however finely the original was scanned.
_PRINT_PIXELS = (2480 * 5 // 4, 3508 * 5 // 4)


def _encode_page(frame: Image.Image) -> bytes:
    page = images.to_printable(images.upright(frame), keep_bilevel=True)
    if page.mode != "1" and max(page.size) > max(_PRINT_PIXELS):
        page.thumbnail(_PRINT_PIXELS if page.height >= page.width else _PRINT_PIXELS[::-1])
    # Keep only the colour profile: comments and other carried-over metadata stay out.
    page.info = {k: v for k, v in page.info.items() if k == "icc_profile"}
    out = io.BytesIO()
    if page.mode == "RGB" and frame.format != "PNG":
        page.save(out, format="JPEG", quality=90)
    else:
        page.save(out, format="PNG", optimize=False)
    return out.getvalue()


def image_pages(data: bytes) -> bytes:
    """An image's pages as an A4 PDF (every page of a multi-page TIFF), upright, re-encoded."""
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


def document_pdf(
    document: Document, data: bytes, render_image: Callable[[bytes], bytes] = image_pages
) -> pypdf.PdfReader:
    """The document's pages as a PDF reader ready to append. Images that must be decoded go
    through ``render_image`` (the service passes one that decodes in a limited child process)."""
    if document.file.media_type == PDF_MEDIA_TYPE:
        return open_pdf(io.BytesIO(data))
    pdf = _jpeg_pages(data) if document.file.media_type == "image/jpeg" else None
    if pdf is None:
        pdf = render_image(data)
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


def fit_to_a4(page: pypdf.PageObject) -> None:
    """Make the page A4 (portrait, or landscape for a landscape page): the content is scaled to
    fit and centred; a /Rotate is applied to the content first so the page reads upright."""
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    target_w, target_h = A4 if height >= width else (A4[1], A4[0])
    is_a4 = abs(width - target_w) < 3 and abs(height - target_h) < 3 and box.left == 0 and box.bottom == 0
    if is_a4 and not page.rotation % 360:
        return
    # pypdf rewrites /Contents in place: pages of one PDF may share their content streams, so
    # the page gets a content stream of its own before it is transformed.
    _own_contents(page)
    if page.rotation % 360:
        page.transfer_rotation_to_content()
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if width <= 0 or height <= 0:
        return
    target_w, target_h = A4 if height >= width else (A4[1], A4[0])
    left, bottom = float(box.left), float(box.bottom)
    if abs(width - target_w) < 3 and abs(height - target_h) < 3 and left == 0 and bottom == 0:
        return  # A4 already (within rounding)
    scale = min(target_w / width, target_h / height)
    dx = (target_w - width * scale) / 2 - left * scale
    dy = (target_h - height * scale) / 2 - bottom * scale
    page.add_transformation(pypdf.Transformation().scale(scale, scale).translate(dx, dy))
    a4 = RectangleObject([0, 0, target_w, target_h])
    page.mediabox = a4
    page.cropbox = a4
    page.trimbox = a4
    page.bleedbox = a4
    page.artbox = a4


def _own_contents(page: pypdf.PageObject) -> None:
    writer = page.indirect_reference.pdf if page.indirect_reference is not None else None
    content = page.get_contents()
    own = DecodedStreamObject()
    own.set_data(content.get_data() if content is not None else b"")
    page[NameObject("/Contents")] = writer._add_object(own) if writer is not None else own


def stamp_page_numbers(writer: pypdf.PdfWriter, front: int) -> None:
    """«стр. N из M» on every page after the front matter (which numbers its own pages).

    Each number is a small form XObject drawn after the page's own content, which is wrapped in
    q/Q so nothing it leaves in the graphics state moves the stamp. Unlike ``merge_page`` this
    never parses the page's content stream."""
    pages = writer.pages[front:]
    if not pages:
        return
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in pages]
    numbers = pypdf.PdfReader(io.BytesIO(page_numbers_pdf(sizes, front + 1, len(writer.pages))))
    save = writer._add_object(_content_stream(b"q\n"))
    for page, stamp in zip(pages, numbers.pages, strict=True):
        form = DecodedStreamObject()
        content = stamp.get_contents()  # an empty dictionary-like object is falsy: compare to None
        form.set_data(content.get_data() if content is not None else b"")
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject([FloatObject(v) for v in stamp.mediabox]),
                NameObject("/Resources"): stamp["/Resources"].clone(writer),
            }
        )
        form_ref = writer._add_object(form)
        # Pages of one PDF may share their /Resources: each page gets its own (shallow) copies,
        # or every page would draw the last page's number.
        shared = page.get("/Resources")
        resources = DictionaryObject(shared.get_object() if shared is not None else {})
        listed = resources.get("/XObject")
        xobjects = DictionaryObject(listed.get_object() if listed is not None else {})
        xobjects[NameObject("/ArchivePageNumber")] = form_ref
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page.get("/Contents")
        if contents is None:
            parts = []
        elif isinstance(contents.get_object(), ArrayObject):
            parts = list(contents.get_object())
        else:
            parts = [contents]
        draw = writer._add_object(_content_stream(b"\nQ q /ArchivePageNumber Do Q\n"))
        page[NameObject("/Contents")] = ArrayObject([save, *parts, draw])


def _content_stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


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
    rewards: Sequence[Reward] = (),
    render_image: Callable[[bytes], bytes] = image_pages,
    selection: str = "",
) -> Assembled:
    """Write the portfolio PDF to ``out``; return its page count and SHA-256. ``progress(n)`` is
    called after each of the documents with pages.

    Raises:
        NotFound / StoreUnavailable: from ``fetch`` when an original cannot be read.
    """
    portfolio = plan(documents)
    spill = Spill()
    try:
        return _assemble(
            student,
            school_name,
            portfolio,
            fetch,
            today,
            out,
            progress,
            rewards,
            render_image,
            spill,
            selection,
        )
    finally:
        spill.close()


def _assemble(
    student: Student,
    school_name: str,
    portfolio: PortfolioPlan,
    fetch: Callable[[str], bytes],
    today: date,
    out: BinaryIO,
    progress: Callable[[int], None] | None,
    rewards: Sequence[Reward],
    render_image: Callable[[bytes], bytes],
    spill: Spill,
    selection: str,
) -> Assembled:
    writer = pypdf.PdfWriter()
    writer.append(
        pypdf.PdfReader(
            io.BytesIO(front_matter_pdf(student, school_name, portfolio, today, rewards, selection))
        ),
        import_outline=False,
    )
    front = len(writer.pages)
    scans = [d for d in portfolio.documents if d.file.is_scan]
    category_marks: dict[Category, object] = {}
    for done, (document, data) in enumerate(_prefetched(scans, fetch), start=1):
        first_page = len(writer.pages)
        reader = document_pdf(document, data, render_image)
        writer.append(reader, import_outline=False)
        for page in writer.pages[first_page:]:
            strip_active_content(page)
            fit_to_a4(page)
            spill_images(page, spill)
        # append() has copied every object the pages need, but the writer keeps each reader
        # alive on purpose; closing the reader's buffer and emptying its object cache (which
        # shares the image bytes the spill just moved to disk) stops every scan being held.
        reader.stream.close()
        reader.resolved_objects.clear()
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
    stamp_page_numbers(writer, front)
    writer.add_metadata(
        {
            "/Title": f"Портфолио: {student.full_name}",
            "/Author": school_name,
            "/Subject": "Портфолио достижений обучающегося",
            "/Creator": "school-archive",
        }
    )
    writer.page_mode = "/UseOutlines"
    output = SpillingOutput(out)
    writer.write(output)  # type: ignore[arg-type]
    output.flush()
    return Assembled(pages=len(writer.pages), sha256=output.hexdigest())
