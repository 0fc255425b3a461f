"""Authentication and authorisation at the HTTP edge: one guard on every route.

The guard finds the caller (session cookie or ``Authorization: Bearer``), checks CSRF for
cookie-authenticated changes, and checks the operation against ``OPERATION_ROLES``. An operation
missing from that table is refused to everybody, so a new route cannot be left open by mistake.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig

from service.domain.accounts import AccountService
from service.domain.principal import Principal
from service.domain.roles import OPERATION_ROLES, PAGE_ROLES, PUBLIC_OPERATIONS
from service.errors import CsrfRejected, Forbidden, NotSignedIn
from service.settings import Settings
from service.wiring import make_account_service

SESSION_COOKIE = "archive_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"  # the same token, in a hidden field of the web pages' forms
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGN_IN_PATHS = frozenset({"/api/v1/auth/sign-in", "/api/v1/auth/tokens", "/ui/sign-in"})

MSG_FORBIDDEN = "Недостаточно прав для этого действия."
MSG_CSRF = "Запрос отклонён: нет защитного кода формы (CSRF). Обновите страницу и повторите."


def account_service_of(state: Any) -> AccountService:
    return make_account_service(state.settings, state.stores)


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotSignedIn("Неверный заголовок Authorization: ожидается «Bearer <токен>».")
    return value.strip()


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """Raises NotSignedIn when there is no valid session."""
    service = account_service_of(connection.app.state)
    token = _bearer(connection)
    if token is not None:
        return await service.authenticate(token, via_cookie=False)
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie:
        return await service.authenticate(cookie, via_cookie=True)
    raise NotSignedIn("Войдите в систему, чтобы продолжить.")


def _operation_of(handler: BaseRouteHandler) -> str | None:
    op = getattr(handler, "operation_id", None)
    return op if isinstance(op, str) else None


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard."""
    op = _operation_of(handler)
    if op in PUBLIC_OPERATIONS:
        return
    if op is None and connection.scope["path"].startswith(connection.app.openapi_config.path):  # type: ignore[union-attr]
        return  # the API description itself is public
    if op is None and handler.opt.get("public_asset"):
        return  # the web pages' stylesheet and script (``service.ui``), the same for everybody
    principal = await authenticate(connection)
    method = connection.scope.get("method", "GET")
    if principal.via_cookie and method not in SAFE_METHODS:
        sent = connection.headers.get(CSRF_HEADER)
        if sent is None and op in PAGE_ROLES:
            sent = await _form_csrf(connection)
        if not principal.csrf_token or not hmac.compare_digest(sent or "", principal.csrf_token):
            raise CsrfRejected(MSG_CSRF)
    allowed = OPERATION_ROLES.get(op or "") or PAGE_ROLES.get(op or "")
    if not allowed or not (principal.roles & allowed):
        raise Forbidden(MSG_FORBIDDEN)
    connection.state.principal = principal


async def _form_csrf(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token a web page's form sent without JavaScript. Litestar keeps the parsed form in the
    connection's state, so the handler reads the same form without parsing the body again."""
    form = await Request(connection.scope, connection.receive).form()
    value = form.get(CSRF_FORM_FIELD)
    return value if isinstance(value, str) else ""


def sign_in_rate_limit(settings: Settings) -> RateLimitConfig:
    """Per client address, on the sign-in endpoints only (the lockout protects each account)."""

    def only_sign_in(request: Any) -> bool:
        return request.method == "POST" and request.url.path in SIGN_IN_PATHS

    return RateLimitConfig(
        rate_limit=("minute", settings.sign_in_per_minute), check_throttle_handler=only_sign_in
    )
