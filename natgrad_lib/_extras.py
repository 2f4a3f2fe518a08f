"""Clear errors for library-only installs: which extra provides what is missing.

``pip install natgrad_lib`` gives the numerical layers (families, Monte Carlo, optimisers,
GLMs) with numpy, sympy and scipy only. Plots, animations, explorers and the style need
the ``plots`` extra (matplotlib, ipywidgets). Without it, using them raises an
ImportError that says so, instead of a bare ``No module named 'matplotlib'``.
"""

from __future__ import annotations

import importlib.util

#: The install command that provides the presentation layer.
PLOTS_INSTALL = 'pip install "natgrad_lib[plots]"'
#: Modules of the ``plots`` extra (and what they bring: Pillow comes with matplotlib).
PLOTS_MODULES = ("matplotlib", "ipywidgets", "PIL")


def missing_extra(feature: str, error: ModuleNotFoundError) -> ImportError:
    """The ImportError to raise (``from error``) when ``feature`` lacks a module of the
    ``plots`` extra.

    >>> err = missing_extra("natgrad_lib.plots", ModuleNotFoundError("No module named 'matplotlib'",
    ...                                                             name="matplotlib"))
    >>> print(err)
    natgrad_lib.plots needs matplotlib, which is not installed. It comes with the plots extra: pip install "natgrad_lib[plots]"
    """
    module = error.name or "a plotting package"
    err = ImportError(f"{feature} needs {module}, which is not installed. "
                      f"It comes with the plots extra: {PLOTS_INSTALL}", name=module)
    return err


def require_plots(feature: str) -> None:
    """Raise :func:`missing_extra`'s ImportError if matplotlib is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        raise missing_extra(feature, ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib"))
