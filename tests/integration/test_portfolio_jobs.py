"""Portfolios are kept and reused until an input changes; large ones are assembled by a background
worker that survives being killed."""

from __future__ import annotations

import io
import signal
import time
import uuid

import httpx
import pypdf
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.app import create_app
from service.embedded import free_port, service_env, staff_headers, start_service
from service.settings import Settings
from tests.conftest import (
    create_student,
    make_user,
    staff_client,
    upload,
)
from tests.helpers import jpeg_bytes, png_bytes


def _portfolio_objects(s3: Minio, settings: Settings) -> list[str]:
    prefix = f"schools/{settings.school_id}/portfolios/"
    return sorted(
        o.object_name for o in s3.list_objects(bucket_name=settings.s3_bucket, prefix=prefix, recursive=True)
    )


def _pages(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def _wait_done(client: TestClient | httpx.Client, url: str, headers: dict[str, str] | None = None) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job not finished: {job}")


def test_a_portfolio_is_assembled_once_and_again_only_when_an_input_changes(
    client: TestClient, settings: Settings, s3: Minio
) -> None:
    pupil = create_student(client)
    upload(client, pupil["id"], jpeg_bytes())
    url = f"/api/v1/students/{pupil['id']}/portfolio.pdf"
    first = client.get(url)
    assert first.status_code == 200
    cached = _portfolio_objects(s3, settings)
    assert len(cached) == 1
    stamp = s3.stat_object(bucket_name=settings.s3_bucket, object_name=cached[0]).last_modified
    second = client.get(url)
    assert second.content == first.content  # served from the store, not assembled again
    assert s3.stat_object(bucket_name=settings.s3_bucket, object_name=cached[0]).last_modified == stamp

    upload(client, pupil["id"], png_bytes())
    third = client.get(url)
    assert _pages(third.content) == _pages(first.content) + 1
    now = _portfolio_objects(s3, settings)
    assert len(now) == 1 and now != cached  # the stale copy is gone
    # Other options are another portfolio, kept beside it.
    assert client.get(url, params={"verified_only": "true"}).status_code == 200
    assert len(_portfolio_objects(s3, settings)) == 2


def test_filters_choose_years_and_categories(client: TestClient) -> None:
    pupil = create_student(client)
    upload(client, pupil["id"], jpeg_bytes(), category="sport", academic_year="2024/2025")
    upload(client, pupil["id"], png_bytes(), category="olympiad_contest", academic_year="2025/2026")
    url = f"/api/v1/students/{pupil['id']}/portfolio.pdf"
    everything = _pages(client.get(url).content)
    sport = client.get(url, params={"category": "sport"})
    assert _pages(sport.content) == everything - 1
    one_year = client.get(url, params=[("academic_year", "2025/2026"), ("category", "olympiad_contest")])
    assert _pages(one_year.content) == everything - 1
    assert _pages(client.get(url, params={"academic_year": "2019/2020"}).content) == everything - 2
    wrong = client.get(url, params={"category": "cooking"})
    assert wrong.status_code == 422 and "категория" in wrong.json()["detail"]
    assert client.get(url, params={"academic_year": "2025-2026x"}).status_code == 422


def test_a_large_portfolio_is_a_background_job(make_settings, s3: Minio) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(portfolio_async_threshold=2)
    with staff_client(create_app(settings, sweep_at_start=False)) as client:
        pupil = create_student(client)
        for n in range(3):
            upload(client, pupil["id"], jpeg_bytes((100 + n, 140)))
        url = f"/api/v1/students/{pupil['id']}/portfolio.pdf"
        queued = client.get(url)
        assert queued.status_code == 202, queued.text
        job = queued.json()
        assert job["total"] == 3 and job["status"] in ("queued", "running", "done")
        again = client.get(url)  # asking again while it runs joins the same job
        assert again.status_code == 200 or again.json()["job_id"] == job["job_id"]
        done = _wait_done(client, job["status_url"])
        assert done["status"] == "done" and done["done"] == 3
        pdf = client.get(url)
        assert pdf.status_code == 200 and _pages(pdf.content) >= 5
        assert client.get(url).content == pdf.content
        assert len(_portfolio_objects(s3, settings)) == 1

        # The family follows its own child's job only.
        other = create_student(client, "Примеров Лев", "5А")
        parent = make_user(client, "parent-j", ["parent"], student_ids=[other["id"]])
        assert client.get(job["status_url"], headers=parent).status_code == 404
        assert client.get(f"/api/v1/portfolio-jobs/{uuid.uuid4()}").status_code == 404


def test_a_killed_worker_s_job_is_picked_up_after_a_restart(
    settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    env = {**service_env(settings), "PORTFOLIO_ASYNC_THRESHOLD": "5", "PORTFOLIO_LEASE_SECONDS": "2"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_service(env, port=port)
    jobs = mongo[settings.mongodb_db].portfolio_jobs
    try:
        headers = staff_headers(url, settings)
        with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
            pupil = http.post("/api/v1/students", json={"full_name": "Сбоев Тест", "class_name": "9А"}).json()
            for n in range(60):
                # PNG scans are decoded and re-encoded: slow enough for the kill to land mid-job.
                body = png_bytes((1400 + n, 1900))
                r = http.post(
                    f"/api/v1/students/{pupil['id']}/documents",
                    files={"file": (f"{n}.png", body, "image/png")},
                    data={"kind": "gramota", "title": f"Грамота {n}", "category": "sport"},
                )
                assert r.status_code == 201, r.text
            portfolio = f"/api/v1/students/{pupil['id']}/portfolio.pdf"
            job = http.get(portfolio).json()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                raw = jobs.find_one({"_id": job["job_id"]})
                if raw and raw.get("done", 0) > 0:
                    break
                time.sleep(0.01)
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
        raw = jobs.find_one({"_id": job["job_id"]})
        assert raw["status"] == "running" and 0 < raw["done"] < 60, raw

        server = start_service(env, port=port)
        with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
            done = _wait_done(http, job["status_url"])
            assert done["status"] == "done", done
            assert jobs.find_one({"_id": job["job_id"]})["attempts"] == 2
            pdf = http.get(portfolio)
            assert pdf.status_code == 200 and _pages(pdf.content) > 60  # cover, contents, 60 scans
            assert len(_portfolio_objects(s3, settings)) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
