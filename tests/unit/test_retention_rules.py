"""The retention clock, table-driven (domain brief §2.1-2.2)."""

from __future__ import annotations

from datetime import date

import pytest

from retention.rules import (
    CaseClock,
    CaseState,
    RetentionKind,
    RetentionRule,
    Review,
    ReviewDecision,
    case_closed_on,
    case_state,
    destroy_not_before,
    lock_until,
)

Y = RetentionKind.YEARS
LEAVE = RetentionKind.YEARS_AFTER_LEAVING


def clock(
    kind: RetentionKind,
    years: int | None,
    closed: date | None,
    *,
    epk: bool = False,
    event: date | None = None,
    review: Review | None = None,
    dmn: date | None = None,
) -> CaseClock:
    return CaseClock(
        year=(closed or date(2020, 1, 1)).year,
        rule=RetentionRule(kind, years),
        epk=epk,
        closed_on=closed,
        event_on=event,
        review=review,
        no_longer_needed_on=dmn,
    )


@pytest.mark.parametrize(
    ("kind", "years", "closed", "event", "act_date", "state"),
    [
        # closed in April 2017, 3 years: clock from 01.01.2018, runs out 01.01.2021
        (Y, 3, date(2017, 4, 10), None, date(2020, 12, 31), CaseState.RUNNING),
        (Y, 3, date(2017, 4, 10), None, date(2021, 1, 1), CaseState.DUE),
        # the brief's example: closed 2008 with 3 years -> an act not earlier than 01.01.2012
        (Y, 3, date(2008, 6, 1), None, date(2011, 12, 31), CaseState.RUNNING),
        (Y, 3, date(2008, 6, 1), None, date(2012, 1, 1), CaseState.DUE),
        # closed on 31 December: the clock still starts on 1 January of the next year
        (Y, 1, date(2019, 12, 31), None, date(2020, 12, 31), CaseState.RUNNING),
        (Y, 1, date(2019, 12, 31), None, date(2021, 1, 1), CaseState.DUE),
        # closed on 29 February of a leap year
        (Y, 5, date(2024, 2, 29), None, date(2029, 12, 31), CaseState.RUNNING),
        (Y, 5, date(2024, 2, 29), None, date(2030, 1, 1), CaseState.DUE),
        # an act drawn up later in the year counts from 1 January of its year
        (Y, 5, date(2024, 2, 29), None, date(2030, 7, 15), CaseState.DUE),
        # not closed yet
        (Y, 1, None, None, date(2030, 1, 1), CaseState.OPEN),
        # N years after the pupil leaves: unknown until the leaving is recorded
        (LEAVE, 3, date(2022, 12, 31), None, date(2040, 1, 1), CaseState.WAITING_FOR_EVENT),
        (LEAVE, 3, date(2022, 12, 31), date(2024, 6, 30), date(2027, 12, 31), CaseState.RUNNING),
        (LEAVE, 3, date(2022, 12, 31), date(2024, 6, 30), date(2028, 1, 1), CaseState.DUE),
        # left in December: 1 January of the next year starts the clock
        (LEAVE, 1, date(2024, 12, 20), date(2024, 12, 20), date(2025, 12, 31), CaseState.RUNNING),
        (LEAVE, 1, date(2024, 12, 20), date(2024, 12, 20), date(2026, 1, 1), CaseState.DUE),
        (RetentionKind.PERMANENT, None, date(2000, 1, 1), None, date(2100, 1, 1), CaseState.PERMANENT),
    ],
)
def test_due_table(
    kind: RetentionKind,
    years: int | None,
    closed: date | None,
    event: date | None,
    act_date: date,
    state: CaseState,
) -> None:
    assert case_state(clock(kind, years, closed, event=event), act_date=act_date) is state


def test_dmn_needs_a_recorded_decision() -> None:
    undecided = clock(RetentionKind.DMN, None, date(2020, 12, 31))
    assert case_state(undecided, act_date=date(2090, 1, 1)) is CaseState.NEEDS_DECISION
    assert destroy_not_before(undecided) is None
    decided = clock(RetentionKind.DMN, None, date(2020, 12, 31), dmn=date(2026, 3, 5))
    assert case_state(decided, act_date=date(2026, 3, 6)) is CaseState.DUE
    assert case_state(decided, act_date=date(2025, 12, 31)) is CaseState.RUNNING


def test_epk_goes_to_expert_review_before_any_act() -> None:
    closed = date(2015, 5, 1)
    expired = clock(Y, 5, closed, epk=True)
    assert case_state(expired, act_date=date(2021, 1, 1)) is CaseState.EXPERT_REVIEW
    assert destroy_not_before(expired) is None
    review = lambda d, extend=None: Review(d, "7", date(2021, 2, 1), extend)  # noqa: E731
    destroy = clock(Y, 5, closed, epk=True, review=review(ReviewDecision.DESTROY))
    assert case_state(destroy, act_date=date(2021, 3, 1)) is CaseState.DUE
    keep = clock(Y, 5, closed, epk=True, review=review(ReviewDecision.KEEP_PERMANENTLY))
    assert case_state(keep, act_date=date(2090, 1, 1)) is CaseState.KEPT_PERMANENTLY
    extend = clock(Y, 5, closed, epk=True, review=review(ReviewDecision.EXTEND, date(2024, 1, 1)))
    assert case_state(extend, act_date=date(2023, 6, 1)) is CaseState.RUNNING
    assert case_state(extend, act_date=date(2024, 1, 1)) is CaseState.DUE
    # Not yet expired: no review needed yet.
    assert case_state(expired, act_date=date(2020, 12, 31)) is CaseState.RUNNING


@pytest.mark.parametrize(
    ("year", "today", "left_on", "closed"),
    [
        (2025, date(2025, 12, 31), None, None),
        (2025, date(2026, 1, 1), None, date(2025, 12, 31)),
        (2025, date(2025, 6, 1), date(2025, 5, 31), date(2025, 5, 31)),
        (2025, date(2025, 6, 1), date(2025, 6, 2), None),  # leaving recorded ahead of time
        (2024, date(2025, 6, 1), date(2025, 5, 31), date(2024, 12, 31)),
    ],
)
def test_case_closes_at_year_end_or_on_leaving(
    year: int, today: date, left_on: date | None, closed: date | None
) -> None:
    assert case_closed_on(year, today=today, left_on=left_on) == closed


def test_locks_never_end_before_the_case_may_be_destroyed() -> None:
    today = date(2026, 12, 3)
    running = clock(Y, 5, date(2026, 12, 31))
    assert lock_until(running, today=today) == date(2032, 1, 1)
    waiting = clock(LEAVE, 3, date(2026, 12, 31))
    assert lock_until(waiting, today=today) >= date(2030, 1, 1)
    assert lock_until(clock(RetentionKind.PERMANENT, None, None), today=today).year >= 2100


@pytest.mark.parametrize(
    ("kind", "years", "label"),
    [
        (Y, 1, "1 год"),
        (Y, 3, "3 года"),
        (Y, 5, "5 лет"),
        (Y, 11, "11 лет"),
        (Y, 21, "21 год"),
        (LEAVE, 3, "3 года после выбытия обучающегося"),
        (RetentionKind.PERMANENT, None, "Постоянно"),
    ],
)
def test_labels(kind: RetentionKind, years: int | None, label: str) -> None:
    assert RetentionRule(kind, years).label_ru() == label
