"""Pupils, and what hangs off a pupil: documents and the portfolio."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, MultipartBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.domain.access_log import AccessLog, client_ip
from service.domain.acts import ActService
from service.domain.documents import DocumentService
from service.domain.filenames import content_disposition, safe_filename
from service.domain.portfolio_service import PortfolioService
from service.domain.retention_service import RetentionService
from service.domain.students import StudentService
from service.schemas import DocumentRead, DocumentUpload, LeavingCreate, StudentCreate, StudentRead
from service.streams import file_chunks


class StudentController(Controller):
    path = "/api/v1/students"
    tags: ClassVar[list[str]] = ["students"]

    @post(operation_id="createStudent", summary="Добавить обучающегося")
    async def create_student(
        self,
        data: JSONBody[StudentCreate],
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
    ) -> StudentRead:
        """Create a pupil in the school."""
        fields = {
            "full_name": data.full_name,
            "class_name": data.class_name,
            "birth_date": data.birth_date,
            "external_id": data.external_id,
        }
        return StudentRead.of(await student_service.create(school_id, fields, today=today))

    @get(operation_id="listStudents", summary="Список обучающихся")
    async def list_students(
        self,
        school_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        class_name: Annotated[str | None, QueryParameter(description="Класс, например 7Б")] = None,
    ) -> list[StudentRead]:
        """Pupils of the school, optionally of one class."""
        return [StudentRead.of(s) for s in await student_service.list(school_id, class_name=class_name)]

    @get("/{student_id:str}", operation_id="getStudent", summary="Обучающийся")
    async def get_student(
        self,
        student_id: FromPath[str],
        school_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
    ) -> StudentRead:
        """One pupil; 404 if not in this school."""
        return StudentRead.of(await student_service.get(school_id, student_id))

    @post(
        "/{student_id:str}/documents",
        operation_id="uploadDocument",
        summary="Загрузить документ обучающегося",
        status_code=HTTP_201_CREATED,
    )
    async def upload_document(
        self,
        student_id: FromPath[str],
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        document_service: NamedDependency[DocumentService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
        data: MultipartBody[DocumentUpload],
    ) -> Response[DocumentRead]:
        """Store a scan or a creative work; 201 when new, 200 when the same bytes were already stored."""
        upload = data.file
        try:
            outcome = await document_service.upload(
                school_id=school_id,
                student_id=student_id,
                fields=data.fields(),
                fh=upload.file if upload is not None else None,
                filename=upload.filename if upload is not None else None,
                today=today,
            )
        finally:
            if upload is not None:
                await upload.close()
        if outcome.created:
            await access_log.record(
                school_id,
                "upload",
                student_id=student_id,
                document_id=outcome.document.id,
                ip=client_ip(request),
            )
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
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        retention_service: NamedDependency[RetentionService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> StudentRead:
        """Выбытие / окончание (date and order): closes the pupil's cases and starts their clocks."""
        fields = {"left_on": data.left_on, "order_number": data.order_number}
        student = await retention_service.record_leaving(school_id, student_id, fields, today=today)
        await access_log.record(school_id, "leaving", student_id=student_id, ip=client_ip(request))
        return StudentRead.of(student)

    @get(
        "/{student_id:str}/retention",
        operation_id="getStudentRetention",
        summary="Сроки хранения документов обучающегося",
    )
    async def retention_view(
        self,
        student_id: FromPath[str],
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        document_service: NamedDependency[DocumentService],
        retention_service: NamedDependency[RetentionService],
        act_service: NamedDependency[ActService],
    ) -> dict[str, Any]:
        """Each document with its case, retention, earliest destruction and holds; destroyed ones too.

        This is what answers a parent's request to erase data: what must be kept, until when, and why.
        """
        student = await student_service.get(school_id, student_id)
        documents = await document_service.list_for_student(school_id, student_id)
        tombstones = await act_service.tombstones_for_student(school_id, student_id)
        return await retention_service.student_view(student, documents, tombstones, today=today)

    @get("/{student_id:str}/documents", operation_id="listStudentDocuments", summary="Документы обучающегося")
    async def list_documents(
        self,
        student_id: FromPath[str],
        school_id: NamedDependency[str],
        document_service: NamedDependency[DocumentService],
    ) -> list[DocumentRead]:
        """All documents of a pupil, oldest first."""
        return [DocumentRead.of(d) for d in await document_service.list_for_student(school_id, student_id)]

    @get(
        "/{student_id:str}/portfolio.pdf",
        operation_id="getPortfolioPdf",
        summary="Портфолио обучающегося (PDF)",
        media_type="application/pdf",
    )
    async def portfolio(
        self,
        student_id: FromPath[str],
        school_id: NamedDependency[str],
        today: NamedDependency[date],
        portfolio_service: NamedDependency[PortfolioService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
    ) -> Stream:
        """Cover, contents by category with page numbers, then every document's pages."""
        student, out, size = await portfolio_service.build(school_id, student_id, today=today)
        await access_log.record(school_id, "read_portfolio", student_id=student_id, ip=client_ip(request))
        name = safe_filename(f"Портфолио {student.full_name} {today:%Y-%m-%d}.pdf")
        return Stream(
            file_chunks(out),
            media_type="application/pdf",
            headers={
                "Content-Disposition": content_disposition(name, inline=True),
                "Content-Length": str(size),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
