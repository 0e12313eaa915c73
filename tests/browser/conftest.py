"""Browser test harness: the app on a free localhost port, driven through Debian's chromium.

- ``live_server`` (pytest-django) runs Kizuna in a thread on a free port against the test
  database (it shares the connection for in-memory SQLite, and forces transactional tests so the
  server sees what a test wrote, on PostgreSQL too).
- One chromium per run of this package, launched from the Debian package through Playwright for
  Python; Playwright never downloads a browser build here.
- A fresh browser context per test (Japanese locale, Tokyo time), which may talk only to this
  machine: any other request is aborted and fails the test, as do console errors, uncaught page
  exceptions and Content-Security-Policy violations (STYLE §8: tests cannot reach the network;
  the product must work offline and our CSP forbids inline scripts).
- When a test fails, a screenshot and the page's HTML are kept under
  ``test-artifacts/screenshots/`` (git-ignored) and named in the failure report.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from kizuna.core.models import Role, User
from kizuna.core.services import create_user

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Error,
        Page,
        Route,
        WebSocketRoute,
    )

# Only Debian's chromium: no sandbox (we run as root in containers), and none of the background
# services that would phone home (component updates, sync, safe-browsing lists, first-run pages).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
# Generous enough for a loaded 2-core CI machine, short enough that a wrong selector fails fast.
TIMEOUT_MS = 10_000

PASSWORD = "browser-test-passphrase-42"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ARTIFACT_DIR = Path("test-artifacts") / "screenshots"

# The reports of the setup/call/teardown phases, kept on the item for the page fixture's teardown.
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

_seq = itertools.count(1)


# --- marking and reports -------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in tests/browser is a browser test (`-m "not browser"` deselects it)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Keep each phase's report on the item: the page fixture screenshots a failed call."""
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


# --- the browser ---------------------------------------------------------------------------------


def _skip_requested() -> bool:
    return os.environ.get("KIZUNA_SKIP_BROWSER", "").strip().lower() not in {
        "", "0", "false", "no", "off",
    }


@pytest.fixture(scope="package")
def chromium_executable() -> str:
    """Debian's chromium; a missing one fails loudly unless KIZUNA_SKIP_BROWSER=1 says skip."""
    path = shutil.which("chromium")
    if path is None:
        if _skip_requested():
            pytest.skip("chromium is not installed and KIZUNA_SKIP_BROWSER=1: browser tests "
                        "skipped")
        pytest.fail(
            "Debian's chromium is not installed, so the browser tests cannot run. Run "
            "`make browser` (it installs the distribution's chromium package), or set "
            "KIZUNA_SKIP_BROWSER=1 to skip the browser tests explicitly.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="package")
def browser(chromium_executable: str) -> Iterator[Browser]:
    """One chromium for all the browser tests, closed after the last of them."""
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an asyncio event loop in this (the test) thread for as long as
    # it is started; Django then sees a running loop and refuses every ORM call from the test
    # (users, accounts, the job worker) with SynchronousOnlyOperation, although the call is
    # really synchronous: the loop only waits on the browser. DJANGO_ALLOW_ASYNC_UNSAFE turns
    # that check off. It is set for exactly as long as Playwright runs (this fixture is scoped
    # to the tests/browser package) so the rest of the suite keeps Django's guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOCAL_HOSTS


# Runs in every document before its own scripts (Playwright injects it outside the page's CSP) and
# reports each CSP violation to the test through an exposed binding.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__kizunaCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


@dataclass
class BrowserGuard:
    """What a page did that no test may let pass: requests leaving this machine, console errors,
    uncaught exceptions and CSP violations. Checked when the test ends."""

    blocked_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    allowed_console_errors: list[re.Pattern[str]] = field(default_factory=list)

    def allow_console_error(self, pattern: str) -> None:
        """An error the test provokes on purpose, e.g. the browser's log line for a 404."""
        self.allowed_console_errors.append(re.compile(pattern))

    def on_blocked_request(self, route: Route) -> None:
        self.blocked_requests.append(f"{route.request.method} {route.request.url}")
        route.abort("blockedbyclient")

    def on_blocked_websocket(self, websocket: WebSocketRoute) -> None:
        self.blocked_requests.append(f"WebSocket {websocket.url}")
        websocket.close()

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        where = f" ({location.get('url', '')}:{location.get('lineNumber', '')})" \
            if location.get("url") else ""
        self.console_errors.append(f"{message.text}{where}")

    def on_page_error(self, error: Error) -> None:
        self.page_errors.append(str(error))

    def on_csp_violation(self, _source: Any, violation: dict[str, Any]) -> None:
        self.csp_violations.append(json.dumps(violation, ensure_ascii=False))

    def take_problems(self) -> list[str]:
        """The problems so far, which the test then owns: they no longer fail it at the end."""
        found = self.problems()
        for seen in (self.blocked_requests, self.console_errors, self.page_errors,
                     self.csp_violations):
            seen.clear()
        return found

    def problems(self) -> list[str]:
        console = [e for e in self.console_errors
                   if not any(p.search(e) for p in self.allowed_console_errors)]
        found = []
        found += [f"request to another host (the product must work offline): {r}"
                  for r in self.blocked_requests]
        found += [f"console error: {e}" for e in console]
        found += [f"uncaught page error: {e}" for e in self.page_errors]
        found += [f"Content-Security-Policy violation: {v}" for v in self.csp_violations]
        return found


@pytest.fixture
def browser_guard() -> BrowserGuard:
    return BrowserGuard()


@pytest.fixture
def page(browser: Browser, live_server: Any, browser_guard: BrowserGuard,
         request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context (ja-JP, Asia/Tokyo) whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo",
        # A service worker's requests would bypass the routing below.
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route(lambda url: not is_local(url), browser_guard.on_blocked_request)
    context.route_web_socket(lambda url: not is_local(url), browser_guard.on_blocked_websocket)
    context.expose_binding("__kizunaCspViolation", browser_guard.on_csp_violation)
    context.add_init_script(CSP_LISTENER)
    new_page = context.new_page()
    new_page.on("console", browser_guard.on_console)
    new_page.on("pageerror", browser_guard.on_page_error)
    try:
        yield new_page
        reports = request.node.stash.get(PHASE_REPORTS, {})
        call_failed = "call" in reports and reports["call"].failed
        problems = browser_guard.problems()
        if call_failed or problems:
            saved = _save_artifacts(new_page, request)
        else:
            saved = _remove_artifacts(request)  # a stale picture of an old failure misleads
        if call_failed:
            # The failure summary is printed at the end of the run, so it shows this section.
            reports["call"].sections.append(("browser artifacts", "\n".join(saved)))
        if problems:
            pytest.fail("\n".join(["the browser saw problems:", *(f"- {p}" for p in problems),
                                   *saved]), pytrace=False)
    finally:
        context.close()


def _artifact_paths(request: pytest.FixtureRequest) -> tuple[Path, Path]:
    """test-artifacts/screenshots/<sanitised node id>.png and .html"""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
    directory = request.config.rootpath / ARTIFACT_DIR
    return directory / f"{stem}.png", directory / f"{stem}.html"


def _remove_artifacts(request: pytest.FixtureRequest) -> list[str]:
    for path in _artifact_paths(request):
        path.unlink(missing_ok=True)
    return []


def _save_artifacts(page: Page, request: pytest.FixtureRequest) -> list[str]:
    """Screenshot and HTML of the page as the test left it; returns what was saved where."""
    png, html = _artifact_paths(request)
    saved = []
    try:
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=png, full_page=True, timeout=TIMEOUT_MS)
        saved.append(f"screenshot: {png}")
        html.write_text(page.content(), encoding="utf-8")
        saved.append(f"page HTML:  {html}  (of {page.url})")
    except Exception as exc:  # the page may have crashed or closed: keep the test's own error
        saved.append(f"could not save the page: {type(exc).__name__}: {exc}")
    return saved


# --- people and pages ----------------------------------------------------------------------------


@pytest.fixture
def new_user(transactional_db: None) -> Callable[..., User]:
    """Build a user in the test database (committed: the live server must see it)."""

    def build(role: str = Role.MEMBER, *, username: str | None = None, **fields: Any) -> User:
        return create_user(actor=None, username=username or f"browser{next(_seq)}",
                           password=PASSWORD, role=role, **fields)

    return build


@pytest.fixture
def url(live_server: Any) -> Callable[[str], str]:
    """The absolute live-server URL of a path (for URL assertions)."""
    return lambda path: live_server.url + path


@pytest.fixture
def log_in(page: Page) -> Callable[..., None]:
    """Sign in through the login form, as a person would (so django-axes sees it too)."""

    def submit(username: str, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("button.primary[type=submit]").click()
        page.wait_for_url(lambda current: "/login/" not in current)

    return submit


@pytest.fixture
def log_out(page: Page) -> Callable[[], None]:
    def submit() -> None:
        page.get_by_test_id("user-menu").click()  # opens the <details> menu
        page.locator("form[action$='/logout/'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/login/"))

    return submit


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    body: dict[str, Any]


@pytest.fixture
def api_get(live_server: Any) -> Callable[[str, str], ApiAnswer]:
    """GET a JSON API path with a bearer token, from Python (not through the browser)."""
    # No proxies from the environment: the request must go straight to the live server.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get(path: str, token: str) -> ApiAnswer:
        req = urllib.request.Request(  # noqa: S310 - always the local http live server
            live_server.url + path, headers={"Authorization": f"Bearer {token}",
                                             "Accept": "application/json"},
        )
        try:
            with opener.open(req, timeout=10) as response:
                return ApiAnswer(response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            with error:
                return ApiAnswer(error.code, json.loads(error.read()))

    return get


@pytest.fixture
def run_jobs() -> Callable[[], None]:
    """Run the queued jobs in this thread, the way `kizuna worker --burst` would."""
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        pytest.skip("the browser job tests drive the database queue (KIZUNA_QUEUE=db)")

    def run() -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
               startup_delay=False, max_tasks=None, worker_id="browser-tests",
               excluded_queue_names=[]).run()

    return run
