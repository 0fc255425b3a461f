"""MongoDB repositories of the retention side: nomenclature versions, cases, holds, acts and
tombstones. Dates are stored as ISO strings (they sort and index like dates, without time zones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

Doc = dict[str, Any]

INDEXES: dict[str, list[IndexModel]] = {
    "nomenclatures": [IndexModel([("school_id", ASCENDING), ("version", DESCENDING)], unique=True)],
    "cases": [
        IndexModel([("school_id", ASCENDING), ("destroy_not_before", ASCENDING)], name="school_due"),
        IndexModel([("school_id", ASCENDING), ("expires_on", ASCENDING)], name="school_expires"),
        IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING), ("year", ASCENDING)]),
        IndexModel([("school_id", ASCENDING), ("index", ASCENDING), ("year", ASCENDING)]),
    ],
    "holds": [IndexModel([("school_id", ASCENDING), ("target_type", ASCENDING), ("target_id", ASCENDING)])],
    "acts": [IndexModel([("school_id", ASCENDING), ("number", ASCENDING)], unique=True)],
    "tombstones": [IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING)])],
    "act_claims": [IndexModel([("act_id", ASCENDING)])],
    "documents": [
        IndexModel([("school_id", ASCENDING), ("case_id", ASCENDING)], name="school_case"),
        IndexModel([("school_id", ASCENDING), ("due_from", ASCENDING)], name="school_due_from"),
    ],
}


async def ensure_retention_indexes(db: AsyncDatabase[Doc]) -> None:
    for collection, indexes in INDEXES.items():
        await db[collection].create_indexes(indexes)


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class NomenclatureRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.nomenclatures

    async def latest(self, school_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id}, sort=[("version", DESCENDING)])

    async def get(self, school_id: str, version: int) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "version": version})

    async def versions(self, school_id: str) -> list[Doc]:
        cursor = self._col.find({"school_id": school_id}, projection={"text": 0}).sort("version", DESCENDING)
        return [raw async for raw in cursor]

    async def add(self, school_id: str, version: int, text: str, uploaded_by: str, at: datetime) -> bool:
        """False when another upload took this version number first."""
        try:
            await self._col.insert_one(
                {
                    "_id": f"{school_id}:{version}",
                    "school_id": school_id,
                    "version": version,
                    "text": text,
                    "uploaded_by": uploaded_by,
                    "uploaded_at": at,
                }
            )
        except DuplicateKeyError:
            return False
        return True


class CaseRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.cases

    async def ensure(self, case: Doc) -> Doc:
        """Create the case if it does not exist yet; return the stored one (first writer wins)."""
        await self._col.update_one({"_id": case["_id"]}, {"$setOnInsert": case}, upsert=True)
        stored = await self._col.find_one({"_id": case["_id"]})
        assert stored is not None
        return stored

    async def get(self, school_id: str, case_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": case_id})

    async def set_counts(self, school_id: str, case_id: str, *, documents: int, size: int) -> None:
        await self._col.update_one(
            {"school_id": school_id, "_id": case_id}, {"$set": {"documents": documents, "bytes": size}}
        )

    async def count_document(self, school_id: str, case_id: str, *, documents: int, size: int) -> None:
        """Keep the case's document count and size (for the due list) as documents come and go."""
        await self._col.update_one(
            {"school_id": school_id, "_id": case_id}, {"$inc": {"documents": documents, "bytes": size}}
        )

    async def update(self, school_id: str, case_id: str, fields: Doc) -> Doc | None:
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": case_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )

    async def list(
        self,
        school_id: str,
        *,
        index: str | None = None,
        year: int | None = None,
        student_id: str | None = None,
        limit: int = 1000,
    ) -> list[Doc]:
        query: Doc = {"school_id": school_id}
        if index:
            query["index"] = index
        if year:
            query["year"] = year
        if student_id:
            query["student_id"] = student_id
        cursor = (
            self._col.find(query)
            .sort([("index", ASCENDING), ("year", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [raw async for raw in cursor]

    @staticmethod
    def destroyable_query(school_id: str, cutoff: date) -> Doc:
        return {"school_id": school_id, "destroy_not_before": {"$lte": iso(cutoff)}}

    async def list_destroyable(self, school_id: str, cutoff: date) -> list[Doc]:
        """Cases whose period (with decisions) has run out by ``cutoff``; served by an index."""
        cursor = self._col.find(self.destroyable_query(school_id, cutoff)).sort(
            "destroy_not_before", ASCENDING
        )
        return [raw async for raw in cursor]

    async def explain_destroyable(self, school_id: str, cutoff: date) -> Doc:
        return await self._col.find(self.destroyable_query(school_id, cutoff)).explain()

    async def list_expired_unreviewed(self, school_id: str, cutoff: date) -> list[Doc]:
        cursor = self._col.find(
            {"school_id": school_id, "expires_on": {"$lte": iso(cutoff)}, "epk": True, "review": None}
        )
        return [raw async for raw in cursor]

    async def list_dmn_undecided(self, school_id: str) -> list[Doc]:
        cursor = self._col.find({"school_id": school_id, "retention.kind": "dmn", "dmn_decision": None})
        return [raw async for raw in cursor]


class HoldRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.holds

    async def add(self, hold: Doc) -> None:
        await self._col.insert_one(hold)

    async def get(self, school_id: str, hold_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": hold_id})

    async def release(self, school_id: str, hold_id: str, fields: Doc) -> Doc | None:
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": hold_id, "released_at": None},
            {"$set": fields},
            return_document=ReturnDocument.AFTER,
        )

    async def list(self, school_id: str, *, active_only: bool) -> list[Doc]:
        query: Doc = {"school_id": school_id}
        if active_only:
            query["released_at"] = None
        return [raw async for raw in self._col.find(query).sort("placed_at", ASCENDING)]

    async def active_for(self, school_id: str, targets: Iterable[tuple[str, str]]) -> list[Doc]:
        """Active holds on any of the (target_type, target_id) pairs."""
        pairs = [{"target_type": t, "target_id": i} for t, i in targets]
        if not pairs:
            return []
        cursor = self._col.find({"school_id": school_id, "released_at": None, "$or": pairs})
        return [raw async for raw in cursor]


class ActRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.acts

    async def add(self, act: Doc) -> bool:
        try:
            await self._col.insert_one(act)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, school_id: str, act_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": act_id})

    async def list(self, school_id: str) -> list[Doc]:
        cursor = self._col.find({"school_id": school_id}, projection={"items": 0}).sort(
            "created_at", DESCENDING
        )
        return [raw async for raw in cursor]

    async def count_in_year(self, school_id: str, year: int) -> int:
        return await self._col.count_documents({"school_id": school_id, "act_date": {"$regex": f"^{year}-"}})

    async def transition(
        self, school_id: str, act_id: str, from_status: Sequence[str], fields: Doc
    ) -> Doc | None:
        """Compare-and-set on the status: None when the act was not in ``from_status``."""
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": act_id, "status": {"$in": list(from_status)}},
            {"$set": fields},
            return_document=ReturnDocument.AFTER,
        )

    async def claim(self, act_id: str, school_id: str, document_ids: list[str]) -> list[str]:
        """Reserve documents for one act (the claim's _id is the document id, so a document can
        be in one open act only). Returns the ids another act holds already; on any clash
        nothing stays claimed."""
        claims = self._col.database.act_claims
        docs = [{"_id": d, "act_id": act_id, "school_id": school_id} for d in document_ids]
        try:
            await claims.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            taken = [e["op"]["_id"] for e in exc.details.get("writeErrors", []) if e.get("code") == 11000]
            await claims.delete_many({"act_id": act_id})
            return taken or document_ids
        return []

    async def release_claims(self, act_id: str) -> None:
        await self._col.database.act_claims.delete_many({"act_id": act_id})

    async def take_execution_lease(
        self,
        school_id: str,
        act_id: str,
        *,
        now: datetime,
        until: datetime,
        executed_by: str | None,
        started_at: datetime,
    ) -> Doc | None:
        """Approved -> executing, or take over an executing act whose lease has run out."""
        return await self._col.find_one_and_update(
            {
                "school_id": school_id,
                "_id": act_id,
                "$or": [
                    {"status": "approved"},
                    {"status": "executing", "execution.lease_until": {"$lt": now}},
                ],
            },
            {
                "$set": {
                    "status": "executing",
                    "execution.lease_until": until,
                    "execution.executed_by": executed_by,
                    "execution.started_at": started_at,
                }
            },
            return_document=ReturnDocument.AFTER,
        )

    async def renew_execution_lease(self, school_id: str, act_id: str, *, until: datetime) -> None:
        await self._col.update_one(
            {"school_id": school_id, "_id": act_id, "status": "executing"},
            {"$set": {"execution.lease_until": until}},
        )

    async def documents_in_open_acts(self, school_id: str) -> set[str]:
        cursor = self._col.find(
            {"school_id": school_id, "status": {"$in": ["draft", "approved", "executing"]}},
            projection={"items.document_id": 1},
        )
        return {item["document_id"] async for act in cursor for item in act.get("items", [])}


class TombstoneRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.tombstones

    async def begin(self, tombstone: Doc) -> Doc:
        """Record the intent to destroy (idempotent); return the stored tombstone."""
        await self._col.update_one({"_id": tombstone["_id"]}, {"$setOnInsert": tombstone}, upsert=True)
        stored = await self._col.find_one({"_id": tombstone["_id"]})
        assert stored is not None
        return stored

    async def finish(self, document_id: str, destroyed_at: datetime) -> None:
        await self._col.update_one(
            {"_id": document_id}, {"$set": {"state": "destroyed", "destroyed_at": destroyed_at}}
        )

    async def for_act(self, school_id: str, act_number: str) -> list[Doc]:
        return [raw async for raw in self._col.find({"school_id": school_id, "act_number": act_number})]

    async def for_student(self, school_id: str, student_id: str) -> list[Doc]:
        return [raw async for raw in self._col.find({"school_id": school_id, "student_id": student_id})]
