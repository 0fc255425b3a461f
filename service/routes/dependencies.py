"""Providers wiring the domain services to the stores opened in the lifespan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter

from service.domain.access_log import AccessLog
from service.domain.acts import ActService
from service.domain.documents import DocumentService
from service.domain.info_requests import InfoRequestService
from service.domain.portfolio_service import PortfolioService
from service.domain.retention_service import RetentionService
from service.domain.students import StudentService
from service.errors import InvalidInput
from service.lifespan import Stores
from service.settings import SCHOOL_ID_PATTERN, Settings
from service.storage.info_requests import InfoRequestRepository
from service.storage.mongo import DocumentRepository, StudentRepository
from service.wiring import make_access_log, make_act_service, make_retention_service


def provide_school_id(
    state: State,
    x_school_id: Annotated[
        str | None,
        HeaderParameter(
            name="X-School-Id",
            description="Школа (для развёртываний на несколько школ); по умолчанию SCHOOL_ID из настроек",
        ),
    ] = None,
) -> str:
    # Until accounts exist (the access issue) the school comes from this header or the settings;
    # afterwards it comes from the signed-in user's account only.
    settings: Settings = state.settings
    if x_school_id is None or x_school_id == "":
        return settings.school_id
    if not SCHOOL_ID_PATTERN.match(x_school_id):
        raise InvalidInput("Неверный идентификатор школы.", field="X-School-Id")
    return x_school_id


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_today(state: State) -> date:
    clock: Callable[[], date] = state.clock
    return clock()


def provide_student_service(state: State) -> StudentService:
    stores: Stores = state.stores
    return StudentService(StudentRepository(stores.db))


def provide_retention_service(state: State) -> RetentionService:
    stores: Stores = state.stores
    return make_retention_service(stores)


def provide_document_service(
    state: State,
    student_service: NamedDependency[StudentService],
    retention_service: NamedDependency[RetentionService],
) -> DocumentService:
    stores: Stores = state.stores
    return DocumentService(
        settings=state.settings,
        documents=DocumentRepository(stores.db),
        students=student_service,
        objects=stores.objects,
        retention=retention_service,
    )


def provide_act_service(state: State, retention_service: NamedDependency[RetentionService]) -> ActService:
    stores: Stores = state.stores
    return make_act_service(state.settings, stores, retention_service)


def provide_portfolio_service(
    state: State, student_service: NamedDependency[StudentService]
) -> PortfolioService:
    stores: Stores = state.stores
    return PortfolioService(
        settings=state.settings,
        documents=DocumentRepository(stores.db),
        students=student_service,
        objects=stores.objects,
    )


def provide_info_requests(state: State) -> InfoRequestService:
    stores: Stores = state.stores
    return InfoRequestService(InfoRequestRepository(stores.db), StudentRepository(stores.db))


def provide_stores(state: State) -> Stores:
    stores: Stores = state.stores
    return stores


def provide_access_log(state: State) -> AccessLog:
    stores: Stores = state.stores
    return make_access_log(stores)


DEPENDENCIES: dict[str, Any] = {
    "access_log": Provide(provide_access_log, sync_to_thread=False),
    "stores": Provide(provide_stores, sync_to_thread=False),
    "info_requests": Provide(provide_info_requests, sync_to_thread=False),
    "school_id": Provide(provide_school_id, sync_to_thread=False),
    "today": Provide(provide_today, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "student_service": Provide(provide_student_service, sync_to_thread=False),
    "document_service": Provide(provide_document_service, sync_to_thread=False),
    "portfolio_service": Provide(provide_portfolio_service, sync_to_thread=False),
    "retention_service": Provide(provide_retention_service, sync_to_thread=False),
    "act_service": Provide(provide_act_service, sync_to_thread=False),
}
