"""Pupils of a school."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from service.domain.metadata import clean_text, parse_class_name, parse_date
from service.errors import NotFound
from service.models import Student
from service.storage.mongo import StudentRepository, utcnow

MSG_STUDENT_NOT_FOUND = "Обучающийся не найден."


class StudentService:
    def __init__(self, repo: StudentRepository) -> None:
        self._repo = repo

    async def create(self, school_id: str, fields: Mapping[str, str | None], *, today: date) -> Student:
        """Raises InvalidInput for a missing/malformed field, Conflict for a repeated external id."""
        full_name = clean_text(fields.get("full_name"), "full_name", required=True, max_len=200)
        class_name = parse_class_name(fields.get("class_name"))
        assert full_name is not None
        student = Student(
            id=str(uuid.uuid4()),
            school_id=school_id,
            full_name=full_name,
            class_name=class_name,
            birth_date=parse_date(fields.get("birth_date"), "birth_date", today=today),
            external_id=clean_text(fields.get("external_id"), "external_id", max_len=100),
            created_at=utcnow(),
        )
        await self._repo.add(student)
        return student

    async def get(self, school_id: str, student_id: str) -> Student:
        """Raises NotFound (also for a pupil of another school)."""
        student = await self._repo.get(school_id, student_id)
        if student is None:
            raise NotFound(MSG_STUDENT_NOT_FOUND)
        return student

    async def get_many(self, school_id: str, ids: list[str]) -> dict[str, Student]:
        return await self._repo.get_many(school_id, ids)

    async def list(self, school_id: str, *, class_name: str | None) -> list[Student]:
        name = parse_class_name(class_name) if class_name and class_name.strip() else None
        return await self._repo.list(school_id, class_name=name)
