"""Build the whole book and check what a reader gets (slow: marker ``book``).

The book is built once per test session by the ``book_build`` fixture (the root conftest.py),
through tools/book.py, the same script as ``make book`` (``-n -W --keep-going``), into the
repository's ``_build/html``, which is deleted first, and with a fresh Sphinx environment
(``--all``). Every page is therefore read and written again and every warning is reported
again; an incremental build would stay silent about warnings from pages that did not
change, and a stale page or execution report could linger. Execution still goes through
the jupyter-cache in ``_build/.jupyter_cache``, so a chapter whose code and library did not
change since the last build is not executed again. The browser tests (tests/browser)
check the HTML of the same build.

Deselect with ``pytest -m "not book"``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.book import PAGE_BUDGET_BYTES, Build, notebook_pages, toc_files

pytestmark = pytest.mark.book

REPO = Path(__file__).resolve().parents[1]

# Sphinx and myst-nb report problems as "path:line: WARNING: message" (or ERROR,
# CRITICAL, SEVERE). Kernel log lines such as "[IPKernelApp] WARNING | ..." are
# not build problems and do not match.
PROBLEM = re.compile(r"(?:^|: )(WARNING|ERROR|CRITICAL|SEVERE): ")
TAG = re.compile(r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>", re.I | re.S)
REMOTE_ATTR = re.compile(r"""\b(?:src|href|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)
REL = re.compile(r"""\brel\s*=\s*["']?([^"'>]+)""", re.I)
# <link rel=...> kinds that load a resource (a plain hyperlink such as rel="next" does not).
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "preconnect",
                "dns-prefetch", "icon", "shortcut", "apple-touch-icon", "manifest"}
REMOTE_CSS = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*((?:https?:)?//[^"')\s]+)""", re.I)
IMG_ALT = re.compile(r"""\balt\s*=\s*("([^"]*)"|'([^']*)')""", re.I)
IMG_SRC = re.compile(r"""\bsrc\s*=\s*["']([^"']+)["']""", re.I)


@pytest.fixture(scope="module")
def build(book_build: Build) -> Build:
    return book_build


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)


def test_build_succeeds_without_warnings(build: Build) -> None:
    problems = [line for line in build.log.splitlines() if PROBLEM.search(line)]
    assert not problems, "the book build reported problems:\n" + "\n".join(problems)
    assert build.returncode == 0, f"jupyter-book exited with {build.returncode}:\n{_tail(build.log)}"


def test_no_cell_failed(build: Build) -> None:
    reports = build.html / "reports"
    logs = sorted(reports.rglob("*")) if reports.exists() else []
    details = "\n\n".join(f"{p.name}:\n{p.read_text(errors='replace')}" for p in logs if p.is_file())
    assert not logs, f"execution tracebacks in {reports}:\n{details}"
    failed = [line for line in build.log.splitlines() if "Executing notebook failed" in line]
    assert not failed, "\n".join(failed)


def test_every_toc_page_is_built(build: Build) -> None:
    assert (build.html / "index.html").is_file()
    missing = [f for f in toc_files(REPO) if not (build.html / f"{f}.html").is_file()]
    assert not missing, f"pages listed in _toc.yml but not built: {missing}"


def test_no_remote_resources(build: Build) -> None:
    offenders: list[str] = []
    for page in _pages(build.html):
        text = page.read_text(encoding="utf-8", errors="replace")
        for tag in TAG.finditer(text):
            url = REMOTE_ATTR.search(tag.group(0))
            if url is None:
                continue
            if tag.group(1).lower() == "link":
                rel = REL.search(tag.group(0))
                rels = set(rel.group(1).lower().split()) if rel else set()
                if rels and not rels & LOADING_RELS:
                    continue  # a hyperlink (rel="canonical", "next", ...), not a resource
            offenders.append(f"{page.relative_to(build.html)}: {tag.group(0)[:200]}")
        offenders += [f"{page.relative_to(build.html)}: {m.group(0)}" for m in REMOTE_CSS.finditer(text)]
    for css in build.html.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{css.relative_to(build.html)}: {m.group(0)}" for m in REMOTE_CSS.finditer(text)]
    assert not offenders, "the built book loads remote resources:\n" + "\n".join(offenders)


def test_math_is_rendered_by_local_mathjax(build: Build) -> None:
    mathjax = build.html / "_static" / "mathjax" / "tex-chtml.js"
    assert mathjax.is_file(), "MathJax was not copied into the book"
    index = (build.html / "intro.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in index


def test_images_have_alt_text_and_pages_are_light(build: Build) -> None:
    problems: list[str] = []
    for page in _pages(build.html):
        text = page.read_text(encoding="utf-8", errors="replace")
        weight = page.stat().st_size
        for tag in re.finditer(r"<img\b[^>]*>", text, re.I | re.S):
            src = IMG_SRC.search(tag.group(0))
            alt = IMG_ALT.search(tag.group(0))
            alt_text = (alt.group(2) or alt.group(3) or "").strip() if alt else ""
            if src is None:
                continue
            if not alt_text or alt_text == src.group(1):
                problems.append(f"{page.relative_to(build.html)}: image without alt text: {src.group(1)}")
            image = (page.parent / src.group(1)).resolve()
            if image.is_file():
                weight += image.stat().st_size
        if weight > PAGE_BUDGET_BYTES:
            problems.append(f"{page.relative_to(build.html)}: {weight / 2**20:.1f} MB with its images")
    assert not problems, "\n".join(problems)


def test_launch_buttons_and_downloads(build: Build) -> None:
    """Every chapter that is a notebook: Binder and Colab buttons that open an .ipynb, that
    .ipynb written next to the page (output-free, the chapter's code plus one setup cell), and
    download links to the .md source and the executed .ipynb that resolve."""
    import jupytext
    import nbformat

    chapters = notebook_pages(REPO)
    assert len(chapters) >= 8, chapters
    problems: list[str] = []
    for name in chapters:
        page = build.html / f"{name}.html"
        text = page.read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"]+)"', text)
        binder = [h for h in hrefs if "mybinder.org" in h]
        colab = [h for h in hrefs if "colab.research.google.com" in h]
        if not binder or not all(h.endswith(f"{name}.ipynb") for h in binder):
            problems.append(f"{name}: Binder link missing or not to {name}.ipynb: {binder}")
        if not colab or not all(h.endswith(f"{name}.ipynb") for h in colab):
            problems.append(f"{name}: Colab link missing or not to {name}.ipynb: {colab}")
        for suffix in (".md", ".ipynb"):
            rel = [h for h in hrefs if h.endswith(f"_sources/{name}{suffix}")]
            if not rel:
                problems.append(f"{name}: no download link to the {suffix} source")
            elif not (page.parent / rel[0]).resolve().is_file():
                problems.append(f"{name}: download link {rel[0]} does not resolve")
        generated = build.html / f"{name}.ipynb"
        if not generated.is_file():
            problems.append(f"{name}: {generated.relative_to(build.html)} was not written")
            continue
        nb = nbformat.read(generated, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        if not code or code[0].metadata.get("tags") != ["launch-setup"]:
            problems.append(f"{name}: the first code cell is not the launch-setup cell")
        elif "/gh-pages/wheels/natgrad_lib-" not in code[0].source:   # tests/test_colab_install.py
            problems.append(f"{name}: the setup cell does not install the wheel published with the site")
        if any(c.get("outputs") for c in code):
            problems.append(f"{name}: the launch notebook carries outputs")
        source = jupytext.read(REPO / f"{name}.md", fmt="md:myst")
        expected = [c.source for c in source.cells if c.cell_type == "code"]
        if [c.source for c in code[1:]] != expected:
            problems.append(f"{name}: the launch notebook's code differs from the chapter's")
    assert not problems, "\n".join(problems)
