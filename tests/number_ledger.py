"""Find the numbers that a chapter's prose states, and check each has a source.

The rule (what counts as a *numeric claim*)
-------------------------------------------
The prose of a chapter is its markdown outside code cells, plus the captions of
figures (which are written in code-cell metadata but read as prose). In the prose,
after removing

* MyST roles (``{eq}`...```, ``{ref}``, ``{numref}``, ``{cite}``, ``{glue:text}``,
  ``{doc}`` ...), whose contents are labels, references or glued values,
* inline code (```ng.family("poisson")```), which is code, not a claim,
* directive option lines (``:label:``, ``:name:``, ``:class:`` ...) and the
  labels ``(sec-...)=``,
* the version of a licence ("CC BY 4.0"), and
* links' targets,

a numeric claim is

* a decimal literal with digits after the point (``0.443``, ``1.58``),
* a number in scientific notation (``1e-8``, ``10^{-4}``, ``3 \\times 10^{-5}``),
* a percentage (``15 %``, ``42\\%``), or
* any number, integer included, that follows ``≈``, ``\\approx``, ``about`` or
  ``roughly`` (``a factor of about 40``).

Small integers and exact fractions written in formulas (``1/4``, ``2``) are not
claims; they are part of an expression that the chapter checks symbolically.

The source (what makes a claim checked)
---------------------------------------
A value printed by a ``{glue:text}`` role is computed by the chapter and is never
a literal, so it does not appear here. Every literal that remains must be listed
in ``tests/number_ledger.toml`` under its chapter, with one of these sources:

``input: <code>``
    the number is an input of an example (a parameter, a sample size, a step
    length); ``<code>`` is a fragment of a line of a code cell of the chapter that
    sets it, and contains the number.
``assert: <code>``
    the number is a result; ``<code>`` is a fragment of an ``assert`` line of a
    code cell of the chapter that checks it, and contains the number (rounded as
    in the prose: ``round(x, 3) == 0.443`` sources ``0.443``).
``test: tests/<file>.py::<function>``
    the number is checked by that test.

The ledger test checks that every claim is listed, that every listed source
exists (the fragment is in a code cell, in a cell with an ``assert`` for
``assert:``; the test function is defined), and that no entry is stale.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "tests" / "number_ledger.toml"
# The chapters whose prose is held to the ledger (the instructors' page belongs
# to the assignments and quotes their numbers; the references page has none).
CHAPTERS = sorted(p for p in (ROOT / "chapters").glob("0[0-7]*_*.md")) + [
    ROOT / "chapters" / "notation.md",
    ROOT / "intro.md",
]

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\{[^}]*\})?\s*(.*)$")
_ROLE = re.compile(r"\{[a-zA-Z:_-]+\}`[^`]*`")
_INLINE_CODE = re.compile(r"`[^`]*`")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_LICENCE = re.compile(r"(?:Attribution|CC BY(?:-SA)?)\s+\d+\.\d+")
_OPTION = re.compile(r"^\s*:[a-zA-Z_-]+:")
_LABEL_LINE = re.compile(r"^\([A-Za-z0-9_:-]+\)=\s*$")

_NUM = r"\d+(?:[ \u202f\u2009]\d{3})*(?:\.\d+)?"
_POW = r"10\^\{?[-−]?\d+\}?"
_SCI = rf"(?:{_NUM}\s*(?:\\times|\\cdot|×)\s*)?{_POW}|\d+(?:\.\d+)?[eE][-−+]?\d+"
_APPROX = r"(?:≈|\\approx|\babout|\broughly)\s*\$?\s*\\?(?:pm)?\s*[-−]?"
_CLAIM = re.compile(
    "|".join([
        # after "approximately": any number, integers included
        rf"{_APPROX}(?:{_SCI}|{_NUM}\s*\\?%|{_NUM})",
        # a number times a power of ten, 10^{-4}, 1e-8, 3 \times 10^{-5}
        _SCI,
        # a percentage
        rf"{_NUM}\s*\\?%",
        # a decimal
        r"(?<![\w.])\d+\.\d+(?![\w.]*\d)",
    ])
)


@dataclass(frozen=True)
class Claim:
    chapter: str
    line: int
    text: str
    value: str


def normalise(literal: str) -> str:
    """The ledger key of a literal: no spaces, no approx words, ``e`` notation."""
    s = literal.replace("−", "-").replace("\u202f", "").replace("\u2009", "")
    s = re.sub(r"^(≈|\\approx|about|roughly)\s*\$?\s*\\?(pm)?\s*", "", s)
    s = s.replace("\\%", "%").replace(" ", "")
    s = re.sub(r"\\times|\\cdot|×", "*", s)
    s = re.sub(r"10\^\{?(-?\d+)\}?", r"10^\1", s)
    return s


def _captions(meta: object) -> list[str]:
    """Every ``caption`` string in a cell's metadata (``mystnb: figure: caption:`` ...)."""
    if isinstance(meta, dict):
        found = [v for k, v in meta.items() if k == "caption" and isinstance(v, str)]
        return found + [c for k, v in meta.items() if k != "caption" for c in _captions(v)]
    if isinstance(meta, list):
        return [c for v in meta for c in _captions(v)]
    return []


def split_chapter(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The prose lines (with their 1-based numbers) and the code cells of a chapter."""
    lines = text.splitlines()
    prose: list[tuple[int, str]] = []
    cells: list[str] = []
    i = 0
    if lines and lines[0].strip() == "---":   # jupytext header
        i = 1
        while i < len(lines) and lines[i].strip() != "---":
            i += 1
        i += 1
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        if m and m.group(2) and m.group(2).startswith("{code-cell"):
            fence = m.group(1)
            body = []
            i += 1
            if i < len(lines) and lines[i].rstrip() == "---":   # YAML cell metadata (jupytext)
                start = i
                i += 1
                while i < len(lines) and lines[i].rstrip() != "---":
                    i += 1
                meta = yaml.safe_load("\n".join(lines[start + 1:i])) or {}
                for caption in _captions(meta):
                    prose.append((start + 1, caption))
                i += 1
            while i < len(lines) and lines[i].rstrip() != fence:
                caption = re.match(r"^:\s+caption:\s*(.*)$", lines[i])
                if caption:
                    prose.append((i + 1, caption.group(1)))
                if not lines[i].startswith(":"):      # cell options are not code
                    body.append(lines[i])
                i += 1
            cells.append("\n".join(body))
            i += 1
            continue
        if m and m.group(2) and m.group(2).startswith(("{bibliography", "{glue")):
            i += 1
            continue
        if _OPTION.match(line) or _LABEL_LINE.match(line):
            i += 1
            continue
        prose.append((i + 1, line))
        i += 1
    return prose, cells


def claims(path: Path, text: str | None = None) -> list[Claim]:
    """The numeric claims in the prose of one chapter."""
    text = path.read_text(encoding="utf-8") if text is None else text
    prose, _ = split_chapter(text)
    found = []
    for number, line in prose:
        clean = _ROLE.sub(" ", line)
        clean = _INLINE_CODE.sub(" ", clean)
        clean = _LINK_TARGET.sub("]", clean)
        clean = _LICENCE.sub(" ", clean)
        for m in _CLAIM.finditer(clean):
            found.append(Claim(path.stem, number, line.strip(), normalise(m.group(0))))
    return found


def value_of(claim: str) -> float:
    """The number a normalised claim stands for: "3*10^-5" -> 3e-05, "15%" -> 15."""
    s = claim.rstrip("%")
    if "^" in s:
        mantissa, _, power = s.rpartition("10^")
        factor = float(mantissa.rstrip("*")) if mantissa else 1.0
        return factor * 10.0 ** int(power)
    return float(s.replace(" ", ""))


_CODE_NUMBER = re.compile(r"(?<![\w.])\d+(?:_\d{3})*(?:\.\d*)?(?:[eE][-+]?\d+)?|(?<![\w.])\.\d+")


def mentions(fragment: str, claim: str) -> bool:
    """Whether a code fragment contains the claim's number (up to its rounding)."""
    target = abs(value_of(claim))
    digits = claim.rstrip("%").split("*")[0]
    decimals = len(digits.partition(".")[2]) if "." in digits and "^" not in claim else None
    for m in _CODE_NUMBER.finditer(fragment):
        x = float(m.group(0).replace("_", ""))
        for candidate in (x, 100 * x, x / 100):      # 15 % may be written 0.15
            if candidate == target or (decimals is not None
                                       and round(candidate, decimals) == target):
                return True
            if target and abs(candidate - target) <= 1e-12 * target:
                return True
    return False


def load_ledger(path: Path = LEDGER) -> dict[str, dict[str, str]]:
    with path.open("rb") as f:
        return tomllib.load(f)


def problems(path: Path, ledger: dict[str, dict[str, str]],
             text: str | None = None) -> list[str]:
    """Everything wrong with one chapter's numbers; empty when all are sourced."""
    text = path.read_text(encoding="utf-8") if text is None else text
    entries = ledger.get(path.stem, {})
    _, cells = split_chapter(text)
    found = claims(path, text)
    out = []
    for c in found:
        if c.value not in entries:
            out.append(f"{c.chapter}:{c.line}: the number {c.value} has no source "
                       f"(glue it, or list it in {LEDGER.name}): {c.text[:100]}")
    values = {c.value for c in found}
    for value, source in entries.items():
        where = f"{path.stem}: ledger entry {value!r}"
        if value not in values:
            out.append(f"{where} is stale: the chapter no longer states it")
        kind, _, ref = source.partition(":")
        ref = ref.strip()
        if kind in ("input", "assert"):
            lines = [line for cell in cells for line in cell.splitlines() if ref in line]
            if not lines:
                out.append(f"{where}: no line of a code cell contains {ref!r}")
            elif kind == "assert" and not any(re.match(r"\s*assert\b", line)
                                               for line in lines):
                out.append(f"{where}: {ref!r} is not on an assert line")
            if not mentions(ref, value):
                out.append(f"{where}: the fragment {ref!r} does not contain the number")
        elif kind == "test":
            file, _, func = ref.partition("::")
            test = ROOT / file
            if not test.is_file() or not re.search(
                    rf"^\s*def {re.escape(func)}\(", test.read_text(encoding="utf-8"), re.M):
                out.append(f"{where}: no test {ref}")
        else:
            out.append(f"{where}: unknown source kind {kind!r} "
                       "(use input:, assert: or test:)")
    return out
