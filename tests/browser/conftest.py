"""Fixtures for the browser quality gate: serve the built book, drive headless Chromium.

The built HTML is read from ``$NATGRAD_HTML`` (default ``<repo>/_build/html``).  With the
default root the gate checks the session's one build of the book (the ``book_build``
fixture of the root conftest.py, also checked by tests/test_book_build.py); a root given
through ``NATGRAD_HTML`` is used as it is.  Every request to a host other than
127.0.0.1/localhost is aborted and recorded, so a page that reaches for a CDN fails.

See README.md beside this file.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from natgrad_pages import BROWSER_STATS_DIR, HTML_ROOT, LOCAL_HOSTS, SCREENSHOTS

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home, and the closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(message: str) -> None:
    """Skip when a prerequisite is missing; in CI (CI set) fail, so the gate never silently opens."""
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="session")
def html_root(request: pytest.FixtureRequest, browser_stats: dict) -> Path:
    """The built book: the session's one build (the root conftest.py's ``book_build``, shared
    with tests/test_book_build.py), or the HTML at ``$NATGRAD_HTML`` as it is."""
    if "NATGRAD_HTML" not in os.environ:
        build = request.getfixturevalue("book_build")
        browser_stats["built"] = f"built in this session, exit code {build.returncode}, log _build/book-build.log"
    if not (HTML_ROOT / "index.html").is_file() and not any(HTML_ROOT.glob("*.html")):
        pytest.fail(f"no built book at {HTML_ROOT} (see _build/book-build.log)", pytrace=False)
    return HTML_ROOT


# --------------------------------------------------------------------------- server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def base_url(html_root: Path):
    """``http://127.0.0.1:<free port>/`` serving the built book from a thread."""
    handler = functools.partial(_QuietHandler, directory=str(html_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()   # shutdown() has already stopped serve_forever: this returns at once


# --------------------------------------------------------------------------- browser


def _chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-qq", "chromium"]
        quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": False}
        if subprocess.run(install, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(install, **quiet)
        return shutil.which("chromium")
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless system Chromium for the session (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("the playwright Python package is missing: pip install -r requirements-dev.txt")
    executable = _chromium_path()
    if executable is None:
        _require("no Chromium: install it with `apt-get install -y chromium` (Debian) and rerun")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def browser_context(browser):
    """A context whose every non-loopback request is aborted and recorded in ``context.blocked``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.blocked = []  # type: ignore[attr-defined]

    def guard(route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"http", "https"} and parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            context.blocked.append(url)  # type: ignore[attr-defined]
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    yield context
    context.close()


# --------------------------------------------------------------------------- shared page loads

# Ceiling for every wait of the browser tests (generous: a loaded 2-core machine never fails a
# page that would render).
CEILING_MS = 60_000


class Visit:
    """One page of the book opened in ``browser_context`` (the load: ``goto`` until ``load``),
    with everything it reported: console errors, uncaught exceptions, failed requests, HTTP
    errors and blocked off-machine requests, each tagged with who was using the page (the load,
    or one test's turn), so that each test judges the load and its own turn only."""

    _turns = itertools.count(1)

    def __init__(self, context, base_url: str, page_path: str) -> None:
        self.path = page_path
        self.spoiled = False   # set by a turn whose test failed: the page is closed after it
        self.turn = 0   # 0: the load
        self.events: list[tuple[int, str, object]] = []
        self.page = page = context.new_page()
        page.set_default_timeout(CEILING_MS)
        page.on("console", lambda m: m.type == "error" and self._add("console", m))
        page.on("pageerror", lambda e: self._add("uncaught", e))
        page.on("requestfailed", lambda r: self._add("failed", f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self._add("failed", f"{r.url} (HTTP {r.status})"))
        page.route("**/*", self._guard)   # this page's own copy of the context's guard, to know whose request it was
        try:
            response = page.goto(base_url + page_path, wait_until="load")
        except Exception:
            self.close()
            raise
        self.status = response.status if response else None

    def _add(self, kind: str, what: object) -> None:
        self.events.append((self.turn, kind, what))

    def _guard(self, route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in {"http", "https"} and parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self._add("blocked", route.request.url)
            route.abort("blockedbyclient")

    def seen(self, kind: str) -> list:
        """What of ``kind`` happened during the load and during the current turn."""
        return [what for turn, k, what in self.events if k == kind and turn in (0, self.turn)]

    def start_turn(self) -> None:
        self.turn = next(self._turns)

    def tidy(self) -> None:
        """After a turn: the pointer off the page, no focus, back at the top, as after the load."""
        self.page.mouse.move(0, 0)
        self.page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.close()


class BookPages:
    """The loaded pages of one worker, shared by the tests of one page in turn (the page's
    explorer test, then test_page, which changes the page and closes it).

    Loading a chapter (MathJax typesetting hundreds of formulas, the explorers' first drawing)
    costs seconds of CPU; each test used to load its page again. A test borrows the page for
    its turn; it gets the page as the last successful turn left it (the explorer tests end with
    Reset, then :meth:`Visit.tidy` takes the pointer and the focus away), or a fresh load when
    there is none, when the page was used by a turn that failed, or when it is another page.
    The conftest's ordering and the root conftest's xdist scopes keep the tests of one page
    together on one worker."""

    def __init__(self, context, base_url: str) -> None:
        self.context, self.base_url = context, base_url
        self.current: Visit | None = None

    @contextlib.contextmanager
    def borrow(self, page_path: str, *, keep: bool = True):
        """The page at ``page_path`` for one test's turn. ``keep=False``: the turn leaves the page
        changed (closed after it). A turn that raises (a failed test) closes the page too."""
        if self.current is not None and self.current.path != page_path:
            self.close()
        if self.current is None:
            self.current = Visit(self.context, self.base_url, page_path)
        visit = self.current
        visit.start_turn()
        ok = False
        try:
            yield visit
            ok = True
        finally:
            if ok and keep and not visit.spoiled:
                try:
                    visit.tidy()
                except Exception:
                    self.close()
                    raise
            else:
                self.close()

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """``item.natgrad_call_failed``: whether the test itself failed (read by fixtures' teardown)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.natgrad_call_failed = report.failed


@pytest.fixture(scope="session")
def book_pages(browser_context, base_url: str):
    pages = BookPages(browser_context, base_url)
    yield pages
    pages.close()


@pytest.fixture(scope="session")
def browser_stats() -> dict:
    return STATS


STATS: dict = {"pages": 0, "math": 0, "mjx": 0, "animations": 0, "fallbacks": 0, "widgets": 0, "live": 0, "links": 0,
               "images": 0, "axe_runs": 0, "axe_other": {}}


def _page_param(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("page_path") if callspec is not None else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last, after the book build test has (re)built the book: first the
    tests that open a page of their own, then the tests of each page together (its explorer
    test, test_page, which ends the page's shared load, and test_links), in the order of the
    pages. (Under pytest-xdist the root conftest.py keeps each page's tests on one worker.)"""
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(str(item.path)).parents]
    if browser_items:
        others = [item for item in items if here not in Path(str(item.path)).parents]
        pages = list(dict.fromkeys(p for p in map(_page_param, browser_items) if p is not None))
        rank = {"test_live.py": 0, "test_pages.py": 1}

        def key(item: pytest.Item) -> tuple:
            page = _page_param(item)
            return (page is not None, pages.index(page) if page is not None else 0,
                    rank.get(Path(str(item.path)).name, 2) if page is not None else 0)

        items[:] = others + sorted(browser_items, key=key)   # stable: otherwise in collection order


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave this process's figures for the gate's summary, which the root conftest.py prints
    (under pytest-xdist the pages run in the workers and the controller prints the summary)."""
    if not (STATS["pages"] or STATS["links"]):
        return
    workerinput = getattr(session.config, "workerinput", None)
    name = workerinput["workerid"] if workerinput else "main"
    data = dict(STATS, html_root=str(HTML_ROOT), screenshots=str(SCREENSHOTS),
                axe_other=[[list(k), v] for k, v in STATS["axe_other"].items()])
    BROWSER_STATS_DIR.mkdir(parents=True, exist_ok=True)
    (BROWSER_STATS_DIR / f"{name}.json").write_text(json.dumps(data))
