"""Book build benchmark: cold build, no-change rebuild, size of the HTML, the heaviest page.

Run by ``make bench`` (or ``python benchmarks/bench_build.py [--book DIR] [--html DIR]``).
It prints a table and never asserts on time.

* cold build: the book's sources copied to a temporary directory with no ``_build`` (so
  an empty jupyter-cache: every chapter executes), built by tools/book.py exactly as
  ``make book`` builds it (chapters executed in parallel, then jupyter-book);
* side by side, unless ``--no-before``: the same cold build done the way it was done before
  tools/book.py (``jupyter-book build`` alone, chapters executed one after the other during
  the Sphinx build), in the same environment, on another fresh copy, and the ratio;
* rebuild: the same command again with nothing changed (cache hits, Sphinx incremental);
* size of ``_build/html`` and its largest page, counting the HTML file plus the local
  images it shows (``_images/...``; inline ``data:`` images are inside the HTML already).

``--html DIR`` skips the builds and only measures an existing build.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tools.book import PAGE_BUDGET_BYTES as PAGE_BUDGET  # noqa: E402
from tools.book import book_env, jupyter_book  # noqa: E402
from tools.book import build as book_build  # noqa: E402
from tools.report import print_table  # noqa: E402

COLD_GOAL_S = 75  # issue #15: a cold build under 75 s on this 2-core machine
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", "reports"}
SKIP_FILES = {"genindex.html", "search.html", "py-modindex.html"}
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "_build", ".pytest_cache", ".hypothesis", "__pycache__", "*.egg-info", ".ipynb_checkpoints"
)


class _ImgSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.srcs += [v for k, v in attrs if k == "src" and v]


def page_weight(html_root: Path, page: Path) -> tuple[int, int]:
    """(bytes of the HTML file, bytes of the HTML plus the distinct local images it shows)."""
    parser = _ImgSources()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    rel_dir = posixpath.dirname(page.relative_to(html_root).as_posix())
    images = set()
    for src in parser.srcs:
        parts = urlsplit(src)
        if parts.scheme or not parts.path:
            continue  # data: (already counted in the HTML) or remote
        target = html_root / posixpath.normpath(posixpath.join(rel_dir, unquote(parts.path)))
        if target.is_file():
            images.add(target)
    html = page.stat().st_size
    return html, html + sum(p.stat().st_size for p in images)


def measure(html_root: Path) -> dict:
    files = [p for p in html_root.rglob("*") if p.is_file()]
    pages = [
        p
        for p in html_root.rglob("*.html")
        if p.relative_to(html_root).parts[0] not in SKIP_DIRS and p.relative_to(html_root).as_posix() not in SKIP_FILES
    ]
    static = sum(p.stat().st_size for p in (html_root / "_static").rglob("*") if p.is_file())
    weights = sorted(((page_weight(html_root, p), p) for p in pages), key=lambda w: w[0][1], reverse=True)
    return {"bytes": sum(p.stat().st_size for p in files), "files": len(files), "static": static, "pages": weights}


def build(book: Path) -> tuple[float, int]:
    """Build like ``make book`` (tools/book.py); returns (seconds, exit code)."""
    result = book_build(book, log=book / "_build" / "bench-build.log")
    return result.seconds, result.returncode


def build_before(book: Path) -> tuple[float, int]:
    """Build as before tools/book.py: ``jupyter-book build`` alone, in the same environment."""
    cmd = [jupyter_book(), "build", str(book), "-n", "-W", "--keep-going"]
    log = book / "_build" / "bench-build-before.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("w") as out:
        rc = subprocess.run(cmd, cwd=book, env=book_env(), stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    return time.perf_counter() - start, rc


def mib(n: int) -> str:
    return f"{n / 1024**2:.2f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--book", type=Path, default=REPO, help="book source directory (default: the repo)")
    ap.add_argument("--html", type=Path, help="only measure this existing _build/html, build nothing")
    ap.add_argument("--no-before", action="store_true", help="skip the side-by-side build done the old way")
    args = ap.parse_args(argv)

    rows: list[tuple[str, str]] = []
    print(f"load average before the builds: {os.getloadavg()[0]:.2f} (2 cores; other work on the machine slows every figure)")
    with tempfile.TemporaryDirectory(prefix="natgrad-bench-") as tmp:
        if args.html:
            html_root = args.html.resolve()
        else:
            copy = Path(tmp) / "book"
            shutil.copytree(args.book.resolve(), copy, ignore=NOT_COPIED)
            if not args.no_before:
                before_copy = Path(tmp) / "book-before"
                shutil.copytree(args.book.resolve(), before_copy, ignore=NOT_COPIED)
                before, rc_before = build_before(before_copy)
                shutil.rmtree(before_copy, ignore_errors=True)
            cold, rc_cold = build(copy)
            warm, rc_warm = build(copy)
            if not args.no_before:
                rows.append(("cold build BEFORE (jupyter-book alone, serial)",
                             f"{before:8.1f} s" + ("" if rc_before == 0 else f"  (exit {rc_before})")))
            rows.append(("cold build (tools/book.py, empty cache)", f"{cold:8.1f} s" + ("" if rc_cold == 0 else f"  (exit {rc_cold})")
                         + f"  goal < {COLD_GOAL_S} s: " + ("met" if cold < COLD_GOAL_S else "NOT met")))
            if not args.no_before:
                rows.append(("cold build: after / before", f"{cold / before:8.2f}"))
            rows.append(("rebuild, nothing changed", f"{warm:8.1f} s" + ("" if rc_warm == 0 else f"  (exit {rc_warm})")))
            rows.append(("rebuild / cold", f"{warm / cold:8.2f}"))
            html_root = copy / "_build" / "html"
        if not html_root.is_dir():
            print(f"no HTML at {html_root}", file=sys.stderr)
            return 1
        m = measure(html_root)
        rows.append(("_build/html total", f"{mib(m['bytes'])} in {m['files']} files"))
        rows.append(("  of which _static (theme, MathJax)", mib(m["static"])))
        rows.append(("pages (without genindex/search)", str(len(m["pages"]))))
        for (html, total), page in m["pages"][:3]:
            over = "  OVER the 3 MB budget" if total > PAGE_BUDGET else ""
            rows.append((f"page {page.relative_to(html_root)}", f"{mib(total)} (HTML {mib(html)}){over}"))

    print_table(rows, 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
