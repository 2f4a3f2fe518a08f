"""Sphinx extension: valid ARIA roles in the bibliography (checked by axe-core in tests/browser).

docutils writes a bibliography as ``<div role="list" class="citation-list">`` holding
``<div class="citation" role="doc-biblioentry">`` entries.  ``doc-biblioentry`` is a
deprecated role (WAI-ARIA DPUB 1.1), and a list whose children are not list items is an
error for assistive technology: axe-core reports it as critical (``aria-required-children``).
Each entry becomes a plain ``role="listitem"``, which is what the list needs.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

_DEPRECATED = 'role="doc-biblioentry"'
_VALID = 'role="listitem"'


def _fix_roles(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    body = context.get("body")
    if isinstance(body, str) and _DEPRECATED in body:
        context["body"] = body.replace(_DEPRECATED, _VALID)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _fix_roles)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
