"""Schemathesis against the OpenAPI schema of a real server process: no input gives a 5xx."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from minio import Minio
from pymongo import MongoClient

from service.embedded import free_port, start_service
from tests.conftest import StoreEndpoints, _drop_bucket


@pytest.fixture
def server_url(endpoints: StoreEndpoints, mongo: MongoClient, s3: Minio) -> Iterator[str]:
    tag = uuid.uuid4().hex[:10]
    db, bucket, port = f"fuzz_{tag}", f"fuzz-{tag}", free_port()
    env = {
        "MONGODB_URI": endpoints.mongodb_uri,
        "MONGODB_DB": db,
        "S3_ENDPOINT": endpoints.s3_endpoint,
        "S3_ACCESS_KEY": endpoints.s3_access_key,
        "S3_SECRET_KEY": endpoints.s3_secret_key,
        "S3_BUCKET": bucket,
    }
    server = start_service(env, port=port)
    url = f"http://127.0.0.1:{port}"
    try:
        # Some real data, so that not every generated id is a 404.
        pupil = httpx.post(
            f"{url}/api/v1/students", json={"full_name": "Фаззинг Тест", "class_name": "6А"}
        ).json()
        httpx.post(
            f"{url}/api/v1/students/{pupil['id']}/documents",
            files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF", "application/pdf")},
            data={"kind": "creative_work", "title": "Работа", "category": "creative"},
        )
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        mongo.drop_database(db)
        _drop_bucket(s3, bucket)


def test_no_input_gives_a_server_error(server_url: str) -> None:
    # The CLI runs every phase (examples, coverage, fuzzing, stateful) over every operation.
    cli = Path(sys.executable).parent / "schemathesis"
    run = subprocess.run(
        [
            str(cli),
            "run",
            f"{server_url}/schema/openapi.json",
            "--max-examples",
            "25",
            "--checks",
            "not_a_server_error",
            "--seed",
            "20261203",
            "--no-color",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:]
