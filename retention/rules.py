"""Retention periods and the clock (Правила 2023, Инструкция к Перечню 236; domain brief §2.1-2.2).

* The clock starts on 1 January of the year after the case was closed (for pupil-leaving and
  consent-based periods: after the year of that event).
* A case may enter a destruction act only if its period has run out by 1 January of the act's
  year.
* «Постоянно» never becomes due; «ДМН» only through a recorded decision that it is no longer
  needed; ЭПК cases, once expired, go to expert review and need a recorded decision.

Pure functions: today is always an argument.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class RetentionKind(enum.StrEnum):
    YEARS = "years"
    PERMANENT = "permanent"
    DMN = "dmn"  # до минования надобности
    YEARS_AFTER_LEAVING = "years_after_leaving"
    YEARS_AFTER_CONSENT_END = "years_after_consent_end"


_NEEDS_YEARS = {RetentionKind.YEARS, RetentionKind.YEARS_AFTER_LEAVING, RetentionKind.YEARS_AFTER_CONSENT_END}


def _years_ru(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} года"
    return f"{n} лет"


@dataclass(frozen=True)
class RetentionRule:
    kind: RetentionKind
    years: int | None = None

    def __post_init__(self) -> None:
        if (self.kind in _NEEDS_YEARS) != (self.years is not None):
            raise ValueError(
                f"{self.kind.value}: years {'required' if self.kind in _NEEDS_YEARS else 'not allowed'}"
            )
        if self.years is not None and not 1 <= self.years <= 100:
            raise ValueError("years must be between 1 and 100")

    def label_ru(self) -> str:
        match self.kind:
            case RetentionKind.PERMANENT:
                return "Постоянно"
            case RetentionKind.DMN:
                return "До минования надобности (ДМН)"
            case RetentionKind.YEARS:
                return _years_ru(self.years or 0)
            case RetentionKind.YEARS_AFTER_LEAVING:
                return f"{_years_ru(self.years or 0)} после выбытия обучающегося"
            case RetentionKind.YEARS_AFTER_CONSENT_END:
                return f"{_years_ru(self.years or 0)} после прекращения действия согласия"


class ReviewDecision(enum.StrEnum):
    DESTROY = "destroy"
    KEEP_PERMANENTLY = "keep_permanently"
    EXTEND = "extend"


@dataclass(frozen=True)
class Review:
    """The expert commission's decision on an ЭПК case whose period has run out."""

    decision: ReviewDecision
    protocol_number: str
    protocol_date: date
    extend_to: date | None = None  # with EXTEND: destroyable from this date


class CaseState(enum.StrEnum):
    OPEN = "open"  # the year (or the pupil's schooling) is not over
    RUNNING = "running"  # closed; the period has not run out
    WAITING_FOR_EVENT = "waiting_for_event"  # the clock needs a leaving / consent-end date
    PERMANENT = "permanent"
    NEEDS_DECISION = "needs_decision"  # ДМН: the archivist must record it is no longer needed
    EXPERT_REVIEW = "expert_review"  # ЭПК: expired, the commission must decide
    KEPT_PERMANENTLY = "kept_permanently"
    DUE = "due"


@dataclass(frozen=True)
class CaseClock:
    """What the clock of one case depends on."""

    year: int
    rule: RetentionRule
    epk: bool
    closed_on: date | None
    event_on: date | None = None  # leaving or consent end, for event-based rules
    review: Review | None = None
    no_longer_needed_on: date | None = None  # ДМН decision


def clock_start(event: date) -> date:
    """1 January of the year after the event (closing, leaving, end of consent)."""
    return date(event.year + 1, 1, 1)


def case_closed_on(year: int, *, today: date, left_on: date | None = None) -> date | None:
    """A case holds one calendar year; it closes at the year's end or when the pupil leaves."""
    if left_on is not None and left_on.year <= year and left_on <= today:
        return left_on
    end = date(year, 12, 31)
    return end if today > end else None


def expiry(clock: CaseClock) -> date | None:
    """The first day the period has run out (before any review or decision), or None if unknown
    or never."""
    rule = clock.rule
    if clock.closed_on is None or rule.kind in (RetentionKind.PERMANENT, RetentionKind.DMN):
        return None
    if rule.kind is RetentionKind.YEARS:
        start = clock_start(clock.closed_on)
    else:
        if clock.event_on is None:
            return None
        start = clock_start(max(clock.event_on, clock.closed_on))
    assert rule.years is not None
    return date(start.year + rule.years, 1, 1)


def destroy_not_before(clock: CaseClock) -> date | None:
    """The date from which the case may enter an act, with decisions applied; None: not (yet)."""
    if clock.closed_on is None:
        return None
    if clock.rule.kind is RetentionKind.DMN:
        # A recorded "no longer needed" decision lets the case into the acts of that year.
        decided = clock.no_longer_needed_on
        return date(decided.year, 1, 1) if decided else None
    expires = expiry(clock)
    if expires is None:
        return None
    if clock.epk:
        if clock.review is None:
            return None
        if clock.review.decision is ReviewDecision.KEEP_PERMANENTLY:
            return None
        if clock.review.decision is ReviewDecision.EXTEND:
            return clock.review.extend_to
    return expires


def act_cutoff(act_date: date) -> date:
    """A period must have run out by 1 January of the act's year."""
    return date(act_date.year, 1, 1)


def case_state(clock: CaseClock, *, act_date: date) -> CaseState:
    if clock.closed_on is None:
        return CaseState.OPEN
    kind = clock.rule.kind
    if kind is RetentionKind.PERMANENT:
        return CaseState.PERMANENT
    cutoff = act_cutoff(act_date)
    if kind is RetentionKind.DMN:
        if clock.no_longer_needed_on is None:
            return CaseState.NEEDS_DECISION
        return CaseState.DUE if date(clock.no_longer_needed_on.year, 1, 1) <= cutoff else CaseState.RUNNING
    expires = expiry(clock)
    if expires is None:
        return CaseState.WAITING_FOR_EVENT
    if expires > cutoff:
        return CaseState.RUNNING
    if clock.epk:
        if clock.review is None:
            return CaseState.EXPERT_REVIEW
        if clock.review.decision is ReviewDecision.KEEP_PERMANENTLY:
            return CaseState.KEPT_PERMANENTLY
        if clock.review.decision is ReviewDecision.EXTEND:
            extend_to = clock.review.extend_to
            return CaseState.DUE if extend_to is not None and extend_to <= cutoff else CaseState.RUNNING
    return CaseState.DUE


def lock_until(clock: CaseClock, *, today: date) -> date:
    """How long the objects must be protected from deletion: the due date where it is known,
    otherwise the earliest date it could possibly be (it is extended when the date is known)."""
    due = destroy_not_before(clock)
    if due is not None:
        return max(due, today)
    rule = clock.rule
    if rule.kind is RetentionKind.PERMANENT or (
        clock.review and clock.review.decision is ReviewDecision.KEEP_PERMANENTLY
    ):
        return date(today.year + 100, 1, 1)
    closed = clock.closed_on or date(max(clock.year, today.year), 12, 31)
    earliest = clock_start(max(closed, today))
    return date(earliest.year + (rule.years or 0), 1, 1)
