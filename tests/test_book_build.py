"""Build the whole book and check what a reader gets (slow: marker ``book``).

The book is built once per test session with the same flags as ``make book``
(``-n -W --keep-going``) into the repository's ``_build/html``, which is deleted
first, and with a fresh Sphinx environment (``--all``). Every page is therefore
read and written again and every warning is reported again; an incremental build
would stay silent about warnings from pages that did not change, and a stale page
or execution report could linger. Execution still goes through the jupyter-cache
in ``_build/.jupyter_cache``, so a chapter whose code did not change since the
last ``make book`` is not executed again. The browser tests (tests/browser) run
after this module and check the HTML it leaves behind.

Deselect with ``pytest -m "not book"``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

REPO = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT_S = 3600
MAX_PAGE_BYTES = 3 * 1024 * 1024  # BOOK.md: each built page (HTML + its images) < 3 MB

ANSI = re.compile(r"\x1b\[[0-9;]*m")
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


@dataclass(frozen=True)
class Build:
    returncode: int
    log: str
    html: Path


def _jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    found = str(exe) if exe.exists() else shutil.which("jupyter-book")
    if found is None:
        pytest.fail("jupyter-book is not installed: run `make test`, which installs it")
    return found


@pytest.fixture(scope="module")
def build() -> Build:
    html = REPO / "_build" / "html"
    ok_stamp = REPO / "_build" / ".book-ok"  # the Makefile's mark of a clean build
    ok_stamp.unlink(missing_ok=True)
    shutil.rmtree(html, ignore_errors=True)
    env = dict(os.environ)
    # The kernels must pick matplotlib's inline backend (ipykernel does so only
    # when MPLBACKEND is unset); under the tests' Agg the chapters would lose their figures.
    env.pop("MPLBACKEND", None)
    env["NATGRAD_STATIC"] = "1"  # explorers emit only their static fallback, as in `make book`
    proc = subprocess.run(
        [_jupyter_book(), "build", "--all", str(REPO), "-n", "-W", "--keep-going"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if proc.returncode == 0:  # with -W, any warning makes it non-zero
        ok_stamp.touch()
    return Build(proc.returncode, ANSI.sub("", proc.stdout), html)


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)


def _toc_files() -> list[str]:
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


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
    missing = [f for f in _toc_files() if not (build.html / f"{f}.html").is_file()]
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
        if weight > MAX_PAGE_BYTES:
            problems.append(f"{page.relative_to(build.html)}: {weight / 2**20:.1f} MB with its images")
    assert not problems, "\n".join(problems)


def _notebook_chapters() -> list[str]:
    """Docnames of the MyST-markdown notebooks (a kernelspec in the front matter)."""
    out = []
    for f in _toc_files():
        src = REPO / f"{f}.md"
        if src.is_file() and "kernelspec:" in src.read_text(encoding="utf-8").split("\n---", 1)[0]:
            out.append(f)
    return out


def test_launch_buttons_and_downloads(build: Build) -> None:
    """Every chapter that is a notebook: Binder and Colab buttons that open an .ipynb, that
    .ipynb written next to the page (output-free, the chapter's code plus one setup cell), and
    download links to the .md source and the executed .ipynb that resolve."""
    import jupytext
    import nbformat

    chapters = _notebook_chapters()
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
        if any(c.get("outputs") for c in code):
            problems.append(f"{name}: the launch notebook carries outputs")
        source = jupytext.read(REPO / f"{name}.md", fmt="md:myst")
        expected = [c.source for c in source.cells if c.cell_type == "code"]
        if [c.source for c in code[1:]] != expected:
            problems.append(f"{name}: the launch notebook's code differs from the chapter's")
    assert not problems, "\n".join(problems)
