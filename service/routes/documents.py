"""A single document: its record, its original bytes, its thumbnail."""

from __future__ import annotations

from typing import Any, ClassVar

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from service.domain.access_log import AccessLog, client_ip
from service.domain.documents import DocumentService
from service.domain.filenames import content_disposition
from service.schemas import DocumentRead


class DocumentController(Controller):
    path = "/api/v1/documents"
    tags: ClassVar[list[str]] = ["documents"]

    @get("/{document_id:str}", operation_id="getDocument", summary="Документ")
    async def get_document(
        self,
        document_id: FromPath[str],
        school_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
    ) -> DocumentRead:
        """The document's record; 404 if not in this school."""
        return DocumentRead.of(await document_service.get(school_id, document_id))

    @get("/{document_id:str}/content", operation_id="getDocumentContent", summary="Исходный файл")
    async def content(
        self,
        document_id: FromPath[str],
        school_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> Stream:
        """The original bytes, streamed, with the original file name."""
        document, chunks = await document_service.open_content(school_id, document_id)
        await access_log.record(
            school_id,
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
        school_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> Stream:
        """A small upright JPEG (longest side 320 px) without EXIF/GPS."""
        document, chunks = await document_service.open_thumbnail(school_id, document_id)
        await access_log.record(
            school_id,
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
