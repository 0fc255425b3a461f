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

from service.domain.documents import DocumentService, UploadOutcome
from service.domain.students import StudentService
from service.lifespan import Stores
from service.settings import Settings
from service.storage.mongo import StudentRepository
from service.wiring import make_account_service, make_document_service, make_retention_service

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


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str
    role: str
    display_name: str
    class_names: tuple[str, ...] = ()
    children: tuple[int, ...] = ()  # indexes into DEMO_PUPILS


# Demo-only credentials, printed by `make run` and listed in the README. Never use them for real.
DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("admin", "demo-admin-2026", "admin", "Администратор (демо)"),
    DemoAccount(
        "teacher", "demo-teacher-2026", "teacher", "Классный руководитель 5А и 7Б (демо)", ("5А", "7Б")
    ),
    DemoAccount("deputy", "demo-deputy-2026", "deputy", "Заместитель директора по УВР (демо)"),
    DemoAccount("archivist", "demo-archivist-2026", "archivist", "Архивист (демо)"),
    DemoAccount("director", "demo-director-2026", "director", "Директор (демо)"),
    DemoAccount("parent", "demo-parent-2026", "parent", "Образцов Пётр Иванович (демо)", children=(0, 1)),
    DemoAccount("pupil", "demo-pupil-2026", "pupil", "Образцова Мария (демо)", children=(0,)),
]


def demo_accounts_text() -> str:
    lines = ["  Демо-учётные записи (только для демонстрации):"]
    lines += [f"    {a.role:<10} логин {a.login:<10} пароль {a.password}" for a in DEMO_ACCOUNTS]
    return "\n".join(lines)


# A pupil who left long ago, so the archivist's due list and act have something to show.
DEMO_GRADUATE = ("Выпускникова Ольга Николаевна", "11А")
DEMO_GRADUATE_AWARD = DemoAward(
    "Грамота",
    "за победу в школьном конкурсе проектов «Моя малая родина»",
    "Гимназия № 1 (демонстрационная)",
    date(2018, 12, 14),
    "gramota",
    "research_project",
    "Конкурс проектов «Моя малая родина»",
    "school",
    "winner",
    "jpeg",
)
DEMO_GRADUATE_LEFT = {"left_on": "2019-06-30", "order_number": "45-у (демо)"}


async def seed_demo(*, settings: Settings, stores: Stores, today: date) -> bool:
    """Create the demo school's pupils, documents and accounts unless the school has pupils."""
    students_repo = StudentRepository(stores.db)
    if await students_repo.count(settings.school_id):
        return False
    students = StudentService(students_repo)
    documents = make_document_service(settings, stores)
    accounts = make_account_service(settings, stores)
    pupil_ids: list[str] = []
    stored: list[str] = []
    for index, (name, class_name) in enumerate(DEMO_PUPILS):
        student = await students.create(
            settings.school_id, {"full_name": name, "class_name": class_name}, today=today
        )
        pupil_ids.append(student.id)
        for award in DEMO_AWARDS[: 1 + index % len(DEMO_AWARDS)] if index % 2 else DEMO_AWARDS:
            outcome = await _upload_award(settings, documents, student.id, award, name, class_name, today)
            stored.append(outcome.document.id)
    await _seed_graduate(settings, stores, students, documents, today)
    for account in DEMO_ACCOUNTS:
        await accounts.ensure_account(
            settings.school_id,
            account.login,
            account.password,
            [account.role],
            display_name=account.display_name,
            class_names=list(account.class_names),
            student_ids=[pupil_ids[i] for i in account.children],
        )
    deputy = await accounts.find_login(settings.school_id, "deputy")
    # Most demo documents are verified; every third waits in the deputy's queue.
    for n, document_id in enumerate(stored):
        if n % 3 != 2:
            await documents.decide(
                settings.school_id, document_id, decision="verified", reason=None, by=deputy or "demo"
            )
    log.info("demo school seeded: %d pupils, %d accounts", len(DEMO_PUPILS) + 1, len(DEMO_ACCOUNTS))
    return True


async def _upload_award(
    settings: Settings,
    documents: DocumentService,
    student_id: str,
    award: DemoAward,
    name: str,
    class_name: str,
    today: date,
) -> UploadOutcome:
    content, filename = render_award(award, name, class_name)
    with tempfile.TemporaryFile() as fh:
        fh.write(content)
        return await documents.upload(
            school_id=settings.school_id,
            student_id=student_id,
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


async def _seed_graduate(
    settings: Settings, stores: Stores, students: StudentService, documents: DocumentService, today: date
) -> None:
    name, class_name = DEMO_GRADUATE
    student = await students.create(
        settings.school_id, {"full_name": name, "class_name": class_name}, today=today
    )
    await _upload_award(settings, documents, student.id, DEMO_GRADUATE_AWARD, name, class_name, today)
    await make_retention_service(stores).record_leaving(
        settings.school_id, student.id, DEMO_GRADUATE_LEFT, today=today
    )
