from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote

import pytest
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.settings import Settings
from tests.conftest import count_stored, create_student, staff_client, upload
from tests.helpers import image_of, jpeg_bytes, png_bytes, top_is_dark


def filename_star(header: str) -> str:
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert match, header
    return unquote(match.group(1), errors="strict")


def test_upload_returns_metadata_and_file_facts(client: TestClient) -> None:
    student = create_student(client)
    content = jpeg_bytes()
    response = upload(
        client,
        student["id"],
        content,
        "диплом.jpg",
        issued_on="16.05.2025",
        issuer="Управление образования",
        event="Олимпиада по математике",
        event_level="municipal",
        result="prize_winner",
        academic_year="2024/2025",
        source="school",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["media_type"] == "image/jpeg"
    assert body["pages"] == 1
    assert body["issued_on"] == "2025-05-16"
    assert body["event_level"] == "municipal"
    assert body["result"] == "prize_winner"
    assert body["academic_year"] == "2024/2025"
    assert body["original_filename"] == "диплом.jpg"

    assert client.get(f"/api/v1/documents/{body['id']}").json() == body
    listed = client.get(f"/api/v1/students/{student['id']}/documents").json()
    assert [d["id"] for d in listed] == [body["id"]]


def test_academic_year_defaults_from_issue_date(client: TestClient) -> None:
    student = create_student(client)
    body = upload(client, student["id"], jpeg_bytes(), issued_on="2025-10-01").json()
    assert body["academic_year"] == "2025/2026"


def test_content_round_trips_with_cyrillic_name(client: TestClient) -> None:
    student = create_student(client)
    content = png_bytes()
    doc = upload(client, student["id"], content, "Грамота «Лучший чтец» 2025.png").json()
    response = client.get(f"/api/v1/documents/{doc['id']}/content")
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;")
    assert filename_star(disposition) == "Грамота «Лучший чтец» 2025.png"
    disposition.encode("latin-1")  # a header must stay ASCII-safe


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ('C:\\Users\\учитель\\скан "итоговый".jpg', "скан _итоговый_.jpg"),
        ("a\u202ebc.jpg", "abc.jpg"),
        ("..", "document"),
    ],
)
def test_odd_file_names_are_made_safe(client: TestClient, sent: str, kept: str) -> None:
    student = create_student(client)
    doc = upload(client, student["id"], jpeg_bytes(), sent).json()
    assert doc["original_filename"] == kept
    response = client.get(f"/api/v1/documents/{doc['id']}/content")
    assert filename_star(response.headers["content-disposition"]) == kept


def test_same_bytes_again_return_the_existing_document(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    student = create_student(client)
    content = jpeg_bytes()
    first = upload(client, student["id"], content)
    before = count_stored(settings, mongo, s3)
    second = upload(client, student["id"], content, "другое имя.jpg", title="Другое название")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert count_stored(settings, mongo, s3) == before
    # Another pupil may hold the same scan (a team diploma): that is a new document.
    other = create_student(client, "Примеров Лев", "7Б")
    assert upload(client, other["id"], content).status_code == 201


def test_html_creative_work_is_an_attachment_never_rendered(client: TestClient) -> None:
    student = create_student(client)
    html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    response = upload(client, student["id"], html, "работа.html", kind="creative_work", category="creative")
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["pages"] is None
    content = client.get(f"/api/v1/documents/{doc['id']}/content")
    assert content.content == html
    assert content.headers["content-disposition"].startswith("attachment;")
    assert content.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in content.headers["content-security-policy"]
    thumb = client.get(f"/api/v1/documents/{doc['id']}/thumbnail")
    assert thumb.status_code == 200
    assert image_of(thumb.content).format == "JPEG"


def test_non_scan_with_a_scan_kind_is_415(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    student = create_student(client)
    response = upload(client, student["id"], b"PK\x03\x04 not really a scan", "диплом.jpg")
    assert response.status_code == 415
    assert "творческую работу" in response.json()["detail"]
    assert count_stored(settings, mongo, s3).documents == 0
    assert count_stored(settings, mongo, s3).objects == 0


def test_thumbnail_is_small_upright_and_without_exif(client: TestClient) -> None:
    student = create_student(client)
    # Stored sideways (marker bar on the left), EXIF 6 says "rotate 90° clockwise to view";
    # also carries GPS coordinates that must never come back out.
    sideways = jpeg_bytes((900, 600), orientation=6, gps=True, marker_top=False)
    import io

    from PIL import Image, ImageDraw

    im = Image.new("RGB", (900, 600), "white")
    ImageDraw.Draw(im).rectangle((0, 0, 180, 600), fill="black")  # left edge becomes the top
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 21.0)}
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif.tobytes())
    sideways = buf.getvalue()

    doc = upload(client, student["id"], sideways, "фото.jpg").json()
    response = client.get(f"/api/v1/documents/{doc['id']}/thumbnail")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/jpeg")
    thumb = image_of(response.content)
    assert max(thumb.size) <= 320
    assert thumb.height > thumb.width  # portrait once upright
    assert top_is_dark(thumb)
    assert len(thumb.getexif()) == 0
    assert b"Exif" not in response.content


def test_missing_fields_and_file_are_422_in_russian(client: TestClient) -> None:
    student = create_student(client)
    no_title = upload(client, student["id"], jpeg_bytes(), title="")
    assert no_title.status_code == 422
    assert no_title.json()["field"] == "title"
    bad_kind = upload(client, student["id"], jpeg_bytes(), kind="passport")
    assert bad_kind.status_code == 422
    assert "diploma" in bad_kind.json()["detail"]
    bad_year = upload(client, student["id"], jpeg_bytes(), academic_year="2024-2026")
    assert bad_year.status_code == 422
    assert bad_year.json()["field"] == "academic_year"
    bad_date = upload(client, student["id"], jpeg_bytes(), issued_on="31.02.2025")
    assert bad_date.status_code == 422
    assert "нет в календаре" in bad_date.json()["detail"]
    odd_date = upload(client, student["id"], jpeg_bytes(), issued_on="в прошлом мае")
    assert "ДД.ММ.ГГГГ" in odd_date.json()["detail"]
    nameless = client.post(
        f"/api/v1/students/{student['id']}/documents",
        data={"kind": "diploma", "title": "Диплом", "category": "sport"},
        files={"file": ("", png_bytes(), "image/png")},
    )
    assert nameless.status_code in (400, 422), nameless.text
    no_file = client.post(
        f"/api/v1/students/{student['id']}/documents",
        data={"kind": "diploma", "title": "Диплом", "category": "sport"},
        files={"other": ("x.txt", b"x", "text/plain")},
    )
    assert no_file.status_code == 422
    assert no_file.json()["detail"] == "Выберите файл для загрузки."


def test_upload_for_unknown_pupil_is_404_and_stores_nothing(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    response = upload(client, "00000000-0000-0000-0000-000000000000", jpeg_bytes())
    assert response.status_code == 404
    assert count_stored(settings, mongo, s3).objects == 0


def test_unknown_document_is_404_everywhere(client: TestClient) -> None:
    for suffix in ("", "/content", "/thumbnail"):
        response = client.get(f"/api/v1/documents/does-not-exist{suffix}")
        assert response.status_code == 404
        assert response.json()["detail"] == "Документ не найден."
    assert client.get("/api/v1/students/nobody/documents").status_code == 404
    assert client.get("/api/v1/students/nobody/portfolio.pdf").status_code == 404


def test_scan_over_the_limit_is_413_and_creative_work_is_not(
    make_settings, mongo: MongoClient, s3: Minio
) -> None:  # type: ignore[no-untyped-def]
    from service.app import create_app

    settings = make_settings(max_scan_bytes=20_000, max_work_bytes=200_000)
    with staff_client(create_app(settings, sweep_at_start=False)) as client:
        student = create_student(client)
        big_scan = jpeg_bytes((1200, 1200), quality=100, color="gray")
        assert 20_000 < len(big_scan) < 200_000
        refused = upload(client, student["id"], big_scan)
        assert refused.status_code == 413
        assert "МБ" in refused.json()["detail"]
        assert count_stored(settings, mongo, s3).objects == 0
        accepted = upload(client, student["id"], big_scan, kind="creative_work", category="creative")
        assert accepted.status_code == 201
        # Beyond the largest limit the body itself is refused before it is read.
        huge = upload(client, student["id"], b"\0" * 1_300_000, kind="creative_work", category="creative")
        assert huge.status_code == 413
        assert count_stored(settings, mongo, s3).documents == 1


def test_decoding_runs_under_memory_limits(make_settings, mongo: MongoClient, s3: Minio) -> None:  # type: ignore[no-untyped-def]
    import io as _io

    from PIL import Image

    from service.app import create_app

    # 80 megapixels is under the pixel limit, but decodes to ~240 MB: more than this child may use.
    settings = make_settings(inspect_memory_mb=200)
    big = _io.BytesIO()
    Image.new("RGB", (10_000, 8_000), (200, 200, 200)).save(big, format="PNG")
    assert len(big.getvalue()) < 2_000_000
    with staff_client(create_app(settings, sweep_at_start=False)) as client:
        student = create_student(client)
        refused = upload(client, student["id"], big.getvalue(), "огромный.png")
        assert refused.status_code == 422
        assert "памяти" in refused.json()["detail"]
        assert count_stored(settings, mongo, s3).objects == 0
        # The service itself is fine and takes the next file.
        assert upload(client, student["id"], jpeg_bytes()).status_code == 201


def test_editing_metadata_sends_the_document_back_for_checking(client: TestClient) -> None:
    pupil = create_student(client)
    doc = upload(client, pupil["id"], jpeg_bytes(), title="Диплом с опечаткой").json()
    assert doc["status"] == "pending" and doc["status_ru"] == "на проверке"
    verified = client.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "verified"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"

    edited = client.patch(
        f"/api/v1/documents/{doc['id']}", json={"title": "Диплом без опечатки", "result": "winner"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Диплом без опечатки" and edited.json()["result"] == "winner"
    assert edited.json()["status"] == "pending"
    assert client.get(f"/api/v1/documents/{doc['id']}").json()["title"] == "Диплом без опечатки"
    queue = client.get("/api/v1/documents/verification-queue").json()
    assert [d["id"] for d in queue] == [doc["id"]]

    kind = client.patch(f"/api/v1/documents/{doc['id']}", json={"kind": "gramota"})
    assert kind.status_code == 422 and "Загрузите документ заново" in kind.json()["detail"]
    bad = client.patch(f"/api/v1/documents/{doc['id']}", json={"issued_on": "31.02.2020"})
    assert bad.status_code == 422 and bad.json()["field"] == "issued_on"

    rejected = client.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "rejected"})
    assert rejected.status_code == 422 and "причину" in rejected.json()["detail"]
    rejected = client.post(
        f"/api/v1/documents/{doc['id']}/verification",
        json={"decision": "rejected", "reason": "Не тот обучающийся"},
    )
    assert (
        rejected.json()["status"] == "rejected"
        and rejected.json()["rejection_reason"] == "Не тот обучающийся"
    )
    assert client.get("/api/v1/documents/verification-queue").json() == []
    log = client.get("/api/v1/access-log", params={"student_id": pupil["id"]}).json()
    assert [e["action"] for e in log if e["action"] in ("verify", "edit", "reject")] == [
        "verify",
        "edit",
        "reject",
    ]
