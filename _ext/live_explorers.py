"""Sphinx extension: the live explorers' script on the pages that hold one.

``natgrad_lib.live`` writes each explorer into the page as ``<div class="natgrad-live">``
with its state as JSON. ``_static/natgrad-live.js`` (built from ``js/`` by ``make js``)
finds those elements and draws them. It is a classic deferred script, not a module, so
the book also works when opened from ``file://`` (browsers refuse ES modules there).
Pages without an explorer do not load it. A missing bundle fails the build with a message
naming ``make js``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html._assets import _JavaScript
from sphinx.errors import ExtensionError

SCRIPT = "natgrad-live.js"
MARK = 'class="natgrad-live"'


def _add_script(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if MARK not in context.get("body", ""):
        return
    if not (Path(app.srcdir) / "_static" / SCRIPT).exists():
        raise ExtensionError(f"{pagename} holds a live explorer but _static/{SCRIPT} is missing: run `make js`")
    # this page only (app.add_js_file here would add it to every later page too)
    context["script_files"] = [*context.get("script_files", []), _JavaScript(f"_static/{SCRIPT}", defer="defer")]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _add_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
