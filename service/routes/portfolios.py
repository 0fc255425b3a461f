"""A pupil's portfolio PDF, and the background jobs that assemble large ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from litestar import Controller, Request, Response, get
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED

from service.domain.access_log import AccessLog, client_ip
from service.domain.bundle_service import BundleService, BundleStream
from service.domain.filenames import content_disposition, safe_filename
from service.domain.metadata import parse_academic_year
from service.domain.portfolio_service import Built, PortfolioOptions, PortfolioService, Queued, Ready
from service.domain.principal import Principal, ensure_documents_readable, sees_unverified
from service.domain.students import StudentService
from service.errors import InvalidInput, NotFound
from service.lifespan import Stores
from service.models import CATEGORY_TITLES_RU, Category, Student
from service.streams import file_chunks

MSG_JOB_NOT_FOUND = "Задание на формирование портфолио не найдено."


def _categories(values: list[str] | None) -> tuple[Category, ...]:
    try:
        return tuple(Category(v) for v in values or () if v.strip())
    except ValueError:
        known = ", ".join(f"{c.value} ({t})" for c, t in CATEGORY_TITLES_RU.items())
        raise InvalidInput(f"Неизвестная категория. Допустимые: {known}.", field="category") from None


def _years(values: list[str] | None) -> tuple[str, ...]:
    # An empty value (a form's blank field) means no filter, not "no year at all".
    return tuple(parse_academic_year(v, default="") for v in values or () if v.strip())


@dataclass(frozen=True)
class PortfolioFilters:
    """What the caller asked for; ``options_for`` applies what the caller may have."""

    verified_only: bool
    academic_years: tuple[str, ...]
    categories: tuple[Category, ...]
    rewards: bool
    class_material: bool

    def options_for(self, principal: Principal, student: Student) -> PortfolioOptions:
        # Families always get verified documents only, whatever they ask for.
        return PortfolioOptions(
            verified_only=self.verified_only or not sees_unverified(principal, student),
            academic_years=self.academic_years,
            categories=self.categories,
            rewards=self.rewards,
            class_material=self.class_material,
        )


def provide_portfolio_filters(
    verified_only: Annotated[
        bool, QueryParameter(description="Только проверенные документы (для семьи — всегда)")
    ] = False,
    academic_year: Annotated[
        list[str] | None, QueryParameter(description="Учебные годы, например 2025/2026 (можно несколько)")
    ] = None,
    category: Annotated[list[str] | None, QueryParameter(description="Категории (можно несколько)")] = None,
    rewards: Annotated[bool, QueryParameter(description="С разделом «Поощрения»")] = True,
    class_material: Annotated[
        bool, QueryParameter(description="С материалами класса (альбомы, плакаты)")
    ] = False,
) -> PortfolioFilters:
    return PortfolioFilters(
        verified_only, _years(academic_year), _categories(category), rewards, class_material
    )


def wake_portfolio_worker(stores: Stores) -> None:
    """A job was queued: the background worker starts on it now instead of at its next poll."""
    if stores.jobs_waiting is not None:
        stores.jobs_waiting.set()


def _queued(stores: Stores, queued: Queued) -> Response[Any]:
    wake_portfolio_worker(stores)
    return Response(job_view(queued.job), status_code=HTTP_202_ACCEPTED, media_type="application/json")


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    status_ru = {"queued": "в очереди", "running": "формируется", "done": "готово", "failed": "ошибка"}
    return {
        "job_id": job["_id"],
        "student_id": job["student_id"],
        "status": job["status"],
        "status_ru": status_ru.get(job["status"], job["status"]),
        "done": job.get("done", 0),
        "total": job.get("total", 0),
        "error": job.get("error"),
        "status_url": f"/api/v1/portfolio-jobs/{job['_id']}",
        "created_at": job.get("created_at"),
        "finished_at": job.get("finished_at"),
    }


async def portfolio_stream(result: Built | Ready, stores: Stores, *, today: date) -> Stream:
    """The PDF as a response: a portfolio assembled just now is kept in S3 after it has been sent."""
    name = safe_filename(f"Портфолио {result.student.full_name} {today:%Y-%m-%d}.pdf")
    chunks = (
        file_chunks(result.out) if isinstance(result, Built) else await stores.objects.open_stream(result.key)
    )
    return Stream(
        chunks,
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(name, inline=True),
            "Content-Length": str(result.size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
        background=BackgroundTask(result.keep) if isinstance(result, Built) else None,
    )


async def deliver(
    result: Built | Ready | BundleStream,
    stores: Stores,
    access_log: AccessLog,
    request: Request[Any, Any, Any],
    *,
    today: date,
) -> Stream:
    """A ready portfolio or bundle as the response, with its access-log entry (API and pages)."""
    action = "read_bundle" if isinstance(result, BundleStream) else "read_portfolio"
    await access_log.record(
        result.student.school_id, action, student_id=result.student.id, ip=client_ip(request)
    )
    if isinstance(result, BundleStream):
        return bundle_stream(result, today=today)
    return await portfolio_stream(result, stores, today=today)


def bundle_stream(result: BundleStream, *, today: date) -> Stream:
    name = safe_filename(f"Документы {result.student.full_name} {today:%Y-%m-%d}.zip")
    return Stream(
        result.chunks,
        background=BackgroundTask(result.keep) if result.keep is not None else None,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(name, inline=False),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class PortfolioController(Controller):
    path = "/api/v1"
    tags: ClassVar[list[str]] = ["portfolio"]
    dependencies: ClassVar[dict[str, Provide]] = {
        "filters": Provide(provide_portfolio_filters, sync_to_thread=False)
    }

    @get(
        "/students/{student_id:str}/portfolio.pdf",
        operation_id="getPortfolioPdf",
        summary="Портфолио обучающегося (PDF)",
        media_type="application/pdf",
        responses={
            HTTP_202_ACCEPTED: ResponseSpec(
                data_container=dict[str, Any],
                description="Большое портфолио формируется в фоне: задание и его ход",
            )
        },
    )
    async def portfolio(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        stores: NamedDependency[Stores],
        student_service: NamedDependency[StudentService],
        portfolio_service: NamedDependency[PortfolioService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
        filters: NamedDependency[PortfolioFilters],
    ) -> Response[Any]:
        """Cover, contents by category with page numbers, then every document's pages.

        Rejected documents are never included; pending ones only in a staff member's copy. The
        result is kept and served again until any of its inputs changes; a portfolio of many
        documents answers 202 with a job to follow, and the same request later gets the PDF."""
        reached = ensure_documents_readable(principal, await student_service.get(tenant_id, student_id))
        options = filters.options_for(principal, reached)
        result = await portfolio_service.request(
            tenant_id, student_id, options, today=today, by=principal.user_id
        )
        if isinstance(result, Queued):
            return _queued(stores, result)
        return await deliver(result, stores, access_log, request, today=today)

    @get(
        "/students/{student_id:str}/bundle.zip",
        operation_id="getBundleZip",
        summary="Пакет документов обучающегося (ZIP)",
        media_type="application/zip",
        responses={
            HTTP_202_ACCEPTED: ResponseSpec(
                data_container=dict[str, Any],
                description="Портфолио для пакета формируется в фоне: задание и его ход",
            )
        },
    )
    async def bundle(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        stores: NamedDependency[Stores],
        student_service: NamedDependency[StudentService],
        bundle_service: NamedDependency[BundleService],
        access_log: NamedDependency[AccessLog],
        request: Request[Any, Any, Any],
        filters: NamedDependency[PortfolioFilters],
        layout: Annotated[
            Literal["plain", "bagit"], QueryParameter(description="bagit: пакет BagIt (RFC 8493) для архива")
        ] = "plain",
    ) -> Response[Any]:
        """The portfolio, the originals by category, manifest.json/.csv, checksums and a README,
        streamed as one ZIP; 202 with a job while a large portfolio is being assembled."""
        reached = ensure_documents_readable(principal, await student_service.get(tenant_id, student_id))
        options = filters.options_for(principal, reached)
        result = await bundle_service.request(
            tenant_id, student_id, options, today=today, by=principal.user_id, bagit=layout == "bagit"
        )
        if isinstance(result, Queued):
            return _queued(stores, result)
        return await deliver(result, stores, access_log, request, today=today)

    @get("/portfolio-jobs/{job_id:str}", operation_id="getPortfolioJob", summary="Ход формирования портфолио")
    async def job(
        self,
        job_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        portfolio_service: NamedDependency[PortfolioService],
    ) -> dict[str, Any]:
        """Status, done/total documents; when done, request the portfolio again to download it."""
        job = await portfolio_service.job(tenant_id, job_id)
        if job is None:
            raise NotFound(MSG_JOB_NOT_FOUND)
        try:
            ensure_documents_readable(principal, await student_service.get(tenant_id, job["student_id"]))
        except NotFound:
            raise NotFound(MSG_JOB_NOT_FOUND) from None
        return job_view(job)
