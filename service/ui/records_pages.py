"""The record of achievements by class and year, and the ГИР candidates, with export buttons."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from service.domain.metadata import academic_year_of, parse_academic_year, parse_class_name
from service.domain.principal import SCHOOL_WIDE, Principal
from service.domain.records import RecordService
from service.domain.roles import Role
from service.domain.students import StudentService
from service.errors import InvalidInput, NotFound
from service.ui.rendering import page


@get("/ui/records", operation_id="uiRecords", include_in_schema=False)
async def records(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    today: NamedDependency[date],
    student_service: NamedDependency[StudentService],
    record_service: NamedDependency[RecordService],
    class_name: Annotated[str | None, QueryParameter()] = None,
    academic_year: Annotated[str | None, QueryParameter()] = None,
) -> Template:
    error = None
    try:
        year = parse_academic_year(academic_year, default=academic_year_of(today))
    except InvalidInput as e:
        year, error = academic_year_of(today), e.message
    if principal.has(*SCHOOL_WIDE):
        classes = sorted({s.class_name for s in await student_service.list(tenant_id, class_name=None)})
    else:
        classes = sorted(principal.class_names)
    classes.sort(key=lambda c: (len(c), c))
    chosen = parse_class_name(class_name) if class_name else (classes[0] if classes else None)
    if chosen is not None and chosen not in classes:
        raise NotFound("Класс не найден.")
    table = export = gifted = gifted_export = None
    year_q = quote(year, safe="")
    if chosen:
        table = await record_service.class_year(tenant_id, chosen, year, verified_only=True)
        export = f"/api/v1/records/classes/{quote(chosen, safe='')}?academic_year={year_q}"
    if principal.has(Role.DEPUTY):
        gifted = await record_service.gifted_candidates(tenant_id, year)
        gifted_export = f"/api/v1/records/gifted-candidates?academic_year={year_q}"
    return page(
        request,
        "records.html",
        classes=classes,
        class_name=chosen,
        academic_year=year,
        table=table,
        export=export,
        gifted=gifted,
        gifted_export=gifted_export,
        error=error,
    )
