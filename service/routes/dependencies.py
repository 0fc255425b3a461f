"""Providers wiring the domain services to the stores opened in the lifespan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from service.auth import account_service_of
from service.domain.access_log import AccessLog, client_ip
from service.domain.accounts import AccountService
from service.domain.acts import ActService
from service.domain.applications import ApplicationService
from service.domain.bundle_service import BundleService
from service.domain.documents import DocumentService
from service.domain.imports import ImportService
from service.domain.info_requests import InfoRequestService
from service.domain.portfolio_service import PortfolioService
from service.domain.principal import Principal
from service.domain.records import RecordService
from service.domain.resumable import ResumableUploads
from service.domain.retention_service import RetentionService
from service.domain.rewards import RewardService
from service.domain.students import StudentService
from service.errors import NotSignedIn
from service.lifespan import Stores
from service.settings import Settings
from service.storage.imports import ImportRepository
from service.storage.info_requests import InfoRequestRepository
from service.storage.mongo import DocumentRepository, StudentRepository
from service.storage.rewards import RewardRepository
from service.storage.upload_sessions import UploadSessionRepository
from service.wiring import (
    make_access_log,
    make_act_service,
    make_application_service,
    make_bundle_service,
    make_portfolio_service,
    make_retention_service,
    make_reward_service,
)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in caller, found by the app-wide guard (``service.auth.authorize``)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise NotSignedIn("Войдите в систему, чтобы продолжить.")
    return principal


def provide_tenant_id(principal: NamedDependency[Principal]) -> str:
    # The school always comes from the caller's account, never from the request. (Not named
    # ``school_id``: Litestar reports a body field that shares a dependency's name as a 500.)
    return principal.school_id


def provide_account_service(state: State) -> AccountService:
    return account_service_of(state)


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
        applications=make_application_service(stores),
    )


def provide_application_service(state: State) -> ApplicationService:
    stores: Stores = state.stores
    return make_application_service(stores)


def provide_act_service(state: State, retention_service: NamedDependency[RetentionService]) -> ActService:
    stores: Stores = state.stores
    return make_act_service(state.settings, stores, retention_service)


def provide_portfolio_service(state: State) -> PortfolioService:
    stores: Stores = state.stores
    return make_portfolio_service(state.settings, stores)


def provide_bundle_service(state: State) -> BundleService:
    stores: Stores = state.stores
    return make_bundle_service(state.settings, stores)


def provide_reward_service(state: State) -> RewardService:
    stores: Stores = state.stores
    return make_reward_service(stores)


def provide_record_service(state: State) -> RecordService:
    stores: Stores = state.stores
    return RecordService(
        StudentRepository(stores.db), DocumentRepository(stores.db), RewardRepository(stores.db)
    )


def provide_documents(state: State) -> DocumentRepository:
    stores: Stores = state.stores
    return DocumentRepository(stores.db)


def provide_import_service(state: State, document_service: NamedDependency[DocumentService]) -> ImportService:
    stores: Stores = state.stores
    settings: Settings = state.settings
    return ImportService(
        documents=document_service,
        students=StudentRepository(stores.db),
        size_limit=max(settings.max_scan_bytes, settings.max_work_bytes),
    )


def provide_imports(state: State) -> ImportRepository:
    stores: Stores = state.stores
    return ImportRepository(stores.db)


def provide_info_requests(state: State) -> InfoRequestService:
    stores: Stores = state.stores
    return InfoRequestService(InfoRequestRepository(stores.db), StudentRepository(stores.db))


def provide_stores(state: State) -> Stores:
    stores: Stores = state.stores
    return stores


def provide_access_log(state: State, request: Request[Any, Any, Any]) -> AccessLog:
    """A log that knows who is acting, so every entry names the account and its roles."""
    stores: Stores = state.stores
    principal: Principal | None = getattr(request.state, "principal", None)
    return make_access_log(
        stores,
        actor=principal.user_id if principal else None,
        role=principal.role_label if principal else None,
        ip=client_ip(request),
    )


def provide_resumable_uploads(
    state: State, document_service: NamedDependency[DocumentService]
) -> ResumableUploads:
    stores: Stores = state.stores
    return ResumableUploads(
        sessions=UploadSessionRepository(stores.db), objects=stores.objects, documents=document_service
    )


DEPENDENCIES: dict[str, Any] = {
    "access_log": Provide(provide_access_log, sync_to_thread=False),
    "stores": Provide(provide_stores, sync_to_thread=False),
    "info_requests": Provide(provide_info_requests, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
    "tenant_id": Provide(provide_tenant_id, sync_to_thread=False),
    "account_service": Provide(provide_account_service, sync_to_thread=False),
    "application_service": Provide(provide_application_service, sync_to_thread=False),
    "today": Provide(provide_today, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "student_service": Provide(provide_student_service, sync_to_thread=False),
    "document_service": Provide(provide_document_service, sync_to_thread=False),
    "portfolio_service": Provide(provide_portfolio_service, sync_to_thread=False),
    "bundle_service": Provide(provide_bundle_service, sync_to_thread=False),
    "reward_service": Provide(provide_reward_service, sync_to_thread=False),
    "record_service": Provide(provide_record_service, sync_to_thread=False),
    "documents": Provide(provide_documents, sync_to_thread=False),
    "import_service": Provide(provide_import_service, sync_to_thread=False),
    "imports": Provide(provide_imports, sync_to_thread=False),
    "retention_service": Provide(provide_retention_service, sync_to_thread=False),
    "act_service": Provide(provide_act_service, sync_to_thread=False),
    "resumable_uploads": Provide(provide_resumable_uploads, sync_to_thread=False),
}
