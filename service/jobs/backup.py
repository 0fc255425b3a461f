"""Export the whole archive as a BagIt bag, and restore it into empty stores.

The bag holds every metadata collection as canonical Extended JSON lines (types survive the
round trip) and every current object under its own key; BagIt's SHA-256 manifest covers both.
On import the bag is validated first, the stores must be empty, objects get new S3 version ids
(recorded on their documents) and Object Lock and legal holds are applied again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import bagit
from bson import json_util
from pymongo.errors import BulkWriteError

from service.errors import Conflict, InvalidInput
from service.storage.mongo import DocumentRepository
from service.wiring import make_retention_service

if TYPE_CHECKING:
    from service.lifespan import Stores
    from service.settings import Settings

log = logging.getLogger(__name__)

COLLECTIONS = (
    "nomenclatures",
    "students",
    "cases",
    "documents",
    "holds",
    "acts",
    "tombstones",
    "act_claims",
    "access_log",
    "info_requests",
    "accounts",  # roles and links to pupils; sessions are not exported (everybody signs in again)
    "applications",
    "consents",
    "rewards",
)
_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, tz_aware=True, tzinfo=UTC)


@dataclass(frozen=True)
class BackupReport:
    records: dict[str, int]
    objects: int
    bytes: int


async def _insert_accounts(stores: Stores, docs: list[dict[str, Any]]) -> None:
    """An account whose login already exists (a bootstrap admin made by a service started before
    the import) is kept as it is; every other account is restored."""
    try:
        await stores.db.accounts.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


async def export_archive(*, settings: Settings, stores: Stores, target: Path) -> BackupReport:
    """Raises InvalidInput when ``target`` exists and is not empty."""
    if target.exists() and any(target.iterdir()):  # noqa: ASYNC240 - run from the CLI, not inside the service
        raise InvalidInput(f"Папка {target} не пуста: выберите новую папку для выгрузки.", field="target")
    (target / "metadata").mkdir(parents=True, exist_ok=True)
    records: dict[str, int] = {}
    for name in COLLECTIONS:
        count = 0
        with (target / "metadata" / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            async for raw in stores.db[name].find({}).sort("_id", 1):
                fh.write(json_util.dumps(raw, json_options=_JSON, ensure_ascii=False) + "\n")
                count += 1
        records[name] = count
    # Kept portfolios are copies made from the rest: the restored service assembles them again.
    objects = [o for o in await stores.objects.list_objects("schools/") if "/portfolios/" not in o.key]
    client = stores.objects._client
    total = 0
    for obj in objects:
        path = target / "objects" / obj.key
        path.parent.mkdir(parents=True, exist_ok=True)
        await anyio.to_thread.run_sync(
            lambda o=obj, p=path: client.fget_object(
                bucket_name=stores.objects.bucket, object_name=o.key, file_path=str(p)
            )
        )
        total += obj.size
    info = {
        "Source-Organization": settings.school_name,
        "External-Description": "School archive export: metadata (Extended JSON lines) and objects",
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
    }
    await anyio.to_thread.run_sync(lambda: bagit.make_bag(str(target), info, checksums=["sha256"]))
    return BackupReport(records, len(objects), total)


async def import_archive(*, stores: Stores, source: Path, today: date) -> BackupReport:
    """Validate the bag and restore it.

    Raises:
        InvalidInput: not a valid bag (a file is missing or its checksum differs).
        Conflict: the stores already hold an archive.
    """
    try:
        bag = await anyio.to_thread.run_sync(lambda: bagit.Bag(str(source)))
        await anyio.to_thread.run_sync(bag.validate)
    except (bagit.BagError, bagit.BagValidationError) as exc:
        raise InvalidInput(f"Выгрузка повреждена или неполна: {exc}", field="source") from None
    if await stores.db.documents.count_documents({}) or await stores.db.students.count_documents({}):
        raise Conflict("Восстанавливать можно только в пустое хранилище: в нём уже есть данные.")
    data = source / "data"
    records: dict[str, int] = {}
    for name in COLLECTIONS:
        path = data / "metadata" / f"{name}.jsonl"
        docs: list[dict[str, Any]] = []
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                docs = [json_util.loads(line, json_options=_JSON) for line in fh if line.strip()]
        if docs and name == "accounts":
            await _insert_accounts(stores, docs)
        elif docs:
            await stores.db[name].insert_many(docs)
        records[name] = len(docs)
    versions: dict[str, str | None] = {}
    total = 0
    client = stores.objects._client
    object_root = data / "objects"
    files = [p for p in object_root.rglob("*") if p.is_file()] if object_root.exists() else []
    for path in files:
        key = path.relative_to(object_root).as_posix()
        result = await anyio.to_thread.run_sync(
            lambda k=key, p=path: client.fput_object(
                bucket_name=stores.objects.bucket, object_name=k, file_path=str(p)
            )
        )
        versions[key] = result.version_id
        total += path.stat().st_size
    documents = DocumentRepository(stores.db)
    retention = make_retention_service(stores)
    async for raw in stores.db.documents.find({}):
        f = raw["file"]
        await stores.db.documents.update_one(
            {"_id": raw["_id"]},
            {
                "$set": {
                    "file.object_version": versions.get(f["object_key"]),
                    "file.thumbnail_version": versions.get(f["thumbnail_key"]),
                }
            },
        )
        document = await documents.get(raw["school_id"], raw["_id"])
        case = await retention.case(raw["school_id"], raw["case_id"]) if raw.get("case_id") else None
        if document is not None and case is not None:
            await retention.protect(document, case, today=today)
    return BackupReport(records, len(files), total)
