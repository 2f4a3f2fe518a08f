"""Helpers for the chapters as notebooks, wherever they run.

* :func:`table` -- a Markdown table rendered from data (rows of values, a header, a format
  per column), displayed by IPython; :func:`markdown_table` gives its text.
* :func:`glue` -- numbers glued into the prose.

The chapters glue computed numbers into their prose with ``myst_nb.glue``. myst-nb is a
book-build tool, not installed in Colab or a plain Jupyter, so a chapter downloaded as
``.ipynb`` imports :func:`glue` from here instead: the real ``myst_nb.glue`` where myst-nb
is installed (the book build), and otherwise a stand-in that shows the value (unless
``display=False``), so every cell still runs.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence, Union

__all__ = ["glue", "table", "markdown_table"]

#: How to format one column: a format spec (``".4f"``, ``"+.2f"``), a callable, or None (``str``).
Format = Union[str, Callable[[Any], str], None]
_ALIGN = {"l": ":---", "r": "---:", "c": ":---:", "-": "---"}


def _formatter(fmt: Format) -> Callable[[Any], str]:
    if fmt is None:
        return str
    if callable(fmt):
        return fmt
    if isinstance(fmt, str):
        return lambda v: v if isinstance(v, str) else format(v, fmt)
    raise TypeError(f"fmt must be a format spec, a callable or None, got {fmt!r}")


def markdown_table(rows: Sequence[Sequence[Any]], header: Sequence[str], *,
                   fmt: Format | Sequence[Format] | Mapping[int, Format] = None,
                   align: str | None = None) -> str:
    r"""The text of a Markdown table: one line per row of ``rows`` under ``header``.

    Parameters
    ----------
    rows : sequence of sequences
        The cells, one sequence per row, as many as ``header`` has columns.
    header : sequence of str
        The column titles (Markdown, so ``$	heta$`` is math).
    fmt : format, sequence of formats, or mapping of column index to format
        How each cell is written. A format is a spec for :func:`format` (``".4f"``), a
        callable returning the text, or None (``str``). A string cell is never formatted
        with a spec. One format applies to every column; a sequence gives one per column;
        a mapping gives some columns theirs, the others ``str``.
    align : str, optional
        One letter per column: ``l``, ``r``, ``c``, or ``-`` (the renderer's default).

    Examples
    --------
    >>> print(markdown_table([["a", 1.23456, 2], ["b", 2.0, -1]], ["name", "value", "z"],
    ...                      fmt={1: ".2f", 2: "+d"}, align="lrr"))
    | name | value | z |
    |:---|---:|---:|
    | a | 1.23 | +2 |
    | b | 2.00 | -1 |
    >>> markdown_table([[1]], ["x", "y"])
    Traceback (most recent call last):
    ...
    ValueError: rows[0] must have 2 cells (one per column of header), got 1
    """
    k = len(header)
    if k == 0:
        raise ValueError("header must name at least one column, got none")
    if isinstance(fmt, Mapping):
        fmts = [_formatter(fmt.get(j)) for j in range(k)]
    elif isinstance(fmt, (list, tuple)):
        if len(fmt) != k:
            raise ValueError(f"fmt must give one format per column ({k}), got {len(fmt)}")
        fmts = [_formatter(f) for f in fmt]
    else:
        fmts = [_formatter(fmt)] * k
    if align is not None and (len(align) != k or set(align) - set(_ALIGN)):
        raise ValueError(f"align must be {k} letters among 'l', 'r', 'c', '-', got {align!r}")
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(_ALIGN[a] for a in (align or "-" * k)) + "|"]
    for i, row in enumerate(rows):
        cells = list(row)
        if len(cells) != k:
            raise ValueError(f"rows[{i}] must have {k} cells (one per column of header), got {len(cells)}")
        lines.append("| " + " | ".join(f(v) for f, v in zip(fmts, cells)) + " |")
    return "\n".join(lines)


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], *,
          fmt: Format | Sequence[Format] | Mapping[int, Format] = None, align: str | None = None) -> Any:
    """:func:`markdown_table` as an ``IPython.display.Markdown`` object: a notebook cell that
    ends with it shows the table (the book renders it as a Markdown table).

    Examples
    --------
    >>> print(table([[1, 0.5]], ["n", "p"], fmt=[None, ".1%"]).data)
    | n | p |
    |---|---|
    | 1 | 50.0% |
    """
    from IPython.display import Markdown

    return Markdown(markdown_table(rows, header, fmt=fmt, align=align))


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Glue ``variable`` under ``name`` for the book, or show it where there is no book.

    With myst-nb installed this is ``myst_nb.glue(name, variable, display)``: the book
    build stores the value in the cell's outputs and the prose shows it where it says
    ``{glue:text}`name```. Without myst-nb (Colab, a plain Jupyter, JupyterLab) there is no
    prose to fill in: the value is shown with IPython's ``display`` if ``display`` is true,
    and nothing happens otherwise.

    Parameters
    ----------
    name : str
        The key the prose refers to.
    variable : object
        The value (a number, a figure, any object with a rich representation).
    display : bool
        Whether to show the value in the cell's output as well.

    Examples
    --------
    >>> glue("answer", 42, display=False)
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ModuleNotFoundError:
        myst_glue = None
    if myst_glue is not None:
        myst_glue(name, variable, display=display)
    elif display:
        from IPython.display import display as show

        show(variable)
