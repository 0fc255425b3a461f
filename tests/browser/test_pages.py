"""Each role's main path through the web pages, end to end, in a real browser."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Route
from pypdf import PdfReader

from service.domain.resumable import PART_SIZE
from tests.browser.conftest import ARTIFACTS, Live, Pages
from tests.helpers import jpeg_bytes, png_bytes

BAD_PDF = b"%PDF-1.7\nthis is not really a PDF, the scanner cut it off"


PREVIEW_SHOWN = "() => { const i = document.querySelector('.preview img.large'); return i.complete && i.naturalWidth > 0 }"  # noqa: E501


def _scan_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (850, 1200), (250, 248, 240)).save(out, format="PDF", resolution=100)
    return out.getvalue()


def _setup(live: Live) -> httpx.Client:
    live.account("office", ["deputy"], name="Секретарь Учебной Части")
    return live.api_as("office")


def _pupil(office: httpx.Client, name: str = "Образцова Мария Петровна", class_name: str = "5А") -> dict:
    r = office.post("/api/v1/students", json={"full_name": name, "class_name": class_name})
    assert r.status_code == 201, r.text
    return r.json()


def _upload(office: httpx.Client, pupil_id: str, body: bytes, title: str, filename: str = "скан.jpg") -> dict:
    r = office.post(
        f"/api/v1/students/{pupil_id}/documents",
        files={"file": (filename, body, "application/octet-stream")},
        data={
            "kind": "diploma",
            "title": title,
            "category": "olympiad_contest",
            "event_level": "regional",
            "result": "winner",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_teacher_uploads_three_files_and_sees_why_one_is_refused(live: Live, pages: Pages) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    _pupil(office, "Примеров Лев Андреевич", "6Б")  # another class: not the teacher's
    live.account("teacher5a", ["teacher"], name="Учительница Классная", class_names=["5А"])
    page = pages.open()
    pages.sign_in(page, "teacher5a")
    header = page.locator("header")
    assert "Учительница Классная" in header.inner_text() and "классный руководитель" in header.inner_text()
    pages.check(page, "dashboard")

    page.click("text=Классы")
    assert page.locator("table a").all_inner_texts() == ["5А"]  # own class only
    pages.check(page, "classes")
    page.click("table >> text=5А")
    pages.check(page, "class")
    page.click(f"text={pupil['full_name']}")
    pages.check(page, "card-empty")
    page.click("text=Загрузить документы")
    # The year is worked out from the issue date; without one it is the current year, shown as the hint.
    assert page.input_value("#academic_year") == ""
    assert page.get_attribute("#academic_year", "placeholder") == "2019/2020"  # the clock's current year
    pages.check(page, "upload-form")

    page.set_input_files(
        "#files",
        [
            {"name": "диплом.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((1200, 1700))},
            {"name": "грамота.pdf", "mimeType": "application/pdf", "buffer": _scan_pdf()},
            {"name": "обрезанный.pdf", "mimeType": "application/pdf", "buffer": BAD_PDF},
        ],
    )
    assert page.locator("#file-list li").count() == 3
    page.click("#upload-button")
    page.wait_for_selector("[data-testid=upload-summary]")
    rows = {li.locator("strong").inner_text(): li for li in page.locator("#file-list li").all()}
    assert "Принят" in rows["диплом.jpg"].inner_text()
    assert "Принят" in rows["грамота.pdf"].inner_text()
    bad = rows["обрезанный.pdf"].locator(".reason").inner_text()
    assert re.search(r"[а-я]{4,}", bad) and "PDF" in bad, bad  # a reason in plain Russian
    assert page.locator("#file-list progress").nth(0).get_attribute("value") == "100"
    assert "принято 2 из 3" in page.inner_text("[data-testid=upload-summary]")
    pages.check(page, "upload-done")
    # Pressing «Загрузить» again sends the same files again: nothing new, the bad one refused again.
    page.click("#upload-button")
    page.wait_for_function("() => !document.querySelector('#upload-button').disabled")
    assert "уже был загружен" in page.inner_text("#file-list li:nth-child(1)")
    assert page.locator("#file-list .reason").count() == 1 and not page.script_errors  # type: ignore[attr-defined]

    # The card shows both as thumbnails with their status; the bad one was never stored.
    page.click(f"text={pupil['full_name']}")
    cards = page.locator("li.doc")
    assert cards.count() == 2
    assert all("на проверке" in t for t in cards.all_inner_texts())
    for img in page.locator("li.doc img").all():
        assert (img.get_attribute("alt") or "").startswith("Миниатюра: ")
    page.wait_for_function(
        "() => [...document.querySelectorAll('li.doc img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    pages.check(page, "card")
    listed = office.get(f"/api/v1/students/{pupil['id']}/documents").json()
    assert sorted(d["title"] for d in listed) == ["грамота", "диплом"]

    # Open a document: the image is shown in the page, the original can be downloaded.
    page.click("text=диплом")
    page.wait_for_function(PREVIEW_SHOWN)
    with page.expect_download() as download:
        page.click("text=Скачать оригинал")
    assert download.value.suggested_filename == "диплом.jpg"
    pages.check(page, "document")

    # A PDF is shown in a frame of the page (the content's policy lets our own pages frame it).
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    page.go_back()
    with page.expect_response(
        lambda r: r.url.endswith("/content") and r.request.resource_type == "document"
    ) as r:
        page.click("text=грамота")
    assert r.value.status == 200 and r.value.headers["content-type"] == "application/pdf"
    page.wait_for_timeout(1000)
    assert page.locator(".preview iframe").count() == 1 and not refused, refused
    pages.check(page, "document-pdf")


def test_upload_without_javascript_reports_each_file(live: Live, pages: Pages) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    live.account("teacher5a", ["teacher"], class_names=["5А"])
    page = pages.open(javascript=False)
    pages.sign_in(page, "teacher5a")
    page.goto(f"/ui/pupils/{pupil['id']}/upload")
    page.set_input_files(
        "#files",
        [
            {"name": "скан.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
            {"name": "пустой.jpg", "mimeType": "image/jpeg", "buffer": b""},
        ],
    )
    page.fill("#title", "Диплом победителя")
    page.click("#upload-button")
    outcomes = page.locator("[data-testid=outcomes] li").all_inner_texts()
    assert len(outcomes) == 2 and "принят" in outcomes[0] and "пустой.jpg" in outcomes[1]
    assert "принят" not in outcomes[1]
    pages.check(page, "upload-no-js")
    titles = [d["title"] for d in office.get(f"/api/v1/students/{pupil['id']}/documents").json()]
    assert titles == ["Диплом победителя"]


def test_deputy_verifies_and_rejects_from_the_queue_with_the_keyboard(live: Live, pages: Pages) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    first = _upload(office, pupil["id"], jpeg_bytes(color="white"), "Диплом олимпиады")
    second = _upload(office, pupil["id"], png_bytes((800, 1100)), "Грамота за конкурс", "грамота.png")
    live.account("deputy", ["deputy"], name="Завуч Проверяющая")
    page = pages.open()
    pages.sign_in(page, "deputy")
    assert page.url.endswith("/ui/verification")  # the deputy's desk
    assert page.locator("h2").first.inner_text() == "Диплом олимпиады"  # oldest first
    page.wait_for_function(PREVIEW_SHOWN)
    pages.check(page, "queue")

    page.keyboard.press("v")  # В / V: verified
    page.wait_for_load_state()
    assert page.locator("h2").first.inner_text() == "Грамота за конкурс"
    page.keyboard.press("r")  # no reason yet: the reason field gets the focus
    assert page.evaluate("document.activeElement.id") == "reason"
    page.keyboard.type("Нечитаемый скан")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Очередь пуста")
    pages.check(page, "queue-empty")

    one = office.get(f"/api/v1/documents/{first['id']}").json()
    two = office.get(f"/api/v1/documents/{second['id']}").json()
    assert one["status"] == "verified"
    assert two["status"] == "rejected" and two["rejection_reason"] == "Нечитаемый скан"


def test_rejection_without_a_reason_is_explained(live: Live, pages: Pages) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    doc = _upload(office, pupil["id"], jpeg_bytes(), "Диплом")
    live.account("deputy", ["deputy"])
    page = pages.open(javascript=False)
    pages.sign_in(page, "deputy")
    page.click("#reject-button")
    # The same queue again, the message next to the buttons: the deputy keeps their place.
    assert page.locator("h1").inner_text() == "Проверка документов"
    assert "причин" in page.locator("#decision-error").inner_text().lower()
    pages.check(page, "reject-without-reason")
    assert office.get(f"/api/v1/documents/{doc['id']}").json()["status"] == "pending"


def test_parent_sees_verified_documents_downloads_the_portfolio_and_the_access_log(
    live: Live, pages: Pages
) -> None:
    office = _setup(live)
    child = _pupil(office)
    other = _pupil(office, "Чужой Ребёнок Иванович", "5А")
    shown = _upload(office, child["id"], jpeg_bytes((1200, 1700)), "Диплом регионального этапа")
    _upload(office, child["id"], png_bytes(), "Ещё не проверенная грамота", "г.png")
    verified = office.post(f"/api/v1/documents/{shown['id']}/verification", json={"decision": "verified"})
    assert verified.is_success
    live.account("mother", ["parent"], name="Образцова Анна Сергеевна", student_ids=[child["id"]])
    page = pages.open()
    pages.sign_in(page, "mother")
    assert page.locator("main a").all_inner_texts() == [child["full_name"]]
    pages.check(page, "family-home")
    page.click(f"text={child['full_name']}")
    assert page.locator("li.doc .doc-title").all_inner_texts() == ["Диплом регионального этапа"]
    assert "на проверке" not in page.inner_text("main")
    pages.check(page, "family-card")

    # The script checks the portfolio is ready, then the browser opens it in its PDF viewer.
    opened = lambda r: r.url.endswith("what=portfolio") and r.request.resource_type == "document"  # noqa: E731
    with page.expect_response(opened) as got:
        page.click("text=Скачать портфолио (PDF)")
    assert got.value.status == 200 and got.value.headers["content-type"] == "application/pdf"
    assert "Портфолио" in unquote(got.value.headers["content-disposition"])
    page.wait_for_timeout(1500)  # let the viewer draw the first page for the screenshot
    page.screenshot(path=str(ARTIFACTS / "family-portfolio-in-viewer.png"))
    # The viewer keeps the bytes to itself; the same request again (same session) gives them.
    pdf = PdfReader(io.BytesIO(page.request.get(got.value.url).body()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert len(pdf.pages) >= 3 and child["full_name"] in text
    assert "Ещё не проверенная" not in text

    page.goto(f"/ui/pupils/{child['id']}")
    bundle = page.request.get(f"/ui/pupils/{child['id']}/download?what=bundle")
    assert bundle.status == 200
    names = zipfile.ZipFile(io.BytesIO(bundle.body())).namelist()
    assert any(n.endswith(".pdf") for n in names) and "manifest.json" in names

    page.click("text=Кто обращался к документам")
    log = page.inner_text("table")
    assert "формирование портфолио" in log and "Образцова Анна Сергеевна" in log
    pages.check(page, "family-access-log")

    # Another family's child, a staff page: the same "not found" / "no rights" pages, in Russian.
    page.goto(f"/ui/pupils/{other['id']}")
    assert page.locator("h1").inner_text() == "Не найдено"
    pages.check(page, "family-other-child")
    forbidden = page.goto("/ui/verification")
    assert forbidden is not None and forbidden.status == 403
    assert page.locator("h1").inner_text() == "Недостаточно прав"
    assert "Traceback" not in page.content()
    pages.check(page, "family-forbidden")


@pytest.mark.live_settings(portfolio_async_threshold=1)
def test_a_large_portfolio_is_prepared_in_the_background_with_a_progress_bar(
    live: Live, pages: Pages
) -> None:
    office = _setup(live)
    child = _pupil(office)
    for n in range(3):
        doc = _upload(office, child["id"], jpeg_bytes((1000 + n, 1400)), f"Диплом {n + 1}", f"{n}.jpg")
        office.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "verified"})
    live.account("mother", ["parent"], student_ids=[child["id"]])
    page = pages.open()
    pages.sign_in(page, "mother")
    page.goto(f"/ui/pupils/{child['id']}")
    jobs: list[dict] = []
    page.on("response", lambda r: jobs.append(r.json()) if "check=" in r.url and r.status == 202 else None)
    opened = lambda r: r.url.endswith("what=portfolio") and r.request.resource_type == "document"  # noqa: E731
    with page.expect_response(opened, timeout=120_000):
        page.click("text=Скачать портфолио (PDF)")
        page.wait_for_selector(".download-progress:not([hidden])")
        assert "Готовим файл" in page.inner_text(".download-progress")
    assert jobs and jobs[0]["total"] == 3 and jobs[0]["status"] in ("queued", "running")
    pdf = PdfReader(io.BytesIO(page.request.get(f"/ui/pupils/{child['id']}/download?what=portfolio").body()))
    assert len(pdf.pages) >= 5


@pytest.mark.live_settings(portfolio_async_threshold=1)
def test_without_javascript_a_large_portfolio_page_reloads_until_ready(live: Live, pages: Pages) -> None:
    office = _setup(live)
    child = _pupil(office)
    for n in range(2):
        doc = _upload(office, child["id"], jpeg_bytes((900 + n, 1300)), f"Диплом {n}", f"{n}.jpg")
        office.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "verified"})
    live.account("mother", ["parent"], student_ids=[child["id"]])
    page = pages.open(javascript=False)
    pages.sign_in(page, "mother")
    opened = lambda r: r.url.endswith("what=portfolio") and r.status == 200  # noqa: E731
    with page.expect_response(opened, timeout=120_000) as done:
        first = page.goto(f"/ui/pupils/{child['id']}/download?what=portfolio")
        assert first is not None and first.status == 202
        assert page.locator("h1").inner_text() == "Портфолио готовится"
        assert page.locator("progress").count() == 1
        pages.check(page, "preparing")
    assert done.value.headers["content-type"] == "application/pdf"


def test_archivist_drafts_director_approves_archivist_executes_an_act(live: Live, pages: Pages) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    kept_pupil = _pupil(office, "Примеров Лев Андреевич", "5А")
    gone = [
        _upload(office, pupil["id"], jpeg_bytes(color="white"), "Диплом"),
        _upload(office, pupil["id"], png_bytes(), "Грамота", "г.png"),
    ]
    kept = _upload(office, kept_pupil["id"], jpeg_bytes(color="gray"), "Сертификат")
    live.clock.today = date(2021, 6, 1)
    leaving = {"left_on": "2021-05-31", "order_number": "12-у"}
    left = office.post(f"/api/v1/students/{pupil['id']}/leaving", json=leaving)
    live.account("archivist", ["archivist"], name="Архивариус Тестова")
    live.account("director", ["director"], name="Директор Образцов П. П.")
    assert left.status_code == 200, left.text
    live.clock.today = date(2025, 2, 3)

    archivist = pages.open()
    pages.sign_in(archivist, "archivist")
    archivist.click("text=Номенклатура дел")
    assert archivist.locator("table tbody tr").count() > 5
    pages.check(archivist, "nomenclature")
    archivist.click("header >> text=К уничтожению")
    assert archivist.input_value("#as_of") == "03.02.2025"
    due = archivist.locator("section", has=archivist.locator("#h-due"))
    assert pupil["full_name"] in due.inner_text()
    pages.check(archivist, "due")
    archivist.click("#draft-act")
    assert archivist.locator("[data-testid=act-status]").inner_text() == "проект"
    act_url = archivist.url
    pdf = archivist.request.get(archivist.get_attribute("text=Акт (PDF)", "href") or "")
    assert pdf.status == 200
    assert "АКТ №" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert archivist.locator("#execute-link").count() == 0  # not approved yet
    pages.check(archivist, "act-draft")

    director = pages.open()
    pages.sign_in(director, "director")
    director.click("header >> text=Акты")
    pages.check(director, "acts")
    director.click("table a")
    director.fill("#protocol_number", "4")
    director.click("#approve-act")
    assert director.locator("[data-testid=act-status]").inner_text() == "утверждён"
    pages.check(director, "act-approved")

    archivist.goto(act_url)
    archivist.click("#execute-link")
    confirm = archivist.inner_text("main")
    assert "Будут безвозвратно уничтожены: 2 документа" in confirm
    assert "Диплом" in confirm and "Грамота" in confirm and pupil["full_name"] in confirm
    assert "Сертификат" not in confirm
    pages.check(archivist, "execute-confirm")
    archivist.click("#execute-act")  # the confirmation box is not ticked: the browser refuses
    assert archivist.url.endswith("/execute")
    archivist.check("#confirm")
    archivist.click("#execute-act")
    assert archivist.locator("[data-testid=act-status]").inner_text() == "исполнен"
    assert "Уничтожено документов: 2" in archivist.inner_text("[data-testid=act-result]")
    pages.check(archivist, "act-executed")

    for d in gone:
        assert office.get(f"/api/v1/documents/{d['id']}/content").status_code == 404
    assert office.get(f"/api/v1/documents/{kept['id']}/content").status_code == 200

    # A hold on the other pupil's documents, from the pupil's card; then released on the holds page.
    archivist.goto(f"/ui/pupils/{kept_pupil['id']}")
    archivist.fill("#hold_reason", "Запрос прокуратуры № 7")
    archivist.click("text=Запретить уничтожение")
    assert f"/ui/pupils/{kept_pupil['id']}?" in archivist.url
    assert "Запрет на уничтожение наложен" in archivist.inner_text(".notice")
    archivist.click("header >> text=Запреты")
    assert kept_pupil["full_name"] in archivist.inner_text("table") and "прокуратуры" in archivist.inner_text(
        "table"
    )
    pages.check(archivist, "holds")
    holds = office.get("/api/v1/retention/holds")  # the deputy may not: the archivist's API
    assert holds.status_code == 403
    archivist.fill("#release-1", "Запрос исполнен")
    archivist.click("text=Снять запрет")
    assert "Действующих запретов нет" in archivist.inner_text("main")


def test_pages_fit_a_phone_screen(live: Live, pages: Pages) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    _upload(office, pupil["id"], jpeg_bytes(), "Диплом с длинным названием конкурса исследовательских работ")
    live.account("teacher5a", ["teacher"], class_names=["5А"])
    page = pages.open(width=360, height=740)
    pages.sign_in(page, "teacher5a")
    live.account("archivist", ["archivist"])
    archivist = pages.open(width=360, height=740)
    pages.sign_in(archivist, "archivist")
    card = f"/ui/pupils/{pupil['id']}"
    visits = [
        (page, "classes", "/ui/classes"),
        (page, "class", "/ui/classes/5А"),
        (page, "card", card),
        (page, "upload", f"{card}/upload"),
        (archivist, "nomenclature", "/ui/retention/nomenclature"),
        (archivist, "cases", "/ui/retention/cases"),
        (archivist, "due", "/ui/retention/due"),
        (archivist, "holds", "/ui/retention/holds"),
        (archivist, "access-log", f"{card}/access-log"),
    ]
    for who, name, path in visits:
        who.goto(path)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        wide = who.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{path} scrolls sideways by {wide}px"
        pages.check(who, f"phone-{name}")


def test_a_large_work_uploads_in_parts_and_resumes_after_an_interruption(
    live: Live, pages: Pages, tmp_path: Path
) -> None:
    office = _setup(live)
    pupil = _pupil(office)
    live.account("teacher5a", ["teacher"], class_names=["5А"])
    video = tmp_path / "концерт.mp4"
    body = os.urandom(2 * PART_SIZE + 4321)
    video.write_bytes(body)
    page = pages.open()
    pages.sign_in(page, "teacher5a")
    page.goto(f"/ui/pupils/{pupil['id']}/upload")
    page.select_option("#kind", "creative_work")
    page.select_option("#category", "creative")

    sent: list[str] = []
    cut = {"on": True}

    def parts(route: Route) -> None:
        sent.append(route.request.url.rsplit("/", 1)[1])
        if cut["on"] and route.request.url.endswith("/parts/2"):
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*/parts/*", parts)
    page.set_input_files("#files", str(video))
    page.click("#upload-button")
    for _ in range(300):  # until part 2 has been tried (and cut off)
        if "2" in sent:
            break
        page.wait_for_timeout(100)
    assert sent[:2] == ["1", "2"]
    page.reload()  # the teacher closes the page in the middle (the parts already sent stay)

    cut["on"] = False
    page.select_option("#kind", "creative_work")
    page.select_option("#category", "creative")
    page.set_input_files("#files", str(video))
    page.click("#upload-button")
    page.wait_for_selector("[data-testid=upload-summary]", timeout=120_000)
    assert "Принят" in page.inner_text("#file-list li")
    assert sent.count("1") == 1  # part 1 was not sent again
    pages.check(page, "resumed-upload")
    [document] = office.get(f"/api/v1/students/{pupil['id']}/documents").json()
    assert document["sha256"] == hashlib.sha256(body).hexdigest() and document["size"] == len(body)
