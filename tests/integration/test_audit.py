"""The integrity audit reports corruption, loss and leftovers; a corrupted original is not served."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import anyio
import pytest
from litestar.exceptions import LitestarException
from litestar.testing import TestClient
from minio import Minio

from service.errors import IntegrityError
from service.jobs.audit import audit_archive
from service.lifespan import open_stores
from service.settings import Settings
from tests.conftest import create_student, run_cli, staff_client, upload
from tests.helpers import jpeg_bytes, png_bytes


def _audit(settings: Settings, *, hours_later: float = 0):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        stores = await open_stores(settings)
        try:
            return await audit_archive(
                settings=settings,
                stores=stores,
                today=date.today(),
                now=datetime.now(UTC) + timedelta(hours=hours_later),
            )
        finally:
            await stores.close()

    return anyio.run(run)


def _causes(exc: BaseException) -> list[BaseException]:
    """Every exception behind this one (Litestar wraps errors raised mid-stream, sometimes twice)."""
    found, todo = [], [exc]
    while todo:
        e = todo.pop()
        found.append(e)
        todo += [c for c in (e.__cause__, e.__context__) if c is not None and c not in found]
        if isinstance(e, BaseExceptionGroup):
            todo += list(e.exceptions)
    return found


def test_audit_reports_corrupted_missing_and_orphaned_objects(
    client: TestClient, settings: Settings, s3: Minio
) -> None:
    pupil = create_student(client)
    intact = upload(client, pupil["id"], jpeg_bytes()).json()
    corrupted = upload(client, pupil["id"], png_bytes()).json()
    lost = upload(client, pupil["id"], jpeg_bytes(color="gray")).json()
    clean = _audit(settings)
    assert clean.ok and clean.documents == 3 and clean.lock_mode == "governance", clean.lines()

    prefix = f"schools/{settings.school_id}/documents"
    # Someone writes over one object (a new version: Object Lock keeps the old one, reads see the new)
    # and deletes another (a delete marker hides it), straight in S3.
    bad = b"not the original bytes"
    s3.put_object(
        bucket_name=settings.s3_bucket,
        object_name=f"{prefix}/{corrupted['id']}/original",
        data=io.BytesIO(bad),
        length=len(bad),
    )
    s3.remove_object(bucket_name=settings.s3_bucket, object_name=f"{prefix}/{lost['id']}/original")
    orphan = f"{prefix}/0f0f0f0f-0000-4000-8000-00000000beef/original"
    s3.put_object(bucket_name=settings.s3_bucket, object_name=orphan, data=io.BytesIO(b"x"), length=1)

    report = _audit(settings, hours_later=2)
    assert report.checksum_mismatches == [corrupted["id"]]
    assert report.missing_objects == [lost["id"]]
    assert report.orphan_objects == [orphan]
    assert not report.ok
    assert intact["id"] not in report.checksum_mismatches + report.missing_objects

    # The corrupted original is never delivered as if it were complete.
    with pytest.raises(LitestarException) as caught:  # the transfer is aborted after the headers
        client.get(f"/api/v1/documents/{corrupted['id']}/content")
    assert any(isinstance(c, IntegrityError) for c in _causes(caught.value))
    assert client.get(f"/api/v1/documents/{intact['id']}/content").status_code == 200

    cli = run_cli(settings, "audit")
    assert cli.returncode == 1
    assert (
        f"checksum mismatch: {corrupted['id']}" in cli.stdout
        and f"missing object: {lost['id']}" in cli.stdout
    )


def test_the_service_audits_itself_on_a_schedule(settings: Settings, s3: Minio) -> None:
    from dataclasses import replace

    from service.app import create_app

    scheduled = replace(settings, audit_interval_seconds=1)
    with staff_client(create_app(scheduled)) as client:
        pupil = create_student(client)
        doc = upload(client, pupil["id"], jpeg_bytes()).json()
        key = f"schools/{settings.school_id}/documents/{doc['id']}/original"
        s3.put_object(bucket_name=settings.s3_bucket, object_name=key, data=io.BytesIO(b"rot"), length=3)
        stores = client.app.state.stores
        for _ in range(80):
            if stores.last_audit is not None and doc["id"] in stores.last_audit.checksum_mismatches:
                break
            anyio.run(anyio.sleep, 0.1)
        assert doc["id"] in stores.last_audit.checksum_mismatches
