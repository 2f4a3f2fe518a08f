"""The layers of ARCHITECTURE.md: families, symbolic work and numerics never import the
presentation stack (matplotlib, ipywidgets, IPython), so they load in a bare Python."""

from __future__ import annotations

import subprocess
import sys

import pytest

NUMERIC_MODULES = ["families", "registry", "symbolic", "montecarlo", "optim", "glm", "paths", "klgeometry"]


@pytest.mark.parametrize("module", NUMERIC_MODULES)
def test_numeric_layers_do_not_import_presentation(module):
    code = (
        "import sys, importlib\n"
        f"importlib.import_module('natgrad_lib.{module}')\n"
        "bad = sorted(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"natgrad_lib.{module} imports {out.stdout.strip()}"


def test_importing_the_package_is_light():
    code = ("import sys, natgrad_lib as ng\n"
            "print(','.join(sorted(m for m in ('matplotlib', 'ipywidgets', 'sympy') if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "matplotlib" not in out.stdout and "ipywidgets" not in out.stdout
