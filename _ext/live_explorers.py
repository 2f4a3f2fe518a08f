"""Sphinx extension: a page that holds a live explorer needs the explorers' script.

``natgrad_lib.live`` writes each explorer into the page as ``<div class="natgrad-live">``
with its state as JSON; ``_static/natgrad-live.js`` (built from ``js/`` by ``make js``)
finds those elements and draws them. Jupyter Book adds every ``.js`` file of ``_static`` to
every page as a classic script, which also works when the book is opened from ``file://``
(browsers refuse ES modules there); the anywidget module is ``natgrad-live.mjs``, which it
leaves alone. Without the bundle such a page would show empty explorers, so the build fails
with a message naming ``make js``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

SCRIPT = "natgrad-live.js"
MARK = 'class="natgrad-live"'


def _require_script(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if MARK in context.get("body", "") and not (Path(app.srcdir) / "_static" / SCRIPT).exists():
        raise ExtensionError(f"{pagename} holds a live explorer but _static/{SCRIPT} is missing: run `make js`")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _require_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
