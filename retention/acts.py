"""Destruction acts («Акт о выделении к уничтожению документов, не подлежащих хранению»):
their life cycle and their rows. Pure: storage and PDFs live in the service."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class ActStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    EXECUTING = "executing"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class ActTransitionError(Exception):
    """The act is not in a state that allows this step; ``message`` is in Russian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


STATUS_RU = {
    ActStatus.DRAFT: "проект",
    ActStatus.APPROVED: "утверждён",
    ActStatus.EXECUTING: "исполняется",
    ActStatus.EXECUTED: "исполнен",
    ActStatus.CANCELLED: "отменён",
}


def check_can_approve(status: ActStatus) -> None:
    if status is not ActStatus.DRAFT:
        raise ActTransitionError(f"Утвердить можно только проект акта; этот акт — {STATUS_RU[status]}.")


def check_can_cancel(status: ActStatus) -> None:
    if status not in (ActStatus.DRAFT, ActStatus.APPROVED):
        raise ActTransitionError(f"Отменить можно только неисполненный акт; этот акт — {STATUS_RU[status]}.")


def check_can_execute(status: ActStatus) -> None:
    """Only an approved act (or one whose execution was interrupted) may destroy anything."""
    if status not in (ActStatus.APPROVED, ActStatus.EXECUTING):
        raise ActTransitionError(
            f"Уничтожать документы можно только по утверждённому акту; этот акт — {STATUS_RU[status]}."
        )


@dataclass(frozen=True)
class ActRow:
    """One line of the act: a case (дело) with the number of its items going to destruction."""

    number: int
    case_id: str
    index: str
    title: str
    years: str
    items: int
    retention: str  # period and article, as printed
    note: str


@dataclass(frozen=True)
class CaseLine:
    case_id: str
    index: str
    title: str
    year: int
    items: int
    retention: str
    note: str


def build_rows(cases: Iterable[CaseLine]) -> list[ActRow]:
    """Rows in nomenclature order, then by year and case."""
    ordered = sorted(cases, key=lambda c: (c.index, c.year, c.case_id))
    return [
        ActRow(n, c.case_id, c.index, c.title, str(c.year), c.items, c.retention, c.note)
        for n, c in enumerate(ordered, start=1)
    ]


def totals(rows: Iterable[ActRow]) -> tuple[int, str]:
    """(number of items, the years they cover as printed: "2019" or "2019–2021")."""
    rows = list(rows)
    years = sorted({int(r.years) for r in rows})
    span = "" if not years else (str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}")
    return sum(r.items for r in rows), span
