"""Browser tests: Debian's Chromium driven by Playwright against the real app on loopback.

The app runs in this process under uvicorn (in a thread), over the same embedded servers as the
rest of the suite, with a clock the tests move. Chromium is never downloaded: `.ci/run` installs
Debian's package and the tests start `/usr/bin/chromium` (or `CHROMIUM`). Without it the tests
are skipped; CI always has it. Every page a test visits is screenshotted under `tests/artifacts/`
and checked with axe-core.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.app import create_app
from service.embedded import free_port
from service.settings import Settings
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, PASSWORD, Clock

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "pages"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which
# this closed network refuses; a fresh profile per launch keeps runs independent.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed ({CHROMIUM}); .ci/run installs it", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@dataclass
class Live:
    url: str
    settings: Settings
    clock: Clock
    admin: httpx.Client  # the bootstrap administrator, through the API

    def account(self, login: str, roles: list[str], **links: object) -> str:
        name = links.pop("name", login)
        body = {"login": login, "password": PASSWORD, "roles": roles, "display_name": name, **links}
        r = self.admin.post("/api/v1/users", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def api_as(self, login: str) -> httpx.Client:
        r = httpx.post(f"{self.url}/api/v1/auth/tokens", json={"login": login, "password": PASSWORD})
        assert r.status_code == 201, r.text
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=60
        )


@pytest.fixture
def live(settings: Settings, clock: Clock, request: pytest.FixtureRequest) -> Iterator[Live]:
    """The service on a free loopback port, with a fresh database and bucket; a test changes its
    settings with ``@pytest.mark.live_settings(name=value, ...)``."""
    marker = request.node.get_closest_marker("live_settings")
    if marker is not None:
        settings = dataclasses.replace(settings, **marker.kwargs)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, sweep_at_start=False, clock=clock),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    token = httpx.post(
        f"{url}/api/v1/auth/tokens", json={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}
    ).json()["token"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as admin:
        yield Live(url, settings, clock, admin)
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it is
    # open, and other tests start their own loops (anyio.run) once it has stopped.
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


class Pages:
    """Opens browser sessions and checks every page it is shown: a screenshot and axe-core."""

    def __init__(self, browser: Browser, axe: Axe, live: Live, test_name: str) -> None:
        self._browser, self._axe, self._live, self._test = browser, axe, live, test_name
        self._contexts: list = []
        self.checked: list[str] = []
        for stale in ARTIFACTS.glob(f"{test_name}-*.png"):
            stale.unlink()

    def open(self, *, javascript: bool = True, width: int = 1280, height: int = 900) -> Page:
        context = self._browser.new_context(
            base_url=self._live.url,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            locale="ru-RU",
            accept_downloads=True,
        )
        self._contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.script_errors = errors  # type: ignore[attr-defined]
        page.javascript = javascript  # type: ignore[attr-defined]
        return page

    def sign_in(self, page: Page, login: str, password: str = PASSWORD) -> None:
        page.goto("/ui/sign-in")
        page.fill("#login", login)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/ui/sign-in" not in page.url, page.content()

    def check(self, page: Page, name: str) -> None:
        """Screenshot the page, and fail on any axe-core violation (labels, alt text, contrast…)."""
        page.wait_for_load_state()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w-]+", "-", f"{self._test}-{len(self.checked):02d}-{name}")
        page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
        assert page.locator("html").get_attribute("lang") == "ru"
        if page.script_errors:  # type: ignore[attr-defined]
            raise AssertionError(f"script errors on {name}: {page.script_errors}")  # type: ignore[attr-defined]
        # axe-core runs as a script in the page: only where JavaScript is on (the same markup is
        # checked with JavaScript on in the other tests).
        if page.javascript:  # type: ignore[attr-defined]
            results = self._axe.run(page)
            violations = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]
            ]
            assert not violations, f"accessibility problems on {name}:\n" + "\n".join(violations)
        self.checked.append(name)

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def pages(browser: Browser, axe: Axe, live: Live, request: pytest.FixtureRequest) -> Iterator[Pages]:
    p = Pages(browser, axe, live, request.node.name)
    yield p
    p.close()
