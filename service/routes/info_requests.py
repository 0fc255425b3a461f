"""Requests for information from pupils and parents (staff record them; the service keeps the
10-working-day clock)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from service.domain.info_requests import InfoRequestService, view
from service.domain.principal import MSG_STUDENT_NOT_FOUND, Principal
from service.domain.roles import Role
from service.errors import NotFound


class InfoRequestCreate(msgspec.Struct):
    student_id: str
    asked: str
    requested_by: Annotated[str | None, msgspec.Meta(description="ФИО обратившегося")] = None
    relation: Annotated[str | None, msgspec.Meta(description="parent или pupil")] = None
    channel: Annotated[str | None, msgspec.Meta(description="oral, written или service")] = None
    received_on: Annotated[str | None, msgspec.Meta(description="по умолчанию сегодня")] = None


class InfoRequestExtend(msgspec.Struct):
    reason: str


class InfoRequestAnswer(msgspec.Struct):
    issued: str
    answered_on: str | None = None


class InfoRequestController(Controller):
    path = "/api/v1/requests"
    tags: ClassVar[list[str]] = ["requests"]

    @post(operation_id="recordInfoRequest", summary="Записать запрос на предоставление сведений")
    async def record(
        self,
        data: JSONBody[InfoRequestCreate],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
    ) -> dict[str, Any]:
        """Deadline: 10 Russian working days after receipt.

        Staff record requests received in any way; a parent files their own, for their own
        child, through the service (received today)."""
        fields: dict[str, Any] = msgspec.structs.asdict(data)
        if not principal.has(Role.DEPUTY):
            if data.student_id not in principal.student_ids:
                raise NotFound(MSG_STUDENT_NOT_FOUND)
            fields |= {
                "relation": "parent",
                "channel": "service",
                "received_on": None,
                # Filed by the signed-in parent: the record names that account, not a typed name.
                "requested_by": principal.display_name,
            }
        request = await info_requests.record(
            tenant_id, fields, today=today, requested_by_user=principal.user_id
        )
        return view(request, today=today)

    @get(operation_id="listInfoRequests", summary="Запросы: открытые, просроченные, все")
    async def list_requests(
        self,
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
        which: Annotated[str, QueryParameter(name="state", description="open, overdue или all")] = "open",
    ) -> list[dict[str, Any]]:
        """Oldest deadline first; a parent sees only the requests they filed."""
        found = await info_requests.list(tenant_id, state=which, today=today)
        if principal.has(Role.DEPUTY):
            return found
        return [r for r in found if r.get("requested_by_user") == principal.user_id]

    @post(
        "/{request_id:str}/extend",
        operation_id="extendInfoRequest",
        summary="Продлить срок на 5 рабочих дней",
        status_code=HTTP_200_OK,
    )
    async def extend(
        self,
        request_id: FromPath[str],
        data: JSONBody[InfoRequestExtend],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
    ) -> dict[str, Any]:
        """Once, with the reasoned notice's text."""
        return view(
            await info_requests.extend(tenant_id, request_id, msgspec.structs.asdict(data)), today=today
        )

    @post(
        "/{request_id:str}/answer",
        operation_id="answerInfoRequest",
        summary="Записать ответ",
        status_code=HTTP_200_OK,
    )
    async def answer(
        self,
        request_id: FromPath[str],
        data: JSONBody[InfoRequestAnswer],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
    ) -> dict[str, Any]:
        """What was issued and when."""
        answered = await info_requests.answer(
            tenant_id, request_id, msgspec.structs.asdict(data), today=today
        )
        return view(answered, today=today)
