"""Errors on the web pages: the same Russian messages as the API's problems, as an HTML page.

A page that needs a signed-in user sends an anonymous visitor to the sign-in page instead. The
500 page says nothing about internals (its text is the API's ``MSG_INTERNAL``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect

from service.ui.rendering import page

API_PREFIXES = ("/api/", "/health", "/schema", "/swagger", "/static/")
# Where the API's title by status would mislead on a page.
TITLES_BY_CODE = {"csrf_failed": "Форма устарела"}


def wants_page(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith("/ui/") or path == "/ui":
        return True
    if path.startswith(API_PREFIXES):
        return False
    return "text/html" in (request.headers.get("accept") or "")


def for_pages(handler: Callable[[Request[Any, Any, Any], Any], Response[Any]]) -> Callable[..., Any]:
    """Wrap an API problem handler: pages get the same status and message as HTML."""

    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        problem = handler(request, exc)
        if not wants_page(request):
            return problem
        body = problem.content if isinstance(problem.content, dict) else {}
        status = problem.status_code
        if status == 401:
            target = request.url.path if request.method == "GET" else "/ui/"
            return Redirect(path=f"/ui/sign-in?next={quote(target, safe='/')}", status_code=303)
        response = page(
            request,
            "error.html",
            status,
            title=TITLES_BY_CODE.get(body.get("code", ""), body.get("title", "Ошибка")),
            detail=body.get("detail", ""),
        )
        if "Retry-After" in problem.headers:  # the rate limit's wait, for the page too
            response.headers["Retry-After"] = problem.headers["Retry-After"]
        return response

    return handle
