"""The downloaded .ipynb of every chapter runs in a fresh kernel that has only what its first
cell tells the reader to install (``make test-lab``).

The book's build writes ``<chapter>.ipynb`` with ``_ext/launch_notebooks.download_notebook``
(the Colab button opens it). Its first cell names ``natgrad_lib[plots]``; Colab and every
Jupyter have a kernel (ipykernel, IPython) besides. So the test builds a venv with exactly
ipykernel and ``natgrad_lib[plots]`` (from this checkout, not from the repository the cell
names, which may not be reachable), checks that nothing of the book's toolchain is in it
(no myst-nb, no jupytext), and runs every notebook top to bottom there with nbclient.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from . import labkit

pytestmark = pytest.mark.lab

sys.path.insert(0, str(labkit.ROOT / "_ext"))
from launch_notebooks import SETUP_TAG, download_notebook  # noqa: E402

REPO = "https://github.com/natgrad/natgrad"


@pytest.fixture(scope="module")
def plain_kernel(tmp_path_factory):
    """A venv with ipykernel and natgrad_lib[plots] only, registered as a kernelspec."""
    tmp = tmp_path_factory.mktemp("plain")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "ipykernel", f"{labkit.ROOT}[plots]"], check=True, timeout=900)
    spec = tmp / "jupyter" / "kernels" / "natgrad-plain"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "plain natgrad_lib[plots]", "language": "python"}))
    return py, tmp / "jupyter"


def test_first_cell_says_what_to_install():
    nb = download_notebook(labkit.ROOT / "chapters" / "01_score.md", REPO, "main")
    first = nb.cells[0]
    assert first.cell_type == "code" and first.metadata["tags"] == [SETUP_TAG]
    assert f'pip install "natgrad_lib[plots] @ git+{REPO}@main"' in first.source
    assert "myst" not in first.source
    assert not any("myst_nb" in c.source for c in nb.cells if c.cell_type == "code")


def test_the_plain_venv_has_no_book_toolchain(plain_kernel):
    py, _ = plain_kernel
    probe = ("import importlib.util as u; print([m for m in ('myst_nb', 'jupytext', 'jupyter_book', 'sphinx') "
             "if u.find_spec(m)])")
    out = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", labkit.notebook_chapters())
def test_downloaded_notebook_runs_in_a_plain_kernel(plain_kernel, name, monkeypatch, tmp_path):
    from nbclient import NotebookClient

    _, jupyter_path = plain_kernel
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    for var in ("MPLBACKEND", "NATGRAD_STATIC"):   # as in Colab: the inline backend, live widgets
        monkeypatch.delenv(var, raising=False)
    nb = download_notebook(labkit.ROOT / "chapters" / f"{name}.md", REPO, "main")
    client = NotebookClient(nb, kernel_name="natgrad-plain", timeout=300,
                            resources={"metadata": {"path": str(labkit.ROOT / "chapters")}})
    client.execute()   # raises CellExecutionError on the first error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert nb.cells[0].outputs == [], "natgrad_lib is installed: the setup cell does nothing"
