"""Portfolio PDFs for a pupil: chosen documents, a cache keyed by every input, background jobs.

A portfolio is a pure function of its inputs (the pupil's name and class, the school's name, the
options, and each chosen document's bytes and metadata) and the layout version. Its result is
stored in S3 under a key derived from all of them, so asking twice costs one assembly, and any
change of input (a new scan, an edited title, a verification) gives a new key. Large portfolios
are assembled by a background worker (``service.jobs.portfolio_jobs``) that holds a lease on the
job, so a killed worker's job is picked up again and one job never runs twice at once.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, BinaryIO

import anyio

from service.domain.portfolio import LAYOUT_VERSION, assemble_portfolio
from service.domain.students import StudentService
from service.memory import release_free_memory
from service.models import Category, Document, Student
from service.settings import Settings
from service.storage.mongo import DocumentRepository, utcnow
from service.storage.objects import ObjectStore
from service.storage.portfolio_jobs import PortfolioJobRepository

SPOOL_BYTES = 8 * 1024 * 1024
PDF = "application/pdf"


@dataclass(frozen=True)
class PortfolioOptions:
    verified_only: bool = False
    academic_years: tuple[str, ...] = ()  # empty: every year
    categories: tuple[Category, ...] = ()  # empty: every category

    def chooses(self, document: Document) -> bool:
        # Rejected documents never go in; pending ones only when staff ask for a working copy.
        if document.status != "verified" and (self.verified_only or document.status != "pending"):
            return False
        if self.academic_years and document.metadata.academic_year not in self.academic_years:
            return False
        return not self.categories or document.metadata.category in self.categories

    def as_record(self) -> dict[str, Any]:
        return {
            "verified_only": self.verified_only,
            "academic_years": sorted(self.academic_years),
            "categories": sorted(c.value for c in self.categories),
        }

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> PortfolioOptions:
        return cls(
            verified_only=bool(raw.get("verified_only")),
            academic_years=tuple(raw.get("academic_years") or ()),
            categories=tuple(Category(c) for c in raw.get("categories") or ()),
        )


@dataclass(frozen=True)
class Ready:
    """A portfolio in S3, ready to stream."""

    student: Student
    key: str
    size: int


@dataclass(frozen=True)
class Built:
    """A portfolio assembled just now into a temporary file (rewound)."""

    student: Student
    out: BinaryIO
    size: int


@dataclass(frozen=True)
class Queued:
    """A large portfolio being assembled in the background."""

    student: Student
    job: dict[str, Any] = field(default_factory=dict)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def cache_key(
    school_name: str, student: Student, options: PortfolioOptions, documents: list[Document]
) -> tuple[str, str]:
    """(options digest, inputs digest): what the result depends on, and nothing else."""
    options_digest = _digest({"layout": LAYOUT_VERSION, **options.as_record()})[:16]
    inputs = {
        "layout": LAYOUT_VERSION,
        "school": school_name,
        "student": [student.full_name, student.class_name],
        "options": options.as_record(),
        "documents": sorted((d.id, d.file.sha256, d.status, asdict(d.metadata)) for d in documents),
    }
    return options_digest, _digest(inputs)


def portfolio_prefix(school_id: str, student_id: str) -> str:
    return f"schools/{school_id}/portfolios/{student_id}/"


def portfolio_key(school_id: str, student_id: str, options_digest: str, inputs_digest: str) -> str:
    return f"{portfolio_prefix(school_id, student_id)}{options_digest}/{inputs_digest}.pdf"


def _sha256_of_file(fh: BinaryIO) -> str:
    fh.seek(0)
    digest = hashlib.sha256()
    while chunk := fh.read(1024 * 1024):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


class PortfolioService:
    def __init__(
        self,
        *,
        settings: Settings,
        documents: DocumentRepository,
        students: StudentService,
        objects: ObjectStore,
        jobs: PortfolioJobRepository,
    ) -> None:
        self._settings = settings
        self._documents = documents
        self._students = students
        self._objects = objects
        self._jobs = jobs

    async def inputs(
        self, school_id: str, student_id: str, options: PortfolioOptions
    ) -> tuple[Student, list[Document], str]:
        """The pupil, the documents the options choose, and the key of their portfolio.

        Raises:
            NotFound: no such pupil.
        """
        student = await self._students.get(school_id, student_id)
        documents = [
            d for d in await self._documents.list_for_student(school_id, student_id) if options.chooses(d)
        ]
        key = portfolio_key(
            school_id, student_id, *cache_key(self._settings.school_name, student, options, documents)
        )
        return student, documents, key

    async def request(
        self, school_id: str, student_id: str, options: PortfolioOptions, *, today: date, by: str | None
    ) -> Ready | Built | Queued:
        """The portfolio from the cache, assembled now, or queued when it is large.

        Raises:
            NotFound: no such pupil, or an original is missing from S3.
            StoreUnavailable: S3 did not answer.
        """
        student, documents, key = await self.inputs(school_id, student_id, options)
        size = await self._objects.size_of(key)
        if size is not None:
            return Ready(student, key, size)
        if len(documents) > self._settings.portfolio_async_threshold:
            return Queued(student, await self._queue(school_id, student_id, options, key, len(documents), by))
        out, size = await self._assemble(student, documents, key, today=today)
        return Built(student, out, size)

    async def _queue(
        self,
        school_id: str,
        student_id: str,
        options: PortfolioOptions,
        key: str,
        total: int,
        by: str | None,
    ) -> dict[str, Any]:
        job = await self._jobs.find_or_create(
            {
                "_id": str(uuid.uuid4()),
                "school_id": school_id,
                "student_id": student_id,
                "cache_key": key,
                "options": options.as_record(),
                "status": "queued",
                "done": 0,
                "total": total,
                "attempts": 0,
                "requested_by": by,
                "created_at": utcnow(),
                "lease_until": None,
                "error": None,
            }
        )
        if job["status"] in ("done", "failed"):
            # Its result was removed (a destruction act, say): the same inputs are assembled again.
            job = await self._jobs.requeue(school_id, job["_id"], total=total) or job
        return job

    async def job(self, school_id: str, job_id: str) -> dict[str, Any] | None:
        return await self._jobs.get(school_id, job_id)

    async def _assemble(
        self,
        student: Student,
        documents: list[Document],
        key: str,
        *,
        today: date,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[BinaryIO, int]:
        """Assemble into a spooled temporary file, store it under ``key``, return it rewound."""
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
                    progress=progress,
                )
            finally:
                release_free_memory()
            size = out.tell()
            out.seek(0)
            return size

        try:
            size = await anyio.to_thread.run_sync(run)
            sha256 = await anyio.to_thread.run_sync(_sha256_of_file, out)
            await self._objects.put_file(
                key=key, fh=out, length=size, content_type=PDF, sha256=sha256, metadata={}
            )
            out.seek(0)
        except BaseException:
            out.close()
            raise
        await self._forget_older(key)
        return out, size

    async def _forget_older(self, key: str) -> None:
        """Only the newest result per pupil and options is kept: older ones are stale copies."""
        folder = key.rsplit("/", 1)[0] + "/"
        stale = [o.key for o in await self._objects.list_objects(folder) if o.key != key]
        await self._objects.delete(stale)

    async def run_job(self, job: dict[str, Any], *, today: date, progress: Callable[[int], None]) -> int:
        """Assemble a claimed job's portfolio into the cache; return its size.

        The inputs are read again: if they changed since the request, the result is stored under
        the key of what is there now, and the job records that key.
        """
        options = PortfolioOptions.from_record(job["options"])
        student, documents, key = await self.inputs(job["school_id"], job["student_id"], options)
        out, size = await self._assemble(student, documents, key, today=today, progress=progress)
        out.close()
        return size

    async def forget_student(self, school_id: str, student_id: str) -> None:
        """Remove every cached portfolio of a pupil (after documents are destroyed)."""
        prefix = portfolio_prefix(school_id, student_id)
        await self._objects.delete([o.key for o in await self._objects.list_objects(prefix)])
