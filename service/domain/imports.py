"""Bulk intake: a ZIP of scans and a CSV that says whose each file is and what it is.

After an olympiad a teacher scans thirty diplomas at once. Every row of the table gets its own
outcome (stored, duplicate, refused with the reason, pupil not found or ambiguous, file missing);
one bad row never blocks the others. Every file goes through the same upload path as a single
upload (sniffing, limits, the decoding sandbox, blob-then-metadata), so nothing is half-written.

The ZIP itself is hostile until proven otherwise: entries with absolute or parent paths, links,
encryption, or an absurd compression ratio are refused, and no entry is inflated past its limit.
"""

from __future__ import annotations

import csv
import io
import stat
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, BinaryIO

from service.domain.documents import DocumentService
from service.domain.metadata import FIELD_NAMES_RU, parse_class_name
from service.errors import ArchiveError, InvalidInput, StoreUnavailable
from service.models import (
    CATEGORY_TITLES_RU,
    KIND_TITLES_RU,
    LEVEL_TITLES_RU,
    RESULT_TITLES_RU,
    Student,
)
from service.storage.mongo import StudentRepository, utcnow

MAX_ROWS = 2000
MAX_RATIO = 200  # scans and PDFs barely compress; a ratio like this is a bomb
RATIO_FLOOR = 1024 * 1024  # small entries may compress well (text, blank pages)
CHUNK = 1024 * 1024

# Columns, with the Russian headers a secretary's spreadsheet may use instead.
COLUMNS: dict[str, tuple[str, ...]] = {
    "file": ("file", "файл", "имя файла"),
    "external_id": ("external_id", "внешний идентификатор", "идентификатор"),
    "full_name": ("full_name", "фио", "обучающийся"),
    "class_name": ("class_name", "класс"),
    "kind": ("kind", "вид документа", "вид"),
    "title": ("title", "название"),
    "category": ("category", "направление", "категория"),
    "issued_on": ("issued_on", "дата выдачи"),
    "issuer": ("issuer", "кем выдан"),
    "event": ("event", "мероприятие"),
    "event_level": ("event_level", "уровень", "уровень мероприятия"),
    "result": ("result", "результат"),
    "academic_year": ("academic_year", "учебный год"),
    "source": ("source", "источник"),
}
METADATA_FIELDS = (
    "kind",
    "title",
    "category",
    "issued_on",
    "issuer",
    "event",
    "event_level",
    "result",
    "academic_year",
    "source",
)

STATUS_RU = {
    "stored": "сохранён",
    "duplicate": "уже был в архиве",
    "refused": "не принят",
    "pupil_not_found": "обучающийся не найден",
    "pupil_ambiguous": "обучающийся определён неоднозначно",
    "file_missing": "файла нет в архиве ZIP",
}


@dataclass
class RowOutcome:
    row: int  # line number in the table (the header is line 1)
    file: str
    status: str
    message: str = ""
    document_id: str | None = None
    student_id: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "file": self.file,
            "status": self.status,
            "status_ru": STATUS_RU[self.status],
            "message": self.message,
            "document_id": self.document_id,
            "student_id": self.student_id,
        }


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFC", text or "").casefold().replace("ё", "е")
    return " ".join(text.split())


class _Semicolons(csv.excel):
    delimiter = ";"


def read_table(data: bytes) -> list[dict[str, str]]:
    """Rows keyed by column name. Raises InvalidInput when the table cannot be read."""
    if len(data) > 5 * 1024 * 1024:
        raise InvalidInput("Таблица слишком большая (более 5 МБ).", field="table")
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes any byte
        raise InvalidInput("Таблицу не удалось прочитать: сохраните её в CSV (UTF-8).", field="table")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = _Semicolons
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidInput(
            "Таблица пуста: нужна строка заголовков и строки документов.", field="table"
        ) from None
    names: list[str | None] = []
    for cell in header:
        key = _norm(cell)
        names.append(next((col for col, aliases in COLUMNS.items() if key in aliases), None))
    if "file" not in names:
        raise InvalidInput("В таблице нет столбца «file» (имя файла в архиве ZIP).", field="table")
    if "external_id" not in names and not {"full_name", "class_name"} <= set(names):
        raise InvalidInput(
            "В таблице нужен столбец «external_id» или пара столбцов «full_name» и «class_name».",
            field="table",
        )
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            rows.append({n: v.strip() for n, v in zip(names, values, strict=False) if n})
            if len(rows) > MAX_ROWS:
                raise InvalidInput(f"В таблице больше {MAX_ROWS} строк: разделите её.", field="table")
    except csv.Error:
        raise InvalidInput("Таблица повреждена: проверьте кавычки и разделители.", field="table") from None
    if not rows:
        raise InvalidInput("В таблице нет строк с документами: только заголовок.", field="table")
    return rows


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":"):
        return "путь файла в архиве выходит за его пределы"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "в архиве ссылка, а не файл"
    if info.flag_bits & 0x1:
        return "файл в архиве зашифрован"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return "файл в архиве сжат неправдоподобно сильно (похоже на «zip-бомбу»)"
    return None


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> IO[bytes]:
    """The entry in a temporary file; never more than ``limit`` bytes, whatever the header says."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    written = 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            written += len(chunk)
            if written > limit:
                out.close()
                raise InvalidInput("Файл в архиве больше допустимого размера.", field="file")
            out.write(chunk)
    out.seek(0)
    return out


class ImportService:
    def __init__(self, *, documents: DocumentService, students: StudentRepository, size_limit: int) -> None:
        self._documents = documents
        self._students = students
        self._size_limit = size_limit

    async def _find_pupil(
        self,
        school_id: str,
        row: Mapping[str, str],
        cache: dict[str, list[Student]],
        in_reach: Callable[[Student], bool],
    ) -> tuple[Student | None, str]:
        """Pupils out of the caller's reach do not exist for this: they can be neither found
        nor make a name ambiguous."""
        if row.get("external_id"):
            found = [
                s for s in await self._class(school_id, None, cache) if s.external_id == row["external_id"]
            ]
        else:
            try:
                class_name = parse_class_name(row.get("class_name"))
            except InvalidInput:
                return None, "pupil_not_found"
            wanted = _norm(row.get("full_name"))
            found = [
                s for s in await self._class(school_id, class_name, cache) if _norm(s.full_name) == wanted
            ]
        found = [s for s in found if in_reach(s)]
        if not found:
            return None, "pupil_not_found"
        if len(found) > 1:
            return None, "pupil_ambiguous"
        return found[0], ""

    async def _class(
        self, school_id: str, class_name: str | None, cache: dict[str, list[Student]]
    ) -> list[Student]:
        key = class_name or ""
        if key not in cache:
            cache[key] = await self._students.list(school_id, class_name=class_name)
        return cache[key]

    async def run(
        self,
        school_id: str,
        archive_file: BinaryIO,
        table: bytes | None,
        *,
        today: date,
        by: str | None,
        may_upload_for: Callable[[Student], bool],
        on_stored: Callable[[str, str], Awaitable[None]],
    ) -> dict[str, Any]:
        """Import every row; return the report. Raises InvalidInput when the ZIP or the table as a
        whole is unusable, StoreUnavailable when a store stops answering (rows done so far stay done)."""
        try:
            # Windows' own "send to ZIP" on a Russian system writes names in cp866 without the
            # UTF-8 flag; flagged names are read as UTF-8 whatever this says.
            archive = zipfile.ZipFile(archive_file, metadata_encoding="cp866")
        except (zipfile.BadZipFile, OSError, ValueError):
            raise InvalidInput(
                "Это не архив ZIP или он повреждён. Упакуйте сканы в ZIP заново.", field="archive"
            ) from None
        with archive:
            # A list, not a dict: two entries may carry the same name, and that must be seen.
            entries = [i for i in archive.infolist() if not i.is_dir()]
            if table is None:
                tables = [i for i in entries if i.filename.lower().endswith(".csv") and "/" not in i.filename]
                if len(tables) != 1:
                    raise InvalidInput(
                        "Приложите таблицу CSV отдельным полем «table» "
                        "или положите один файл .csv в корень архива.",
                        field="table",
                    )
                info = tables[0]
                entries.remove(info)
                if _entry_problem(info):
                    raise InvalidInput("Таблица в архиве повреждена или подозрительна.", field="table")
                with _extract(archive, info, 5 * 1024 * 1024) as fh:
                    table = fh.read()
            rows = read_table(table)
            by_name: dict[str, list[zipfile.ZipInfo]] = {}
            for info in entries:
                by_name.setdefault(info.filename.replace("\\", "/").casefold(), []).append(info)
            pupils: dict[str, list[Student]] = {}
            outcomes: list[RowOutcome] = []
            for line, row in enumerate(rows, start=2):
                outcomes.append(
                    await self._row(
                        school_id, archive, by_name, line, row, pupils, today, by, may_upload_for, on_stored
                    )
                )
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        return {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "created_at": utcnow(),
            "created_by": by,
            "counts": counts,
            "rows": [o.view() for o in outcomes],
        }

    async def _row(
        self,
        school_id: str,
        archive: zipfile.ZipFile,
        by_name: dict[str, list[zipfile.ZipInfo]],
        line: int,
        row: Mapping[str, str],
        pupils: dict[str, list[Student]],
        today: date,
        by: str | None,
        may_upload_for: Callable[[Student], bool],
        on_stored: Callable[[str, str], Awaitable[None]],
    ) -> RowOutcome:
        name = row.get("file", "")
        outcome = RowOutcome(line, name, "refused")
        student, problem = await self._find_pupil(school_id, row, pupils, may_upload_for)
        if student is None:
            outcome.status = problem
            return outcome
        outcome.student_id = student.id
        matches = by_name.get(name.replace("\\", "/").casefold(), [])
        if not matches:
            outcome.status = "file_missing"
            return outcome
        if len(matches) > 1:
            outcome.message = (
                "В архиве несколько файлов с таким именем (без учёта регистра): переименуйте их."
            )
            return outcome
        info = matches[0]
        if problem := _entry_problem(info):
            outcome.message = f"Файл не принят: {problem}."
            return outcome
        try:
            with _extract(archive, info, self._size_limit) as fh:
                result = await self._documents.upload(
                    school_id=school_id,
                    student_id=student.id,
                    fields={f: _code(f, row.get(f)) for f in METADATA_FIELDS},
                    fh=fh,  # type: ignore[arg-type]
                    filename=info.filename.rsplit("/", 1)[-1],
                    today=today,
                    uploaded_by=by,
                )
        except StoreUnavailable:
            raise
        except ArchiveError as exc:
            field = FIELD_NAMES_RU.get(exc.field or "", exc.field or "")
            outcome.message = exc.message + (
                f" (поле «{field}»)" if field and field not in exc.message else ""
            )
            return outcome
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError):
            outcome.message = "Файл в архиве повреждён (не совпадает контрольная сумма ZIP)."
            return outcome
        outcome.document_id = result.document.id
        outcome.status = "stored" if result.created else "duplicate"
        if result.created:
            await on_stored(student.id, result.document.id)
        return outcome


def _titles(titles: Mapping[Any, str]) -> dict[str, str]:
    return {_norm(t): code.value for code, t in titles.items() if t}


# Tables typed by people say «диплом», «Спорт», «региональный»: the codes are accepted too.
_CHOICES: dict[str, dict[str, str]] = {
    "kind": _titles(KIND_TITLES_RU),
    "category": _titles(CATEGORY_TITLES_RU),
    "event_level": {
        **_titles(LEVEL_TITLES_RU),
        **{_norm(t.removesuffix(" уровень")): c.value for c, t in LEVEL_TITLES_RU.items()},
    },
    "result": _titles(RESULT_TITLES_RU),
    "source": {"школа": "school", "другая организация": "other_organisation"},
}


def _code(field: str, value: str | None) -> str | None:
    if not value:
        return None
    return _CHOICES.get(field, {}).get(_norm(value), value)


REPORT_HEADERS = ["Строка", "Файл", "Итог", "Пояснение", "Документ (id)", "Обучающийся (id)"]


def report_rows(report: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [r["row"], r["file"], r["status_ru"], r["message"], r["document_id"] or "", r["student_id"] or ""]
        for r in report["rows"]
    ]
