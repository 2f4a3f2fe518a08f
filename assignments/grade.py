"""Grade submitted assignment notebooks with ``otter run`` and write one CSV of scores.

Usage (``make grade SUBMISSIONS=dir`` runs this)::

    python assignments/grade.py SUBMISSIONS [--dist dist] [--out dist/grades.csv] [--jobs N]

Every ``*.ipynb`` under SUBMISSIONS (searched recursively) is graded by ``otter run``
against the autograder zip that ``make assignments`` wrote to
``DIST/<assignment>/autograder/``. Each notebook is matched to its assignment by the name
otter stored in its metadata (``metadata.otter.assignment_name``), so file names and the
folder layout do not matter. ``otter run`` executes the notebook in a local Jupyter kernel
of this Python environment: no Docker and no hosted service.

The CSV has one row per question and submission. Its columns are:

- ``assignment``, ``file`` (the path relative to SUBMISSIONS) and ``question``;
- ``score`` and ``possible``. For written questions (``graded_by`` = ``hand``), ``score`` is
  left empty for the grader to fill in from the rubric;
- ``total``, the autograded points of the submission;
- ``graded_by``: ``autograder``, ``hand`` or ``error``. An ``error`` row means the notebook
  could not be graded, and the message is printed. The script then exits with status 1,
  after writing every other row.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

MASTERS = Path(__file__).resolve().parent
FIELDS = ("assignment", "file", "question", "score", "possible", "total", "graded_by")
TIMEOUT_S = 600  # per submission: a notebook stuck in an infinite loop must not hang grading


def manual_questions(master: Path) -> list[tuple[str, float]]:
    """(name, points) of the hand-graded questions of an otter-assign master notebook."""
    found = []
    for cell in json.loads(master.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "raw" and source.lstrip().upper().startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(source) or {}
            if config.get("manual"):
                found.append((config["name"], config["points"]))
    return found


def assignment_name(notebook: Path) -> str | None:
    """The assignment name that otter assign stored in a student notebook, if any."""
    try:
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return meta.get("otter", {}).get("assignment_name")


def autograder_zip(dist: Path, name: str) -> Path:
    zips = sorted((dist / name / "autograder").glob(f"{name}-autograder_*.zip"))
    if not zips:
        raise FileNotFoundError(f"no autograder zip in {dist / name / 'autograder'}: "
                                "run `make assignments` first")
    return zips[-1]  # the names end in a timestamp: the last one is the newest


def otter_run(notebook: Path, autograder: Path) -> dict:
    """Grade one notebook with ``otter run``; return its results.json as a dict."""
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder),
             "-o", out, str(notebook)],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        results = Path(out) / "results.json"
        if proc.returncode != 0 or not results.exists():
            raise RuntimeError(f"otter run exited with status {proc.returncode}:\n"
                               f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        return json.loads(results.read_text(encoding="utf-8"))


def grade(notebook: Path, submissions: Path, dist: Path) -> list[dict]:
    """The CSV rows of one submission."""
    file = notebook.relative_to(submissions).as_posix()
    name = assignment_name(notebook)
    try:
        master = MASTERS / f"{name}.ipynb"
        if name is None or not master.exists():
            raise ValueError(f"no otter assignment name in the notebook metadata (got {name!r}); "
                             "was it made from a student notebook of `make assignments`?")
        results = otter_run(notebook, autograder_zip(dist, name))
        tests = [t for t in results["tests"] if "max_score" in t]
        failures = [t for t in results["tests"]
                    if "max_score" not in t and t["name"] != "Public Tests"]
        if failures or not tests:
            raise RuntimeError("; ".join(t.get("output", t["name"]) for t in failures)
                               or "otter reported no autograded questions")
    except (OSError, ValueError, RuntimeError, subprocess.TimeoutExpired) as err:
        print(f"ERROR {file}: {err}", file=sys.stderr)
        return [dict(assignment=name or "", file=file, question="", score=0, possible="",
                     total=0, graded_by="error")]
    total = sum(t["score"] for t in tests)
    rows = [dict(assignment=name, file=file, question=t["name"], score=t["score"],
                 possible=t["max_score"], total=total, graded_by="autograder") for t in tests]
    rows += [dict(assignment=name, file=file, question=q, score="", possible=points,
                  total=total, graded_by="hand") for q, points in manual_questions(master)]
    return sorted(rows, key=lambda r: r["question"])


def _fmt(value):
    return f"{value:g}" if isinstance(value, (int, float)) else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of submitted .ipynb files")
    parser.add_argument("--dist", type=Path, default=Path("dist"),
                        help="output folder of `make assignments` (default: dist)")
    parser.add_argument("--out", type=Path, default=Path("dist/grades.csv"),
                        help="CSV to write (default: dist/grades.csv)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded in parallel (default: number of CPUs)")
    args = parser.parse_args(argv)

    submissions = args.submissions.resolve()
    if not submissions.is_dir():
        parser.error(f"SUBMISSIONS must be a folder, got {args.submissions}")
    notebooks = sorted(p for p in submissions.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        parser.error(f"no .ipynb files under {args.submissions}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        graded = list(pool.map(lambda nb: grade(nb, submissions, args.dist.resolve()), notebooks))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for rows in graded:
            writer.writerows({k: _fmt(v) for k, v in row.items()} for row in rows)

    errors = 0
    for rows in graded:
        auto = [r for r in rows if r["graded_by"] == "autograder"]
        hand = sum(r["possible"] for r in rows if r["graded_by"] == "hand")
        if auto:
            possible = sum(r["possible"] for r in auto)
            print(f"{rows[0]['assignment']:<24} {rows[0]['file']:<40} "
                  f"{_fmt(rows[0]['total']):>5} / {_fmt(possible)} autograded, "
                  f"+ {_fmt(hand)} by hand")
        else:
            errors += 1
    print(f"wrote {args.out} ({len(notebooks)} submissions, {errors} not graded)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
