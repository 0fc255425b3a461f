"""The access log: append-only and tamper-evident.

There is deliberately no update or delete here: entries are only ever inserted. Each entry
carries the SHA-256 of the previous entry of its school (a hash chain), and its sequence number
is unique per school, so two concurrent appends cannot both claim the same place in the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]
GENESIS = "0" * 64

INDEXES = [
    IndexModel([("school_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="school_seq_unique"),
    IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING), ("at", ASCENDING)]),
]

_HASHED = (
    "school_id",
    "seq",
    "at",
    "actor",
    "role",
    "ip",
    "action",
    "student_id",
    "document_id",
    "details",
    "prev_hash",
)


def entry_hash(entry: Doc) -> str:
    """SHA-256 over a canonical JSON of the entry's fields (the hash itself excluded)."""
    payload = {k: entry.get(k) for k in _HASHED}
    payload["at"] = (
        entry["at"].isoformat(timespec="milliseconds")
        if isinstance(entry.get("at"), datetime)
        else entry.get("at")
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class AccessLogRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.access_log

    async def append(self, entry: Doc) -> Doc:
        """Add an entry at the end of its school's chain (retrying if another append won)."""
        for _ in range(50):
            last = await self._col.find_one({"school_id": entry["school_id"]}, sort=[("seq", DESCENDING)])
            record = {
                **entry,
                "seq": (last["seq"] + 1) if last else 1,
                "prev_hash": last["hash"] if last else GENESIS,
            }
            record["hash"] = entry_hash(record)
            try:
                await self._col.insert_one(record)
            except DuplicateKeyError:
                continue
            return record
        raise RuntimeError("access log: could not append after 50 attempts")

    async def find(
        self,
        school_id: str,
        *,
        student_id: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[Doc]:
        query: Doc = {"school_id": school_id}
        if student_id:
            query["student_id"] = student_id
        if actor:
            query["actor"] = actor
        if since or until:
            query["at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
        cursor = self._col.find(query, projection={"_id": 0}).sort("seq", ASCENDING).limit(limit)
        return [raw async for raw in cursor]

    async def chain(self, school_id: str) -> AsyncIterator[Doc]:
        async for raw in self._col.find({"school_id": school_id}).sort("seq", ASCENDING):
            yield raw

    async def schools(self) -> list[str]:
        return sorted(await self._col.distinct("school_id"))


async def verify_chain(repo: AccessLogRepository, school_id: str) -> tuple[int, int | None]:
    """(entries checked, first broken sequence number or None)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    async for entry in repo.chain(school_id):
        checked += 1
        if (
            entry["seq"] != expected_seq
            or entry["prev_hash"] != expected_prev
            or entry_hash(entry) != entry["hash"]
        ):
            return checked, entry["seq"] if entry["seq"] == expected_seq else expected_seq
        expected_prev, expected_seq = entry["hash"], expected_seq + 1
    return checked, None
