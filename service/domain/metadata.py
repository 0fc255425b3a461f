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
    "left_on": "дата выбытия",
    "order_number": "номер приказа",
    "approved_by": "кто утвердил",
    "approved_on": "дата утверждения",
    "protocol_number": "номер протокола ЭК",
    "protocol_date": "дата протокола ЭК",
    "cancelled_by": "кто отменил",
    "executed_by": "кто исполнил",
    "compiled_by": "составитель",
    "placed_by": "кто наложил запрет",
    "released_by": "кто снял запрет",
    "decided_by": "кто принял решение",
    "reason": "основание",
    "target_id": "объект запрета",
    "decision": "решение",
    "extend_to": "продлить до",
    "text": "текст номенклатуры",
    "uploaded_by": "кто загрузил",
    "as_of": "дата акта",
    "data": "тело запроса",
    "requested_by": "кто обратился",
    "asked": "что запрошено",
    "received_on": "дата получения запроса",
    "issued": "что выдано",
    "answered_on": "дата ответа",
    "student_id": "обучающийся",
    "granted_on": "дата поощрения",
    "target_type": "вид объекта запрета",
    "year": "год",
    "version": "версия",
    "active": "активна",
    "limit": "сколько показать",
    "verified_only": "только проверенные",
    "file": "файл",
    "state": "состояние",
    "fmt": "формат",
    "case_id": "дело",
    "format": "формат",
    "note": "примечание",
    "order_date": "дата приказа",
    "scan_document_id": "скан документа",
    "login": "логин",
    "password": "пароль",
    "roles": "роли",
    "display_name": "имя пользователя",
    "class_names": "классы",
    "student_ids": "обучающиеся",
    "submitted_on": "дата заявления",
    "submitted_by": "кто подал",
    "relation": "кем приходится",
    "scope": "на что распространяется",
    "given_on": "дата согласия",
    "given_by": "кто дал согласие",
    "withdrawn_on": "дата отзыва",
    "application_id": "заявление",
    "status": "статус",
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
        # Tabs and line breaks become blanks; invisible format characters (soft hyphen,
        # zero-width space, direction marks) are dropped.
        value = "".join(
            " " if unicodedata.category(ch) == "Cc" else ch
            for ch in value
            if not unicodedata.category(ch).startswith(("Cf", "Cs", "Co", "Cn"))
        )
        value = " ".join(value.split())
    if not value:
        if required:
            raise InvalidInput(f"Заполните поле «{name}».", field=field)
        return None
    if len(value) > max_len:
        raise InvalidInput(f"Поле «{name}» слишком длинное: не более {max_len} символов.", field=field)
    return value


def parse_choice(
    enum_type: type[E], value: str | None, field: str, *, required: bool, label: str | None = None
) -> E | None:
    name = label or FIELD_NAMES_RU.get(field, field)
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
    shaped = re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", value) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    try:
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", value):
            d, m, y = value.split(".")
            parsed = date(int(y), int(m), int(d))
        else:
            parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        if shaped:
            raise InvalidInput(f"Поле «{name}»: такой даты нет в календаре ({value}).", field=field)
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


_CLASS_NAME = re.compile(r"^(?:[1-9]|1[0-2])-?[А-ЯЁA-Z]{0,4}$")
GTO_RESULTS = frozenset({Result.GTO_GOLD, Result.GTO_SILVER, Result.GTO_BRONZE})


_LOOKALIKE_LETTERS = "ABCEHKMOPTXY"
_LATIN_LOOKALIKES = str.maketrans(_LOOKALIKE_LETTERS, "АВСЕНКМОРТХУ")


def parse_class_name(value: str | None) -> str:
    """ "7б", "7 Б" and "7-Б" all mean class 7Б (parallel 1-12 and up to four letters)."""
    cleaned = clean_text(value, "class_name", required=True, max_len=20) or ""
    # A Latin look-alike typed on the wrong keyboard layout ("7B", "5A") is the Cyrillic letter:
    # otherwise 7B and 7Б would be two classes with two class teachers.
    compact = cleaned.replace(" ", "").upper()
    letters = compact.lstrip("0123456789-")
    if letters and all(ch in _LOOKALIKE_LETTERS for ch in letters):
        compact = compact.translate(_LATIN_LOOKALIKES)
    if not _CLASS_NAME.match(compact):
        raise InvalidInput(
            "Поле «класс»: укажите номер параллели и букву, например 7Б или 10-ИТ.", field="class_name"
        )
    return compact


def _check_year_consistency(academic_year: str, issued_on: date | None, today: date) -> None:
    start = int(academic_year[:4])
    if start > int(academic_year_of(today)[:4]):
        raise InvalidInput("Поле «учебный год»: учебный год ещё не начался.", field="academic_year")
    if issued_on is not None:
        issued_year = int(academic_year_of(issued_on)[:4])
        # Diplomas are sometimes handed out after the year they belong to, never before it.
        if not 0 <= issued_year - start <= 1:
            raise InvalidInput(
                f"Дата выдачи {issued_on:%d.%m.%Y} не относится к учебному году {academic_year}. "
                "Проверьте дату или учебный год.",
                field="academic_year",
            )


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
    academic_year = parse_academic_year(fields.get("academic_year"), default=default_year)
    _check_year_consistency(academic_year, issued_on, today)
    result = parse_choice(Result, fields.get("result"), "result", required=False)
    if result in GTO_RESULTS and category is not Category.GTO:
        raise InvalidInput("Знак ГТО указывается только для направления «ГТО».", field="result")
    return DocumentMetadata(
        kind=kind,
        title=title,
        category=category,
        academic_year=academic_year,
        source=parse_choice(Source, fields.get("source"), "source", required=False) or Source.SCHOOL,
        issued_on=issued_on,
        issuer=clean_text(fields.get("issuer"), "issuer"),
        event=clean_text(fields.get("event"), "event"),
        event_level=parse_choice(EventLevel, fields.get("event_level"), "event_level", required=False),
        result=result,
    )
