"""pytest configuration shared by tests/ and the doctests of natgrad_lib.

- Hypothesis profiles (``ci`` derandomised, ``dev`` random).
- The doctests' imports (``doctest_namespace``: ``np``, ``ng``, ``plt`` on the Agg backend).
- The one built book of a session (``book_build``), by tools/book.py like ``make book``, into
  ``<repo>/_build/html``: tests/test_book_build.py checks the build; the browser gate
  (tests/browser) opens the pages it wrote.
- How the tests are spread over pytest-xdist workers (``make test`` runs ``-n 2 --dist
  loadscope`` with the scheduler below). A session fixture exists once per worker, yet the
  book is built once: the first worker that needs it builds it while holding a lock; the
  other waits for the lock and reads the result. The tests of tests/test_book_build.py stay together on one worker, the
  otter assignments (one ``otter assign`` per session) on one worker; the unit tests and the
  browser pages spread over both.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tools import book as book_tool

REPO = Path(__file__).resolve().parent

# Hypothesis profiles. "ci" (chosen when the CI variable is set, as .ci/run sets it) is
# derandomised: every CI run tries the same examples, so a red CI means a real regression,
# not an unlucky draw; no example database is written, and a slow example on a loaded
# machine is never an error (deadline=None, too_slow suppressed). "dev" (the default)
# draws new examples on every run, the nightly-style search for counterexamples.
# HYPOTHESIS_PROFILE=ci|dev overrides the choice.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _no_pending_lambdify_garbage(request: pytest.FixtureRequest) -> None:
    """Collect garbage before each doctest, so that a doctest cannot fail at random.

    sympy's ``lambdify`` registers each generated function in ``linecache.cache`` and
    removes the entry when the function is garbage-collected. A doctest starts by
    calling ``linecache.checkcache()``, which on Python 3.11 iterates over the keys
    it listed first; a garbage collection in the middle of that loop deletes an entry
    and the doctest fails with ``KeyError: '<lambdifygenerated-N>'``. With nothing
    left to collect when the doctest starts, that cannot happen.
    """
    if type(request.node).__name__ == "DoctestItem":
        gc.collect()
        # What is left is alive: freeze it, so that the next collection walks only what was
        # made since. A full collection walks every object of the process (sympy's caches,
        # matplotlib, ...): about 0.3 s, which before every one of 162 doctests was most of
        # their time. Frozen objects are never collected, and their finalizers never run.
        gc.freeze()

@pytest.fixture(autouse=True, scope="session")
def _doctest_imports(doctest_namespace: dict) -> None:
    """What every doctest of natgrad_lib may use without importing it: ``np``, ``ng`` and, where
    matplotlib is installed, ``plt`` with the Agg backend (set here once, in this process only:
    the book's kernels are other processes and keep the inline backend)."""
    import numpy as np

    import natgrad_lib as ng

    doctest_namespace.update(np=np, ng=ng)
    try:
        import matplotlib
    except ModuleNotFoundError:
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    doctest_namespace["plt"] = plt


# tests/conftest.py is a conftest (pytest loads it for tests/), not a module of doctests: under
# --doctest-modules pytest would import it a second time as the module "conftest", which
# tests/browser/conftest.py has already taken, and fail with "import file mismatch".
collect_ignore = ["tests/conftest.py"]

BUILD_TIMEOUT_S = 3600
# Modules whose tests share a session fixture that must run once: kept on one xdist worker.
# (Only these two: a third group with more tests than test_book_build.py would be handed out
# before it and delay the book build, which the browser gate waits for.)
GROUPS = ("test_book_build.py", "test_assignments.py")
SESSION_STATE = REPO / "_build" / "book-session.json"
SESSION_LOCK = REPO / "_build" / ".book-session.lock"


@pytest.fixture(scope="session")
def book_build(request: pytest.FixtureRequest) -> book_tool.Build:
    """The whole book, built once per session from scratch (fresh Sphinx environment, empty
    ``_build/html``) with the execution cache kept: every page is read, written and checked
    again, and a chapter whose code and library did not change is not executed again."""
    workerinput = getattr(request.config, "workerinput", None)
    if workerinput is None:
        return _build_book()
    run = workerinput["testrunuid"]
    SESSION_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with SESSION_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held by the worker that builds, until it is done
        if SESSION_STATE.is_file():
            state = json.loads(SESSION_STATE.read_text())
            if state.pop("run") == run:
                return book_tool.Build(state["returncode"], state["log"], Path(state["html"]), state["seconds"])
        result = _build_book()
        SESSION_STATE.write_text(json.dumps({"run": run, "returncode": result.returncode, "log": result.log,
                                             "html": str(result.html), "seconds": result.seconds}))
        return result


def _build_book() -> book_tool.Build:
    html = REPO / "_build" / "html"
    ok_stamp = REPO / "_build" / ".book-ok"  # the Makefile's mark of a clean build
    ok_stamp.unlink(missing_ok=True)
    shutil.rmtree(html, ignore_errors=True)
    result = book_tool.build(REPO, fresh=True, log=REPO / "_build" / "book-build.log", timeout=BUILD_TIMEOUT_S)
    if result.returncode == 0:  # with -W, any warning makes it non-zero
        ok_stamp.touch()
    return result


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's scope scheduler with our scopes: one per module listed in GROUPS, one per test
    elsewhere. (xdist's own ``xdist_group`` markers do not work with pytest 9, which no
    longer lets xdist rename a test's node id.) The browser tests of one page form one scope.
    GROUPS are handed out first, largest first, so the book build and the assignments start at
    once, each on its own worker; the other scopes follow in collection order."""
    from xdist.scheduler import LoadScopeScheduling

    class _Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.rsplit("/", 1)[-1] in GROUPS:
                return module
            if module.startswith("tests/browser/") and nodeid.endswith("]"):
                # the browser tests of one page ([page id]) share its one load (tests/browser/conftest.py)
                return "tests/browser/[" + nodeid.split("[", 1)[1]
            return nodeid

        def _assign_work_unit(self, node) -> None:
            # xdist hands out the largest scopes first: keep that for GROUPS only, the rest in
            # collection order (the browser pages, a few tests each, last: they need the book).
            if not getattr(self, "_ordered", False):
                self._ordered = True
                first: dict[str, int] = {}
                for nodeid in self.collection:
                    first.setdefault(self._split_scope(nodeid), len(first))
                rest = sorted((s for s in self.workqueue if s.rsplit("/", 1)[-1] not in GROUPS), key=first.get)
                for scope in rest:
                    self.workqueue.move_to_end(scope)
            super()._assign_work_unit(node)

    return _Scheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Without xdist: the book build first, the browser pages last (tests/browser/conftest.py).
    items.sort(key=lambda item: Path(str(item.path)).name != "test_book_build.py")


# --------------------------------------------------------------------------- browser gate summary
# The browser tests (tests/browser) leave their figures in one JSON file per process; the
# summary is printed here, in the process that reports (under xdist, the controller, which
# never loads tests/browser/conftest.py).
BROWSER_STATS_DIR = REPO / "_build" / "browser-gate-stats"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(BROWSER_STATS_DIR, ignore_errors=True)


def _browser_stats() -> dict | None:
    files = sorted(BROWSER_STATS_DIR.glob("*.json")) if BROWSER_STATS_DIR.is_dir() else []
    if not files:
        return None
    merged: dict = {"axe_other": {}}
    for path in files:
        for key, value in json.loads(path.read_text()).items():
            if key == "axe_other":
                for k, pages in value:
                    merged["axe_other"].setdefault(tuple(k), {}).update(pages)
            elif isinstance(value, int):
                merged[key] = merged.get(key, 0) + value
            else:
                merged.setdefault(key, value)
    return merged


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    stats = _browser_stats()
    if stats is None:
        return
    tr = terminalreporter
    tr.section("browser quality gate")
    tr.write_line(f"html root:      {stats['html_root']}" + (f"  ({stats['built']})" if "built" in stats else ""))
    tr.write_line(f"pages opened:   {stats['pages']}   screenshots (failed pages, or NATGRAD_SCREENSHOTS=1): "
                  f"{stats['screenshots']}")
    tr.write_line(f"math elements:  {stats['math']} (mjx-container: {stats['mjx']})")
    tr.write_line(f"animations:     {stats['animations']} played from the keyboard   static fallbacks: "
                  f"{stats['fallbacks']}   widget views: {stats['widgets']}   live explorers started: {stats.get('live', 0)}")
    tr.write_line(f"images:         {stats['images']}   internal links checked: {stats['links']}")
    tr.write_line(f"axe-core:       {stats['axe_runs']} runs (every page, light mode: all rules; dark mode: "
                  "colour rules); critical and serious violations fail their page")
    if stats["axe_other"]:
        tr.write_line("axe-core moderate and minor findings (not failures; elements per page and mode):")
        order = {"moderate": 0, "minor": 1}
        for (impact, rule, help_text), pages in sorted(stats["axe_other"].items(),
                                                       key=lambda kv: (order.get(kv[0][0], 2), kv[0][1])):
            listing = ", ".join(f"{page}: {n}" for page, n in sorted(pages.items()))
            tr.write_line(f"  {impact:<8} {rule} ({help_text}): {listing}")
