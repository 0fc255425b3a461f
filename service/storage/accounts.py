"""Accounts and sign-in sessions in MongoDB.

A session is stored by the SHA-256 of its token, never the token itself: a copy of the database
does not let anyone sign in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from service.errors import Conflict

Doc = dict[str, Any]

ACCOUNT_INDEXES = [
    IndexModel([("school_id", ASCENDING), ("login", ASCENDING)], unique=True, name="school_login_unique"),
    IndexModel([("school_id", ASCENDING), ("student_ids", ASCENDING)]),
]
SESSION_INDEXES = [
    IndexModel([("token_hash", ASCENDING)], unique=True, name="token_hash_unique"),
    IndexModel([("user_id", ASCENDING)]),
]


class AccountRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.accounts

    async def add(self, account: Doc) -> None:
        try:
            await self._col.insert_one(account)
        except DuplicateKeyError:
            raise Conflict("Пользователь с таким логином уже есть.", field="login") from None

    async def get(self, school_id: str, user_id: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "_id": user_id})

    async def by_login(self, school_id: str, login: str) -> Doc | None:
        return await self._col.find_one({"school_id": school_id, "login": login})

    async def by_id(self, user_id: str) -> Doc | None:
        return await self._col.find_one({"_id": user_id})

    async def list(self, school_id: str) -> list[Doc]:
        cursor = self._col.find({"school_id": school_id}).sort([("login", ASCENDING)])
        return [raw async for raw in cursor]

    async def count(self, school_id: str) -> int:
        return await self._col.count_documents({"school_id": school_id})

    async def count_active_admins(self, school_id: str, *, besides: str) -> int:
        return await self._col.count_documents(
            {"school_id": school_id, "roles": "admin", "active": True, "_id": {"$ne": besides}}
        )

    async def update(self, school_id: str, user_id: str, changes: Doc) -> Doc | None:
        return await self._col.find_one_and_update(
            {"school_id": school_id, "_id": user_id},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )

    async def record_failure(self, user_id: str, *, now: datetime) -> int:
        raw = await self._col.find_one_and_update(
            {"_id": user_id},
            {"$inc": {"failed_sign_ins": 1}, "$set": {"last_failure_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        return int(raw["failed_sign_ins"]) if raw else 0

    async def lock_until(self, user_id: str, until: datetime) -> None:
        await self._col.update_one({"_id": user_id}, {"$set": {"locked_until": until, "failed_sign_ins": 0}})

    async def record_success(self, user_id: str, *, now: datetime) -> None:
        await self._col.update_one(
            {"_id": user_id},
            {"$set": {"failed_sign_ins": 0, "locked_until": None, "last_sign_in_at": now}},
        )


class SessionRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.sessions

    async def add(self, session: Doc) -> None:
        await self._col.insert_one(session)

    async def by_token_hash(self, token_hash: str) -> Doc | None:
        return await self._col.find_one({"token_hash": token_hash})

    async def revoke(self, session_id: str, *, now: datetime) -> None:
        await self._col.update_one({"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": now}})

    async def revoke_all_of(self, user_id: str, *, now: datetime) -> None:
        await self._col.update_many({"user_id": user_id, "revoked_at": None}, {"$set": {"revoked_at": now}})


class UnknownLoginRepository:
    """Failed sign-ins under logins that have no account, counted like real ones: otherwise the
    lockout itself would tell which logins exist."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.unknown_logins

    async def locked_until(self, school_id: str, login: str) -> datetime | None:
        raw = await self._col.find_one({"_id": f"{school_id}:{login}"})
        return raw.get("locked_until") if raw else None

    async def record_failure(self, school_id: str, login: str, *, now: datetime) -> int:
        raw = await self._col.find_one_and_update(
            {"_id": f"{school_id}:{login}"},
            {"$inc": {"failed_sign_ins": 1}, "$set": {"last_failure_at": now}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(raw["failed_sign_ins"]) if raw else 0

    async def lock_until(self, school_id: str, login: str, until: datetime) -> None:
        await self._col.update_one(
            {"_id": f"{school_id}:{login}"}, {"$set": {"locked_until": until, "failed_sign_ins": 0}}
        )
