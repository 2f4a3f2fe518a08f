"""The one way to build the natgrad_lib wheel: ``python tools/wheel.py OUT_DIR``.

``make assignments``/``make site`` (the Makefile's wheel target), the assignments' tests and
tests/test_colab_install.py all build it through :func:`build`. The wheel carries the built
front end of the live explorers (``js/build/natgrad-live.mjs``, written by ``make js``,
copied in as ``natgrad_lib/static/natgrad-live.mjs`` by setup.py), which a git install lacks.

uv (which ``make install`` puts into the venv) builds it in about 2 s: it keeps the isolated
build environment (setuptools) in its cache. Where uv is missing, ``pip wheel`` does the same
build in a new isolated environment (about 7 s on this machine).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build(out: Path, source: Path = REPO) -> subprocess.CompletedProcess:
    """Build the wheel of ``source`` into the folder ``out``; the finished process (check its
    return code; its output says why a build failed)."""
    out.mkdir(parents=True, exist_ok=True)
    uv = Path(sys.executable).with_name("uv")
    uv = str(uv) if uv.exists() else shutil.which("uv")
    if uv is not None:
        cmd = [uv, "build", "-q", "--wheel", "--out-dir", str(out), str(source)]
    else:
        cmd = [sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-q", "--no-deps",
               "-w", str(out), str(source)]
    had_ignore = (out / ".gitignore").exists()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if not had_ignore:  # uv marks its output folder for git; the folder should hold the wheel only
        (out / ".gitignore").unlink(missing_ok=True)
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the wheel into")
    args = parser.parse_args(argv)
    proc = build(args.out)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
