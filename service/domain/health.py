"""Store checks for /health: each answers "ok" or "unavailable" within a few seconds."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from service.lifespan import Stores

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 4.0


async def check_stores(stores: Stores) -> tuple[str, str]:
    results = {"mongodb": "unavailable", "s3": "unavailable"}

    async def mongo() -> None:
        with anyio.move_on_after(TIMEOUT_SECONDS):
            try:
                await stores.mongo.admin.command("ping")
                results["mongodb"] = "ok"
            except Exception:  # noqa: BLE001 - any failure means "unavailable"
                log.warning("MongoDB health check failed")

    async def s3() -> None:
        with anyio.move_on_after(TIMEOUT_SECONDS):
            try:
                await stores.objects.ping()
                results["s3"] = "ok"
            except Exception:  # noqa: BLE001
                log.warning("S3 health check failed")

    async with anyio.create_task_group() as tg:
        tg.start_soon(mongo)
        tg.start_soon(s3)
    return results["mongodb"], results["s3"]
