"""Staff and families: classes, a pupil's card, one document, uploads, downloads, the access log."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import PurePath
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from service.domain.access_log import ACTIONS_RU, AccessLog
from service.domain.bundle_service import BundleService
from service.domain.documents import DocumentService
from service.domain.metadata import academic_year_of, parse_class_name
from service.domain.portfolio_service import Built, PortfolioService, Queued
from service.domain.principal import (
    SCHOOL_WIDE,
    Principal,
    ensure_documents_readable,
    ensure_staff_reach,
    filter_students,
    sees_unverified,
    staff_reach,
)
from service.domain.resumable import RESUMABLE_FROM_BYTES
from service.domain.retention_service import RetentionService
from service.domain.rewards import RewardService, reward_view
from service.domain.roles import READERS_OF_PUPILS, ROLE_TITLES_RU, Role
from service.domain.students import StudentService
from service.errors import ArchiveError, NotFound
from service.lifespan import Stores
from service.models import Document
from service.routes.access_log import access_log_entries
from service.routes.documents import readable_document
from service.routes.portfolios import PortfolioFilters, deliver, job_view, wake_portfolio_worker
from service.routes.students import readable_documents, store_upload
from service.schemas import DocumentUpload
from service.ui.rendering import page

BROWSER_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
UPLOAD_FIELDS = tuple(f for f in DocumentUpload.__struct_fields__ if f != "file")
MSG_CLASS_NOT_FOUND = "Класс не найден."


def preview_of(document: Document) -> str:
    """How a page shows the document: only files the service decoded itself are shown inline."""
    if not document.file.is_scan:
        return "none"
    if document.file.media_type == "application/pdf":
        return "pdf"
    return "image" if document.file.media_type in BROWSER_IMAGES else "none"


def _role_ru(role: str | None) -> str:
    names = []
    for value in (role or "").split(","):
        try:
            names.append(ROLE_TITLES_RU[Role(value)])
        except ValueError:
            continue
    return ", ".join(names)


@get("/ui/classes", operation_id="uiClasses", include_in_schema=False)
async def classes(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    student_service: NamedDependency[StudentService],
) -> Template:
    everyone = await student_service.list(tenant_id, class_name=None)
    if principal.has(Role.ADMIN):  # names and classes of the whole school, not their documents
        counts = Counter(s.class_name for s in everyone)
    else:
        counts = Counter(
            s.class_name for s in filter_students(principal, everyone) if staff_reach(principal, s)
        )
    if principal.has(Role.TEACHER) and not principal.has(*SCHOOL_WIDE):
        for own in principal.class_names:  # a new class teacher's empty class is still theirs
            counts.setdefault(own, 0)
    ordered = sorted(counts.items(), key=lambda item: (len(item[0]), item[0]))
    return page(request, "classes.html", classes=ordered)


@get("/ui/classes/{class_name:str}", operation_id="uiClass", include_in_schema=False)
async def class_page(
    request: Request[Any, Any, Any],
    class_name: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    student_service: NamedDependency[StudentService],
    document_service: NamedDependency[DocumentService],
) -> Template:
    try:
        name = parse_class_name(class_name)
    except ArchiveError:
        raise NotFound(MSG_CLASS_NOT_FOUND) from None
    if not principal.has(*SCHOOL_WIDE, Role.ADMIN) and name not in principal.class_names:
        raise NotFound(MSG_CLASS_NOT_FOUND)
    rows = []
    for pupil in await student_service.list(tenant_id, class_name=name):
        documents = await document_service.list_for_student(tenant_id, pupil.id)
        rows.append((pupil, len(documents), sum(d.status == "pending" for d in documents)))
    # The administrator sees names and classes only, not the documents.
    may_open = bool(principal.roles & READERS_OF_PUPILS)
    return page(request, "class.html", class_name=name, pupils=rows, may_open=may_open)


@get("/ui/pupils/{student_id:str}", operation_id="uiPupil", include_in_schema=False)
async def pupil_card(
    request: Request[Any, Any, Any],
    student_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    student_service: NamedDependency[StudentService],
    document_service: NamedDependency[DocumentService],
    reward_service: NamedDependency[RewardService],
    retention_service: NamedDependency[RetentionService],
    access_log: NamedDependency[AccessLog],
) -> Template:
    """The same documents the API lists for this caller (a family: verified ones only)."""
    pupil, documents, family = await readable_documents(
        principal, student_id, student_service, document_service, access_log
    )
    rewards = [reward_view(r) for r in await reward_service.list_for_student(tenant_id, student_id)]
    holds: list[dict[str, Any]] = []
    if principal.has(Role.ARCHIVIST):
        ids = {d.id for d in documents}
        holds = [
            h
            for h in await retention_service.holds(tenant_id, active_only=True)
            if (h["target_type"], h["target_id"]) == ("student", pupil.id)
            or (h["target_type"] == "document" and h["target_id"] in ids)
        ]
    return page(
        request,
        "pupil.html",
        pupil=pupil,
        documents=documents,
        rewards=rewards,
        is_family=family,
        is_staff=staff_reach(principal, pupil),
        may_upload=principal.has(Role.TEACHER, Role.DEPUTY) and staff_reach(principal, pupil),
        may_see_log=principal.has(Role.PARENT, Role.DEPUTY, Role.ARCHIVIST),
        may_hold=principal.has(Role.ARCHIVIST),
        holds=holds,
        titles={d.id: d.metadata.title for d in documents},
    )


@get("/ui/documents/{document_id:str}", operation_id="uiDocument", include_in_schema=False)
async def document_page(
    request: Request[Any, Any, Any],
    document_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    document_service: NamedDependency[DocumentService],
    student_service: NamedDependency[StudentService],
    retention_service: NamedDependency[RetentionService],
) -> Template:
    return await render_document(
        request, principal, tenant_id, document_id, document_service, student_service, retention_service
    )


async def render_document(
    request: Request[Any, Any, Any],
    principal: Principal,
    tenant_id: str,
    document_id: str,
    document_service: DocumentService,
    student_service: StudentService,
    retention_service: RetentionService,
    *,
    error: str | None = None,
) -> Template:
    """One document; with ``error``, the message of a decision just refused on it."""
    document, pupil = await readable_document(
        principal, tenant_id, document_id, document_service, student_service
    )
    family = not sees_unverified(principal, pupil)  # readable_document hid pending ones from it
    archivist = principal.has(Role.ARCHIVIST)
    return page(
        request,
        "document.html",
        409 if error else 200,
        d=document,
        pupil=pupil,
        preview=preview_of(document),
        is_family=family,
        may_verify=principal.has(Role.DEPUTY),
        may_hold=archivist,
        holds=await retention_service.holds_on(document) if archivist else [],
        back=f"/ui/documents/{document.id}",
        error=error,
    )


@get("/ui/pupils/{student_id:str}/access-log", operation_id="uiPupilAccessLog", include_in_schema=False)
async def access_log_page(
    request: Request[Any, Any, Any],
    student_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    stores: NamedDependency[Stores],
    student_service: NamedDependency[StudentService],
) -> Template:
    pupil = ensure_documents_readable(principal, await student_service.get(tenant_id, student_id))
    entries = list(reversed(await access_log_entries(principal, tenant_id, stores, student_id=pupil.id)))
    for e in entries:
        e["action_ru"] = ACTIONS_RU.get(e["action"], e["action"])
        e["role_ru"] = _role_ru(e.get("role"))
    return page(request, "access_log.html", pupil=pupil, entries=entries)


@get("/ui/pupils/{student_id:str}/download", operation_id="uiPupilDownload", include_in_schema=False)
async def download(
    request: Request[Any, Any, Any],
    student_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    stores: NamedDependency[Stores],
    student_service: NamedDependency[StudentService],
    portfolio_service: NamedDependency[PortfolioService],
    bundle_service: NamedDependency[BundleService],
    access_log: NamedDependency[AccessLog],
    what: Annotated[Literal["portfolio", "bundle"], QueryParameter()] = "portfolio",
    check: Annotated[bool, QueryParameter(description="only say whether it is ready")] = False,
) -> Response[Any]:
    """The portfolio PDF or the bundle; while a large portfolio is assembled, a page that follows
    the job (without JavaScript it reloads itself). ``check=true``: JSON for the page's script."""
    pupil = ensure_documents_readable(principal, await student_service.get(tenant_id, student_id))
    options = PortfolioFilters(False, (), (), True, False).options_for(principal, pupil)
    if check:
        state = await portfolio_service.request(
            tenant_id, student_id, options, today=today, by=principal.user_id
        )
        if isinstance(state, Queued):
            wake_portfolio_worker(stores)
            return Response(job_view(state.job), status_code=202)
        if isinstance(state, Built):
            await state.keep()  # the download that follows is served from the kept copy
        return Response({"ready": True})
    if what == "bundle":
        result: Any = await bundle_service.request(
            tenant_id, student_id, options, today=today, by=principal.user_id
        )
    else:
        result = await portfolio_service.request(
            tenant_id, student_id, options, today=today, by=principal.user_id
        )
    if isinstance(result, Queued):
        wake_portfolio_worker(stores)
        what_ru = "Пакет документов" if what == "bundle" else "Портфолио"
        return page(request, "preparing.html", 202, job=job_view(result.job), pupil=pupil, what_ru=what_ru)
    return await deliver(result, stores, access_log, request, today=today)


@get("/ui/pupils/{student_id:str}/upload", operation_id="uiUploadPage", include_in_schema=False)
async def upload_page(
    request: Request[Any, Any, Any],
    student_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    student_service: NamedDependency[StudentService],
) -> Template:
    pupil = ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
    return page(request, "upload.html", **_upload_context(pupil, today))


def _upload_context(pupil: Any, today: date) -> dict[str, Any]:
    return {
        "pupil": pupil,
        "academic_year": academic_year_of(today),
        "resumable_from": RESUMABLE_FROM_BYTES,
        "values": {},
    }


@post("/ui/pupils/{student_id:str}/upload", operation_id="uiUpload", include_in_schema=False, status_code=200)
async def upload(
    request: Request[Any, Any, Any],
    student_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    student_service: NamedDependency[StudentService],
    document_service: NamedDependency[DocumentService],
    access_log: NamedDependency[AccessLog],
) -> Template:
    """Several files with one set of details (the page without JavaScript): each file is stored or
    refused on its own, and the page says which and why."""
    pupil = ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
    form = await request.form()
    files = [f for f in form.getall("file") if isinstance(f, UploadFile)] if "file" in form else []
    common = {name: (str(form.get(name) or "").strip() or None) for name in UPLOAD_FIELDS}
    outcomes = []
    for f in files:
        name = f.filename or "без имени"
        fields = {**common, "title": common["title"] or PurePath(name).stem or name}
        try:
            outcome = await store_upload(
                document_service, access_log, request, f, fields, pupil.id, principal, today
            )
        except ArchiveError as e:
            outcomes.append({"filename": name, "ok": False, "message": e.message})
            continue
        finally:
            await f.close()
        outcomes.append({"filename": name, **_outcome_text(outcome.created, outcome.document)})
    if not files:
        outcomes.append({"filename": "—", "ok": False, "message": "Не выбран ни один файл."})
    status = 200 if any(o["ok"] for o in outcomes) else 422
    # The details typed stay in the form, so a refused file can be sent again without retyping.
    context = {**_upload_context(pupil, today), "values": common}
    return page(request, "upload.html", status, outcomes=outcomes, **context)


def _outcome_text(created: bool, document: Document) -> dict[str, Any]:
    if created:
        return {"ok": True, "message": "принят, ожидает проверки"}
    if document.status == "rejected":
        return {
            "ok": False,
            "message": "этот же файл уже был загружен и отклонён"
            + (f" (причина: {document.rejection_reason})" if document.rejection_reason else "")
            + ". Загрузите исправленный скан.",
        }
    return {"ok": True, "message": "такой файл уже был загружен ранее"}
