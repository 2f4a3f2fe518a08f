"""`make grade` on 30 submissions (10 per assignment: reference answers and the blank notebook).

Goal: under 3 minutes on 2 cores, with a progress bar. Needs `make assignments` (run first if
dist/ has no autograder zips). Prints the wall time, the time per submission, and the ratio to
the 180 s budget.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist"
STEMS = ["a1_score_fisher", "a2_kl_natural_gradient", "a3_newton_glm"]
BUDGET_S = 180.0


def main() -> int:
    if not all(list((DIST / s / "autograder").glob("*.zip")) for s in STEMS):
        subprocess.run(["make", "-C", str(REPO), "assignments"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        subs, out = Path(tmp) / "subs", Path(tmp) / "out"
        subs.mkdir()
        for i in range(30):
            stem = STEMS[i % 3]
            kind = "autograder" if i % 2 == 0 else "student"
            nb = json.loads((DIST / stem / kind / f"{stem}.ipynb").read_text(encoding="utf-8"))
            (subs / f"student{i:02d}").mkdir()
            (subs / f"student{i:02d}" / f"{stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(REPO / "assignments" / "grade.py"), str(subs),
                               "--dist", str(DIST), "--out", str(out / "grades.csv"),
                               "--feedback", str(out / "feedback"), "--jobs", "2"],
                              stderr=subprocess.PIPE, text=True, check=False)
        elapsed = time.perf_counter() - start
    bar = "progress bar shown" if "grading [" in proc.stderr and "30/30" in proc.stderr else "NO progress bar"
    print(f"make grade, 30 submissions, 2 jobs: {elapsed:.1f} s ({elapsed / 30:.2f} s per submission), "
          f"{elapsed / BUDGET_S:.2f} x the 180 s budget; {bar}; exit status {proc.returncode}")
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
