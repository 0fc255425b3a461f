"""Rewards (поощрения): благодарность, похвальный лист, грамота, ценный подарок, приз, other.

The regulation keeps an individual record of each pupil's results *and rewards*; a reward is
granted by an order of the school (number and date) and may have a scan among the pupil's
documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from service.domain.metadata import academic_year_of, clean_text, parse_choice, parse_date
from service.errors import InvalidInput
from service.models import REWARD_KIND_TITLES_RU, Reward, RewardKind
from service.storage.mongo import DocumentRepository, utcnow
from service.storage.rewards import RewardRepository


def _day(value: Any, field: str, *, today: date, required: bool = True) -> date | None:
    parsed = parse_date(value if isinstance(value, str) else None, field, today=today)
    if parsed is None and required:
        raise InvalidInput("Укажите дату в виде ДД.ММ.ГГГГ.", field=field)
    return parsed


def reward_view(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "student_id": reward.student_id,
        "granted_on": reward.granted_on,
        "kind": reward.kind.value,
        "kind_ru": REWARD_KIND_TITLES_RU[reward.kind],
        "reason": reward.reason,
        "order_number": reward.order_number,
        "order_date": reward.order_date,
        "academic_year": reward.academic_year,
        "scan_document_id": reward.scan_document_id,
        "recorded_at": reward.recorded_at,
    }


class RewardService:
    def __init__(self, rewards: RewardRepository, documents: DocumentRepository) -> None:
        self._rewards = rewards
        self._documents = documents

    async def record(
        self, school_id: str, student_id: str, fields: Mapping[str, Any], *, today: date, by: str
    ) -> Reward:
        """Raises InvalidInput (422) naming the field, in Russian."""
        granted_on = _day(fields.get("granted_on"), "granted_on", today=today)
        order_date = _day(fields.get("order_date"), "order_date", today=today)
        assert granted_on is not None and order_date is not None
        if order_date > granted_on:
            raise InvalidInput("Дата приказа позже даты поощрения.", field="order_date")
        kind = parse_choice(RewardKind, fields.get("kind"), "kind", required=True, label="вид поощрения")
        assert kind is not None
        scan = clean_text(fields.get("scan_document_id"), "scan_document_id", max_len=64)
        if scan:
            document = await self._documents.get(school_id, scan)
            if document is None or document.student_id != student_id:
                raise InvalidInput("Скан не найден среди документов обучающегося.", field="scan_document_id")
        reward = Reward(
            id=str(uuid.uuid4()),
            school_id=school_id,
            student_id=student_id,
            granted_on=granted_on,
            kind=kind,
            reason=clean_text(fields.get("reason"), "reason", required=True, max_len=1000) or "",
            order_number=clean_text(fields.get("order_number"), "order_number", required=True, max_len=50)
            or "",
            order_date=order_date,
            academic_year=academic_year_of(granted_on),
            scan_document_id=scan,
            recorded_by=by,
            recorded_at=utcnow(),
        )
        await self._rewards.add(reward)
        return reward

    async def list_for_student(self, school_id: str, student_id: str) -> list[Reward]:
        return await self._rewards.list_for_student(school_id, student_id)
