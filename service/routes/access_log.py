"""The access log: the administrator, the deputy and the archivist see all; a parent their children's."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from service.domain.access_log import ACTIONS_RU
from service.domain.filenames import content_disposition
from service.domain.principal import MSG_STUDENT_NOT_FOUND, Principal
from service.domain.roles import Role
from service.errors import InvalidInput, NotFound
from service.lifespan import Stores
from service.storage.access_log import AccessLogRepository
from service.storage.accounts import AccountRepository

CSV_HEADERS = [
    "№",
    "Время (UTC)",
    "Кто",
    "Роль",
    "Адрес",
    "Действие",
    "Обучающийся",
    "Документ",
    "Хеш записи",
]


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Дата должна быть в виде ГГГГ-ММ-ДД.", field=name) from None
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


async def access_log_entries(
    principal: Principal,
    tenant_id: str,
    stores: Stores,
    *,
    student_id: str | None,
    user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Entries oldest first, with the actor's name; a family sees its own children's entries
    only (all of them, or the one named), without staff addresses."""
    family_only = not principal.has(Role.ADMIN, Role.DEPUTY, Role.ARCHIVIST)
    if family_only and student_id is not None and student_id not in principal.student_ids:
        raise NotFound(MSG_STUDENT_NOT_FOUND)
    pupils: list[str | None] = [student_id]
    if family_only and student_id is None:
        pupils = sorted(principal.student_ids)
    log = AccessLogRepository(stores.db)
    entries = []
    for pupil in pupils:
        entries += await log.find(tenant_id, student_id=pupil, actor=user_id, since=since, until=until)
    entries.sort(key=lambda e: e["seq"])
    names = {
        a["_id"]: a.get("display_name") or a["login"]
        for a in await AccountRepository(stores.db).list(tenant_id)
    }
    for e in entries:
        e["actor_name"] = names.get(e.get("actor") or "", "")
        if family_only:
            e["ip"] = None
    return entries


class AccessLogController(Controller):
    path = "/api/v1/access-log"
    tags: ClassVar[list[str]] = ["access log"]

    @get(operation_id="getAccessLog", summary="Журнал доступа к документам обучающихся")
    async def access_log(
        self,
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        stores: NamedDependency[Stores],
        student_id: Annotated[str | None, QueryParameter()] = None,
        user_id: Annotated[str | None, QueryParameter(description="учётная запись (кто действовал)")] = None,
        since: Annotated[str | None, QueryParameter(description="с даты (ГГГГ-ММ-ДД)")] = None,
        until: Annotated[str | None, QueryParameter(description="до даты, не включая (ГГГГ-ММ-ДД)")] = None,
        fmt: Annotated[str, QueryParameter(name="format", description="json или csv")] = "json",
    ) -> Response[Any]:
        """Entries by pupil and period, oldest first, as JSON or CSV.

        A parent sees the entries of their own children only (all of them, or the one named by
        ``student_id``), without staff addresses."""
        entries = await access_log_entries(
            principal,
            tenant_id,
            stores,
            student_id=student_id,
            user_id=user_id,
            since=_day(since, "since"),
            until=_day(until, "until"),
        )
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, delimiter=";")
            writer.writerow(CSV_HEADERS)
            for e in entries:
                writer.writerow(
                    [
                        e["seq"],
                        e["at"].isoformat(timespec="seconds"),
                        e.get("actor_name") or e.get("actor") or "",
                        e.get("role") or "",
                        e.get("ip") or "",
                        ACTIONS_RU.get(e["action"], e["action"]),
                        e.get("student_id") or "",
                        e.get("document_id") or "",
                        e["hash"],
                    ]
                )
            return Response(
                ("\ufeff" + out.getvalue()).encode("utf-8"),
                media_type="text/csv",
                headers={"Content-Disposition": content_disposition("Журнал доступа.csv", inline=False)},
            )
        if fmt != "json":
            raise InvalidInput("Формат журнала: json или csv.", field="format")
        return Response([{**e, "action_ru": ACTIONS_RU.get(e["action"], e["action"])} for e in entries])
