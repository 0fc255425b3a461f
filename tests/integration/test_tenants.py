"""Schools as tenants: nothing of one school is visible through another."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient
from pymongo import MongoClient

from service.app import create_app
from service.settings import Settings
from tests.conftest import create_student, staff_client, upload
from tests.helpers import jpeg_bytes


@pytest.fixture
def other_school(settings: Settings) -> Iterator[TestClient]:
    """Staff of a second school served from the same stores (its own bootstrap admin)."""
    with staff_client(create_app(replace(settings, school_id="school-two"), sweep_at_start=False)) as c:
        yield c


def test_second_school_sees_nothing_of_the_first(client: TestClient, other_school: TestClient) -> None:
    student = create_student(client, "Образцова Мария", "7Б")
    doc = upload(client, student["id"], jpeg_bytes()).json()
    OTHER = other_school.headers

    assert client.get("/api/v1/students", headers=OTHER).json() == []
    assert client.get("/api/v1/students", params={"class_name": "7Б"}, headers=OTHER).json() == []
    for path in (
        f"/api/v1/students/{student['id']}",
        f"/api/v1/students/{student['id']}/documents",
        f"/api/v1/students/{student['id']}/portfolio.pdf",
        f"/api/v1/documents/{doc['id']}",
        f"/api/v1/documents/{doc['id']}/content",
        f"/api/v1/documents/{doc['id']}/thumbnail",
    ):
        assert client.get(path, headers=OTHER).status_code == 404, path
    refused = client.post(
        f"/api/v1/students/{student['id']}/documents",
        headers=OTHER,
        files={"file": ("x.jpg", jpeg_bytes(color="gray"), "image/jpeg")},
        data={"kind": "diploma", "title": "Чужой", "category": "sport"},
    )
    assert refused.status_code == 404

    # The second school's own pupil is separate, and the first school does not see it.
    theirs = client.post(
        "/api/v1/students", headers=OTHER, json={"full_name": "Примеров Лев", "class_name": "7Б"}
    )
    assert theirs.status_code == 201
    assert [s["id"] for s in client.get("/api/v1/students").json()] == [student["id"]]
    assert client.get(f"/api/v1/students/{theirs.json()['id']}").status_code == 404


def test_every_record_and_key_carries_its_school(
    client: TestClient, settings: Settings, mongo: MongoClient
) -> None:
    student = create_student(client)
    upload(client, student["id"], jpeg_bytes())
    db = mongo[settings.mongodb_db]
    record = db.documents.find_one()
    assert record is not None
    assert record["school_id"] == "test-school"
    assert record["file"]["object_key"].startswith("schools/test-school/documents/")
    for collection in (db.students, db.documents):
        for index in collection.list_indexes():
            if index["name"] != "_id_":
                assert next(iter(index["key"])) == "school_id", index["name"]


def test_the_school_comes_from_the_account_not_the_request(
    client: TestClient, other_school: TestClient
) -> None:
    student = create_student(client)
    for header in ({"X-School-Id": "school-two"}, {"X-School-Id": "../../etc"}):
        listed = other_school.get("/api/v1/students", headers=header).json()
        assert student["id"] not in [s["id"] for s in listed]
        assert client.get("/api/v1/students", headers=header).json()[0]["id"] == student["id"]
