"""Ingest and retrieval of pupils' documents.

Consistency invariant (kept by ``DocumentService.upload``): the original and its thumbnail are
written to S3 *before* the metadata record is inserted, and a document is visible only through
its metadata. A crash between the two steps leaves only unreferenced objects, which
``jobs.sweep_orphans`` removes once they are older than the grace period; it never leaves
metadata that points at nothing.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import BinaryIO

import anyio

from service.domain.applications import MSG_APPLICATION_NEEDED, ApplicationService
from service.domain.filenames import safe_filename
from service.domain.inspection import Inspection
from service.domain.metadata import clean_text, parse_class_name, parse_document_metadata
from service.domain.retention_service import RetentionService
from service.domain.sandbox import inspect_in_child
from service.domain.students import MSG_STUDENT_NOT_FOUND, StudentService
from service.errors import Conflict, FileTooLarge, InvalidInput, NotFound
from service.memory import decode_limiter
from service.models import (
    FREE_FORM_KINDS,
    STATUS_TITLES_RU,
    Document,
    DocumentKind,
    FileFacts,
    Source,
    Student,
    VerificationStatus,
)
from service.settings import Settings
from service.storage.mongo import DocumentRepository, utcnow
from service.storage.objects import ObjectStore

log = logging.getLogger(__name__)

MSG_DOCUMENT_NOT_FOUND = "Документ не найден."
MSG_NO_FILE = "Выберите файл для загрузки."


def object_prefix(school_id: str, document_id: str) -> str:
    """Keys are built from ids only: the user's file name never reaches S3."""
    return f"schools/{school_id}/documents/{document_id}/"


def document_id_from_key(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) == 5 and parts[0] == "schools" and parts[2] == "documents":
        return parts[3]
    return None


@dataclass(frozen=True)
class UploadOutcome:
    document: Document
    created: bool  # False: the same bytes were already stored for this pupil


class DocumentService:
    def __init__(
        self,
        *,
        settings: Settings,
        documents: DocumentRepository,
        students: StudentService,
        objects: ObjectStore,
        retention: RetentionService,
        applications: ApplicationService | None = None,
    ) -> None:
        self._applications = applications
        self._settings = settings
        self._documents = documents
        self._students = students
        self._objects = objects
        self._retention = retention

    def size_limit(self, kind: DocumentKind) -> int:
        return self._settings.max_work_bytes if kind in FREE_FORM_KINDS else self._settings.max_scan_bytes

    def check_size(self, kind: DocumentKind, size: int) -> None:
        """Raises FileTooLarge over the limit for the document kind."""
        limit = self.size_limit(kind)
        if size > limit:
            # Rounded up, so a file one byte over 1024 МБ does not read as "1024,0 МБ".
            megabytes = f"{math.ceil(size * 10 / (1024 * 1024)) / 10:.1f}".replace(".", ",")
            raise FileTooLarge(
                f"Файл слишком большой: {megabytes} МБ. "
                f"Для этого вида документа допускается не более {limit // (1024 * 1024)} МБ."
            )

    async def upload(
        self,
        *,
        school_id: str,
        student_id: str,
        fields: Mapping[str, str | None],
        fh: BinaryIO | None,
        filename: str | None,
        today: date,
        uploaded_by: str | None = None,
    ) -> UploadOutcome:
        """Validate, store and record one file for a pupil.

        Raises:
            NotFound: no such pupil in this school.
            InvalidInput: a metadata field is wrong or the file is missing.
            FileTooLarge: over the limit for the document kind.
            UnsupportedFileType / UnreadableFile: the bytes cannot be archived as they are.
            StoreUnavailable: MongoDB or S3 did not answer; nothing visible was written.
        """
        student = await self._students.get(school_id, student_id)
        if student.consent_withdrawn_on is not None:
            raise Conflict(
                "Согласие на обработку персональных данных обучающегося отозвано "
                f"{student.consent_withdrawn_on:%d.%m.%Y}: новые документы не принимаются."
            )
        if student.left_on is not None:
            # The pupil's cases closed on leaving and their clocks run from it: a document added
            # now could be due for destruction the day it arrives.
            raise Conflict(
                f"Обучающийся выбыл {student.left_on:%d.%m.%Y}: его дело закрыто, новые документы "
                "не принимаются."
            )
        metadata = parse_document_metadata(fields, today=today)
        application_id = None
        if metadata.source is Source.OTHER_ORGANISATION:
            if self._applications is None:  # pragma: no cover - wiring always passes it
                raise InvalidInput(MSG_APPLICATION_NEEDED, field="source")
            application_id = await self._applications.covering_application(
                school_id, student_id, metadata.academic_year, fields.get("application_id")
            )
        if fh is None:
            raise InvalidInput(MSG_NO_FILE, field="file")
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(0)
        self.check_size(metadata.kind, size)

        def inspect() -> Inspection:
            # Decoding happens in a child process with memory and CPU limits (service.domain.sandbox).
            return inspect_in_child(
                fh,
                free_form=metadata.kind in FREE_FORM_KINDS,
                max_image_pixels=self._settings.max_image_pixels,
                memory_bytes=self._settings.inspect_memory_mb * 1024 * 1024,
                seconds=self._settings.inspect_seconds,
            )

        # At most DECODE_SLOTS files are decoded at a time, so parallel uploads of large scans
        # cannot multiply the memory a single decode needs.
        inspection: Inspection = await anyio.to_thread.run_sync(inspect, limiter=decode_limiter())
        existing = await self._documents.find_by_sha256(school_id, student_id, inspection.sha256)
        if existing is not None:
            return UploadOutcome(existing, created=False)

        case = await self._retention.file_document(
            school_id, student, metadata.kind.value, metadata.category.value, today=today
        )
        document_id = str(uuid.uuid4())
        prefix = object_prefix(school_id, document_id)
        document = Document(
            id=document_id,
            school_id=school_id,
            student_id=student_id,
            metadata=metadata,
            file=FileFacts(
                media_type=inspection.media_type,
                size=inspection.size,
                sha256=inspection.sha256,
                pages=inspection.pages,
                is_scan=inspection.is_scan,
            ),
            original_filename=safe_filename(filename),
            object_key=prefix + "original",
            thumbnail_key=prefix + "thumbnail.jpg",
            created_at=utcnow(),
            case_id=case["_id"],
            application_id=application_id,
            uploaded_by=uploaded_by,
        )
        tags = {"school-id": school_id, "document-id": document_id}
        # Step 1: objects. Nothing is visible yet.
        object_version = await self._objects.put_file(
            key=document.object_key,
            fh=fh,
            length=inspection.size,
            content_type=inspection.media_type,
            sha256=inspection.sha256,
            metadata=tags,
        )
        try:
            thumbnail_version = await self._objects.put_bytes(
                key=document.thumbnail_key,
                data=inspection.thumbnail,
                content_type="image/jpeg",
                metadata=tags,
            )
            document = replace(document, object_version=object_version, thumbnail_version=thumbnail_version)
            # Step 2: metadata makes the document visible.
            inserted = await self._documents.add(document, due_from=case.get("destroy_not_before"))
        except BaseException:
            await self._forget_objects(document)
            raise
        if not inserted:
            # A concurrent upload of the same bytes won the unique index.
            await self._forget_objects(document)
            winner = await self._documents.find_by_sha256(school_id, student_id, inspection.sha256)
            if winner is None:  # pragma: no cover - the index just said it exists
                raise NotFound(MSG_DOCUMENT_NOT_FOUND)
            return UploadOutcome(winner, created=False)
        await self._retention.count_in_case(document, documents=1)
        # Step 3: Object Lock until the case may be destroyed. Unreferenced objects are never
        # locked, so the orphan sweep can always remove them; a failure here is logged and the
        # lock is applied again by the next change to the case's clock.
        try:
            await self._retention.protect(document, case, today=today)
        except Exception:  # noqa: BLE001 - the document is stored; the lock is retried later
            log.warning("could not lock the objects of a new document", extra={"document_id": document_id})
        log.info("document stored", extra={"document_id": document_id, "size": inspection.size})
        return UploadOutcome(document, created=True)

    async def _forget_objects(self, document: Document) -> None:
        """Best effort: if this fails too, the orphan sweep removes the objects later."""
        with anyio.CancelScope(shield=True):
            try:
                await self._objects.delete([document.object_key, document.thumbnail_key])
            except Exception:  # noqa: BLE001 - the sweep is the safety net
                log.warning("could not remove objects of an unfinished upload; the orphan sweep will")

    async def get(self, school_id: str, document_id: str) -> Document:
        """Raises NotFound (also for a document of another school)."""
        document = await self._documents.get(school_id, document_id)
        if document is None:
            raise NotFound(MSG_DOCUMENT_NOT_FOUND)
        return document

    async def list_for_student(self, school_id: str, student_id: str) -> list[Document]:
        await self._students.get(school_id, student_id)
        return await self._documents.list_for_student(school_id, student_id)

    async def edit_metadata(
        self, school_id: str, document_id: str, changes: Mapping[str, str | None], *, today: date
    ) -> Document:
        """Correct what staff said about a document; it goes back to the deputy for checking.

        The kind, category and source decide the case a document is filed in and whether an
        application was needed, so they cannot change here: such a document is uploaded anew.
        """
        document = await self.get(school_id, document_id)
        m = document.metadata
        current = {
            "kind": m.kind.value,
            "title": m.title,
            "category": m.category.value,
            "academic_year": m.academic_year,
            "source": m.source.value,
            "issued_on": m.issued_on.isoformat() if m.issued_on else None,
            "issuer": m.issuer,
            "event": m.event,
            "event_level": m.event_level.value if m.event_level else None,
            "result": m.result.value if m.result else None,
        }
        for fixed in ("kind", "category", "source"):
            if changes.get(fixed) not in (None, current[fixed]):
                raise InvalidInput(
                    "Вид документа, направление и источник изменить нельзя: от них зависит дело по "
                    "номенклатуре. Загрузите документ заново с верными сведениями.",
                    field=fixed,
                )
        merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
        metadata = parse_document_metadata(merged, today=today)
        if metadata == m:
            return document
        application_id = document.application_id
        if metadata.source == Source.OTHER_ORGANISATION and metadata.academic_year != m.academic_year:
            # Moved to another school year: the family's application must cover that year too.
            application_id = await self._applications.covering_application(
                school_id, document.student_id, metadata.academic_year, None
            )
        reset = {"status": VerificationStatus.PENDING.value, "verified_by": None, "verified_at": None}
        await self._documents.replace_metadata(
            school_id,
            document_id,
            metadata,
            {**reset, "rejection_reason": None, "application_id": application_id},
        )
        return replace(
            document,
            metadata=metadata,
            status="pending",
            verified_by=None,
            verified_at=None,
            rejection_reason=None,
            application_id=application_id,
        )

    async def link(
        self,
        school_id: str,
        document_id: str,
        *,
        student_ids: list[str],
        class_name: str | None,
        may_link: Callable[[Student], bool],
    ) -> Document:
        """Make a stored document part of other pupils' records too (a team diploma) or of a
        whole class (an album, a poster). It stays stored once and filed in its owner's case.

        Raises:
            NotFound: no such document, or a pupil that does not exist or is out of reach.
            InvalidInput: too many pupils, or a malformed class.
        """
        document = await self.get(school_id, document_id)
        requested = {i for i in student_ids if i and i != document.student_id}
        # Links to pupils beyond the caller's reach stay as they are: a class teacher neither
        # sees nor removes another class's pupils on a shared diploma.
        current = await self._students.get_many(school_id, list(document.linked_student_ids))
        kept = {i for i, pupil in current.items() if not may_link(pupil)}
        requested -= kept
        wanted = sorted(requested | kept)
        if len(wanted) > 100:
            raise InvalidInput("Не более 100 обучающихся на один документ.", field="student_ids")
        found = await self._students.get_many(school_id, list(requested))
        for student_id in requested:
            pupil = found.get(student_id)
            if pupil is None or not may_link(pupil):
                raise NotFound(MSG_STUDENT_NOT_FOUND)
        shared = parse_class_name(class_name) if class_name and class_name.strip() else None
        await self._documents.set_links(school_id, document_id, student_ids=wanted, shared_with_class=shared)
        return replace(document, linked_student_ids=tuple(wanted), shared_with_class=shared)

    async def list_for_record(
        self, school_id: str, student: Student, *, class_material: bool
    ) -> list[Document]:
        """Everything in a pupil's record: own documents, team documents, and class material."""
        return await self._documents.list_for_record(
            school_id, student.id, class_name=student.class_name if class_material else None
        )

    async def verification_queue(self, school_id: str, *, limit: int = 200) -> list[Document]:
        return await self._documents.list_by_status(school_id, VerificationStatus.PENDING.value, limit=limit)

    async def decide(
        self,
        school_id: str,
        document_id: str,
        *,
        decision: str,
        reason: str | None,
        by: str,
        seen_status: str | None = None,
    ) -> Document:
        """The deputy's check: verified, or rejected with a reason. A decision can be changed
        (a rejected scan re-checked), but two people deciding at once cannot both win.
        ``seen_status``: the status the deciding page showed; a decision made on a stale page
        (another tab, the Back button) is refused instead of overwriting a newer one."""
        document = await self.get(school_id, document_id)
        if seen_status is not None and document.status != seen_status:
            current = STATUS_TITLES_RU.get(document.status, document.status)
            raise Conflict(
                f"По этому документу уже принято решение: «{current}». Обновите страницу, чтобы увидеть его."
            )
        try:
            status = VerificationStatus(decision)
        except ValueError:
            raise InvalidInput(
                "Решение: verified (проверен) или rejected (отклонён).", field="decision"
            ) from None
        if status is VerificationStatus.PENDING:
            raise InvalidInput("Решение: verified (проверен) или rejected (отклонён).", field="decision")
        cleaned = clean_text(reason, "reason", max_len=1000)
        if status is VerificationStatus.REJECTED and not cleaned:
            raise InvalidInput("Укажите причину отклонения: её увидит учитель.", field="reason")
        changes = {
            "status": status.value,
            "verified_by": by,
            "verified_at": utcnow(),
            "rejection_reason": cleaned if status is VerificationStatus.REJECTED else None,
        }
        if not await self._documents.set_status(
            school_id, document_id, expected=document.status, changes=changes
        ):
            raise Conflict("Документ только что проверил другой сотрудник. Обновите страницу.")
        return replace(
            document,
            status=status.value,
            verified_by=by,
            verified_at=changes["verified_at"],
            rejection_reason=changes["rejection_reason"],
        )

    async def open_content(self, school_id: str, document_id: str) -> tuple[Document, AsyncIterator[bytes]]:
        document = await self.get(school_id, document_id)
        return document, await self._objects.open_stream(
            document.object_key, expected_sha256=document.file.sha256
        )

    async def open_thumbnail(self, school_id: str, document_id: str) -> tuple[Document, AsyncIterator[bytes]]:
        document = await self.get(school_id, document_id)
        return document, await self._objects.open_stream(document.thumbnail_key)
