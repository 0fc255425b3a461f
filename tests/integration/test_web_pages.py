"""The web pages' own rules, over HTTP: sign-in, CSRF on forms, escaping, reach, error pages.

The browser tests (tests/browser) walk each role's path; these check the edges a browser test
would not reach quickly. Every page request sends ``Accept: text/html`` as a browser does.
"""

from __future__ import annotations

import re

from litestar import Litestar, get
from litestar.testing import TestClient

from service.app import create_app
from service.problems import API_EXCEPTION_HANDLERS
from service.settings import Settings
from service.ui.errors import for_pages
from service.ui.rendering import template_config
from tests.conftest import PASSWORD, Clock, create_student, make_user, upload
from tests.helpers import jpeg_bytes
from tests.integration.test_retention import R, _due_act

HTML = {"Accept": "text/html"}


def _browser(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, sweep_at_start=False))


def _sign_in(browser: TestClient, login: str) -> str:
    """Sign in through the page; return the CSRF token the next page carries."""
    r = browser.post("/ui/sign-in", data={"login": login, "password": PASSWORD, "next": "/ui/"})
    assert r.status_code == 200, r.text  # followed the 303 to the first page
    found = re.search(r'name="csrf-token" content="([^"]+)"', r.text)
    assert found, r.text
    return found.group(1)


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client: TestClient, settings: Settings) -> None:
    with _browser(settings) as browser:
        r = browser.get("/ui/classes", headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/sign-in?next=/ui/classes"
        root = browser.get("/", headers=HTML, follow_redirects=False)
        assert root.status_code == 303 and root.headers["location"] == "/ui/"
        # API clients keep getting JSON problems.
        assert browser.get("/api/v1/students").headers["content-type"].startswith("application/problem+json")
        assert browser.get("/").json()["web"] == "/ui/"


def test_sign_in_page_explains_a_wrong_password_and_sets_no_cookie(
    client: TestClient, settings: Settings
) -> None:
    make_user(client, "teacher", ["teacher"], class_names=["7Б"])
    with _browser(settings) as browser:
        r = browser.post("/ui/sign-in", data={"login": "teacher", "password": "wrong", "next": "/ui/"})
        assert r.status_code == 401
        assert 'role="alert"' in r.text and "парол" in r.text.lower()
        assert "archive_session" not in r.headers.get("set-cookie", "")
        assert 'value="teacher"' in r.text  # the login is kept, the password is not


def test_sign_in_never_redirects_to_another_site(client: TestClient, settings: Settings) -> None:
    make_user(client, "teacher", ["teacher"], class_names=["7Б"])
    with _browser(settings) as browser:
        for target in ["https://evil.example/", "//evil.example/ui/", "/api/v1/students", "/ui/\\evil"]:
            r = browser.post(
                "/ui/sign-in",
                data={"login": "teacher", "password": PASSWORD, "next": target},
                follow_redirects=False,
            )
            assert r.status_code == 303 and r.headers["location"] == "/ui/", target
        r = browser.post(
            "/ui/sign-in",
            data={"login": "teacher", "password": PASSWORD, "next": "/ui/classes"},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/ui/classes"


def test_a_form_without_its_csrf_token_changes_nothing(client: TestClient, settings: Settings) -> None:
    pupil = create_student(client)
    doc = upload(client, pupil["id"], jpeg_bytes()).json()
    make_user(client, "deputy", ["deputy"])
    with _browser(settings) as browser:
        token = _sign_in(browser, "deputy")
        for sent in [{}, {"csrf_token": "forged"}]:
            r = browser.post(
                f"/ui/documents/{doc['id']}/verification", data={"decision": "verified", **sent}, headers=HTML
            )
            assert r.status_code == 403 and "CSRF" in r.text and "<html" in r.text
        assert client.get(f"/api/v1/documents/{doc['id']}").json()["status"] == "pending"
        r = browser.post(
            f"/ui/documents/{doc['id']}/verification",
            data={"decision": "verified", "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert client.get(f"/api/v1/documents/{doc['id']}").json()["status"] == "verified"
        # Signing out needs the token too, and ends the session.
        assert browser.post("/ui/sign-out", data={}).status_code == 403
        assert (
            browser.post("/ui/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code
            == 303
        )
        assert browser.get("/ui/verification", follow_redirects=False).status_code == 303


def test_what_users_typed_is_shown_as_text_never_as_markup(client: TestClient, settings: Settings) -> None:
    pupil = create_student(client, "Тестов <b>Жирный</b> Иван")
    title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert upload(client, pupil["id"], jpeg_bytes(), title=title).status_code == 201
    make_user(client, "deputy", ["deputy"])
    with _browser(settings) as browser:
        _sign_in(browser, "deputy")
        for path in [f"/ui/pupils/{pupil['id']}", "/ui/verification"]:
            page = browser.get(path).text
            assert "<script>alert" not in page and "<img src=x" not in page and "<b>Жирный" not in page
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
            assert "Тестов &lt;b&gt;Жирный&lt;/b&gt; Иван" in page


def test_pages_show_each_user_only_what_the_api_would(client: TestClient, settings: Settings) -> None:
    own = create_student(client, "Свой Ученик", "7Б")
    other = create_student(client, "Чужой Ученик", "8А")
    pending = upload(client, own["id"], jpeg_bytes(color="white")).json()
    make_user(client, "teacher", ["teacher"], class_names=["7Б"])
    make_user(client, "mother", ["parent"], student_ids=[own["id"]])
    with _browser(settings) as browser:
        _sign_in(browser, "teacher")
        assert browser.get(f"/ui/pupils/{own['id']}").status_code == 200
        for path in [f"/ui/pupils/{other['id']}", "/ui/classes/8А", f"/ui/pupils/{other['id']}/upload"]:
            r = browser.get(path)
            assert r.status_code == 404 and "Не найдено" in r.text and other["full_name"] not in r.text, path
        assert "8А" not in browser.get("/ui/classes").text
        assert browser.get("/ui/acts").status_code == 403
    with _browser(settings) as browser:
        _sign_in(browser, "mother")
        card = browser.get(f"/ui/pupils/{own['id']}").text
        assert pending["id"] not in card  # not verified yet: the family does not see it
        assert browser.get(f"/ui/documents/{pending['id']}").status_code == 404
        assert browser.get(f"/ui/pupils/{other['id']}").status_code == 404
        assert browser.get(f"/ui/pupils/{own['id']}/upload").status_code == 403
        assert browser.get("/ui/classes").status_code == 403


def test_pages_carry_a_strict_content_security_policy(client: TestClient, settings: Settings) -> None:
    with _browser(settings) as browser:
        r = browser.get("/ui/sign-in")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert browser.get("/static/ui.js").status_code == 200  # public, like the sign-in page
        assert browser.get("/static/../service/app.py").status_code == 404


def test_unknown_pages_and_internal_errors_are_russian_pages_without_details(settings: Settings) -> None:
    with _browser(settings) as browser:
        r = browser.get("/ui/no-such-page")
        assert (
            r.status_code == 404
            and "Не найдено" in r.text
            and r.headers["content-type"].startswith("text/html")
        )
        assert browser.get("/api/v1/no-such").headers["content-type"].startswith("application/problem+json")

    @get("/ui/boom", operation_id="boom", include_in_schema=False, guards=[])
    async def boom() -> None:
        raise RuntimeError("secret detail: mongodb://user:password@host")

    app = Litestar(
        route_handlers=[boom],
        exception_handlers={e: for_pages(h) for e, h in API_EXCEPTION_HANDLERS.items()},
        template_config=template_config,
    )
    with TestClient(app) as test_client:
        r = test_client.get("/ui/boom")
    assert r.status_code == 500 and "Внутренняя ошибка" in r.text
    assert "secret" not in r.text and "RuntimeError" not in r.text and "Traceback" not in r.text


def test_a_decision_from_a_stale_page_does_not_overwrite_a_newer_one(
    client: TestClient, settings: Settings
) -> None:
    pupil = create_student(client)
    doc = upload(client, pupil["id"], jpeg_bytes()).json()
    make_user(client, "deputy", ["deputy"])
    with _browser(settings) as browser:
        token = _sign_in(browser, "deputy")
        form = {"csrf_token": token, "back": "/ui/verification", "seen_status": "pending"}
        # No reason: the queue again, with the message next to the buttons and the reason field.
        r = browser.post(f"/ui/documents/{doc['id']}/verification", data={**form, "decision": "rejected"})
        assert r.status_code == 422 and 'id="decision-error"' in r.text and "причину" in r.text
        assert doc["id"] in r.text  # still the same document on screen
        # Another tab rejected it meanwhile; the old page's «Проверен» must not win.
        client.post(
            f"/api/v1/documents/{doc['id']}/verification", json={"decision": "rejected", "reason": "Скан"}
        )
        second = upload(client, pupil["id"], jpeg_bytes(color="gray")).json()  # next in the queue
        r = browser.post(
            f"/ui/documents/{doc['id']}/verification", data={**form, "decision": "verified", "reason": "x"}
        )
        # The decided document is shown with its decision, not the next one with a form to press.
        assert r.status_code == 409 and "уже принято решение" in r.text and "отклонён" in r.text
        assert 'id="verify-button"' not in r.text and second["id"] not in r.text
        after = client.get(f"/api/v1/documents/{doc['id']}").json()
        assert after["status"] == "rejected" and after["rejection_reason"] == "Скан"


def test_pages_are_never_kept_in_the_browser_cache(client: TestClient, settings: Settings) -> None:
    pupil = create_student(client)
    doc = upload(client, pupil["id"], jpeg_bytes()).json()
    make_user(client, "deputy", ["deputy"])
    with _browser(settings) as browser:
        _sign_in(browser, "deputy")
        for path in [
            f"/ui/pupils/{pupil['id']}",
            "/ui/verification",
            f"/api/v1/documents/{doc['id']}/thumbnail",
        ]:
            assert "no-store" in browser.get(path).headers["cache-control"], path


def test_holds_from_the_pages_need_a_reason_to_be_released(client: TestClient, settings: Settings) -> None:
    pupil = create_student(client)
    make_user(client, "archivist", ["archivist"])
    with _browser(settings) as browser:
        token = _sign_in(browser, "archivist")
        placed = browser.post(
            "/ui/retention/holds",
            data={
                "csrf_token": token,
                "target_type": "student",
                "target_id": pupil["id"],
                "reason": "Суд",
                "back": f"/ui/pupils/{pupil['id']}",
            },
        )
        assert placed.status_code == 200 and "Запрет на уничтожение наложен" in placed.text
        assert "Суд" in placed.text  # the card lists the pupil's holds
        holds = browser.get("/ui/retention/holds").text
        assert pupil["full_name"] in holds
        hold_id = re.search(r"/ui/retention/holds/([^/]+)/release", holds).group(1)
        refused = browser.post(
            f"/ui/retention/holds/{hold_id}/release", data={"csrf_token": token, "reason": " "}
        )
        assert refused.status_code == 422 and "почему запрет снимается" in refused.text
        assert "Суд" in browser.get("/ui/retention/holds").text  # still in force
        released = browser.post(
            f"/ui/retention/holds/{hold_id}/release", data={"csrf_token": token, "reason": "Решение суда"}
        )
        assert "Действующих запретов нет" in released.text and "Запрет на уничтожение снят" in released.text


def test_a_mistyped_date_or_year_is_explained_on_the_same_page(
    client: TestClient, settings: Settings
) -> None:
    make_user(client, "archivist", ["archivist"])
    make_user(client, "deputy", ["deputy"])
    with _browser(settings) as browser:
        _sign_in(browser, "archivist")
        r = browser.get("/ui/retention/due?as_of=31.02.2025")
        assert r.status_code == 422 and "«31.02.2025» не распознана" in r.text and 'name="as_of"' in r.text
    with _browser(settings) as browser:
        _sign_in(browser, "deputy")
        r = browser.get("/ui/records?academic_year=будущий")
        assert 'role="alert"' in r.text and 'name="academic_year"' in r.text


def test_the_administrator_sees_names_and_classes_but_no_documents(
    client: TestClient, settings: Settings
) -> None:
    pupil = create_student(client, "Классов Пётр", "7Б")
    make_user(client, "office-admin", ["admin"])
    with _browser(settings) as browser:
        _sign_in(browser, "office-admin")
        assert "7Б" in browser.get("/ui/classes").text
        page = browser.get("/ui/classes/7Б").text
        assert "Классов Пётр" in page and f"/ui/pupils/{pupil['id']}" not in page
        assert browser.get(f"/ui/pupils/{pupil['id']}").status_code == 403


def test_uploading_a_rejected_file_again_says_so_and_keeps_the_details(
    client: TestClient, settings: Settings
) -> None:
    pupil = create_student(client)
    scan = jpeg_bytes()
    doc = upload(client, pupil["id"], scan).json()
    client.post(
        f"/api/v1/documents/{doc['id']}/verification", json={"decision": "rejected", "reason": "Обрезан"}
    )
    make_user(client, "teacher", ["teacher"], class_names=["7Б"])
    with _browser(settings) as browser:
        token = _sign_in(browser, "teacher")
        form = {
            "csrf_token": token,
            "title": "Диплом призёра",
            "event": "Олимпиада «Знайка»",
            "kind": "diploma",
            "category": "olympiad_contest",
        }
        url = f"/ui/pupils/{pupil['id']}/upload"
        r = browser.post(
            url,
            data={**form, "issued_on": "31.02.2026"},
            files=[("file", ("новый.jpg", jpeg_bytes(color="white"), "image/jpeg"))],
        )
        assert r.status_code == 422
        assert "новый.jpg</strong>: " in r.text and "дат" in r.text.lower()
        # What was typed is still in the form.
        assert 'value="Диплом призёра"' in r.text and 'value="Олимпиада «Знайка»"' in r.text
        assert 'value="31.02.2026"' in r.text
        r = browser.post(url, data=form, files=[("file", ("старый.jpg", scan, "image/jpeg"))])
        assert "уже был загружен и отклонён (причина: Обрезан)" in r.text
        assert client.get(f"/api/v1/documents/{doc['id']}").json()["status"] == "rejected"


def test_a_pupil_goes_straight_to_their_own_verified_documents(
    client: TestClient, settings: Settings
) -> None:
    own = create_student(client, "Самостоятельная Ева", "7Б")
    other = create_student(client, "Соседова Инна", "7Б")
    shown = upload(client, own["id"], jpeg_bytes(), title="Диплом за проект").json()
    client.post(f"/api/v1/documents/{shown['id']}/verification", json={"decision": "verified"})
    upload(client, own["id"], jpeg_bytes(color="white"), title="Ещё на проверке")
    make_user(client, "eva", ["pupil"], student_ids=[own["id"]])
    with _browser(settings) as browser:
        r = browser.post("/ui/sign-in", data={"login": "eva", "password": PASSWORD, "next": "/ui/"})
        assert str(r.url).endswith(f"/ui/pupils/{own['id']}")
        assert "Диплом за проект" in r.text and "Ещё на проверке" not in r.text
        assert "Мои документы" in r.text and "обучающийся" in r.text  # the menu and the role
        assert browser.get(f"/ui/pupils/{other['id']}").status_code == 404
        assert browser.get(f"/ui/pupils/{own['id']}/access-log").status_code == 403


def test_the_act_pages_take_names_from_the_session_and_say_what_a_hold_kept(
    app_client: TestClient, settings: Settings, clock: Clock
) -> None:
    act, pupil, _ = _due_act(app_client, clock)
    make_user(app_client, "director", ["director"], display_name="Директор Настоящий")
    make_user(app_client, "archivist", ["archivist"], display_name="Архивист Настоящий")
    app = create_app(settings, sweep_at_start=False, clock=clock)
    with TestClient(app) as director:
        token = _sign_in(director, "director")
        r = director.post(
            f"/ui/acts/{act['id']}/approve",
            data={
                "csrf_token": token,
                "approved_by": "Кто угодно",
                "protocol_number": "7",
                "protocol_date": "01.01.2020",
            },
        )
        # Refused on the act page itself, with the form still there.
        assert r.status_code == 422 and 'id="act-error"' in r.text and 'id="approve-act"' in r.text
        r = director.post(
            f"/ui/acts/{act['id']}/approve",
            data={
                "csrf_token": token,
                "approved_by": "Кто угодно",
                "protocol_number": "7",
                "protocol_date": "03.02.2025",
            },
        )
        assert "Акт утверждён" in r.text
    approval = app_client.get(f"{R}/acts/{act['id']}").json()["approval"]
    assert approval["approved_by"] == "Директор Настоящий"
    # A hold placed after approval: the confirmation leaves the document out and the act says why.
    doc = pupil["doc"]
    app_client.post(
        f"{R}/holds",
        json={"target_type": "document", "target_id": doc["id"], "reason": "Жалоба", "placed_by": "Архив"},
    )
    with TestClient(app) as archivist:
        token = _sign_in(archivist, "archivist")
        confirm = archivist.get(f"/ui/acts/{act['id']}/execute").text
        assert "уничтожены: 1 документ " in confirm and "будут пропущены" in confirm
        # Without the tick (a browser that skips `required`): the same list again, with the reason.
        unticked = archivist.post(f"/ui/acts/{act['id']}/execute", data={"csrf_token": token})
        assert unticked.status_code == 422 and 'id="confirm-error"' in unticked.text
        assert "будут пропущены" in unticked.text
        assert app_client.get(f"{R}/acts/{act['id']}").json()["status"] == "approved"
        r = archivist.post(
            f"/ui/acts/{act['id']}/execute",
            data={"csrf_token": token, "confirm": "yes", "executed_by": "Подставной"},
        )
        assert "Акт исполнен" in r.text and "под запретом на уничтожение" in r.text
    execution = app_client.get(f"{R}/acts/{act['id']}").json()["execution"]
    assert execution["executed_by"] == "Архивист Настоящий"
    assert [s["document_id"] for s in execution["skipped"]] == [doc["id"]]


def test_an_act_can_be_cancelled_from_its_page_with_a_reason(
    app_client: TestClient, settings: Settings, clock: Clock
) -> None:
    act, _, _ = _due_act(app_client, clock)
    make_user(app_client, "archivist", ["archivist"], display_name="Архивист Настоящий")
    with TestClient(create_app(settings, sweep_at_start=False, clock=clock)) as archivist:
        token = _sign_in(archivist, "archivist")
        r = archivist.post(f"/ui/acts/{act['id']}/cancel", data={"csrf_token": token, "reason": ""})
        assert r.status_code == 422 and 'id="act-error"' in r.text
        r = archivist.post(
            f"/ui/acts/{act['id']}/cancel", data={"csrf_token": token, "reason": "Ошибка в описи"}
        )
        assert "Акт отменён" in r.text and "Ошибка в описи" in r.text and 'id="cancel-act"' not in r.text
    cancelled = app_client.get(f"{R}/acts/{act['id']}").json()
    assert (
        cancelled["status"] == "cancelled"
        and cancelled["cancellation"]["cancelled_by"] == "Архивист Настоящий"
    )
    assert app_client.post(f"{R}/acts", json={}).status_code == 201  # its documents are free again


def test_the_queue_never_puts_another_document_under_the_deputys_keys(
    client: TestClient, settings: Settings
) -> None:
    pupil = create_student(client)
    decided = upload(client, pupil["id"], jpeg_bytes()).json()
    upload(client, pupil["id"], jpeg_bytes(color="gray"))  # still pending, oldest-but-one
    client.post(f"/api/v1/documents/{decided['id']}/verification", json={"decision": "verified"})
    make_user(client, "deputy", ["deputy"])
    with _browser(settings) as browser:
        _sign_in(browser, "deputy")
        r = browser.get(f"/ui/verification?show={decided['id']}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/ui/documents/{decided['id']}"
        assert browser.get("/ui/verification?show=no-such-id").status_code == 404
