"""152-ФЗ deadlines in Russian working days: across New Year, May holidays and transfers."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.working_days import add_working_days, is_working_day


@pytest.mark.parametrize(
    ("received", "days", "deadline"),
    [
        # 31.12.2025 is a transferred day off; 01-09.01.2026 are holidays.
        (date(2025, 12, 29), 10, date(2026, 1, 22)),
        # May 2025: 1-2 and 8-9 May are days off.
        (date(2025, 4, 28), 10, date(2025, 5, 16)),
        # Saturday 01.11.2025 is a working day; 3-4 November are days off.
        (date(2025, 10, 31), 1, date(2025, 11, 1)),
        (date(2025, 10, 31), 2, date(2025, 11, 5)),
        # An ordinary fortnight, and the 5-day extension of ст. 20.
        (date(2025, 9, 1), 10, date(2025, 9, 15)),
        (date(2025, 9, 15), 5, date(2025, 9, 22)),
    ],
)
def test_deadlines(received: date, days: int, deadline: date) -> None:
    assert add_working_days(received, days) == deadline


def test_calendar_facts() -> None:
    assert not is_working_day(date(2026, 1, 9))  # transferred from 03.01.2026
    assert is_working_day(date(2025, 11, 1))  # working Saturday
    assert not is_working_day(date(2025, 11, 8))  # an ordinary Saturday
