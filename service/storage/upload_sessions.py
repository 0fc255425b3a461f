"""Resumable uploads in progress: which parts of a large file the service already holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]

UPLOAD_SESSION_INDEXES = [IndexModel([("created_at", ASCENDING)])]


class UploadSessionRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.upload_sessions

    async def add(self, session: Doc) -> None:
        await self._col.insert_one(session)

    async def get(self, school_id: str, upload_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": upload_id})

    async def record_part(self, school_id: str, upload_id: str, number: int, part: Doc) -> Doc | None:
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": upload_id, "state": "open"},
            {"$set": {f"parts.{number}": part}},
            return_document=ReturnDocument.AFTER,
        )

    async def claim(self, school_id: str, upload_id: str) -> Doc | None:
        """Take the session for completion: one request at a time assembles the file."""
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": upload_id, "state": "open"},
            {"$set": {"state": "completing"}},
            return_document=ReturnDocument.AFTER,
        )

    async def reopen(self, school_id: str, upload_id: str) -> None:
        await self._col.update_one({"school_id": school_id, "_id": upload_id}, {"$set": {"state": "open"}})

    async def delete(self, school_id: str, upload_id: str) -> None:
        await self._col.delete_one({"school_id": school_id, "_id": upload_id})

    async def older_than(self, moment: datetime) -> list[Doc]:
        return [s async for s in self._col.find({"created_at": {"$lt": moment}})]
