"""The record of achievements and rewards by class and year, and the ГИР candidates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from service.domain.access_log import AccessLog
from service.domain.filenames import content_disposition, safe_filename
from service.domain.metadata import academic_year_of, clean_text, parse_class_name
from service.domain.principal import MSG_DOCUMENT_NOT_FOUND, Principal, ensure_staff_reach
from service.domain.records import RecordService, Table
from service.domain.roles import Role
from service.domain.students import StudentService
from service.domain.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from service.errors import NotFound
from service.schemas import DocumentRead
from service.storage.mongo import DocumentRepository, utcnow

Format = Literal["json", "csv", "xlsx"]


def _answer(table: Table, fmt: Format, filename: str) -> Response[Any]:
    if fmt == "csv":
        body, media_type, ext = to_csv(table.headers, table.rows), CSV_MEDIA_TYPE, "csv"
    elif fmt == "xlsx":
        body, media_type, ext = to_xlsx(table.title, table.headers, table.rows), XLSX_MEDIA_TYPE, "xlsx"
    else:
        return Response({"summary": table.summary, "headers": table.headers, "rows": table.rows})
    name = safe_filename(f"{filename}.{ext}")
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": content_disposition(name, inline=False)}
    )


class MinistryListMark(msgspec.Struct, forbid_unknown_fields=True):
    in_list: Annotated[
        bool, msgspec.Meta(description="Мероприятие входит в перечень Минпросвещения на этот год")
    ]
    note: Annotated[str | None, msgspec.Meta(description="Например: Приказ № 382 от 31.05.2022, п. 17")] = (
        None
    )


class RecordController(Controller):
    path = "/api/v1/records"
    tags: ClassVar[list[str]] = ["record of achievements"]

    @get("/classes/{class_name:str}", operation_id="getClassRecord", summary="Достижения и поощрения класса")
    async def class_record(
        self,
        class_name: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        record_service: NamedDependency[RecordService],
        academic_year: Annotated[
            str | None, QueryParameter(description="Учебный год; по умолчанию текущий")
        ] = None,
        verified_only: Annotated[bool, QueryParameter(description="Только проверенные документы")] = True,
        fmt: Annotated[Format, QueryParameter(name="format", description="json, csv или xlsx")] = "json",
    ) -> Response[Any]:
        """Counts by category, level and result, and rewards by kind (a class teacher: own classes)."""
        if not principal.has(Role.DEPUTY) and parse_class_name(class_name) not in principal.class_names:
            raise NotFound("Класс не найден.")
        table = await record_service.class_year(
            tenant_id, class_name, academic_year or academic_year_of(today), verified_only=verified_only
        )
        return _answer(table, fmt, f"Достижения {table.title}")

    @get("/gifted-candidates", operation_id="getGiftedCandidates", summary="Кандидаты в ГИР")
    async def gifted(
        self,
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        record_service: NamedDependency[RecordService],
        academic_year: Annotated[
            str | None, QueryParameter(description="Учебный год; по умолчанию текущий")
        ] = None,
        fmt: Annotated[Format, QueryParameter(name="format", description="json, csv или xlsx")] = "json",
    ) -> Response[Any]:
        """Winners and prize-winners at regional level and above, with the deputy's Перечень flag."""
        table = await record_service.gifted_candidates(tenant_id, academic_year or academic_year_of(today))
        return _answer(table, fmt, f"Кандидаты {table.title}")

    @post(
        "/ministry-list/{document_id:str}",
        operation_id="markMinistryList",
        summary="Отметить: мероприятие в перечне Минпросвещения",
        status_code=HTTP_200_OK,
    )
    async def mark(
        self,
        document_id: FromPath[str],
        data: JSONBody[MinistryListMark],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        documents: NamedDependency[DocumentRepository],
        access_log: NamedDependency[AccessLog],
    ) -> DocumentRead:
        """Whether the document's event is in the ministry's Перечень for its academic year."""
        document = await documents.get(tenant_id, document_id)
        if document is None:
            raise NotFound(MSG_DOCUMENT_NOT_FOUND)
        ensure_staff_reach(principal, await student_service.get(tenant_id, document.student_id))
        changes = {
            "in_ministry_list": data.in_list,
            "ministry_list_note": clean_text(data.note, "note", max_len=300),
            "ministry_list_by": principal.user_id,
            "ministry_list_at": utcnow(),
        }
        await documents.set_ministry_list(tenant_id, document_id, changes)
        await access_log.record(
            tenant_id, "ministry_list", student_id=document.student_id, document_id=document_id
        )
        updated = await documents.get(tenant_id, document_id)
        assert updated is not None
        return DocumentRead.of(updated)
