"""Integrity audit: re-read every stored object and compare it with its metadata.

Reports, never repairs (like paperless's sanity checker): checksum mismatches, metadata whose
object is missing, objects that no metadata refers to, and documents whose Object Lock is
missing or ends before the retention schedule says it may.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio
from minio.error import S3Error

from retention.rules import lock_until
from service.domain.documents import document_id_from_key
from service.domain.retention_service import clock_of
from service.settings import Settings
from service.storage.mongo import StudentRepository
from service.storage.retention_repo import CaseRepository

if TYPE_CHECKING:
    from service.lifespan import Stores

_CHUNK = 1024 * 1024


@dataclass
class AuditReport:
    documents: int = 0
    bytes: int = 0
    lock_mode: str = "none"
    checksum_mismatches: list[str] = field(default_factory=list)
    missing_objects: list[str] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)
    missing_locks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.checksum_mismatches or self.missing_objects or self.orphan_objects or self.missing_locks
        )

    def lines(self) -> list[str]:
        out = [
            f"documents checked: {self.documents} ({self.bytes} bytes); object lock: {self.lock_mode}",
            f"checksum mismatches: {len(self.checksum_mismatches)}",
            f"metadata without object: {len(self.missing_objects)}",
            f"objects without metadata: {len(self.orphan_objects)}",
            f"missing or short locks: {len(self.missing_locks)}",
        ]
        for label, items in (
            ("checksum mismatch", self.checksum_mismatches),
            ("missing object", self.missing_objects),
            ("orphan object", self.orphan_objects),
            ("missing lock", self.missing_locks),
        ):
            out.extend(f"  {label}: {item}" for item in items)
        return out


def _sha256_of(client: Any, bucket: str, key: str) -> tuple[str, int] | None:
    try:
        response = client.get_object(bucket_name=bucket, object_name=key)
    except S3Error as exc:
        if exc.code == "NoSuchKey":
            return None
        raise
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in response.stream(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    finally:
        response.close()
        response.release_conn()
    return digest.hexdigest(), size


async def audit_archive(
    *, settings: Settings, stores: Stores, today: date, now: datetime | None = None
) -> AuditReport:
    """Check every document of every school in the store."""
    now = now or datetime.now(UTC)
    report = AuditReport(lock_mode=stores.objects.lock_mode)
    objects = stores.objects
    client = objects._client  # the audit reads raw objects, version by version
    cases = CaseRepository(stores.db)
    students = StudentRepository(stores.db)
    referenced: set[str] = set()
    async for raw in stores.db.documents.find({}):
        report.documents += 1
        f = raw["file"]
        referenced.add(raw["_id"])
        result = await anyio.to_thread.run_sync(_sha256_of, client, objects.bucket, f["object_key"])
        if result is None:
            report.missing_objects.append(raw["_id"])
            continue
        digest, size = result
        report.bytes += size
        if digest != f["sha256"] or size != f["size"]:
            report.checksum_mismatches.append(raw["_id"])
        if objects.lock_mode == "governance" and raw.get("case_id"):
            case = await cases.get(raw["school_id"], raw["case_id"])
            if case is None:
                continue
            student = (
                await students.get(raw["school_id"], case["student_id"]) if case.get("student_id") else None
            )
            wanted = lock_until(clock_of(case, left_on=student.left_on if student else None), today=today)
            if datetime(wanted.year, wanted.month, wanted.day, tzinfo=UTC) <= now:
                continue  # nothing left to protect
            until, _held = await objects.lock_state(f["object_key"], f.get("object_version"))
            if until is None or until.date() < wanted:
                report.missing_locks.append(raw["_id"])
    cutoff = now - timedelta(seconds=settings.orphan_grace_seconds)
    for obj in await objects.list_objects("schools/"):
        document_id = document_id_from_key(obj.key)
        if (
            document_id is not None
            and document_id not in referenced
            and (obj.last_modified is None or obj.last_modified <= cutoff)
        ):
            report.orphan_objects.append(obj.key)
    return report
