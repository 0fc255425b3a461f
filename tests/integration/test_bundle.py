"""The family's bundle: portfolio, originals by category, manifests, checksums, README; BagIt."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import bagit
import pypdf
import pytest
from litestar.testing import TestClient

from tests.conftest import create_student, make_user, upload
from tests.helpers import jpeg_bytes, png_bytes


def _verify(client: TestClient, doc_id: str) -> None:
    assert (
        client.post(f"/api/v1/documents/{doc_id}/verification", json={"decision": "verified"}).status_code
        == 200
    )


@pytest.fixture
def pupil_with_documents(client: TestClient) -> tuple[dict, list[dict], bytes]:
    pupil = create_student(client)
    scan = jpeg_bytes()
    docs = [
        upload(
            client,
            pupil["id"],
            scan,
            "диплом.jpg",
            title="Диплом: победитель / 1 место",
            category="olympiad_contest",
        ),
        upload(
            client,
            pupil["id"],
            png_bytes(),
            "грамота.png",
            title="Диплом: победитель / 1 место",
            category="olympiad_contest",
        ),
        upload(
            client,
            pupil["id"],
            jpeg_bytes(color="gray"),
            "../../etc/passwd",
            title="..\\..\\Грамота",
            category="sport",
        ),
        upload(
            client,
            pupil["id"],
            b"a video of a concert",
            "концерт.mp4",
            kind="creative_work",
            title="Концерт",
            category="creative",
        ),
    ]
    assert all(d.status_code == 201 for d in docs), [d.text for d in docs]
    return pupil, [d.json() for d in docs], scan


def _zip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def test_bundle_holds_everything_and_every_checksum_matches(
    client: TestClient, pupil_with_documents: tuple[dict, list[dict], bytes], tmp_path: Path
) -> None:
    pupil, docs, scan = pupil_with_documents
    response = client.get(f"/api/v1/students/{pupil['id']}/bundle.zip")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/zip")
    assert "attachment" in response.headers["content-disposition"]
    bundle = _zip(response.content)
    assert bundle.testzip() is None
    names = bundle.namelist()
    assert {"portfolio.pdf", "manifest.json", "manifest.csv", "README.txt", "checksums.sha256"} <= set(names)
    originals = [n for n in names if n.startswith("Документы/")]
    assert len(originals) == 4 and len({n.casefold() for n in originals}) == 4
    # Folders per category, Russian names, no path tricks.
    assert all(n.count("/") == 2 and ".." not in n and "\\" not in n for n in originals)
    assert any(n.startswith("Документы/Олимпиады и конкурсы/") for n in originals)
    assert any(n.endswith(".mp4") for n in originals)

    # Every checksum in the bundle matches the file it names.
    listed = [line.split("  ", 1) for line in bundle.read("checksums.sha256").decode().splitlines()]
    assert {path for _, path in listed} == set(names) - {"checksums.sha256"}
    for sha, path in listed:
        assert hashlib.sha256(bundle.read(path)).hexdigest() == sha, path
    manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["student"]["full_name"] == pupil["full_name"]
    by_sha = {d["sha256"]: d for d in docs}
    for row in manifest["documents"]:
        assert hashlib.sha256(bundle.read(row["file"])).hexdigest() == row["sha256"]
        assert by_sha[row["sha256"]]["size"] == row["size"]
    assert bundle.read(next(n for n in originals if n.endswith(".jpg") and "Олимп" in n)) == scan
    assert hashlib.sha256(bundle.read("portfolio.pdf")).hexdigest() == manifest["portfolio"]["sha256"]
    assert len(pypdf.PdfReader(io.BytesIO(bundle.read("portfolio.pdf"))).pages) >= 5

    table = list(csv.reader(io.StringIO(bundle.read("manifest.csv").decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Файл в пакете", "Название", "Вид документа"] and len(table) == 5
    readme = bundle.read("README.txt").decode()
    assert pupil["full_name"] in readme and "sha256sum -c checksums.sha256" in readme


def test_bundle_in_bagit_layout_validates(
    client: TestClient, pupil_with_documents: tuple[dict, list[dict], bytes], tmp_path: Path
) -> None:
    pupil, _, _ = pupil_with_documents
    response = client.get(f"/api/v1/students/{pupil['id']}/bundle.zip", params={"layout": "bagit"})
    assert response.status_code == 200
    _zip(response.content).extractall(tmp_path)
    bag = bagit.Bag(str(tmp_path))
    bag.validate()  # raises on any missing or altered file
    assert (tmp_path / "data" / "portfolio.pdf").exists()
    assert "Source-Organization" in bag.info
    (tmp_path / "data" / "portfolio.pdf").write_bytes(b"changed")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(tmp_path)).validate()


def test_a_parent_s_bundle_holds_only_their_child_s_verified_documents(
    client: TestClient, pupil_with_documents: tuple[dict, list[dict], bytes]
) -> None:
    pupil, docs, _ = pupil_with_documents
    _verify(client, docs[0]["id"])
    other = create_student(client, "Примеров Лев", "5А")
    parent = make_user(client, "parent-b", ["parent"], student_ids=[pupil["id"]])
    bundle = _zip(client.get(f"/api/v1/students/{pupil['id']}/bundle.zip", headers=parent).content)
    manifest = json.loads(bundle.read("manifest.json"))
    assert [r["sha256"] for r in manifest["documents"]] == [docs[0]["sha256"]]
    assert "Примеров" not in json.dumps(manifest, ensure_ascii=False)
    assert client.get(f"/api/v1/students/{other['id']}/bundle.zip", headers=parent).status_code == 404
    log = client.get("/api/v1/access-log", params={"student_id": pupil["id"]}).json()
    assert any(e["action"] == "read_bundle" for e in log)


def test_bundle_tables_never_run_formulas(client: TestClient) -> None:
    pupil = create_student(client)
    upload(client, pupil["id"], jpeg_bytes(), title='=HYPERLINK("http://x","y")', event="+cmd|calc")
    bundle = _zip(client.get(f"/api/v1/students/{pupil['id']}/bundle.zip").content)
    table = list(csv.reader(io.StringIO(bundle.read("manifest.csv").decode("utf-8-sig")), delimiter=";"))
    assert table[1][1].startswith("'=") and table[1][4].startswith("'+")
    # A blank filter value is no filter.
    assert len(
        _zip(
            client.get(f"/api/v1/students/{pupil['id']}/bundle.zip", params={"academic_year": ""}).content
        ).namelist()
    ) == len(bundle.namelist())
