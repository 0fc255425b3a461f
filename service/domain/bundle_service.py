"""Streams a pupil's bundle (``service.domain.bundle``) as a ZIP: memory stays flat whatever its size.

Every original is read from S3 as it is written into the ZIP and checked against its SHA-256 on
the way (a corrupted original aborts the download instead of arriving looking complete); the
portfolio comes from the portfolio cache, or is assembled first.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from stream_zip import ZIP_AUTO, async_stream_zip

from service.domain import bundle
from service.domain.portfolio_service import Built, PortfolioOptions, PortfolioService, Queued, Ready
from service.models import Reward, Student
from service.settings import Settings
from service.storage.mongo import utcnow
from service.storage.objects import ObjectStore
from service.streams import file_chunks

FILE_MODE = stat.S_IFREG | 0o644
STORE_ONLY = 0  # scans and PDFs are compressed already: deflate would cost CPU for nothing


@dataclass(frozen=True)
class BundleStream:
    student: Student
    chunks: AsyncIterator[bytes]
    keep: Callable[[], Awaitable[None]] | None = None  # after sending: keep a fresh portfolio


class _Hashed:
    """Chunks passed through, hashed on the way."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self.digest = hashlib.sha256()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            self.digest.update(chunk)
            yield chunk


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class BundleService:
    def __init__(self, *, settings: Settings, portfolios: PortfolioService, objects: ObjectStore) -> None:
        self._settings = settings
        self._portfolios = portfolios
        self._objects = objects

    async def request(
        self,
        school_id: str,
        student_id: str,
        options: PortfolioOptions,
        *,
        today: date,
        by: str | None,
        bagit: bool = False,
    ) -> BundleStream | Queued:
        """The bundle as a stream of ZIP bytes, or the portfolio job to wait for first.

        Raises:
            NotFound: no such pupil, or an original is missing from S3.
            StoreUnavailable: S3 did not answer.
        """
        portfolio = await self._portfolios.request(school_id, student_id, options, today=today, by=by)
        if isinstance(portfolio, Queued):
            return portfolio
        inputs = await self._portfolios.inputs(school_id, student_id, options)
        files = bundle.plan_files(inputs.documents)
        members = self._members(inputs.student, files, inputs.rewards, portfolio, today=today, bagit=bagit)
        keep = portfolio.keep if isinstance(portfolio, Built) else None
        return BundleStream(inputs.student, aiter(async_stream_zip(members)), keep)

    def _portfolio_chunks(self, portfolio: Ready | Built) -> AsyncIterator[bytes]:
        if isinstance(portfolio, Built):
            return file_chunks(portfolio.out)

        async def from_store() -> AsyncIterator[bytes]:
            async for chunk in await self._objects.open_stream(portfolio.key):
                yield chunk

        return from_store()

    def _original_chunks(self, file: bundle.BundleFile) -> AsyncIterator[bytes]:
        async def from_store() -> AsyncIterator[bytes]:
            # Opened only when the ZIP writer reaches it: one S3 connection at a time.
            stream = await self._objects.open_stream(
                file.document.object_key, expected_sha256=file.document.file.sha256
            )
            async for chunk in stream:
                yield chunk

        return from_store()

    async def _members(
        self,
        student: Student,
        files: list[bundle.BundleFile],
        rewards: list[Reward],
        portfolio: Ready | Built,
        *,
        today: date,
        bagit: bool,
    ) -> AsyncIterator[tuple[str, datetime, int, Any, AsyncIterator[bytes]]]:
        now = utcnow()
        root = "data/" if bagit else ""
        payload: list[tuple[str, str, int]] = []  # (path under root, sha256, size)

        hashed = _Hashed(self._portfolio_chunks(portfolio))
        yield (
            root + bundle.PORTFOLIO_NAME,
            now,
            FILE_MODE,
            ZIP_AUTO(portfolio.size, level=STORE_ONLY),
            aiter(hashed),
        )
        portfolio_sha = hashed.digest.hexdigest()
        payload.append((bundle.PORTFOLIO_NAME, portfolio_sha, portfolio.size))

        for f in files:
            yield (
                root + f.path,
                f.document.created_at,
                FILE_MODE,
                ZIP_AUTO(f.document.file.size, level=STORE_ONLY),
                self._original_chunks(f),
            )
            payload.append((f.path, f.document.file.sha256, f.document.file.size))

        rows = bundle.manifest_rows(files)
        texts = [
            (
                "manifest.json",
                bundle.manifest_json(
                    student,
                    self._settings.school_name,
                    now,
                    rows,
                    {"file": bundle.PORTFOLIO_NAME, "size": portfolio.size, "sha256": portfolio_sha},
                    bundle.reward_rows(rewards),
                ),
            ),
            ("manifest.csv", bundle.manifest_csv(rows)),
            ("rewards.csv", bundle.rewards_csv(bundle.reward_rows(rewards))),
            (
                "README.txt",
                bundle.readme(student, self._settings.school_name, today, len(files), bagit=bagit),
            ),
        ]
        for name, data in texts:
            yield root + name, now, FILE_MODE, ZIP_AUTO(len(data)), _once(data)
            payload.append((name, hashlib.sha256(data).hexdigest(), len(data)))
        sums = bundle.checksums([(path, sha) for path, sha, _ in payload])
        yield root + "checksums.sha256", now, FILE_MODE, ZIP_AUTO(len(sums)), _once(sums)
        payload.append(("checksums.sha256", hashlib.sha256(sums).hexdigest(), len(sums)))

        if not bagit:
            return
        tags = [
            (
                "manifest-sha256.txt",
                bundle.checksums([(f"data/{path}", sha) for path, sha, _ in payload]),
            ),
            ("bagit.txt", bundle.bagit_declaration()),
            (
                "bag-info.txt",
                bundle.bag_info(
                    self._settings.school_name, student, today, sum(n for *_, n in payload), len(payload)
                ),
            ),
        ]
        for name, data in tags:
            yield name, now, FILE_MODE, ZIP_AUTO(len(data)), _once(data)
        tag_sums = bundle.checksums([(name, hashlib.sha256(data).hexdigest()) for name, data in tags])
        yield "tagmanifest-sha256.txt", now, FILE_MODE, ZIP_AUTO(len(tag_sums)), _once(tag_sums)
