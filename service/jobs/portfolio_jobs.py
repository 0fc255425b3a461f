"""The background worker that assembles large portfolios.

Each service process runs one worker. It takes the oldest queued job (or one whose worker died:
its lease ran out) with an atomic update, so two processes never run the same job at once;
while it assembles, it writes progress and renews the lease. A job that fails three times is
marked failed with a message for people.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import anyio

from service.errors import ArchiveError
from service.lifespan import Stores
from service.settings import Settings
from service.storage.mongo import utcnow
from service.storage.portfolio_jobs import PortfolioJobRepository
from service.wiring import make_portfolio_service

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often an idle worker looks for jobs queued by other processes
PROGRESS_SECONDS = 0.5
MAX_ATTEMPTS = 3
MSG_FAILED = "Не удалось сформировать портфолио. Попробуйте позже или обратитесь к администратору."


async def run_one_job(*, settings: Settings, stores: Stores, today: date) -> bool:
    """Claim and run one job; return False when there was none."""
    jobs = PortfolioJobRepository(stores.db)
    lease = timedelta(seconds=settings.portfolio_lease_seconds)
    now = utcnow()
    job = await jobs.claim_next(now=now, until=now + lease)
    if job is None:
        return False
    if job["attempts"] > MAX_ATTEMPTS:
        await jobs.finish(job["_id"], {"status": "failed", "error": MSG_FAILED, "lease_until": None})
        return True
    done = 0

    def progress(n: int) -> None:  # called from the assembling thread
        nonlocal done
        done = n

    async def report() -> None:
        while True:
            await anyio.sleep(PROGRESS_SECONDS)
            await jobs.progress(job["_id"], done=done, until=utcnow() + lease)

    service = make_portfolio_service(settings, stores)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(report)
            size = await service.run_job(job, today=today, progress=progress)
            tg.cancel_scope.cancel()
    except ArchiveError as exc:
        log.warning("portfolio job %s failed: %s", job["_id"], exc.code)
        # Back in the queue for another attempt (the attempts counter stops endless retries).
        await jobs.finish(job["_id"], {"status": "queued", "error": exc.message, "lease_until": None})
        return True
    await jobs.finish(
        job["_id"],
        {"status": "done", "done": job["total"], "size": size, "finished_at": utcnow(), "lease_until": None},
    )
    log.info("portfolio job %s done", job["_id"])
    return True


async def run_portfolio_jobs(*, settings: Settings, stores: Stores) -> None:
    """Run jobs for ever: woken when this process queues one, polling for the others."""
    while True:
        try:
            ran = await run_one_job(settings=settings, stores=stores, today=date.today())  # noqa: DTZ011
        except Exception:
            log.warning("portfolio worker: a store did not answer; trying again shortly", exc_info=True)
            ran = False
        if ran:
            continue
        waiting = stores.jobs_waiting
        with anyio.move_on_after(POLL_SECONDS):
            if waiting is not None:
                await waiting.wait()
        if waiting is not None and waiting.is_set():
            stores.jobs_waiting = anyio.Event()
