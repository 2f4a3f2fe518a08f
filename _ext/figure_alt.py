"""Sphinx extension: every figure image gets alt text, taken from its caption.

Chapters caption their figures through cell metadata (``mystnb: figure: caption``),
but the image inside such a figure has no ``alt`` attribute, and HTML writers then
fall back to the file name.  This fills in the caption's text instead, unless the
chapter set ``mystnb: image: alt`` itself.  tests/test_book_build.py checks that no
image in the built book is left without alt text.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx


def _alt_from_caption(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for figure in doctree.findall(nodes.figure):
        caption = next(iter(figure.findall(nodes.caption)), None)
        if caption is None:
            continue
        text = " ".join(caption.astext().split())
        for image in figure.findall(nodes.image):
            if not image.get("alt"):
                image["alt"] = text


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", _alt_from_caption)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
