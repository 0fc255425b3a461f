"""A pupil's applications (заявления) and consents to the processing of personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.domain.access_log import AccessLog
from service.domain.applications import ApplicationService, application_view, consent_view
from service.domain.principal import Principal, ensure_family_records_visible, ensure_staff_reach
from service.domain.students import StudentService


class ApplicationCreate(msgspec.Struct, forbid_unknown_fields=True):
    submitted_on: Annotated[str, msgspec.Meta(description="Дата заявления (ДД.ММ.ГГГГ)")]
    submitted_by: Annotated[str, msgspec.Meta(description="Кто подал (ФИО)")]
    relation: Annotated[str, msgspec.Meta(description="parent или pupil")]
    academic_year: Annotated[
        str | None, msgspec.Meta(description="Учебный год, на который распространяется; пусто — все годы")
    ] = None
    scope: str | None = None
    scan_document_id: Annotated[str | None, msgspec.Meta(description="Скан заявления, если загружен")] = None


class ConsentCreate(msgspec.Struct, forbid_unknown_fields=True):
    given_on: Annotated[str, msgspec.Meta(description="Дата согласия (ДД.ММ.ГГГГ)")]
    given_by: Annotated[str, msgspec.Meta(description="Кто дал согласие (ФИО)")]
    relation: Annotated[str, msgspec.Meta(description="parent или pupil")]
    scope: Annotated[str, msgspec.Meta(description="На какие действия и данные дано согласие")]


class ConsentWithdraw(msgspec.Struct):
    withdrawn_on: Annotated[str, msgspec.Meta(description="Дата отзыва (ДД.ММ.ГГГГ)")]


class ApplicationController(Controller):
    path = "/api/v1/students/{student_id:str}"
    tags: ClassVar[list[str]] = ["applications and consents"]

    @post("/applications", operation_id="recordApplication", summary="Записать заявление семьи")
    async def record_application(
        self,
        student_id: FromPath[str],
        data: JSONBody[ApplicationCreate],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        application_service: NamedDependency[ApplicationService],
        access_log: NamedDependency[AccessLog],
    ) -> dict[str, Any]:
        """Needed before results of other organisations are recorded for the pupil."""
        ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
        record = await application_service.record_application(
            tenant_id, student_id, msgspec.structs.asdict(data), today=today, by=principal.user_id
        )
        await access_log.record(tenant_id, "application", student_id=student_id)
        return application_view(record)

    @get("/applications", operation_id="listApplications", summary="Заявления семьи")
    async def list_applications(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        application_service: NamedDependency[ApplicationService],
    ) -> list[dict[str, Any]]:
        ensure_family_records_visible(principal, await student_service.get(tenant_id, student_id))
        return [
            application_view(r) for r in await application_service.list_applications(tenant_id, student_id)
        ]

    @post(
        "/consents",
        operation_id="recordConsent",
        summary="Записать согласие на обработку персональных данных",
        status_code=HTTP_201_CREATED,
    )
    async def record_consent(
        self,
        student_id: FromPath[str],
        data: JSONBody[ConsentCreate],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        application_service: NamedDependency[ApplicationService],
        access_log: NamedDependency[AccessLog],
    ) -> dict[str, Any]:
        ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
        record = await application_service.record_consent(
            tenant_id, student_id, msgspec.structs.asdict(data), today=today, by=principal.user_id
        )
        await access_log.record(tenant_id, "consent", student_id=student_id)
        return consent_view(record)

    @post(
        "/consents/{consent_id:str}/withdrawal",
        operation_id="withdrawConsent",
        summary="Записать отзыв согласия",
        status_code=HTTP_200_OK,
    )
    async def withdraw_consent(
        self,
        student_id: FromPath[str],
        consent_id: FromPath[str],
        data: JSONBody[ConsentWithdraw],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        today: NamedDependency[date],
        student_service: NamedDependency[StudentService],
        application_service: NamedDependency[ApplicationService],
        access_log: NamedDependency[AccessLog],
    ) -> dict[str, Any]:
        """When no consent is left, the pupil's documents are served only to the deputy and the
        archivist, and no new documents are accepted; the archivist's per-pupil retention view
        shows what is kept and until when."""
        ensure_staff_reach(principal, await student_service.get(tenant_id, student_id))
        record = await application_service.withdraw_consent(
            tenant_id, student_id, consent_id, msgspec.structs.asdict(data), today=today, by=principal.user_id
        )
        await access_log.record(tenant_id, "consent_withdraw", student_id=student_id)
        return consent_view(record)

    @get("/consents", operation_id="listConsents", summary="Согласия на обработку персональных данных")
    async def list_consents(
        self,
        student_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenant_id: NamedDependency[str],
        student_service: NamedDependency[StudentService],
        application_service: NamedDependency[ApplicationService],
    ) -> list[dict[str, Any]]:
        # Consents stay visible to the family after a withdrawal: it is their own record.
        ensure_family_records_visible(principal, await student_service.get(tenant_id, student_id))
        return [consent_view(r) for r in await application_service.list_consents(tenant_id, student_id)]
