"""Export to a BagIt bag and restore into empty stores: everything comes back."""

from __future__ import annotations

import hashlib
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.app import create_app
from service.settings import Settings
from tests.conftest import _drop_bucket, create_student, run_cli, staff_client, upload
from tests.helpers import jpeg_bytes, png_bytes


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, *args)


@pytest.fixture
def second_store(settings: Settings, mongo: MongoClient, s3: Minio):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:12]
    other = replace(settings, mongodb_db=f"restore_{tag}", s3_bucket=f"restore-{tag}")
    yield other
    mongo.drop_database(other.mongodb_db)
    _drop_bucket(s3, other.s3_bucket)


def test_export_and_restore_round_trip(
    client: TestClient,
    settings: Settings,
    second_store: Settings,
    tmp_path: Path,
    mongo: MongoClient,
    s3: Minio,
) -> None:
    pupil = create_student(client)
    contents = {}
    for body in (jpeg_bytes(), png_bytes()):
        doc = upload(client, pupil["id"], body).json()
        contents[doc["id"]] = hashlib.sha256(body).hexdigest()
    hold = client.post(
        "/api/v1/retention/holds",
        json={
            "target_type": "student",
            "target_id": pupil["id"],
            "reason": "Проверка",
            "placed_by": "Директор",
        },
    )
    assert hold.status_code == 201
    mongo[settings.mongodb_db].tombstones.insert_one(
        {
            "_id": "gone-1",
            "school_id": settings.school_id,
            "student_id": pupil["id"],
            "case_id": "07-03/2019/x",
            "sha256": "0" * 64,
            "size": 1,
            "title": "Уничтоженный",
            "act_number": "2025-1",
            "state": "destroyed",
        }
    )

    client.post(
        f"/api/v1/students/{pupil['id']}/consents",
        json={"given_on": "01.09.2019", "given_by": "Образцов Пётр", "relation": "parent", "scope": "всё"},
    )
    bag = tmp_path / "bag"
    exported = _cli(settings, "export", str(bag))
    assert exported.returncode == 0, exported.stderr
    assert (bag / "bagit.txt").exists() and (bag / "manifest-sha256.txt").exists()
    assert _cli(settings, "export", str(bag)).returncode == 1  # never over an existing export

    restored = _cli(second_store, "import", str(bag))
    assert restored.returncode == 0, restored.stderr
    # Accounts (with their roles and hashes) and consents come back; sessions do not.
    restored_db = mongo[second_store.mongodb_db]
    assert {a["login"] for a in restored_db.accounts.find()} == {"root-admin", "staff"}
    assert restored_db.consents.count_documents({}) == 1 and restored_db.sessions.count_documents({}) == 0
    with staff_client(create_app(second_store, sweep_at_start=False)) as other:
        for doc_id, sha in contents.items():
            body = other.get(f"/api/v1/documents/{doc_id}/content")
            assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == sha
        assert other.get("/api/v1/retention/holds").json()[0]["reason"] == "Проверка"
        assert len(other.get("/api/v1/retention/cases").json()) == 1
        assert (
            other.get(f"/api/v1/students/{pupil['id']}/retention").json()["destroyed"][0]["document_id"]
            == "gone-1"
        )
    db = mongo[second_store.mongodb_db]
    # The restored log continues the exported chain: the reads above were appended after it.
    source_log = mongo[settings.mongodb_db].access_log.count_documents({})
    assert db.access_log.count_documents({}) == source_log + len(contents)
    for name in ("students", "documents", "cases", "holds", "tombstones", "nomenclatures"):
        assert db[name].count_documents({}) == mongo[settings.mongodb_db][name].count_documents({}), name
    verified = _cli(second_store, "verify-log")
    assert verified.returncode == 0 and "chain intact" in verified.stdout
    key = db.documents.find_one()["file"]
    # Locks and legal holds are applied again to the restored objects.
    assert s3.is_object_legal_hold_enabled(
        bucket_name=second_store.s3_bucket, object_name=key["object_key"], version_id=key["object_version"]
    )
    # Restoring twice, or from a tampered bag, is refused.
    assert _cli(second_store, "import", str(bag)).returncode == 1
    victim = next((bag / "data" / "objects").rglob("original"))
    victim.write_bytes(b"tampered")
    tampered = _cli(
        replace(second_store, mongodb_db="never_used_" + uuid.uuid4().hex[:6]), "import", str(bag)
    )
    assert tampered.returncode == 1 and "повреждена" in tampered.stderr
