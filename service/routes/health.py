"""Liveness of the service and its two stores."""

from __future__ import annotations

from typing import ClassVar

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from service.domain.health import check_stores
from service.schemas import HealthRead


class HealthController(Controller):
    path = "/health"
    tags: ClassVar[list[str]] = ["health"]

    @get(operation_id="getHealth", summary="Проверка MongoDB и S3")
    async def health(self, state: State) -> Response[HealthRead]:
        """200 when MongoDB and S3 both answer, 503 naming the one that does not."""
        mongodb, s3 = await check_stores(state.stores)
        ok = mongodb == "ok" and s3 == "ok"
        body = HealthRead(status="ok" if ok else "unavailable", mongodb=mongodb, s3=s3)
        return Response(body, status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE)
