"""Results of other organisations need the family's application; consent withdrawal stops serving."""

from __future__ import annotations

from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.settings import Settings
from tests.conftest import count_stored, create_student, make_user, upload
from tests.helpers import jpeg_bytes

OTHER = {"source": "other_organisation", "academic_year": "2019/2020", "issued_on": "2020-02-01"}


def test_other_organisation_needs_an_application(
    app_client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    client = app_client
    pupil = create_student(client)
    refused = upload(client, pupil["id"], jpeg_bytes(), **OTHER)
    assert refused.status_code == 422
    assert "заявлени" in refused.json()["detail"] and refused.json()["field"] == "source"
    assert count_stored(settings, mongo, s3).documents == 0
    assert count_stored(settings, mongo, s3).objects == 0  # refused before a byte was stored

    wrong_year = client.post(
        f"/api/v1/students/{pupil['id']}/applications",
        json={
            "submitted_on": "01.09.2018",
            "submitted_by": "Образцов Пётр",
            "relation": "parent",
            "academic_year": "2018/2019",
        },
    )
    assert wrong_year.status_code == 201
    assert upload(client, pupil["id"], jpeg_bytes(), **OTHER).status_code == 422

    application = client.post(
        f"/api/v1/students/{pupil['id']}/applications",
        json={
            "submitted_on": "15.01.2020",
            "submitted_by": "Образцова Мария",
            "relation": "pupil",
            "academic_year": "2019/2020",
        },
    ).json()
    accepted = upload(client, pupil["id"], jpeg_bytes(), **OTHER)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["application_id"] == application["id"]
    explicit = upload(
        client, pupil["id"], jpeg_bytes(color="gray"), application_id=wrong_year.json()["id"], **OTHER
    )
    assert explicit.status_code == 422 and "2018/2019" in explicit.json()["detail"]
    # School results need no application.
    assert upload(client, pupil["id"], jpeg_bytes(color="navy")).status_code == 201
    listed = client.get(f"/api/v1/students/{pupil['id']}/applications").json()
    assert [a["academic_year"] for a in listed] == ["2019/2020", "2018/2019"]

    # Moving the result to a year the application does not cover is refused like an upload.
    moved = client.patch(
        f"/api/v1/documents/{accepted.json()['id']}",
        json={"academic_year": "2017/2018", "issued_on": "15.01.2018"},
    )
    assert moved.status_code == 422 and moved.json()["field"] == "source"
    assert client.get(f"/api/v1/documents/{accepted.json()['id']}").json()["academic_year"] == "2019/2020"


def test_a_blank_application_year_covers_every_year(app_client: TestClient) -> None:
    pupil = create_student(app_client)
    made = app_client.post(
        f"/api/v1/students/{pupil['id']}/applications",
        json={
            "submitted_on": "01.09.2019",
            "submitted_by": "Мама",
            "relation": "parent",
            "academic_year": "   ",
        },
    )
    assert made.status_code == 201 and made.json()["academic_year"] is None
    assert upload(app_client, pupil["id"], jpeg_bytes(), **OTHER).status_code == 201


def test_bad_application_and_consent_fields_are_refused_in_russian(app_client: TestClient) -> None:
    pupil = create_student(app_client)
    future = app_client.post(
        f"/api/v1/students/{pupil['id']}/applications",
        json={"submitted_on": "01.01.2030", "submitted_by": "Образцов Пётр", "relation": "parent"},
    )
    assert future.status_code == 422 and "будущем" in future.json()["detail"]
    relation = app_client.post(
        f"/api/v1/students/{pupil['id']}/consents",
        json={"given_on": "01.09.2019", "given_by": "Кто-то", "relation": "neighbour", "scope": "всё"},
    )
    assert relation.status_code == 422 and "кем приходится" in relation.json()["detail"]
    scan = app_client.post(
        f"/api/v1/students/{pupil['id']}/applications",
        json={
            "submitted_on": "01.02.2020",
            "submitted_by": "Образцов Пётр",
            "relation": "parent",
            "scan_document_id": "nope",
        },
    )
    assert scan.status_code == 422 and scan.json()["field"] == "scan_document_id"


def test_withdrawn_consent_stops_serving_documents_to_all_but_handling_staff(app_client: TestClient) -> None:
    client = app_client
    pupil = create_student(client, class_name="7Б")
    doc = upload(client, pupil["id"], jpeg_bytes()).json()
    assert (
        client.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "verified"}).status_code
        == 200
    )
    work = upload(
        client, pupil["id"], b"a performance", "work.txt", kind="creative_work", category="creative"
    ).json()
    parent = make_user(client, "parent-c", ["parent"], student_ids=[pupil["id"]])
    teacher = make_user(client, "teacher-c", ["teacher"], class_names=["7Б"])
    consent = client.post(
        f"/api/v1/students/{pupil['id']}/consents",
        json={
            "given_on": "01.09.2019",
            "given_by": "Образцов Пётр",
            "relation": "parent",
            "scope": "портфолио",
        },
    ).json()
    assert client.get(f"/api/v1/documents/{doc['id']}/content", headers=parent).status_code == 200
    assert client.get(f"/api/v1/students/{pupil['id']}/retention").json()["consent_withdrawal"] is None
    withdrawn = client.post(
        f"/api/v1/students/{pupil['id']}/consents/{consent['id']}/withdrawal",
        json={"withdrawn_on": "01.03.2020"},
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_on"] == "2020-03-01"
    assert (
        client.post(
            f"/api/v1/students/{pupil['id']}/consents/{consent['id']}/withdrawal",
            json={"withdrawn_on": "01.03.2020"},
        ).status_code
        == 409
    )
    for who in (parent, teacher):
        refused = client.get(f"/api/v1/documents/{doc['id']}/content", headers=who)
        assert refused.status_code == 403 and "отозвано 01.03.2020" in refused.json()["detail"]
        assert client.get(f"/api/v1/students/{pupil['id']}/portfolio.pdf", headers=who).status_code == 403
    # The family still sees its own consents; the deputy and the archivist still handle the documents.
    assert client.get(f"/api/v1/students/{pupil['id']}/consents", headers=parent).json()[0]["withdrawn_on"]
    assert client.get(f"/api/v1/documents/{doc['id']}/content").status_code == 200
    assert client.get(f"/api/v1/students/{pupil['id']}").json()["consent_withdrawn_on"] == "2020-03-01"
    # The archivist sees what has lost its legal basis (kept "until no longer needed") and by when.
    view = client.get(f"/api/v1/students/{pupil['id']}/retention").json()
    summary = view["consent_withdrawal"]
    assert summary["withdrawn_on"] == "2020-03-01" and summary["stop_processing_by"] == "2020-03-31"
    assert summary["documents_to_destroy"] == [work["id"]]
    notes = {r["document_id"]: r["on_consent_withdrawal"] for r in view["documents"]}
    assert "31.03.2020" in notes[work["id"]] and "архивный документ" in notes[doc["id"]]
    assert upload(client, pupil["id"], jpeg_bytes(color="gray")).status_code == 409

    client.post(
        f"/api/v1/students/{pupil['id']}/consents",
        json={
            "given_on": "02.03.2020",
            "given_by": "Образцов Пётр",
            "relation": "parent",
            "scope": "портфолио",
        },
    )
    assert client.get(f"/api/v1/documents/{doc['id']}/content", headers=parent).status_code == 200


def test_a_parent_files_requests_about_their_own_child_only(app_client: TestClient) -> None:
    client = app_client
    mine = create_student(client)
    other = create_student(client, "Примеров Лев", "8А")
    parent = make_user(client, "parent-r", ["parent"], student_ids=[mine["id"]])
    filed = client.post(
        "/api/v1/requests", json={"student_id": mine["id"], "asked": "Какие данные хранятся?"}, headers=parent
    )
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert (
        body["channel"] == "service" and body["relation"] == "parent" and body["received_on"] == "2020-03-02"
    )
    assert body["deadline"] == "2020-03-17"  # 10 working days; 8 March 2020 was a Sunday, moved to the 9th
    assert (
        client.post(
            "/api/v1/requests", json={"student_id": other["id"], "asked": "?"}, headers=parent
        ).status_code
        == 404
    )
    client.post(
        "/api/v1/requests",
        json={
            "student_id": other["id"],
            "asked": "Копии",
            "requested_by": "Примеров А.",
            "relation": "parent",
            "channel": "oral",
        },
    )
    assert [r["id"] for r in client.get("/api/v1/requests", headers=parent).json()] == [body["id"]]
    assert len(client.get("/api/v1/requests").json()) == 2
