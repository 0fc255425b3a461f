"""The archivist's side: nomenclature versions, cases and their clocks, holds, the due list,
and Object Lock on the stored objects. The rules themselves live in the pure ``retention``
package; this module applies them to what is stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from retention.nomenclature import (
    Entry,
    Nomenclature,
    NomenclatureError,
    default_nomenclature_text,
    parse_nomenclature,
)
from retention.rules import (
    CaseClock,
    CaseState,
    RetentionKind,
    RetentionRule,
    Review,
    ReviewDecision,
    act_cutoff,
    case_closed_on,
    case_state,
    destroy_not_before,
    expiry,
    lock_until,
)
from service.domain.metadata import clean_text, parse_choice, parse_date
from service.errors import Conflict, InvalidInput, NotFound
from service.models import Document, DocumentKind, Student
from service.storage.mongo import DocumentRepository, StudentRepository, utcnow
from service.storage.objects import ObjectStore
from service.storage.retention_repo import (
    CaseRepository,
    HoldRepository,
    NomenclatureRepository,
    from_iso,
    iso,
)

log = logging.getLogger(__name__)

DOCUMENT_KINDS = [k.value for k in DocumentKind]
# The case's expected closing is computed as if the year were over: the clock fields stored on a
# case do not depend on today's date, only on the year, the leaving date and decisions.
_END_OF_TIME = date(9999, 12, 31)

HOLD_TARGETS = {"document": "документ", "case": "дело", "student": "обучающийся"}


def case_id_for(entry: Entry, year: int, student_id: str | None) -> str:
    return (
        f"{entry.index}/{year}/{student_id}" if entry.pupil_level and student_id else f"{entry.index}/{year}"
    )


def clock_of(case: Mapping[str, Any], *, left_on: date | None) -> CaseClock:
    retention = case["retention"]
    rule = RetentionRule(RetentionKind(retention["kind"]), retention.get("years"))
    review = None
    if case.get("review"):
        r = case["review"]
        review = Review(
            ReviewDecision(r["decision"]),
            r["protocol_number"],
            from_iso(r["protocol_date"]) or date.min,
            from_iso(r.get("extend_to")),
        )
    dmn = case.get("dmn_decision") or {}
    event_on = left_on if rule.kind is RetentionKind.YEARS_AFTER_LEAVING else None
    return CaseClock(
        year=case["year"],
        rule=rule,
        epk=bool(case.get("epk")),
        closed_on=case_closed_on(case["year"], today=_END_OF_TIME, left_on=left_on),
        event_on=event_on,
        review=review,
        no_longer_needed_on=from_iso(dmn.get("decided_on")),
    )


def clock_fields(clock: CaseClock) -> dict[str, Any]:
    """The stored, indexed projection of a case's clock."""
    return {
        "closes_on": iso(clock.closed_on),
        "event_on": iso(clock.event_on),
        "expires_on": iso(expiry(clock)),
        "destroy_not_before": iso(destroy_not_before(clock)),
    }


@dataclass
class DueCase:
    case: dict[str, Any]
    state: CaseState
    documents: int
    bytes: int
    on_hold: bool = False


@dataclass
class DueReport:
    as_of: date
    cutoff: date
    due: list[DueCase] = field(default_factory=list)
    expert_review: list[DueCase] = field(default_factory=list)
    needs_decision: list[DueCase] = field(default_factory=list)
    on_hold: list[DueCase] = field(default_factory=list)


class RetentionService:
    def __init__(
        self,
        *,
        nomenclatures: NomenclatureRepository,
        cases: CaseRepository,
        holds: HoldRepository,
        documents: DocumentRepository,
        students: StudentRepository,
        objects: ObjectStore,
    ) -> None:
        self._nomenclatures = nomenclatures
        self._cases = cases
        self._holds = holds
        self._documents = documents
        self._students = students
        self._objects = objects

    # --- nomenclature ----------------------------------------------------------------------
    async def nomenclature(self, school_id: str) -> Nomenclature:
        """The current version; the shipped default becomes version 1 on first use."""
        raw = await self._nomenclatures.latest(school_id)
        if raw is None:
            await self._nomenclatures.add(school_id, 1, default_nomenclature_text(), "default", utcnow())
            raw = await self._nomenclatures.latest(school_id)
            assert raw is not None
        return parse_nomenclature(raw["text"], document_kinds=DOCUMENT_KINDS, version=raw["version"])

    async def nomenclature_version(self, school_id: str, version: int) -> Nomenclature:
        raw = await self._nomenclatures.get(school_id, version)
        if raw is None:
            raise NotFound("Такой версии номенклатуры нет.")
        return parse_nomenclature(raw["text"], document_kinds=DOCUMENT_KINDS, version=raw["version"])

    async def nomenclature_versions(self, school_id: str) -> list[dict[str, Any]]:
        await self.nomenclature(school_id)
        return await self._nomenclatures.versions(school_id)

    async def upload_nomenclature(self, school_id: str, text: str, *, uploaded_by: str) -> Nomenclature:
        uploaded_by = clean_text(uploaded_by, "uploaded_by", required=True, max_len=200) or ""
        """Validate and store a new version. Raises InvalidInput listing every problem."""
        current = await self.nomenclature(school_id)
        try:
            parsed = parse_nomenclature(text, document_kinds=DOCUMENT_KINDS, version=current.version + 1)
        except NomenclatureError as exc:
            raise InvalidInput(
                "Номенклатура не принята. " + " ".join(exc.problems), field="nomenclature"
            ) from None
        if not await self._nomenclatures.add(school_id, parsed.version, text, uploaded_by, utcnow()):
            raise Conflict("Номенклатуру одновременно изменил кто-то ещё. Загрузите её ещё раз.")
        return parsed

    # --- filing ----------------------------------------------------------------------------
    async def file_document(
        self, school_id: str, student: Student, kind: str, category: str, *, today: date
    ) -> dict[str, Any]:
        """The case (created when missing) that a new document goes into: the current year's."""
        nomenclature = await self.nomenclature(school_id)
        entry = nomenclature.file(kind, category)
        year = today.year
        case = {
            "_id": case_id_for(entry, year, student.id),
            "school_id": school_id,
            "index": entry.index,
            "year": year,
            "student_id": student.id if entry.pupil_level else None,
            "nomenclature_version": nomenclature.version,
            "title": entry.title,
            "retention": {"kind": entry.retention.kind.value, "years": entry.retention.years},
            "retention_label": entry.retention_label_ru,
            "article": entry.article,
            "epk": entry.epk,
            "to_be_confirmed": entry.to_be_confirmed,
            "note": entry.note,
            "review": None,
            "dmn_decision": None,
            "created_at": utcnow(),
        }
        left_on = student.left_on if entry.pupil_level else None
        case.update(clock_fields(clock_of(case, left_on=left_on)))
        return await self._cases.ensure(case)

    async def recount_case(self, school_id: str, case_id: str) -> None:
        """Set a case's counters from its documents (after destruction, which may be resumed)."""
        n, size = await self._documents.stats_of_case(school_id, case_id)
        await self._cases.set_counts(school_id, case_id, documents=n, size=size)

    async def count_in_case(self, document: Document, *, documents: int) -> None:
        if document.case_id:
            await self._cases.count_document(
                document.school_id, document.case_id, documents=documents, size=documents * document.file.size
            )

    async def protect(self, document: Document, case: Mapping[str, Any], *, today: date) -> None:
        """Lock the document's objects (GOVERNANCE) until the case may be destroyed, and put a
        legal hold on them if a hold covers the document already."""
        left_on = await self._left_on(document.school_id, case.get("student_id"))
        until = lock_until(clock_of(case, left_on=left_on), today=today)
        for key, version in self._object_versions(document):
            await self._objects.protect_until(key, version, until)
        if await self._holds.active_for(document.school_id, self._hold_targets(document)):
            for key, version in self._object_versions(document):
                await self._objects.set_legal_hold(key, version, on=True)

    @staticmethod
    def _object_versions(document: Document) -> list[tuple[str, str | None]]:
        return [
            (document.object_key, document.object_version),
            (document.thumbnail_key, document.thumbnail_version),
        ]

    @staticmethod
    def _hold_targets(document: Document) -> list[tuple[str, str]]:
        targets = [("document", document.id), ("student", document.student_id)]
        if document.case_id:
            targets.append(("case", document.case_id))
        return targets

    async def _left_on(self, school_id: str, student_id: str | None) -> date | None:
        if not student_id:
            return None
        student = await self._students.get(school_id, student_id)
        return student.left_on if student else None

    # --- events and decisions --------------------------------------------------------------
    async def record_leaving(
        self, school_id: str, student_id: str, fields: Mapping[str, str | None], *, today: date
    ) -> Student:
        """Record выбытие: closes the pupil's cases and starts their leaving-based clocks."""
        student = await self._students.get(school_id, student_id)
        if student is None:
            raise NotFound("Обучающийся не найден.")
        left_on = parse_date(fields.get("left_on"), "left_on", today=today)
        order = clean_text(fields.get("order_number"), "order_number", required=True, max_len=100)
        if left_on is None:
            raise InvalidInput("Укажите дату выбытия.", field="left_on")
        if student.left_on is not None:
            raise Conflict(
                f"Выбытие уже записано ({student.left_on:%d.%m.%Y}, приказ {student.leaving_order}). "
                "Исправление вносится администратором отдельно."
            )
        assert order is not None
        await self._students.set_leaving(school_id, student_id, left_on, order)
        for case in await self._cases.list(school_id, student_id=student_id):
            await self._recompute(case, left_on=left_on, today=today)
        updated = await self._students.get(school_id, student_id)
        assert updated is not None
        return updated

    async def review_case(
        self, school_id: str, case_id: str, fields: Mapping[str, str | None], *, today: date
    ) -> dict[str, Any]:
        """Record the expert commission's decision on an ЭПК case."""
        case = await self.case(school_id, case_id)
        if not case.get("epk"):
            raise InvalidInput(
                "Экспертиза ценности записывается только для дел с отметкой ЭПК.", field="case"
            )
        decision = parse_choice(ReviewDecision, fields.get("decision"), "decision", required=True)
        protocol = clean_text(fields.get("protocol_number"), "protocol_number", required=True, max_len=50)
        protocol_date = parse_date(fields.get("protocol_date"), "protocol_date", today=today)
        if protocol_date is None:
            raise InvalidInput("Укажите дату протокола экспертной комиссии.", field="protocol_date")
        extend_to = None
        if decision is ReviewDecision.EXTEND:
            raw = (fields.get("extend_to") or "").strip()
            try:
                extend_to = date.fromisoformat(raw) if raw else None
            except ValueError:
                extend_to = None
            if extend_to is None or extend_to <= today:
                raise InvalidInput(
                    "Укажите, до какой даты (в будущем) продлён срок хранения.", field="extend_to"
                )
        case["review"] = {
            "decision": decision.value if decision else None,
            "protocol_number": protocol,
            "protocol_date": iso(protocol_date),
            "extend_to": iso(extend_to),
            "recorded_at": utcnow(),
        }
        await self._cases.update(school_id, case_id, {"review": case["review"]})
        return await self._recompute(
            case, left_on=await self._left_on(school_id, case.get("student_id")), today=today
        )

    async def decide_dmn(
        self, school_id: str, case_id: str, fields: Mapping[str, str | None], *, today: date
    ) -> dict[str, Any]:
        """Record that a ДМН case is no longer needed (the only way it can enter an act)."""
        case = await self.case(school_id, case_id)
        if case["retention"]["kind"] != RetentionKind.DMN.value:
            raise InvalidInput(
                "Решение «миновала надобность» записывается только для дел со сроком ДМН.", field="case"
            )
        if case.get("dmn_decision"):
            raise Conflict("Решение «надобность миновала» по этому делу уже записано.")
        left_on = await self._left_on(school_id, case.get("student_id"))
        if case_closed_on(case["year"], today=today, left_on=left_on) is None:
            # New documents can still be filed into an open case; a decision must not cover them.
            raise InvalidInput(
                "Дело ещё не закрыто (год не закончился): решение можно записать после его закрытия.",
                field="case",
            )
        reason = clean_text(fields.get("reason"), "reason", required=True)
        decided_by = clean_text(fields.get("decided_by"), "decided_by", required=True, max_len=200)
        decision = {
            "decided_on": iso(today),
            "reason": reason,
            "decided_by": decided_by,
            "recorded_at": utcnow(),
        }
        case["dmn_decision"] = decision
        await self._cases.update(school_id, case_id, {"dmn_decision": decision})
        return await self._recompute(
            case, left_on=await self._left_on(school_id, case.get("student_id")), today=today
        )

    async def _recompute(self, case: dict[str, Any], *, left_on: date | None, today: date) -> dict[str, Any]:
        """Refresh the stored clock and extend the locks of the case's documents (never shorten)."""
        clock = clock_of(case, left_on=left_on if case.get("student_id") else None)
        updated = await self._cases.update(case["school_id"], case["_id"], clock_fields(clock))
        assert updated is not None
        await self._documents.set_due_from(case["school_id"], case["_id"], updated.get("destroy_not_before"))
        until = lock_until(clock, today=today)
        for document in await self._documents.list_in_cases(case["school_id"], [case["_id"]]):
            for key, version in self._object_versions(document):
                await self._objects.protect_until(key, version, until)
        return updated

    # --- reading ---------------------------------------------------------------------------
    async def case(self, school_id: str, case_id: str) -> dict[str, Any]:
        case = await self._cases.get(school_id, case_id)
        if case is None:
            raise NotFound("Дело не найдено.")
        return case

    async def cases(self, school_id: str, **filters: Any) -> list[dict[str, Any]]:
        return await self._cases.list(school_id, **filters)

    async def pupil_names(self, school_id: str, ids: Iterable[str]) -> dict[str, str]:
        pupils = await self._students.get_many(school_id, ids)
        return {sid: p.full_name for sid, p in pupils.items()}

    async def state_of(self, case: Mapping[str, Any], *, as_of: date) -> CaseState:
        left_on = await self._left_on(case["school_id"], case.get("student_id"))
        return self._state(case, left_on=left_on, as_of=as_of)

    @staticmethod
    def _state(case: Mapping[str, Any], *, left_on: date | None, as_of: date) -> CaseState:
        clock = clock_of(case, left_on=left_on)
        live = CaseClock(
            year=clock.year,
            rule=clock.rule,
            epk=clock.epk,
            closed_on=case_closed_on(
                case["year"], today=as_of, left_on=left_on if case.get("student_id") else None
            ),
            event_on=clock.event_on,
            review=clock.review,
            no_longer_needed_on=clock.no_longer_needed_on,
        )
        return case_state(live, act_date=as_of)

    async def due(self, school_id: str, *, as_of: date) -> DueReport:
        """Cases that may enter an act dated ``as_of``, and those waiting for a decision."""
        cutoff = act_cutoff(as_of)
        report = DueReport(as_of=as_of, cutoff=cutoff)
        destroyable = await self._cases.list_destroyable(school_id, cutoff)
        review = await self._cases.list_expired_unreviewed(school_id, cutoff)
        undecided = await self._cases.list_dmn_undecided(school_id)
        held_cases = await self.held_case_ids(school_id, destroyable)
        # Only pupils who left can change a case's closing; one index range, not a list of ids.
        left = await self._students.left_on_by_id(school_id)

        def left_on(case: Mapping[str, Any]) -> date | None:
            return left.get(case.get("student_id") or "")

        def stats_of(case: Mapping[str, Any]) -> tuple[int, int]:
            return int(case.get("documents", 0)), int(case.get("bytes", 0))

        for case in destroyable:
            n, size = stats_of(case)
            if n == 0:
                continue
            state = self._state(case, left_on=left_on(case), as_of=as_of)
            if state is not CaseState.DUE:
                continue
            item = DueCase(case, state, n, size, on_hold=case["_id"] in held_cases)
            (report.on_hold if item.on_hold else report.due).append(item)
        for case in review:
            n, size = stats_of(case)
            if n:
                report.expert_review.append(DueCase(case, CaseState.EXPERT_REVIEW, n, size))
        for case in undecided:
            n, size = stats_of(case)
            if n and self._state(case, left_on=left_on(case), as_of=as_of) is CaseState.NEEDS_DECISION:
                report.needs_decision.append(DueCase(case, CaseState.NEEDS_DECISION, n, size))
        return report

    # --- holds -----------------------------------------------------------------------------
    async def place_hold(self, school_id: str, fields: Mapping[str, str | None]) -> dict[str, Any]:
        """A legal hold stops every destruction of what it covers until it is released."""
        target_type = (fields.get("target_type") or "").strip()
        if target_type not in HOLD_TARGETS:
            raise InvalidInput(
                "Укажите, на что накладывается запрет: document, case или student.", field="target_type"
            )
        target_id = clean_text(fields.get("target_id"), "target_id", required=True, max_len=200)
        reason = clean_text(fields.get("reason"), "reason", required=True)
        placed_by = clean_text(fields.get("placed_by"), "placed_by", required=True, max_len=200)
        assert target_id is not None
        documents = await self._covered_documents(school_id, target_type, target_id)
        hold = {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "target_type": target_type,
            "target_id": target_id,
            "reason": reason,
            "placed_by": placed_by,
            "placed_at": utcnow(),
            "released_at": None,
        }
        await self._holds.add(hold)
        for document in documents:
            for key, version in self._object_versions(document):
                await self._objects.set_legal_hold(key, version, on=True)
        log.info("hold placed", extra={"hold_id": hold["_id"], "target_type": target_type})
        return hold

    async def release_hold(
        self, school_id: str, hold_id: str, fields: Mapping[str, str | None]
    ) -> dict[str, Any]:
        released_by = clean_text(fields.get("released_by"), "released_by", required=True, max_len=200)
        reason = clean_text(fields.get("reason"), "reason", required=True)
        hold = await self._holds.release(
            school_id,
            hold_id,
            {
                "released_at": utcnow(),
                "released_by": released_by,
                "release_reason": reason,
            },
        )
        if hold is None:
            existing = await self._holds.get(school_id, hold_id)
            if existing is None:
                raise NotFound("Запрет на уничтожение не найден.")
            raise Conflict("Этот запрет уже снят.")
        for document in await self._covered_documents(school_id, hold["target_type"], hold["target_id"]):
            if not await self._holds.active_for(school_id, self._hold_targets(document)):
                for key, version in self._object_versions(document):
                    await self._objects.set_legal_hold(key, version, on=False)
        return hold

    async def holds(self, school_id: str, *, active_only: bool) -> list[dict[str, Any]]:
        return await self._holds.list(school_id, active_only=active_only)

    async def _covered_documents(self, school_id: str, target_type: str, target_id: str) -> list[Document]:
        if target_type == "document":
            document = await self._documents.get(school_id, target_id)
            if document is None:
                raise NotFound("Документ не найден.")
            return [document]
        if target_type == "case":
            await self.case(school_id, target_id)
            return await self._documents.list_in_cases(school_id, [target_id])
        if await self._students.get(school_id, target_id) is None:
            raise NotFound("Обучающийся не найден.")
        return await self._documents.list_for_student(school_id, target_id)

    async def held_case_ids(self, school_id: str, cases: Iterable[Mapping[str, Any]]) -> set[str]:
        """Which of these cases are covered by an active case or pupil hold (holds are few: one query)."""
        holds = await self._holds.list(school_id, active_only=True)
        held_students = {h["target_id"] for h in holds if h["target_type"] == "student"}
        held = {h["target_id"] for h in holds if h["target_type"] == "case"}
        return {c["_id"] for c in cases if c["_id"] in held or c.get("student_id") in held_students}

    async def student_view(
        self, student: Student, documents: list[Document], tombstones: list[dict[str, Any]], *, today: date
    ) -> dict[str, Any]:
        """Per pupil: each document's case, retention, earliest destruction and holds, in Russian too."""
        rows = []
        to_destroy: list[str] = []  # after a withdrawal of consent: no legal basis left
        for document in documents:
            case = (
                await self._cases.get(student.school_id, document.case_id or "") if document.case_id else None
            )
            holds = await self.holds_on(document)
            state = (await self.state_of(case, as_of=today)).value if case else None
            due = case.get("destroy_not_before") if case else None
            if case is None:
                why = "Документ не отнесён к делу номенклатуры."
            elif holds:
                why = "Наложен запрет на уничтожение: " + "; ".join(h["reason"] for h in holds)
            elif due and case.get("dmn_decision"):
                why = (
                    f"Надобность миновала (дело {case['index']}); "
                    "документ может быть включён в акт об уничтожении."
                )
            elif due:
                why = (
                    f"Хранится по номенклатуре (дело {case['index']}, {case['retention_label']})"
                    f" до {_ru(due)}."
                )
            elif case["retention"]["kind"] == RetentionKind.PERMANENT.value:
                why = f"Хранится постоянно (дело {case['index']})."
            elif case["retention"]["kind"] == RetentionKind.YEARS_AFTER_LEAVING.value:
                why = (
                    f"Хранится {case['retention_label']} (дело {case['index']}); срок начнётся после выбытия."
                )
            else:
                why = (
                    f"Хранится по номенклатуре (дело {case['index']}, {case['retention_label']});"
                    " дата уничтожения ещё не определена."
                )
            on_withdrawal = _on_withdrawal(student, case, holds) if student.consent_withdrawn_on else None
            if student.consent_withdrawn_on and _must_destroy_on_withdrawal(case, holds):
                to_destroy.append(document.id)
            rows.append(
                {
                    "document_id": document.id,
                    "title": document.metadata.title,
                    "case_id": document.case_id,
                    "case_index": case["index"] if case else None,
                    "case_title": case["title"] if case else None,
                    "retention": case["retention_label"] if case else None,
                    "to_be_confirmed": case.get("to_be_confirmed") if case else None,
                    "state": state,
                    "destroy_not_before": due,
                    "holds": [
                        {"id": h["_id"], "reason": h["reason"], "placed_at": h["placed_at"]} for h in holds
                    ],
                    "explanation": why,
                    "on_consent_withdrawal": on_withdrawal,
                }
            )
        return {
            "student_id": student.id,
            "left_on": student.left_on,
            "consent_withdrawal": _withdrawal_summary(student, to_destroy),
            "documents": rows,
            "destroyed": [
                {
                    "document_id": t["_id"],
                    "title": t["title"],
                    "case_id": t["case_id"],
                    "act_number": t["act_number"],
                    "destroyed_at": t.get("destroyed_at"),
                    "sha256": t["sha256"],
                }
                for t in tombstones
            ],
        }

    async def held_filter(self, school_id: str) -> Callable[[Document], bool]:
        """A predicate "is this document covered by an active hold", from one query."""
        holds = await self._holds.list(school_id, active_only=True)
        targets = {(h["target_type"], h["target_id"]) for h in holds}

        def held(document: Document) -> bool:
            return (
                ("document", document.id) in targets
                or ("student", document.student_id) in targets
                or ("case", document.case_id or "") in targets
            )

        return held

    async def is_held(self, document: Document) -> bool:
        return bool(await self._holds.active_for(document.school_id, self._hold_targets(document)))

    async def holds_on(self, document: Document) -> list[dict[str, Any]]:
        return await self._holds.active_for(document.school_id, self._hold_targets(document))


# 152-ФЗ ст. 21 ч. 5: on withdrawal of consent, stop processing and destroy within 30 days unless
# another legal basis remains. Documents kept under the nomenclature are archival documents
# (ст. 1 ч. 2 п. 2: the law does not apply to their storage), so they stay until their period ends;
# what is kept only "until no longer needed" has no such basis left.
WITHDRAWAL_DAYS = 30


def _stop_by(student: Student) -> date:
    assert student.consent_withdrawn_on is not None
    return student.consent_withdrawn_on + timedelta(days=WITHDRAWAL_DAYS)


def _must_destroy_on_withdrawal(case: Mapping[str, Any] | None, holds: list[dict[str, Any]]) -> bool:
    return not holds and case is not None and case["retention"]["kind"] == RetentionKind.DMN.value


def _on_withdrawal(student: Student, case: Mapping[str, Any] | None, holds: list[dict[str, Any]]) -> str:
    """What a withdrawal of consent means for one document, in Russian."""
    if holds:
        return "Наложен запрет на уничтожение: документ хранится до его снятия."
    if _must_destroy_on_withdrawal(case, holds):
        return (
            f"Иного законного основания хранения нет: подлежит уничтожению не позднее "
            f"{_stop_by(student):%d.%m.%Y} (152-ФЗ, ст. 21 ч. 5); оформите решение о миновании "
            "надобности и включите дело в акт."
        )
    if case is None:
        return "Документ не отнесён к делу номенклатуры: решите, на каком основании он хранится."
    return (
        "Хранится как архивный документ по номенклатуре до истечения срока (152-ФЗ, ст. 1 ч. 2 п. 2); "
        "выдаётся только сотрудникам, оформляющим отзыв согласия."
    )


def _withdrawal_summary(student: Student, to_destroy: list[str]) -> dict[str, Any] | None:
    if student.consent_withdrawn_on is None:
        return None
    return {
        "withdrawn_on": student.consent_withdrawn_on,
        "stop_processing_by": _stop_by(student),
        "documents_to_destroy": to_destroy,
        "explanation": (
            f"Согласие отозвано {student.consent_withdrawn_on:%d.%m.%Y}. Обработка прекращается; "
            f"документы без иного законного основания уничтожаются до {_stop_by(student):%d.%m.%Y} "
            "(152-ФЗ, ст. 21 ч. 5), документы дел номенклатуры хранятся до конца своих сроков."
        ),
    }


def _ru(value: str | None) -> str | None:
    return date.fromisoformat(value).strftime("%d.%m.%Y") if value else None


def due_case_view(item: DueCase) -> dict[str, Any]:
    c = item.case
    return {
        "case_id": c["_id"],
        "index": c["index"],
        "year": c["year"],
        "title": c["title"],
        "student_id": c.get("student_id"),
        "retention": c["retention_label"],
        "article": c.get("article"),
        "epk": c.get("epk", False),
        "to_be_confirmed": c.get("to_be_confirmed", False),
        "destroy_not_before": c.get("destroy_not_before"),
        "state": item.state.value,
        "documents": item.documents,
        "bytes": item.bytes,
        "on_hold": item.on_hold,
    }
