"""The individual record of results and rewards, queried: by class and academic year, and the
candidates for the state register of gifted children (ГИР).

A result counts for the ГИР when the pupil is a winner or prize-winner of an event of regional
level or above that the ministry's Перечень lists for that academic year (the brief, section
4.1). Whether an event is in the Перечень is the deputy's call: they set the flag per document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from service.domain.metadata import parse_academic_year, parse_class_name
from service.domain.portfolio import ru_date
from service.models import (
    CATEGORY_TITLES_RU,
    LEVEL_TITLES_RU,
    RESULT_TITLES_RU,
    REWARD_KIND_TITLES_RU,
    Category,
    Document,
    EventLevel,
    Result,
    Student,
)
from service.storage.mongo import DocumentRepository, StudentRepository
from service.storage.rewards import RewardRepository

GIFTED_LEVELS = frozenset(
    {EventLevel.REGIONAL, EventLevel.INTERREGIONAL, EventLevel.NATIONAL, EventLevel.INTERNATIONAL}
)
GIFTED_RESULTS = frozenset({Result.WINNER, Result.PRIZE_WINNER})


@dataclass(frozen=True)
class Table:
    """A titled table with Russian headers: served as JSON rows, CSV or XLSX."""

    title: str
    headers: list[str]
    rows: list[list[Any]]
    summary: dict[str, Any]


def _level(d: Document) -> str:
    return LEVEL_TITLES_RU[d.metadata.event_level] if d.metadata.event_level else "не указан"


def _result(d: Document) -> str:
    return (RESULT_TITLES_RU[d.metadata.result] if d.metadata.result else "") or "не указан"


def _weighted(documents: list[Document], weight: dict[str, int], key: Any) -> Counter[Any]:
    counts: Counter[Any] = Counter()
    for d in documents:
        counts[key(d)] += weight[d.id]
    return counts


class RecordService:
    def __init__(self, students: StudentRepository, documents: DocumentRepository, rewards: RewardRepository):
        self._students = students
        self._documents = documents
        self._rewards = rewards

    async def class_year(
        self, school_id: str, class_name: str, academic_year: str, *, verified_only: bool = True
    ) -> Table:
        """Counts of a class's achievements in a year by category, level and result; its rewards.

        Raises InvalidInput for a malformed class or year.
        """
        name = parse_class_name(class_name)
        year = parse_academic_year(academic_year, default="")
        pupils = await self._students.list(school_id, class_name=name)
        ids = [p.id for p in pupils]
        documents = [
            d
            for d in await self._documents.list_for_year(school_id, year, student_ids=ids)
            if d.status == "verified" or (not verified_only and d.status == "pending")
        ]
        rank = {c: i for i, c in enumerate(Category)}
        in_class = set(ids)
        # A team diploma counts once for each pupil of the class it names.
        weight = {d.id: len({d.student_id, *d.linked_student_ids} & in_class) for d in documents}
        counts = _weighted(documents, weight, lambda d: (d.metadata.category, _level(d), _result(d)))
        rows: list[list[Any]] = [
            [CATEGORY_TITLES_RU[category], level, result, n]
            for (category, level, result), n in sorted(
                counts.items(), key=lambda kv: (rank[kv[0][0]], kv[0][1:])
            )
        ]
        rewards = await self._rewards.list_for_students(school_id, ids, academic_year=year)
        by_kind = Counter(REWARD_KIND_TITLES_RU[r.kind] for r in rewards)
        rows += [["Поощрения", kind, "", n] for kind, n in sorted(by_kind.items())]
        return Table(
            title=f"{name} {year}".replace("/", "-"),
            headers=["Направление", "Уровень", "Результат", "Количество"],
            rows=rows,
            summary={
                "class_name": name,
                "academic_year": year,
                "pupils": len(pupils),
                "documents": len(documents),
                "achievements": sum(weight.values()),
                "by_category": {
                    CATEGORY_TITLES_RU[c]: n
                    for c, n in sorted(
                        _weighted(documents, weight, lambda d: d.metadata.category).items(),
                        key=lambda kv: rank[kv[0]],
                    )
                },
                "by_level": dict(sorted(_weighted(documents, weight, _level).items())),
                "by_result": dict(sorted(_weighted(documents, weight, _result).items())),
                "rewards": len(rewards),
                "rewards_by_kind": dict(sorted(by_kind.items())),
                "verified_only": verified_only,
            },
        )

    async def gifted_candidates(self, school_id: str, academic_year: str) -> Table:
        """Verified winner and prize-winner results of regional level and above in the year.

        Raises InvalidInput for a malformed year.
        """
        year = parse_academic_year(academic_year, default="")
        documents = [
            d
            for d in await self._documents.list_for_year(school_id, year)
            if d.status == "verified"
            and d.metadata.event_level in GIFTED_LEVELS
            and d.metadata.result in GIFTED_RESULTS
        ]
        concerned = {i for d in documents for i in (d.student_id, *d.linked_student_ids)}
        pupils: dict[str, Student] = await self._students.get_many(school_id, concerned)
        # A team result is a result of every pupil it names: one row each.
        pairs = [
            (pupils[i], d) for d in documents for i in (d.student_id, *d.linked_student_ids) if i in pupils
        ]
        pairs.sort(key=lambda pd: (pd[0].class_name, pd[0].full_name, pd[1].metadata.title))
        rows = []
        for pupil, d in pairs:
            rows.append(
                [
                    pupil.full_name,
                    pupil.class_name,
                    d.metadata.title,
                    d.metadata.event or "",
                    _level(d),
                    _result(d),
                    ru_date(d.metadata.issued_on) if d.metadata.issued_on else "",
                    "да" if d.in_ministry_list else "нет (проверьте перечень)",
                    d.id,
                ]
            )
        return Table(
            title=f"ГИР {year}".replace("/", "-"),
            headers=[
                "Обучающийся",
                "Класс",
                "Документ",
                "Мероприятие",
                "Уровень",
                "Результат",
                "Дата",
                "В перечне Минпросвещения",
                "Документ (id)",
            ],
            rows=rows,
            summary={
                "academic_year": year,
                "candidates": len({p.id for p, _ in pairs}),
                "results": len(pairs),
                "confirmed_in_list": sum(1 for _, d in pairs if d.in_ministry_list),
            },
        )
