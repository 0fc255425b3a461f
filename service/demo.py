"""A synthetic demo school: classes, pupils and award scans the project draws itself.

Every name here is invented; no real personal data is ever seeded.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import date
from importlib.resources import files

import typst
from PIL import Image

from service.domain.students import StudentService
from service.lifespan import Stores
from service.settings import Settings
from service.storage.mongo import StudentRepository
from service.wiring import make_document_service

log = logging.getLogger(__name__)

_TEMPLATE = files("service") / "templates" / "demo_award.typ"


@dataclass(frozen=True)
class DemoAward:
    heading: str
    reason: str
    issuer: str
    issued_on: date
    kind: str
    category: str
    event: str
    event_level: str
    result: str
    as_format: str  # "jpeg", "png" or "pdf"


DEMO_PUPILS: list[tuple[str, str]] = [
    ("Образцова Мария Петровна", "5А"),
    ("Примеров Лев Андреевич", "5А"),
    ("Тестова Алиса Игоревна", "7Б"),
    ("Демидов-Вымышленный Глеб Олегович", "7Б"),
    ("Условная Вера Сергеевна", "9В"),
    ("Шаблонов Артём Ильич", "9В"),
]

DEMO_AWARDS: list[DemoAward] = [
    DemoAward(
        "Диплом",
        "за I место в школьном этапе всероссийской олимпиады школьников по математике",
        "Гимназия № 1 (демонстрационная)",
        date(2025, 10, 14),
        "diploma",
        "olympiad_contest",
        "ВсОШ, школьный этап, математика",
        "school",
        "winner",
        "jpeg",
    ),
    DemoAward(
        "Грамота",
        "за активное участие в городском конкурсе чтецов «Живое слово»",
        "Управление образования (демо)",
        date(2025, 3, 21),
        "gramota",
        "creative",
        "Конкурс чтецов «Живое слово»",
        "municipal",
        "participant",
        "pdf",
    ),
    DemoAward(
        "Сертификат",
        "участника региональной научно-практической конференции «Шаг в науку»",
        "Региональный центр (демо)",
        date(2024, 11, 30),
        "certificate",
        "research_project",
        "Конференция «Шаг в науку»",
        "regional",
        "participant",
        "png",
    ),
]


def render_award(award: DemoAward, student: str, class_name: str) -> tuple[bytes, str]:
    """Return (file bytes, file name) of a synthetic award in the award's format."""
    palette = [("#fffdf5", "#8a1c1c"), ("#f5fbff", "#1c4f8a"), ("#f7fff5", "#2f6b1f")]
    paper, accent = palette[len(award.heading) % len(palette)]
    data = {
        "heading": award.heading,
        "reason": award.reason,
        "issuer": award.issuer,
        "student": student,
        "class_name": class_name,
        "date": award.issued_on.strftime("%d.%m.%Y"),
        "paper": paper,
        "accent": accent,
    }
    source = _TEMPLATE.read_bytes()
    inputs = {"data": json.dumps(data, ensure_ascii=False)}
    if award.as_format == "pdf":
        return bytes(typst.compile(source, format="pdf", sys_inputs=inputs)), f"{award.heading}.pdf"
    png = bytes(typst.compile(source, format="png", ppi=100, sys_inputs=inputs))
    if award.as_format == "png":
        return png, f"{award.heading} (скан).png"
    with Image.open(io.BytesIO(png)) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, format="JPEG", quality=85)
    return out.getvalue(), f"{award.heading} — фото.jpg"


async def seed_demo(*, settings: Settings, stores: Stores, today: date) -> bool:
    """Create the demo school's pupils and documents unless the school already has pupils."""
    students_repo = StudentRepository(stores.db)
    if await students_repo.count(settings.school_id):
        return False
    students = StudentService(students_repo)
    documents = make_document_service(settings, stores)
    for index, (name, class_name) in enumerate(DEMO_PUPILS):
        student = await students.create(
            settings.school_id, {"full_name": name, "class_name": class_name}, today=today
        )
        for award in DEMO_AWARDS[: 1 + index % len(DEMO_AWARDS)] if index % 2 else DEMO_AWARDS:
            content, filename = render_award(award, name, class_name)
            with tempfile.TemporaryFile() as fh:
                fh.write(content)
                await documents.upload(
                    school_id=settings.school_id,
                    student_id=student.id,
                    fields={
                        "kind": award.kind,
                        "title": f"{award.heading}: {award.event}",
                        "category": award.category,
                        "issued_on": award.issued_on.isoformat(),
                        "issuer": award.issuer,
                        "event": award.event,
                        "event_level": award.event_level,
                        "result": award.result,
                    },
                    fh=fh,
                    filename=filename,
                    today=today,
                )
    log.info("demo school seeded: %d pupils", len(DEMO_PUPILS))
    return True
