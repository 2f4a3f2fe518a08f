"""Fixtures shared by tests/: the one built book, and how the tests are spread over workers.

The book is built once per session (``book_build``), by tools/book.py like ``make book``, into
``<repo>/_build/html``. tests/test_book_build.py checks the build; the browser gate
(tests/browser) opens the pages it wrote.

Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``) a session fixture exists
once per worker, so the tests that share an expensive session fixture are kept on one worker:
everything marked ``book`` (the build and the browser gate) forms one group, the otter
assignments another. The unit tests spread over both workers around them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # tools/ (the book build) lives at the repo root
    sys.path.insert(0, str(REPO))

from tools import book as book_tool  # noqa: E402

BUILD_TIMEOUT_S = 3600
GROUPS = {"book": "book", "assignments": "assignments"}


@pytest.fixture(scope="session")
def book_build() -> book_tool.Build:
    """The whole book, built once per session from scratch (fresh Sphinx environment, empty
    ``_build/html``) with the execution cache kept: every page is read, written and checked
    again, and a chapter whose code and library did not change is not executed again."""
    html = REPO / "_build" / "html"
    ok_stamp = REPO / "_build" / ".book-ok"  # the Makefile's mark of a clean build
    ok_stamp.unlink(missing_ok=True)
    shutil.rmtree(html, ignore_errors=True)
    result = book_tool.build(REPO, fresh=True, log=REPO / "_build" / "book-build.log", timeout=BUILD_TIMEOUT_S)
    if result.returncode == 0:  # with -W, any warning makes it non-zero
        ok_stamp.touch()
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker, group in GROUPS.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.xdist_group(group))
                break
