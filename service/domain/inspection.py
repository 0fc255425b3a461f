"""Find out what an uploaded file really is, and refuse what cannot be archived safely.

Runs in a worker thread (CPU and disk bound). The type is sniffed from the content only; the
file name and the client's Content-Type are never trusted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import BinaryIO

import puremagic
import pypdf
from PIL import Image
from pypdf.errors import FileNotDecryptedError, PdfReadError

from service.domain import images
from service.domain.pdfium_render import PdfPasswordRequired, render_first_page
from service.errors import UnreadableFile, UnsupportedFileType

log = logging.getLogger(__name__)

PDF_MEDIA_TYPE = "application/pdf"
_HASH_CHUNK = 1024 * 1024

MSG_EMPTY = "Файл пустой (0 байт). Выберите файл ещё раз."
MSG_NOT_SCAN = (
    "Этот файл не похож на скан документа. Принимаются изображения JPEG, PNG, TIFF, WebP, HEIC "
    "и документы PDF. Другие файлы (видео, презентации, архивы) можно загрузить как творческую "
    "работу или презентацию."
)
MSG_IMAGE_BROKEN = (
    "Изображение повреждено или загружено не полностью, его нельзя открыть. "
    "Отсканируйте документ ещё раз или сохраните файл заново."
)
MSG_IMAGE_TOO_BIG = (
    "Изображение слишком большое ({pixels} млн точек, допускается не более {limit} млн). "
    "Отсканируйте документ с меньшим разрешением (300 dpi достаточно)."
)
MSG_TIFF_CODEC = (
    "Файл TIFF сжат способом, который архив не поддерживает. "
    "Сохраните скан в PDF, JPEG или PNG и загрузите снова."
)
MSG_PDF_BROKEN = "PDF-файл повреждён, его нельзя открыть. Сохраните документ в PDF заново и загрузите снова."
MSG_PDF_PASSWORD = (
    "PDF-файл защищён паролем. Снимите пароль (сохраните документ без защиты) и загрузите снова."  # noqa: S105
)
MSG_PDF_NO_PAGES = "В PDF-файле нет ни одной страницы."


@dataclass(frozen=True)
class Inspection:
    media_type: str
    is_scan: bool
    pages: int | None
    sha256: str
    size: int
    thumbnail: bytes  # JPEG


def sha256_of(fh: BinaryIO) -> tuple[str, int]:
    fh.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := fh.read(_HASH_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    fh.seek(0)
    return digest.hexdigest(), size


def looks_like_pdf(head: bytes) -> bool:
    # The PDF header may follow a few junk bytes (a BOM, a mail header): readers look in the
    # first 1024 bytes, so a check at offset 0 only would refuse files every viewer opens.
    return b"%PDF-" in head[:1024]


def inspect_upload(fh: BinaryIO, *, free_form: bool, max_image_pixels: int) -> Inspection:
    """Sniff, validate and thumbnail an uploaded file.

    ``free_form`` says the document kind accepts any file (creative works, presentations).

    Raises:
        UnreadableFile: empty, truncated, corrupt, password-protected, or a decompression bomb.
        UnsupportedFileType: not a scan format and the kind does not accept other files.
    """
    sha256, size = sha256_of(fh)
    if size == 0:
        raise UnreadableFile(MSG_EMPTY)
    head = fh.read(2048)
    fh.seek(0)

    if looks_like_pdf(head):
        try:
            pages, thumb = _inspect_pdf(fh)
        except UnreadableFile:
            if not free_form:
                raise
            # A creative work or presentation is kept as it is even if it cannot be printed.
            return Inspection(PDF_MEDIA_TYPE, False, None, sha256, size, images.placeholder_thumbnail("PDF"))
        return Inspection(PDF_MEDIA_TYPE, True, pages, sha256, size, thumb)

    if images.has_scan_signature(head):
        media_type, pages, thumb = _inspect_image(fh, max_image_pixels)
        return Inspection(media_type, True, pages, sha256, size, thumb)

    if not free_form:
        raise UnsupportedFileType(MSG_NOT_SCAN)
    media_type = _guess_media_type(head)
    return Inspection(media_type, False, None, sha256, size, images.placeholder_thumbnail(_label(media_type)))


def _guess_media_type(head: bytes) -> str:
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return "application/octet-stream"
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    return "application/octet-stream"


def _label(media_type: str) -> str:
    sub = media_type.split("/", 1)[-1]
    return {
        "octet-stream": "FILE",
        "vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    }.get(sub, sub.split(".")[-1].split("+")[0][:6])


def _inspect_image(fh: BinaryIO, max_image_pixels: int) -> tuple[str, int, bytes]:
    """Decode every page once, under the pixel limit; return media type, page count, thumbnail."""
    im: Image.Image | None = None
    try:
        im = images.open_image(fh)
        media_type = images.SCAN_IMAGE_FORMATS[im.format or ""]
        pages = images.page_count(im)
        thumb = b""
        for index in range(pages):
            im.seek(index)
            width, height = im.size
            if width * height > max_image_pixels:
                raise UnreadableFile(
                    MSG_IMAGE_TOO_BIG.format(
                        pixels=round(width * height / 1e6), limit=round(max_image_pixels / 1e6)
                    )
                )
            im.load()
            if index == 0:
                thumb = images.thumbnail_jpeg(im)
    except UnreadableFile:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses at open and names the size it read from the header.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = round(int(claimed.group(1)) / 1e6) if claimed else f"более {round(max_image_pixels / 1e6)}"
        raise UnreadableFile(
            MSG_IMAGE_TOO_BIG.format(pixels=pixels, limit=round(max_image_pixels / 1e6))
        ) from None
    except OSError as exc:
        # libtiff reports codecs it was built without as a decoder error.
        if im is not None and im.format == "TIFF" and "decoder error" in str(exc):
            raise UnreadableFile(MSG_TIFF_CODEC) from None
        raise UnreadableFile(MSG_IMAGE_BROKEN) from None
    except (
        ValueError,
        TypeError,
        SyntaxError,
        IndexError,
        KeyError,
        EOFError,
        ZeroDivisionError,
    ):
        # Pillow's decoders report corrupt input with many exception types.
        raise UnreadableFile(MSG_IMAGE_BROKEN) from None
    finally:
        if im is not None:
            im.close()
    return media_type, pages, thumb


def open_pdf(fh: BinaryIO) -> pypdf.PdfReader:
    """Open a PDF leniently (repairing broken xref tables), decrypted with the empty password.

    Raises:
        UnreadableFile: corrupt, needs a password, or has no pages.
    """
    fh.seek(0)
    try:
        reader = pypdf.PdfReader(fh, strict=False)
        if reader.is_encrypted:
            # pypdf tries the empty password itself; a file that still cannot be read needs one.
            reader.decrypt("")
        if len(reader.pages) == 0:
            raise UnreadableFile(MSG_PDF_NO_PAGES)
    except UnreadableFile:
        raise
    except FileNotDecryptedError:
        raise UnreadableFile(MSG_PDF_PASSWORD) from None
    except (
        PdfReadError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        RecursionError,
        OSError,
    ):
        raise UnreadableFile(MSG_PDF_BROKEN) from None
    return reader


def _inspect_pdf(fh: BinaryIO) -> tuple[int, bytes]:
    reader = open_pdf(fh)
    try:
        pages = len(reader.pages)
        # A trial merge proves the portfolio will be able to copy every page later.
        writer = pypdf.PdfWriter()
        writer.append(reader)
        writer.write(io.BytesIO())
    except FileNotDecryptedError:
        raise UnreadableFile(MSG_PDF_PASSWORD) from None
    except (
        PdfReadError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        RecursionError,
        OSError,
    ):
        raise UnreadableFile(MSG_PDF_BROKEN) from None
    try:
        first_page = render_first_page(fh, longest_side=images.THUMBNAIL_SIZE)
        thumb = images.thumbnail_jpeg(first_page)
    except PdfPasswordRequired:
        # pypdf opened it as owner, but every ordinary viewer would ask the family for a password.
        raise UnreadableFile(MSG_PDF_PASSWORD) from None
    except Exception:  # noqa: BLE001 - PDFium failing to draw is not a reason to refuse a readable PDF
        log.warning("PDF first page could not be rendered; using a placeholder thumbnail")
        thumb = images.placeholder_thumbnail("PDF")
    return pages, thumb
