"""PDFs of destruction acts and of the personal-data destruction record (Typst; data as JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from importlib.resources import files
from typing import Any

import typst

from retention.acts import ActStatus

_TEMPLATES = files("service") / "templates"

# The pupil's own record (name, class) stays: only the documents and what they say are destroyed.
PD_CATEGORIES = [
    "сведения о достижениях и поощрениях обучающегося в составе уничтоженных документов "
    "(наименование, мероприятие, уровень, результат, даты)",
    "изображения документов (сканы, фотографии) и творческие работы, содержащие персональные данные",
]
SYSTEM_NAME = "Архив документов и портфолио обучающихся (school-archive)"
METHOD = (
    "Удаление всех версий файлов из объектного хранилища S3 (с обходом режима хранения GOVERNANCE по "
    "утверждённому акту) и удаление записей из базы данных; сохранены только сведения об уничтожении "
    "(идентификатор, контрольная сумма, дело, номер акта)."
)


def _reason(act: Mapping[str, Any]) -> str:
    dmn = any("надобность миновала" in row.get("note", "") for row in act["rows"])
    expired = any("надобность миновала" not in row.get("note", "") for row in act["rows"])
    grounds = [
        g for g, present in (("истечение сроков хранения", expired), ("минование надобности", dmn)) if present
    ]
    return f"{' и '.join(grounds)} по номенклатуре дел; акт о выделении к уничтожению № {act['number']}"


def _ru(value: str | None) -> str | None:
    return date.fromisoformat(value).strftime("%d.%m.%Y") if value else None


def _compile(template: str, data: Mapping[str, Any]) -> bytes:
    source = (_TEMPLATES / template).read_bytes()
    return bytes(
        typst.compile(
            source, format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False, default=str)}
        )
    )


def destruction_act_pdf(act: Mapping[str, Any], *, school_name: str, nomenclature_versions: str) -> bytes:
    approval = act.get("approval") or {}
    status = ActStatus(act["status"])
    status_note = {
        ActStatus.DRAFT: "ПРОЕКТ — не утверждён, уничтожение по нему невозможно",
        ActStatus.CANCELLED: "АКТ ОТМЕНЁН",
    }.get(status, "")
    execution = None
    if status is ActStatus.EXECUTED:
        result = act["execution"]
        finished: datetime = result["finished_at"]
        execution = {
            "destroyed": len(result["destroyed"]),
            "skipped": len(result["skipped"]),
            "finished_on": finished.strftime("%d.%m.%Y"),
            "executed_by": result.get("executed_by") or "",
        }
    data = {
        "school": school_name,
        "number": act["number"],
        "act_date": _ru(act["act_date"]),
        "status_note": status_note,
        "approved_by": approval.get("approved_by"),
        "approved_on": _ru(approval.get("approved_on")),
        "protocol_number": approval.get("protocol_number"),
        "protocol_date": _ru(approval.get("protocol_date")),
        "compiled_by": act.get("compiled_by"),
        "rows": act["rows"],
        "total_items": act["total_items"],
        "years": act["years"],
        "nomenclature_versions": nomenclature_versions,
        "execution": execution,
    }
    return _compile("destruction_act.typ", data)


def pd_destruction_pdf(
    act: Mapping[str, Any],
    tombstones: list[Mapping[str, Any]],
    student_names: Mapping[str, str],
    *,
    school_name: str,
    school_address: str = "",
) -> bytes:
    result = act["execution"]
    destroyed = [t for t in tombstones if t.get("state") == "destroyed"]
    subjects = sorted(
        {student_names.get(t["student_id"], f"обучающийся {t['student_id']}") for t in destroyed}
    )
    data = {
        "school": school_name,
        "address": school_address,
        "number": f"{act['number']}-ПД",
        "basis_number": act["number"],
        "date": result["finished_at"].strftime("%d.%m.%Y"),
        "approved_on": _ru((act.get("approval") or {}).get("approved_on")) or "",
        "subjects": subjects or ["—"],
        "categories": PD_CATEGORIES,
        "system": SYSTEM_NAME,
        "method": METHOD,
        "reason": _reason(act),
        "executed_by": result.get("executed_by") or "",
        "events": [
            {
                "document_id": t["_id"],
                "sha256": t["sha256"],
                "title": t["title"],
                "case_id": t["case_id"],
                "destroyed_at": t["destroyed_at"].strftime("%d.%m.%Y %H:%M:%S")
                if t.get("destroyed_at")
                else "",
            }
            for t in sorted(destroyed, key=lambda t: (t["case_id"], t["_id"]))
        ],
    }
    return _compile("pd_destruction.typ", data)
