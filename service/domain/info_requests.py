"""Requests for information from pupils and parents: recorded, given a deadline of 10 working
days (extendable once by 5 with a reasoned notice, 152-ФЗ ст. 14 ч. 3 and ст. 20), listed while
open or overdue, and closed with what was issued."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from service.domain.metadata import clean_text, parse_date
from service.domain.working_days import add_working_days
from service.errors import Conflict, InvalidInput, NotFound
from service.storage.info_requests import InfoRequestRepository
from service.storage.mongo import StudentRepository, utcnow
from service.storage.retention_repo import iso

ANSWER_DAYS = 10
EXTENSION_DAYS = 5
CHANNELS = {"oral": "устно", "written": "письменно", "service": "через сервис"}
RELATIONS = {"parent": "родитель (законный представитель)", "pupil": "обучающийся"}


def view(request: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    out = {k: v for k, v in request.items() if k not in ("_id", "school_id")}
    out["id"] = request["_id"]
    due = date.fromisoformat(request.get("extended_to") or request["deadline"])
    out["overdue"] = request.get("answered_on") is None and today > due
    return out


class InfoRequestService:
    def __init__(self, repo: InfoRequestRepository, students: StudentRepository) -> None:
        self._repo = repo
        self._students = students

    async def record(
        self,
        school_id: str,
        fields: Mapping[str, str | None],
        *,
        today: date,
        requested_by_user: str | None = None,
    ) -> dict[str, Any]:
        """Raises NotFound for an unknown pupil, InvalidInput for missing or wrong fields."""
        student_id = clean_text(fields.get("student_id"), "student_id", required=True, max_len=100) or ""
        if await self._students.get(school_id, student_id) is None:
            raise NotFound("Обучающийся не найден.")
        relation = (fields.get("relation") or "").strip()
        channel = (fields.get("channel") or "").strip()
        if relation not in RELATIONS:
            raise InvalidInput(
                "Укажите, кто обратился: parent (родитель) или pupil (обучающийся).", field="relation"
            )
        if channel not in CHANNELS:
            raise InvalidInput("Укажите, как поступил запрос: oral, written или service.", field="channel")
        received_on = parse_date(fields.get("received_on"), "received_on", today=today) or today
        request = {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "student_id": student_id,
            "requested_by": clean_text(
                fields.get("requested_by"), "requested_by", required=True, max_len=200
            ),
            "relation": relation,
            "channel": channel,
            "asked": clean_text(fields.get("asked"), "asked", required=True, max_len=2000),
            "received_on": iso(received_on),
            "deadline": iso(add_working_days(received_on, ANSWER_DAYS)),
            "extended_to": None,
            "extension_reason": None,
            "answered_on": None,
            "issued": None,
            "created_at": utcnow(),
            "requested_by_user": requested_by_user,
        }
        await self._repo.add(request)
        return request

    async def extend(
        self, school_id: str, request_id: str, fields: Mapping[str, str | None]
    ) -> dict[str, Any]:
        """Once, by 5 working days, with the reason sent to the applicant."""
        reason = clean_text(fields.get("reason"), "reason", required=True, max_len=2000)
        request = await self._get(school_id, request_id)
        extended = add_working_days(date.fromisoformat(request["deadline"]), EXTENSION_DAYS)
        updated = await self._repo.update_open(
            school_id,
            request_id,
            {"extended_to": iso(extended), "extension_reason": reason},
            {"extended_to": None},
        )
        if updated is None:
            raise Conflict(
                "Срок уже продлевался или на запрос уже ответили: продлить можно один раз, до ответа."
            )
        return updated

    async def answer(
        self, school_id: str, request_id: str, fields: Mapping[str, str | None], *, today: date
    ) -> dict[str, Any]:
        issued = clean_text(fields.get("issued"), "issued", required=True, max_len=2000)
        answered_on = parse_date(fields.get("answered_on"), "answered_on", today=today) or today
        request = await self._get(school_id, request_id)
        if answered_on < date.fromisoformat(request["received_on"]):
            raise InvalidInput("Дата ответа не может быть раньше даты запроса.", field="answered_on")
        updated = await self._repo.update_open(
            school_id, request_id, {"answered_on": iso(answered_on), "issued": issued}
        )
        if updated is None:
            raise Conflict("На этот запрос уже ответили.")
        return updated

    async def list(self, school_id: str, *, state: str, today: date) -> list[dict[str, Any]]:
        if state not in ("open", "overdue", "all"):
            raise InvalidInput("Выберите: open, overdue или all.", field="state")
        views = [view(r, today=today) for r in await self._repo.list(school_id, open_only=state != "all")]
        return [v for v in views if v["overdue"]] if state == "overdue" else views

    async def _get(self, school_id: str, request_id: str) -> dict[str, Any]:
        request = await self._repo.get(school_id, request_id)
        if request is None:
            raise NotFound("Запрос не найден.")
        return request
