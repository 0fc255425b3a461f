"""Who is calling, and which pupils and documents that person may reach.

The route table (``service.domain.roles``) says whether a role may call an operation at all;
these functions say which pupils it may be called *for*. A pupil out of reach is reported exactly
like a pupil that does not exist (404), so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.domain.roles import Role
from service.errors import Forbidden, NotFound
from service.models import Document, Student

MSG_STUDENT_NOT_FOUND = "Обучающийся не найден."
MSG_DOCUMENT_NOT_FOUND = "Документ не найден."

# Roles that see every pupil of the school (the deputy checks everything staff record; the
# archivist keeps it; the administrator links accounts to pupils and sees names and classes only).
SCHOOL_WIDE = frozenset({Role.DEPUTY, Role.ARCHIVIST})
# Roles that handle a withdrawal of consent and still see the pupil's documents afterwards.
HANDLE_WITHDRAWAL = frozenset({Role.DEPUTY, Role.ARCHIVIST})


@dataclass(frozen=True)
class Principal:
    user_id: str
    school_id: str
    login: str
    display_name: str
    roles: frozenset[Role]
    class_names: frozenset[str] = field(default_factory=frozenset)
    student_ids: frozenset[str] = field(default_factory=frozenset)  # parent's children / the pupil
    session_id: str | None = None
    via_cookie: bool = False
    csrf_token: str | None = None

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def role_label(self) -> str:
        return ",".join(sorted(r.value for r in self.roles))


def staff_reach(p: Principal, student: Student) -> bool:
    """Reach through a staff role: the whole school, or a teacher's own classes."""
    if p.has(*SCHOOL_WIDE):
        return True
    return p.has(Role.TEACHER) and student.class_name in p.class_names


def family_reach(p: Principal, student: Student) -> bool:
    return p.has(Role.PARENT, Role.PUPIL) and student.id in p.student_ids


def can_see_student(p: Principal, student: Student) -> bool:
    """Names and classes: staff in reach, the family, and the administrator (to link accounts)."""
    return p.has(Role.ADMIN) or staff_reach(p, student) or family_reach(p, student)


def ensure_student_visible(p: Principal, student: Student | None) -> Student:
    if student is None or not can_see_student(p, student):
        raise NotFound(MSG_STUDENT_NOT_FOUND)
    return student


def ensure_documents_readable(p: Principal, student: Student | None) -> Student:
    """Documents of a pupil: staff in reach, or the family (verified ones only, see below).

    Raises NotFound when out of reach, Forbidden when the family withdrew consent and the
    caller is not among those handling the withdrawal.
    """
    if student is None or not (staff_reach(p, student) or family_reach(p, student)):
        raise NotFound(MSG_STUDENT_NOT_FOUND)
    if student.consent_withdrawn_on is not None and not p.has(*HANDLE_WITHDRAWAL):
        raise Forbidden(
            "Согласие на обработку персональных данных обучающегося отозвано "
            f"{student.consent_withdrawn_on:%d.%m.%Y}: документы выдаются только сотрудникам, "
            "которые оформляют прекращение обработки."
        )
    return student


def ensure_staff_reach(p: Principal, student: Student | None) -> Student:
    """For changes (uploads, applications): staff of the pupil's class or the whole school."""
    if student is None or not staff_reach(p, student):
        raise NotFound(MSG_STUDENT_NOT_FOUND)
    return student


def ensure_family_records_visible(p: Principal, student: Student | None) -> Student:
    """Applications and consents: staff in reach and the family, even after a withdrawal."""
    if student is None or not (staff_reach(p, student) or family_reach(p, student)):
        raise NotFound(MSG_STUDENT_NOT_FOUND)
    return student


def sees_unverified(p: Principal, student: Student) -> bool:
    """Families see verified documents only; staff see every status."""
    return staff_reach(p, student)


def ensure_document_visible(p: Principal, student: Student, document: Document) -> Document:
    if document.status != "verified" and not sees_unverified(p, student):
        raise NotFound(MSG_DOCUMENT_NOT_FOUND)
    return document


def filter_students(p: Principal, students: list[Student]) -> list[Student]:
    return [s for s in students if can_see_student(p, s)]


def ensure_document_readable(p: Principal, document: Document, pupils: dict[str, Student]) -> Student:
    """Reach a document through any pupil it concerns: its owner, a team member linked to it, or
    a pupil of the class it was shared with. ``pupils`` are the candidates by id. Returns the
    pupil through whom it is read.

    Raises NotFound (exactly like a missing document) when none is in reach, Forbidden when the
    only pupils in reach withdrew consent.
    """
    refused: Forbidden | None = None
    for pupil in pupils.values():
        if not document.concerns(pupil):
            continue
        try:
            student = ensure_documents_readable(p, pupil)
        except NotFound:
            continue
        except Forbidden as exc:
            refused = refused or exc
            continue
        if document.status == "verified" or sees_unverified(p, student):
            return student
    if (
        refused is None
        and document.shared_with_class is not None
        and p.has(Role.TEACHER)
        and document.shared_with_class in p.class_names
    ):
        owner = pupils.get(document.student_id)
        if owner is not None:
            return owner
    if refused is not None:
        raise refused
    raise NotFound(MSG_DOCUMENT_NOT_FOUND)
