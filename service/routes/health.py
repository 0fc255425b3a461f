"""Liveness of the service and its two stores."""

from __future__ import annotations

from typing import Any, ClassVar

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from service.domain.health import check_stores
from service.schemas import HealthRead


@get("/", operation_id="getIndex", summary="Что это за сервис", include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> dict[str, str] | Redirect:
    """A browser goes to the web pages; an API client learns where things are."""
    if "text/html" in (request.headers.get("accept") or ""):
        return Redirect(path="/ui/", status_code=303)
    return {
        "web": "/ui/",
        "service": "Архив документов и портфолио обучающихся",
        "api": "/api/v1",
        "documentation": "/schema",
        "health": "/health",
    }


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
