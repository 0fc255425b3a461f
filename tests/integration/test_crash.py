"""The service process is killed outright (SIGKILL) in the middle of a bulk upload: after a
restart every acknowledged upload is present and intact, and nothing half-written is visible."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import anyio
import httpx
from minio import Minio
from pymongo import MongoClient

from service.embedded import free_port, service_env, staff_headers, start_service
from service.jobs.sweep_orphans import sweep_orphans
from service.lifespan import open_stores
from service.settings import Settings
from tests.conftest import TEST_ACCOUNTS, StoreEndpoints, _drop_bucket
from tests.helpers import jpeg_bytes


def _start(env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    return start_service(env, port=int(url.rsplit(":", 1)[1]))


def test_kill_during_bulk_upload(endpoints: StoreEndpoints, mongo: MongoClient, s3: Minio) -> None:
    tag = uuid.uuid4().hex[:10]
    settings = Settings(
        mongodb_uri=endpoints.mongodb_uri,
        mongodb_db=f"crash_{tag}",
        s3_endpoint=endpoints.s3_endpoint,
        s3_access_key=endpoints.s3_access_key,
        s3_secret_key=endpoints.s3_secret_key,
        s3_bucket=f"crash-{tag}",
        school_id="test-school",
        **TEST_ACCOUNTS,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = service_env(settings)
    server = _start(env, url)
    acknowledged: dict[str, str] = {}
    try:
        headers = staff_headers(url, settings)
        pupil = httpx.post(
            f"{url}/api/v1/students", json={"full_name": "Сбоев Тест", "class_name": "9А"}, headers=headers
        ).json()

        def uploader(worker: int) -> None:
            with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
                for n in range(200):
                    body = jpeg_bytes((600 + worker, 800 + n), color=(n * 7 % 255, worker * 40, 90))
                    try:
                        r = http.post(
                            f"/api/v1/students/{pupil['id']}/documents",
                            files={"file": (f"{worker}-{n}.jpg", body, "image/jpeg")},
                            data={"kind": "gramota", "title": f"Грамота {worker}-{n}", "category": "sport"},
                        )
                    except httpx.HTTPError:
                        return  # the server is gone
                    if r.status_code == 201:
                        acknowledged[r.json()["id"]] = hashlib.sha256(body).hexdigest()

        threads = [threading.Thread(target=uploader, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(3)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        for t in threads:
            t.join(timeout=60)
        assert acknowledged, "no upload finished before the kill"

        server = _start(env, url)
        with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
            listed = {d["id"] for d in http.get(f"/api/v1/students/{pupil['id']}/documents").json()}
            assert set(acknowledged) <= listed
            for doc_id, sha in acknowledged.items():
                body = http.get(f"/api/v1/documents/{doc_id}/content")
                assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == sha
            # Every visible document has its objects: nothing half-written is visible.
            for doc_id in listed:
                assert http.get(f"/api/v1/documents/{doc_id}/thumbnail").status_code == 200

        async def sweep():  # type: ignore[no-untyped-def]
            stores = await open_stores(settings)
            try:
                return await sweep_orphans(
                    settings=settings, stores=stores, now=datetime.now(UTC) + timedelta(hours=2)
                )
            finally:
                await stores.close()

        anyio.run(sweep)
        keys = {o.object_name for o in s3.list_objects(bucket_name=settings.s3_bucket, recursive=True)}
        assert len(keys) == 2 * len(listed)  # original + thumbnail per document, no leftovers
    finally:
        server.terminate()
        server.wait(timeout=30)
        mongo.drop_database(settings.mongodb_db)
        _drop_bucket(s3, settings.s3_bucket)
