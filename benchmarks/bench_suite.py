"""Test suite benchmark: `.ci/run` end to end and `make test-fast`, from a clean clone.

Run by ``make bench`` (or ``python benchmarks/bench_suite.py [--before REV] [--skip-ci]``).
Prints a table and never asserts on time.

* ``.ci/run``: the committed HEAD cloned into a temporary folder, then ``bash .ci/run`` with
  ``CI=true``, as CI runs it: a new .venv (from the warm package cache), the book built from
  an empty execution cache, every test;
* ``make test-fast``: afterwards in the same clone (the library's unit tests and doctests);
* ``--before REV`` (or ``BENCH_BEFORE=REV``): the same for the commit REV, side by side, its
  unit tests run as ``pytest -m "not book and not assignments" tests natgrad_lib`` (REV may
  have no test-fast target). Without it the table quotes the figures issue #15 measured.

Both take minutes (``--skip-ci`` leaves out the ``.ci/run`` rows). Other work on the machine
slows every figure; compare figures measured side by side.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tools.report import print_table  # noqa: E402

GOALS = {"ci": 240.0, "fast": 60.0}  # issue #15: .ci/run < 4 min, make test-fast < 60 s
# Issue #15's measurements before the change (same machine, clean clone, warm package cache).
ISSUE_BEFORE = {"ci": 442.0}
SUMMARY = re.compile(r"^=+ (.*(?:passed|failed|error).*) in [0-9.]+s", re.M)


def _clone(rev: str, dest: Path) -> None:
    subprocess.run(["git", "clone", "-q", str(REPO), str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", rev], check=True)


def _timed(cmd: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    start = time.perf_counter()
    with log.open("w") as out:
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, check=False).returncode
    seconds = time.perf_counter() - start
    found = SUMMARY.findall(log.read_text(errors="replace"))
    return seconds, rc, found[-1] if found else "no pytest summary"


def _fmt(seconds: float, rc: int, summary: str, goal: float | None = None) -> str:
    text = f"{seconds:7.1f} s ({int(seconds) // 60}m{int(seconds) % 60:02d}s)  exit {rc}: {summary}"
    if goal is not None:
        text += f"  goal < {goal:.0f} s: " + ("met" if seconds < goal else "NOT met")
    return text


def measure(rev: str, tmp: Path, *, skip_ci: bool, new_targets: bool) -> dict[str, tuple[float, int, str]]:
    clone = tmp / rev.replace("/", "_")
    _clone(rev, clone)
    env = dict(os.environ, CI="true")
    env.pop("MPLBACKEND", None)
    env.pop("VIRTUAL_ENV", None)
    out: dict[str, tuple[float, int, str]] = {}
    if not skip_ci:
        out["ci"] = _timed(["bash", ".ci/run"], clone, tmp / f"{clone.name}-ci.log", env)
    else:
        subprocess.run(["make", "-s", "install"], cwd=clone, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    if new_targets:
        out["fast"] = _timed(["make", "test-fast"], clone, tmp / f"{clone.name}-fast.log", env)
    else:
        cmd = [str(clone / ".venv/bin/python"), "-m", "pytest", "-m", "not book and not assignments",
               "tests", "natgrad_lib"]
        out["fast"] = _timed(cmd, clone, tmp / f"{clone.name}-fast.log", dict(env, MPLBACKEND="Agg"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=os.environ.get("BENCH_BEFORE"), help="a commit to measure side by side")
    ap.add_argument("--skip-ci", action="store_true", help="leave out .ci/run (minutes); time make test-fast only")
    args = ap.parse_args(argv)

    rows: list[tuple[str, str]] = []
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (2 cores)", flush=True)
    with tempfile.TemporaryDirectory(prefix="natgrad-bench-suite-") as tmp:
        if args.before:
            before = measure(args.before, Path(tmp), skip_ci=args.skip_ci, new_targets=False)
        after = measure("HEAD", Path(tmp), skip_ci=args.skip_ci, new_targets=True)
        if "ci" in after:
            if args.before:
                rows.append((f".ci/run BEFORE ({args.before})", _fmt(*before["ci"])))
            else:
                rows.append((".ci/run before (issue #15's figure)", f"{ISSUE_BEFORE['ci']:7.1f} s (7m22s)"))
            rows.append((".ci/run (HEAD)", _fmt(*after["ci"], GOALS["ci"])))
            ref = before["ci"][0] if args.before else ISSUE_BEFORE["ci"]
            rows.append(("  .ci/run: after / before", f"{after['ci'][0] / ref:7.2f}"))
        if args.before:
            rows.append(("unit tests + doctests BEFORE (serial pytest)", _fmt(*before["fast"])))
        rows.append(("make test-fast (HEAD)", _fmt(*after["fast"], GOALS["fast"])))
        if args.before:
            rows.append(("  test-fast: after / before", f"{after['fast'][0] / before['fast'][0]:7.2f}"))

    print_table(rows, 40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
