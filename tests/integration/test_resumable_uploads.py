"""Large files sent in parts: an interrupted upload resumes where it stopped, and the finished
file gets exactly the checks, checksum and all-or-nothing storage of a file sent at once."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

import anyio
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.domain.resumable import PART_SIZE
from service.jobs.sweep_orphans import sweep_orphans
from service.lifespan import open_stores
from service.settings import Settings
from tests.conftest import count_stored, create_student, make_user

WORK = {"kind": "creative_work", "title": "Выступление на концерте", "category": "creative"}


def _start(client: TestClient, pupil_id: str, body: bytes, **extra: object) -> dict:
    r = client.post(
        f"/api/v1/students/{pupil_id}/uploads",
        json={"filename": "выступление.mp4", "size": len(body), **WORK, **extra},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _part(body: bytes, n: int) -> bytes:
    return body[(n - 1) * PART_SIZE : n * PART_SIZE]


def _upload_keys(s3: Minio, settings: Settings) -> list[str]:
    prefix = f"schools/{settings.school_id}/uploads/"
    return [
        o.object_name for o in s3.list_objects(bucket_name=settings.s3_bucket, prefix=prefix, recursive=True)
    ]


def test_an_interrupted_upload_resumes_and_completes_with_the_same_checksum(
    client: TestClient, settings: Settings, s3: Minio
) -> None:
    pupil = create_student(client)
    body = os.urandom(2 * PART_SIZE + 12345)
    session = _start(client, pupil["id"], body, sha256=hashlib.sha256(body).hexdigest())
    assert session["part_count"] == 3 and session["next_part"] == 1
    url = f"/api/v1/uploads/{session['upload_id']}"
    assert client.put(f"{url}/parts/1", content=_part(body, 1)).status_code == 200
    # The connection drops here. Later (another page load) the client asks what is there.
    status = client.get(url).json()
    assert status["parts_received"] == [1] and status["next_part"] == 2
    assert status["bytes_received"] == PART_SIZE
    early = client.post(f"{url}/complete")
    assert early.status_code == 409 and "с части 2" in early.json()["detail"]
    for n in (2, 2, 3):  # part 2 sent twice (the answer to the first was lost): replaced, not doubled
        assert client.put(f"{url}/parts/{n}", content=_part(body, n)).status_code == 200
    done = client.post(f"{url}/complete")
    assert done.status_code == 201, done.text
    document = done.json()
    assert document["sha256"] == hashlib.sha256(body).hexdigest() and document["size"] == len(body)
    assert client.get(f"/api/v1/documents/{document['id']}/content").content == body
    # Nothing of the upload is left: no parts, no session.
    assert _upload_keys(s3, settings) == []
    assert client.get(url).status_code == 404


def test_parts_of_the_wrong_size_or_number_are_refused(client: TestClient) -> None:
    pupil = create_student(client)
    body = os.urandom(PART_SIZE + 10)
    url = f"/api/v1/uploads/{_start(client, pupil['id'], body)['upload_id']}"
    short = client.put(f"{url}/parts/1", content=b"x" * 100)
    assert short.status_code == 422 and "не целиком" in short.json()["detail"]
    long = client.put(f"{url}/parts/2", content=b"x" * 11)
    assert long.status_code == 422 and "больше" in long.json()["detail"]
    assert client.put(f"{url}/parts/3", content=b"x").status_code == 422
    assert client.get(url).json()["parts_received"] == []


def test_details_and_size_are_checked_before_any_byte_is_sent(client: TestClient, settings: Settings) -> None:
    pupil = create_student(client)
    r = client.post(
        f"/api/v1/students/{pupil['id']}/uploads",
        json={"filename": "x.mp4", "size": 10, **WORK, "category": "no-such"},
    )
    assert r.status_code == 422 and r.json()["field"] == "category"
    too_big = client.post(
        f"/api/v1/students/{pupil['id']}/uploads",
        json={"filename": "x.mp4", "size": settings.max_work_bytes + 1, **WORK},
    )
    assert too_big.status_code == 413


def test_a_refused_file_leaves_nothing_behind(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    pupil = create_student(client)
    before = count_stored(settings, mongo, s3)
    body = os.urandom(PART_SIZE + 99)  # not a scan, but filed as a diploma
    session = _start(client, pupil["id"], body, kind="diploma", category="olympiad_contest")
    url = f"/api/v1/uploads/{session['upload_id']}"
    for n in (1, 2):
        client.put(f"{url}/parts/{n}", content=_part(body, n))
    refused = client.post(f"{url}/complete")
    assert refused.status_code == 415, refused.text
    assert count_stored(settings, mongo, s3) == before
    assert _upload_keys(s3, settings) == [] and client.get(url).status_code == 404

    wrong_sum = _start(client, pupil["id"], body[:100], sha256="0" * 64)
    url = f"/api/v1/uploads/{wrong_sum['upload_id']}"
    client.put(f"{url}/parts/1", content=body[:100])
    assert client.post(f"{url}/complete").status_code == 422
    assert count_stored(settings, mongo, s3) == before


def test_an_upload_belongs_to_whoever_started_it(client: TestClient) -> None:
    pupil = create_student(client, class_name="7Б")
    session = _start(client, pupil["id"], b"x" * 10)
    teacher = make_user(client, "teacher", ["teacher"], class_names=["7Б"])
    url = f"/api/v1/uploads/{session['upload_id']}"
    assert client.get(url, headers=teacher).status_code == 404
    assert client.put(f"{url}/parts/1", content=b"x" * 10, headers=teacher).status_code == 404
    other_class = make_user(client, "other", ["teacher"], class_names=["9В"])
    assert (
        client.post(
            f"/api/v1/students/{pupil['id']}/uploads",
            json={"filename": "x.mp4", "size": 10, **WORK},
            headers=other_class,
        ).status_code
        == 404
    )
    parent = make_user(client, "parent", ["parent"], student_ids=[pupil["id"]])
    assert client.get(url, headers=parent).status_code == 403


def test_the_sweep_removes_uploads_never_completed(client: TestClient, settings: Settings, s3: Minio) -> None:
    pupil = create_student(client)
    session = _start(client, pupil["id"], b"y" * 20)
    client.put(f"/api/v1/uploads/{session['upload_id']}/parts/1", content=b"y" * 20)
    assert len(_upload_keys(s3, settings)) == 1

    async def sweep(now: datetime) -> int:
        stores = await open_stores(settings)
        try:
            return (await sweep_orphans(settings=settings, stores=stores, now=now)).stale_uploads
        finally:
            await stores.close()

    assert anyio.run(sweep, datetime.now(UTC)) == 0  # a fresh upload is kept
    later = datetime.now(UTC) + timedelta(hours=settings.upload_session_hours + 1)
    assert anyio.run(sweep, later) == 1
    assert _upload_keys(s3, settings) == []
    assert client.get(f"/api/v1/uploads/{session['upload_id']}").status_code == 404
