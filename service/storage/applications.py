"""Families' applications (заявления) and consents to the processing of personal data."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]

APPLICATION_INDEXES = [
    IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING), ("submitted_on", DESCENDING)]),
]
CONSENT_INDEXES = [
    IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING), ("given_on", DESCENDING)]),
]


class _PerPupil:
    order_by = "created_at"

    def __init__(self, db: AsyncDatabase[Doc], name: str) -> None:
        self._col = db[name]

    async def add(self, record: Doc) -> None:
        await self._col.insert_one(record)

    async def get(self, school_id: str, student_id: str, record_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "student_id": student_id, "_id": record_id})

    async def list_for(self, school_id: str, student_id: str) -> list[Doc]:
        cursor = self._col.find({"school_id": school_id, "student_id": student_id}).sort(
            [(self.order_by, DESCENDING), ("_id", ASCENDING)]
        )
        return [raw async for raw in cursor]

    async def set_fields(self, school_id: str, record_id: str, expected: Doc, changes: Doc) -> bool:
        result = await self._col.update_one(
            {"school_id": school_id, "_id": record_id, **expected}, {"$set": changes}
        )
        return result.modified_count == 1


class ApplicationRepository(_PerPupil):
    order_by = "submitted_on"

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db, "applications")


class ConsentRepository(_PerPupil):
    order_by = "given_on"

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db, "consents")
