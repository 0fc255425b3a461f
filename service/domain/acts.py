"""Destruction acts: drafted from the due list, approved by the director, executed item by item.

Destruction invariant (kept by ``ActService.execute``): nothing is destroyed except the items of
an approved act. For each item, in this order, every step safe to repeat:
  1. a tombstone records the intent (id, case, sha256, size, title, act number);
  2. every version of the item's objects is deleted (bypassing GOVERNANCE retention: the only
     place the service does so; a legal hold still refuses);
  3. the document's metadata is deleted;
  4. the tombstone is marked destroyed.
Killed midway, a rerun finishes the remaining items and touches nothing outside the act.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from retention.acts import (
    ActStatus,
    ActTransitionError,
    CaseLine,
    build_rows,
    check_can_approve,
    check_can_cancel,
    check_can_execute,
    totals,
)
from service.domain.metadata import clean_text, parse_date
from service.domain.retention_service import RetentionService
from service.errors import Conflict, InvalidInput, NotFound
from service.settings import Settings
from service.storage.mongo import DocumentRepository, StudentRepository, utcnow
from service.storage.objects import ObjectStore
from service.storage.retention_repo import ActRepository, TombstoneRepository, iso

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class ActService:
    def __init__(
        self,
        *,
        settings: Settings,
        acts: ActRepository,
        tombstones: TombstoneRepository,
        documents: DocumentRepository,
        students: StudentRepository,
        objects: ObjectStore,
        retention: RetentionService,
    ) -> None:
        self._settings = settings
        self._acts = acts
        self._tombstones = tombstones
        self._documents = documents
        self._students = students
        self._objects = objects
        self._retention = retention

    async def get(self, school_id: str, act_id: str) -> dict[str, Any]:
        act = await self._acts.get(school_id, act_id)
        if act is None:
            raise NotFound("Акт не найден.")
        return act

    async def list(self, school_id: str) -> list[dict[str, Any]]:
        return await self._acts.list(school_id)

    async def draft(self, school_id: str, *, as_of: date, compiled_by: str | None) -> dict[str, Any]:
        """A draft act of every due case not on hold (a dry run: nothing is touched).

        Raises:
            InvalidInput: nothing is due as of that date.
        """
        report = await self._retention.due(school_id, as_of=as_of)
        in_other_acts = await self._acts.documents_in_open_acts(school_id)
        lines: list[CaseLine] = []
        items: list[dict[str, Any]] = []
        due_ids = {item.case["_id"] for item in report.due}
        documents = (
            [
                d
                for d in await self._documents.list_due(school_id, report.cutoff.isoformat())
                if d.case_id in due_ids
            ]
            if due_ids
            else []
        )
        held = await self._retention.held_filter(school_id)
        by_case: dict[str, list[Any]] = {}
        for document in documents:
            if document.id in in_other_acts or held(document):
                continue
            by_case.setdefault(document.case_id or "", []).append(document)
        for due in report.due:
            case = due.case
            case_documents = by_case.get(case["_id"], [])
            if not case_documents:
                continue
            retention = case["retention_label"] + (f"; {case['article']}" if case.get("article") else "")
            note = "Срок не утверждён ЭК (заглушка номенклатуры)" if case.get("to_be_confirmed") else ""
            if case.get("review"):
                note = (
                    note + "; " if note else ""
                ) + f"экспертиза ценности: протокол ЭК № {case['review']['protocol_number']}"
            if case.get("dmn_decision"):
                note = (note + "; " if note else "") + "надобность миновала"
            lines.append(
                CaseLine(
                    case["_id"],
                    case["index"],
                    case["title"],
                    case["year"],
                    len(case_documents),
                    retention,
                    note,
                )
            )
            for d in case_documents:
                items.append(
                    {
                        "document_id": d.id,
                        "case_id": case["_id"],
                        "student_id": d.student_id,
                        "title": d.metadata.title,
                        "sha256": d.file.sha256,
                        "size": d.file.size,
                        "keys": [d.object_key, d.thumbnail_key],
                    }
                )
        if not items:
            raise InvalidInput(f"На {as_of:%d.%m.%Y} нет дел, подлежащих уничтожению.", field="as_of")
        rows = build_rows(lines)
        count, years = totals(rows)
        sequence = await self._acts.count_in_year(school_id, as_of.year) + 1
        for _ in range(5):
            act = {
                "_id": str(uuid.uuid4()),
                "school_id": school_id,
                "number": f"{as_of.year}-{sequence}",
                "act_date": iso(as_of),
                "status": ActStatus.DRAFT.value,
                "compiled_by": clean_text(compiled_by, "compiled_by", max_len=200),
                "created_at": utcnow(),
                "rows": [r.__dict__ for r in rows],
                "total_items": count,
                "total_bytes": sum(i["size"] for i in items),
                "years": years,
                "items": items,
            }
            if await self._acts.add(act):
                return act
            sequence += 1
        raise Conflict("Не удалось присвоить номер акту: попробуйте ещё раз.")

    async def approve(
        self, school_id: str, act_id: str, fields: Mapping[str, str | None], *, today: date
    ) -> dict[str, Any]:
        """The director approves (УТВЕРЖДАЮ) with the expert commission's protocol (СОГЛАСОВАНО)."""
        act = await self.get(school_id, act_id)
        self._check(check_can_approve, act)
        approval = {
            "approved_by": clean_text(fields.get("approved_by"), "approved_by", required=True, max_len=200),
            "approved_on": iso(parse_date(fields.get("approved_on"), "approved_on", today=today) or today),
            "protocol_number": clean_text(
                fields.get("protocol_number"), "protocol_number", required=True, max_len=50
            ),
            "protocol_date": iso(self._required_date(fields, "protocol_date", today)),
        }
        updated = await self._acts.transition(
            school_id,
            act_id,
            [ActStatus.DRAFT.value],
            {"status": ActStatus.APPROVED.value, "approval": approval},
        )
        return await self._after_transition(updated, school_id, act_id)

    async def cancel(self, school_id: str, act_id: str, fields: Mapping[str, str | None]) -> dict[str, Any]:
        act = await self.get(school_id, act_id)
        self._check(check_can_cancel, act)
        cancellation = {
            "cancelled_by": clean_text(
                fields.get("cancelled_by"), "cancelled_by", required=True, max_len=200
            ),
            "reason": clean_text(fields.get("reason"), "reason", required=True),
            "cancelled_at": utcnow(),
        }
        updated = await self._acts.transition(
            school_id,
            act_id,
            [ActStatus.DRAFT.value, ActStatus.APPROVED.value],
            {"status": ActStatus.CANCELLED.value, "cancellation": cancellation},
        )
        return await self._after_transition(updated, school_id, act_id)

    async def execute(
        self, school_id: str, act_id: str, *, executed_by: str | None, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Destroy the items of an approved act (or finish an interrupted execution).

        Raises:
            Conflict: the act is not approved (drafts, cancelled and executed acts destroy nothing).
        """
        act = await self.get(school_id, act_id)
        self._check(check_can_execute, act)
        who = clean_text(executed_by, "executed_by", required=True, max_len=200)
        started = await self._acts.transition(
            school_id,
            act_id,
            [ActStatus.APPROVED.value, ActStatus.EXECUTING.value],
            {
                "status": ActStatus.EXECUTING.value,
                "execution.executed_by": who,
                "execution.started_at": act.get("execution", {}).get("started_at") or utcnow(),
            },
        )
        act = await self._after_transition(started, school_id, act_id)
        destroyed: list[str] = []
        skipped: list[dict[str, str]] = []
        items = act["items"]
        for n, item in enumerate(items, start=1):
            outcome = await self._destroy_item(act, item)
            if outcome == "destroyed":
                destroyed.append(item["document_id"])
            else:
                skipped.append({"document_id": item["document_id"], "reason": outcome})
            if progress:
                progress(n, len(items))
        result = {
            "destroyed": destroyed,
            "skipped": skipped,
            "destroyed_bytes": sum(i["size"] for i in items if i["document_id"] in set(destroyed)),
            "finished_at": utcnow(),
            "executed_by": who,
            "started_at": act["execution"]["started_at"],
        }
        finished = await self._acts.transition(
            school_id,
            act_id,
            [ActStatus.EXECUTING.value],
            {"status": ActStatus.EXECUTED.value, "execution": result},
        )
        log.info(
            "act executed", extra={"act": act["number"], "destroyed": len(destroyed), "skipped": len(skipped)}
        )
        return await self._after_transition(finished, school_id, act_id)

    async def _destroy_item(self, act: Mapping[str, Any], item: Mapping[str, Any]) -> str:
        school_id = act["school_id"]
        document = await self._documents.get(school_id, item["document_id"])
        if document is None:
            done = await self._tombstones.begin(self._tombstone(act, item, student_id=item["student_id"]))
            if done.get("act_number") != act["number"]:
                return "not_in_this_act"  # destroyed by another act (cannot happen: acts exclude each other)
            if done.get("state") != "destroyed":
                await self._objects.destroy(item["keys"])  # resume: objects may still be there
                await self._tombstones.finish(item["document_id"], utcnow())
            return "destroyed"
        if document.case_id != item["case_id"] or document.file.sha256 != item["sha256"]:
            return "changed_since_draft"
        if await self._retention.is_held(document):
            return "on_hold"
        await self._tombstones.begin(self._tombstone(act, item, student_id=document.student_id))
        await self._objects.destroy(item["keys"])
        await self._documents.delete(school_id, document.id)
        await self._retention.count_in_case(document, documents=-1)
        await self._tombstones.finish(document.id, utcnow())
        return "destroyed"

    @staticmethod
    def _tombstone(act: Mapping[str, Any], item: Mapping[str, Any], *, student_id: str) -> dict[str, Any]:
        return {
            "_id": item["document_id"],
            "school_id": act["school_id"],
            "student_id": student_id,
            "case_id": item["case_id"],
            "sha256": item["sha256"],
            "size": item["size"],
            "title": item["title"],
            "act_id": act["_id"],
            "act_number": act["number"],
            "state": "destroying",
            "destroyed_at": None,
        }

    async def tombstones(self, school_id: str, act: Mapping[str, Any]) -> list[dict[str, Any]]:
        return await self._tombstones.for_act(school_id, act["number"])

    async def tombstones_for_student(self, school_id: str, student_id: str) -> list[dict[str, Any]]:
        return await self._tombstones.for_student(school_id, student_id)

    async def student_names(self, school_id: str, act: Mapping[str, Any]) -> dict[str, str]:
        ids = {i["student_id"] for i in act.get("items", [])}
        students = await self._students.get_many(school_id, ids)
        return {sid: s.full_name for sid, s in students.items()}

    @staticmethod
    def _check(check: Callable[[ActStatus], None], act: Mapping[str, Any]) -> None:
        try:
            check(ActStatus(act["status"]))
        except ActTransitionError as exc:
            raise Conflict(exc.message) from None

    async def _after_transition(
        self, updated: dict[str, Any] | None, school_id: str, act_id: str
    ) -> dict[str, Any]:
        if updated is None:
            # Someone else moved the act in between; report its state as it is now.
            act = await self.get(school_id, act_id)
            raise Conflict(f"Акт изменён одновременно другим пользователем (сейчас: {act['status']}).")
        return updated

    @staticmethod
    def _required_date(fields: Mapping[str, str | None], name: str, today: date) -> date:
        value = parse_date(fields.get(name), name, today=today)
        if value is None:
            raise InvalidInput("Укажите дату протокола экспертной комиссии.", field=name)
        return value
