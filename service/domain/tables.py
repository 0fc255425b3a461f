"""Tables for people: CSV that a Russian Excel opens as it is, and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

CSV_MEDIA_TYPE = "text/csv"  # Litestar adds the charset
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Semicolon-separated, with a BOM: Excel in a Russian locale reads both correctly."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if v is None else spreadsheet_safe(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            # openpyxl takes text starting with "=" for a formula: store it as text instead.
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
    for column, header in zip(sheet.columns, headers, strict=False):
        width = max([len(str(header))] + [len(str(c.value or "")) for c in column])
        sheet.column_dimensions[column[0].column_letter].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
