"""Security headers on every response, errors and streams included (a before-send hook sees
every response start).

The web pages load only their own stylesheet, script, thumbnails and documents (no inline
script or style). The interactive API docs load their scripts from a CDN, so they get a CSP that
allows exactly that. PDFs may be shown in a frame of our own pages (the document preview), and
Chromium's viewer needs ``object-src``; everything else gets `default-src 'none'`. A stricter
route-specific policy (attachments: `sandbox`) is kept as it is.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'"
)

UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
DOCS_PATHS = ("/schema", "/swagger")

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    content_type = headers.get("Content-Type") or ""
    is_pdf = content_type.startswith("application/pdf")
    if is_pdf and "X-Frame-Options" not in headers:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    for name, value in BASE_HEADERS.items():
        if name not in headers:
            headers[name] = value
    if "Content-Security-Policy" not in headers:
        if content_type.startswith("text/html"):
            # Pages name pupils: a shared school computer must not show them again from its
            # cache (the Back button after signing out).
            if "Cache-Control" not in headers:
                headers["Cache-Control"] = "no-store"
            docs = str(scope.get("path", "")).startswith(DOCS_PATHS)
            headers["Content-Security-Policy"] = DOCS_CSP if docs else UI_CSP
        else:
            headers["Content-Security-Policy"] = PDF_CSP if is_pdf else STRICT_CSP
