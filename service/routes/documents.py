"""A single document: its record, its original bytes, its thumbnail; the deputy's verification."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from service.domain.access_log import AccessLog, client_ip
from service.domain.documents import DocumentService
from service.domain.filenames import content_disposition
from service.domain.metadata import parse_class_name
from service.domain.principal import (
    MSG_DOCUMENT_NOT_FOUND,
    SCHOOL_WIDE,
    Principal,
    ensure_document_readable,
    ensure_staff_reach,
    staff_reach,
)
from service.domain.roles import Role
from service.domain.students import StudentService
from service.errors import NotFound
from service.models import Document, Student
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
) -> tuple[Document, Student]:
    """The document and the pupil through whom the caller reads it (the owner, or a team member
    or classmate of theirs); 404 otherwise, the same as a missing one."""
    document = await documents.get(tenant_id, document_id)
    # The pupils it concerns: the owner, linked team members, and (for class material) the
    # caller's own children, who may be in that class.
    candidates = [document.student_id, *document.linked_student_ids]
    if document.shared_with_class is not None:
        candidates += sorted(principal.student_ids)
    pupils = await students.get_many(tenant_id, candidates)
    ordered = {i: pupils[i] for i in candidates if i in pupils}
    # Out of reach answers exactly what a missing document does, so ids cannot be probed.
    pupil = ensure_document_readable(principal, document, ordered)
    return document, pupil


async def _links_in_reach(principal: Principal, document: Document, students: StudentService) -> Document:
    """A class teacher sees the linked pupils of their own classes only."""
    if not document.linked_student_ids or principal.has(*SCHOOL_WIDE):
        return document
    pupils = await students.get_many(document.school_id, list(document.linked_student_ids))
    visible = tuple(
        i for i in document.linked_student_ids if i in pupils and staff_reach(principal, pupils[i])
    )
    return replace(document, linked_student_ids=visible)


class DocumentLinks(msgspec.Struct, forbid_unknown_fields=True):
    student_ids: Annotated[
        list[str], msgspec.Meta(description="Другие обучающиеся, названные в документе")
    ] = []
    class_name: Annotated[str | None, msgspec.Meta(description="Класс, которому принадлежит материал")] = None


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
        document, pupil = await readable_document(
            principal, tenant_id, document_id, document_service, student_service
        )
        # Families never see which other pupils a team document or class material also concerns.
        family = principal.has(Role.PARENT, Role.PUPIL) and not principal.has(
            Role.TEACHER, Role.DEPUTY, Role.ARCHIVIST
        )
        if not family:
            document = await _links_in_reach(principal, document, student_service)
        return DocumentRead.of(document, for_family=family, as_pupil=pupil.id)

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
        try:
            ensure_staff_reach(principal, await student_service.get(tenant_id, document.student_id))
        except NotFound:
            raise NotFound(MSG_DOCUMENT_NOT_FOUND) from None
        edited = await document_service.edit_metadata(
            tenant_id, document_id, msgspec.structs.asdict(data), today=today
        )
        if edited is not document:
            await access_log.record(tenant_id, "edit", student_id=edited.student_id, document_id=edited.id)
        return DocumentRead.of(edited)

    @put(
        "/{document_id:str}/links",
        operation_id="linkDocument",
        summary="Командный документ или материал класса",
    )
    async def link(
        self,
        document_id: FromPath[str],
        data: JSONBody[DocumentLinks],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        student_service: NamedDependency[StudentService],
        access_log: NamedDependency[AccessLog],
    ) -> DocumentRead:
        """The other pupils a team diploma names, and/or the class an album or poster belongs to
        (replaces what was set). Stored once; listed, counted and printed for each of them."""
        document = await document_service.get(tenant_id, document_id)
        try:
            ensure_staff_reach(principal, await student_service.get(tenant_id, document.student_id))
        except NotFound:
            raise NotFound(MSG_DOCUMENT_NOT_FOUND) from None
        if (
            data.class_name
            and not principal.has(Role.DEPUTY)
            and parse_class_name(data.class_name) not in principal.class_names
        ):
            raise NotFound("Класс не найден.")
        linked = await document_service.link(
            tenant_id,
            document_id,
            student_ids=data.student_ids,
            class_name=data.class_name,
            may_link=lambda pupil: staff_reach(principal, pupil),
        )
        await access_log.record(tenant_id, "link", student_id=linked.student_id, document_id=linked.id)
        return DocumentRead.of(await _links_in_reach(principal, linked, student_service))

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
        _, pupil = await readable_document(
            principal, tenant_id, document_id, document_service, student_service
        )
        document, chunks = await document_service.open_content(tenant_id, document_id)
        await access_log.record(
            tenant_id,
            "read_content",
            student_id=pupil.id,  # the family's own child: another family's log never shows it
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
        _, pupil = await readable_document(
            principal, tenant_id, document_id, document_service, student_service
        )
        document, chunks = await document_service.open_thumbnail(tenant_id, document_id)
        await access_log.record(
            tenant_id,
            "read_thumbnail",
            student_id=pupil.id,
            document_id=document.id,
            ip=client_ip(request),
        )
        return Stream(
            chunks,
            media_type="image/jpeg",
            # Not kept by the browser: after signing out, a shared computer shows nobody's scans.
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
        )
