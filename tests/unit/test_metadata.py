from __future__ import annotations

from datetime import date

import pytest

from service.domain.metadata import academic_year_of, parse_class_name, parse_document_metadata
from service.errors import InvalidInput
from service.models import Category, DocumentKind, EventLevel, Result, Source

TODAY = date(2026, 12, 3)


def test_full_form_is_parsed() -> None:
    m = parse_document_metadata(
        {
            "kind": "gramota",
            "title": "  Грамота\tза  уча\u00adстие ",
            "category": "gto",
            "issued_on": "16.05.2025",
            "event_level": "regional",
            "result": "gto_gold",
            "source": "other_organisation",
            "academic_year": "2024/2025",
        },
        today=TODAY,
    )
    assert m.kind is DocumentKind.GRAMOTA and m.category is Category.GTO
    assert m.title == "Грамота за участие"
    assert m.issued_on == date(2025, 5, 16)
    assert m.event_level is EventLevel.REGIONAL and m.result is Result.GTO_GOLD
    assert m.source is Source.OTHER_ORGANISATION


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2025, 8, 31), "2024/2025"), (date(2025, 9, 1), "2025/2026"), (date(2024, 2, 29), "2023/2024")],
)
def test_academic_year_turns_on_the_first_of_september(day: date, year: str) -> None:
    assert academic_year_of(day) == year


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "sport", "title": "x"}, "kind"),
        ({"kind": "diploma", "title": "x"}, "category"),
        ({"kind": "diploma", "category": "sport", "title": "\x00 \n"}, "title"),
        ({"kind": "diploma", "category": "sport", "title": "x" * 501}, "title"),
        ({"kind": "diploma", "category": "sport", "title": "x", "issued_on": "2027-01-01"}, "issued_on"),
        (
            {"kind": "diploma", "category": "sport", "title": "x", "academic_year": "2025/2027"},
            "academic_year",
        ),
        ({"kind": "diploma", "category": "sport", "title": "x", "result": "gold"}, "result"),
        ({"kind": "diploma", "category": "sport", "title": "x", "result": "gto_gold"}, "result"),
        (
            {"kind": "diploma", "category": "sport", "title": "x", "academic_year": "2050/2051"},
            "academic_year",
        ),
        (
            {
                "kind": "diploma",
                "category": "sport",
                "title": "x",
                "academic_year": "2020/2021",
                "issued_on": "12.12.2025",
            },
            "academic_year",
        ),
        ({"kind": "diploma", "category": "sport", "title": "x", "issued_on": "31.02.2025"}, "issued_on"),
    ],
)
def test_bad_fields_name_themselves(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_document_metadata(fields, today=TODAY)
    assert caught.value.field == field
    assert caught.value.message.endswith(".")


def test_late_diplomas_may_belong_to_the_previous_school_year() -> None:
    m = parse_document_metadata(
        {
            "kind": "diploma",
            "category": "sport",
            "title": "x",
            "academic_year": "2024/2025",
            "issued_on": "10.10.2025",
        },
        today=TODAY,
    )
    assert m.academic_year == "2024/2025"


def test_impossible_date_says_so() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_document_metadata(
            {"kind": "diploma", "category": "sport", "title": "x", "issued_on": "29.02.2025"}, today=TODAY
        )
    assert "нет в календаре" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("7б", "7Б"),
        ("7 Б", "7Б"),
        ("10-ит", "10-ИТ"),
        ("11", "11"),
        ("7B", "7В"),  # Latin look-alikes typed on the wrong layout are the Cyrillic letters
        ("5a", "5А"),
        ("10-IT", "10-IT"),  # a Latin name that is not all look-alikes stays as it is
    ],
)
def test_class_names_are_normalised(raw: str, clean: str) -> None:
    assert parse_class_name(raw) == clean


@pytest.mark.parametrize("raw", ["../../x", "<b>x", "77Б", "Б7", ""])
def test_odd_class_names_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_class_name(raw)
