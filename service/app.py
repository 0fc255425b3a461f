"""The composition root: the only place that wires routes, dependencies, lifespan and errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from PIL import Image

from service.auth import authorize, sign_in_rate_limit
from service.lifespan import lifespan_for
from service.problems import API_EXCEPTION_HANDLERS
from service.routes.access_log import AccessLogController
from service.routes.accounts import AuthController, UserController
from service.routes.applications import ApplicationController
from service.routes.dependencies import DEPENDENCIES
from service.routes.documents import DocumentController
from service.routes.health import HealthController, index
from service.routes.imports import ImportController
from service.routes.info_requests import InfoRequestController
from service.routes.portfolios import PortfolioController
from service.routes.records import RecordController
from service.routes.retention import ActController, RetentionController
from service.routes.rewards import RewardController
from service.routes.students import StudentController
from service.routes.uploads import UploadController
from service.security_headers import add_security_headers
from service.settings import Settings
from service.ui.errors import for_pages
from service.ui.rendering import STATIC, template_config
from service.ui.routes import UI_ROUTES


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # pypdf narrates every repair of a damaged file at WARNING; that is routine here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)


def create_app(
    settings: Settings, *, sweep_at_start: bool = True, clock: Callable[[], date] | None = None
) -> Litestar:
    """``clock`` gives today's date in the school's calendar (tests move it; default: the system)."""
    # Pillow's decompression-bomb guard is process-wide; the service checks every frame against
    # the same limit before decoding it.
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    return Litestar(
        route_handlers=[
            index,
            HealthController,
            AuthController,
            UserController,
            StudentController,
            PortfolioController,
            RewardController,
            RecordController,
            ImportController,
            ApplicationController,
            DocumentController,
            UploadController,
            RetentionController,
            AccessLogController,
            InfoRequestController,
            ActController,
            *UI_ROUTES,
            create_static_files_router(
                path="/static", directories=[STATIC], opt={"public_asset": True}, include_in_schema=False
            ),
        ],
        dependencies=DEPENDENCIES,
        # Every route passes this guard; ``service.domain.roles`` says who may call what.
        guards=[authorize],
        middleware=[sign_in_rate_limit(settings).middleware],
        # The API answers problems as JSON; the web pages get the same messages as Russian HTML.
        exception_handlers={exc: for_pages(handler) for exc, handler in API_EXCEPTION_HANDLERS.items()},
        template_config=template_config,
        lifespan=[lifespan_for(settings, sweep_at_start=sweep_at_start)],
        state=_state(settings, clock or _system_today),
        request_max_body_size=settings.max_request_bytes,
        before_send=[add_security_headers],
        multipart_form_part_limit=50,
        openapi_config=OpenAPIConfig(
            title="Архив документов и портфолио обучающихся",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
    )


def _system_today() -> date:
    return date.today()  # noqa: DTZ011 - the school's local calendar date


def _state(settings: Settings, clock: Callable[[], date]) -> State:
    return State({"settings": settings, "clock": clock})
