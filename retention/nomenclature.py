"""The school's номенклатура дел: which cases exist, how long each is kept, and which documents
are filed into which case. Versions are kept; a case remembers the version it was opened under.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files

from retention.rules import RetentionKind, RetentionRule

INDEX_PATTERN = re.compile(r"^\d{2}-\d{2}$")
MAX_TITLE = 500
PLACEHOLDER_MARK_RU = "Срок подлежит утверждению экспертной комиссией школы"


class NomenclatureError(ValueError):
    """The uploaded nomenclature cannot be used; ``problems`` lists every reason, in Russian."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    index: str
    title: str
    retention: RetentionRule
    epk: bool = False
    article: str | None = None
    note: str = ""
    to_be_confirmed: bool = False
    pupil_level: bool = False  # one case per pupil and year
    kinds: frozenset[str] = field(default_factory=frozenset)  # document kinds filed here
    categories: frozenset[str] = field(default_factory=frozenset)  # if set, only these categories

    def files(self, kind: str, category: str) -> bool:
        return kind in self.kinds and (not self.categories or category in self.categories)

    @property
    def retention_label_ru(self) -> str:
        label = self.retention.label_ru()
        return f"{label}, ЭПК" if self.epk else label


@dataclass(frozen=True)
class Nomenclature:
    entries: tuple[Entry, ...]
    version: int = 0

    def entry(self, index: str) -> Entry | None:
        return next((e for e in self.entries if e.index == index), None)

    def file(self, kind: str, category: str) -> Entry:
        """The entry a document of this kind and category is filed into (the first that matches).

        Raises:
            LookupError: nothing files it (a validated nomenclature always files every kind).
        """
        for entry in self.entries:
            if entry.files(kind, category):
                return entry
        raise LookupError(f"no nomenclature entry files kind={kind!r} category={category!r}")


def parse_nomenclature(text: str, *, document_kinds: Iterable[str], version: int = 0) -> Nomenclature:
    """Validate a TOML nomenclature.

    Raises:
        NomenclatureError: with every problem found (unique indexes, known retention kinds,
            every document kind filed somewhere, ...).
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        place = f" (строка {where.group(1)}, позиция {where.group(2)})" if where else ""
        raise NomenclatureError([f"Файл номенклатуры содержит синтаксическую ошибку TOML{place}."]) from None
    except RecursionError:
        raise NomenclatureError(
            ["Файл номенклатуры устроен слишком глубоко: это не номенклатура дел."]
        ) from None
    items = raw.get("entry")
    if not isinstance(items, list) or not items:
        raise NomenclatureError(["В номенклатуре нет ни одной статьи ([[entry]])."])
    problems: list[str] = []
    entries: list[Entry] = []
    seen: set[str] = set()
    known_kinds = set(document_kinds)
    for n, item in enumerate(items, start=1):
        where = f"Статья {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: ожидается таблица [[entry]].")
            continue
        index = str(item.get("index", "")).strip()
        where = f"Статья {index or n}"
        if not INDEX_PATTERN.match(index):
            problems.append(f"{where}: индекс дела должен иметь вид 07-03.")
        elif index in seen:
            problems.append(f"{where}: индекс {index} повторяется.")
        seen.add(index)
        title = str(item.get("title", "")).strip()
        if not title:
            problems.append(f"{where}: нет заголовка дела.")
        elif len(title) > MAX_TITLE:
            problems.append(f"{where}: заголовок дела длиннее {MAX_TITLE} символов.")
        for flag in ("epk", "pupil_level", "to_be_confirmed"):
            if flag in item and not isinstance(item[flag], bool):
                problems.append(f"{where}: {flag} должно быть true или false.")
        lists = {name: item.get(name, []) for name in ("kinds", "categories")}
        if any(not isinstance(v, list) or not all(isinstance(x, str) for x in v) for v in lists.values()):
            problems.append(f'{where}: kinds и categories — списки строк, например ["diploma"].')
            continue
        kind_raw = str(item.get("retention", ""))
        years = item.get("years")
        if years is not None and (isinstance(years, bool) or not isinstance(years, int)):
            problems.append(f"{where}: years — целое число лет от 1 до 100.")
            continue
        try:
            kind = RetentionKind(kind_raw)
            rule = RetentionRule(kind, years)
        except ValueError:
            allowed = ", ".join(k.value for k in RetentionKind)
            needs = "для сроков в годах укажите years от 1 до 100, для остальных years не указывается"
            problems.append(
                f"{where}: срок хранения «{kind_raw}» не распознан (допустимо: {allowed}; {needs})."
            )
            continue
        for text_field in ("article", "note"):
            if len(str(item.get(text_field, ""))) > MAX_TITLE:
                problems.append(f"{where}: поле {text_field} длиннее {MAX_TITLE} символов.")
        kinds = frozenset(str(k) for k in item.get("kinds", []))
        unknown = kinds - known_kinds
        if unknown:
            problems.append(f"{where}: неизвестные виды документов: {', '.join(sorted(unknown))}.")
        entries.append(
            Entry(
                index=index,
                title=title,
                retention=rule,
                epk=bool(item.get("epk", False)),
                article=(str(item["article"]).strip() or None) if item.get("article") else None,
                note=str(item.get("note", "")).strip(),
                to_be_confirmed=bool(item.get("to_be_confirmed", False)),
                pupil_level=bool(item.get("pupil_level", False)),
                kinds=kinds,
                categories=frozenset(str(c) for c in item.get("categories", [])),
            )
        )
    filed = set().union(*(e.kinds for e in entries)) if entries else set()
    missing = known_kinds - filed
    if missing:
        problems.append(
            "Не указано, в какое дело помещать документы видов: " + ", ".join(sorted(missing)) + "."
        )
    # A kind filed only under category restrictions could fall through: require a catch-all.
    for kind in sorted(known_kinds & filed):
        if not any(kind in e.kinds and not e.categories for e in entries):
            problems.append(f"Для документов вида {kind} нужна статья без ограничения по направлениям.")
    if problems:
        raise NomenclatureError(problems)
    return Nomenclature(entries=tuple(entries), version=version)


def default_nomenclature_text() -> str:
    """The shipped default (domain brief §5); periods marked to_be_confirmed are placeholders."""
    return (files("retention") / "default_nomenclature.toml").read_text(encoding="utf-8")
