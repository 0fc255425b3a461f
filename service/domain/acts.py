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
from datetime import date, timedelta
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
from retention.rules import CaseState
from service.domain.access_log import AccessLog
from service.domain.metadata import clean_text, parse_date
from service.domain.portfolio_service import forget_portfolios
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
        access_log: AccessLog,
        lease_seconds: int = 300,
    ) -> None:
        self._access_log = access_log
        self._lease_seconds = lease_seconds
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

    async def draft(
        self, school_id: str, *, as_of: date, compiled_by: str | None, today: date
    ) -> dict[str, Any]:
        """A draft act of every due case not on hold (a dry run: nothing is touched).

        Raises:
            InvalidInput: the date is in the future, or nothing is due as of that date.
            Conflict: another act took some of the documents at the same moment.
        """
        if as_of > today:
            raise InvalidInput("Акт не может быть датирован будущим числом.", field="as_of")
        report = await self._retention.due(school_id, as_of=as_of)
        in_other_acts = await self._acts.documents_in_open_acts(school_id)
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
        names = await self._retention.pupil_names(
            school_id, {d.case["student_id"] for d in report.due if d.case.get("student_id")}
        )
        lines: list[CaseLine] = []
        items: list[dict[str, Any]] = []
        for due in report.due:
            case = due.case
            case_documents = by_case.get(case["_id"], [])
            if not case_documents:
                continue
            lines.append(self._line(case, len(case_documents), names))
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
        act_id = str(uuid.uuid4())
        # Claims make "one document, one open act" a unique-index fact, even for parallel drafts.
        if await self._acts.claim(act_id, school_id, [i["document_id"] for i in items]):
            raise Conflict(
                "Часть документов уже включена в другой акт, который составляется сейчас. Повторите позже."
            )
        sequence = await self._acts.count_in_year(school_id, as_of.year) + 1
        try:
            for _ in range(20):
                act = {
                    "_id": act_id,
                    "school_id": school_id,
                    "number": f"{as_of.year}-{sequence}",
                    "act_date": iso(as_of),
                    "status": ActStatus.DRAFT.value,
                    "compiled_by": clean_text(compiled_by, "compiled_by", max_len=200),
                    "created_at": utcnow(),
                    "rows": [r.__dict__ for r in rows],
                    "total_items": count,
                    "total_documents": len(items),
                    "total_bytes": sum(i["size"] for i in items),
                    "years": years,
                    "items": items,
                }
                if await self._acts.add(act):
                    return act
                sequence += 1
        except BaseException:
            await self._acts.release_claims(act_id)
            raise
        await self._acts.release_claims(act_id)
        raise Conflict("Не удалось присвоить номер акту: попробуйте ещё раз.")

    @staticmethod
    def _line(case: Mapping[str, Any], documents: int, names: Mapping[str, str]) -> CaseLine:
        retention = case["retention_label"] + (f"; {case['article']}" if case.get("article") else "")
        notes = [f"документов: {documents}"]
        if case.get("to_be_confirmed"):
            notes.append("срок не утверждён ЭК (заглушка номенклатуры)")
        if case.get("review"):
            notes.append(f"экспертиза ценности: протокол ЭК № {case['review']['protocol_number']}")
        if case.get("dmn_decision"):
            notes.append("надобность миновала")
        title = case["title"]
        if case.get("student_id"):
            title = f"{title}: {names.get(case['student_id'], case['student_id'])}"
        # An act lists cases: each case (дело) is one unit of storage (ед. хр.).
        return CaseLine(case["_id"], case["index"], title, case["year"], 1, retention, "; ".join(notes))

    async def approve(
        self, school_id: str, act_id: str, fields: Mapping[str, str | None], *, today: date
    ) -> dict[str, Any]:
        """The director approves (УТВЕРЖДАЮ) with the expert commission's protocol (СОГЛАСОВАНО)."""
        act = await self.get(school_id, act_id)
        self._check(check_can_approve, act)
        approved_on = parse_date(fields.get("approved_on"), "approved_on", today=today) or today
        protocol_date = self._required_date(fields, "protocol_date", today)
        act_date = date.fromisoformat(act["act_date"])
        # The act is drawn up, then agreed by the expert commission, then approved.
        if not act_date <= protocol_date <= approved_on:
            raise InvalidInput(
                f"Даты не по порядку: акт от {act_date:%d.%m.%Y}, протокол ЭК от {protocol_date:%d.%m.%Y}, "
                f"утверждение {approved_on:%d.%m.%Y}. Протокол не может быть раньше акта, "
                "утверждение — раньше протокола.",
                field="protocol_date",
            )
        approval = {
            "approved_by": clean_text(fields.get("approved_by"), "approved_by", required=True, max_len=200),
            "approved_on": iso(approved_on),
            "protocol_number": clean_text(
                fields.get("protocol_number"), "protocol_number", required=True, max_len=50
            ),
            "protocol_date": iso(protocol_date),
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
        cancelled = await self._after_transition(updated, school_id, act_id)
        await self._acts.release_claims(act_id)
        return cancelled

    async def check_executable(self, school_id: str, act_id: str) -> None:
        """Raises NotFound / Conflict unless the act may be executed now."""
        self._check(check_can_execute, await self.get(school_id, act_id))

    async def execute(
        self,
        school_id: str,
        act_id: str,
        *,
        executed_by: str | None,
        today: date,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Destroy the items of an approved act (or finish an interrupted execution).

        One runner at a time: starting takes a lease on the act; a second call while the lease
        is held is refused, and a run killed outright can be resumed once its lease has expired.

        Raises:
            Conflict: the act is not approved, or is being executed right now.
        """
        act = await self.get(school_id, act_id)
        self._check(check_can_execute, act)
        who = clean_text(executed_by, "executed_by", required=True, max_len=200)
        now = utcnow()
        started = await self._acts.take_execution_lease(
            school_id,
            act_id,
            now=now,
            until=now + timedelta(seconds=self._lease_seconds),
            executed_by=who,
            started_at=(act.get("execution") or {}).get("started_at") or now,
        )
        if started is None:
            self._check(check_can_execute, await self.get(school_id, act_id))
            raise Conflict("Акт уже исполняется. Дождитесь окончания или повторите через несколько минут.")
        act = started
        destroyed: list[str] = []
        skipped: list[dict[str, str]] = []
        items = act["items"]
        try:
            for n, item in enumerate(items, start=1):
                outcome = await self._destroy_item(act, item, today=today)
                if outcome == "destroyed":
                    destroyed.append(item["document_id"])
                else:
                    skipped.append({"document_id": item["document_id"], "reason": outcome})
                await self._acts.renew_execution_lease(
                    school_id, act_id, until=utcnow() + timedelta(seconds=self._lease_seconds)
                )
                if progress:
                    progress(n, len(items))
        except BaseException:
            # A rerun may start at once after an error seen here; a killed process waits for the lease.
            await self._acts.renew_execution_lease(school_id, act_id, until=utcnow())
            raise
        for case_id in {i["case_id"] for i in items}:
            await self._retention.recount_case(school_id, case_id)
        # Kept portfolios are copies of what was just destroyed: they go too (they are never
        # locked, and the next request assembles a new one from what is left).
        for student_id in {i["student_id"] for i in items if i.get("student_id")}:
            await forget_portfolios(self._objects, school_id, student_id)
        destroyed_set = set(destroyed)
        result = {
            "destroyed": destroyed,
            "skipped": skipped,
            "destroyed_bytes": sum(i["size"] for i in items if i["document_id"] in destroyed_set),
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
        executed = await self._after_transition(finished, school_id, act_id)
        # Skipped items (on hold, no longer due) may go into a later act.
        await self._acts.release_claims(act_id)
        return executed

    async def _destroy_item(self, act: Mapping[str, Any], item: Mapping[str, Any], *, today: date) -> str:
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
        # The case must still be due today (a review or a changed clock may have moved it).
        case = await self._retention.case(school_id, item["case_id"])
        if await self._retention.state_of(case, as_of=today) is not CaseState.DUE:
            return "not_due"
        await self._tombstones.begin(self._tombstone(act, item, student_id=document.student_id))
        await self._objects.destroy(item["keys"])
        await self._documents.delete(school_id, document.id)
        await self._tombstones.finish(document.id, utcnow())
        await self._access_log.record(
            school_id,
            "destroy",
            student_id=document.student_id,
            document_id=document.id,
            actor=act["execution"].get("executed_by"),
            role="archivist",
            details={"act": act["number"]},
        )
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
