"""Domain exception -> HTTP problem response, in one table.

Expected outcomes are 4xx with a message for people; a 500 means a bug and says nothing
about internals.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from pymongo.errors import ConnectionFailure, PyMongoError

from service import errors
from service.domain.metadata import FIELD_NAMES_RU

log = logging.getLogger(__name__)

STATUS_OF: dict[type[errors.ArchiveError], int] = {
    errors.NotFound: HTTP_404_NOT_FOUND,
    errors.NotSignedIn: HTTP_401_UNAUTHORIZED,
    errors.Forbidden: HTTP_403_FORBIDDEN,
    errors.TooManyAttempts: HTTP_429_TOO_MANY_REQUESTS,
    errors.InvalidInput: HTTP_422_UNPROCESSABLE_ENTITY,
    errors.Conflict: HTTP_409_CONFLICT,
    errors.FileTooLarge: HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedFileType: HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    errors.UnreadableFile: HTTP_422_UNPROCESSABLE_ENTITY,
    errors.StoreUnavailable: HTTP_503_SERVICE_UNAVAILABLE,
    errors.IntegrityError: HTTP_500_INTERNAL_SERVER_ERROR,
}

TITLES = {
    400: "Неверный запрос",
    401: "Требуется вход",
    403: "Недостаточно прав",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт",
    413: "Файл слишком большой",
    415: "Неподдерживаемый тип файла",
    429: "Слишком много попыток",
    422: "Данные не приняты",
    500: "Внутренняя ошибка",
    503: "Сервис временно недоступен",
}

MSG_DB_DOWN = (
    "База данных архива сейчас недоступна. Ничего не сохранено; попробуйте ещё раз через несколько минут."
)
MSG_INTERNAL = "Внутренняя ошибка сервиса. Ничего не потеряно; сообщите администратору время ошибки."


def problem(status: int, detail: str, code: str, field: str | None = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "title": TITLES.get(status, "Ошибка"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field:
        body["field"] = field
    return Response(body, status_code=status, media_type="application/problem+json")


def status_of(exc: errors.ArchiveError) -> int:
    return next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), HTTP_500_INTERNAL_SERVER_ERROR)


def archive_error_handler(_: Request[Any, Any, Any], exc: errors.ArchiveError) -> Response[dict[str, Any]]:
    status = status_of(exc)
    if status >= 500 and status != HTTP_503_SERVICE_UNAVAILABLE:
        log.error("archive error: %s", exc.code)
    return problem(status, exc.message, exc.code, exc.field)


def mongo_error_handler(_: Request[Any, Any, Any], exc: PyMongoError) -> Response[dict[str, Any]]:
    if isinstance(exc, ConnectionFailure):
        return problem(HTTP_503_SERVICE_UNAVAILABLE, MSG_DB_DOWN, "store_unavailable")
    log.exception("unexpected MongoDB error")
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, MSG_INTERNAL, "internal_error")


_FIELD_IN_MESSAGE = re.compile(r"`\$\.(\w+)`|field `(\w+)`")


def _field_of(error: dict[str, Any]) -> str | None:
    """The offending field: for a JSON body Litestar names only ``data`` and puts the field in
    the msgspec message (``Object missing required field `full_name```)."""
    match = _FIELD_IN_MESSAGE.search(str(error.get("message", "")))
    if match:
        return match.group(1) or match.group(2)
    key = error.get("key")
    return str(key) if key else None


def validation_error_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    keys = [_field_of(e) for e in (exc.extra or []) if isinstance(e, dict)]
    keys = [k for k in keys if k]
    if keys:
        names = ", ".join(f"«{FIELD_NAMES_RU.get(k, k)}»" for k in keys)
        detail = f"Проверьте поля: {names}. Значение отсутствует или имеет неверный вид."
    else:
        detail = "Запрос заполнен неверно: проверьте, что данные отправлены целиком и в правильном виде."
    return problem(HTTP_400_BAD_REQUEST, detail, "invalid_request", keys[0] if keys else None)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status == HTTP_413_REQUEST_ENTITY_TOO_LARGE or "Request Entity Too Large" in str(exc.detail):
        return problem(
            HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            "Файл слишком большой для загрузки. Уменьшите его или разделите на части.",
            "file_too_large",
        )
    if status == HTTP_404_NOT_FOUND:
        return problem(status, "Страница или ресурс не найдены.", "not_found")
    if status == HTTP_429_TOO_MANY_REQUESTS:
        response = problem(
            status,
            "Слишком много попыток входа с этого адреса. Подождите минуту и повторите.",
            "rate_limited",
        )
        response.headers.update(exc.headers or {})
        return response
    if status >= 500:
        log.error("HTTP error %s", status)
        return problem(status, MSG_INTERNAL, "internal_error")
    return problem(status, "Запрос не может быть обработан: проверьте адрес и данные.", "http_error")


def internal_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error", exc_info=exc)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, MSG_INTERNAL, "internal_error")


def too_deep_handler(_: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    # msgspec refuses JSON nested deeper than the interpreter can follow.
    return problem(
        HTTP_400_BAD_REQUEST,
        "Запрос устроен слишком сложно (слишком глубокая вложенность). Проверьте отправляемые данные.",
        "invalid_request",
    )


def undecodable_form_handler(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[dict[str, Any]]:
    # Litestar reads a file part sent without a file name as a text field and fails to decode it.
    return problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Файл передан без имени или форма заполнена неверно. Выберите файл ещё раз.",
        "invalid_form",
        "file",
    )


API_EXCEPTION_HANDLERS: dict[Any, Any] = {
    UnicodeDecodeError: undecodable_form_handler,
    RecursionError: too_deep_handler,
    errors.ArchiveError: archive_error_handler,
    PyMongoError: mongo_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
