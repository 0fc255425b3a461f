"""Families' applications and consents (the regulation and 152-ФЗ, the brief's section 3).

Results obtained in other organisations are recorded only on the family's own application; an
application covers one academic year, or every year when none is given. Consent to processing is
recorded per pupil; when the last consent is withdrawn, the pupil's documents are served only to
the staff handling the withdrawal, and the archivist's per-pupil view shows what is due.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from service.domain.metadata import clean_text, parse_academic_year, parse_date
from service.errors import Conflict, InvalidInput, NotFound
from service.storage.applications import ApplicationRepository, ConsentRepository
from service.storage.mongo import DocumentRepository, StudentRepository, utcnow

RELATIONS = ("parent", "pupil")
RELATION_TITLES_RU = {"parent": "родитель (законный представитель)", "pupil": "обучающийся"}

MSG_APPLICATION_NEEDED = (
    "Результаты, полученные в других организациях, учитываются только по заявлению родителя "
    "(законного представителя) или самого обучающегося. Запишите заявление на этот учебный год "
    "и загрузите документ снова."
)


def _relation(value: Any) -> str:
    if value not in RELATIONS:
        raise InvalidInput(
            "Поле «кем приходится»: parent (родитель) или pupil (обучающийся).", field="relation"
        )
    return str(value)


def _required_date(value: Any, field: str, *, today: date) -> date:
    parsed = parse_date(value if isinstance(value, str) else None, field, today=today)
    if parsed is None:
        raise InvalidInput("Укажите дату в виде ДД.ММ.ГГГГ.", field=field)
    return parsed


def application_view(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["_id"],
        "student_id": raw["student_id"],
        "submitted_on": raw["submitted_on"],
        "submitted_by": raw["submitted_by"],
        "relation": raw["relation"],
        "academic_year": raw.get("academic_year"),
        "scope": raw.get("scope"),
        "scan_document_id": raw.get("scan_document_id"),
        "recorded_at": raw.get("recorded_at"),
    }


def consent_view(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["_id"],
        "student_id": raw["student_id"],
        "given_on": raw["given_on"],
        "given_by": raw["given_by"],
        "relation": raw["relation"],
        "scope": raw["scope"],
        "withdrawn_on": raw.get("withdrawn_on"),
        "recorded_at": raw.get("recorded_at"),
    }


class ApplicationService:
    def __init__(
        self,
        applications: ApplicationRepository,
        consents: ConsentRepository,
        students: StudentRepository,
        documents: DocumentRepository,
    ) -> None:
        self._documents = documents
        self._applications = applications
        self._consents = consents
        self._students = students

    async def record_application(
        self, school_id: str, student_id: str, fields: Mapping[str, Any], *, today: date, by: str
    ) -> dict[str, Any]:
        year = fields.get("academic_year")
        year = year.strip() if isinstance(year, str) else None
        scan = clean_text(fields.get("scan_document_id"), "scan_document_id", max_len=64)
        if scan:
            document = await self._documents.get(school_id, scan)
            if document is None or document.student_id != student_id:
                raise InvalidInput(
                    "Скан заявления не найден среди документов обучающегося.", field="scan_document_id"
                )
        record = {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "student_id": student_id,
            "submitted_on": _required_date(
                fields.get("submitted_on"), "submitted_on", today=today
            ).isoformat(),
            "submitted_by": clean_text(
                fields.get("submitted_by"), "submitted_by", required=True, max_len=200
            ),
            "relation": _relation(fields.get("relation")),
            # Blank (or only spaces) means every year, like a missing one.
            "academic_year": (parse_academic_year(year, default="") or None)
            if isinstance(year, str)
            else None,
            "scope": clean_text(fields.get("scope"), "scope", max_len=1000),
            "scan_document_id": scan,
            "recorded_by": by,
            "recorded_at": utcnow(),
        }
        await self._applications.add(record)
        return record

    async def list_applications(self, school_id: str, student_id: str) -> list[dict[str, Any]]:
        return await self._applications.list_for(school_id, student_id)

    async def covering_application(
        self, school_id: str, student_id: str, academic_year: str, application_id: str | None
    ) -> str:
        """The application a result of another organisation is recorded on.

        Raises InvalidInput (422) when there is none for that academic year.
        """
        if application_id:
            raw = await self._applications.get(school_id, student_id, application_id)
            if raw is None:
                raise InvalidInput("Заявление не найдено у этого обучающегося.", field="application_id")
            if raw.get("academic_year") not in (None, academic_year):
                raise InvalidInput(
                    f"Заявление подано на {raw['academic_year']} учебный год, а документ относится "
                    f"к {academic_year}.",
                    field="application_id",
                )
            return str(raw["_id"])
        for raw in await self._applications.list_for(school_id, student_id):
            if raw.get("academic_year") in (None, academic_year):
                return str(raw["_id"])
        raise InvalidInput(MSG_APPLICATION_NEEDED, field="source")

    async def record_consent(
        self, school_id: str, student_id: str, fields: Mapping[str, Any], *, today: date, by: str
    ) -> dict[str, Any]:
        record = {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "student_id": student_id,
            "given_on": _required_date(fields.get("given_on"), "given_on", today=today).isoformat(),
            "given_by": clean_text(fields.get("given_by"), "given_by", required=True, max_len=200),
            "relation": _relation(fields.get("relation")),
            "scope": clean_text(fields.get("scope"), "scope", required=True, max_len=1000),
            "withdrawn_on": None,
            "recorded_by": by,
            "recorded_at": utcnow(),
        }
        await self._consents.add(record)
        # A consent given again lifts the stop that a withdrawal placed.
        await self._students.set_consent_withdrawn(school_id, student_id, None)
        return record

    async def withdraw_consent(
        self,
        school_id: str,
        student_id: str,
        consent_id: str,
        fields: Mapping[str, Any],
        *,
        today: date,
        by: str,
    ) -> dict[str, Any]:
        raw = await self._consents.get(school_id, student_id, consent_id)
        if raw is None:
            raise NotFound("Согласие не найдено.")
        if raw.get("withdrawn_on"):
            raise Conflict(f"Согласие уже отозвано {date.fromisoformat(raw['withdrawn_on']):%d.%m.%Y}.")
        on = _required_date(fields.get("withdrawn_on"), "withdrawn_on", today=today)
        if on.isoformat() < raw["given_on"]:
            raise InvalidInput("Дата отзыва раньше даты согласия.", field="withdrawn_on")
        changed = await self._consents.set_fields(
            school_id,
            consent_id,
            {"withdrawn_on": None},
            {"withdrawn_on": on.isoformat(), "withdrawal_recorded_by": by},
        )
        if not changed:
            raise Conflict("Согласие уже отозвано.")
        remaining = [
            c for c in await self._consents.list_for(school_id, student_id) if not c.get("withdrawn_on")
        ]
        if not remaining:
            await self._students.set_consent_withdrawn(school_id, student_id, on)
        return {**raw, "withdrawn_on": on.isoformat()}

    async def list_consents(self, school_id: str, student_id: str) -> list[dict[str, Any]]:
        return await self._consents.list_for(school_id, student_id)
