"""Who may do what: every route with every role, no session, an expired and a forged token.

Outcomes: "ok" means the request got past authorisation (2xx, or 409/422 for a repeated change),
403 that the role may not call the operation at all, 404 that the pupil or document is out of the
caller's reach (answered exactly like one that does not exist), 401 that there is no valid session.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from pymongo import MongoClient
from pypdf import PdfReader

from service.settings import Settings
from tests.conftest import bearer, create_student, make_user, upload
from tests.helpers import jpeg_bytes

ROLES = ["admin", "teacher", "deputy", "archivist", "director", "parent", "pupil"]
OK = "ok"


@dataclass
class World:
    staff: dict[str, str]
    headers: dict[str, dict[str, str]]
    a: str  # pupil of 7Б: the parent's child, and the pupil account's own record
    b: str  # pupil of 8А: nobody's child here, not the teacher's class
    a_ok: str  # A's verified document
    a_pending: str
    b_ok: str
    to_verify: str
    consent_b: str
    request_id: str
    users: dict[str, str] = field(default_factory=dict)


def _verify(client: TestClient, doc_id: str) -> None:
    r = client.post(f"/api/v1/documents/{doc_id}/verification", json={"decision": "verified"})
    assert r.status_code == 200, r.text


@pytest.fixture
def world(client: TestClient) -> World:
    staff = dict(client.headers)
    a = create_student(client, "Образцова Мария Петровна", "7Б")["id"]
    b = create_student(client, "Примеров Лев Андреевич", "8А")["id"]
    a_ok = upload(client, a, jpeg_bytes(color="white"), title="Грамота за победу").json()["id"]
    a_pending = upload(client, a, jpeg_bytes(color="gray"), title="Непроверенный диплом").json()["id"]
    b_ok = upload(client, b, jpeg_bytes(color="silver"), title="Чужая грамота").json()["id"]
    to_verify = upload(client, a, jpeg_bytes(color="linen")).json()["id"]
    for doc in (a_ok, b_ok):
        _verify(client, doc)
    consent_b = client.post(
        f"/api/v1/students/{b}/consents",
        json={
            "given_on": "01.09.2019",
            "given_by": "Примеров Андрей",
            "relation": "parent",
            "scope": "портфолио",
        },
    ).json()["id"]
    request_id = client.post(
        "/api/v1/requests",
        json={
            "student_id": a,
            "requested_by": "Образцов Пётр",
            "relation": "parent",
            "channel": "written",
            "asked": "Копии",
        },
    ).json()["id"]
    headers: dict[str, dict[str, str]] = {}
    links: dict[str, dict[str, Any]] = {
        "teacher": {"class_names": ["7Б"]},
        "parent": {"student_ids": [a]},
        "pupil": {"student_ids": [a]},
    }
    for role in ROLES:
        headers[role] = make_user(client, f"user-{role}", [role], **links.get(role, {}))
    return World(staff, headers, a, b, a_ok, a_pending, b_ok, to_verify, consent_b, request_id)


def _new_jpeg() -> bytes:
    return jpeg_bytes((120 + uuid.uuid4().int % 200, 160), color=(uuid.uuid4().int % 255, 10, 10))


def cases(w: World) -> list[tuple[str, str, str, dict[str, Any], dict[str, Any]]]:
    """(name, method, path, request kwargs, expected outcome per role; unlisted roles: 403)."""
    readers = {"teacher": OK, "deputy": OK, "archivist": OK, "parent": OK, "pupil": OK}
    staff_readers = {"teacher": OK, "deputy": OK, "archivist": OK, "parent": 404, "pupil": 404}
    school_wide = {"deputy": OK, "archivist": OK, "teacher": 404, "parent": 404, "pupil": 404}
    form = {"kind": "diploma", "title": "Диплом", "category": "sport"}
    return [
        ("list pupils", "GET", "/api/v1/students", {}, {**readers, "admin": OK}),
        ("own pupil", "GET", f"/api/v1/students/{w.a}", {}, {**readers, "admin": OK}),
        ("other pupil", "GET", f"/api/v1/students/{w.b}", {}, {**school_wide, "admin": OK}),
        (
            "guessed pupil",
            "GET",
            f"/api/v1/students/{uuid.uuid4()}",
            {},
            {r: 404 for r in [*readers, "admin"]},
        ),
        (
            "create pupil in 7Б",
            "POST",
            "/api/v1/students",
            {"json": {"full_name": "Новикова Ева", "class_name": "7Б"}},
            {"teacher": OK, "deputy": OK},
        ),
        (
            "create pupil in 8А",
            "POST",
            "/api/v1/students",
            {"json": {"full_name": "Новиков Ян", "class_name": "8А"}},
            {"teacher": 403, "deputy": OK},
        ),
        (
            "upload for A",
            "POST",
            f"/api/v1/students/{w.a}/documents",
            {"files": {"file": ("a.jpg", b"", "image/jpeg")}, "data": form},
            {"teacher": OK, "deputy": OK},
        ),
        (
            "upload for B",
            "POST",
            f"/api/v1/students/{w.b}/documents",
            {"files": {"file": ("b.jpg", b"", "image/jpeg")}, "data": form},
            {"teacher": 404, "deputy": OK},
        ),
        ("documents of A", "GET", f"/api/v1/students/{w.a}/documents", {}, readers),
        ("documents of B", "GET", f"/api/v1/students/{w.b}/documents", {}, school_wide),
        ("portfolio of A", "GET", f"/api/v1/students/{w.a}/portfolio.pdf", {}, readers),
        ("portfolio of B", "GET", f"/api/v1/students/{w.b}/portfolio.pdf", {}, school_wide),
        ("verified doc of A", "GET", f"/api/v1/documents/{w.a_ok}", {}, readers),
        ("pending doc of A", "GET", f"/api/v1/documents/{w.a_pending}", {}, staff_readers),
        ("content of A's doc", "GET", f"/api/v1/documents/{w.a_ok}/content", {}, readers),
        ("content of pending", "GET", f"/api/v1/documents/{w.a_pending}/content", {}, staff_readers),
        ("thumbnail of A's doc", "GET", f"/api/v1/documents/{w.a_ok}/thumbnail", {}, readers),
        ("content of B's doc", "GET", f"/api/v1/documents/{w.b_ok}/content", {}, school_wide),
        ("guessed doc", "GET", f"/api/v1/documents/{uuid.uuid4()}/content", {}, {r: 404 for r in readers}),
        (
            "verify",
            "POST",
            f"/api/v1/documents/{w.to_verify}/verification",
            {"json": {"decision": "rejected", "reason": "Нечитаемый скан"}},
            {"deputy": OK},
        ),
        ("verification queue", "GET", "/api/v1/documents/verification-queue", {}, {"deputy": OK}),
        (
            "leaving",
            "POST",
            f"/api/v1/students/{w.b}/leaving",
            {"json": {"left_on": "2020-01-15", "order_number": "12-у"}},
            {"deputy": OK, "archivist": OK},
        ),
        ("retention of A", "GET", f"/api/v1/students/{w.a}/retention", {}, {"deputy": OK, "archivist": OK}),
        (
            "application for A",
            "POST",
            f"/api/v1/students/{w.a}/applications",
            {"json": {"submitted_on": "01.02.2020", "submitted_by": "Образцов Пётр", "relation": "parent"}},
            {"teacher": OK, "deputy": OK},
        ),
        ("applications of A", "GET", f"/api/v1/students/{w.a}/applications", {}, readers),
        ("applications of B", "GET", f"/api/v1/students/{w.b}/applications", {}, school_wide),
        (
            "consent for A",
            "POST",
            f"/api/v1/students/{w.a}/consents",
            {
                "json": {
                    "given_on": "01.09.2019",
                    "given_by": "Образцов Пётр",
                    "relation": "parent",
                    "scope": "всё",
                }
            },
            {"teacher": OK, "deputy": OK},
        ),
        ("consents of A", "GET", f"/api/v1/students/{w.a}/consents", {}, readers),
        (
            "withdraw consent of B",
            "POST",
            f"/api/v1/students/{w.b}/consents/{w.consent_b}/withdrawal",
            {"json": {"withdrawn_on": "01.02.2020"}},
            {"deputy": OK},
        ),
        (
            "access log of A",
            "GET",
            "/api/v1/access-log",
            {"params": {"student_id": w.a}},
            {"admin": OK, "deputy": OK, "archivist": OK, "parent": OK},
        ),
        (
            "access log of B",
            "GET",
            "/api/v1/access-log",
            {"params": {"student_id": w.b}},
            {"admin": OK, "deputy": OK, "archivist": OK, "parent": 404},
        ),
        (
            "whole access log",
            "GET",
            "/api/v1/access-log",
            {},
            {"admin": OK, "deputy": OK, "archivist": OK, "parent": OK},  # a parent's: own children only
        ),
        (
            "request about A",
            "POST",
            "/api/v1/requests",
            {"json": {"student_id": w.a, "asked": "Какие документы хранятся?"}},
            {"deputy": OK, "parent": OK},
        ),
        (
            "request about B",
            "POST",
            "/api/v1/requests",
            {"json": {"student_id": w.b, "asked": "Какие документы хранятся?"}},
            {"deputy": OK, "parent": 404},
        ),
        ("requests", "GET", "/api/v1/requests", {}, {"deputy": OK, "parent": OK}),
        (
            "extend request",
            "POST",
            f"/api/v1/requests/{w.request_id}/extend",
            {"json": {"reason": "Архив"}},
            {"deputy": OK},
        ),
        (
            "answer request",
            "POST",
            f"/api/v1/requests/{w.request_id}/answer",
            {"json": {"issued": "Копии"}},
            {"deputy": OK},
        ),
        (
            "nomenclature",
            "GET",
            "/api/v1/retention/nomenclature",
            {},
            {"archivist": OK, "deputy": OK, "director": OK},
        ),
        ("nomenclature versions", "GET", "/api/v1/retention/nomenclature/versions", {}, {"archivist": OK}),
        (
            "upload nomenclature",
            "POST",
            "/api/v1/retention/nomenclature",
            {"json": {"text": "x", "uploaded_by": "А"}},
            {"archivist": OK},
        ),
        ("cases", "GET", "/api/v1/retention/cases", {}, {"archivist": OK}),
        ("due", "GET", "/api/v1/retention/due", {}, {"archivist": OK}),
        ("inventory", "GET", "/api/v1/retention/inventory", {"params": {"year": 2019}}, {"archivist": OK}),
        ("holds", "GET", "/api/v1/retention/holds", {}, {"archivist": OK}),
        (
            "place hold",
            "POST",
            "/api/v1/retention/holds",
            {"json": {"target_type": "student", "target_id": w.a, "reason": "Спор", "placed_by": "Архивист"}},
            {"archivist": OK},
        ),
        ("acts", "GET", "/api/v1/retention/acts", {}, {"archivist": OK, "director": OK}),
        ("draft act", "POST", "/api/v1/retention/acts", {"json": {}}, {"archivist": OK}),
        (
            "approve act",
            "POST",
            f"/api/v1/retention/acts/{uuid.uuid4()}/approve",
            {"json": {"approved_by": "Д", "protocol_number": "1", "protocol_date": "01.02.2020"}},
            {"director": 404},
        ),
        (
            "execute act",
            "POST",
            f"/api/v1/retention/acts/{uuid.uuid4()}/execute",
            {"json": {"executed_by": "А"}},
            {"archivist": 404},
        ),
        ("users", "GET", "/api/v1/users", {}, {"admin": OK}),
        (
            "create user",
            "POST",
            "/api/v1/users",
            {"json": {"login": "", "password": "long-enough-1", "roles": ["teacher"]}},
            {"admin": OK},
        ),
        ("me", "GET", "/api/v1/auth/me", {}, {r: OK for r in ROLES}),
        (
            "edit doc of A",
            "PATCH",
            f"/api/v1/documents/{w.a_pending}",
            {"json": {"title": "Диплом (испр.)"}},
            {"teacher": OK, "deputy": OK},
        ),
        (
            "edit doc of B",
            "PATCH",
            f"/api/v1/documents/{w.b_ok}",
            {"json": {"issuer": "Гимназия"}},
            {"teacher": 404, "deputy": OK},
        ),
    ]


def _outcome(status: int) -> Any:
    if status < 400 or status in (409, 422):
        return OK
    return status


def _prepare(kwargs: dict[str, Any], role: str) -> dict[str, Any]:
    """Fresh bytes and logins per call, so a repeat is not answered as a duplicate."""
    out = dict(kwargs)
    if "files" in out:
        out["files"] = {"file": ("скан.jpg", _new_jpeg(), "image/jpeg")}
    if out.get("json", {}).get("login") == "":
        out["json"] = {**out["json"], "login": f"new-{role}-{uuid.uuid4().hex[:6]}"}
    return out


def test_every_route_with_every_role(client: TestClient, world: World) -> None:
    failures = []
    for name, method, path, kwargs, expected in cases(world):
        for role in ROLES:
            response = client.request(method, path, **_prepare(kwargs, role), headers=world.headers[role])
            want = expected.get(role, 403)
            if _outcome(response.status_code) != want:
                failures.append(
                    f"{name} as {role}: {response.status_code} (want {want}) {response.text[:120]}"
                )
    assert not failures, "\n".join(failures)


def test_every_route_refuses_no_session_expired_and_forged_tokens(
    client: TestClient, world: World, settings: Settings, mongo: MongoClient
) -> None:
    # An expired session: a real token whose time has run out.
    expired = client.post("/api/v1/auth/tokens", json={"login": "user-deputy", "password": "test-password-1"})
    token = expired.json()["token"]
    changed = mongo[settings.mongodb_db].sessions.update_one(
        {"token_hash": hashlib.sha256(token.encode()).hexdigest()},
        {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}},
    )
    assert changed.modified_count == 1
    valid = world.headers["deputy"]["Authorization"].split(" ", 1)[1]
    forged = valid[:-2] + ("AA" if not valid.endswith("AA") else "BB")
    identities = {
        "nobody": {},
        "expired": bearer(token),
        "forged": bearer(forged),
        "garbage scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "forged cookie": {"Cookie": f"archive_session={forged}"},
    }
    anonymous = TestClient(client.app)
    failures = []
    with anonymous:
        for name, method, path, kwargs, _ in cases(world):
            for who, headers in identities.items():
                response = anonymous.request(method, path, **_prepare(kwargs, who), headers=headers)
                if response.status_code != 401:
                    failures.append(f"{name} as {who}: {response.status_code}")
        assert anonymous.get("/health").status_code == 200
        assert anonymous.get("/schema/openapi.json").status_code == 200
    assert not failures, "\n".join(failures)


def test_out_of_reach_answers_exactly_like_missing(client: TestClient, world: World) -> None:
    parent = world.headers["parent"]
    other = client.get(f"/api/v1/students/{world.b}", headers=parent)
    missing = client.get(f"/api/v1/students/{uuid.uuid4()}", headers=parent)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    # A document of a pupil out of reach answers exactly like one that does not exist, on every
    # path and for every role that reads documents.
    for role in ("parent", "pupil", "teacher"):
        who = world.headers[role]
        for suffix in ("", "/content", "/thumbnail"):
            other_doc = client.get(f"/api/v1/documents/{world.b_ok}{suffix}", headers=who)
            missing_doc = client.get(f"/api/v1/documents/{uuid.uuid4()}{suffix}", headers=who)
            assert other_doc.status_code == missing_doc.status_code == 404, (role, suffix)
            assert other_doc.json() == missing_doc.json(), (role, suffix)
    edit = client.patch(
        f"/api/v1/documents/{world.b_ok}", json={"title": "x"}, headers=world.headers["teacher"]
    )
    missing_edit = client.patch(
        f"/api/v1/documents/{uuid.uuid4()}", json={"title": "x"}, headers=world.headers["teacher"]
    )
    assert edit.status_code == missing_edit.status_code == 404 and edit.json() == missing_edit.json()


def test_family_sees_only_verified_documents_of_their_own_child(client: TestClient, world: World) -> None:
    for role in ("parent", "pupil"):
        listed = client.get(f"/api/v1/students/{world.a}/documents", headers=world.headers[role]).json()
        assert [d["id"] for d in listed] == [world.a_ok]
        pupils = client.get("/api/v1/students", headers=world.headers[role]).json()
        assert [p["id"] for p in pupils] == [world.a]
    staff_view = client.get(f"/api/v1/students/{world.a}/documents", headers=world.headers["teacher"]).json()
    assert {world.a_ok, world.a_pending, world.to_verify} <= {d["id"] for d in staff_view}
    teacher_pupils = client.get("/api/v1/students", headers=world.headers["teacher"]).json()
    assert {p["class_name"] for p in teacher_pupils} == {"7Б"}


def test_parents_portfolio_holds_only_their_childs_verified_documents(
    client: TestClient, world: World
) -> None:
    response = client.get(f"/api/v1/students/{world.a}/portfolio.pdf", headers=world.headers["parent"])
    assert response.status_code == 200
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Образцова" in text
    assert "Грамота за победу" in text
    assert "Непроверенный диплом" not in text
    assert "Примеров" not in text and "Чужая грамота" not in text
    # Staff get a working copy with pending documents unless they ask for verified only.
    staff = client.get(f"/api/v1/students/{world.a}/portfolio.pdf", headers=world.headers["deputy"])
    staff_text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(staff.content)).pages)
    assert "Непроверенный диплом" in staff_text


def test_the_access_log_names_the_account_and_role(client: TestClient, world: World) -> None:
    client.get(f"/api/v1/documents/{world.a_ok}/content", headers=world.headers["parent"])
    entries = client.get("/api/v1/access-log", params={"student_id": world.a}).json()
    reads = [e for e in entries if e["action"] == "read_content"]
    assert reads and reads[-1]["role"] == "parent" and reads[-1]["actor_name"] == "user-parent"
    # A parent sees their child's log, without staff addresses.
    own = client.get(
        "/api/v1/access-log", params={"student_id": world.a}, headers=world.headers["parent"]
    ).json()
    assert own and all(e["ip"] is None for e in own)
    # Without a pupil named, a parent gets every own child's entries and nobody else's.
    everything = client.get("/api/v1/access-log", headers=world.headers["parent"]).json()
    assert {e["student_id"] for e in everything} == {world.a}
    assert len(everything) == len(own)


def test_every_operation_of_the_api_is_in_the_role_table(client: TestClient) -> None:
    # The guard refuses operations missing from the table to everybody; this keeps the table and
    # the API in step, so no route is refused by accident or left without a decision.
    from service.domain.roles import OPERATION_ROLES, PUBLIC_OPERATIONS

    schema = client.get("/schema/openapi.json").json()
    operations = {
        op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op
    }
    assert operations - set(OPERATION_ROLES) - PUBLIC_OPERATIONS == set()
    assert set(OPERATION_ROLES) - operations == set()
