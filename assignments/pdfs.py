"""PDFs of the hand-graded (written) questions of submitted notebooks, offline.

Usage (``make pdfs SUBMISSIONS=dir`` runs this)::

    python assignments/pdfs.py SUBMISSIONS [--out dist/pdfs] [--chromium /usr/bin/chromium]

otter's own PDF route (``otter export --pdf --via-html``) calls nbconvert's WebPDF exporter,
which drives a Chromium that Playwright downloads; with no network there is none. This does
the same two steps offline: nbconvert writes the HTML of the written questions (the cells
between otter's ``<!-- BEGIN QUESTION -->`` and ``<!-- END QUESTION -->`` markers), and the
system Chromium prints it to PDF (``--headless --print-to-pdf``). The notebook's code is never
executed; math appears as its LaTeX source (no MathJax from a CDN).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


def written_only(nb):
    keep, inside = [], False
    for cell in nb.cells:
        src = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if "<!-- BEGIN QUESTION -->" in src:
            inside = True
        if inside and cell.cell_type == "markdown":
            keep.append(cell)
        if "<!-- END QUESTION -->" in src:
            inside = False
    nb.cells = keep
    return nb


def export(notebook: Path, pdf: Path, chromium: str) -> None:
    nb = written_only(nbformat.read(notebook, as_version=4))
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, default=Path("dist/pdfs"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    notebooks = sorted(p for p in args.submissions.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    errors = 0
    for nb in notebooks:
        target = args.out / nb.relative_to(args.submissions).with_suffix(".pdf")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            export(nb, target.resolve(), args.chromium)
            print(f"wrote {target}")
        except Exception as err:  # noqa: BLE001 - report every file, then fail
            errors += 1
            print(f"ERROR {nb}: {err}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
