"""Sphinx extension: notebooks for the Binder and Colab buttons, generated at build time.

The chapters are MyST-markdown notebooks, but Colab opens only ``.ipynb`` files, and only
from a GitHub repository.  With ``launch_buttons`` configured, sphinx-book-theme links
Binder and Colab to ``<repository>/blob/<branch>/<page>.md``.  This extension

1. writes, after a successful HTML build, an output-free ``<page>.ipynb`` next to every
   notebook page in the build output (``_build/html/chapters/07_beyond.ipynb`` beside
   ``chapters/07_beyond.html``), converted from the ``.md`` source with jupytext, offline.
   A first cell, marked as added for launch services, says what the notebook needs
   (``natgrad_lib[plots]`` from the repository) and installs it when it is missing (on
   Colab); where it is installed it does nothing. Nothing else is needed: the chapters'
   ``glue`` falls back to IPython's display without myst-nb (``natgrad_lib.notebook``).  Nothing generated is written to the source tree or committed;
2. points the Colab button at that notebook in the published site: the book's HTML is
   published to the branch ``launch_notebooks_pages_branch`` (default ``gh-pages``) of
   the same repository, so the notebook is at ``<repository>/blob/gh-pages/<page>.ipynb``;
3. points the Binder button at ``<page>.ipynb`` in the repository's own branch: Binder
   builds from ``binder/`` (the book's requirements), and ``binder/postBuild`` installs
   ``natgrad_lib`` and converts the chapters with jupytext inside the image.

The page download button (sphinx-book-theme) already offers the ``.md`` source and the
executed ``.ipynb``.  All of these are plain links: nothing is loaded from another host
when a page is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

SETUP_TAG = "launch-setup"
#: The first cell of every downloaded notebook: what to install, and the install itself.
#: ``natgrad_lib[plots]`` is everything a chapter imports besides the kernel's own IPython:
#: numpy, sympy, scipy, matplotlib and ipywidgets. The chapters glue numbers through
#: ``natgrad_lib.notebook.glue``, which needs no myst-nb outside the book build.
SETUP_SOURCE = """\
# Setup for Colab and other fresh environments (not part of the chapter). This notebook
# needs the book's library with its plotting extra:
#     pip install "natgrad_lib[plots] @ git+{repo}@{branch}"
# The lines below run that install when natgrad_lib is missing, and do nothing otherwise.
import importlib.util, subprocess, sys
if importlib.util.find_spec("natgrad_lib") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "natgrad_lib[plots] @ git+{repo}@{branch}"], check=True)"""


def download_notebook(source: str | Path, repo: str, branch: str) -> Any:
    """The output-free notebook of the MyST chapter ``source``, with the setup cell first
    when ``repo`` is known (the cell installs natgrad_lib from it)."""
    import jupytext
    from nbformat.v4 import new_code_cell

    nb = jupytext.read(source, fmt="md:myst")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if repo:
        setup = new_code_cell(SETUP_SOURCE.format(repo=repo.rstrip("/"), branch=branch or "main"))
        setup.metadata["tags"] = [SETUP_TAG]
        nb.cells.insert(0, setup)
    nb.metadata.pop("jupytext", None)  # a plain .ipynb, not paired with anything
    return nb


def _theme_options(app: Sphinx) -> dict[str, Any]:
    return app.config.html_theme_options or {}


def _notebook_pages(app: Sphinx) -> list[str]:
    """Docnames of the MyST-markdown notebooks (a kernelspec in their front matter)."""
    return sorted(name for name, meta in app.env.metadata.items()
                  if "kernelspec" in meta and Path(app.env.doc2path(name)).suffix == ".md")


def _write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    import jupytext

    opts = _theme_options(app)
    repo = opts.get("repository_url", "").rstrip("/")
    branch = opts.get("repository_branch", "") or "main"
    for name in _notebook_pages(app):
        nb = download_notebook(app.env.doc2path(name), repo, branch)
        target = Path(app.outdir) / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(nb, target, fmt="ipynb")


def _point_buttons(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                   doctree: Any) -> None:
    """Rewrite the theme's Binder and Colab links to the generated ``.ipynb``."""
    if pagename not in app.env.metadata or "kernelspec" not in app.env.metadata[pagename]:
        return
    opts = _theme_options(app)
    launch = opts.get("launch_buttons", {})
    repo = opts.get("repository_url", "").rstrip("/")
    if not repo.startswith("https://github.com/"):
        return
    org_repo = repo.removeprefix("https://github.com/")
    pages_branch = app.config.launch_notebooks_pages_branch
    colab = launch.get("colab_url", "").rstrip("/")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab" and colab:
                button["url"] = f"{colab}/github/{org_repo}/blob/{pages_branch}/{pagename}.ipynb"
            elif button.get("text") == "Binder":
                button["url"] = button["url"].replace(f"{pagename}.md", f"{pagename}.ipynb")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("launch_notebooks_pages_branch", "gh-pages", "html")
    # After sphinx-book-theme's add_launch_buttons (priority 501).
    app.connect("html-page-context", _point_buttons, priority=600)
    app.connect("build-finished", _write_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
