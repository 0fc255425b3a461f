"""Builders of the domain services from open stores: shared by the app, the CLI and the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.domain.access_log import AccessLog
from service.domain.accounts import AccountService, AuthPolicy
from service.domain.acts import ActService
from service.domain.applications import ApplicationService
from service.domain.bundle_service import BundleService
from service.domain.documents import DocumentService
from service.domain.portfolio_service import PortfolioService
from service.domain.retention_service import RetentionService
from service.domain.rewards import RewardService
from service.domain.students import StudentService
from service.settings import Settings
from service.storage.access_log import AccessLogRepository
from service.storage.accounts import AccountRepository, SessionRepository, UnknownLoginRepository
from service.storage.applications import ApplicationRepository, ConsentRepository
from service.storage.mongo import DocumentRepository, StudentRepository
from service.storage.portfolio_jobs import PortfolioJobRepository
from service.storage.retention_repo import (
    ActRepository,
    CaseRepository,
    HoldRepository,
    NomenclatureRepository,
    TombstoneRepository,
)
from service.storage.rewards import RewardRepository

if TYPE_CHECKING:
    from service.lifespan import Stores


def make_retention_service(stores: Stores) -> RetentionService:
    return RetentionService(
        nomenclatures=NomenclatureRepository(stores.db),
        cases=CaseRepository(stores.db),
        holds=HoldRepository(stores.db),
        documents=DocumentRepository(stores.db),
        students=StudentRepository(stores.db),
        objects=stores.objects,
    )


def make_access_log(
    stores: Stores, *, actor: str | None = None, role: str | None = None, ip: str | None = None
) -> AccessLog:
    return AccessLog(AccessLogRepository(stores.db), actor=actor, role=role, ip=ip)


def make_act_service(settings: Settings, stores: Stores, retention: RetentionService) -> ActService:
    return ActService(
        access_log=make_access_log(stores),
        settings=settings,
        acts=ActRepository(stores.db),
        tombstones=TombstoneRepository(stores.db),
        documents=DocumentRepository(stores.db),
        students=StudentRepository(stores.db),
        objects=stores.objects,
        retention=retention,
        lease_seconds=settings.act_lease_seconds,
    )


def make_document_service(settings: Settings, stores: Stores) -> DocumentService:
    return DocumentService(
        settings=settings,
        documents=DocumentRepository(stores.db),
        students=StudentService(StudentRepository(stores.db)),
        objects=stores.objects,
        retention=make_retention_service(stores),
        applications=make_application_service(stores),
    )


def make_application_service(stores: Stores) -> ApplicationService:
    db = stores.db
    return ApplicationService(
        ApplicationRepository(db), ConsentRepository(db), StudentRepository(db), DocumentRepository(db)
    )


def make_account_service(settings: Settings, stores: Stores) -> AccountService:
    policy = AuthPolicy(
        session_minutes=settings.session_minutes,
        token_days=settings.token_days,
        lockout_failures=settings.lockout_failures,
        lockout_minutes=settings.lockout_minutes,
        argon2_time_cost=settings.argon2_time_cost,
        argon2_memory_kib=settings.argon2_memory_kib,
    )
    db = stores.db
    return AccountService(
        AccountRepository(db),
        SessionRepository(db),
        StudentRepository(db),
        policy,
        UnknownLoginRepository(db),
    )


def make_portfolio_service(settings: Settings, stores: Stores) -> PortfolioService:
    return PortfolioService(
        settings=settings,
        documents=DocumentRepository(stores.db),
        students=StudentService(StudentRepository(stores.db)),
        objects=stores.objects,
        jobs=PortfolioJobRepository(stores.db),
        rewards=RewardRepository(stores.db),
    )


def make_bundle_service(settings: Settings, stores: Stores) -> BundleService:
    return BundleService(
        settings=settings, portfolios=make_portfolio_service(settings, stores), objects=stores.objects
    )


def make_reward_service(stores: Stores) -> RewardService:
    return RewardService(RewardRepository(stores.db), DocumentRepository(stores.db))
