"""Every number that a chapter's prose states is glued or has a source in the ledger.

The rule for what counts as a number, and for what counts as a source, is in
``tests/number_ledger.py``; the sources are listed in ``tests/number_ledger.toml``.
"""

from __future__ import annotations

import number_ledger as nl
import pytest

LEDGER = nl.load_ledger()


@pytest.mark.parametrize("chapter", nl.CHAPTERS, ids=lambda p: p.stem)
def test_every_number_in_the_prose_has_a_source(chapter):
    assert nl.problems(chapter, LEDGER) == []


def test_the_ledger_names_only_chapters_that_exist():
    assert set(LEDGER) <= {p.stem for p in nl.CHAPTERS}


def test_a_number_typed_into_the_prose_fails():
    """A deliberately broken copy of a chapter: one sentence with an unsourced number."""
    chapter = nl.ROOT / "chapters" / "00_kl_divergence.md"
    text = chapter.read_text(encoding="utf-8")
    assert nl.problems(chapter, LEDGER, text) == []
    broken = text.replace("## Two closed forms",
                          "The divergence is about 0.731 nats here.\n\n## Two closed forms")
    found = nl.problems(chapter, LEDGER, broken)
    assert len(found) == 1 and "0.731 has no source" in found[0]


def test_a_changed_number_fails_twice():
    """Editing a sourced number (log 2 + 1/4 = 0.943) leaves it unsourced and the entry stale."""
    chapter = nl.ROOT / "chapters" / "00_kl_divergence.md"
    broken = chapter.read_text(encoding="utf-8").replace(
        r"\log 2 - 1/4 \approx 0.443", r"\log 2 + 1/4 \approx 0.943")
    found = "\n".join(nl.problems(chapter, LEDGER, broken))
    assert "0.943 has no source" in found and "'0.443' is stale" in found


def test_an_assert_source_must_be_an_assert_that_contains_the_number():
    chapter = nl.ROOT / "chapters" / "00_kl_divergence.md"
    text = chapter.read_text(encoding="utf-8")
    ledger = {**LEDGER, chapter.stem: dict(LEDGER[chapter.stem])}
    ledger[chapter.stem]["0.443"] = "assert: eps = 0.25"          # not an assert line
    assert any("not on an assert line" in p for p in nl.problems(chapter, ledger, text))
    ledger[chapter.stem]["0.443"] = "assert: assert round(kl_normal_cauchy, 3)"
    assert any("does not contain the number" in p for p in nl.problems(chapter, ledger, text))
    ledger[chapter.stem]["0.443"] = "test: tests/test_number_ledger.py::no_such_test"
    assert any("no test" in p for p in nl.problems(chapter, ledger, text))


@pytest.mark.parametrize("text, expected", [
    ("It is $\\log 2 - 1/4 \\approx 0.443$ nats.", ["0.443"]),
    ("off by 15 % at $c = 10^{-4}$, or $3\\times 10^{-5}$", ["15%", "10^-4", "3*10^-5"]),
    ("a factor of about 40, and 42\\% of it", ["40", "42%"]),
    ("See {eq}`eq-kl-3` and {numref}`fig-2`, `lr=0.5`, {glue:text}`x:.3f`.", []),
    ("With $n = 20$ observations and 2 parameters.", []),
])
def test_what_counts_as_a_number(text, expected, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(text + "\n\n```{code-cell} ipython3\nx = 0.999\n```\n", encoding="utf-8")
    assert [c.value for c in nl.claims(page)] == expected
