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


class InfoRequestCreate(msgspec.Struct):
    student_id: str
    requested_by: str
    relation: Annotated[str, msgspec.Meta(description="parent или pupil")]
    channel: Annotated[str, msgspec.Meta(description="oral, written или service")]
    asked: str
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
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
    ) -> dict[str, Any]:
        """Deadline: 10 Russian working days after receipt."""
        request = await info_requests.record(school_id, msgspec.structs.asdict(data), today=today)
        return view(request, today=today)

    @get(operation_id="listInfoRequests", summary="Запросы: открытые, просроченные, все")
    async def list_requests(
        self,
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
        which: Annotated[str, QueryParameter(name="state", description="open, overdue или all")] = "open",
    ) -> list[dict[str, Any]]:
        """Oldest deadline first."""
        return await info_requests.list(school_id, state=which, today=today)

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
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
    ) -> dict[str, Any]:
        """Once, with the reasoned notice's text."""
        return view(
            await info_requests.extend(school_id, request_id, msgspec.structs.asdict(data)), today=today
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
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        info_requests: NamedDependency[InfoRequestService],
    ) -> dict[str, Any]:
        """What was issued and when."""
        answered = await info_requests.answer(
            school_id, request_id, msgspec.structs.asdict(data), today=today
        )
        return view(answered, today=today)
