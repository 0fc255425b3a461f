"""Reports of bulk intakes, kept so they can be downloaded again."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]

IMPORT_INDEXES = [IndexModel([("school_id", ASCENDING), ("created_at", ASCENDING)])]


class ImportRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.imports

    async def add(self, report: Doc) -> None:
        await self._col.insert_one(report)

    async def get(self, school_id: str, import_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": import_id})
