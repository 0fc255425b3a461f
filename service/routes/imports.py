"""Bulk intake: a ZIP of scans plus a CSV; a result for every row, downloadable as CSV."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody
from litestar.status_codes import HTTP_201_CREATED

from service.domain.access_log import AccessLog, client_ip
from service.domain.filenames import content_disposition
from service.domain.imports import REPORT_HEADERS, ImportService, report_rows
from service.domain.principal import Principal, staff_reach
from service.domain.roles import Role
from service.domain.tables import CSV_MEDIA_TYPE, to_csv
from service.errors import InvalidInput, NotFound
from service.models import Student
from service.storage.imports import ImportRepository

MSG_NOT_FOUND = "Отчёт о загрузке не найден."


class ImportUpload(msgspec.Struct):
    """multipart/form-data: ``archive`` (ZIP of scans) and ``table`` (CSV), or a CSV inside the ZIP."""

    archive: UploadFile | None = None
    table: UploadFile | None = None


def _view(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": report["_id"],
        "created_at": report["created_at"],
        "counts": report["counts"],
        "rows": report["rows"],
        "report_url": f"/api/v1/imports/{report['_id']}/report.csv",
    }


class ImportController(Controller):
    path = "/api/v1/imports"
    tags: ClassVar[list[str]] = ["bulk intake"]

    @post(
        operation_id="runImport",
        summary="Загрузить пачку сканов (ZIP + таблица CSV)",
        status_code=HTTP_201_CREATED,
    )
    async def run(
        self,
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        import_service: NamedDependency[ImportService],
        imports: NamedDependency[ImportRepository],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
        data: MultipartBody[ImportUpload],
    ) -> dict[str, Any]:
        """Every row gets its own outcome; one bad row never blocks the others. The same checks
        as a single upload apply to every file; a class teacher imports for their classes only."""
        if data.archive is None:
            raise InvalidInput("Приложите архив ZIP со сканами (поле «archive»).", field="archive")
        ip = client_ip(request)

        def may_upload_for(student: Student) -> bool:
            return staff_reach(principal, student)

        async def on_stored(student_id: str, document_id: str) -> None:
            await access_log.record(
                tenant_id, "upload", student_id=student_id, document_id=document_id, ip=ip
            )

        try:
            table = await data.table.read() if data.table is not None else None
            report = await import_service.run(
                tenant_id,
                data.archive.file,
                table,
                today=today,
                by=principal.user_id,
                may_upload_for=may_upload_for,
                on_stored=on_stored,
            )
        finally:
            await data.archive.close()
            if data.table is not None:
                await data.table.close()
        await imports.add(report)
        return _view(report)

    @get("/{import_id:str}", operation_id="getImport", summary="Итоги загрузки")
    async def get_report(
        self,
        import_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        imports: NamedDependency[ImportRepository],
    ) -> dict[str, Any]:
        return _view(await _readable(principal, tenant_id, import_id, imports))

    @get("/{import_id:str}/report.csv", operation_id="getImportReportCsv", summary="Итоги загрузки (CSV)")
    async def report_csv(
        self,
        import_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        imports: NamedDependency[ImportRepository],
    ) -> Response[bytes]:
        report = await _readable(principal, tenant_id, import_id, imports)
        return Response(
            to_csv(REPORT_HEADERS, report_rows(report)),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": content_disposition("Итоги загрузки.csv", inline=False)},
        )


async def _readable(
    principal: Principal, school_id: str, import_id: str, imports: ImportRepository
) -> dict[str, Any]:
    report = await imports.get(school_id, import_id)
    # A class teacher reads their own reports; the deputy every report of the school.
    if report is None or not (principal.has(Role.DEPUTY) or report.get("created_by") == principal.user_id):
        raise NotFound(MSG_NOT_FOUND)
    return report
