"""Requests for information (152-ФЗ ст. 14, 20) and what was issued in answer."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]

INDEXES = [IndexModel([("school_id", ASCENDING), ("answered_on", ASCENDING), ("deadline", ASCENDING)])]


class InfoRequestRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.info_requests

    async def add(self, request: Doc) -> None:
        await self._col.insert_one(request)

    async def get(self, school_id: str, request_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": request_id})

    async def list(self, school_id: str, *, open_only: bool) -> list[Doc]:
        query: Doc = {"school_id": school_id}
        if open_only:
            query["answered_on"] = None
        return [raw async for raw in self._col.find(query).sort("deadline", ASCENDING)]

    async def update_open(
        self, school_id: str, request_id: str, fields: Doc, extra: Doc | None = None
    ) -> Doc | None:
        """Change a request that has not been answered yet (compare-and-set on answered_on)."""
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": request_id, "answered_on": None, **(extra or {})},
            {"$set": fields},
            return_document=ReturnDocument.AFTER,
        )
