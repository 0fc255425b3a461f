"""Sign-in, sign-out, the caller's own account, and the administrator's user management."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.auth import SESSION_COOKIE, account_service_of
from service.domain.access_log import AccessLog
from service.domain.accounts import AccountService, IssuedSession, account_view
from service.domain.principal import Principal
from service.domain.roles import ROLE_TITLES_RU
from service.errors import InvalidInput
from service.settings import SCHOOL_ID_PATTERN, Settings


class SignIn(msgspec.Struct):
    login: str
    password: str
    school_id: Annotated[
        str | None, msgspec.Meta(description="Школа; по умолчанию SCHOOL_ID из настроек")
    ] = None


class SessionRead(msgspec.Struct):
    user_id: str
    login: str
    display_name: str
    roles: list[str]
    roles_ru: list[str]
    expires_at: datetime
    csrf_token: str | None = None
    token: str | None = None  # bearer tokens only: shown once


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    login: str
    password: str
    roles: list[str]
    display_name: str | None = None
    class_names: list[str] | None = None
    student_ids: list[str] | None = None


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    roles: list[str] | None = None
    display_name: str | None = None
    class_names: list[str] | None = None
    student_ids: list[str] | None = None
    active: bool | None = None


class PasswordSet(msgspec.Struct):
    password: str


class UserRead(msgspec.Struct):
    id: str
    login: str
    display_name: str
    roles: list[str]
    class_names: list[str]
    student_ids: list[str]
    active: bool
    created_at: datetime | None = None
    last_sign_in_at: datetime | None = None
    locked_until: datetime | None = None


def school_of(settings: Settings, school_id: str | None) -> str:
    if not school_id:
        return settings.school_id
    if not SCHOOL_ID_PATTERN.match(school_id):
        raise InvalidInput("Неверный идентификатор школы.", field="school_id")
    return school_id


def session_cookie(issued: IssuedSession, settings: Settings, request: Request[Any, Any, Any]) -> Cookie:
    """HttpOnly, SameSite=Lax, Secure over TLS: for the API's sign-in and the sign-in page alike."""
    return Cookie(
        key=SESSION_COOKIE,
        value=issued.token,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path="/",
        max_age=settings.session_minutes * 60,
    )


def _session_read(issued: IssuedSession, *, with_token: bool) -> SessionRead:
    p = issued.principal
    return SessionRead(
        user_id=p.user_id,
        login=p.login,
        display_name=p.display_name,
        roles=sorted(r.value for r in p.roles),
        roles_ru=[ROLE_TITLES_RU[r] for r in sorted(p.roles)],
        expires_at=issued.expires_at,
        csrf_token=issued.csrf_token,
        token=issued.token if with_token else None,
    )


def _user_read(account: dict[str, Any]) -> UserRead:
    return msgspec.convert(account_view(account), UserRead)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags: ClassVar[list[str]] = ["accounts"]

    @post("/sign-in", operation_id="signIn", summary="Вход (сеанс в браузере)", status_code=HTTP_200_OK)
    async def sign_in(
        self, data: JSONBody[SignIn], settings: NamedDependency[Settings], request: Request[Any, Any, Any]
    ) -> Response[SessionRead]:
        """Sets an HttpOnly, SameSite=Lax session cookie (Secure over TLS). Changes made with the
        cookie must send the returned ``csrf_token`` in the ``X-CSRF-Token`` header."""
        service = account_service_of(request.app.state)
        issued = await service.sign_in(
            school_of(settings, data.school_id), data.login, data.password, kind="cookie"
        )
        return Response(
            _session_read(issued, with_token=False), cookies=[session_cookie(issued, settings, request)]
        )

    @post(
        "/tokens", operation_id="createToken", summary="Токен для API-клиента", status_code=HTTP_201_CREATED
    )
    async def create_token(
        self, data: JSONBody[SignIn], settings: NamedDependency[Settings], request: Request[Any, Any, Any]
    ) -> SessionRead:
        """A bearer token (``Authorization: Bearer …``), shown once; revoke it with sign-out."""
        service = account_service_of(request.app.state)
        issued = await service.sign_in(
            school_of(settings, data.school_id), data.login, data.password, kind="bearer"
        )
        return _session_read(issued, with_token=True)

    @post("/sign-out", operation_id="signOut", summary="Выход", status_code=HTTP_204_NO_CONTENT)
    async def sign_out(
        self, principal: NamedDependency[Principal], request: Request[Any, Any, Any]
    ) -> Response[None]:
        """Revokes the session or token used for this request."""
        if principal.session_id:
            await account_service_of(request.app.state).sign_out(principal.session_id)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/me", operation_id="whoAmI", summary="Кто вошёл в систему")
    async def me(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return {
            "user_id": principal.user_id,
            "login": principal.login,
            "display_name": principal.display_name,
            "roles": sorted(r.value for r in principal.roles),
            "roles_ru": [ROLE_TITLES_RU[r] for r in sorted(principal.roles)],
            "class_names": sorted(principal.class_names),
            "student_ids": sorted(principal.student_ids),
            "csrf_token": principal.csrf_token,
        }


class UserController(Controller):
    path = "/api/v1/users"
    tags: ClassVar[list[str]] = ["accounts"]

    @post(operation_id="createUser", summary="Создать пользователя")
    async def create_user(
        self,
        data: JSONBody[UserCreate],
        tenant_id: NamedDependency[str],
        account_service: NamedDependency[AccountService],
        access_log: NamedDependency[AccessLog],
    ) -> UserRead:
        account = await account_service.create_user(tenant_id, msgspec.structs.asdict(data))
        await access_log.record(tenant_id, "user_create", details={"user_id": account["_id"]})
        return _user_read(account)

    @get(operation_id="listUsers", summary="Пользователи")
    async def list_users(
        self, tenant_id: NamedDependency[str], account_service: NamedDependency[AccountService]
    ) -> list[UserRead]:
        return [_user_read(a) for a in await account_service.list_users(tenant_id)]

    @get("/{user_id:str}", operation_id="getUser", summary="Пользователь")
    async def get_user(
        self,
        user_id: FromPath[str],
        tenant_id: NamedDependency[str],
        account_service: NamedDependency[AccountService],
    ) -> UserRead:
        return _user_read(await account_service.get_user(tenant_id, user_id))

    @patch("/{user_id:str}", operation_id="updateUser", summary="Роли, классы, дети, отключение")
    async def update_user(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserUpdate],
        tenant_id: NamedDependency[str],
        account_service: NamedDependency[AccountService],
        access_log: NamedDependency[AccessLog],
    ) -> UserRead:
        """Any change ends the user's current sessions, so new rights apply at once."""
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        account = await account_service.update_user(tenant_id, user_id, fields)
        await access_log.record(
            tenant_id, "user_update", details={"user_id": user_id, "fields": sorted(fields)}
        )
        return _user_read(account)

    @put(
        "/{user_id:str}/password",
        operation_id="setUserPassword",
        summary="Задать пароль",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def set_password(
        self,
        user_id: FromPath[str],
        data: JSONBody[PasswordSet],
        tenant_id: NamedDependency[str],
        account_service: NamedDependency[AccountService],
        access_log: NamedDependency[AccessLog],
    ) -> None:
        await account_service.set_password(tenant_id, user_id, data.password)
        await access_log.record(tenant_id, "user_password", details={"user_id": user_id})
