"""Domain records shared by every layer: no BSON, no HTTP."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class DocumentKind(enum.StrEnum):
    DIPLOMA = "diploma"
    CERTIFICATE = "certificate"
    GRAMOTA = "gramota"
    ATTESTAT = "attestat"
    REFERENCE = "reference"
    CREATIVE_WORK = "creative_work"
    PRESENTATION = "presentation"
    OTHER = "other"


class Category(enum.StrEnum):
    ACADEMIC = "academic"
    OLYMPIAD_CONTEST = "olympiad_contest"
    SPORT = "sport"
    GTO = "gto"
    CREATIVE = "creative"
    RESEARCH_PROJECT = "research_project"
    SOCIAL_VOLUNTEER = "social_volunteer"
    ADDITIONAL_EDUCATION = "additional_education"
    REWARD = "reward"


class EventLevel(enum.StrEnum):
    SCHOOL = "school"
    MUNICIPAL = "municipal"
    REGIONAL = "regional"
    INTERREGIONAL = "interregional"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class Result(enum.StrEnum):
    WINNER = "winner"
    PRIZE_WINNER = "prize_winner"
    PARTICIPANT = "participant"
    GTO_GOLD = "gto_gold"
    GTO_SILVER = "gto_silver"
    GTO_BRONZE = "gto_bronze"
    NONE = "none"


class VerificationStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class RewardKind(enum.StrEnum):
    """Поощрения, as the regulation lists them."""

    GRATITUDE = "gratitude"  # благодарность
    COMMENDATION = "commendation"  # похвальный лист
    GRAMOTA = "gramota"  # грамота
    VALUABLE_GIFT = "valuable_gift"  # ценный подарок
    PRIZE = "prize"  # приз
    OTHER = "other"


REWARD_KIND_TITLES_RU: dict[RewardKind, str] = {
    RewardKind.GRATITUDE: "благодарность",
    RewardKind.COMMENDATION: "похвальный лист",
    RewardKind.GRAMOTA: "грамота",
    RewardKind.VALUABLE_GIFT: "ценный подарок",
    RewardKind.PRIZE: "приз",
    RewardKind.OTHER: "другое поощрение",
}


@dataclass(frozen=True)
class Reward:
    """A поощрение granted by an order of the school; part of the pupil's record."""

    id: str
    school_id: str
    student_id: str
    granted_on: date
    kind: RewardKind
    reason: str
    order_number: str
    order_date: date
    academic_year: str
    scan_document_id: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None


STATUS_TITLES_RU = {"pending": "на проверке", "verified": "проверен", "rejected": "отклонён"}


class Source(enum.StrEnum):
    SCHOOL = "school"
    OTHER_ORGANISATION = "other_organisation"


# Kinds that may hold any file (videos, slides, archives); everything else must be a scan.
FREE_FORM_KINDS = frozenset({DocumentKind.CREATIVE_WORK, DocumentKind.PRESENTATION})

CATEGORY_TITLES_RU: dict[Category, str] = {
    Category.ACADEMIC: "Учебные достижения",
    Category.OLYMPIAD_CONTEST: "Олимпиады и конкурсы",
    Category.SPORT: "Спорт",
    Category.GTO: "ГТО",
    Category.CREATIVE: "Творчество",
    Category.RESEARCH_PROJECT: "Исследовательские и проектные работы",
    Category.SOCIAL_VOLUNTEER: "Общественная и волонтёрская деятельность",
    Category.ADDITIONAL_EDUCATION: "Дополнительное образование",
    Category.REWARD: "Поощрения",
}

LEVEL_TITLES_RU: dict[EventLevel, str] = {
    EventLevel.SCHOOL: "школьный уровень",
    EventLevel.MUNICIPAL: "муниципальный уровень",
    EventLevel.REGIONAL: "региональный уровень",
    EventLevel.INTERREGIONAL: "межрегиональный уровень",
    EventLevel.NATIONAL: "всероссийский уровень",
    EventLevel.INTERNATIONAL: "международный уровень",
}

RESULT_TITLES_RU: dict[Result, str] = {
    Result.WINNER: "победитель",
    Result.PRIZE_WINNER: "призёр",
    Result.PARTICIPANT: "участник",
    Result.GTO_GOLD: "золотой знак ГТО",
    Result.GTO_SILVER: "серебряный знак ГТО",
    Result.GTO_BRONZE: "бронзовый знак ГТО",
    Result.NONE: "",
}

KIND_TITLES_RU: dict[DocumentKind, str] = {
    DocumentKind.DIPLOMA: "диплом",
    DocumentKind.CERTIFICATE: "сертификат",
    DocumentKind.GRAMOTA: "грамота",
    DocumentKind.ATTESTAT: "свидетельство",
    DocumentKind.REFERENCE: "справка",
    DocumentKind.CREATIVE_WORK: "творческая работа",
    DocumentKind.PRESENTATION: "презентация",
    DocumentKind.OTHER: "другой документ",
}


@dataclass(frozen=True)
class Student:
    id: str
    school_id: str
    full_name: str
    class_name: str
    birth_date: date | None = None
    external_id: str | None = None
    created_at: datetime | None = None
    left_on: date | None = None  # выбытие / окончание: closes the pupil's cases
    leaving_order: str | None = None  # the order (приказ) that recorded it
    consent_withdrawn_on: date | None = None  # from then only staff handling it see the documents


@dataclass(frozen=True)
class DocumentMetadata:
    """What staff say about a document; validated before any byte is stored."""

    kind: DocumentKind
    title: str
    category: Category
    academic_year: str
    source: Source = Source.SCHOOL
    issued_on: date | None = None
    issuer: str | None = None
    event: str | None = None
    event_level: EventLevel | None = None
    result: Result | None = None


@dataclass(frozen=True)
class FileFacts:
    """What the service found out about the bytes themselves."""

    media_type: str
    size: int
    sha256: str
    pages: int | None  # None: not a scan (stored as-is, no pages in the portfolio)
    is_scan: bool


@dataclass(frozen=True)
class Document:
    id: str
    school_id: str
    student_id: str
    metadata: DocumentMetadata
    file: FileFacts
    original_filename: str
    object_key: str
    thumbnail_key: str
    created_at: datetime
    case_id: str | None = None  # the case (дело) of the nomenclature it is filed into
    object_version: str | None = None  # S3 version ids (Object Lock protects versions)
    thumbnail_version: str | None = None
    status: str = "pending"  # pending -> verified | rejected (the deputy checks what staff record)
    verified_by: str | None = None
    verified_at: datetime | None = None
    rejection_reason: str | None = None
    application_id: str | None = None  # the family's заявление for results of other organisations
    uploaded_by: str | None = None
    # Set by the deputy: the event is in the ministry's Перечень for that academic year, so a
    # winner's or prize-winner's result qualifies for the state register of gifted children (ГИР).
    in_ministry_list: bool = False
    ministry_list_note: str | None = None
    # Team and class material, stored once: a team diploma also belongs to these pupils, a class
    # album or poster to the pupils of this class. The owner (``student_id``) keeps the case.
    linked_student_ids: tuple[str, ...] = ()
    shared_with_class: str | None = None

    def concerns(self, student: Student) -> bool:
        """Whether the document is part of this pupil's record (own, team or class material)."""
        return (
            student.id == self.student_id
            or student.id in self.linked_student_ids
            or (self.shared_with_class is not None and self.shared_with_class == student.class_name)
        )
