"""Test fixtures: real servers, never mocks.

The session starts its own SecantusDB and SeaweedFS on free loopback ports, unless
``MONGODB_URI`` and ``S3_ENDPOINT`` (with ``S3_ACCESS_KEY`` / ``S3_SECRET_KEY``) name servers to
use. Every test gets its own database and bucket, removed afterwards.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from minio import Minio
from minio.deleteobjects import DeleteObject
from pymongo import MongoClient

from service.app import create_app
from service.embedded import EmbeddedStores, S3Ports, free_port, service_env
from service.settings import Settings
from service.storage.objects import make_minio_client

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
if os.environ.get("ARCHIVE_CORPUS"):
    CORPUS = Path(os.environ["ARCHIVE_CORPUS"])


def corpus_rows() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"test corpus not available ({CORPUS})")
    return path


@dataclass(frozen=True)
class StoreEndpoints:
    mongodb_uri: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str


@pytest.fixture(scope="session")
def endpoints() -> Iterator[StoreEndpoints]:
    if os.environ.get("MONGODB_URI") and os.environ.get("S3_ENDPOINT"):
        yield StoreEndpoints(
            os.environ["MONGODB_URI"],
            os.environ["S3_ENDPOINT"],
            os.environ.get("S3_ACCESS_KEY", ""),
            os.environ.get("S3_SECRET_KEY", ""),
        )
        return
    with tempfile.TemporaryDirectory(prefix="archive-test-stores-") as tmp:
        stores = EmbeddedStores(
            data_dir=Path(tmp), mongo_port=free_port(), s3_ports=S3Ports.free(), test_commands=True
        )
        stores.start()
        try:
            yield StoreEndpoints(stores.mongodb_uri, stores.s3_endpoint, stores.access_key, stores.secret_key)
        finally:
            stores.stop()


@pytest.fixture(scope="session")
def mongo(endpoints: StoreEndpoints) -> Iterator[MongoClient]:
    # A synchronous client of the test's own: the app's async client lives on another loop.
    client: MongoClient = MongoClient(endpoints.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    yield client
    client.close()


@pytest.fixture(scope="session")
def s3(endpoints: StoreEndpoints) -> Minio:
    return make_minio_client(
        endpoints.s3_endpoint, endpoints.s3_access_key, endpoints.s3_secret_key, "us-east-1"
    )


def _drop_bucket(s3: Minio, bucket: str) -> None:
    """Remove a test bucket even when its objects are locked (governance bypass, holds lifted)."""
    if not s3.bucket_exists(bucket_name=bucket):
        return
    versions = list(s3.list_objects(bucket_name=bucket, recursive=True, include_version=True))
    for obj in versions:
        if not obj.is_delete_marker:
            try:
                s3.disable_object_legal_hold(
                    bucket_name=bucket, object_name=obj.object_name or "", version_id=obj.version_id
                )
            except Exception:  # noqa: BLE001 - not every object has a hold
                pass
    if versions:
        errors = list(
            s3.remove_objects(
                bucket_name=bucket,
                delete_object_list=[DeleteObject(o.object_name or "", o.version_id) for o in versions],
                bypass_governance_mode=True,
            )
        )
        assert not errors, errors
    s3.remove_bucket(bucket_name=bucket)


ADMIN_LOGIN = "root-admin"
ADMIN_PASSWORD = "test-admin-password"  # test-only bootstrap account
TEST_ACCOUNTS: dict = {
    "bootstrap_admin_login": ADMIN_LOGIN,
    "bootstrap_admin_password": ADMIN_PASSWORD,
    # Cheap password hashing for tests only; the production profile is argon2-cffi's default.
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
}


@pytest.fixture
def settings(endpoints: StoreEndpoints, mongo: MongoClient, s3: Minio) -> Iterator[Settings]:
    tag = uuid.uuid4().hex[:12]
    value = Settings(
        mongodb_uri=endpoints.mongodb_uri,
        mongodb_db=f"test_{tag}",
        s3_endpoint=endpoints.s3_endpoint,
        s3_access_key=endpoints.s3_access_key,
        s3_secret_key=endpoints.s3_secret_key,
        s3_bucket=f"test-{tag}",
        school_id="test-school",
        school_name="Тестовая гимназия № 0",
        **TEST_ACCOUNTS,
    )
    yield value
    mongo.drop_database(value.mongodb_db)
    _drop_bucket(s3, value.s3_bucket)


ADMIN_LOGIN = "root-admin"
ADMIN_PASSWORD = "test-admin-password"
STAFF_ROLES = ["admin", "deputy", "archivist", "director"]
PASSWORD = "test-password-1"


def token_for(client: TestClient, login: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/tokens", json={"login": login, "password": password})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_user(client: TestClient, login: str, roles: list[str], **links: object) -> dict[str, str]:
    """Create an account through the admin API; return the headers that act as it."""
    admin = bearer(token_for(client, ADMIN_LOGIN, ADMIN_PASSWORD))
    body = {"login": login, "password": PASSWORD, "roles": roles, **links}
    response = client.post("/api/v1/users", json=body, headers=admin)
    # 409: a second app over the same stores, the account is already there.
    assert response.status_code in (201, 409), response.text
    return bearer(token_for(client, login))


def signed_in(test_client: TestClient) -> TestClient:
    """Make the client act as a member of staff holding the school-wide roles (deputy, archivist,
    director, admin), as a small school's deputy director often does."""
    test_client.headers.update(make_user(test_client, "staff", STAFF_ROLES))
    return test_client


@contextmanager
def staff_client(app: Litestar) -> Iterator[TestClient]:
    """A test client of ``app``, signed in as school-wide staff."""
    with TestClient(app) as test_client:
        yield signed_in(test_client)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sweep_at_start=False)) as test_client:
        yield signed_in(test_client)


@pytest.fixture
def anonymous_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sweep_at_start=False)) as test_client:
        yield test_client


@pytest.fixture
def make_settings(settings: Settings):  # type: ignore[no-untyped-def]
    """Variants of the test's settings (same database and bucket)."""

    def make(**changes: object) -> Settings:
        return replace(settings, **changes)  # type: ignore[arg-type]

    return make


@dataclass
class Counts:
    documents: int
    objects: int


def count_stored(settings: Settings, mongo: MongoClient, s3: Minio) -> Counts:
    documents = mongo[settings.mongodb_db].documents.count_documents({})
    objects = sum(1 for _ in s3.list_objects(bucket_name=settings.s3_bucket, recursive=True))
    return Counts(documents, objects)


def create_student(
    client: TestClient, full_name: str = "Образцова Мария Петровна", class_name: str = "7Б", **extra: str
) -> dict:
    response = client.post(
        "/api/v1/students", json={"full_name": full_name, "class_name": class_name, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


DEFAULT_FIELDS = {"kind": "diploma", "title": "Диплом победителя", "category": "olympiad_contest"}


def upload(client: TestClient, student_id: str, content: bytes, filename: str = "скан.jpg", **fields: str):  # type: ignore[no-untyped-def]
    data = {**DEFAULT_FIELDS, **fields}
    return client.post(
        f"/api/v1/students/{student_id}/documents",
        files={"file": (filename, content, "application/octet-stream")},
        data=data,
    )


def run_cli(settings: Settings, *args: str, module: str = "service") -> subprocess.CompletedProcess[str]:
    """Run `python -m service ...` (or another module) against the test's stores."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **service_env(settings), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


class Clock:
    """Today's date as the service sees it; tests move it."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2020, 3, 2))


@pytest.fixture
def app_client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """A client of an app whose calendar is ``clock``."""
    with TestClient(create_app(settings, sweep_at_start=False, clock=clock)) as test_client:
        yield signed_in(test_client)
