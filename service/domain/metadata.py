"""Validation of what staff type into the upload form, with messages a school secretary reads."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import TypeVar

from service.errors import InvalidInput
from service.models import Category, DocumentKind, DocumentMetadata, EventLevel, Result, Source

MAX_TEXT = 500
E = TypeVar("E", bound=enum.StrEnum)
_ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{4})$")

FIELD_NAMES_RU = {
    "kind": "вид документа",
    "title": "название",
    "category": "направление",
    "issued_on": "дата выдачи",
    "issuer": "кем выдан",
    "event": "мероприятие",
    "event_level": "уровень мероприятия",
    "result": "результат",
    "academic_year": "учебный год",
    "source": "источник",
    "full_name": "ФИО",
    "class_name": "класс",
    "birth_date": "дата рождения",
    "external_id": "внешний идентификатор",
}


def clean_text(
    value: str | None, field: str, *, required: bool = False, max_len: int = MAX_TEXT
) -> str | None:
    """Normalise free text: NFC, no control characters, collapsed blanks.

    Raises:
        InvalidInput: required and empty, or longer than ``max_len``.
    """
    name = FIELD_NAMES_RU.get(field, field)
    if value is not None:
        value = unicodedata.normalize("NFC", value)
        value = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in value)
        value = " ".join(value.split())
    if not value:
        if required:
            raise InvalidInput(f"Заполните поле «{name}».", field=field)
        return None
    if len(value) > max_len:
        raise InvalidInput(f"Поле «{name}» слишком длинное: не более {max_len} символов.", field=field)
    return value


def parse_choice(enum_type: type[E], value: str | None, field: str, *, required: bool) -> E | None:
    name = FIELD_NAMES_RU.get(field, field)
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"Выберите значение поля «{name}».", field=field)
        return None
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_type)
        raise InvalidInput(
            f"Поле «{name}»: неизвестное значение. Допустимо: {allowed}.", field=field
        ) from None


def parse_date(value: str | None, field: str, *, today: date) -> date | None:
    """Accept ISO (2025-05-16) and the Russian ДД.ММ.ГГГГ form."""
    name = FIELD_NAMES_RU.get(field, field)
    value = (value or "").strip()
    if not value:
        return None
    parsed: date | None = None
    try:
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", value):
            d, m, y = value.split(".")
            parsed = date(int(y), int(m), int(d))
        else:
            parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(f"Поле «{name}»: дата должна быть в виде ДД.ММ.ГГГГ.", field=field)
    if parsed > today or parsed.year < 1900:
        raise InvalidInput(f"Поле «{name}»: дата не может быть в будущем или раньше 1900 года.", field=field)
    return parsed


def academic_year_of(day: date) -> str:
    """The school year runs from 1 September to 31 August."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def parse_academic_year(value: str | None, *, default: str) -> str:
    value = (value or "").strip()
    if not value:
        return default
    match = _ACADEMIC_YEAR.match(value)
    if not match or int(match.group(2)) != int(match.group(1)) + 1 or not 1990 <= int(match.group(1)) <= 2100:
        raise InvalidInput(
            "Поле «учебный год»: укажите его в виде 2024/2025 (два года подряд через косую черту).",
            field="academic_year",
        )
    return value


def parse_document_metadata(fields: Mapping[str, str | None], *, today: date) -> DocumentMetadata:
    """Turn form fields into validated metadata.

    Raises:
        InvalidInput: the first field that is missing or wrong, named in Russian.
    """
    kind = parse_choice(DocumentKind, fields.get("kind"), "kind", required=True)
    category = parse_choice(Category, fields.get("category"), "category", required=True)
    title = clean_text(fields.get("title"), "title", required=True)
    issued_on = parse_date(fields.get("issued_on"), "issued_on", today=today)
    default_year = academic_year_of(issued_on or today)
    assert kind is not None and category is not None and title is not None
    return DocumentMetadata(
        kind=kind,
        title=title,
        category=category,
        academic_year=parse_academic_year(fields.get("academic_year"), default=default_year),
        source=parse_choice(Source, fields.get("source"), "source", required=False) or Source.SCHOOL,
        issued_on=issued_on,
        issuer=clean_text(fields.get("issuer"), "issuer"),
        event=clean_text(fields.get("event"), "event"),
        event_level=parse_choice(EventLevel, fields.get("event_level"), "event_level", required=False),
        result=parse_choice(Result, fields.get("result"), "result", required=False),
    )
