"""Portfolio PDFs for a pupil, assembled on demand from the stored originals."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import BinaryIO

import anyio

from service.domain.portfolio import assemble_portfolio
from service.domain.students import StudentService
from service.memory import release_free_memory
from service.models import Student
from service.settings import Settings
from service.storage.mongo import DocumentRepository
from service.storage.objects import ObjectStore

SPOOL_BYTES = 8 * 1024 * 1024


class PortfolioService:
    def __init__(
        self,
        *,
        settings: Settings,
        documents: DocumentRepository,
        students: StudentService,
        objects: ObjectStore,
    ) -> None:
        self._settings = settings
        self._documents = documents
        self._students = students
        self._objects = objects

    async def build(
        self, school_id: str, student_id: str, *, today: date, verified_only: bool = False
    ) -> tuple[Student, BinaryIO, int]:
        """Assemble the PDF into a spooled temporary file (rewound) and return it with its size.

        Raises:
            NotFound: no such pupil, or an original is missing from S3.
            StoreUnavailable: S3 did not answer.
        """
        student = await self._students.get(school_id, student_id)
        # Rejected documents never go in; pending ones only when staff ask for a working copy.
        documents = [
            d
            for d in await self._documents.list_for_student(school_id, student_id)
            if d.status == "verified" or (not verified_only and d.status == "pending")
        ]
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)

        def run() -> int:
            try:
                assemble_portfolio(
                    student=student,
                    school_name=self._settings.school_name,
                    documents=documents,
                    fetch=self._objects.read_bytes_sync,
                    today=today,
                    out=out,
                )
            finally:
                release_free_memory()
            size = out.tell()
            out.seek(0)
            return size

        try:
            size = await anyio.to_thread.run_sync(run)
        except BaseException:
            out.close()
            raise
        return student, out, size
