"""Sign-in, sessions, tokens, CSRF, lockout, rate limit, deactivation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient
from pymongo import MongoClient

from service.app import create_app
from service.settings import Settings
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, PASSWORD, bearer, create_student, make_user


def _sign_in(client: TestClient, login: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/sign-in", json={"login": login, "password": password})


@pytest.fixture
def browser(settings: Settings) -> Iterator[TestClient]:
    """A client that keeps cookies, like a browser, and starts signed out."""
    with TestClient(create_app(settings, sweep_at_start=False)) as c:
        yield c


def test_cookie_session_needs_csrf_for_changes(client: TestClient, browser: TestClient) -> None:
    make_user(client, "deputy-one", ["deputy"])
    signed = _sign_in(browser, "deputy-one")
    assert signed.status_code == 200, signed.text
    cookie = signed.headers["set-cookie"]
    assert (
        "archive_session=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    assert "Secure" not in cookie  # plain HTTP on loopback; over TLS the cookie is Secure
    csrf = signed.json()["csrf_token"]
    assert "token" not in signed.json() or signed.json()["token"] is None  # the cookie is the credential

    assert browser.get("/api/v1/auth/me").json()["login"] == "deputy-one"
    body = {"full_name": "Образцова Мария", "class_name": "7Б"}
    refused = browser.post("/api/v1/students", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = browser.post("/api/v1/students", json=body, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    assert wrong.status_code == 403
    assert browser.post("/api/v1/students", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    # Reads need no CSRF token.
    assert len(browser.get("/api/v1/students").json()) == 1

    assert browser.post("/api/v1/auth/sign-out", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_a_stolen_cookie_value_is_not_a_bearer_token(client: TestClient, browser: TestClient) -> None:
    make_user(client, "teacher-one", ["teacher"], class_names=["7Б"])
    token = _sign_in(browser, "teacher-one").cookies["archive_session"]
    # Cookie sessions carry CSRF protection; replaying one as a bearer token would bypass it.
    with TestClient(browser.app) as other:
        assert other.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401


def test_sign_out_revokes_a_bearer_token(client: TestClient) -> None:
    headers = make_user(client, "archivist-one", ["archivist"])
    assert client.get("/api/v1/retention/cases", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/sign-out", headers=headers).status_code == 204
    assert client.get("/api/v1/retention/cases", headers=headers).status_code == 401


def test_wrong_passwords_lock_the_account_for_a_while(client: TestClient) -> None:
    make_user(client, "parent-one", ["parent"])
    for _ in range(5):
        wrong = client.post(
            "/api/v1/auth/tokens", json={"login": "parent-one", "password": "not-the-password"}
        )
        assert wrong.status_code == 401 and wrong.json()["detail"] == "Неверный логин или пароль."
    locked = client.post("/api/v1/auth/tokens", json={"login": "parent-one", "password": PASSWORD})
    assert locked.status_code == 429 and "заблокирован" in locked.json()["detail"]
    # An unknown login answers exactly like a wrong password: logins cannot be probed.
    unknown = client.post("/api/v1/auth/tokens", json={"login": "nobody-here", "password": "whatever-123"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == "Неверный логин или пароль."
    # ... and it locks after as many failures, with the same words, so the lockout tells nothing either.
    answers = [
        client.post("/api/v1/auth/tokens", json={"login": "nobody-here", "password": "whatever-123"})
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert answers[-1].json() == locked.json()


def test_sign_in_attempts_are_rate_limited_per_address(make_settings) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(make_settings(sign_in_per_minute=3), sweep_at_start=False)) as c:
        codes = [
            c.post("/api/v1/auth/tokens", json={"login": "x-user", "password": "whatever-123"}).status_code
            for _ in range(5)
        ]
        assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
        assert (
            "Подождите"
            in c.post("/api/v1/auth/sign-in", json={"login": "a", "password": "b"}).json()["detail"]
        )
        # Other routes are not throttled.
        assert all(c.get("/health").status_code == 200 for _ in range(5))


def test_deactivation_and_role_changes_end_sessions_at_once(client: TestClient) -> None:
    headers = make_user(client, "teacher-two", ["teacher"], class_names=["7Б"])
    user_id = client.get("/api/v1/auth/me", headers=headers).json()["user_id"]
    assert client.get("/api/v1/students", headers=headers).status_code == 200
    changed = client.patch(f"/api/v1/users/{user_id}", json={"class_names": ["8А"]})
    assert changed.status_code == 200 and changed.json()["class_names"] == ["8А"]
    assert client.get("/api/v1/students", headers=headers).status_code == 401
    fresh = bearer(
        client.post("/api/v1/auth/tokens", json={"login": "teacher-two", "password": PASSWORD}).json()[
            "token"
        ]
    )
    assert client.get("/api/v1/auth/me", headers=fresh).json()["class_names"] == ["8А"]
    assert client.patch(f"/api/v1/users/{user_id}", json={"active": False}).status_code == 200
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 401
    again = client.post("/api/v1/auth/tokens", json={"login": "teacher-two", "password": PASSWORD})
    assert again.status_code == 401 and "отключена" in again.json()["detail"]


def test_passwords_are_stored_as_argon2id_and_never_shown(
    client: TestClient, settings: Settings, mongo: MongoClient
) -> None:
    made = client.post(
        "/api/v1/users", json={"login": "deputy-two", "password": PASSWORD, "roles": ["deputy"]}
    )
    assert made.status_code == 201 and "password" not in made.text
    stored = mongo[settings.mongodb_db].accounts.find_one({"login": "deputy-two"})
    assert stored["password_hash"].startswith("$argon2id$") and PASSWORD not in str(stored)
    session = mongo[settings.mongodb_db].sessions.find_one({"user_id": stored["_id"]})
    assert session is None  # not signed in yet
    token = client.post("/api/v1/auth/tokens", json={"login": "deputy-two", "password": PASSWORD}).json()[
        "token"
    ]
    assert token not in str(list(mongo[settings.mongodb_db].sessions.find()))  # only its hash is kept


def test_admin_api_validates_in_russian(client: TestClient) -> None:
    short = client.post("/api/v1/users", json={"login": "x1x", "password": "short", "roles": ["deputy"]})
    assert short.status_code == 422 and "Пароль" in short.json()["detail"]
    role = client.post("/api/v1/users", json={"login": "x2x", "password": PASSWORD, "roles": ["superuser"]})
    assert role.status_code == 422 and "роль" in role.json()["detail"]
    login = client.post("/api/v1/users", json={"login": "../x", "password": PASSWORD, "roles": ["deputy"]})
    assert login.status_code == 422 and "Логин" in login.json()["detail"]
    child = client.post(
        "/api/v1/users",
        json={"login": "parent-x", "password": PASSWORD, "roles": ["parent"], "student_ids": ["no-such"]},
    )
    assert child.status_code == 422
    pupil = create_student(client)
    linked = client.post(
        "/api/v1/users",
        json={"login": "parent-y", "password": PASSWORD, "roles": ["parent"], "student_ids": [pupil["id"]]},
    )
    assert linked.status_code == 201 and linked.json()["student_ids"] == [pupil["id"]]
    again = client.post(
        "/api/v1/users", json={"login": "parent-y", "password": PASSWORD, "roles": ["parent"]}
    )
    assert again.status_code == 409


def test_bootstrap_admin_is_created_once_and_keeps_its_changed_password(settings: Settings) -> None:
    with TestClient(create_app(settings, sweep_at_start=False)) as c:
        admin = bearer(
            c.post("/api/v1/auth/tokens", json={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}).json()[
                "token"
            ]
        )
        me = c.get("/api/v1/auth/me", headers=admin).json()
        assert me["roles"] == ["admin"]
        assert (
            c.put(
                f"/api/v1/users/{me['user_id']}/password",
                json={"password": "a-new-password-1"},
                headers=admin,
            ).status_code
            == 204
        )
    with TestClient(create_app(replace(settings), sweep_at_start=False)) as c:
        old = c.post("/api/v1/auth/tokens", json={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
        assert old.status_code == 401
        assert (
            c.post(
                "/api/v1/auth/tokens", json={"login": ADMIN_LOGIN, "password": "a-new-password-1"}
            ).status_code
            == 201
        )


def test_the_last_administrator_cannot_be_demoted_or_deactivated(client: TestClient) -> None:
    root = client.post("/api/v1/auth/tokens", json={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
    admin = bearer(root.json()["token"])
    me = client.get("/api/v1/auth/me", headers=admin).json()
    staff = client.get("/api/v1/auth/me").json()  # the test's own staff account is an admin too
    roles = [r for r in staff["roles"] if r != "admin"]
    assert (
        client.patch(f"/api/v1/users/{staff['user_id']}", json={"roles": roles}, headers=admin).status_code
        == 200
    )
    for change in ({"roles": ["teacher"]}, {"active": False}):
        refused = client.patch(f"/api/v1/users/{me['user_id']}", json=change, headers=admin)
        assert refused.status_code == 409 and "последний администратор" in refused.json()["detail"]
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200  # still signed in
    # With a second administrator, the first may step down.
    made = client.post(
        "/api/v1/users",
        json={"login": "second-admin", "password": PASSWORD, "roles": ["admin"]},
        headers=admin,
    )
    assert made.status_code == 201
    stepped_down = client.patch(f"/api/v1/users/{me['user_id']}", json={"roles": ["teacher"]}, headers=admin)
    assert stepped_down.status_code == 200


def test_deeply_nested_json_is_a_clear_400(anonymous_client: TestClient) -> None:
    body = '{"login": ' + "[" * 5000 + "]" * 5000 + ', "password": "x"}'
    response = anonymous_client.post(
        "/api/v1/auth/tokens", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "вложенность" in response.json()["detail"]


def test_a_pupil_account_belongs_to_one_pupil(client: TestClient) -> None:
    a = create_student(client, "Образцова Мария", "7Б")
    b = create_student(client, "Примеров Лев", "7Б")
    two = {"login": "pupil-two", "password": PASSWORD, "roles": ["pupil"], "student_ids": [a["id"], b["id"]]}
    refused = client.post("/api/v1/users", json=two)
    assert refused.status_code == 422 and refused.json()["field"] == "student_ids"
    made = client.post("/api/v1/users", json={**two, "student_ids": [a["id"]]})
    assert made.status_code == 201
    widened = client.patch(f"/api/v1/users/{made.json()['id']}", json={"student_ids": [a["id"], b["id"]]})
    assert widened.status_code == 422
    # A parent may have several children.
    parent = {
        "login": "parent-two",
        "password": PASSWORD,
        "roles": ["parent"],
        "student_ids": [a["id"], b["id"]],
    }
    assert client.post("/api/v1/users", json=parent).status_code == 201
