"""Team diplomas and class material: stored once, part of each pupil's record, never a way to
learn about other pupils."""

from __future__ import annotations

import io
import json
import zipfile

import pypdf
from litestar.testing import TestClient
from pymongo import MongoClient

from service.settings import Settings
from tests.conftest import create_student, make_user, upload
from tests.helpers import jpeg_bytes, png_bytes

YEAR = "2025/2026"


def _verified(client: TestClient, student_id: str, content: bytes, **fields: str) -> dict:
    doc = upload(client, student_id, content, academic_year=YEAR, **fields).json()
    assert (
        client.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "verified"}).status_code
        == 200
    )
    return doc


def _pages(client: TestClient, student_id: str, **params: str) -> int:
    response = client.get(f"/api/v1/students/{student_id}/portfolio.pdf", params=params)
    assert response.status_code == 200, response.text
    return len(pypdf.PdfReader(io.BytesIO(response.content)).pages)


def test_a_team_diploma_is_stored_once_and_belongs_to_each_pupil(
    client: TestClient, settings: Settings, mongo: MongoClient
) -> None:
    a = create_student(client, "Капитанова Анна", "7Б")
    b = create_student(client, "Командин Борис", "7Б")
    c = create_student(client, "Союзникова Вера", "8А")
    outsider = create_student(client, "Посторонний Глеб", "8А")
    team = _verified(
        client,
        a["id"],
        jpeg_bytes(),
        title="Диплом команды",
        category="olympiad_contest",
        event_level="regional",
        result="winner",
    )
    before_b, before_c = _pages(client, b["id"]), _pages(client, c["id"])
    linked = client.put(f"/api/v1/documents/{team['id']}/links", json={"student_ids": [b["id"], c["id"]]})
    assert linked.status_code == 200 and sorted(linked.json()["linked_student_ids"]) == sorted(
        [b["id"], c["id"]]
    )
    assert mongo[settings.mongodb_db].documents.count_documents({}) == 1  # stored once

    for pupil in (b, c):
        listed = client.get(f"/api/v1/students/{pupil['id']}/documents").json()
        assert [d["id"] for d in listed] == [team["id"]] and listed[0]["shared"] is True
    assert _pages(client, b["id"]) > before_b and _pages(client, c["id"]) > before_c
    record = client.get("/api/v1/records/classes/7Б", params={"academic_year": YEAR}).json()
    assert record["summary"]["achievements"] == 2 and record["summary"]["documents"] == 1
    gifted = client.get("/api/v1/records/gifted-candidates", params={"academic_year": YEAR}).json()
    assert sorted(r[0] for r in gifted["rows"]) == sorted(
        ["Капитанова Анна", "Командин Борис", "Союзникова Вера"]
    )

    # A parent of one team member reads it through their own child, without the others' names.
    parent = make_user(client, "parent-team", ["parent"], student_ids=[c["id"]])
    own = client.get(f"/api/v1/documents/{team['id']}", headers=parent)
    assert (
        own.status_code == 200 and own.json()["linked_student_ids"] is None and own.json()["shared"] is True
    )
    assert client.get(f"/api/v1/documents/{team['id']}/content", headers=parent).status_code == 200
    bundle = zipfile.ZipFile(
        io.BytesIO(client.get(f"/api/v1/students/{c['id']}/bundle.zip", headers=parent).content)
    )
    manifest = json.dumps(json.loads(bundle.read("manifest.json")), ensure_ascii=False)
    assert "Диплом команды" in manifest and "Капитанова" not in manifest and "Командин" not in manifest
    # Anybody else's parent: as if it did not exist.
    other_parent = make_user(client, "parent-out", ["parent"], student_ids=[outsider["id"]])
    assert client.get(f"/api/v1/documents/{team['id']}/content", headers=other_parent).status_code == 404

    # Unlinking takes it out of their records again.
    assert client.put(f"/api/v1/documents/{team['id']}/links", json={"student_ids": []}).status_code == 200
    assert client.get(f"/api/v1/students/{c['id']}/documents").json() == []
    assert client.get(f"/api/v1/documents/{team['id']}/content", headers=parent).status_code == 404


def test_class_material_goes_into_the_class_s_portfolios_when_asked(client: TestClient) -> None:
    a = create_student(client, "Капитанова Анна", "7Б")
    b = create_student(client, "Командин Борис", "7Б")
    c = create_student(client, "Союзникова Вера", "8А")
    album = _verified(client, a["id"], png_bytes(), title="Альбом класса", category="creative")
    assert (
        client.put(f"/api/v1/documents/{album['id']}/links", json={"class_name": "7б"}).json()[
            "shared_with_class"
        ]
        == "7Б"
    )
    plain = _pages(client, b["id"])
    assert _pages(client, b["id"], class_material="true") == plain + 1
    parent_b = make_user(client, "parent-b", ["parent"], student_ids=[b["id"]])
    parent_c = make_user(client, "parent-c", ["parent"], student_ids=[c["id"]])
    assert client.get(f"/api/v1/documents/{album['id']}/content", headers=parent_b).status_code == 200
    assert client.get(f"/api/v1/documents/{album['id']}/content", headers=parent_c).status_code == 404


def test_teachers_link_only_within_their_classes(client: TestClient) -> None:
    a = create_student(client, "Капитанова Анна", "7Б")
    b = create_student(client, "Командин Борис", "7Б")
    c = create_student(client, "Союзникова Вера", "8А")
    doc = upload(client, a["id"], jpeg_bytes()).json()
    teacher_7b = make_user(client, "teacher-7b", ["teacher"], class_names=["7Б"])
    teacher_8a = make_user(client, "teacher-8a", ["teacher"], class_names=["8А"])
    url = f"/api/v1/documents/{doc['id']}/links"
    assert client.put(url, json={"student_ids": [b["id"]]}, headers=teacher_7b).status_code == 200
    assert client.put(url, json={"student_ids": [c["id"]]}, headers=teacher_7b).status_code == 404
    assert client.put(url, json={"class_name": "8А"}, headers=teacher_7b).status_code == 404
    assert client.put(url, json={"student_ids": [b["id"]]}, headers=teacher_8a).status_code == 404
    assert client.put(url, json={"student_ids": ["no-such-pupil"]}).status_code == 404
    assert client.put(url, json={"class_name": "../x"}).status_code == 422


def test_a_team_member_s_family_leaves_traces_only_in_their_own_child_s_log(client: TestClient) -> None:
    owner = create_student(client, "Капитанова Анна", "7Б")
    member = create_student(client, "Союзникова Вера", "8А")
    team = _verified(client, owner["id"], jpeg_bytes(), title="Диплом команды")
    client.put(f"/api/v1/documents/{team['id']}/links", json={"student_ids": [member["id"]]})
    parent = make_user(client, "parent-log", ["parent"], student_ids=[member["id"]])
    seen = client.get(f"/api/v1/documents/{team['id']}", headers=parent).json()
    assert seen["student_id"] == member["id"] and seen["case_id"] is None  # nothing of the owner
    assert client.get(f"/api/v1/documents/{team['id']}/content", headers=parent).status_code == 200
    log = client.get("/api/v1/access-log", params={"student_id": owner["id"]}).json()
    assert not any(e["action"] == "read_content" for e in log)
    own = client.get("/api/v1/access-log", headers=parent).json()
    assert any(e["action"] == "read_content" and e["document_id"] == team["id"] for e in own)


def test_a_teacher_neither_sees_nor_drops_another_class_s_pupils(client: TestClient) -> None:
    owner = create_student(client, "Капитанова Анна", "7Б")
    classmate = create_student(client, "Командин Борис", "7Б")
    elsewhere = create_student(client, "Союзникова Вера", "9В")
    team = upload(client, owner["id"], jpeg_bytes()).json()
    client.put(f"/api/v1/documents/{team['id']}/links", json={"student_ids": [elsewhere["id"]]})
    teacher = make_user(client, "teacher-links", ["teacher"], class_names=["7Б"])
    changed = client.put(
        f"/api/v1/documents/{team['id']}/links", json={"student_ids": [classmate["id"]]}, headers=teacher
    )
    assert changed.status_code == 200 and changed.json()["linked_student_ids"] == [classmate["id"]]
    full = client.get(f"/api/v1/documents/{team['id']}").json()  # the deputy sees both
    assert sorted(full["linked_student_ids"]) == sorted([classmate["id"], elsewhere["id"]])
