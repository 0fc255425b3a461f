"""The archivist's API: nomenclature, cases, the due list, holds and destruction acts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from retention.nomenclature import PLACEHOLDER_MARK_RU
from retention.rules import CaseState
from service.domain.access_log import AccessLog, client_ip
from service.domain.act_pdf import destruction_act_pdf, pd_destruction_pdf
from service.domain.acts import ActService
from service.domain.filenames import content_disposition
from service.domain.inventory import inventory_csv, inventory_pdf, inventory_rows
from service.domain.metadata import parse_date
from service.domain.retention_service import DueCase, RetentionService, due_case_view
from service.errors import Conflict, InvalidInput
from service.settings import Settings

School = NamedDependency[str]
Today = NamedDependency[date]
Retention = NamedDependency[RetentionService]
Acts = NamedDependency[ActService]


class NomenclatureUpload(msgspec.Struct):
    text: Annotated[
        str, msgspec.Meta(description="Номенклатура в формате TOML (см. retention/default_nomenclature.toml)")
    ]
    uploaded_by: str


class ReviewCreate(msgspec.Struct):
    decision: Annotated[str, msgspec.Meta(description="destroy, keep_permanently или extend")]
    protocol_number: str
    protocol_date: str
    extend_to: str | None = None


class DmnDecisionCreate(msgspec.Struct):
    reason: str
    decided_by: str


class HoldCreate(msgspec.Struct):
    target_type: Annotated[str, msgspec.Meta(description="document, case или student")]
    target_id: str
    reason: str
    placed_by: str


class HoldRelease(msgspec.Struct):
    released_by: str
    reason: str | None = None


class ActDraftCreate(msgspec.Struct):
    as_of: Annotated[str | None, msgspec.Meta(description="Дата акта; по умолчанию сегодня")] = None
    compiled_by: str | None = None


class ActApprove(msgspec.Struct):
    approved_by: str
    protocol_number: str
    protocol_date: str
    approved_on: str | None = None


class ActCancel(msgspec.Struct):
    cancelled_by: str
    reason: str


class ActExecute(msgspec.Struct):
    executed_by: str


def _fields(data: msgspec.Struct) -> dict[str, Any]:
    return msgspec.structs.asdict(data)


def _entry_view(entry: Any) -> dict[str, Any]:
    return {
        "index": entry.index,
        "title": entry.title,
        "retention": {"kind": entry.retention.kind.value, "years": entry.retention.years},
        "retention_label": entry.retention_label_ru,
        "epk": entry.epk,
        "article": entry.article,
        "note": entry.note,
        "to_be_confirmed": entry.to_be_confirmed,
        "to_be_confirmed_label": PLACEHOLDER_MARK_RU if entry.to_be_confirmed else None,
        "pupil_level": entry.pupil_level,
        "kinds": sorted(entry.kinds),
        "categories": sorted(entry.categories),
    }


def _case_view(case: dict[str, Any], state: str | None = None) -> dict[str, Any]:
    view = {k: v for k, v in case.items() if k not in ("_id", "school_id")}
    view["case_id"] = case["_id"]
    if state:
        view["state"] = state
    return view


def _act_view(act: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in act.items() if k not in ("_id", "school_id")}
    view["id"] = act["_id"]
    view["pdf_url"] = f"/api/v1/retention/acts/{act['_id']}/act.pdf"
    if act["status"] == "executed":
        view["pd_destruction_pdf_url"] = f"/api/v1/retention/acts/{act['_id']}/pd-destruction.pdf"
    return view


def hold_view(hold: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in hold.items() if k not in ("_id", "school_id")}, "id": hold["_id"]}


def _hold_details(hold: dict[str, Any], name_field: str) -> dict[str, Any]:
    # The log's actor is the signed-in account; the name typed on the form is kept beside it.
    return {
        "hold_id": hold["_id"],
        "target_type": hold["target_type"],
        "target_id": hold["target_id"],
        name_field: hold.get(name_field),
    }


async def place_hold_logged(
    retention_service: RetentionService,
    access_log: AccessLog,
    tenant_id: str,
    fields: dict[str, Any],
    request: Request[Any, Any, Any],
) -> dict[str, Any]:
    """Place a hold and write it to the access log (for the API and the holds page alike)."""
    hold = await retention_service.place_hold(tenant_id, fields)
    await access_log.record(
        tenant_id, "hold_place", ip=client_ip(request), details=_hold_details(hold, "placed_by")
    )
    return hold


async def release_hold_logged(
    retention_service: RetentionService,
    access_log: AccessLog,
    tenant_id: str,
    hold_id: str,
    fields: dict[str, Any],
    request: Request[Any, Any, Any],
) -> dict[str, Any]:
    hold = await retention_service.release_hold(tenant_id, hold_id, fields)
    await access_log.record(
        tenant_id, "hold_release", ip=client_ip(request), details=_hold_details(hold, "released_by")
    )
    return hold


def parse_as_of(value: str | None, today: date) -> date:
    """The date of a due list or an act: ISO or ДД.ММ.ГГГГ; empty means today."""
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        parsed = parse_date(value, "as_of", today=date.max)
        if parsed is None:  # pragma: no cover - parse_date raises on malformed input
            raise InvalidInput("Дата должна быть в виде ДД.ММ.ГГГГ.", field="as_of") from None
        return parsed


class RetentionController(Controller):
    path = "/api/v1/retention"
    tags: ClassVar[list[str]] = ["retention"]

    @get("/nomenclature", operation_id="getNomenclature", summary="Действующая номенклатура дел")
    async def nomenclature(
        self,
        tenant_id: School,
        retention_service: Retention,
        version: Annotated[
            int | None, QueryParameter(description="Версия; по умолчанию действующая", ge=1, le=1_000_000)
        ] = None,
    ) -> dict[str, Any]:
        """Entries with retention, article, ЭПК and the "to be confirmed" mark."""
        n = (
            await retention_service.nomenclature_version(tenant_id, version)
            if version
            else await retention_service.nomenclature(tenant_id)
        )
        return {"version": n.version, "entries": [_entry_view(e) for e in n.entries]}

    @get("/nomenclature/versions", operation_id="listNomenclatureVersions", summary="Версии номенклатуры")
    async def versions(self, tenant_id: School, retention_service: Retention) -> list[dict[str, Any]]:
        """Every uploaded version, newest first."""
        return [
            {"version": v["version"], "uploaded_by": v["uploaded_by"], "uploaded_at": v["uploaded_at"]}
            for v in await retention_service.nomenclature_versions(tenant_id)
        ]

    @post(
        "/nomenclature",
        operation_id="uploadNomenclature",
        summary="Загрузить новую версию номенклатуры",
        status_code=HTTP_201_CREATED,
    )
    async def upload_nomenclature(
        self, data: JSONBody[NomenclatureUpload], tenant_id: School, retention_service: Retention
    ) -> dict[str, Any]:
        """Validated (unique indexes, known retention kinds, every kind filed) and kept as a new version."""
        n = await retention_service.upload_nomenclature(tenant_id, data.text, uploaded_by=data.uploaded_by)
        return {"version": n.version, "entries": [_entry_view(e) for e in n.entries]}

    @get("/cases", operation_id="listCases", summary="Дела")
    async def cases(
        self,
        tenant_id: School,
        today: Today,
        retention_service: Retention,
        index: Annotated[str | None, QueryParameter(description="Индекс дела, например 07-03")] = None,
        year: Annotated[int | None, QueryParameter(ge=1900, le=2200)] = None,
        student_id: Annotated[str | None, QueryParameter()] = None,
        case_state: Annotated[
            str | None, QueryParameter(name="state", description="open, running, due, expert_review, ...")
        ] = None,
    ) -> list[dict[str, Any]]:
        """Cases with their state as of today."""
        if case_state is not None and case_state not in {s.value for s in CaseState}:
            known = ", ".join(s.value for s in CaseState)
            raise InvalidInput(f"Неизвестное состояние дела. Допустимо: {known}.", field="state")
        out = []
        for case in await retention_service.cases(tenant_id, index=index, year=year, student_id=student_id):
            current = (await retention_service.state_of(case, as_of=today)).value
            if case_state is None or case_state == current:
                out.append(_case_view(case, current))
        return out

    @get("/cases/{case_id:path}", operation_id="getCase", summary="Дело")
    async def case(
        self, case_id: FromPath[str], tenant_id: School, today: Today, retention_service: Retention
    ) -> dict[str, Any]:
        """One case with its clock and decisions."""
        case = await retention_service.case(tenant_id, case_id.lstrip("/"))
        return _case_view(case, (await retention_service.state_of(case, as_of=today)).value)

    @post(
        "/case-reviews",
        operation_id="reviewCase",
        summary="Решение ЭК по делу с отметкой ЭПК",
        status_code=HTTP_200_OK,
    )
    async def review(
        self,
        data: JSONBody[ReviewCreate],
        tenant_id: School,
        today: Today,
        retention_service: Retention,
        case_id: Annotated[str, QueryParameter(description="Дело, например 07-02/2019")],
    ) -> dict[str, Any]:
        """Record destroy / keep permanently / extend, with the commission's protocol."""
        case = await retention_service.review_case(tenant_id, case_id, _fields(data), today=today)
        return _case_view(case, (await retention_service.state_of(case, as_of=today)).value)

    @post(
        "/dmn-decisions",
        operation_id="decideDmn",
        summary="Решение «надобность миновала»",
        status_code=HTTP_200_OK,
    )
    async def dmn(
        self,
        data: JSONBody[DmnDecisionCreate],
        tenant_id: School,
        today: Today,
        retention_service: Retention,
        case_id: Annotated[str, QueryParameter(description="Дело со сроком ДМН")],
    ) -> dict[str, Any]:
        """The only way a ДМН case can enter an act."""
        case = await retention_service.decide_dmn(tenant_id, case_id, _fields(data), today=today)
        return _case_view(case, (await retention_service.state_of(case, as_of=today)).value)

    @get("/due", operation_id="getDue", summary="Дела, подлежащие уничтожению на дату")
    async def due(
        self,
        tenant_id: School,
        today: Today,
        retention_service: Retention,
        as_of: Annotated[
            str | None, QueryParameter(description="Дата акта (ГГГГ-ММ-ДД); по умолчанию сегодня")
        ] = None,
    ) -> dict[str, Any]:
        """Due cases (counts, bytes); ЭПК cases awaiting review; ДМН cases awaiting a decision; held cases."""
        report = await retention_service.due(tenant_id, as_of=parse_as_of(as_of, today))

        def block(items: list[DueCase]) -> dict[str, Any]:
            return {
                "cases": [due_case_view(i) for i in items],
                "documents": sum(i.documents for i in items),
                "bytes": sum(i.bytes for i in items),
            }

        return {
            "as_of": report.as_of,
            "cutoff": report.cutoff,
            "due": block(report.due),
            "expert_review": block(report.expert_review),
            "needs_decision": block(report.needs_decision),
            "on_hold": block(report.on_hold),
        }

    @get("/inventory", operation_id="getInventory", summary="Опись дел, закрытых в году (PDF или CSV)")
    async def inventory(
        self,
        tenant_id: School,
        today: Today,
        retention_service: Retention,
        settings: NamedDependency[Settings],
        year: Annotated[int, QueryParameter(description="Год, дела которого закрыты", ge=2000, le=2100)],
        fmt: Annotated[str, QueryParameter(name="format", description="pdf или csv")] = "pdf",
    ) -> Response[bytes]:
        """Cases of that year that hold documents, for the year-end hand-over to the school archive."""
        if year >= today.year:
            raise InvalidInput("Опись составляется по делам уже закончившегося года.", field="year")
        if fmt not in ("pdf", "csv"):
            raise InvalidInput("Формат описи: pdf или csv.", field="format")
        cases = await retention_service.cases(tenant_id, year=year, limit=100_000)
        names = await retention_service.pupil_names(
            tenant_id, {c["student_id"] for c in cases if c.get("student_id")}
        )
        rows = inventory_rows(cases, names)
        name = f"Опись дел {year}.{fmt}"
        headers = {"Content-Disposition": content_disposition(name, inline=fmt == "pdf")}
        if fmt == "csv":
            return Response(inventory_csv(rows), media_type="text/csv", headers=headers)
        pdf = await anyio.to_thread.run_sync(
            lambda: inventory_pdf(rows, year=year, school_name=settings.school_name, today=today)
        )
        return Response(pdf, media_type="application/pdf", headers=headers)

    @post("/holds", operation_id="placeHold", summary="Наложить запрет на уничтожение")
    async def place_hold(
        self,
        data: JSONBody[HoldCreate],
        tenant_id: School,
        retention_service: Retention,
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """A legal hold on a document, a case or a pupil."""
        hold = await place_hold_logged(retention_service, access_log, tenant_id, _fields(data), request)
        return hold_view(hold)

    @get("/holds", operation_id="listHolds", summary="Запреты на уничтожение")
    async def holds(
        self,
        tenant_id: School,
        retention_service: Retention,
        active: Annotated[bool, QueryParameter(description="Только действующие")] = True,
    ) -> list[dict[str, Any]]:
        """Holds with who placed and released them."""
        return [hold_view(h) for h in await retention_service.holds(tenant_id, active_only=active)]

    @post(
        "/holds/{hold_id:str}/release",
        operation_id="releaseHold",
        summary="Снять запрет",
        status_code=HTTP_200_OK,
    )
    async def release_hold(
        self,
        hold_id: FromPath[str],
        data: JSONBody[HoldRelease],
        tenant_id: School,
        retention_service: Retention,
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Release; the objects' legal hold is lifted when no other hold covers them."""
        hold = await release_hold_logged(
            retention_service, access_log, tenant_id, hold_id, _fields(data), request
        )
        return hold_view(hold)


class ActController(Controller):
    path = "/api/v1/retention/acts"
    tags: ClassVar[list[str]] = ["retention"]

    @post(operation_id="draftAct", summary="Составить проект акта о выделении к уничтожению")
    async def draft(
        self, data: JSONBody[ActDraftCreate], tenant_id: School, today: Today, act_service: Acts
    ) -> dict[str, Any]:
        """A draft from the due cases as of a date (a dry run: nothing is touched)."""
        act = await act_service.draft(
            tenant_id, as_of=parse_as_of(data.as_of, today), compiled_by=data.compiled_by, today=today
        )
        return _act_view(act)

    @get(operation_id="listActs", summary="Акты")
    async def list_acts(self, tenant_id: School, act_service: Acts) -> list[dict[str, Any]]:
        """Acts, newest first (without their item lists)."""
        return [_act_view(a) for a in await act_service.list(tenant_id)]

    @get("/{act_id:str}", operation_id="getAct", summary="Акт")
    async def get_act(self, act_id: FromPath[str], tenant_id: School, act_service: Acts) -> dict[str, Any]:
        """The act with its rows, items, approval and execution result."""
        return _act_view(await act_service.get(tenant_id, act_id))

    @get("/{act_id:str}/act.pdf", operation_id="getActPdf", summary="Акт (PDF)", media_type="application/pdf")
    async def act_pdf(
        self,
        act_id: FromPath[str],
        tenant_id: School,
        act_service: Acts,
        retention_service: Retention,
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        """The act laid out as the archival form (УТВЕРЖДАЮ, СОГЛАСОВАНО, totals)."""
        act = await act_service.get(tenant_id, act_id)
        versions = sorted(
            {
                str((await retention_service.case(tenant_id, r["case_id"])).get("nomenclature_version"))
                for r in act["rows"]
            }
        )
        pdf = await anyio.to_thread.run_sync(
            lambda: destruction_act_pdf(
                act, school_name=settings.school_name, nomenclature_versions=", ".join(versions)
            )
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition(f"Акт {act['number']}.pdf", inline=True)},
        )

    @get(
        "/{act_id:str}/pd-destruction.pdf",
        operation_id="getPdDestructionPdf",
        summary="Акт об уничтожении персональных данных (PDF)",
        media_type="application/pdf",
    )
    async def pd_pdf(
        self, act_id: FromPath[str], tenant_id: School, act_service: Acts, settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        """The personal-data destruction record with the event-log extract (only for executed acts)."""
        act = await act_service.get(tenant_id, act_id)
        if act["status"] != "executed":
            raise Conflict("Акт об уничтожении персональных данных составляется после исполнения акта.")
        if not act["execution"]["destroyed"]:
            raise Conflict("По этому акту ничего не уничтожено: акта об уничтожении персональных данных нет.")
        tombstones = await act_service.tombstones(tenant_id, act)
        names = await act_service.student_names(tenant_id, act)
        pdf = await anyio.to_thread.run_sync(
            lambda: pd_destruction_pdf(
                act,
                tombstones,
                names,
                school_name=settings.school_name,
                school_address=settings.school_address,
            )
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": content_disposition(
                    f"Акт об уничтожении ПДн {act['number']}.pdf", inline=True
                )
            },
        )

    @post(
        "/{act_id:str}/approve", operation_id="approveAct", summary="Утвердить акт", status_code=HTTP_200_OK
    )
    async def approve(
        self,
        act_id: FromPath[str],
        data: JSONBody[ActApprove],
        tenant_id: School,
        today: Today,
        act_service: Acts,
    ) -> dict[str, Any]:
        """The director's approval with the expert commission's protocol."""
        return _act_view(await act_service.approve(tenant_id, act_id, _fields(data), today=today))

    @post("/{act_id:str}/cancel", operation_id="cancelAct", summary="Отменить акт", status_code=HTTP_200_OK)
    async def cancel(
        self, act_id: FromPath[str], data: JSONBody[ActCancel], tenant_id: School, act_service: Acts
    ) -> dict[str, Any]:
        """Cancel a draft or an approved act before execution."""
        return _act_view(await act_service.cancel(tenant_id, act_id, _fields(data)))

    @post(
        "/{act_id:str}/execute", operation_id="executeAct", summary="Исполнить акт", status_code=HTTP_200_OK
    )
    async def execute(
        self,
        act_id: FromPath[str],
        data: JSONBody[ActExecute],
        tenant_id: School,
        today: Today,
        act_service: Acts,
    ) -> dict[str, Any]:
        """Destroy the act's items (approved acts only); rerun to finish an interrupted execution."""
        return _act_view(
            await act_service.execute(tenant_id, act_id, executed_by=data.executed_by, today=today)
        )
