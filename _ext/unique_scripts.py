"""Sphinx extension: each page lists every script once.

Sphinx 7.4 registers an inline script added with ``app.add_js_file(None, body=...)``
twice, once as ``None`` and once as ``""`` (``StandaloneHTMLBuilder.prepare_writing``
re-adds the registry's scripts with ``filename or ''``). sphinx-thebe, which Jupyter
Book always loads, adds such a script declaring ``const THEBE_JS_URL``; declared twice,
it raises "Identifier 'THEBE_JS_URL' has already been declared" in every page. This
drops the second copy, treating ``None`` and ``""`` as the same file name.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple:
    if isinstance(script, str):
        return (script,)
    attributes = getattr(script, "attributes", {})
    return (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))


def _drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
