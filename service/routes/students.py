"""Pupils, and what hangs off a pupil: documents and the portfolio."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.domain.access_log import AccessLog, client_ip
from service.domain.acts import ActService
from service.domain.documents import DocumentService, UploadOutcome
from service.domain.metadata import parse_class_name
from service.domain.principal import (
    Principal,
    ensure_documents_readable,
    ensure_staff_reach,
    ensure_student_visible,
    filter_students,
    sees_unverified,
)
from service.domain.retention_service import RetentionService
from service.domain.roles import Role
from service.domain.students import StudentService
from service.errors import Forbidden
from service.models import Document, Student
from service.schemas import DocumentRead, DocumentUpload, LeavingCreate, StudentCreate, StudentRead


async def store_upload(
    document_service: DocumentService,
    access_log: AccessLog,
    request: Request[Any, Any, Any],
    upload: UploadFile | None,
    fields: dict[str, str | None],
    student_id: str,
    principal: Principal,
    today: date,
) -> UploadOutcome:
    """Store one uploaded file for a pupil the caller reaches, and log it when it is new (the API
    and the upload page alike)."""
    outcome = await document_service.upload(
        school_id=principal.school_id,
        student_id=student_id,
        fields=fields,
        fh=upload.file if upload is not None else None,
        filename=upload.filename if upload is not None else None,
        today=today,
        uploaded_by=principal.user_id,
    )
    if outcome.created:
        await access_log.record(
            principal.school_id,
            "upload",
            student_id=student_id,
            document_id=outcome.document.id,
            ip=client_ip(request),
        )
    return outcome


async def readable_documents(
    principal: Principal,
    student_id: str,
    student_service: StudentService,
    document_service: DocumentService,
    access_log: AccessLog,
) -> tuple[Student, list[Document], bool]:
    """The pupil, the documents of their record the caller may read (a family: verified ones
    only) and whether the caller reads as family; the listing is logged."""
    tenant_id = principal.school_id
    student = ensure_documents_readable(principal, await student_service.get(tenant_id, student_id))
    documents = await document_service.list_for_record(tenant_id, student, class_material=True)
    family = not sees_unverified(principal, student)
    if family:
        documents = [d for d in documents if d.status == "verified"]
    await access_log.record(tenant_id, "read_list", student_id=student_id)
    return student, documents, family


class StudentController(Controller):
    path = "/api/v1/students"
    tags: ClassVar[list[str]] = ["students"]

    @post(operation_id="createStudent", summary="Добавить обучающегося")
    async def create_student(
        self,
        data: JSONBody[StudentCreate],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
    ) -> StudentRead:
        """Create a pupil in the school (a class teacher: in their own classes only)."""
        if not principal.has(Role.DEPUTY) and parse_class_name(data.class_name) not in principal.class_names:
            raise Forbidden("Классный руководитель добавляет обучающихся только в свои классы.")
        fields = {
            "full_name": data.full_name,
            "class_name": data.class_name,
            "birth_date": data.birth_date,
            "external_id": data.external_id,
        }
        return StudentRead.of(await student_service.create(tenant_id, fields, today=today))

    @get(operation_id="listStudents", summary="Список обучающихся")
    async def list_students(
        self,
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        class_name: Annotated[str | None, QueryParameter(description="Класс, например 7Б")] = None,
    ) -> list[StudentRead]:
        """The pupils the caller may see (a teacher: their classes; a parent: their children)."""
        students = await student_service.list(tenant_id, class_name=class_name)
        return [StudentRead.of(s) for s in filter_students(principal, students)]

    @get("/{student_id:str}", operation_id="getStudent", summary="Обучающийся")
    async def get_student(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
    ) -> StudentRead:
        """One pupil; 404 if not in this school or out of the caller's reach."""
        return StudentRead.of(
            ensure_student_visible(principal, await student_service.get(tenant_id, student_id))
        )

    @post(
        "/{student_id:str}/documents",
        operation_id="uploadDocument",
        summary="Загрузить документ обучающегося",
        status_code=HTTP_201_CREATED,
    )
    async def upload_document(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        document_service: NamedDependency[DocumentService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
        data: MultipartBody[DocumentUpload],
    ) -> Response[DocumentRead]:
        """Store a scan or a creative work; 201 when new, 200 when the same bytes were already stored.

        A new document is ``pending`` until the deputy verifies it."""
        try:
            ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
            outcome = await store_upload(
                document_service, access_log, request, data.file, data.fields(), student_id, principal, today
            )
        finally:
            if data.file is not None:
                await data.file.close()
        return Response(
            DocumentRead.of(outcome.document),
            status_code=HTTP_201_CREATED if outcome.created else HTTP_200_OK,
        )

    @post(
        "/{student_id:str}/leaving",
        operation_id="recordLeaving",
        summary="Записать выбытие обучающегося",
        status_code=HTTP_200_OK,
    )
    async def record_leaving(
        self,
        student_id: FromPath[str],
        data: JSONBody[LeavingCreate],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        retention_service: NamedDependency[RetentionService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> StudentRead:
        """Выбытие / окончание (date and order): closes the pupil's cases and starts their clocks."""
        fields = {"left_on": data.left_on, "order_number": data.order_number}
        student = await retention_service.record_leaving(tenant_id, student_id, fields, today=today)
        await access_log.record(tenant_id, "leaving", student_id=student_id, ip=client_ip(request))
        return StudentRead.of(student)

    @get(
        "/{student_id:str}/retention",
        operation_id="getStudentRetention",
        summary="Сроки хранения документов обучающегося",
    )
    async def retention_view(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        document_service: NamedDependency[DocumentService],
        retention_service: NamedDependency[RetentionService],
        act_service: NamedDependency[ActService],
    ) -> dict[str, Any]:
        """Each document with its case, retention, earliest destruction and holds; destroyed ones too.

        This is what answers a parent's request to erase data: what must be kept, until when, and why.
        """
        student = ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
        documents = await document_service.list_for_student(tenant_id, student_id)
        tombstones = await act_service.tombstones_for_student(tenant_id, student_id)
        return await retention_service.student_view(student, documents, tombstones, today=today)

    @get("/{student_id:str}/documents", operation_id="listStudentDocuments", summary="Документы обучающегося")
    async def list_documents(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        document_service: NamedDependency[DocumentService],
        access_log: NamedDependency[AccessLog],
    ) -> list[DocumentRead]:
        """Documents of a pupil, oldest first; a family sees verified ones only."""
        _, documents, family = await readable_documents(
            principal, student_id, student_service, document_service, access_log
        )
        return [DocumentRead.of(d, for_family=family, as_pupil=student_id) for d in documents]
