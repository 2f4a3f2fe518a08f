"""Fixtures for the browser quality gate: serve the built book, drive headless Chromium.

The built HTML is read from ``$NATGRAD_HTML`` (default ``<repo>/_build/html``).  With the
default root the gate checks the session's one build of the book (the ``book_build``
fixture of the root conftest.py, also checked by tests/test_book_build.py); a root given
through ``NATGRAD_HTML`` is used as it is.  Every request to a host other than
127.0.0.1/localhost is aborted and recorded, so a page that reaches for a CDN fails.

See README.md beside this file.
"""

from __future__ import annotations

import functools
import http.server
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


@pytest.fixture(scope="session")
def browser_stats() -> dict:
    return STATS


STATS: dict = {"pages": 0, "math": 0, "mjx": 0, "animations": 0, "fallbacks": 0, "widgets": 0, "live": 0, "links": 0,
               "images": 0, "axe_runs": 0, "axe_other": {}}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last, after the book build test has (re)built the book."""
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(str(item.path)).parents]
    if browser_items:
        others = [item for item in items if here not in Path(str(item.path)).parents]
        items[:] = others + browser_items


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
