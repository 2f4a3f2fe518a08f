"""Sphinx extension: notebooks for the Binder and Colab buttons, generated at build time.

The chapters are MyST-markdown notebooks, but Colab opens only ``.ipynb`` files, and only
from a GitHub repository.  With ``launch_buttons`` configured, sphinx-book-theme links
Binder and Colab to ``<repository>/blob/<branch>/<page>.md``.  This extension

1. writes, after a successful HTML build, an output-free ``<page>.ipynb`` next to every
   notebook page in the build output (``_build/html/chapters/07_beyond.ipynb`` beside
   ``chapters/07_beyond.html``), converted from the ``.md`` source with jupytext, offline.
   A first cell, marked as added for launch services, says what the notebook needs
   (``natgrad_lib[plots]``) and installs it when it is missing (on Colab); where it is
   installed it does nothing. It installs the natgrad_lib **wheel published with the site**
   (``make site`` copies ``dist/wheel/natgrad_lib-<version>-py3-none-any.whl`` into
   ``_build/html/wheels/``; see :func:`wheel_url`): the wheel carries the live explorers'
   built front end (``natgrad_lib/static/natgrad-live.mjs``, package data copied from
   ``js/build`` where ``make js`` generates it, never committed), which an install from git lacks (Colab has no node to
   build it), so in Colab the explorers are live widgets, not frame players. If the wheel
   cannot be fetched (a site not yet published) the cell falls back to the install from git,
   and the explorers show their frame players. Nothing else is needed: the chapters'
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
#: Where ``make site`` puts the natgrad_lib wheel in the published site (``_build/html/wheels``).
WHEELS_DIR = "wheels"
#: The first cell of every downloaded notebook: what to install, and the install itself.
#: ``natgrad_lib[plots]`` is everything a chapter imports besides the kernel's own IPython:
#: numpy, sympy, scipy, matplotlib, ipywidgets and anywidget. The chapters glue numbers
#: through ``natgrad_lib.notebook.glue``, which needs no myst-nb outside the book build.
SETUP_GIT = """\
# Setup for Colab and other fresh environments (not part of the chapter). This notebook
# needs the book's library with its plotting extra:
#     pip install "natgrad_lib[plots] @ git+{repo}@{branch}"
# The lines below run that install when natgrad_lib is missing, and do nothing otherwise.
import importlib.util, subprocess, sys
if importlib.util.find_spec("natgrad_lib") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "natgrad_lib[plots] @ git+{repo}@{branch}"], check=True)"""
#: The same with the wheel published beside the notebook first (:func:`wheel_url`).
SETUP_WHEEL = """\
# Setup for Colab and other fresh environments (not part of the chapter). This notebook
# needs the book's library with its plotting extra. The published book carries a wheel of
# it whose live explorers' front end is built (an install from git has none without node,
# and its explorers show frame players instead):
#     pip install "natgrad_lib[plots] @ {wheel}"
# or, where that wheel cannot be fetched:
#     pip install "natgrad_lib[plots] @ git+{repo}@{branch}"
# The lines below run the first install (the second if it fails) when natgrad_lib is
# missing, and do nothing otherwise.
import importlib.util, subprocess, sys
if importlib.util.find_spec("natgrad_lib") is None:
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    if subprocess.run(pip + ["natgrad_lib[plots] @ {wheel}"]).returncode != 0:
        print("The published natgrad_lib wheel could not be installed; installing from git "
              "(the explorers will show frame players).")
        subprocess.run(pip + ["natgrad_lib[plots] @ git+{repo}@{branch}"], check=True)"""


def wheel_name(version: str) -> str:
    """The file name ``pip wheel`` gives natgrad_lib ``version`` (pure Python, any platform)."""
    return f"natgrad_lib-{version}-py3-none-any.whl"


def wheel_url(repo: str, pages_branch: str, version: str) -> str:
    """Where the published site's wheel is, or "" when ``repo`` is not a GitHub repository.

    The site is the branch ``pages_branch`` of ``repo`` (as for the Colab links), read through
    raw.githubusercontent.com: that address follows from ``repository.url`` alone (GitHub
    Pages' own may be a custom domain), and pip reads a wheel from it like any https file.

    >>> wheel_url("https://github.com/natgrad/natgrad", "gh-pages", "0.1.0")
    'https://raw.githubusercontent.com/natgrad/natgrad/gh-pages/wheels/natgrad_lib-0.1.0-py3-none-any.whl'
    >>> wheel_url("https://gitlab.com/natgrad/natgrad", "gh-pages", "0.1.0")
    ''
    """
    repo = repo.rstrip("/")
    if not repo.startswith("https://github.com/"):
        return ""
    org_repo = repo.removeprefix("https://github.com/")
    return f"https://raw.githubusercontent.com/{org_repo}/{pages_branch}/{WHEELS_DIR}/{wheel_name(version)}"


def library_version(root: str | Path) -> str:
    """natgrad_lib's version, from ``pyproject.toml`` in ``root`` (what the wheel is named by)."""
    import tomllib

    return tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]["version"]


def download_notebook(source: str | Path, repo: str, branch: str, wheel: str = "") -> Any:
    """The output-free notebook of the MyST chapter ``source``, with the setup cell first
    when ``repo`` is known (the cell installs natgrad_lib from the published ``wheel`` URL
    when one is given, else or as a fallback from the repository)."""
    import jupytext
    from nbformat.v4 import new_code_cell

    nb = jupytext.read(source, fmt="md:myst")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if repo:
        template = SETUP_WHEEL if wheel else SETUP_GIT
        setup = new_code_cell(template.format(repo=repo.rstrip("/"), branch=branch or "main", wheel=wheel))
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
    wheel = wheel_url(repo, app.config.launch_notebooks_pages_branch, library_version(app.srcdir))
    for name in _notebook_pages(app):
        nb = download_notebook(app.env.doc2path(name), repo, branch, wheel)
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
