"""A single document: its record, its original bytes, its thumbnail; the deputy's verification."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from service.domain.access_log import AccessLog, client_ip
from service.domain.documents import DocumentService
from service.domain.filenames import content_disposition
from service.domain.principal import (
    Principal,
    ensure_document_visible,
    ensure_documents_readable,
    ensure_staff_reach,
)
from service.domain.students import StudentService
from service.models import Document
from service.schemas import DocumentRead


class DocumentEdit(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields to change; the rest stay as they are."""

    title: str | None = None
    issued_on: str | None = None
    issuer: str | None = None
    event: str | None = None
    event_level: str | None = None
    result: str | None = None
    academic_year: str | None = None
    kind: str | None = None
    category: str | None = None
    source: str | None = None


class VerificationDecision(msgspec.Struct):
    decision: Annotated[str, msgspec.Meta(description="verified (проверен) или rejected (отклонён)")]
    reason: Annotated[str | None, msgspec.Meta(description="Причина отклонения (обязательна)")] = None


async def readable_document(
    principal: Principal,
    tenant_id: str,
    document_id: str,
    documents: DocumentService,
    students: StudentService,
) -> Document:
    """The document if the caller may read it; 404 otherwise, the same as a missing one."""
    document = await documents.get(tenant_id, document_id)
    student = ensure_documents_readable(principal, await students.get(tenant_id, document.student_id))
    return ensure_document_visible(principal, student, document)


class DocumentController(Controller):
    path = "/api/v1/documents"
    tags: ClassVar[list[str]] = ["documents"]

    @get("/verification-queue", operation_id="getVerificationQueue", summary="Документы на проверке")
    async def verification_queue(
        self,
        tenant_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 200,
    ) -> list[DocumentRead]:
        """Pending documents, oldest first."""
        return [DocumentRead.of(d) for d in await document_service.verification_queue(tenant_id, limit=limit)]

    @get("/{document_id:str}", operation_id="getDocument", summary="Документ")
    async def get_document(
        self,
        document_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        student_service: NamedDependency[StudentService],
    ) -> DocumentRead:
        """The document's record; 404 if not in this school or out of the caller's reach."""
        return DocumentRead.of(
            await readable_document(principal, tenant_id, document_id, document_service, student_service)
        )

    @patch("/{document_id:str}", operation_id="editDocument", summary="Исправить сведения о документе")
    async def edit(
        self,
        document_id: FromPath[str],
        data: JSONBody[DocumentEdit],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        document_service: NamedDependency[DocumentService],
        student_service: NamedDependency[StudentService],
        access_log: NamedDependency[AccessLog],
    ) -> DocumentRead:
        """Staff of the pupil's class or the deputy; an edited document is checked again."""
        document = await document_service.get(tenant_id, document_id)
        ensure_staff_reach(principal, await student_service.get(tenant_id, document.student_id))
        edited = await document_service.edit_metadata(
            tenant_id, document_id, msgspec.structs.asdict(data), today=today
        )
        if edited is not document:
            await access_log.record(tenant_id, "edit", student_id=edited.student_id, document_id=edited.id)
        return DocumentRead.of(edited)

    @post(
        "/{document_id:str}/verification",
        operation_id="verifyDocument",
        summary="Проверить или отклонить документ",
        status_code=HTTP_200_OK,
    )
    async def verify(
        self,
        document_id: FromPath[str],
        data: JSONBody[VerificationDecision],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        access_log: NamedDependency[AccessLog],
    ) -> DocumentRead:
        """Only verified documents reach parents and their portfolios."""
        document = await document_service.decide(
            tenant_id, document_id, decision=data.decision, reason=data.reason, by=principal.user_id
        )
        await access_log.record(
            tenant_id,
            "verify" if document.status == "verified" else "reject",
            student_id=document.student_id,
            document_id=document.id,
        )
        return DocumentRead.of(document)

    @get("/{document_id:str}/content", operation_id="getDocumentContent", summary="Исходный файл")
    async def content(
        self,
        document_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        student_service: NamedDependency[StudentService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> Stream:
        """The original bytes, streamed, with the original file name."""
        await readable_document(principal, tenant_id, document_id, document_service, student_service)
        document, chunks = await document_service.open_content(tenant_id, document_id)
        await access_log.record(
            tenant_id,
            "read_content",
            student_id=document.student_id,
            document_id=document.id,
            ip=client_ip(request),
        )
        # Only scans (images and PDFs the service decoded itself) are shown inline; anything else
        # (an HTML "creative work", an SVG) is a download the browser must not run in our origin.
        inline = document.file.is_scan
        headers = {
            "Content-Disposition": content_disposition(document.original_filename, inline=inline),
            "Content-Length": str(document.file.size),
            "ETag": f'"{document.file.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        }
        if not inline:
            headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return Stream(chunks, media_type=document.file.media_type, headers=headers)

    @get(
        "/{document_id:str}/thumbnail",
        operation_id="getDocumentThumbnail",
        summary="Миниатюра",
        media_type="image/jpeg",
    )
    async def thumbnail(
        self,
        document_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        student_service: NamedDependency[StudentService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> Stream:
        """A small upright JPEG (longest side 320 px) without EXIF/GPS."""
        await readable_document(principal, tenant_id, document_id, document_service, student_service)
        document, chunks = await document_service.open_thumbnail(tenant_id, document_id)
        await access_log.record(
            tenant_id,
            "read_thumbnail",
            student_id=document.student_id,
            document_id=document.id,
            ip=client_ip(request),
        )
        return Stream(
            chunks,
            media_type="image/jpeg",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
        )
