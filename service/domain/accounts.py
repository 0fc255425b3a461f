"""Accounts, passwords and sign-in sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults, re-hashed when they change). A session
token is 256 random bits handed to the client once; the store keeps only its SHA-256. Repeated
failures lock an account for a while; an unknown login costs the same time as a wrong password so
logins cannot be probed by timing.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.domain.metadata import clean_text, parse_class_name
from service.domain.principal import Principal
from service.domain.roles import Role, parse_roles
from service.errors import Conflict, InvalidInput, NotFound, NotSignedIn, TooManyAttempts
from service.storage.accounts import AccountRepository, SessionRepository, UnknownLoginRepository
from service.storage.mongo import StudentRepository, utcnow

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256

MSG_BAD_CREDENTIALS = "Неверный логин или пароль."
MSG_SESSION = "Войдите в систему: сеанс не начат, истёк или завершён."


@functools.cache
def hasher_for(time_cost: int, memory_kib: int) -> tuple[PasswordHasher, str]:
    """The hasher, and a hash to verify against when the login is unknown (so both paths cost
    one Argon2 verification)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class AuthPolicy:
    session_minutes: int = 480  # browser sessions: a school day
    token_days: int = 30  # bearer tokens of API clients
    lockout_failures: int = 5
    lockout_minutes: int = 15
    argon2_time_cost: int = 3  # argon2-cffi's defaults (RFC 9106 low-memory profile)
    argon2_memory_kib: int = 65536


@dataclass(frozen=True)
class IssuedSession:
    token: str
    session_id: str
    expires_at: datetime
    csrf_token: str | None
    principal: Principal


def principal_of(account: Mapping[str, Any], session: Mapping[str, Any] | None = None) -> Principal:
    return Principal(
        user_id=account["_id"],
        school_id=account["school_id"],
        login=account["login"],
        display_name=account.get("display_name") or account["login"],
        roles=frozenset(Role(r) for r in account.get("roles", [])),
        class_names=frozenset(account.get("class_names", [])),
        student_ids=frozenset(account.get("student_ids", [])),
        session_id=session["_id"] if session else None,
        via_cookie=bool(session and session["kind"] == "cookie"),
        csrf_token=session.get("csrf_token") if session else None,
    )


def account_view(account: Mapping[str, Any]) -> dict[str, Any]:
    """What the admin API shows: never the hash."""
    return {
        "id": account["_id"],
        "login": account["login"],
        "display_name": account.get("display_name") or "",
        "roles": sorted(account.get("roles", [])),
        "class_names": sorted(account.get("class_names", [])),
        "student_ids": sorted(account.get("student_ids", [])),
        "active": bool(account.get("active", True)),
        "created_at": account.get("created_at"),
        "last_sign_in_at": account.get("last_sign_in_at"),
        "locked_until": account.get("locked_until"),
    }


class AccountService:
    def __init__(
        self,
        accounts: AccountRepository,
        sessions: SessionRepository,
        students: StudentRepository,
        policy: AuthPolicy | None = None,
        unknown_logins: UnknownLoginRepository | None = None,
    ) -> None:
        self._accounts = accounts
        self._unknown = unknown_logins
        self._sessions = sessions
        self._students = students
        self.policy = policy or AuthPolicy()
        self._hasher, self._dummy_hash = hasher_for(
            self.policy.argon2_time_cost, self.policy.argon2_memory_kib
        )

    async def _hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def _verify(self, password_hash: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(verify)

    # --- administration -------------------------------------------------------------------

    async def create_user(self, school_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Raises InvalidInput for a malformed field, Conflict for a login already taken."""
        login = _login(fields.get("login"))
        password = _password(fields.get("password"))
        account = {
            "_id": str(uuid.uuid4()),
            "school_id": school_id,
            "login": login,
            "display_name": clean_text(fields.get("display_name"), "display_name", max_len=200) or login,
            "password_hash": await self._hash(password),
            "active": True,
            "created_at": utcnow(),
            "failed_sign_ins": 0,
            "locked_until": None,
        }
        account.update(await self._links(school_id, fields, require_roles=True))
        _check_pupil_link(account.get("roles", []), account.get("student_ids", []))
        await self._accounts.add(account)
        return account

    async def update_user(self, school_id: str, user_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Roles, classes, linked pupils, display name, active. Deactivation ends every session."""
        changes: dict[str, Any] = await self._links(school_id, fields, require_roles=False)
        if fields.get("display_name") is not None:
            changes["display_name"] = clean_text(
                fields.get("display_name"), "display_name", required=True, max_len=200
            )
        if fields.get("active") is not None:
            changes["active"] = bool(fields["active"])
        current = await self._accounts.get(school_id, user_id)
        if current is not None:
            _check_pupil_link(
                changes.get("roles", current.get("roles", [])),
                changes.get("student_ids", current.get("student_ids", [])),
            )
        stops_being_admin = changes.get("active") is False or (
            "roles" in changes and "admin" not in changes["roles"]
        )
        if (
            current is not None
            and current.get("active", True)
            and "admin" in current.get("roles", [])
            and stops_being_admin
            and not await self._accounts.count_active_admins(school_id, besides=user_id)
        ):
            # Nobody could manage accounts any more; only a restart with a new bootstrap admin would help.
            raise Conflict(
                "Это последний администратор школы: сначала назначьте администратором другого пользователя."
            )
        account = await self._accounts.update(school_id, user_id, changes) if changes else None
        if account is None:
            account = await self._accounts.get(school_id, user_id)
        if account is None:
            raise NotFound("Пользователь не найден.")
        if changes:
            # Roles or links changed: a session started under the old ones must not keep them.
            await self._sessions.revoke_all_of(user_id, now=utcnow())
        return account

    async def set_password(self, school_id: str, user_id: str, password: Any) -> None:
        pw = _password(password)
        account = await self._accounts.update(
            school_id,
            user_id,
            {"password_hash": await self._hash(pw), "locked_until": None},
        )
        if account is None:
            raise NotFound("Пользователь не найден.")
        await self._sessions.revoke_all_of(user_id, now=utcnow())

    async def get_user(self, school_id: str, user_id: str) -> dict[str, Any]:
        account = await self._accounts.get(school_id, user_id)
        if account is None:
            raise NotFound("Пользователь не найден.")
        return account

    async def list_users(self, school_id: str) -> list[dict[str, Any]]:
        return await self._accounts.list(school_id)

    async def find_login(self, school_id: str, login: str) -> str | None:
        account = await self._accounts.by_login(school_id, login)
        return account["_id"] if account else None

    async def ensure_account(
        self, school_id: str, login: str, password: str, roles: list[str], **links: Any
    ) -> bool:
        """Create the account unless the login exists (bootstrap admin, demo accounts)."""
        if await self._accounts.by_login(school_id, login) is not None:
            return False
        await self.create_user(school_id, {"login": login, "password": password, "roles": roles, **links})
        return True

    async def _links(
        self, school_id: str, fields: Mapping[str, Any], *, require_roles: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if fields.get("roles") is not None or require_roles:
            try:
                roles = parse_roles(fields.get("roles"))
            except ValueError as exc:
                raise InvalidInput(
                    f"Неизвестная роль: {str(exc)[:40]}. Роли: " + ", ".join(r.value for r in Role),
                    field="roles",
                ) from None
            if not roles:
                raise InvalidInput("Укажите хотя бы одну роль пользователя.", field="roles")
            out["roles"] = sorted(r.value for r in roles)
        if fields.get("class_names") is not None:
            values = fields["class_names"]
            if not isinstance(values, list) or len(values) > 50:
                raise InvalidInput('Классы: список, например ["7Б", "8А"].', field="class_names")
            out["class_names"] = sorted({parse_class_name(str(v)) for v in values})
        if fields.get("student_ids") is not None:
            ids = fields["student_ids"]
            if not isinstance(ids, list) or len(ids) > 50 or not all(isinstance(i, str) for i in ids):
                raise InvalidInput("Обучающиеся: список идентификаторов.", field="student_ids")
            found = await self._students.get_many(school_id, set(ids))
            if len(found) != len(set(ids)):
                raise InvalidInput("Среди указанных обучающихся есть не найденные.", field="student_ids")
            out["student_ids"] = sorted(found)
        return out

    # --- sign-in ----------------------------------------------------------------------------

    async def sign_in(self, school_id: str, login: Any, password: Any, *, kind: str) -> IssuedSession:
        """Raises NotSignedIn for wrong credentials or an inactive account, TooManyAttempts while
        the account is locked."""
        if not isinstance(login, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
            raise NotSignedIn(MSG_BAD_CREDENTIALS)
        now = utcnow()
        name = login.strip().lower()
        account = await self._accounts.by_login(school_id, name)
        if account is None:
            # Answered exactly like a wrong password for a real login, lockout included.
            if self._unknown is not None:
                locked = await self._unknown.locked_until(school_id, name)
                if locked is not None and locked > now:
                    raise TooManyAttempts(self._locked_message())
                failures = await self._unknown.record_failure(school_id, name, now=now)
                if failures >= self.policy.lockout_failures:
                    until = now + timedelta(minutes=self.policy.lockout_minutes)
                    await self._unknown.lock_until(school_id, name, until)
            await self._verify(self._dummy_hash, password)
            raise NotSignedIn(MSG_BAD_CREDENTIALS)
        locked = account.get("locked_until")
        if locked is not None and locked > now:
            raise TooManyAttempts(self._locked_message())
        if not await self._verify(account["password_hash"], password):
            failures = await self._accounts.record_failure(account["_id"], now=now)
            if failures >= self.policy.lockout_failures:
                await self._accounts.lock_until(
                    account["_id"], now + timedelta(minutes=self.policy.lockout_minutes)
                )
            raise NotSignedIn(MSG_BAD_CREDENTIALS)
        if not account.get("active", True):
            raise NotSignedIn("Учётная запись отключена. Обратитесь к администратору.")
        if self._hasher.check_needs_rehash(account["password_hash"]):
            new_hash = await self._hash(password)
            await self._accounts.update(school_id, account["_id"], {"password_hash": new_hash})
        await self._accounts.record_success(account["_id"], now=now)
        return await self._issue(account, kind=kind, now=now)

    def _locked_message(self) -> str:
        return (
            "Слишком много неудачных попыток входа. Вход временно заблокирован, "
            f"попробуйте через {self.policy.lockout_minutes} минут или обратитесь к администратору."
        )

    async def _issue(self, account: Mapping[str, Any], *, kind: str, now: datetime) -> IssuedSession:
        token = secrets.token_urlsafe(32)
        lifetime = (
            timedelta(minutes=self.policy.session_minutes)
            if kind == "cookie"
            else timedelta(days=self.policy.token_days)
        )
        session = {
            "_id": str(uuid.uuid4()),
            "token_hash": token_hash(token),
            "user_id": account["_id"],
            "school_id": account["school_id"],
            "kind": kind,
            "created_at": now,
            "expires_at": now + lifetime,
            "revoked_at": None,
            "csrf_token": secrets.token_urlsafe(32) if kind == "cookie" else None,
        }
        await self._sessions.add(session)
        return IssuedSession(
            token=token,
            session_id=session["_id"],
            expires_at=session["expires_at"],
            csrf_token=session["csrf_token"],
            principal=principal_of(account, session),
        )

    async def authenticate(self, token: str, *, via_cookie: bool) -> Principal:
        """Raises NotSignedIn for an unknown, forged, expired or revoked token or a disabled user."""
        if not token or len(token) > 200:
            raise NotSignedIn(MSG_SESSION)
        session = await self._sessions.by_token_hash(token_hash(token))
        if (
            session is None
            or session.get("revoked_at") is not None
            or session["expires_at"] <= utcnow()
            or (session["kind"] == "cookie") != via_cookie
        ):
            raise NotSignedIn(MSG_SESSION)
        account = await self._accounts.by_id(session["user_id"])
        if account is None or not account.get("active", True):
            raise NotSignedIn(MSG_SESSION)
        return principal_of(account, session)

    async def sign_out(self, session_id: str) -> None:
        await self._sessions.revoke(session_id, now=utcnow())


def _login(value: Any) -> str:
    if not isinstance(value, str) or not LOGIN.match(value.strip().lower()):
        raise InvalidInput(
            "Логин: 3–64 символа, латинские строчные буквы, цифры, точка, дефис или подчёркивание.",
            field="login",
        )
    return value.strip().lower()


def _check_pupil_link(roles: list[str], student_ids: list[str]) -> None:
    """A pupil's own account is that pupil's: one record, not several (a parent may have many)."""
    if "pupil" in roles and "parent" not in roles and len(student_ids) > 1:
        raise InvalidInput(
            "Учётная запись обучающегося связывается ровно с одним обучающимся.", field="student_ids"
        )


def _password(value: Any) -> str:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD:
        raise InvalidInput(f"Пароль: не короче {MIN_PASSWORD} символов.", field="password")
    if len(value) > MAX_PASSWORD:
        raise InvalidInput(f"Пароль: не длиннее {MAX_PASSWORD} символов.", field="password")
    return value
