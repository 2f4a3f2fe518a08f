"""natgrad_lib: the helper library of the natgrad book.

Families are defined once in sympy; score, Hessian, Fisher information and KL
are derived symbolically and compiled to vectorized numpy.  Presentation
modules (plots, animations, explorers, style) load lazily, so importing this
package never imports matplotlib or ipywidgets.

>>> import natgrad_lib as ng
>>> ng.family("bernoulli").fisher([0.2])
array([[6.25]])
"""

import importlib as _importlib
from typing import Any as _Any

from .families import Family, Param, Support
from .registry import families, family

__all__ = [
    "Family", "Param", "Support", "families", "family",
    "verify_identities", "mc_check", "use_style", "glue",
]

_LAZY_MODULES = {"optim", "glm", "datasets", "races", "plots", "jshtml", "animations", "explore", "style",
                 "symbolic", "figdata", "nets", "approx", "live", "jsgen",
                 "montecarlo", "klgeometry", "notebook"}
_LAZY_ATTRS = {
    "verify_identities": "symbolic",
    "mc_check": "montecarlo",
    "use_style": "style",
    "glue": "notebook",
}


def __getattr__(name: str) -> _Any:
    module = name if name in _LAZY_MODULES else _LAZY_ATTRS.get(name)
    if module is None:
        raise AttributeError(f"module 'natgrad_lib' has no attribute {name!r}")
    try:
        loaded = _importlib.import_module(f".{module}", __name__)
    except ModuleNotFoundError as err:
        from ._extras import PLOTS_MODULES, missing_extra

        if err.name in PLOTS_MODULES:   # a library-only install: name the extra to add
            raise missing_extra(f"natgrad_lib.{name}", err) from err
        raise
    return loaded if name in _LAZY_MODULES else getattr(loaded, name)


def __dir__() -> list[str]:
    return sorted(set(__all__) | _LAZY_MODULES)
