"""Lab tests (``make test-lab``): a real JupyterLab driven by Playwright, and the downloaded
notebooks run by nbclient in a venv of their own. They take minutes, so they run only when
``NATGRAD_LAB=1`` (set by ``make test-lab``); elsewhere (``make test``) they are skipped."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lab: drives a real JupyterLab or a fresh notebook venv (make test-lab)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("NATGRAD_LAB") == "1":
        return
    skip = pytest.mark.skip(reason="lab test: run with `make test-lab` (NATGRAD_LAB=1)")
    for item in items:
        if "lab" in item.keywords:
            item.add_marker(skip)
