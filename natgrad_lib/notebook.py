"""Helpers for the chapters as notebooks, wherever they run.

The chapters glue computed numbers into their prose with ``myst_nb.glue``. myst-nb is a
book-build tool, not installed in Colab or a plain Jupyter, so a chapter downloaded as
``.ipynb`` imports :func:`glue` from here instead: the real ``myst_nb.glue`` where myst-nb
is installed (the book build), and otherwise a stand-in that shows the value (unless
``display=False``), so every cell still runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


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
