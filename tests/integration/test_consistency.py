"""Blob first, then metadata: a failure in between leaves nothing visible, and the sweep
removes what an interrupted upload left in S3."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from service.embedded import free_port
from service.jobs.sweep_orphans import sweep_orphans
from service.lifespan import open_stores
from service.settings import Settings
from service.storage.objects import make_minio_client
from tests.conftest import count_stored, create_student, staff_client, upload
from tests.helpers import jpeg_bytes


def _fail_next_inserts(mongo: MongoClient, times: int) -> None:
    try:
        mongo.admin.command(
            "configureFailPoint",
            "failCommand",
            mode={"times": times},
            data={"failCommands": ["insert"], "closeConnection": True},
        )
    except OperationFailure:
        pytest.skip("this MongoDB server does not allow configureFailPoint")


def test_metadata_failure_after_the_object_was_written_leaves_nothing(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    student = create_student(client)
    before = count_stored(settings, mongo, s3)
    _fail_next_inserts(mongo, times=2)  # the first try and the driver's retry
    response = upload(client, student["id"], jpeg_bytes())
    assert response.status_code == 503
    assert "Ничего не сохранено" in response.json()["detail"]
    assert count_stored(settings, mongo, s3) == before
    assert client.get(f"/api/v1/students/{student['id']}/documents").json() == []
    # Once the database is back the same upload goes through.
    assert upload(client, student["id"], jpeg_bytes()).status_code == 201


def _put_orphan(s3: Minio, settings: Settings, document_id: str) -> str:
    key = f"schools/{settings.school_id}/documents/{document_id}/original"
    s3.put_object(bucket_name=settings.s3_bucket, object_name=key, data=io.BytesIO(b"half"), length=4)
    return key


def test_sweep_removes_only_old_unreferenced_objects(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    student = create_student(client)
    kept = upload(client, student["id"], jpeg_bytes()).json()
    orphan = _put_orphan(s3, settings, "0f0f0f0f-dead-4bad-8bad-000000000001")
    foreign = "exports/readme.txt"  # not a document key: never touched
    s3.put_object(bucket_name=settings.s3_bucket, object_name=foreign, data=io.BytesIO(b"x"), length=1)

    async def sweep(now: datetime):  # type: ignore[no-untyped-def]
        stores = await open_stores(settings)
        try:
            return await sweep_orphans(settings=settings, stores=stores, now=now)
        finally:
            await stores.close()

    young = anyio.run(sweep, datetime.now(UTC))
    assert young.removed == 0 and young.too_young == 1
    keys = {o.object_name for o in s3.list_objects(bucket_name=settings.s3_bucket, recursive=True)}
    assert orphan in keys

    later = anyio.run(sweep, datetime.now(UTC) + timedelta(hours=2))
    assert later.removed == 1
    keys = {o.object_name for o in s3.list_objects(bucket_name=settings.s3_bucket, recursive=True)}
    assert orphan not in keys and foreign in keys
    assert client.get(f"/api/v1/documents/{kept['id']}/content").status_code == 200
    assert anyio.run(sweep, datetime.now(UTC) + timedelta(hours=2)).removed == 0  # idempotent


def test_sweep_runs_at_start(settings: Settings, s3: Minio) -> None:
    from service.app import create_app

    s3.make_bucket(bucket_name=settings.s3_bucket, object_lock=True)
    orphan = _put_orphan(s3, settings, "0f0f0f0f-dead-4bad-8bad-000000000002")
    with staff_client(create_app(replace(settings, orphan_grace_seconds=0))) as client:
        for _ in range(50):
            keys = {o.object_name for o in s3.list_objects(bucket_name=settings.s3_bucket, recursive=True)}
            if orphan not in keys:
                break
            anyio.run(anyio.sleep, 0.1)
        assert orphan not in keys
        assert client.get("/health").status_code == 200


def test_s3_outage_during_upload_is_503_and_writes_nothing(
    settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    from service.app import create_app

    with staff_client(create_app(settings, sweep_at_start=False)) as client:
        student = create_student(client)
        objects = client.app.state.stores.objects
        working = objects._client
        # The S3 server goes away: the service's client now reaches a port where nothing listens.
        objects._client = make_minio_client(f"http://127.0.0.1:{free_port()}", "k", "s", "us-east-1")
        response = upload(client, student["id"], jpeg_bytes())
        assert response.status_code == 503
        assert "Хранилище файлов" in response.json()["detail"]
        assert mongo[settings.mongodb_db].documents.count_documents({}) == 0
        assert client.get("/health").json()["s3"] == "unavailable"
        objects._client = working
        assert client.get("/health").status_code == 200
        assert upload(client, student["id"], jpeg_bytes()).status_code == 201
