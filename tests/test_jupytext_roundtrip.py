"""Every chapter notebook survives a jupytext round trip byte for byte.

JupyterLab opens a chapter's ``.md`` as a notebook through jupytext, and saves it (Ctrl+S,
or autosave) by writing the notebook back with the repository's ``jupytext.toml``. If the
written text differed from the file, a student who only ran the cells would find the
source rewritten. This test does what the save does: read with the configuration of the
chapter's folder, write with it, compare bytes. A failure is fixed by writing the chapter
the way jupytext does (``.venv/bin/jupytext --to md:myst chapters/<name>.md``), which puts
nested cell metadata, such as ``mystnb: figure: caption``, in a ``---`` YAML block.
"""

from __future__ import annotations

from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
from jupytext.config import load_jupytext_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _notebook_chapters() -> list[Path]:
    """The MyST notebooks of the book: markdown files whose front matter has a kernelspec."""
    found = []
    for path in sorted((ROOT / "chapters").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n") and "\nkernelspec:" in text.split("\n---\n", 1)[0]:
            found.append(path)
    return found


CHAPTERS = _notebook_chapters()


def test_the_repository_configures_jupytext():
    config = load_jupytext_config(str(ROOT / "chapters"))
    assert config is not None, "jupytext.toml missing at the repository root"
    assert "-jupytext.text_representation.jupytext_version" in config.notebook_metadata_filter


def test_every_notebook_chapter_is_found():
    names = {p.stem for p in CHAPTERS}
    assert {"00_kl_divergence", "01_score", "05_natural_gradient", "07_beyond"} <= names


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_round_trip_is_byte_identical(path: Path):
    config = load_jupytext_config(str(path.parent))
    original = path.read_text(encoding="utf-8")
    nb = jupytext.reads(original, fmt="md:myst", config=config)
    # What a run in JupyterLab adds before the save: outputs and execution counts (not
    # stored in the .md) must not change the text either.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [{"output_type": "stream", "name": "stdout", "text": "run\n"}]
    written = jupytext.writes(nb, fmt="md:myst", config=config)
    if written != original:
        import difflib

        diff = "".join(list(difflib.unified_diff(original.splitlines(True), written.splitlines(True),
                                                 "file", "jupytext", n=1))[:40])
        pytest.fail(f"{path.name} changes when jupytext writes it back:\n{diff}")
