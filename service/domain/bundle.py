"""A pupil's bundle: the portfolio, the originals by category, manifests and a README, in one ZIP.

The bundle is verifiable on its own: every file's SHA-256 is listed (``manifest.csv``,
``manifest.json`` and ``checksums.sha256`` in the format ``sha256sum -c`` reads), and the README
says how to check them. In BagIt layout (RFC 8493) the same files sit under ``data/`` with the
bag's own manifests, so archival tools (the ``bagit`` package, for one) validate it.

This module only plans names and writes the small text files; streaming lives in
``service.domain.bundle_service``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service.domain.portfolio import ordered_documents, ru_date
from service.domain.tables import to_csv
from service.models import (
    CATEGORY_TITLES_RU,
    KIND_TITLES_RU,
    LEVEL_TITLES_RU,
    RESULT_TITLES_RU,
    REWARD_KIND_TITLES_RU,
    STATUS_TITLES_RU,
    Document,
    Reward,
    Student,
)

PORTFOLIO_NAME = "portfolio.pdf"
DOCUMENTS_FOLDER = "Документы"
MAX_TITLE_CHARS = 80
_UNSAFE = re.compile(r'[\\/:*?"<>|%\x00-\x1f\x7f]+')  # '%' too: BagIt manifests escape it
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}

MANIFEST_COLUMNS = [
    ("file", "Файл в пакете"),
    ("title", "Название"),
    ("kind", "Вид документа"),
    ("category", "Категория"),
    ("event", "Мероприятие"),
    ("event_level", "Уровень"),
    ("result", "Результат"),
    ("issued_on", "Дата выдачи"),
    ("academic_year", "Учебный год"),
    ("status", "Статус"),
    ("size", "Размер, байт"),
    ("sha256", "SHA-256"),
]


@dataclass(frozen=True)
class BundleFile:
    """One original in the bundle: where it goes and what is known about it."""

    document: Document
    path: str  # inside the bundle (before the BagIt data/ prefix)


def _safe_segment(text: str, *, limit: int = MAX_TITLE_CHARS) -> str:
    """A file or folder name that is the same on Windows, macOS and Linux, and no path trick."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" ._")
    return text[:limit].rstrip(" ._") or "документ"


def _extension(document: Document) -> str:
    known = _EXTENSIONS.get(document.file.media_type)
    if known:
        return known
    # Creative works keep the extension they came with, when it is a plain one.
    suffix = document.original_filename.rsplit(".", 1)[-1] if "." in document.original_filename else ""
    return f".{suffix.lower()}" if re.fullmatch(r"[A-Za-z0-9]{1,8}", suffix) else ".bin"


def plan_files(documents: Sequence[Document]) -> list[BundleFile]:
    """Names per category folder, numbered in portfolio order; never two alike (case-blind)."""
    planned: list[BundleFile] = []
    taken: set[str] = set()
    numbers: dict[str, int] = {}
    for document in ordered_documents(documents):
        folder = _safe_segment(CATEGORY_TITLES_RU[document.metadata.category])
        numbers[folder] = numbers.get(folder, 0) + 1
        stem = f"{numbers[folder]:02d} {_safe_segment(document.metadata.title)}"
        ext = _extension(document)
        path = f"{DOCUMENTS_FOLDER}/{folder}/{stem}{ext}"
        n = 2
        while path.casefold() in taken:
            path = f"{DOCUMENTS_FOLDER}/{folder}/{stem} ({n}){ext}"
            n += 1
        taken.add(path.casefold())
        planned.append(BundleFile(document, path))
    return planned


def manifest_rows(files: Sequence[BundleFile]) -> list[dict[str, Any]]:
    rows = []
    for f in files:
        m = f.document.metadata
        rows.append(
            {
                "file": f.path,
                "title": m.title,
                "kind": KIND_TITLES_RU[m.kind],
                "category": CATEGORY_TITLES_RU[m.category],
                "event": m.event or "",
                "event_level": LEVEL_TITLES_RU[m.event_level] if m.event_level else "",
                "result": RESULT_TITLES_RU[m.result] if m.result else "",
                "issued_on": ru_date(m.issued_on) if m.issued_on else "",
                "academic_year": m.academic_year,
                "status": STATUS_TITLES_RU.get(f.document.status, f.document.status),
                "size": f.document.file.size,
                "sha256": f.document.file.sha256,
            }
        )
    return rows


def manifest_json(
    student: Student,
    school_name: str,
    issued_at: datetime,
    rows: list[dict[str, Any]],
    portfolio: dict[str, Any],
    rewards: list[dict[str, str]],
) -> bytes:
    body = {
        "school": school_name,
        "student": {"full_name": student.full_name, "class_name": student.class_name},
        "issued_at": issued_at.isoformat(),
        "portfolio": portfolio,
        "documents": rows,
        "rewards": rewards,
    }
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


def _csv(columns: list[tuple[str, str]], rows: Sequence[dict[str, Any]]) -> bytes:
    return to_csv([title for _, title in columns], [[row[key] for key, _ in columns] for row in rows])


def manifest_csv(rows: list[dict[str, Any]]) -> bytes:
    return _csv(MANIFEST_COLUMNS, rows)


REWARD_COLUMNS = [
    ("granted_on", "Дата"),
    ("kind", "Вид поощрения"),
    ("reason", "За что"),
    ("order_number", "Номер приказа"),
    ("order_date", "Дата приказа"),
]


def reward_rows(rewards: Sequence[Reward]) -> list[dict[str, str]]:
    return [
        {
            "granted_on": ru_date(r.granted_on),
            "kind": REWARD_KIND_TITLES_RU[r.kind],
            "reason": r.reason,
            "order_number": r.order_number,
            "order_date": ru_date(r.order_date),
        }
        for r in rewards
    ]


def rewards_csv(rows: list[dict[str, str]]) -> bytes:
    return _csv(REWARD_COLUMNS, rows)


def checksums(entries: Sequence[tuple[str, str]]) -> bytes:
    """``sha256sum -c`` format: '<hash>  <path>' per line."""
    return "".join(f"{sha}  {path}\n" for path, sha in entries).encode("utf-8")


def readme(student: Student, school_name: str, issued_on: date, documents: int, *, bagit: bool) -> bytes:
    where = " (в папке data/)" if bagit else ""
    text = f"""Пакет документов портфолио обучающегося

Обучающийся: {student.full_name}, класс {student.class_name}
Образовательная организация: {school_name}
Дата выдачи пакета: {ru_date(issued_on)}
Документов: {documents}

Что в пакете{where}:
  portfolio.pdf          — портфолио: титульный лист, сводная таблица, содержание и все документы;
  {DOCUMENTS_FOLDER}/             — копии документов в исходном виде, по категориям;
  manifest.csv, manifest.json — перечень документов: название, вид, категория, мероприятие,
                           уровень, результат, дата, учебный год, файл, размер и контрольная сумма;
  rewards.csv            — поощрения: дата, вид, за что, номер и дата приказа;
  checksums.sha256       — контрольные суммы SHA-256 всех файлов пакета.

Пакет выдан законному представителю обучающегося (или самому обучающемуся). Сведения
в нём — персональные данные ребёнка: не передавайте их посторонним (152-ФЗ).

Как проверить, что файлы не изменены и получены полностью:
  Linux, macOS:   перейдите в папку{" data" if bagit else ""} пакета и выполните
                  sha256sum -c checksums.sha256   (на macOS: shasum -a 256 -c checksums.sha256)
  Windows:        certutil -hashfile "имя файла" SHA256
                  и сравните результат со значением в manifest.csv.
Каждая строка должна закончиться словом OK (или суммы должны совпасть).
"""
    if bagit:
        text += (
            "\nПакет оформлен по стандарту BagIt (RFC 8493): архивные программы проверяют его по "
            "файлам manifest-sha256.txt и tagmanifest-sha256.txt.\n"
        )
    return text.replace("\n", "\r\n").encode("utf-8")


def bagit_declaration() -> bytes:
    return b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def bag_info(school_name: str, student: Student, issued_on: date, payload_bytes: int, files: int) -> bytes:
    lines = [
        f"Source-Organization: {school_name}",
        f"Bagging-Date: {issued_on.isoformat()}",
        f"External-Description: Портфолио обучающегося: {student.full_name}, класс {student.class_name}",
        f"Payload-Oxum: {payload_bytes}.{files}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
