"""Who saw or changed which pupil's documents, when and from where (152-ФЗ ст. 14 ч. 7; the
brief's §3.5). Ids only; no names or file names."""

from __future__ import annotations

from typing import Any

from service.storage.access_log import AccessLogRepository
from service.storage.mongo import utcnow

ACTIONS_RU = {
    "upload": "загрузка документа",
    "read_content": "просмотр/скачивание документа",
    "read_thumbnail": "просмотр миниатюры",
    "read_portfolio": "формирование портфолио",
    "hold_place": "наложен запрет на уничтожение",
    "hold_release": "снят запрет на уничтожение",
    "leaving": "записано выбытие",
    "destroy": "уничтожение по акту",
}


def client_ip(request: Any) -> str | None:
    client = getattr(request, "client", None)
    return client.host if client else None


class AccessLog:
    def __init__(self, repo: AccessLogRepository) -> None:
        self._repo = repo

    async def record(
        self,
        school_id: str,
        action: str,
        *,
        student_id: str | None = None,
        document_id: str | None = None,
        ip: str | None = None,
        actor: str | None = None,
        role: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        # Until accounts exist every actor is anonymous; the access issue fills actor and role.
        await self._repo.append(
            {
                "school_id": school_id,
                "at": utcnow(),
                "actor": actor,
                "role": role or "anonymous",
                "ip": ip,
                "action": action,
                "student_id": student_id,
                "document_id": document_id,
                "details": details or {},
            }
        )
