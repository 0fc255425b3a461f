"""Portfolio PDFs for a pupil: chosen documents, a cache keyed by every input, background jobs.

A portfolio is a pure function of its inputs (the pupil's name and class, the school's name, the
options, and each chosen document's bytes and metadata) and the layout version. Its result is
stored in S3 under a key derived from all of them, so asking twice costs one assembly, and any
change of input (a new scan, an edited title, a verification) gives a new key. Large portfolios
are assembled by a background worker (``service.jobs.portfolio_jobs``) that holds a lease on the
job, so a killed worker's job is picked up again and one job never runs twice at once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import anyio

from service.domain.portfolio import LAYOUT_VERSION, assemble_portfolio
from service.domain.sandbox import image_pages_in_child
from service.domain.students import StudentService
from service.errors import ArchiveError
from service.memory import portfolio_limiter, release_free_memory
from service.models import CATEGORY_TITLES_RU, Category, Document, Reward, Student
from service.settings import Settings
from service.storage.mongo import DocumentRepository, utcnow
from service.storage.objects import ObjectStore
from service.storage.portfolio_jobs import PortfolioJobRepository
from service.storage.rewards import RewardRepository

PDF = "application/pdf"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PortfolioOptions:
    verified_only: bool = False
    academic_years: tuple[str, ...] = ()  # empty: every year
    categories: tuple[Category, ...] = ()  # empty: every category
    rewards: bool = True  # the «Поощрения» section
    class_material: bool = False  # albums and posters shared with the pupil's class

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
            "rewards": self.rewards,
            "class_material": self.class_material,
        }

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> PortfolioOptions:
        return cls(
            verified_only=bool(raw.get("verified_only")),
            academic_years=tuple(raw.get("academic_years") or ()),
            categories=tuple(Category(c) for c in raw.get("categories") or ()),
            rewards=bool(raw.get("rewards", True)),
            class_material=bool(raw.get("class_material")),
        )

    def describe(self) -> str:
        """The filters in Russian, for the cover ("" when the portfolio holds everything)."""
        parts = []
        if self.academic_years:
            parts.append("учебные годы: " + ", ".join(sorted(self.academic_years)))
        if self.categories:
            parts.append("направления: " + ", ".join(CATEGORY_TITLES_RU[c] for c in self.categories))
        if not self.rewards:
            parts.append("без поощрений")
        return ("Отбор — " + "; ".join(parts)) if parts else ""

    def chooses_reward(self, reward: Reward) -> bool:
        return self.rewards and (not self.academic_years or reward.academic_year in self.academic_years)


@dataclass(frozen=True)
class Ready:
    """A portfolio in S3, ready to stream."""

    student: Student
    key: str
    size: int


@dataclass(frozen=True)
class Built:
    """A portfolio assembled just now: an open temporary file, and ``keep`` to run after the
    response has been sent (it stores the file in S3 for next time and removes it)."""

    student: Student
    out: BinaryIO
    size: int
    keep: Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Queued:
    """A large portfolio being assembled in the background."""

    student: Student
    job: dict[str, Any] = field(default_factory=dict)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PortfolioInputs:
    student: Student
    documents: list[Document]
    rewards: list[Reward]
    key: str  # where its portfolio is kept
    selection: str = ""  # the filters, said on the cover


def cache_key(
    school_name: str,
    student: Student,
    options: PortfolioOptions,
    documents: list[Document],
    rewards: list[Reward],
) -> tuple[str, str]:
    """(options digest, inputs digest): what the result depends on, and nothing else."""
    options_digest = _digest({"layout": LAYOUT_VERSION, **options.as_record()})[:16]
    inputs = {
        "layout": LAYOUT_VERSION,
        "school": school_name,
        "student": [student.full_name, student.class_name],
        "options": options.as_record(),
        "documents": sorted((d.id, d.file.sha256, d.status, asdict(d.metadata)) for d in documents),
        "rewards": sorted(
            (r.id, r.granted_on, r.kind, r.reason, r.order_number, r.order_date) for r in rewards
        ),
    }
    return options_digest, _digest(inputs)


def portfolio_prefix(school_id: str, student_id: str) -> str:
    return f"schools/{school_id}/portfolios/{student_id}/"


async def forget_portfolios(objects: ObjectStore, school_id: str, student_id: str) -> None:
    """Remove every kept portfolio of a pupil (after documents are destroyed)."""
    prefix = portfolio_prefix(school_id, student_id)
    await objects.delete([o.key for o in await objects.list_objects(prefix)])


def portfolio_key(school_id: str, student_id: str, options_digest: str, inputs_digest: str) -> str:
    return f"{portfolio_prefix(school_id, student_id)}{options_digest}/{inputs_digest}.pdf"


class PortfolioService:
    def __init__(
        self,
        *,
        settings: Settings,
        documents: DocumentRepository,
        students: StudentService,
        objects: ObjectStore,
        jobs: PortfolioJobRepository,
        rewards: RewardRepository,
    ) -> None:
        self._settings = settings
        self._documents = documents
        self._students = students
        self._objects = objects
        self._jobs = jobs
        self._rewards = rewards

    async def inputs(self, school_id: str, student_id: str, options: PortfolioOptions) -> PortfolioInputs:
        """The pupil, the documents and rewards the options choose, and where their portfolio is kept.

        Raises:
            NotFound: no such pupil.
        """
        student = await self._students.get(school_id, student_id)
        class_name = student.class_name if options.class_material else None
        record = await self._documents.list_for_record(school_id, student_id, class_name=class_name)
        documents = [d for d in record if options.chooses(d)]
        rewards = [
            r
            for r in await self._rewards.list_for_student(school_id, student_id)
            if options.chooses_reward(r)
        ]
        digests = cache_key(self._settings.school_name, student, options, documents, rewards)
        key = portfolio_key(school_id, student_id, *digests)
        return PortfolioInputs(student, documents, rewards, key, options.describe())

    async def request(
        self, school_id: str, student_id: str, options: PortfolioOptions, *, today: date, by: str | None
    ) -> Ready | Built | Queued:
        """The portfolio from the cache, assembled now, or queued when it is large.

        Raises:
            NotFound: no such pupil, or an original is missing from S3.
            StoreUnavailable: S3 did not answer.
        """
        inputs = await self.inputs(school_id, student_id, options)
        size = await self._objects.size_of(inputs.key)
        if size is not None:
            return Ready(inputs.student, inputs.key, size)
        if len(inputs.documents) > self._settings.portfolio_async_threshold:
            job = await self._queue(school_id, student_id, options, inputs.key, len(inputs.documents), by)
            return Queued(inputs.student, job)
        path, size, sha256 = await self._assemble(inputs, today=today)
        out, for_store = self._open_twice(path)
        # A partial, not a lambda: Litestar awaits async callables and runs others in a thread.
        keep = functools.partial(self._keep_quietly, inputs.key, for_store, size, sha256)
        return Built(inputs.student, out, size, keep=keep)

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
        self, inputs: PortfolioInputs, *, today: date, progress: Callable[[int], None] | None = None
    ) -> tuple[Path, int, str]:
        """Assemble into a temporary file; return its path, size and SHA-256."""
        fd, name = tempfile.mkstemp(prefix="archive-portfolio-", suffix=".pdf")
        path = Path(name)

        def render_image(data: bytes) -> bytes:
            return image_pages_in_child(
                data,
                max_image_pixels=self._settings.max_image_pixels,
                memory_bytes=self._settings.inspect_memory_mb * 1024 * 1024,
                seconds=self._settings.inspect_seconds,
            )

        def run() -> tuple[int, str]:
            try:
                with open(fd, "wb") as out:
                    assembled = assemble_portfolio(
                        render_image=render_image,
                        student=inputs.student,
                        school_name=self._settings.school_name,
                        documents=inputs.documents,
                        rewards=inputs.rewards,
                        selection=inputs.selection,
                        fetch=self._objects.read_bytes_sync,
                        today=today,
                        out=out,
                        progress=progress,
                    )
                    return out.tell(), assembled.sha256
            finally:
                release_free_memory()

        try:
            size, sha256 = await anyio.to_thread.run_sync(run, limiter=portfolio_limiter())
        except BaseException:
            await anyio.Path(path).unlink(missing_ok=True)
            raise
        return path, size, sha256

    async def _keep(self, key: str, fh: BinaryIO, size: int, sha256: str) -> None:
        """Store an assembled portfolio under its key; the handle is closed in any case."""
        try:
            await self._objects.put_file(
                key=key, fh=fh, length=size, content_type=PDF, sha256=sha256, metadata={}
            )
            await self._forget_older(key)
        finally:
            fh.close()

    async def _keep_quietly(self, key: str, fh: BinaryIO, size: int, sha256: str) -> None:
        # After the response: a failure here only means the next request assembles it again.
        try:
            await self._keep(key, fh, size, sha256)
        except ArchiveError:
            log.warning("an assembled portfolio could not be kept in S3", exc_info=True)

    @staticmethod
    def _open_twice(path: Path) -> tuple[BinaryIO, BinaryIO]:
        """Two handles on the file, which is then removed: whatever happens to the response,
        nothing is left behind in the temporary folder once both are closed."""
        try:
            return path.open("rb"), path.open("rb")
        finally:
            path.unlink(missing_ok=True)

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
        inputs = await self.inputs(job["school_id"], job["student_id"], options)
        path, size, sha256 = await self._assemble(inputs, today=today, progress=progress)
        out, for_store = self._open_twice(path)
        out.close()
        await self._keep(inputs.key, for_store, size, sha256)
        return size
