"""Requests for information: 10 working days, one extension by 5, open and overdue lists."""

from __future__ import annotations

from datetime import date

import pytest
from litestar.testing import TestClient

from tests.conftest import Clock, create_student

Q = "/api/v1/requests"


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2025, 12, 29))


def test_request_deadline_extension_overdue_and_answer(app_client: TestClient, clock: Clock) -> None:
    pupil = create_student(app_client)
    created = app_client.post(
        Q,
        json={
            "student_id": pupil["id"],
            "requested_by": "Образцова Анна Ивановна",
            "relation": "parent",
            "channel": "written",
            "asked": "Копии дипломов за 2024/2025 учебный год",
        },
    )
    assert created.status_code == 201, created.text
    request = created.json()
    # Received 29.12.2025: New Year holidays and the 31.12 day off push 10 working days to 22.01.2026.
    assert request["deadline"] == "2026-01-22" and request["overdue"] is False
    assert [r["id"] for r in app_client.get(Q).json()] == [request["id"]]

    clock.today = date(2026, 1, 23)
    assert [r["id"] for r in app_client.get(Q, params={"state": "overdue"}).json()] == [request["id"]]

    extended = app_client.post(
        f"{Q}/{request['id']}/extend", json={"reason": "Документы в архиве другого здания"}
    )
    assert extended.status_code == 200
    assert extended.json()["extended_to"] == "2026-01-29" and extended.json()["overdue"] is False
    again = app_client.post(f"{Q}/{request['id']}/extend", json={"reason": "ещё раз"})
    assert again.status_code == 409

    answered = app_client.post(f"{Q}/{request['id']}/answer", json={"issued": "Выданы копии 3 дипломов"})
    assert answered.status_code == 200 and answered.json()["answered_on"] == "2026-01-23"
    assert app_client.get(Q).json() == []
    assert len(app_client.get(Q, params={"state": "all"}).json()) == 1
    assert app_client.post(f"{Q}/{request['id']}/answer", json={"issued": "x"}).status_code == 409


def test_bad_requests_are_refused_in_russian(app_client: TestClient) -> None:
    pupil = create_student(app_client)
    base = {
        "student_id": pupil["id"],
        "requested_by": "Иванова",
        "relation": "parent",
        "channel": "oral",
        "asked": "x",
    }
    assert app_client.post(Q, json={**base, "student_id": "nobody"}).status_code == 404
    wrong = app_client.post(Q, json={**base, "channel": "pigeon"})
    assert wrong.status_code == 422 and "oral" in wrong.json()["detail"]
    assert app_client.post(Q, json={**base, "asked": "  "}).json()["field"] == "asked"
    assert app_client.get(Q, params={"state": "later"}).status_code == 422
    assert app_client.post(f"{Q}/unknown/answer", json={"issued": "x"}).status_code == 404
