"""Background portfolio jobs: one record per set of inputs, taken by one worker at a time (lease)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]

PORTFOLIO_JOB_INDEXES = [
    # One job per inputs: two parents asking at once share it.
    IndexModel([("school_id", ASCENDING), ("cache_key", ASCENDING)], unique=True),
    IndexModel([("status", ASCENDING), ("lease_until", ASCENDING), ("created_at", ASCENDING)]),
]


class PortfolioJobRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.portfolio_jobs

    async def find_or_create(self, job: Doc) -> Doc:
        """The job for ``job['cache_key']``: the existing one, or ``job`` inserted now."""
        try:
            await self._col.insert_one(job)
            return job
        except DuplicateKeyError:
            found = await self._col.find_one({"school_id": job["school_id"], "cache_key": job["cache_key"]})
            assert found is not None
            return found

    async def get(self, school_id: str, job_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": job_id})

    async def requeue(self, school_id: str, job_id: str, *, total: int) -> Doc | None:
        """A finished or failed job whose result is gone is run again."""
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": job_id, "status": {"$in": ["done", "failed"]}},
            {"$set": {"status": "queued", "done": 0, "total": total, "error": None, "attempts": 0}},
            return_document=ReturnDocument.AFTER,
        )

    async def claim_next(self, *, now: datetime, until: datetime) -> Doc | None:
        """Take the oldest queued job, or a running one whose worker died (its lease ran out)."""
        return await self._col.find_one_and_update(
            {
                "$or": [
                    {"status": "queued"},
                    {"status": "running", "lease_until": {"$lt": now}},
                ]
            },
            {"$set": {"status": "running", "lease_until": until, "started_at": now}, "$inc": {"attempts": 1}},
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def progress(self, job_id: str, *, done: int, until: datetime) -> None:
        await self._col.update_one(
            {"_id": job_id, "status": "running"}, {"$set": {"done": done, "lease_until": until}}
        )

    async def finish(self, job_id: str, changes: Doc) -> None:
        await self._col.update_one({"_id": job_id}, {"$set": changes})
