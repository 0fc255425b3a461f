"""Rewards (поощрения) of pupils; dates stored as ISO strings so they sort and index like dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from service.models import Reward, RewardKind

Doc = dict[str, Any]

REWARD_INDEXES = [
    IndexModel([("school_id", ASCENDING), ("student_id", ASCENDING), ("granted_on", ASCENDING)]),
    IndexModel([("school_id", ASCENDING), ("academic_year", ASCENDING)]),
]


def _to_bson(reward: Reward) -> Doc:
    return {
        "_id": reward.id,
        "school_id": reward.school_id,
        "student_id": reward.student_id,
        "granted_on": reward.granted_on.isoformat(),
        "kind": reward.kind.value,
        "reason": reward.reason,
        "order_number": reward.order_number,
        "order_date": reward.order_date.isoformat(),
        "academic_year": reward.academic_year,
        "scan_document_id": reward.scan_document_id,
        "recorded_by": reward.recorded_by,
        "recorded_at": reward.recorded_at,
    }


def _from_bson(raw: Doc) -> Reward:
    return Reward(
        id=raw["_id"],
        school_id=raw["school_id"],
        student_id=raw["student_id"],
        granted_on=date.fromisoformat(raw["granted_on"]),
        kind=RewardKind(raw["kind"]),
        reason=raw["reason"],
        order_number=raw["order_number"],
        order_date=date.fromisoformat(raw["order_date"]),
        academic_year=raw["academic_year"],
        scan_document_id=raw.get("scan_document_id"),
        recorded_by=raw.get("recorded_by"),
        recorded_at=raw.get("recorded_at"),
    )


class RewardRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.rewards

    async def add(self, reward: Reward) -> None:
        await self._col.insert_one(_to_bson(reward))

    async def list_for_student(self, school_id: str, student_id: str) -> list[Reward]:
        cursor = self._col.find({"school_id": school_id, "student_id": student_id}).sort(
            [("granted_on", ASCENDING), ("_id", ASCENDING)]
        )
        return [_from_bson(raw) async for raw in cursor]

    async def list_for_students(
        self, school_id: str, student_ids: Iterable[str], *, academic_year: str | None = None
    ) -> list[Reward]:
        query: Doc = {"school_id": school_id, "student_id": {"$in": list(student_ids)}}
        if academic_year:
            query["academic_year"] = academic_year
        cursor = self._col.find(query).sort([("granted_on", ASCENDING), ("_id", ASCENDING)])
        return [_from_bson(raw) async for raw in cursor]
