"""The deputy's verification queue: oldest first, a large preview, verify or reject with a reason."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from service.domain.access_log import AccessLog
from service.domain.documents import DocumentService
from service.domain.principal import Principal
from service.domain.retention_service import RetentionService
from service.domain.students import StudentService
from service.errors import Conflict, InvalidInput
from service.ui.pupil_pages import preview_of, render_document
from service.ui.rendering import page, see_other
from service.ui.session_pages import FormData, local_path

QUEUE_PAGE = 200


@get("/ui/verification", operation_id="uiVerificationQueue", include_in_schema=False)
async def queue(
    request: Request[Any, Any, Any],
    tenant_id: NamedDependency[str],
    document_service: NamedDependency[DocumentService],
    student_service: NamedDependency[StudentService],
    show: Annotated[str | None, QueryParameter()] = None,
) -> Response[Any]:
    if show:
        pending = {d.id for d in await document_service.verification_queue(tenant_id, limit=QUEUE_PAGE)}
        if show not in pending:
            # Decided meanwhile (or not a document at all): its own page says which, instead of
            # the queue putting another document under the deputy's keys.
            return see_other(f"/ui/documents/{quote(show, safe='')}")
    return await _queue_page(request, tenant_id, document_service, student_service, show=show)


async def _queue_page(
    request: Request[Any, Any, Any],
    tenant_id: str,
    document_service: DocumentService,
    student_service: StudentService,
    *,
    show: str | None,
    error: str | None = None,
    reason: str | None = None,
) -> Template:
    pending = await document_service.verification_queue(tenant_id, limit=QUEUE_PAGE)
    if not pending:
        return page(request, "queue.html", 422 if error else 200, d=None, error=error)
    ids = [d.id for d in pending]
    at = ids.index(show) if show in ids else 0
    current = pending[at]
    later = pending[at + 1 :] + pending[:at]
    pupils = await student_service.get_many(
        tenant_id, [current.student_id, *(d.student_id for d in later[:20])]
    )
    return page(
        request,
        "queue.html",
        422 if error else 200,
        d=current,
        pupil=pupils[current.student_id],
        names={i: s.full_name for i, s in pupils.items()},
        preview=preview_of(current),
        count=len(pending),
        rest=later[:20],
        next_id=later[0].id if later else None,
        back="/ui/verification",
        error=error,
        reason=reason,
    )


@post("/ui/documents/{document_id:str}/verification", operation_id="uiVerify", include_in_schema=False)
async def decide(
    request: Request[Any, Any, Any],
    document_id: FromPath[str],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    document_service: NamedDependency[DocumentService],
    student_service: NamedDependency[StudentService],
    retention_service: NamedDependency[RetentionService],
    access_log: NamedDependency[AccessLog],
) -> Response[Any]:
    """A refused decision (no reason, a stale page) shows the queue again with the message next to
    the buttons, so the deputy keeps their place."""
    back = local_path(data.get("back"), "/ui/verification")
    try:
        document = await document_service.decide(
            tenant_id,
            document_id,
            decision=data.get("decision", ""),
            reason=data.get("reason") or None,
            by=principal.user_id,
            seen_status=data.get("seen_status") or None,
        )
    except Conflict as e:
        # Decided meanwhile (another tab, the Back button): show that document and its decision,
        # never the next one with this form's reason still typed in.
        return await render_document(
            request,
            principal,
            tenant_id,
            document_id,
            document_service,
            student_service,
            retention_service,
            error=e.message,
        )
    except InvalidInput as e:
        if back != "/ui/verification":
            raise
        return await _queue_page(
            request,
            tenant_id,
            document_service,
            student_service,
            show=document_id,
            error=e.message,
            reason=data.get("reason"),
        )
    await access_log.record(
        tenant_id,
        "verify" if document.status == "verified" else "reject",
        student_id=document.student_id,
        document_id=document.id,
    )
    return see_other(f"{back}?done={document.status}")
