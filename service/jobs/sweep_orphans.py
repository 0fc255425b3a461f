"""Remove objects that no metadata refers to (interrupted uploads).

Only objects older than the grace period are touched, so an upload in flight (objects written,
metadata not yet) is never mistaken for an orphan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from service.domain.documents import document_id_from_key
from service.domain.resumable import discard_stale_uploads
from service.settings import Settings
from service.storage.mongo import DocumentRepository
from service.storage.upload_sessions import UploadSessionRepository

if TYPE_CHECKING:
    from service.lifespan import Stores


@dataclass(frozen=True)
class SweepReport:
    scanned: int
    removed: int
    too_young: int
    unknown_keys: int
    stale_uploads: int = 0  # resumable uploads never completed, removed with their parts


async def sweep_orphans(*, settings: Settings, stores: Stores, now: datetime | None = None) -> SweepReport:
    """Delete document objects without metadata older than ``settings.orphan_grace_seconds``."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(seconds=settings.orphan_grace_seconds)
    objects = await stores.objects.list_objects("schools/")
    by_document: dict[str, list[str]] = {}
    young: set[str] = set()
    unknown = 0
    for obj in objects:
        document_id = document_id_from_key(obj.key)
        if document_id is None:
            unknown += 1  # not ours to judge (e.g. a future kind of artefact): leave it
            continue
        by_document.setdefault(document_id, []).append(obj.key)
        if obj.last_modified is None or obj.last_modified > cutoff:
            young.add(document_id)
    existing = await DocumentRepository(stores.db).existing_ids(by_document)
    doomed = [
        key
        for doc_id, keys in by_document.items()
        if doc_id not in existing and doc_id not in young
        for key in keys
    ]
    await stores.objects.delete(doomed)
    orphan_ids = {d for d in by_document if d not in existing}
    stale = await discard_stale_uploads(
        UploadSessionRepository(stores.db),
        stores.objects,
        older_than=timedelta(hours=settings.upload_session_hours),
        now=now,
    )
    return SweepReport(
        scanned=len(objects),
        removed=len(doomed),
        too_young=len(orphan_ids & young),
        unknown_keys=unknown,
        stale_uploads=stale,
    )
