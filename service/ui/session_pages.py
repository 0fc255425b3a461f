"""Sign-in, sign-out and the first page after signing in."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from service.auth import SESSION_COOKIE, account_service_of, authenticate
from service.domain.principal import Principal, filter_students
from service.domain.roles import Role
from service.domain.students import StudentService
from service.errors import ArchiveError
from service.problems import status_of
from service.routes.accounts import school_of, session_cookie
from service.settings import Settings
from service.ui.rendering import page, see_other

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def local_path(value: str | None, default: str = "/ui/") -> str:
    """Only a path of our own pages: a sign-in link cannot send anyone to another site."""
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


@get("/ui/sign-in", operation_id="uiSignInPage", include_in_schema=False)
async def sign_in_page(
    request: Request[Any, Any, Any], next_path: Annotated[str | None, QueryParameter(name="next")] = None
) -> Template | Redirect:
    try:
        request.state.principal = await authenticate(request)
    except ArchiveError:
        return page(request, "sign_in.html", next=local_path(next_path), login="")
    return see_other(local_path(next_path))


@post("/ui/sign-in", operation_id="uiSignIn", include_in_schema=False)
async def sign_in(
    request: Request[Any, Any, Any], data: FormData, settings: NamedDependency[Settings]
) -> Response[Any]:
    target = local_path(data.get("next"))
    try:
        issued = await account_service_of(request.app.state).sign_in(
            school_of(settings, None), data.get("login", ""), data.get("password", ""), kind="cookie"
        )
    except ArchiveError as e:
        return page(
            request, "sign_in.html", status_of(e), error=e.message, next=target, login=data.get("login", "")
        )
    response = see_other(target)
    response.cookies.append(session_cookie(issued, settings, request))
    return response


@post("/ui/sign-out", operation_id="uiSignOut", include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any], principal: NamedDependency[Principal]) -> Redirect:
    if principal.session_id:
        await account_service_of(request.app.state).sign_out(principal.session_id)
    response = see_other("/ui/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/ui/", operation_id="uiDashboard", include_in_schema=False)
async def dashboard(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    tenant_id: NamedDependency[str],
    student_service: NamedDependency[StudentService],
) -> Template | Redirect:
    """Families see their children; staff with one obvious place to go are taken there."""
    children = None
    if principal.has(Role.PARENT, Role.PUPIL):
        children = filter_students(principal, await student_service.list(tenant_id, class_name=None))
        if principal.has(Role.PUPIL) and len(children) == 1 and not principal.has(Role.PARENT):
            return see_other(f"/ui/pupils/{children[0].id}")
    elif principal.roles == {Role.DEPUTY}:
        return see_other("/ui/verification")
    return page(request, "dashboard.html", children=children, is_parent=principal.has(Role.PARENT))
