"""natgrad_lib: the helper library of the natgrad book.

Families are defined once in sympy; score, Hessian, Fisher information and KL
are derived symbolically and compiled to vectorized numpy.  Presentation
modules (plots, animations, explorers, style) load lazily, so importing this
package never imports matplotlib or ipywidgets.

>>> import natgrad_lib as ng
>>> ng.family("bernoulli").fisher([0.2])
array([[6.25]])
"""

from __future__ import annotations

import importlib
from typing import Any

from .families import Family, Param, Support
from .registry import families, family

__all__ = [
    "Family", "Param", "Support", "families", "family",
    "verify_identities", "mc_check", "use_style",
]

_LAZY_MODULES = {"optim", "glm", "paths", "plots", "animate", "animations", "explore", "style", "symbolic",
                 "montecarlo", "klgeometry"}
_LAZY_ATTRS = {
    "verify_identities": "symbolic",
    "mc_check": "montecarlo",
    "use_style": "style",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_ATTRS:
        return getattr(importlib.import_module(f".{_LAZY_ATTRS[name]}", __name__), name)
    raise AttributeError(f"module 'natgrad_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_ATTRS))
