"""A pupil's rewards (поощрения)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from service.domain.access_log import AccessLog
from service.domain.principal import Principal, ensure_documents_readable, ensure_staff_reach
from service.domain.rewards import RewardService, reward_view
from service.domain.students import StudentService


class RewardCreate(msgspec.Struct, forbid_unknown_fields=True):
    granted_on: Annotated[str, msgspec.Meta(description="Дата поощрения (ДД.ММ.ГГГГ)")]
    kind: Annotated[
        str,
        msgspec.Meta(description="gratitude, commendation, gramota, valuable_gift, prize, other"),
    ]
    reason: Annotated[str, msgspec.Meta(description="За что")]
    order_number: Annotated[str, msgspec.Meta(description="Номер приказа")]
    order_date: Annotated[str, msgspec.Meta(description="Дата приказа (ДД.ММ.ГГГГ)")]
    scan_document_id: Annotated[str | None, msgspec.Meta(description="Скан среди документов")] = None


class RewardController(Controller):
    path = "/api/v1/students/{student_id:str}/rewards"
    tags: ClassVar[list[str]] = ["rewards"]

    @post(operation_id="recordReward", summary="Записать поощрение", status_code=HTTP_201_CREATED)
    async def record(
        self,
        student_id: FromPath[str],
        data: JSONBody[RewardCreate],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        reward_service: NamedDependency[RewardService],
        access_log: NamedDependency[AccessLog],
    ) -> dict[str, Any]:
        """A reward granted by an order of the school; part of the pupil's record and portfolio."""
        ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
        reward = await reward_service.record(
            tenant_id, student_id, msgspec.structs.asdict(data), today=today, by=principal.user_id
        )
        await access_log.record(tenant_id, "reward", student_id=student_id)
        return reward_view(reward)

    @get(operation_id="listRewards", summary="Поощрения обучающегося")
    async def list_rewards(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        reward_service: NamedDependency[RewardService],
    ) -> list[dict[str, Any]]:
        """Oldest first."""
        ensure_documents_readable(principal, await student_service.get(tenant_id, student_id))
        return [reward_view(r) for r in await reward_service.list_for_student(tenant_id, student_id)]
