"""Resumable uploads of large files: start, send parts (in any order, again if lost), complete."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.domain.access_log import AccessLog, client_ip
from service.domain.principal import Principal, ensure_staff_reach
from service.domain.resumable import ResumableUploads, session_view
from service.domain.students import StudentService
from service.errors import NotFound
from service.routes.documents import DocumentEdit
from service.schemas import DocumentRead


class UploadStart(DocumentEdit, kw_only=True, forbid_unknown_fields=True):
    """The file's name and size, and the same details as a file sent at once."""

    filename: str
    size: Annotated[int, msgspec.Meta(description="Размер файла в байтах")]
    application_id: str | None = None
    sha256: Annotated[
        str | None, msgspec.Meta(description="SHA-256 всего файла, если известна: сверяется при завершении")
    ] = None

    def fields(self) -> dict[str, str | None]:
        skip = {"filename", "size", "sha256"}
        return {f: getattr(self, f) for f in self.__struct_fields__ if f not in skip}


Uploads = NamedDependency[ResumableUploads]


class UploadController(Controller):
    path = "/api/v1"
    tags: ClassVar[list[str]] = ["documents"]

    @post(
        "/students/{student_id:str}/uploads",
        operation_id="startUpload",
        summary="Начать загрузку большого файла по частям",
        status_code=HTTP_201_CREATED,
    )
    async def start(
        self,
        student_id: FromPath[str],
        data: JSONBody[UploadStart],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        resumable_uploads: Uploads,
    ) -> dict[str, Any]:
        """The details are checked now; then PUT each part (``part_size`` bytes, the last one the
        rest) to ``/uploads/{upload_id}/parts/{n}`` and POST ``/complete``."""
        ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
        session = await resumable_uploads.start(
            tenant_id,
            student_id,
            filename=data.filename,
            size=data.size,
            sha256=data.sha256.lower() if data.sha256 else None,
            fields=data.fields(),
            by=principal.user_id,
            today=today,
        )
        return session_view(session)

    @get("/uploads/{upload_id:str}", operation_id="getUpload", summary="Какие части уже получены")
    async def status(
        self,
        upload_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        resumable_uploads: Uploads,
    ) -> dict[str, Any]:
        """To resume: send the parts missing from ``parts_received``, starting at ``next_part``."""
        return session_view(await resumable_uploads.get(tenant_id, upload_id, by=principal.user_id))

    @put(
        "/uploads/{upload_id:str}/parts/{number:int}",
        operation_id="putUploadPart",
        summary="Часть файла",
        status_code=HTTP_200_OK,
    )
    async def part(
        self,
        upload_id: FromPath[str],
        number: FromPath[int],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        resumable_uploads: Uploads,
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """The raw bytes of part ``number`` (from 1); sending a part again replaces it."""
        try:
            session = await resumable_uploads.get(tenant_id, upload_id, by=principal.user_id)
        except NotFound:
            # Read the refused body first: a client cut off mid-send sees a reset, not the answer.
            async for _ in request.stream():
                pass
            raise
        return session_view(await resumable_uploads.put_part(session, number, request.stream()))

    @post(
        "/uploads/{upload_id:str}/complete",
        operation_id="completeUpload",
        summary="Собрать файл и сохранить документ",
        status_code=HTTP_201_CREATED,
    )
    async def complete(
        self,
        upload_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        resumable_uploads: Uploads,
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> Response[DocumentRead]:
        """The same checks as a file sent in one request; 201 new, 200 the same bytes were there."""
        session = await resumable_uploads.get(tenant_id, upload_id, by=principal.user_id)
        ensure_staff_reach(principal, await student_service.get(tenant_id, session["student_id"]))
        outcome = await resumable_uploads.complete(session, today=today, by=principal.user_id)
        if outcome.created:
            await access_log.record(
                tenant_id,
                "upload",
                student_id=outcome.document.student_id,
                document_id=outcome.document.id,
                ip=client_ip(request),
            )
        return Response(
            DocumentRead.of(outcome.document),
            status_code=HTTP_201_CREATED if outcome.created else HTTP_200_OK,
        )

    @delete("/uploads/{upload_id:str}", operation_id="abortUpload", summary="Отменить загрузку")
    async def abort(
        self,
        upload_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        resumable_uploads: Uploads,
    ) -> Response[None]:
        session = await resumable_uploads.get(tenant_id, upload_id, by=principal.user_id)
        await resumable_uploads.abandon(session)
        return Response(None, status_code=HTTP_204_NO_CONTENT)
