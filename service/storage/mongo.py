"""MongoDB repositories. Every query of the service lives here, and every one is scoped by
school: indexes lead with ``school_id`` (also the shard key when one replica set is not enough).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from service.errors import Conflict
from service.models import (
    Category,
    Document,
    DocumentKind,
    DocumentMetadata,
    EventLevel,
    FileFacts,
    Result,
    Source,
    Student,
)

Doc = dict[str, Any]

STUDENT_INDEXES = [
    IndexModel([("school_id", ASCENDING), ("class_name", ASCENDING), ("full_name", ASCENDING)]),
    IndexModel([("school_id", ASCENDING), ("left_on", ASCENDING)]),
    IndexModel(
        [("school_id", ASCENDING), ("external_id", ASCENDING)],
        unique=True,
        partialFilterExpression={"external_id": {"$type": "string"}},
        name="school_external_id_unique",
    ),
]

DOCUMENT_INDEXES = [
    # One stored copy of the same bytes per pupil: a repeated upload returns the first one.
    IndexModel(
        [("school_id", ASCENDING), ("student_id", ASCENDING), ("file.sha256", ASCENDING)],
        unique=True,
        name="school_student_sha256_unique",
    ),
    IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING), ("created_at", ASCENDING)]),
    IndexModel([("school_id", ASCENDING), ("status", ASCENDING), ("created_at", ASCENDING)]),
    # Team diplomas and class material, found from each pupil they concern.
    IndexModel([("school_id", ASCENDING), ("linked_student_ids", ASCENDING)]),
    IndexModel([("school_id", ASCENDING), ("shared_with_class", ASCENDING)]),
    # The record of achievements: a class's or the school's documents of one academic year.
    IndexModel([("school_id", ASCENDING), ("meta.academic_year", ASCENDING), ("student_id", ASCENDING)]),
]


def make_mongo_client(uri: str) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=3000,
        appname="school-archive",
    )


async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
    await db.students.create_indexes(STUDENT_INDEXES)
    await db.documents.create_indexes(DOCUMENT_INDEXES)


def _date_to_bson(value: date | None) -> str | None:
    # BSON has no date-only type; an ISO string keeps "16.05.2025" from drifting across time zones.
    return value.isoformat() if value else None


def _date_from_bson(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _metadata_to_bson(m: DocumentMetadata) -> Doc:
    return {
        "kind": m.kind.value,
        "title": m.title,
        "category": m.category.value,
        "academic_year": m.academic_year,
        "source": m.source.value,
        "issued_on": _date_to_bson(m.issued_on),
        "issuer": m.issuer,
        "event": m.event,
        "event_level": m.event_level.value if m.event_level else None,
        "result": m.result.value if m.result else None,
    }


class StudentRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.students

    async def add(self, student: Student) -> None:
        """Raises Conflict when the school already has a pupil with that external id."""
        try:
            await self._col.insert_one(
                {
                    "_id": student.id,
                    "school_id": student.school_id,
                    "full_name": student.full_name,
                    "class_name": student.class_name,
                    "birth_date": _date_to_bson(student.birth_date),
                    "external_id": student.external_id,
                    "created_at": student.created_at,
                    "left_on": _date_to_bson(student.left_on),
                    "leaving_order": student.leaving_order,
                    "consent_withdrawn_on": None,
                }
            )
        except DuplicateKeyError:
            raise Conflict(
                "Обучающийся с таким внешним идентификатором уже есть в этой школе.", field="external_id"
            ) from None

    async def get(self, school_id: str, student_id: str) -> Student | None:
        raw = await self._col.find_one({"school_id": school_id, "_id": student_id})
        return self._to_student(raw) if raw else None

    async def list(self, school_id: str, *, class_name: str | None = None) -> list[Student]:
        query: Doc = {"school_id": school_id}
        if class_name is not None:
            query["class_name"] = class_name
        cursor = self._col.find(query).sort([("class_name", ASCENDING), ("full_name", ASCENDING)])
        return [self._to_student(raw) async for raw in cursor]

    async def count(self, school_id: str) -> int:
        return await self._col.count_documents({"school_id": school_id})

    @staticmethod
    def _to_student(raw: Doc) -> Student:
        return Student(
            id=raw["_id"],
            school_id=raw["school_id"],
            full_name=raw["full_name"],
            class_name=raw["class_name"],
            birth_date=_date_from_bson(raw.get("birth_date")),
            external_id=raw.get("external_id"),
            created_at=raw.get("created_at"),
            left_on=_date_from_bson(raw.get("left_on")),
            leaving_order=raw.get("leaving_order"),
            consent_withdrawn_on=_date_from_bson(raw.get("consent_withdrawn_on")),
        )

    async def set_leaving(self, school_id: str, student_id: str, left_on: date, order: str) -> None:
        await self._col.update_one(
            {"school_id": school_id, "_id": student_id},
            {"$set": {"left_on": _date_to_bson(left_on), "leaving_order": order}},
        )

    async def set_consent_withdrawn(self, school_id: str, student_id: str, on: date | None) -> None:
        await self._col.update_one(
            {"school_id": school_id, "_id": student_id},
            {"$set": {"consent_withdrawn_on": _date_to_bson(on)}},
        )

    async def left_on_by_id(self, school_id: str) -> dict[str, date]:
        """Leaving dates of the pupils who have left (an index range, not a list of ids)."""
        cursor = self._col.find(
            {"school_id": school_id, "left_on": {"$type": "string"}}, projection={"left_on": 1}
        )
        return {raw["_id"]: date.fromisoformat(raw["left_on"]) async for raw in cursor}

    async def get_many(self, school_id: str, ids: Iterable[str]) -> dict[str, Student]:
        cursor = self._col.find({"school_id": school_id, "_id": {"$in": list(ids)}})
        return {raw["_id"]: self._to_student(raw) async for raw in cursor}


class DocumentRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.documents

    async def add(self, document: Document, *, due_from: str | None = None) -> bool:
        """Insert; return False when the same bytes are already stored for this pupil.

        ``due_from`` copies the case's destroy-not-before date onto the document, so the act
        draft finds due documents by an index range instead of a huge ``$in``.
        """
        try:
            await self._col.insert_one({**self._to_bson(document), "due_from": due_from})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, school_id: str, document_id: str) -> Document | None:
        raw = await self._col.find_one({"school_id": school_id, "_id": document_id})
        return self._to_document(raw) if raw else None

    async def find_by_sha256(self, school_id: str, student_id: str, sha256: str) -> Document | None:
        raw = await self._col.find_one(
            {"school_id": school_id, "student_id": student_id, "file.sha256": sha256}
        )
        return self._to_document(raw) if raw else None

    async def list_for_student(self, school_id: str, student_id: str) -> list[Document]:
        cursor = self._col.find({"school_id": school_id, "student_id": student_id}).sort(
            [("created_at", ASCENDING), ("_id", ASCENDING)]
        )
        return [self._to_document(raw) async for raw in cursor]

    async def list_for_record(
        self, school_id: str, student_id: str, *, class_name: str | None = None
    ) -> list[Document]:
        """A pupil's own documents, the team documents linked to them, and (with ``class_name``)
        the material of their class; oldest first."""
        either: list[Doc] = [{"student_id": student_id}, {"linked_student_ids": student_id}]
        if class_name:
            either.append({"shared_with_class": class_name})
        cursor = self._col.find({"school_id": school_id, "$or": either}).sort(
            [("created_at", ASCENDING), ("_id", ASCENDING)]
        )
        return [self._to_document(raw) async for raw in cursor]

    async def set_links(
        self, school_id: str, document_id: str, *, student_ids: list[str], shared_with_class: str | None
    ) -> None:
        await self._col.update_one(
            {"school_id": school_id, "_id": document_id},
            {"$set": {"linked_student_ids": student_ids, "shared_with_class": shared_with_class}},
        )

    async def list_for_year(
        self, school_id: str, academic_year: str, *, student_ids: Iterable[str] | None = None
    ) -> list[Document]:
        query: Doc = {"school_id": school_id, "meta.academic_year": academic_year}
        if student_ids is not None:
            ids = list(student_ids)
            query["$or"] = [{"student_id": {"$in": ids}}, {"linked_student_ids": {"$in": ids}}]
        cursor = self._col.find(query).sort([("student_id", ASCENDING), ("created_at", ASCENDING)])
        return [self._to_document(raw) async for raw in cursor]

    async def set_ministry_list(self, school_id: str, document_id: str, changes: Doc) -> bool:
        result = await self._col.update_one({"school_id": school_id, "_id": document_id}, {"$set": changes})
        return result.matched_count == 1

    async def list_by_status(self, school_id: str, status: str, *, limit: int) -> list[Document]:
        """The verification queue: oldest first."""
        cursor = (
            self._col.find({"school_id": school_id, "status": status})
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [self._to_document(raw) async for raw in cursor]

    async def set_status(self, school_id: str, document_id: str, *, expected: str, changes: Doc) -> bool:
        """Compare-and-set, so two deputies deciding at once cannot both win."""
        result = await self._col.update_one(
            {"school_id": school_id, "_id": document_id, "status": expected}, {"$set": changes}
        )
        return result.modified_count == 1

    async def replace_metadata(
        self, school_id: str, document_id: str, metadata: DocumentMetadata, extra: Doc
    ) -> None:
        await self._col.update_one(
            {"school_id": school_id, "_id": document_id},
            {"$set": {"meta": _metadata_to_bson(metadata), **extra}},
        )

    async def existing_ids(self, document_ids: Iterable[str]) -> set[str]:
        """Which of these ids have metadata, in any school (used by the orphan sweep)."""
        ids = list(document_ids)
        if not ids:
            return set()
        cursor = self._col.find({"_id": {"$in": ids}}, projection={"_id": 1})
        return {raw["_id"] async for raw in cursor}

    async def count(self, school_id: str | None = None) -> int:
        return await self._col.count_documents({} if school_id is None else {"school_id": school_id})

    async def set_due_from(self, school_id: str, case_id: str, due_from: str | None) -> None:
        await self._col.update_many(
            {"school_id": school_id, "case_id": case_id}, {"$set": {"due_from": due_from}}
        )

    async def list_due(self, school_id: str, cutoff: str) -> list[Document]:
        """Documents whose case may be destroyed by ``cutoff`` (ISO date); served by an index."""
        cursor = self._col.find({"school_id": school_id, "due_from": {"$lte": cutoff}})
        return [self._to_document(raw) async for raw in cursor]

    async def list_in_cases(self, school_id: str, case_ids: Iterable[str]) -> list[Document]:
        cursor = self._col.find({"school_id": school_id, "case_id": {"$in": list(case_ids)}})
        return [self._to_document(raw) async for raw in cursor]

    async def stats_of_case(self, school_id: str, case_id: str) -> tuple[int, int]:
        """(documents, bytes) of one case, counted afresh."""
        pipeline = [
            {"$match": {"school_id": school_id, "case_id": case_id}},
            {"$group": {"_id": None, "n": {"$sum": 1}, "bytes": {"$sum": "$file.size"}}},
        ]
        cursor = await self._col.aggregate(pipeline)
        rows = [raw async for raw in cursor]
        return (rows[0]["n"], rows[0]["bytes"]) if rows else (0, 0)

    async def delete(self, school_id: str, document_id: str) -> None:
        await self._col.delete_one({"school_id": school_id, "_id": document_id})

    @staticmethod
    def _to_bson(d: Document) -> Doc:
        m = d.metadata
        return {
            "_id": d.id,
            "school_id": d.school_id,
            "student_id": d.student_id,
            "meta": _metadata_to_bson(m),
            "file": {
                "media_type": d.file.media_type,
                "size": d.file.size,
                "sha256": d.file.sha256,
                "pages": d.file.pages,
                "is_scan": d.file.is_scan,
                "original_filename": d.original_filename,
                "object_key": d.object_key,
                "thumbnail_key": d.thumbnail_key,
                "object_version": d.object_version,
                "thumbnail_version": d.thumbnail_version,
            },
            "case_id": d.case_id,
            "created_at": d.created_at,
            "status": d.status,
            "verified_by": d.verified_by,
            "verified_at": d.verified_at,
            "rejection_reason": d.rejection_reason,
            "application_id": d.application_id,
            "uploaded_by": d.uploaded_by,
        }

    @staticmethod
    def _to_document(raw: Doc) -> Document:
        m, f = raw["meta"], raw["file"]
        created = raw["created_at"]
        if created.tzinfo is None:  # pragma: no cover - the client is tz_aware
            created = created.replace(tzinfo=UTC)
        return Document(
            id=raw["_id"],
            school_id=raw["school_id"],
            student_id=raw["student_id"],
            metadata=DocumentMetadata(
                kind=DocumentKind(m["kind"]),
                title=m["title"],
                category=Category(m["category"]),
                academic_year=m["academic_year"],
                source=Source(m["source"]),
                issued_on=_date_from_bson(m.get("issued_on")),
                issuer=m.get("issuer"),
                event=m.get("event"),
                event_level=EventLevel(m["event_level"]) if m.get("event_level") else None,
                result=Result(m["result"]) if m.get("result") else None,
            ),
            file=FileFacts(
                media_type=f["media_type"],
                size=f["size"],
                sha256=f["sha256"],
                pages=f.get("pages"),
                is_scan=f["is_scan"],
            ),
            original_filename=f["original_filename"],
            object_key=f["object_key"],
            thumbnail_key=f["thumbnail_key"],
            created_at=created,
            case_id=raw.get("case_id"),
            object_version=f.get("object_version"),
            thumbnail_version=f.get("thumbnail_version"),
            status=raw.get("status") or "pending",
            verified_by=raw.get("verified_by"),
            verified_at=raw.get("verified_at"),
            rejection_reason=raw.get("rejection_reason"),
            application_id=raw.get("application_id"),
            uploaded_by=raw.get("uploaded_by"),
            in_ministry_list=bool(raw.get("in_ministry_list")),
            ministry_list_note=raw.get("ministry_list_note"),
            linked_student_ids=tuple(raw.get("linked_student_ids") or ()),
            shared_with_class=raw.get("shared_with_class"),
        )


def utcnow() -> datetime:
    """Now, to the millisecond: what BSON stores, so a record reads back equal to itself."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
