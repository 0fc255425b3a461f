"""Rewards (поощрения): recorded by order, part of the record, the portfolio and the bundle."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pypdf
from litestar.testing import TestClient

from tests.conftest import create_student, make_user, upload
from tests.helpers import jpeg_bytes

REWARD = {
    "granted_on": "25.05.2026",
    "kind": "commendation",
    "reason": "За отличные успехи в учении",
    "order_number": "112-о",
    "order_date": "20.05.2026",
}


def test_rewards_are_recorded_listed_and_printed(client: TestClient) -> None:
    pupil = create_student(client, class_name="7Б")
    scan = upload(client, pupil["id"], jpeg_bytes(), category="reward", kind="gramota").json()
    made = client.post(
        f"/api/v1/students/{pupil['id']}/rewards", json={**REWARD, "scan_document_id": scan["id"]}
    )
    assert made.status_code == 201, made.text
    reward = made.json()
    assert reward["kind_ru"] == "похвальный лист" and reward["academic_year"] == "2025/2026"
    assert reward["granted_on"] == "2026-05-25"

    parent = make_user(client, "parent-r", ["parent"], student_ids=[pupil["id"]])
    listed = client.get(f"/api/v1/students/{pupil['id']}/rewards", headers=parent)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [reward["id"]]

    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"/api/v1/students/{pupil['id']}/portfolio.pdf").content))
    summary = pdf.pages[1].extract_text()
    assert "Поощрения" in summary and "похвальный лист" in summary and "112-о" in summary
    without = client.get(f"/api/v1/students/{pupil['id']}/portfolio.pdf", params={"rewards": "false"})
    assert "112-о" not in pypdf.PdfReader(io.BytesIO(without.content)).pages[1].extract_text()

    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/students/{pupil['id']}/bundle.zip").content))
    manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["rewards"][0]["order_number"] == "112-о"
    rows = list(csv.reader(io.StringIO(bundle.read("rewards.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Дата" and rows[1][1] == "похвальный лист" and rows[1][4] == "20.05.2026"


def test_bad_rewards_are_refused_in_russian(client: TestClient) -> None:
    pupil = create_student(client, class_name="7Б")
    other = create_student(client, "Примеров Лев", "5А")
    url = f"/api/v1/students/{pupil['id']}/rewards"
    for change, field in (
        ({"kind": "medal"}, "kind"),
        ({"granted_on": "31.02.2026"}, "granted_on"),
        ({"order_date": "26.05.2026"}, "order_date"),  # the order comes before the reward
        ({"reason": "   "}, "reason"),
        ({"scan_document_id": "no-such-document"}, "scan_document_id"),
    ):
        refused = client.post(url, json={**REWARD, **change})
        assert refused.status_code == 422, (change, refused.text)
        assert refused.json()["field"] == field and refused.json()["detail"]
    other_scan = upload(client, other["id"], jpeg_bytes(color="gray")).json()
    assert client.post(url, json={**REWARD, "scan_document_id": other_scan["id"]}).status_code == 422
    assert client.get(url).json() == []

    teacher = make_user(client, "teacher-r", ["teacher"], class_names=["5А"])
    assert client.post(url, json=REWARD, headers=teacher).status_code == 404
    parent = make_user(client, "parent-r2", ["parent"], student_ids=[other["id"]])
    assert client.post(url, json=REWARD, headers=parent).status_code == 403
    assert client.get(url, headers=parent).status_code == 404
