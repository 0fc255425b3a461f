"""Clients live here: built, pinged and prepared at start, closed at exit. Never module globals."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from litestar import Litestar
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from service.settings import Settings
from service.storage.access_log import INDEXES as ACCESS_LOG_INDEXES
from service.storage.accounts import ACCOUNT_INDEXES, SESSION_INDEXES
from service.storage.applications import APPLICATION_INDEXES, CONSENT_INDEXES
from service.storage.imports import IMPORT_INDEXES
from service.storage.info_requests import INDEXES as INFO_REQUEST_INDEXES
from service.storage.mongo import ensure_indexes, make_mongo_client
from service.storage.objects import ObjectStore, make_minio_client
from service.storage.portfolio_jobs import PORTFOLIO_JOB_INDEXES
from service.storage.retention_repo import ensure_retention_indexes
from service.storage.rewards import REWARD_INDEXES
from service.storage.upload_sessions import UPLOAD_SESSION_INDEXES

log = logging.getLogger(__name__)


@dataclass
class Stores:
    mongo: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    objects: ObjectStore
    last_audit: Any = None  # the latest scheduled audit report
    jobs_waiting: anyio.Event | None = None  # set when a portfolio job is queued: wakes the worker

    async def close(self) -> None:
        await self.mongo.close()


async def open_stores(settings: Settings) -> Stores:
    """Connect to MongoDB and S3, create indexes and the bucket when missing.

    Raises whatever the drivers raise when a server is unreachable: the service must not start
    half-connected.
    """
    mongo = make_mongo_client(settings.mongodb_uri)
    try:
        db = mongo[settings.mongodb_db]
        await mongo.admin.command("ping")
        await ensure_indexes(db)
        await ensure_retention_indexes(db)
        await db.access_log.create_indexes(ACCESS_LOG_INDEXES)
        await db.upload_sessions.create_indexes(UPLOAD_SESSION_INDEXES)
        await db.info_requests.create_indexes(INFO_REQUEST_INDEXES)
        await db.accounts.create_indexes(ACCOUNT_INDEXES)
        await db.sessions.create_indexes(SESSION_INDEXES)
        await db.applications.create_indexes(APPLICATION_INDEXES)
        await db.consents.create_indexes(CONSENT_INDEXES)
        await db.portfolio_jobs.create_indexes(PORTFOLIO_JOB_INDEXES)
        await db.rewards.create_indexes(REWARD_INDEXES)
        await db.imports.create_indexes(IMPORT_INDEXES)
        minio = make_minio_client(
            settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_region
        )
        objects = ObjectStore(minio, settings.s3_bucket)
        await objects.ensure_bucket()
        mode = await objects.detect_lock_mode()
        log.info(
            "S3 Object Lock: %s",
            "GOVERNANCE retention and legal holds are applied"
            if mode == "governance"
            else "not available on this bucket; retention is enforced by the service only",
        )
    except BaseException:
        await mongo.close()
        raise
    return Stores(mongo=mongo, db=db, objects=objects)


def lifespan_for(settings: Settings, *, sweep_at_start: bool = True) -> Any:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        stores = await open_stores(settings)
        app.state.stores = stores
        await _bootstrap_admin(settings, stores)
        try:
            async with anyio.create_task_group() as tg:
                stores.jobs_waiting = anyio.Event()
                tg.start_soon(_run_portfolio_jobs, settings, stores)
                if sweep_at_start:
                    tg.start_soon(_sweep_quietly, settings, stores)
                    if settings.audit_interval_seconds > 0:
                        tg.start_soon(_audit_periodically, settings, stores)
                yield
                tg.cancel_scope.cancel()
        finally:
            await stores.close()

    return lifespan


async def _bootstrap_admin(settings: Settings, stores: Stores) -> None:
    """The first administrator, from BOOTSTRAP_ADMIN_LOGIN / _PASSWORD, when that login is new."""
    if not settings.bootstrap_admin_login:
        return
    from service.wiring import make_account_service  # wiring imports Stores from here

    created = await make_account_service(settings, stores).ensure_account(
        settings.school_id, settings.bootstrap_admin_login, settings.bootstrap_admin_password, ["admin"]
    )
    if created:
        log.info("bootstrap administrator account created")


async def _audit_periodically(settings: Settings, stores: Stores) -> None:
    """The scheduled integrity audit: reports (ids only) in the log; it never repairs."""
    from datetime import date

    from service.jobs.audit import audit_archive

    while True:
        await anyio.sleep(settings.audit_interval_seconds)
        try:
            report = await audit_archive(settings=settings, stores=stores, today=date.today())  # noqa: DTZ011
        except Exception:
            log.warning("scheduled audit could not run", exc_info=True)
            continue
        stores.last_audit = report
        if report.ok:
            log.info("scheduled audit: %d documents, no problems", report.documents)
        else:
            log.error("scheduled audit found problems:\n%s", "\n".join(report.lines()))


async def _run_portfolio_jobs(settings: Settings, stores: Stores) -> None:
    from service.jobs.portfolio_jobs import run_portfolio_jobs

    await run_portfolio_jobs(settings=settings, stores=stores)


async def _sweep_quietly(settings: Settings, stores: Stores) -> None:
    from service.jobs.sweep_orphans import sweep_orphans
    from service.jobs.temp_files import remove_stale_temp_files

    try:
        removed = await anyio.to_thread.run_sync(
            lambda: remove_stale_temp_files(older_than_seconds=settings.orphan_grace_seconds)
        )
        if removed:
            log.info("removed %d stale temporary files", removed)
        report = await sweep_orphans(settings=settings, stores=stores)
        log.info("orphan sweep at start: %s", report)
    except Exception:
        log.warning("orphan sweep at start failed", exc_info=True)
