"""API request and response structs. Create / Read kept separate; no domain logic here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar.datastructures import UploadFile

from service.models import STATUS_TITLES_RU, Document, Student


class StudentCreate(msgspec.Struct, forbid_unknown_fields=True):
    full_name: Annotated[
        str, msgspec.Meta(description="ФИО обучающегося", examples=["Образцова Мария Петровна"])
    ]
    class_name: Annotated[str, msgspec.Meta(description="Класс", examples=["7Б"])]
    birth_date: Annotated[str | None, msgspec.Meta(description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")] = None
    external_id: Annotated[str | None, msgspec.Meta(description="Идентификатор во внешней системе")] = None


class LeavingCreate(msgspec.Struct):
    left_on: Annotated[str, msgspec.Meta(description="Дата выбытия / окончания (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)")]
    order_number: Annotated[str, msgspec.Meta(description="Номер приказа об отчислении / выбытии")]


class StudentRead(msgspec.Struct):
    id: str
    full_name: str
    class_name: str
    birth_date: date | None
    external_id: str | None
    created_at: datetime | None
    left_on: date | None = None
    leaving_order: str | None = None
    consent_withdrawn_on: date | None = None

    @classmethod
    def of(cls, s: Student) -> StudentRead:
        return cls(
            s.id,
            s.full_name,
            s.class_name,
            s.birth_date,
            s.external_id,
            s.created_at,
            s.left_on,
            s.leaving_order,
            s.consent_withdrawn_on,
        )


class DocumentUpload(msgspec.Struct):
    """multipart/form-data: the file and what it is. Values are validated by the service."""

    file: UploadFile | None = None
    kind: Annotated[
        str | None,
        msgspec.Meta(
            description="diploma, certificate, gramota, attestat, reference, creative_work, "
            "presentation, other"
        ),
    ] = None
    title: str | None = None
    category: Annotated[
        str | None,
        msgspec.Meta(
            description="academic, olympiad_contest, sport, gto, creative, research_project, "
            "social_volunteer, additional_education, reward"
        ),
    ] = None
    issued_on: Annotated[str | None, msgspec.Meta(description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")] = None
    issuer: str | None = None
    event: str | None = None
    event_level: Annotated[
        str | None,
        msgspec.Meta(description="school, municipal, regional, interregional, national, international"),
    ] = None
    result: Annotated[
        str | None,
        msgspec.Meta(description="winner, prize_winner, participant, gto_gold, gto_silver, gto_bronze, none"),
    ] = None
    academic_year: Annotated[str | None, msgspec.Meta(description="2024/2025; по умолчанию текущий")] = None
    source: Annotated[
        str | None, msgspec.Meta(description="school (по умолчанию) или other_organisation")
    ] = None
    application_id: Annotated[
        str | None,
        msgspec.Meta(
            description="Заявление семьи (для other_organisation); по умолчанию — на этот учебный год"
        ),
    ] = None

    def fields(self) -> dict[str, str | None]:
        return {f: getattr(self, f) for f in self.__struct_fields__ if f != "file"}


class DocumentRead(msgspec.Struct):
    id: str
    student_id: str
    kind: str
    title: str
    category: str
    academic_year: str
    source: str
    issued_on: date | None
    issuer: str | None
    event: str | None
    event_level: str | None
    result: str | None
    original_filename: str
    media_type: str
    size: int
    sha256: str
    pages: int | None
    created_at: datetime
    content_url: str
    thumbnail_url: str
    case_id: str | None = None
    status: str = "pending"
    status_ru: str = "на проверке"
    rejection_reason: str | None = None
    verified_at: datetime | None = None
    application_id: str | None = None
    in_ministry_list: bool = False  # the event is in the ministry's Перечень for that year
    # Team and class material: the other pupils are named to staff only, never to families.
    linked_student_ids: list[str] | None = None
    shared_with_class: str | None = None
    shared: bool = False

    @classmethod
    def of(cls, d: Document, *, for_family: bool = False, as_pupil: str | None = None) -> DocumentRead:
        """``for_family``: shown to a parent or pupil, who read it through their own child
        ``as_pupil``; another pupil's id or case never appears."""
        m = d.metadata
        return cls(
            id=d.id,
            student_id=as_pupil if for_family and as_pupil else d.student_id,
            kind=m.kind.value,
            title=m.title,
            category=m.category.value,
            academic_year=m.academic_year,
            source=m.source.value,
            issued_on=m.issued_on,
            issuer=m.issuer,
            event=m.event,
            event_level=m.event_level.value if m.event_level else None,
            result=m.result.value if m.result else None,
            original_filename=d.original_filename,
            media_type=d.file.media_type,
            size=d.file.size,
            sha256=d.file.sha256,
            pages=d.file.pages,
            created_at=d.created_at,
            content_url=f"/api/v1/documents/{d.id}/content",
            thumbnail_url=f"/api/v1/documents/{d.id}/thumbnail",
            case_id=None if for_family and as_pupil != d.student_id else d.case_id,
            status=d.status,
            status_ru=STATUS_TITLES_RU.get(d.status, d.status),
            rejection_reason=d.rejection_reason,
            verified_at=d.verified_at,
            application_id=d.application_id,
            in_ministry_list=d.in_ministry_list,
            linked_student_ids=None if for_family else list(d.linked_student_ids),
            shared_with_class=None if for_family else d.shared_with_class,
            shared=bool(d.linked_student_ids or d.shared_with_class),
        )


class HealthRead(msgspec.Struct):
    status: str
    mongodb: str
    s3: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details; ``detail`` is a message for people, in Russian."""

    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
