"""The record of achievements and rewards, queried by class and year; the ГИР candidates."""

from __future__ import annotations

import csv
import io

from litestar.testing import TestClient
from openpyxl import load_workbook

from tests.conftest import create_student, make_user, upload
from tests.helpers import jpeg_bytes

YEAR = "2025/2026"


def _verified(client: TestClient, student_id: str, color: str, **fields: str) -> dict:
    doc = upload(client, student_id, jpeg_bytes(color=color), academic_year=YEAR, **fields).json()
    assert (
        client.post(f"/api/v1/documents/{doc['id']}/verification", json={"decision": "verified"}).status_code
        == 200
    )
    return doc


def test_class_record_counts_by_category_level_and_result_with_rewards(client: TestClient) -> None:
    a = create_student(client, "Образцова Мария", "7Б")
    b = create_student(client, "Примеров Лев", "7Б")
    elsewhere = create_student(client, "Новикова Ева", "8А")
    _verified(client, a["id"], "white", category="olympiad_contest", event_level="regional", result="winner")
    _verified(client, b["id"], "gray", category="olympiad_contest", event_level="regional", result="winner")
    _verified(client, b["id"], "navy", category="sport", event_level="school", result="participant")
    _verified(client, elsewhere["id"], "olive", category="sport", event_level="school", result="participant")
    upload(client, a["id"], jpeg_bytes(color="teal"), category="sport", academic_year=YEAR)  # pending
    client.post(
        f"/api/v1/students/{a['id']}/rewards",
        json={
            "granted_on": "25.05.2026",
            "kind": "gratitude",
            "reason": "За помощь",
            "order_number": "1",
            "order_date": "20.05.2026",
        },
    )

    record = client.get("/api/v1/records/classes/7б", params={"academic_year": YEAR}).json()
    summary = record["summary"]
    assert summary["class_name"] == "7Б" and summary["pupils"] == 2 and summary["documents"] == 3
    assert summary["by_category"] == {"Олимпиады и конкурсы": 2, "Спорт": 1}
    assert summary["by_result"] == {"победитель": 2, "участник": 1}
    assert summary["rewards_by_kind"] == {"благодарность": 1}
    assert ["Олимпиады и конкурсы", "региональный уровень", "победитель", 2] in record["rows"]
    assert ["Поощрения", "благодарность", "", 1] in record["rows"]
    with_pending = client.get(
        "/api/v1/records/classes/7Б", params={"academic_year": YEAR, "verified_only": "false"}
    ).json()
    assert with_pending["summary"]["documents"] == 4

    exported = client.get("/api/v1/records/classes/7Б", params={"academic_year": YEAR, "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert (
        table[0] == ["Направление", "Уровень", "Результат", "Количество"]
        and len(table) == len(record["rows"]) + 1
    )
    xlsx = client.get("/api/v1/records/classes/7Б", params={"academic_year": YEAR, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == table[0] and sheet.max_row == len(table)

    teacher = make_user(client, "teacher-rec", ["teacher"], class_names=["7Б"])
    assert (
        client.get("/api/v1/records/classes/7Б", params={"academic_year": YEAR}, headers=teacher).status_code
        == 200
    )
    assert (
        client.get("/api/v1/records/classes/8А", params={"academic_year": YEAR}, headers=teacher).status_code
        == 404
    )
    assert client.get("/api/v1/records/classes/7Б", params={"academic_year": "2025"}).status_code == 422


def test_gifted_candidates_with_the_deputy_s_flag(client: TestClient) -> None:
    a = create_student(client, "Образцова Мария", "7Б")
    b = create_student(client, "Примеров Лев", "9В")
    winner = _verified(
        client,
        a["id"],
        "white",
        category="olympiad_contest",
        event_level="regional",
        result="winner",
        event="ВсОШ по математике",
    )
    _verified(
        client, b["id"], "gray", category="olympiad_contest", event_level="national", result="prize_winner"
    )
    _verified(
        client, b["id"], "navy", category="olympiad_contest", event_level="national", result="participant"
    )
    _verified(client, b["id"], "olive", category="olympiad_contest", event_level="municipal", result="winner")
    upload(
        client,
        a["id"],
        jpeg_bytes(color="teal"),
        event_level="international",
        result="winner",
        academic_year=YEAR,
    )

    listed = client.get("/api/v1/records/gifted-candidates", params={"academic_year": YEAR}).json()
    assert listed["summary"] == {"academic_year": YEAR, "candidates": 2, "results": 2, "confirmed_in_list": 0}
    assert [r[0] for r in listed["rows"]] == ["Образцова Мария", "Примеров Лев"]

    marked = client.post(
        f"/api/v1/records/ministry-list/{winner['id']}", json={"in_list": True, "note": "Приказ № 382, п. 17"}
    )
    assert marked.status_code == 200 and marked.json()["in_ministry_list"] is True
    again = client.get("/api/v1/records/gifted-candidates", params={"academic_year": YEAR}).json()
    assert again["summary"]["confirmed_in_list"] == 1 and again["rows"][0][7] == "да"
    xlsx = client.get("/api/v1/records/gifted-candidates", params={"academic_year": YEAR, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "Обучающийся" and sheet["A2"].value == "Образцова Мария"

    teacher = make_user(client, "teacher-g", ["teacher"], class_names=["7Б"])
    assert client.get("/api/v1/records/gifted-candidates", headers=teacher).status_code == 403
    assert (
        client.post(
            f"/api/v1/records/ministry-list/{winner['id']}", json={"in_list": False}, headers=teacher
        ).status_code
        == 403
    )


def test_exports_do_not_run_formulas(client: TestClient) -> None:
    a = create_student(client, "Образцова Мария", "7Б")
    _verified(
        client, a["id"], "white", title='=HYPERLINK("http://x")', event_level="regional", result="winner"
    )
    body = client.get(
        "/api/v1/records/gifted-candidates", params={"academic_year": YEAR, "format": "csv"}
    ).content
    assert "'=HYPERLINK" in body.decode("utf-8-sig")
