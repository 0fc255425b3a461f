"""Templates, filters and the context every page shares (who is signed in, the CSRF token, the menu)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template import TemplateConfig

from service.domain.principal import Principal
from service.domain.roles import ROLE_TITLES_RU, Role
from service.models import (
    CATEGORY_TITLES_RU,
    KIND_TITLES_RU,
    LEVEL_TITLES_RU,
    RESULT_TITLES_RU,
    STATUS_TITLES_RU,
    Category,
    DocumentKind,
    EventLevel,
    Result,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "ui"
STATIC = Path(__file__).resolve().parent.parent / "static"
SCHOOL_TZ = ZoneInfo("Europe/Moscow")


def ru_date(value: date | datetime | str | None) -> str:
    """ДД.ММ.ГГГГ (times in the school's zone, with ЧЧ:ММ)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
        return moment.astimezone(SCHOOL_TZ).strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def size_ru(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("Б", "КБ", "МБ", "ГБ"):
        if value < 1024 or unit == "ГБ":
            return f"{value:.0f} {unit}" if unit == "Б" else f"{value:.1f} {unit}".replace(".", ",")
        value /= 1024
    return str(n)  # pragma: no cover


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """1 документ, 2 документа, 5 документов (11–14: документов)."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _title(table: dict[Any, str], value: object) -> str:
    if value is None:
        return ""
    for key, title in table.items():
        if key == value or getattr(key, "value", None) == value:
            return title
    return str(value)


FILTERS = {
    "ru_date": ru_date,
    "size_ru": size_ru,
    "plural": plural_ru,
    "status_ru": lambda v: STATUS_TITLES_RU.get(str(v), str(v)),
    "category_ru": lambda v: _title(CATEGORY_TITLES_RU, v),
    "level_ru": lambda v: _title(LEVEL_TITLES_RU, v),
    "result_ru": lambda v: _title(RESULT_TITLES_RU, v),
    "kind_ru": lambda v: _title(KIND_TITLES_RU, v),
}

CHOICES = {
    "kinds": [(k.value, KIND_TITLES_RU[k]) for k in DocumentKind],
    "categories": [(c.value, CATEGORY_TITLES_RU[c]) for c in Category],
    "levels": [(lv.value, LEVEL_TITLES_RU[lv]) for lv in EventLevel],
    "results": [(r.value, RESULT_TITLES_RU[r] or "без результата") for r in Result],
}


def _configure(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(FILTERS)
    engine.engine.globals.update(CHOICES)
    # Jinja escapes every value put into HTML; nothing a user typed is ever marked safe.
    engine.engine.autoescape = True


template_config = TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_configure)


def menu_for(principal: Principal) -> list[tuple[str, str]]:
    """The header's links, by role (a page the role may not open is never offered)."""
    items: list[tuple[str, str]] = []
    if principal.has(Role.TEACHER, Role.DEPUTY, Role.ARCHIVIST, Role.ADMIN):
        items.append(("/ui/classes", "Классы"))
    if principal.has(Role.PARENT, Role.PUPIL):
        items.append(("/ui/", "Мои дети" if principal.has(Role.PARENT) else "Мои документы"))
    if principal.has(Role.DEPUTY):
        items.append(("/ui/verification", "Проверка документов"))
    if principal.has(Role.TEACHER, Role.DEPUTY):
        items.append(("/ui/records", "Учёт достижений"))
    if principal.has(Role.ARCHIVIST, Role.DEPUTY, Role.DIRECTOR):
        items.append(("/ui/retention/nomenclature", "Номенклатура дел"))
    if principal.has(Role.ARCHIVIST):
        items.append(("/ui/retention/due", "К уничтожению"))
        items.append(("/ui/retention/holds", "Запреты"))
    if principal.has(Role.ARCHIVIST, Role.DIRECTOR):
        items.append(("/ui/acts", "Акты"))
    return items


# What a page says after the form that led to it (``?done=<key>``): fixed texts only, so a link
# cannot make the page say anything else.
NOTICES = {
    "verified": "Документ отмечен как проверенный.",
    "rejected": "Документ отклонён; учитель увидит причину.",
    "hold_placed": "Запрет на уничтожение наложен.",
    "hold_released": "Запрет на уничтожение снят.",
    "act_drafted": "Проект акта составлен. Пока директор его не утвердит, ничего не уничтожается.",
    "act_approved": "Акт утверждён.",
    "act_executed": "Акт исполнен.",
    "act_cancelled": "Акт отменён. Его документы могут войти в следующий акт.",
}


def page(request: Request[Any, Any, Any], name: str, status_code: int = 200, **context: Any) -> Template:
    principal: Principal | None = getattr(request.state, "principal", None)
    shared: dict[str, Any] = {"principal": principal, "path": request.url.path}
    notice = NOTICES.get(request.query_params.get("done") or "")
    if notice:
        shared["notice"] = notice
    if principal is not None:
        shared["csrf"] = principal.csrf_token or ""
        shared["menu"] = menu_for(principal)
        shared["roles_ru"] = ", ".join(ROLE_TITLES_RU[r] for r in sorted(principal.roles))
    return Template(template_name=name, context={**shared, **context}, status_code=status_code)


def see_other(path: str) -> Redirect:
    """After a form post: 303 so that reloading the next page does not post again."""
    return Redirect(path=path, status_code=303)
