"""The deputy's verification queue: oldest first, a large preview, verify or reject with a reason."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from service.domain.access_log import AccessLog
from service.domain.documents import DocumentService
from service.domain.principal import Principal
from service.domain.students import StudentService
from service.ui.pupil_pages import preview_of
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
    after: Annotated[str | None, QueryParameter()] = None,
) -> Template:
    pending = await document_service.verification_queue(tenant_id, limit=QUEUE_PAGE)
    ids = [d.id for d in pending]
    at = 0
    if show in ids:
        at = ids.index(show)
    elif after in ids:
        at = min(ids.index(after) + 1, len(ids) - 1)
    if not pending:
        return page(request, "queue.html", d=None)
    current = pending[at]
    pupil = await student_service.get(tenant_id, current.student_id)
    later = pending[at + 1 :] + pending[:at]
    return page(
        request,
        "queue.html",
        d=current,
        pupil=pupil,
        preview=preview_of(current),
        count=len(pending),
        rest=later[:20],
        next_id=later[0].id if later else None,
        back="/ui/verification",
    )


@post("/ui/documents/{document_id:str}/verification", operation_id="uiVerify", include_in_schema=False)
async def decide(
    document_id: FromPath[str],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    document_service: NamedDependency[DocumentService],
    access_log: NamedDependency[AccessLog],
) -> Redirect:
    document = await document_service.decide(
        tenant_id,
        document_id,
        decision=data.get("decision", ""),
        reason=data.get("reason") or None,
        by=principal.user_id,
    )
    await access_log.record(
        tenant_id,
        "verify" if document.status == "verified" else "reject",
        student_id=document.student_id,
        document_id=document.id,
    )
    return see_other(local_path(data.get("back"), "/ui/verification"))
