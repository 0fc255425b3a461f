"""Every read and change of a pupil's documents is logged, append-only and tamper-evident."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
from litestar.testing import TestClient
from pymongo import MongoClient

from service.lifespan import open_stores
from service.settings import Settings
from service.storage import access_log as access_log_module
from service.storage.access_log import AccessLogRepository, verify_chain
from tests.conftest import create_student, run_cli, upload
from tests.helpers import jpeg_bytes


def _verify(settings: Settings) -> tuple[int, int | None]:
    async def run():  # type: ignore[no-untyped-def]
        stores = await open_stores(settings)
        try:
            return await verify_chain(AccessLogRepository(stores.db), settings.school_id)
        finally:
            await stores.close()

    return anyio.run(run)


def test_reads_and_changes_are_logged_in_an_intact_chain(
    client: TestClient, settings: Settings, mongo: MongoClient
) -> None:
    pupil = create_student(client)
    other = create_student(client, "Примеров Лев", "5А")
    doc = upload(client, pupil["id"], jpeg_bytes()).json()
    client.get(f"/api/v1/documents/{doc['id']}/content")
    client.get(f"/api/v1/documents/{doc['id']}/thumbnail")
    client.get(f"/api/v1/students/{pupil['id']}/portfolio.pdf")
    upload(client, other["id"], jpeg_bytes(color="gray"))
    # Parallel reads still make one unbroken chain.
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.get(f"/api/v1/documents/{doc['id']}/thumbnail"), range(16)))

    entries = client.get("/api/v1/access-log", params={"student_id": pupil["id"]}).json()
    actions = [e["action"] for e in entries]
    assert actions[:4] == ["upload", "read_content", "read_thumbnail", "read_portfolio"]
    assert actions.count("read_thumbnail") == 17
    assert all(e["student_id"] == pupil["id"] for e in entries)
    assert entries[0]["document_id"] == doc["id"] and entries[0]["role"] == "admin,archivist,deputy,director"
    assert entries[1]["action_ru"] == "просмотр/скачивание документа"
    csv_body = client.get("/api/v1/access-log", params={"format": "csv"}).content.decode("utf-8-sig")
    assert csv_body.splitlines()[0].startswith("№;Время (UTC);Кто;Роль")
    # 21 entries about pupils, and the creation of the test's staff account.
    assert len(csv_body.splitlines()) == 1 + 22
    # No personal data in the log: ids only.
    raw = mongo[settings.mongodb_db].access_log.find_one({"action": "upload"})
    assert "Образцова" not in str(raw) and ".jpg" not in str(raw)
    assert _verify(settings) == (22, None)


def test_an_edited_entry_breaks_the_chain_and_is_reported(
    client: TestClient, settings: Settings, mongo: MongoClient
) -> None:
    pupil = create_student(client)
    doc = upload(client, pupil["id"], jpeg_bytes()).json()
    for _ in range(4):
        client.get(f"/api/v1/documents/{doc['id']}/content")
    # Someone with database access rewrites history: entry 3 now claims another document.
    mongo[settings.mongodb_db].access_log.update_one(
        {"school_id": settings.school_id, "seq": 3}, {"$set": {"document_id": "someone-else"}}
    )
    assert _verify(settings) == (3, 3)
    cli = run_cli(settings, "verify-log")
    assert cli.returncode == 1 and "chain broken at entry 3" in cli.stdout
    # Deleting an entry is found as well.
    mongo[settings.mongodb_db].access_log.delete_one({"school_id": settings.school_id, "seq": 2})
    assert _verify(settings)[1] == 2


def test_the_repository_has_no_update_or_delete_path() -> None:
    source = open(access_log_module.__file__, encoding="utf-8").read()
    for forbidden in (
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_",
    ):
        assert forbidden not in source, forbidden
    public = {name for name in dir(AccessLogRepository) if not name.startswith("_")}
    assert public == {"append", "find", "chain", "schools"}
