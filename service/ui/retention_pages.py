"""The archivist's and the director's pages: nomenclature, cases, the due list, holds and acts."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from retention.nomenclature import PLACEHOLDER_MARK_RU
from retention.rules import CaseState
from service.domain.access_log import AccessLog
from service.domain.acts import ActService
from service.domain.documents import DocumentService
from service.domain.principal import Principal
from service.domain.retention_service import DueCase, RetentionService, due_case_view
from service.domain.roles import Role
from service.errors import Conflict, InvalidInput, NotFound
from service.routes.retention import parse_as_of, place_hold_logged, release_hold_logged
from service.ui.rendering import page, see_other
from service.ui.session_pages import FormData, local_path

ACT_STATUSES_RU = {
    "draft": "проект",
    "approved": "утверждён",
    "executing": "исполняется",
    "executed": "исполнен",
    "cancelled": "отменён",
}
CASE_STATES_RU = {
    CaseState.OPEN.value: "открыто",
    CaseState.RUNNING.value: "хранится",
    CaseState.WAITING_FOR_EVENT.value: "ждёт выбытия или окончания согласия",
    CaseState.PERMANENT.value: "постоянно",
    CaseState.NEEDS_DECISION.value: "нужно решение (ДМН)",
    CaseState.EXPERT_REVIEW.value: "экспертиза ценности (ЭПК)",
    CaseState.KEPT_PERMANENTLY.value: "оставлено на постоянное хранение",
    CaseState.DUE.value: "подлежит уничтожению",
}
DUE_BLOCKS = [
    ("due", "Подлежат уничтожению"),
    ("expert_review", "Ждут экспертизы ценности (ЭПК)"),
    ("needs_decision", "Ждут решения «надобность миновала»"),
    ("on_hold", "Под запретом на уничтожение"),
]
SKIP_REASONS_RU = {
    "on_hold": "под запретом на уничтожение",
    "not_due": "срок хранения ещё не истёк",
    "changed_since_draft": "документ изменился после составления акта",
    "not_in_this_act": "уничтожен по другому акту",
}
TARGETS_RU = {"student": "все документы обучающегося", "document": "документ", "case": "дело"}


@get("/ui/retention/nomenclature", operation_id="uiNomenclature", include_in_schema=False)
async def nomenclature(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    retention_service: NamedDependency[RetentionService],
) -> Template:
    n = await retention_service.nomenclature(tenant_id)
    return page(
        request,
        "nomenclature.html",
        n=n,
        mark=PLACEHOLDER_MARK_RU,
        marked=any(e.to_be_confirmed for e in n.entries),
        is_archivist=principal.has(Role.ARCHIVIST),
    )


@get("/ui/retention/cases", operation_id="uiCases", include_in_schema=False)
async def cases(
    request: Request[Any, Any, Any],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    retention_service: NamedDependency[RetentionService],
    year: Annotated[str | None, QueryParameter()] = None,
    index: Annotated[str | None, QueryParameter()] = None,
) -> Template:
    if year and not (year.isdigit() and len(year) == 4):
        raise InvalidInput("Год — четыре цифры, например 2025.", field="year")
    found = await retention_service.cases(
        tenant_id, index=index or None, year=int(year) if year else None, student_id=None
    )
    names = await retention_service.pupil_names(
        tenant_id, {c["student_id"] for c in found if c.get("student_id")}
    )
    rows = []
    for case in found:
        state = (await retention_service.state_of(case, as_of=today)).value
        rows.append(
            {
                **case,
                "state_ru": CASE_STATES_RU.get(state, state),
                "pupil": names.get(case.get("student_id") or ""),
            }
        )
    return page(request, "cases.html", cases=rows, year=year, index=index)


@get("/ui/retention/due", operation_id="uiDue", include_in_schema=False)
async def due(
    request: Request[Any, Any, Any],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    retention_service: NamedDependency[RetentionService],
    as_of: Annotated[str | None, QueryParameter()] = None,
) -> Template:
    error = None
    try:
        day = parse_as_of(as_of, today)
    except InvalidInput:
        day, error = (
            today,
            f"Дата «{as_of}» не распознана: укажите её в виде ДД.ММ.ГГГГ, например 03.02.2025.",
        )
    report = await retention_service.due(tenant_id, as_of=day)
    every = report.due + report.expert_review + report.needs_decision + report.on_hold
    names = await retention_service.pupil_names(
        tenant_id, {i.case["student_id"] for i in every if i.case.get("student_id")}
    )

    def block(items: list[DueCase]) -> dict[str, Any]:
        views = [{**due_case_view(i), "pupil": names.get(i.case.get("student_id") or "")} for i in items]
        return {
            "cases": views,
            "documents": sum(i.documents for i in items),
            "bytes": sum(i.bytes for i in items),
        }

    view = {key: block(getattr(report, key)) for key, _ in DUE_BLOCKS}
    return page(
        request,
        "due.html",
        422 if error else 200,
        report=view,
        as_of=day,
        blocks=DUE_BLOCKS,
        mark=PLACEHOLDER_MARK_RU,
        error=error,
    )


@get("/ui/retention/holds", operation_id="uiHolds", include_in_schema=False)
async def holds(
    request: Request[Any, Any, Any],
    tenant_id: NamedDependency[str],
    retention_service: NamedDependency[RetentionService],
    document_service: NamedDependency[DocumentService],
) -> Template:
    active = await retention_service.holds(tenant_id, active_only=True)
    names = await retention_service.pupil_names(
        tenant_id, {h["target_id"] for h in active if h["target_type"] == "student"}
    )
    for h in active:
        if h["target_type"] == "document":
            try:
                names[h["target_id"]] = (await document_service.get(tenant_id, h["target_id"])).metadata.title
            except NotFound:
                pass
    rows = [
        {
            **h,
            "target_ru": TARGETS_RU.get(h["target_type"], h["target_type"]),
            "target_name": names.get(h["target_id"], h["target_id"]),
        }
        for h in active
    ]
    return page(request, "holds.html", holds=rows, targets=TARGETS_RU)


@post("/ui/retention/holds", operation_id="uiPlaceHold", include_in_schema=False)
async def place_hold(
    request: Request[Any, Any, Any],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    retention_service: NamedDependency[RetentionService],
    access_log: NamedDependency[AccessLog],
) -> Redirect:
    fields = {
        "target_type": data.get("target_type"),
        "target_id": data.get("target_id"),
        "reason": data.get("reason"),
        "placed_by": principal.display_name,
    }
    await place_hold_logged(retention_service, access_log, tenant_id, fields, request)
    return see_other(local_path(data.get("back"), "/ui/retention/holds") + "?done=hold_placed")


@post("/ui/retention/holds/{hold_id:str}/release", operation_id="uiReleaseHold", include_in_schema=False)
async def release_hold(
    request: Request[Any, Any, Any],
    hold_id: FromPath[str],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    retention_service: NamedDependency[RetentionService],
    access_log: NamedDependency[AccessLog],
) -> Redirect:
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise InvalidInput(
            "Укажите, почему запрет снимается: это основание попадёт в журнал.", field="reason"
        )
    fields = {"released_by": principal.display_name, "reason": reason}
    await release_hold_logged(retention_service, access_log, tenant_id, hold_id, fields, request)
    return see_other("/ui/retention/holds?done=hold_released")


@get("/ui/acts", operation_id="uiActs", include_in_schema=False)
async def acts(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    act_service: NamedDependency[ActService],
) -> Template:
    return page(
        request,
        "acts.html",
        acts=await act_service.list(tenant_id),
        statuses=ACT_STATUSES_RU,
        is_archivist=principal.has(Role.ARCHIVIST),
    )


@get("/ui/acts/{act_id:str}", operation_id="uiAct", include_in_schema=False)
async def act_page(
    request: Request[Any, Any, Any],
    act_id: FromPath[str],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    act_service: NamedDependency[ActService],
) -> Template:
    return await _act_page(request, principal, tenant_id, today, act_service, act_id)


async def _act_page(
    request: Request[Any, Any, Any],
    principal: Principal,
    tenant_id: str,
    today: date,
    act_service: ActService,
    act_id: str,
    *,
    error: str | None = None,
) -> Template:
    """The act; with ``error``, what was refused just now, next to the form that sent it."""
    act = await act_service.get(tenant_id, act_id)
    titles = {i["document_id"]: i["title"] for i in act["items"]}
    skipped = [
        (titles.get(s["document_id"], s["document_id"]), SKIP_REASONS_RU.get(s["reason"], s["reason"]))
        for s in (act.get("execution") or {}).get("skipped", [])
    ]
    return page(
        request,
        "act.html",
        422 if error else 200,
        act=act,
        statuses=ACT_STATUSES_RU,
        today=today,
        skipped=skipped,
        may_approve=principal.has(Role.DIRECTOR),
        may_execute=principal.has(Role.ARCHIVIST),
        error=error,
    )


async def _on_act(
    request: Request[Any, Any, Any],
    principal: Principal,
    tenant_id: str,
    today: date,
    act_service: ActService,
    act_id: str,
    change: Awaitable[Any],
    done: str,
) -> Response[Any]:
    """Run a change of the act; refused, the act page again with the message by its forms."""
    try:
        await change
    except (InvalidInput, Conflict) as e:
        return await _act_page(request, principal, tenant_id, today, act_service, act_id, error=e.message)
    return see_other(f"/ui/acts/{act_id}?done={done}")


@post("/ui/acts", operation_id="uiDraftAct", include_in_schema=False)
async def draft_act(
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    act_service: NamedDependency[ActService],
) -> Redirect:
    act = await act_service.draft(
        tenant_id,
        as_of=parse_as_of(data.get("as_of"), today),
        compiled_by=principal.display_name,
        today=today,
    )
    return see_other(f"/ui/acts/{act['_id']}?done=act_drafted")


@post("/ui/acts/{act_id:str}/approve", operation_id="uiApproveAct", include_in_schema=False)
async def approve_act(
    request: Request[Any, Any, Any],
    act_id: FromPath[str],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    act_service: NamedDependency[ActService],
) -> Response[Any]:
    # The approver is the director signed in, not a name typed on the form.
    fields = {k: data.get(k) or None for k in ("protocol_number", "protocol_date", "approved_on")}
    approval = act_service.approve(
        tenant_id, act_id, {**fields, "approved_by": principal.display_name}, today=today
    )
    return await _on_act(request, principal, tenant_id, today, act_service, act_id, approval, "act_approved")


@post("/ui/acts/{act_id:str}/cancel", operation_id="uiCancelAct", include_in_schema=False)
async def cancel_act(
    request: Request[Any, Any, Any],
    act_id: FromPath[str],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    act_service: NamedDependency[ActService],
) -> Response[Any]:
    """A draft or an approved act, before execution; its documents may go into a later act."""
    fields = {"cancelled_by": principal.display_name, "reason": data.get("reason")}
    cancellation = act_service.cancel(tenant_id, act_id, fields)
    return await _on_act(
        request, principal, tenant_id, today, act_service, act_id, cancellation, "act_cancelled"
    )


@get("/ui/acts/{act_id:str}/execute", operation_id="uiExecuteConfirm", include_in_schema=False)
async def execute_confirm(
    request: Request[Any, Any, Any],
    act_id: FromPath[str],
    tenant_id: NamedDependency[str],
    act_service: NamedDependency[ActService],
    document_service: NamedDependency[DocumentService],
    retention_service: NamedDependency[RetentionService],
) -> Template:
    return await _confirm_page(request, tenant_id, act_id, act_service, document_service, retention_service)


async def _confirm_page(
    request: Request[Any, Any, Any],
    tenant_id: str,
    act_id: str,
    act_service: ActService,
    document_service: DocumentService,
    retention_service: RetentionService,
    *,
    error: str | None = None,
) -> Template:
    """Names every document that will be destroyed, and those a hold placed since will keep."""
    await act_service.check_executable(tenant_id, act_id)
    act = await act_service.get(tenant_id, act_id)
    names = await act_service.student_names(tenant_id, act)
    cases = {r["case_id"]: f"{r['index']} {r['title']}" for r in act["rows"]}
    held_filter = await retention_service.held_filter(tenant_id)
    doomed, held = [], []
    for item in act["items"]:
        try:
            document = await document_service.get(tenant_id, item["document_id"])
        except NotFound:
            continue  # already destroyed by an interrupted run
        (held if held_filter(document) else doomed).append(item)
    return page(
        request,
        "execute.html",
        422 if error else 200,
        error=error,
        act=act,
        names=names,
        cases=cases,
        doomed=doomed,
        held=held,
        doomed_bytes=sum(i["size"] for i in doomed),
    )


@post("/ui/acts/{act_id:str}/execute", operation_id="uiExecuteAct", include_in_schema=False)
async def execute_act(
    request: Request[Any, Any, Any],
    act_id: FromPath[str],
    data: FormData,
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    act_service: NamedDependency[ActService],
    document_service: NamedDependency[DocumentService],
    retention_service: NamedDependency[RetentionService],
) -> Response[Any]:
    if data.get("confirm") != "yes":
        return await _confirm_page(
            request,
            tenant_id,
            act_id,
            act_service,
            document_service,
            retention_service,
            error="Подтвердите уничтожение: отметьте флажок под списком документов.",
        )
    execution = act_service.execute(tenant_id, act_id, executed_by=principal.display_name, today=today)
    return await _on_act(request, principal, tenant_id, today, act_service, act_id, execution, "act_executed")
