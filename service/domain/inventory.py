"""The опись of cases closed in a year, for the year-end hand-over to the school archive."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import date
from importlib.resources import files
from typing import Any

import typst

HEADERS = [
    "№ п/п",
    "Индекс дела",
    "Заголовок дела",
    "Крайние даты",
    "Количество документов",
    "Срок хранения",
    "Примечание",
]


def inventory_rows(cases: list[Mapping[str, Any]], pupil_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per non-empty case in nomenclature order; pupil-level cases name their pupil."""
    ordered = sorted(
        (c for c in cases if c.get("documents", 0) > 0),
        key=lambda c: (c["index"], pupil_names.get(c.get("student_id") or "", ""), c["_id"]),
    )
    rows = []
    for n, case in enumerate(ordered, start=1):
        title = case["title"]
        if case.get("student_id"):
            title = f"{title}: {pupil_names.get(case['student_id'], case['student_id'])}"
        retention = case["retention_label"] + (f"; {case['article']}" if case.get("article") else "")
        note = "срок не утверждён ЭК" if case.get("to_be_confirmed") else ""
        rows.append(
            {
                "number": n,
                "index": case["index"],
                "title": title,
                "dates": str(case["year"]),
                "documents": int(case.get("documents", 0)),
                "retention": retention,
                "note": note,
            }
        )
    return rows


def inventory_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow(
            [r["number"], r["index"], r["title"], r["dates"], r["documents"], r["retention"], r["note"]]
        )
    # A BOM lets Excel open Cyrillic CSV correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def inventory_pdf(rows: list[dict[str, Any]], *, year: int, school_name: str, today: date) -> bytes:
    data = {
        "school": school_name,
        "year": year,
        "compiled_on": today.strftime("%d.%m.%Y"),
        "rows": rows,
        "total_documents": sum(r["documents"] for r in rows),
    }
    source = (files("service") / "templates" / "inventory.typ").read_bytes()
    return bytes(
        typst.compile(source, format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    )
