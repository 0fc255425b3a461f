"""The S3 server really stops during service: 503 with a clear message, nothing half-written,
and everything works again when it is back, without restarting the service."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

from service.app import create_app
from service.embedded import EmbeddedStores, S3Ports, free_port
from service.settings import Settings
from tests.conftest import TEST_ACCOUNTS, create_student, staff_client, upload
from tests.helpers import jpeg_bytes


@pytest.fixture
def own_stores() -> Iterator[EmbeddedStores]:
    # A private pair of servers: this test stops one of them.
    with tempfile.TemporaryDirectory(prefix="archive-outage-") as tmp:
        stores = EmbeddedStores(data_dir=Path(tmp), mongo_port=free_port(), s3_ports=S3Ports.free())
        stores.start()
        try:
            yield stores
        finally:
            stores.stop()


def test_s3_stopping_and_coming_back(own_stores: EmbeddedStores) -> None:
    settings = Settings(
        mongodb_uri=own_stores.mongodb_uri,
        mongodb_db=f"outage_{uuid.uuid4().hex[:8]}",
        s3_endpoint=own_stores.s3_endpoint,
        s3_access_key=own_stores.access_key,
        s3_secret_key=own_stores.secret_key,
        s3_bucket="outage-bucket",
        school_id="test-school",
        **TEST_ACCOUNTS,
    )
    with staff_client(create_app(settings, sweep_at_start=False)) as client:
        pupil = create_student(client)
        before = upload(client, pupil["id"], jpeg_bytes()).json()

        own_stores.stop_s3()
        health = client.get("/health")
        assert (
            health.status_code == 503
            and health.json()["s3"] == "unavailable"
            and health.json()["mongodb"] == "ok"
        )
        refused = upload(client, pupil["id"], jpeg_bytes(color="gray"))
        assert refused.status_code == 503
        assert "Ничего не сохранено" in refused.json()["detail"]
        assert client.get(f"/api/v1/documents/{before['id']}/content").status_code == 503
        with MongoClient(settings.mongodb_uri) as mongo:
            assert mongo[settings.mongodb_db].documents.count_documents({}) == 1

        own_stores.start_s3()
        assert client.get("/health").status_code == 200
        again = upload(client, pupil["id"], jpeg_bytes(color="gray"))
        assert again.status_code == 201
        assert client.get(f"/api/v1/documents/{before['id']}/content").status_code == 200
