"""The notation page and the chapters agree.

* every Greek letter and every decorated symbol (hat, bar, tilde) that the prose of a
  chapter uses is listed on the notation page;
* every symbol in the first column of the page occurs in the chapter that the page
  says it first appears in;
* a symbol that the book gives one meaning does not come back with another
  (the patterns below are the second meanings that an independent read found).
"""

from __future__ import annotations

import re

import number_ledger as nl
import pytest

NOTATION = nl.ROOT / "chapters" / "notation.md"
CHAPTERS = [p for p in nl.CHAPTERS if p.parent.name == "chapters" and p.stem[:2].isdigit()]
LABELS = {}                               # chapter label (ch-kl) -> path
for _path in CHAPTERS:
    _m = re.search(r"^\((ch-[a-z-]+)\)=", _path.read_text(encoding="utf-8"), re.M)
    LABELS[_m.group(1)] = _path

_GREEK = (r"\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|"
          r"lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|"
          r"Theta|Lambda|Xi|Pi|Sigma|Phi|Psi|Omega)(?![a-zA-Z])")
_DECORATED = r"\\(hat|bar|tilde)\s*\{?\s*(\\?[A-Za-z]+)\}?"


def symbols(text: str) -> set[str]:
    """The Greek letters and decorated symbols in a piece of LaTeX-bearing text."""
    found = {m.group(1) for m in re.finditer(_GREEK, text)}
    found |= {f"{m.group(1)} {m.group(2).lstrip(chr(92))}"
              for m in re.finditer(_DECORATED, text)}
    return found


def prose(path) -> str:
    text = nl._ROLE.sub(" ", "\n".join(line for _, line in
                                       nl.split_chapter(path.read_text(encoding="utf-8"))[0]))
    return text


def rows():
    """(symbol column, chapter label) for every table row of the notation page."""
    for line in NOTATION.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 3 and cells[0] not in ("Symbol", "---"):
            label = re.search(r"<?(ch-[a-z-]+)>?`\s*$", cells[2])
            yield cells[0], label.group(1) if label else None


def test_every_row_names_the_chapter_it_first_appears_in():
    bad = []
    for symbol, label in rows():
        if label not in LABELS:
            bad.append(f"{symbol}: no chapter reference ({label})")
            continue
        missing = symbols(symbol) - symbols(prose(LABELS[label]))
        if missing:
            bad.append(f"{symbol}: {sorted(missing)} not in {LABELS[label].name}")
    assert bad == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_symbol_of_the_chapter_is_on_the_notation_page(chapter):
    listed = symbols(NOTATION.read_text(encoding="utf-8"))
    assert sorted(symbols(prose(chapter)) - listed) == []


SECOND_MEANINGS = {
    r"A\(\\eta": "the log-partition function is a(eta)",
    r"J_n\(": "J is the Jacobian; the observed information is I^obs_n",
    r"\\mathcal Y": "the support is S",
    r"\bb\(y": "the base measure is h(y)",
    r"(?<![A-Za-z\\])T\\alpha": "T is the sufficient statistic; steps are t",
    r"\\psi\(\\eta|\\psi\(\\theta|\\psi\s*=\s*L": "psi is the digamma function",
    r"\(uses conditions|[Cc]ondition [1-4]\b": "cite the regularity conditions as (R1)-(R4)",
    r"\\log 2 \+ 1/4": "the Gaussian example is log 2 - 1/4",
    r"(?<![A-Za-z\\_{])J\((?:\\theta|p,)": "the Jeffreys divergence is D_J; J is the Jacobian",
}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_symbol_comes_back_with_a_second_meaning(chapter):
    text = prose(chapter)
    found = [f"{why}: {m.group(0)!r}" for pattern, why in SECOND_MEANINGS.items()
             for m in re.finditer(pattern, text)]
    assert found == []


def test_the_regularity_conditions_are_stated_once():
    statements = [p.name for p in CHAPTERS
                  if re.search(r"\*\*\(R1\)", p.read_text(encoding="utf-8"))]
    assert statements == ["01_score.md"]
    text = NOTATION.read_text(encoding="utf-8")
    assert "(R1)–(R4)" in text and "(R2′), (R3′)" in text
