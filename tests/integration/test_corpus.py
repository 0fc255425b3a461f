"""Every row of the shared corpus (real public files): accepted files round-trip and print with
their page count; refused files get a clear 4xx and leave nothing behind."""

from __future__ import annotations

import io

import pypdf
import pytest
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.settings import Settings
from tests.conftest import corpus_file, corpus_rows, count_stored, create_student, upload
from tests.helpers import image_of

ROWS = corpus_rows()
if not ROWS:
    pytest.skip("test corpus (../shared/corpus) not available", allow_module_level=True)

# Tricky rows this service refuses, on purpose (the README says why).
REFUSED_TRICKY = {
    "tricky/r6-user-password.pdf": "паролем",  # viewers ask for the user password
    "tricky/hopper_webp.tif": "TIFF",  # WebP-compressed TIFF: no codec in the Pillow wheels
}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
def test_corpus_file(
    row: dict[str, str], client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    path = corpus_file(row["file"])
    content = path.read_bytes()
    student = create_student(client)
    before = count_stored(settings, mongo, s3)
    response = upload(client, student["id"], content, path.name)
    assert response.status_code < 500, response.text

    should_accept = row["expected"] == "accept" and row["file"] not in REFUSED_TRICKY
    if not should_accept:
        assert 400 <= response.status_code < 500
        problem = response.json()
        assert problem["detail"] and all(ch not in problem["detail"] for ch in "<>{}")
        assert "Traceback" not in response.text
        if row["file"] in REFUSED_TRICKY:
            assert REFUSED_TRICKY[row["file"]] in problem["detail"]
        assert count_stored(settings, mongo, s3) == before
        return

    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["pages"] == int(row["expected_pages"])
    stored = client.get(f"/api/v1/documents/{doc['id']}/content")
    assert stored.content == content
    thumb = image_of(client.get(f"/api/v1/documents/{doc['id']}/thumbnail").content)
    assert max(thumb.size) <= 320
    assert len(thumb.getexif()) == 0
    portfolio = client.get(f"/api/v1/students/{student['id']}/portfolio.pdf")
    assert portfolio.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(portfolio.content))
    front = len(reader.pages) - doc["pages"]
    assert front >= 2  # cover + contents
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["Олимпиады и конкурсы"]
    assert reader.get_destination_page_number(reader.outline[1][0]) == front
