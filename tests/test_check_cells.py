"""A cell that checks something asserts it (STYLE.md, "Claims").

A code cell of a chapter that prints a comparison (a difference, an error, a gap, a
residual, "library minus typeset", "holds", an exact or predicted value) is a check,
and a check that only prints fails nobody. Every such cell must contain an assert.
"""

from __future__ import annotations

import re

import number_ledger as nl
import pytest

_COMPARISON = re.compile(
    r"print\([^\n]*(diff|err|gap|residual|minus|holds|exact|predicted|formula|library"
    r"|by hand|check)", re.IGNORECASE)
_ASSERT = re.compile(r"^\s*assert\b", re.MULTILINE)


def unchecked_cells(text: str) -> list[str]:
    """The first print line of every cell that prints a comparison and asserts nothing."""
    _, cells = nl.split_chapter(text)
    return [next(line.strip() for line in cell.splitlines() if "print" in line)
            for cell in cells if _COMPARISON.search(cell) and not _ASSERT.search(cell)]


@pytest.mark.parametrize("chapter", nl.CHAPTERS, ids=lambda p: p.stem)
def test_every_check_cell_asserts(chapter):
    assert unchecked_cells(chapter.read_text(encoding="utf-8")) == []


def test_a_cell_that_only_prints_a_difference_is_caught():
    text = ("# t\n\n```{code-cell} ipython3\nx = 1.0\n"
            "print('library minus typeset:', x - 1.0)\n```\n")
    assert unchecked_cells(text) == ["print('library minus typeset:', x - 1.0)"]
    assert unchecked_cells(text.replace("print(", "assert x - 1.0 == 0\nprint(")) == []
