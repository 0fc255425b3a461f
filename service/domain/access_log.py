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
    "read_bundle": "выдача пакета документов",
    "reward": "запись поощрения",
    "link": "привязка к другим обучающимся или классу",
    "ministry_list": "отметка о перечне Минпросвещения",
    "hold_place": "наложен запрет на уничтожение",
    "hold_release": "снят запрет на уничтожение",
    "leaving": "записано выбытие",
    "destroy": "уничтожение по акту",
    "read_list": "просмотр списка документов",
    "verify": "документ проверен",
    "edit": "изменены сведения о документе",
    "reject": "документ отклонён",
    "application": "записано заявление",
    "consent": "записано согласие",
    "consent_withdraw": "согласие отозвано",
    "user_create": "создан пользователь",
    "user_update": "изменён пользователь",
    "user_password": "задан пароль пользователя",
}


def client_ip(request: Any) -> str | None:
    client = getattr(request, "client", None)
    return client.host if client else None


class AccessLog:
    def __init__(
        self,
        repo: AccessLogRepository,
        *,
        actor: str | None = None,
        role: str | None = None,
        ip: str | None = None,
    ) -> None:
        # The acting account: entries name it unless a call says otherwise (system jobs say "system").
        self._repo = repo
        self._actor = actor
        self._role = role
        self._ip = ip

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
        await self._repo.append(
            {
                "school_id": school_id,
                "at": utcnow(),
                "actor": actor or self._actor,
                "role": role or self._role or "system",
                "ip": ip or self._ip,
                "action": action,
                "student_id": student_id,
                "document_id": document_id,
                "details": details or {},
            }
        )
