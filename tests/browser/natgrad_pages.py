"""What the browser tests check: where the built book is, which files are its pages,
the anchors and links in them, and the short allow-list of harmless problems.

Imported by conftest.py and test_pages.py (no browser needed here).
"""

from __future__ import annotations

import functools
import os
import re
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_HTML = REPO / "_build" / "html"
HTML_ROOT = Path(os.environ.get("NATGRAD_HTML", DEFAULT_HTML)).resolve()
# Screenshots go beside the HTML: <repo>/_build/screenshots/<page>.png
SCREENSHOTS = HTML_ROOT.parent / "screenshots"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Figures of the gate, one JSON file per process, for the summary the root conftest.py prints.
BROWSER_STATS_DIR = REPO / "_build" / "browser-gate-stats"

# Sphinx internals that are not pages of the book: the generated index, the search page
# (its results need a query), module index, copied sources, static assets, images,
# downloads and jupyter-book's execution reports.  Redirect stubs (index.html ->
# intro.html) are not pages either; their target is checked by test_redirects_resolve.
EXCLUDED_FILES = frozenset({"genindex.html", "search.html", "py-modindex.html"})
EXCLUDED_DIRS = frozenset({"_static", "_sources", "_images", "_downloads", "reports", "_panels_static"})

# Console messages and failed requests that are known to be harmless.  Each entry is
# (substring of the message or URL, why it is harmless).  Keep it short: a CDN request is
# never harmless here (the book must read offline), so none is listed.
ALLOWED_PROBLEMS: tuple[tuple[str, str], ...] = (
    (
        "Got invalid theme mode: . Resetting to auto.",
        # pydata-sphinx-theme logs this with console.error on a reader's first visit
        # (localStorage has no "mode" yet), then stores "auto".  Nothing is broken.
        "pydata-sphinx-theme: first visit, no stored light/dark mode",
    ),
)


# --------------------------------------------------------------------------- pages


def is_redirect(path: Path) -> bool:
    """True for jupyter-book's one-line ``<meta http-equiv="Refresh">`` stubs."""
    head = path.read_text(encoding="utf-8", errors="replace")[:2000].lower()
    return 'http-equiv="refresh"' in head and "<body" not in head


def redirect_target(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    low = text.lower()
    start = low.index("url=", low.index('http-equiv="refresh"')) + 4
    end = min(i for i in (low.find('"', start), low.find("'", start)) if i != -1)
    return text[start:end].strip()


def _toc_pages(toc: Path) -> set[str]:
    """HTML files a jb-book ``_toc.yml`` promises (``root`` + every ``file:``)."""
    import yaml

    try:
        data = yaml.safe_load(toc.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    files: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    files.add(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return {str(Path(f).with_suffix("")) + ".html" for f in files}


# Pages the book's Sphinx extensions write that no _toc.yml entry names: sphinx-proof's index
# of the theorems, proofs and definitions (when the extension is on in _config.yml).
GENERATED = {"sphinx_proof": "prf-prf.html"}


def _generated_pages(config: Path) -> set[str]:
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return set()
    return {page for ext, page in GENERATED.items() if re.search(rf"^\s*-\s*{ext}\s*$", text, re.M)}


def book_source() -> Path | None:
    """The book's source directory: the one holding _toc.yml next to _build/html."""
    candidate = HTML_ROOT.parent.parent
    return candidate if (candidate / "_toc.yml").is_file() else None


@functools.lru_cache(maxsize=1)
def discover_pages() -> tuple[str, ...]:
    """Pages to check, as paths relative to the HTML root (``chapters/00_kl_divergence.html``).

    Every ``.html`` under the root except the internals above, plus every page the
    table of contents promises and the pages the extensions generate (``GENERATED``), so a
    fresh clone (nothing built yet) gets the same tests as a built one and a page missing
    from the build fails its test instead of vanishing.
    """
    pages: set[str] = set()
    if HTML_ROOT.is_dir():
        for path in HTML_ROOT.rglob("*.html"):
            rel = path.relative_to(HTML_ROOT)
            if rel.parts[0] in EXCLUDED_DIRS or rel.as_posix() in EXCLUDED_FILES:
                continue
            if is_redirect(path):
                continue
            pages.add(rel.as_posix())
    source = book_source()
    if source is not None:
        pages |= _toc_pages(source / "_toc.yml") | _generated_pages(source / "_config.yml")
    return tuple(sorted(pages))


def redirect_pages() -> tuple[str, ...]:
    if not HTML_ROOT.is_dir():
        return ("index.html",) if book_source() else ()
    return tuple(
        sorted(p.relative_to(HTML_ROOT).as_posix() for p in HTML_ROOT.glob("*.html") if is_redirect(p))
    )


# --------------------------------------------------------------------------- anchors


class _Targets(HTMLParser):
    """Collects ids/names (anchor targets) and hrefs of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key == "id" or (key == "name" and tag in {"a", "map", "form", "iframe", "img"}):
                self.ids.add(value)
            elif key == "href" and tag == "a":
                self.hrefs.append(value)


@functools.lru_cache(maxsize=None)
def parse_html(path: Path) -> _Targets:
    parser = _Targets()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser
