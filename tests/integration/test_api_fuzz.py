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

from service.embedded import free_port, service_env, staff_headers, start_service
from service.settings import Settings
from tests.conftest import TEST_ACCOUNTS, StoreEndpoints, _drop_bucket


@pytest.fixture(scope="module")
def server_url(
    endpoints: StoreEndpoints, mongo: MongoClient, s3: Minio
) -> Iterator[tuple[str, dict[str, str]]]:
    tag = uuid.uuid4().hex[:10]
    db, bucket, port = f"fuzz_{tag}", f"fuzz-{tag}", free_port()
    env = {
        "MONGODB_URI": endpoints.mongodb_uri,
        "MONGODB_DB": db,
        "S3_ENDPOINT": endpoints.s3_endpoint,
        "S3_ACCESS_KEY": endpoints.s3_access_key,
        "S3_SECRET_KEY": endpoints.s3_secret_key,
        "S3_BUCKET": bucket,
        "SIGN_IN_PER_MINUTE": "1000",
    }
    settings = Settings(**TEST_ACCOUNTS)
    env |= {k: v for k, v in service_env(settings).items() if k.startswith(("BOOTSTRAP", "ARGON2"))}
    server = start_service(env, port=port)
    url = f"http://127.0.0.1:{port}"
    try:
        # Some real data, so that not every generated id is a 404.
        staff = staff_headers(url, settings)
        pupil = httpx.post(
            f"{url}/api/v1/students", json={"full_name": "Фаззинг Тест", "class_name": "6А"}, headers=staff
        ).json()
        httpx.post(
            f"{url}/api/v1/students/{pupil['id']}/documents",
            files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF", "application/pdf")},
            data={"kind": "creative_work", "title": "Работа", "category": "creative"},
            headers=staff,
        )
        tokens = {"staff": staff["Authorization"]}
        for login, roles, links in (
            ("teacher", ["teacher"], {"class_names": ["6А"]}),
            ("parent", ["parent"], {"student_ids": [pupil["id"]]}),
        ):
            made = httpx.post(
                f"{url}/api/v1/users",
                json={"login": login, "password": "fuzz-password-1", "roles": roles, **links},
                headers=staff,
            )
            assert made.status_code == 201, made.text
            signed = httpx.post(
                f"{url}/api/v1/auth/tokens", json={"login": login, "password": "fuzz-password-1"}
            )
            tokens[login] = f"Bearer {signed.json()['token']}"
        yield url, tokens
    finally:
        server.terminate()
        server.wait(timeout=30)
        mongo.drop_database(db)
        _drop_bucket(s3, bucket)


@pytest.mark.parametrize(("who", "examples"), [("staff", 25), ("teacher", 8), ("parent", 8)])
def test_no_input_gives_a_server_error(
    server_url: tuple[str, dict[str, str]], who: str, examples: int
) -> None:
    # The CLI runs every phase (examples, coverage, fuzzing, stateful) over every operation, signed
    # in as each kind of user (sign-out is left out: it would end the session mid-run).
    url, tokens = server_url
    cli = Path(sys.executable).parent / "schemathesis"
    run = subprocess.run(
        [
            str(cli),
            "run",
            f"{url}/schema/openapi.json",
            "--header",
            f"Authorization: {tokens[who]}",
            "--exclude-operation-id",
            "signOut",
            "--max-examples",
            str(examples),
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
    # The failures section names each operation and how to reproduce it; the tail has the totals.
    failures = run.stdout.partition("FAILURES")[2].partition("SUMMARY")[0]
    assert run.returncode == 0, failures[:12000] or run.stdout[-4000:]
