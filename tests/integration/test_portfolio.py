"""The portfolio PDF: front matter, page numbers, bookmarks, upright pages, no photo metadata."""

from __future__ import annotations

import io

import pypdf
import pypdfium2 as pdfium
import pytest
from litestar.testing import TestClient
from PIL import Image, ImageChops, ImageOps

from tests.conftest import corpus_file, create_student, upload
from tests.helpers import image_of, jpeg_bytes, png_bytes, top_is_dark


def portfolio_of(client: TestClient, student_id: str) -> pypdf.PdfReader:
    response = client.get(f"/api/v1/students/{student_id}/portfolio.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.content))


def render_page(reader: pypdf.PdfReader, index: int) -> Image.Image:
    out = io.BytesIO()
    writer = pypdf.PdfWriter()
    writer.add_page(reader.pages[index])
    writer.write(out)
    page = pdfium.PdfDocument(out.getvalue())[0]
    return page.render(scale=0.5).to_pil().convert("RGB")


def content_of(page: Image.Image) -> Image.Image:
    """Crop a rendered page to its non-white content (the placed image)."""
    box = ImageOps.invert(page.convert("L")).point(lambda v: 255 if v > 12 else 0).getbbox()
    assert box, "blank page"
    return page.crop(box)


def outline_titles(reader: pypdf.PdfReader) -> list[object]:
    return [[o.title for o in item] if isinstance(item, list) else item.title for item in reader.outline]


def test_portfolio_has_cover_contents_pages_and_bookmarks(client: TestClient) -> None:
    student = create_student(client, "Тестова Алиса Игоревна", "7Б")
    sid = student["id"]
    upload(
        client,
        sid,
        jpeg_bytes(),
        "a.jpg",
        title="Диплом олимпиады",
        category="olympiad_contest",
        issued_on="2025-03-01",
    )
    upload(client, sid, png_bytes(), "b.png", title="Грамота ГТО", category="gto", result="gto_gold")
    three = corpus_file("good/multi-page-images.pdf").read_bytes()
    upload(client, sid, three, "c.pdf", title="Сертификат конференции", category="research_project")
    upload(
        client,
        sid,
        b"\x00\x01video",
        "клип.mp4",
        title="Видео выступления",
        kind="creative_work",
        category="creative",
    )

    reader = portfolio_of(client, sid)
    front = len(reader.pages) - 5
    assert front == 3
    cover = reader.pages[0].extract_text()
    assert "Тестова Алиса Игоревна" in cover and "7Б" in cover and "Тестовая гимназия № 0" in cover
    summary = reader.pages[1].extract_text()
    assert "Сводная таблица достижений" in summary and "золотой знак ГТО" in summary
    assert "01.03.2025" in summary  # the chronological list
    contents = reader.pages[2].extract_text()
    assert "Содержание" in contents
    # Category order follows the regulation; page numbers follow the front matter.
    assert (
        contents.index("Олимпиады и конкурсы") < contents.index("ГТО") < contents.index("Исследовательские")
    )
    assert "Видео выступления" in contents and "в портфолио не печатается" in contents
    assert outline_titles(reader) == [
        "Олимпиады и конкурсы",
        ["Диплом олимпиады"],
        "ГТО",
        ["Грамота ГТО"],
        "Исследовательские и проектные работы",
        ["Сертификат конференции"],
    ]
    first_pages = [
        reader.get_destination_page_number(item[0]) for item in reader.outline if isinstance(item, list)
    ]
    assert first_pages == [3, 4, 5]
    lines = [line.strip() for line in contents.splitlines()]
    assert any(line.endswith(" 4") for line in lines) and any(line.endswith(" 6") for line in lines)
    # «стр. N из M» on every page, generated and merged; A4 throughout.
    for n, page in enumerate(reader.pages, start=1):
        assert f"стр. {n} из {len(reader.pages)}" in page.extract_text(), n
        width, height = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (n, width, height)
    assert reader.metadata.author == "Тестовая гимназия № 0" and reader.metadata.subject
    assert reader.metadata is not None and reader.metadata.title == "Портфолио: Тестова Алиса Игоревна"


def test_markup_in_names_is_printed_as_text(client: TestClient) -> None:
    nasty = '#import "x": * ]Ёжиков[ $a$ <b> @c //d'
    student = create_student(client, nasty, "5А")
    upload(client, student["id"], jpeg_bytes(), title="#set page(width: 1pt) ]")
    reader = portfolio_of(client, student["id"])
    assert len(reader.pages) == 4
    text = "".join(reader.pages[n].extract_text() for n in range(3))
    assert "Ёжиков" in text and "#import" in text and "#set page" in text


def test_jpeg_goes_in_without_reencoding_and_without_exif(client: TestClient) -> None:
    student = create_student(client)
    original = jpeg_bytes((400, 300), gps=True)
    assert b"SyntheticCam" in original
    upload(client, student["id"], original)
    pdf = client.get(f"/api/v1/students/{student['id']}/portfolio.pdf").content
    assert b"SyntheticCam" not in pdf and b"Exif" not in pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    xobjects = reader.pages[-1]["/Resources"]["/XObject"]
    (image,) = [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]
    assert image["/Filter"] == "/DCTDecode"
    embedded = image.get_data()
    # Same pixels bit for bit: the JPEG data was copied, not decoded and compressed again.
    assert ImageChops.difference(image_of(embedded), image_of(original)).getbbox() is None


@pytest.mark.parametrize("orientation", [1, 3, 6, 8, 5, 2])
def test_pages_are_upright_for_every_exif_orientation(client: TestClient, orientation: int) -> None:
    # Draw an upright portrait page with a dark bar on top, then store it the way a camera with
    # this orientation would (pixels transformed, EXIF saying how to undo it).
    upright = Image.new("RGB", (300, 450), (190, 190, 190))  # grey, to tell it from the paper
    upright.paste((0, 0, 0), (0, 0, 300, 90))
    undo = {
        1: None,
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = upright.transpose(undo) if undo is not None else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", exif=exif.tobytes())

    student = create_student(client)
    doc = upload(client, student["id"], buf.getvalue()).json()
    thumb = image_of(client.get(f"/api/v1/documents/{doc['id']}/thumbnail").content)
    assert thumb.height > thumb.width and top_is_dark(thumb)
    reader = portfolio_of(client, student["id"])
    page = content_of(render_page(reader, len(reader.pages) - 1))
    assert page.height > page.width
    assert top_is_dark(page)


def test_corpus_orientations_are_upright(client: TestClient) -> None:
    reference = Image.open(corpus_file("good/hopper_orientation_3.jpg"))
    reference = ImageOps.exif_transpose(reference).convert("L")
    student = create_student(client)
    for name in (
        "hopper_orientation_3.jpg",
        "hopper_orientation_5.jpg",
        "hopper_orientation_6.jpg",
        "hopper_orientation_8.jpg",
    ):
        doc = upload(client, student["id"], corpus_file(f"good/{name}").read_bytes(), name).json()
        thumb = image_of(client.get(f"/api/v1/documents/{doc['id']}/thumbnail").content).convert("L")
        diff = ImageChops.difference(thumb.resize(reference.size), reference)
        mean = sum(diff.getdata()) / (reference.width * reference.height)
        assert mean < 20, f"{name}: thumbnail differs from the upright reference (mean {mean:.1f})"
    rect = upload(client, student["id"], corpus_file("good/orientation_rectangle.jpg").read_bytes()).json()
    small = image_of(client.get(f"/api/v1/documents/{rect['id']}/thumbnail").content)
    assert small.height > small.width
    g4 = upload(client, student["id"], corpus_file("good/g4_orientation_6.tif").read_bytes()).json()
    wide = image_of(client.get(f"/api/v1/documents/{g4['id']}/thumbnail").content)
    assert wide.width > wide.height  # TIFF orientation is applied once, not twice


def test_sixteen_bit_scan_is_not_washed_out(client: TestClient) -> None:
    student = create_student(client)
    doc = upload(client, student["id"], corpus_file("good/basn0g16.png").read_bytes()).json()
    thumb = image_of(client.get(f"/api/v1/documents/{doc['id']}/thumbnail").content).convert("L")
    values = list(thumb.getdata())
    white = sum(1 for v in values if v > 250)
    assert white < len(values) / 4
    assert max(values) - min(values) > 200  # the full range survives


def test_pdf_pages_keep_their_rotation(client: TestClient) -> None:
    # The pages read as the original shows them: /Rotate is applied to the content (so the page
    # number stamp is upright too), landscape pages stay landscape.
    original = corpus_file("good/habibi-rotated.pdf").read_bytes()
    student = create_student(client)
    upload(client, student["id"], original)
    reader = portfolio_of(client, student["id"])
    source = pypdf.PdfReader(io.BytesIO(original))
    for n in range(4):
        shown = render_page(source, n)
        merged = render_page(reader, len(reader.pages) - 4 + n)
        assert (shown.width > shown.height) == (merged.width > merged.height), n
        a = shown.convert("L").resize((60, 60))
        b = merged.convert("L").resize((60, 60))
        diff = ImageChops.difference(a, b)
        assert sum(diff.getdata()) / 3600 < 20, n


def test_empty_portfolio_still_has_a_cover(client: TestClient) -> None:
    student = create_student(client)
    reader = portfolio_of(client, student["id"])
    assert len(reader.pages) == 3
    assert "нет документов" in reader.pages[2].extract_text()


def _pdf_with_javascript() -> bytes:
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    page = writer.pages[0]
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('EVILJS')"),
        }
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(50), FloatObject(50)]
            ),
            NameObject("/A"): script,
        }
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): script})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_scripts_in_uploaded_pdfs_do_not_reach_the_portfolio(client: TestClient) -> None:
    student = create_student(client)
    original = _pdf_with_javascript()
    assert b"EVILJS" in original
    doc = upload(client, student["id"], original, "скан.pdf").json()
    assert client.get(f"/api/v1/documents/{doc['id']}/content").content == original  # the original is kept
    pdf = client.get(f"/api/v1/students/{student['id']}/portfolio.pdf").content
    assert b"EVILJS" not in pdf and b"/JavaScript" not in pdf
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 4


def test_thumbnails_drop_jpeg_comments(client: TestClient) -> None:
    student = create_student(client)
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buf, format="JPEG", comment=b"SECRET-COMMENT")
    doc = upload(client, student["id"], buf.getvalue()).json()
    thumb = client.get(f"/api/v1/documents/{doc['id']}/thumbnail").content
    assert b"SECRET-COMMENT" not in thumb
    assert b"SECRET-COMMENT" not in client.get(f"/api/v1/students/{student['id']}/portfolio.pdf").content


def _pdf_sharing_content_and_resources() -> bytes:
    """Three pages with one /Resources dictionary and one content stream, rotated differently,
    as some scanners and PDF tools write them."""
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    reader = pypdf.PdfReader(io.BytesIO(jpeg_to_pdf(jpeg_bytes((600, 800), color="white"))))
    writer = pypdf.PdfWriter()
    first = writer.add_page(reader.pages[0])
    content = DecodedStreamObject()
    content.set_data(first.get_contents().get_data() + b"\n0 0 0 rg 50 700 200 40 re f\n")
    content_ref = writer._add_object(content)
    resources_ref = writer._add_object(DictionaryObject(first["/Resources"]))
    for n, rotation in enumerate((90, 180, 270)):
        page = (
            first
            if n == 0
            else writer.add_blank_page(float(first.mediabox.width), float(first.mediabox.height))
        )
        page[NameObject("/Contents")] = content_ref
        page[NameObject("/Resources")] = resources_ref
        page.rotation = rotation
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_to_pdf(data: bytes) -> bytes:
    import img2pdf

    return bytes(img2pdf.convert(data))


def test_pages_sharing_content_and_resources_each_keep_their_own_number(client: TestClient) -> None:
    original = _pdf_sharing_content_and_resources()
    student = create_student(client)
    upload(client, student["id"], original, "общий.pdf")
    reader = portfolio_of(client, student["id"])
    total = len(reader.pages)
    source = pypdf.PdfReader(io.BytesIO(original))
    for n in range(3):
        index = total - 3 + n
        assert f"стр. {index + 1} из {total}" in reader.pages[index].extract_text(), index
        shown, merged = render_page(source, n), render_page(reader, index)
        assert (shown.width > shown.height) == (merged.width > merged.height), n
        a = shown.convert("L").resize((60, 60))
        b = merged.convert("L").resize((60, 60))
        assert sum(ImageChops.difference(a, b).getdata()) / 3600 < 20, n  # the same picture, upright
