"""Resumable uploads of large files (videos of performances, big presentations).

The client sends the file in numbered parts of ``PART_SIZE`` bytes; each part is kept as an S3
object of its own under the school's ``uploads/`` prefix, and the session in MongoDB records its
size and SHA-256. An interrupted upload asks which parts are there and sends only the rest.
Completing joins the parts (checking every part's hash again) into a temporary file and hands it
to ``DocumentService.upload``: the same inspection, limits, checksum and "object and metadata or
neither" rule as a file sent in one request. The parts and the session are removed afterwards.
Only plain S3 PUT/GET/DELETE are used, so any S3 server will do.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio

from service.domain.documents import DocumentService, UploadOutcome
from service.domain.filenames import safe_filename
from service.domain.metadata import parse_document_metadata
from service.errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from service.storage.objects import ObjectStore
from service.storage.upload_sessions import UploadSessionRepository

PART_SIZE = 8 * 1024 * 1024
# The web page sends files from this size in parts (smaller ones in one request).
RESUMABLE_FROM_BYTES = 2 * PART_SIZE
MSG_UPLOAD_NOT_FOUND = "Загрузка не найдена: возможно, она уже завершена или отменена. Начните её заново."


def parts_prefix(school_id: str, upload_id: str) -> str:
    return f"schools/{school_id}/uploads/{upload_id}/"


def part_key(school_id: str, upload_id: str, number: int) -> str:
    return f"{parts_prefix(school_id, upload_id)}part-{number:05d}"


def session_view(session: dict[str, Any]) -> dict[str, Any]:
    total = session["part_count"]
    received = sorted(int(n) for n in session.get("parts", {}))
    missing = [n for n in range(1, total + 1) if n not in set(received)]
    return {
        "upload_id": session["_id"],
        "student_id": session["student_id"],
        "filename": session["filename"],
        "size": session["size"],
        "part_size": session["part_size"],
        "part_count": total,
        "parts_received": received,
        "next_part": missing[0] if missing else None,
        "bytes_received": sum(p["size"] for p in session.get("parts", {}).values()),
        "created_at": session["created_at"],
    }


class ResumableUploads:
    def __init__(
        self, *, sessions: UploadSessionRepository, objects: ObjectStore, documents: DocumentService
    ) -> None:
        self._sessions = sessions
        self._objects = objects
        self._documents = documents

    async def start(
        self,
        school_id: str,
        student_id: str,
        *,
        filename: str,
        size: int,
        sha256: str | None,
        fields: dict[str, str | None],
        by: str,
        today: date,
    ) -> dict[str, Any]:
        """Check what can be checked before any byte arrives: the details and the size."""
        metadata = parse_document_metadata(fields, today=today)
        if size < 0:
            raise InvalidInput("Размер файла указан неверно.", field="size")
        if size == 0:
            raise InvalidInput("Файл пустой: выберите файл ещё раз.", field="size")
        self._documents.check_size(metadata.kind, size)
        if sha256 is not None and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
            raise InvalidInput("Контрольная сумма SHA-256 — 64 шестнадцатеричных знака.", field="sha256")
        session = {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "student_id": student_id,
            "filename": safe_filename(filename or "файл"),
            "size": size,
            "sha256": sha256,
            "part_size": PART_SIZE,
            "part_count": math.ceil(size / PART_SIZE),
            "fields": fields,
            "created_by": by,
            "created_at": datetime.now(UTC),
            "state": "open",
            "parts": {},
        }
        await self._sessions.add(session)
        return session

    async def get(self, school_id: str, upload_id: str, *, by: str) -> dict[str, Any]:
        """Only the account that started an upload sees it (404 for anyone else)."""
        session = await self._sessions.get(school_id, upload_id)
        if session is None or session["created_by"] != by:
            raise NotFound(MSG_UPLOAD_NOT_FOUND)
        return session

    async def put_part(
        self, session: dict[str, Any], number: int, chunks: AsyncIterator[bytes]
    ) -> dict[str, Any]:
        if not 1 <= number <= session["part_count"]:
            raise InvalidInput(f"Номер части — от 1 до {session['part_count']}.", field="part")
        expected = (
            session["size"] - PART_SIZE * (session["part_count"] - 1)
            if number == session["part_count"]
            else PART_SIZE
        )
        body = bytearray()
        async for chunk in chunks:
            body += chunk
            if len(body) > expected:
                raise InvalidInput(f"Часть {number} больше ожидаемых {expected} байт.", field="part")
        if len(body) != expected:
            raise InvalidInput(
                f"Часть {number} пришла не целиком: {len(body)} байт из {expected}. Отправьте её ещё раз.",
                field="part",
            )
        digest = hashlib.sha256(body).hexdigest()
        key = part_key(session["school_id"], session["_id"], number)
        await self._objects.put_bytes(
            key=key, data=bytes(body), content_type="application/octet-stream", metadata={"sha256": digest}
        )
        updated = await self._sessions.record_part(
            session["school_id"], session["_id"], number, {"size": len(body), "sha256": digest}
        )
        if updated is None:
            raise Conflict("Загрузка уже завершается или отменена: часть не принята.")
        return updated

    async def complete(self, session: dict[str, Any], *, today: date, by: str) -> UploadOutcome:
        """Join the parts and store the file as a document; the parts go in every outcome but a
        store failure (then the upload can be completed again)."""
        view = session_view(session)
        if view["next_part"] is not None:
            raise Conflict(
                f"Получены не все части: {len(view['parts_received'])} из {view['part_count']}. "
                f"Продолжите загрузку с части {view['next_part']}."
            )
        claimed = await self._sessions.claim(session["school_id"], session["_id"])
        if claimed is None:
            raise Conflict("Эта загрузка уже завершается.")
        try:
            with tempfile.TemporaryFile(prefix="archive-resumable-") as fh:
                whole = hashlib.sha256()
                for number in range(1, claimed["part_count"] + 1):
                    expected = claimed["parts"][str(number)]["sha256"]
                    key = part_key(claimed["school_id"], claimed["_id"], number)
                    async for chunk in await self._objects.open_stream(key, expected_sha256=expected):
                        whole.update(chunk)
                        await anyio.to_thread.run_sync(fh.write, chunk)
                if claimed.get("sha256") and whole.hexdigest() != claimed["sha256"]:
                    raise InvalidInput(
                        "Контрольная сумма собранного файла не совпала с указанной. Загрузите файл заново.",
                        field="sha256",
                    )
                outcome = await self._documents.upload(
                    school_id=claimed["school_id"],
                    student_id=claimed["student_id"],
                    fields=claimed["fields"],
                    fh=fh,  # type: ignore[arg-type]
                    filename=claimed["filename"],
                    today=today,
                    uploaded_by=by,
                )
        except StoreUnavailable:
            await self._sessions.reopen(claimed["school_id"], claimed["_id"])
            raise
        except BaseException:
            await self.discard(claimed)
            raise
        await self.discard(claimed)
        return outcome

    async def discard(self, session: dict[str, Any]) -> None:
        await discard_upload(self._sessions, self._objects, session)

    async def abandon(self, session: dict[str, Any]) -> None:
        """The user's cancel: refused while the file is being joined and stored."""
        if session.get("state") != "open":
            raise Conflict("Загрузка уже завершается: отменить её нельзя. Обновите страницу через минуту.")
        await self.discard(session)


async def discard_upload(
    sessions: UploadSessionRepository, objects: ObjectStore, session: dict[str, Any]
) -> None:
    """Remove the parts, then the session (a session without parts is harmless; parts without a
    session would be invisible)."""
    prefix = parts_prefix(session["school_id"], session["_id"])
    await objects.delete([o.key for o in await objects.list_objects(prefix)])
    await sessions.delete(session["school_id"], session["_id"])


async def discard_stale_uploads(
    sessions: UploadSessionRepository, objects: ObjectStore, *, older_than: timedelta, now: datetime
) -> int:
    stale = await sessions.older_than(now - older_than)
    for session in stale:
        await discard_upload(sessions, objects, session)
    return len(stale)
