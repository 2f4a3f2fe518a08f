"""The classroom assignments in assignments/: generation, grading, and what students get.

Each master notebook is put through ``otter assign`` once per session, into a temporary
folder. otter assign also grades the reference solutions and exits non-zero unless they get
full marks. For each assignment, three submissions are then graded together by
``assignments/grade.py``, the script behind ``make grade``, which calls ``otter run`` with
no Docker:

- the reference solution notebook (``autograder/<a>.ipynb``), which must get full marks;
- the student notebook as handed out, which must score 0 on every code question;
- the student notebook with every answer cell filled in from the reference solution and a
  few deliberate mistakes (``WRONG``), which must lose exactly the points of the tests that
  those mistakes break.

Every otter run starts a Jupyter kernel, so the module takes about a minute on 2 cores.
Deselect it with ``pytest -m "not assignments"``.
"""

from __future__ import annotations

import ast
import concurrent.futures
import copy
import csv
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import yaml

import natgrad_lib as ng

pytestmark = pytest.mark.assignments

REPO = Path(__file__).resolve().parents[1]
MASTERS = {p.stem: p for p in sorted((REPO / "assignments").glob("*.ipynb"))}
TIMEOUT_S = 900

# Deliberate mistakes. Each (old, new) pair replaces a line of the reference solution in the
# filled-in student notebook. "lost" gives the points each question must lose, worked out by
# hand from which tests each mistake breaks.
WRONG = {
    "a1_score_fisher": {
        "edits": [
            # grad p in place of grad log p. The shape test still passes; the mean-zero test
            # (1 point) and the hidden value test (2 points) fail.
            ("    return np.stack([z / sigma, (z**2 - 1) / sigma], axis=-1)",
             "    p = np.exp(-z**2 / 2) / (y * sigma * np.sqrt(2 * np.pi))\n"
             "    return p[..., None] * np.stack([z / sigma, (z**2 - 1) / sigma], axis=-1)"),
            # A Fisher information off by a factor of 2. It is still symmetric positive
            # definite; the Monte Carlo test and the hidden value test fail.
            ("    return F", "    return 2 * F"),
        ],
        "lost": {"q2_lognormal_score": 3, "q6_lognormal_fisher": 2},
    },
    "a2_kl_natural_gradient": {
        "edits": [
            # The plain gradient in place of the natural gradient: both tests fail.
            ("    return np.linalg.solve(np.asarray(fisher, dtype=float), np.asarray(grad, dtype=float))",
             "    return np.asarray(grad, dtype=float)"),
            # The factor 2 dropped from the KL budget. The step keeps its direction (and is 0
            # for a zero gradient), but misses the budget and the library's step.
            ("np.sqrt(2 * c / q)", "np.sqrt(c / q)"),
        ],
        "lost": {"q4_natural_direction": 2, "q5_natural_step_kl": 2},
    },
    "a3_newton_glm": {
        "edits": [
            # The sign slip: beta - I^{-1} grad goes downhill. Every Newton-step test fails,
            # and so does every fit test, because the fit calls newton_step.
            ("    return beta + np.linalg.solve(", "    return beta - np.linalg.solve("),
        ],
        "lost": {"q3_newton_step": 3, "q4_fit": 3},
    },
}


# --------------------------------------------------------------------------- notebooks


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


@dataclass
class Master:
    """What a master notebook holds, parsed the way otter assign reads it."""

    name: str                         # from the ASSIGNMENT CONFIG cell
    manual: dict[str, float]          # hand-graded question -> points
    autograded: list[str]             # questions with tests
    solution_lines: set[str]          # every non-trivial line of every solution block
    hidden_lines: dict[str, set[str]]  # hidden test function -> its lines, as otter writes them
    visible_text: str                 # everything a student is meant to see


def _nontrivial(line: str) -> bool:
    line = line.strip()
    return len(line) >= 8 and any(ch.isalnum() for ch in line)


def _test_function(src: str) -> str:
    """A test cell's function, unparsed the way otter assign writes it into the test files."""
    lines = src.splitlines()
    end = next(i for i, l in enumerate(lines) if "END TEST CONFIG" in l)
    return ast.unparse(ast.parse("\n".join(lines[end + 1:])).body[0])


def parse_master(path: Path) -> Master:
    cells = _read(path)["cells"]
    name, manual, autograded = None, {}, []
    solution, visible, hidden = [], [], {}
    block, question = None, None
    for cell in cells:
        src = _source(cell)
        head = src.lstrip().upper()
        if cell["cell_type"] == "raw":
            if head.startswith("# ASSIGNMENT CONFIG"):
                name = yaml.safe_load(src)["name"]
            elif head.startswith("# BEGIN QUESTION"):
                question = yaml.safe_load(src)
                if question.get("manual"):
                    manual[question["name"]] = question["points"]
            elif head.startswith("# BEGIN SOLUTION"):
                block = "solution"
            elif head.startswith("# BEGIN TESTS"):
                block = "tests"
            elif head.startswith(("# END SOLUTION", "# END TESTS")):
                block = None
            continue
        if block == "tests":
            config = yaml.safe_load(src.split('"""')[1].split("\n", 1)[1])
            function = _test_function(src)
            if question["name"] not in autograded:
                autograded.append(question["name"])
            if config.get("hidden"):
                hidden[function.splitlines()[0]] = set(function.splitlines())
            else:
                visible.append(function)
        elif block == "solution" and cell["cell_type"] == "markdown":
            solution += src.splitlines()
        elif block == "solution":
            inside = False
            for line in src.splitlines():
                if line.strip() in ("# BEGIN SOLUTION", "# END SOLUTION"):
                    inside = line.strip() == "# BEGIN SOLUTION"
                elif inside or line.rstrip().endswith("# SOLUTION"):
                    solution.append(line)
                else:
                    visible.append(line)
        else:
            visible.append(src)
    visible_text = "\n".join(visible)
    return Master(
        name=name, manual=manual, autograded=autograded,
        solution_lines={l.strip() for l in solution
                        if _nontrivial(l) and l.strip() not in visible_text},
        hidden_lines={f: {l.strip() for l in lines
                          if _nontrivial(l) and l.strip() not in visible_text}
                      for f, lines in hidden.items()},
        visible_text=visible_text,
    )


def _strings(node) -> list[str]:
    """Every string in a JSON document: cell sources, outputs, metadata (the tests)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _file_text(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(_strings(_read(path)))
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return path.read_text(encoding="utf-8", errors="replace")


def fill_answers(student: dict, autograder: dict, edits=()) -> dict:
    """The student notebook, with every answer cell taken from the reference solution.

    Answer cells are matched to solution cells by their first line (the ``def`` line
    that otter assign leaves in place). Each (old, new) edit must match exactly once.
    """
    solutions = {}
    for cell in autograder["cells"]:
        if cell["cell_type"] == "code" and "otter_assign_solution_cell" in cell["metadata"].get("tags", []):
            lines = [l for l in _source(cell).splitlines()
                     if l.strip() not in ("# BEGIN SOLUTION", "# END SOLUTION")]
            solutions[lines[0]] = "\n".join(lines)
    nb = copy.deepcopy(student)
    answers = [c for c in nb["cells"]
               if c["cell_type"] == "code" and "otter_answer_cell" in c["metadata"].get("tags", [])]
    assert len(answers) == len(solutions) > 0
    for cell in answers:
        cell["source"] = solutions[_source(cell).splitlines()[0]]
    for old, new in edits:
        hits = [c for c in answers if _source(c).count(old) == 1]
        assert len(hits) == 1, f"edit {old!r} should match exactly one answer cell"
        hits[0]["source"] = _source(hits[0]).replace(old, new)
    return nb


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def masters() -> dict[str, Master]:
    return {stem: parse_master(path) for stem, path in MASTERS.items()}


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """otter assign on every master (two at a time), into a temporary dist/ folder."""
    out = tmp_path_factory.mktemp("dist")

    def assign(stem: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(MASTERS[stem]), str(out / stem)],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        procs = dict(zip(MASTERS, pool.map(assign, MASTERS)))
    return out, procs


@pytest.fixture(scope="session")
def grades(dist, tmp_path_factory) -> dict[tuple[str, str], dict[str, dict]]:
    """grades[(assignment, "solution" | "blank" | "wrong")][question] = CSV row."""
    out, procs = dist
    failed = [stem for stem, proc in procs.items() if proc.returncode != 0]
    if failed:
        pytest.fail(f"otter assign failed for {failed}")
    subs = tmp_path_factory.mktemp("submissions")
    for stem in MASTERS:
        student = _read(out / stem / "student" / f"{stem}.ipynb")
        autograder = _read(out / stem / "autograder" / f"{stem}.ipynb")
        (subs / stem).mkdir()
        (subs / stem / "solution.ipynb").write_text(json.dumps(autograder), encoding="utf-8")
        (subs / stem / "blank.ipynb").write_text(json.dumps(student), encoding="utf-8")
        wrong = fill_answers(student, autograder, WRONG[stem]["edits"])
        (subs / stem / "wrong.ipynb").write_text(json.dumps(wrong), encoding="utf-8")
    csv_path = out / "grades.csv"
    proc = subprocess.run(
        [sys.executable, str(REPO / "assignments" / "grade.py"), str(subs), "--dist", str(out),
         "--out", str(csv_path), "--jobs", "2"],
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with csv_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ["assignment", "file", "question", "score", "possible",
                                      "total", "graded_by"]
    table: dict[tuple[str, str], dict[str, dict]] = {}
    for row in rows:
        kind = Path(row["file"]).stem
        table.setdefault((row["assignment"], kind), {})[row["question"]] = row
    return table


# --------------------------------------------------------------------------- tests


def test_masters_are_small_and_outputs_free(masters):
    assert set(MASTERS) == {"a1_score_fisher", "a2_kl_natural_gradient", "a3_newton_glm"}
    for stem, path in MASTERS.items():
        assert masters[stem].name == stem, "the assignment name must be the file name"
        assert path.stat().st_size < 100_000
        for cell in _read(path)["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, stem
        assert masters[stem].manual and masters[stem].autograded


def test_generation_succeeds(dist):
    out, procs = dist
    for stem, proc in procs.items():
        # Non-zero also when the reference solutions do not pass every test.
        assert proc.returncode == 0, f"otter assign {stem}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        assert (out / stem / "student" / f"{stem}.ipynb").is_file()
        assert (out / stem / "autograder" / f"{stem}.ipynb").is_file()
        assert len(list((out / stem / "autograder").glob(f"{stem}-autograder_*.zip"))) == 1


def _scores(grades, masters, stem, kind):
    table = grades[(stem, kind)]
    master = masters[stem]
    auto = {q: r for q, r in table.items() if r["graded_by"] == "autograder"}
    assert sorted(auto) == sorted(master.autograded)
    hand = {q: float(r["possible"]) for q, r in table.items() if r["graded_by"] == "hand"}
    assert hand == master.manual and all(table[q]["score"] == "" for q in hand)
    total = float(next(iter(auto.values()))["total"])
    assert total == pytest.approx(sum(float(r["score"]) for r in auto.values()))
    return {q: (float(r["score"]), float(r["possible"])) for q, r in auto.items()}


@pytest.mark.parametrize("stem", sorted(MASTERS))
def test_reference_solution_gets_full_marks(grades, masters, stem):
    for q, (score, possible) in _scores(grades, masters, stem, "solution").items():
        assert possible > 0 and score == possible, q


@pytest.mark.parametrize("stem", sorted(MASTERS))
def test_unanswered_notebook_scores_zero(grades, masters, stem):
    for q, (score, possible) in _scores(grades, masters, stem, "blank").items():
        assert possible > 0 and score == 0, q


@pytest.mark.parametrize("stem", sorted(MASTERS))
def test_wrong_submission_loses_exactly_the_broken_tests(grades, masters, stem):
    lost = WRONG[stem]["lost"]
    scores = _scores(grades, masters, stem, "wrong")
    assert set(lost) <= set(scores)
    for q, (score, possible) in scores.items():
        assert score == possible - lost.get(q, 0), q


@pytest.mark.parametrize("stem", sorted(MASTERS))
def test_student_release_has_no_solution_and_no_hidden_test(dist, masters, stem):
    out, _ = dist
    master = masters[stem]
    secret = set(master.solution_lines)
    for function, lines in master.hidden_lines.items():
        assert lines, f"{function}: no line of this hidden test differs from the public material"
        secret |= lines
    assert len(master.solution_lines) >= 10 and len(master.hidden_lines) >= 3

    # The scan can see them: every secret line is in the autograder's notebook or zip.
    autograder = "\n".join(_file_text(p) for p in (out / stem / "autograder").rglob("*") if p.is_file())
    assert not [l for l in secret if l not in autograder]

    files = [p for p in (out / stem / "student").rglob("*") if p.is_file()]
    assert files
    leaks = {(p.name, l) for p in files for l in secret if l in _file_text(p)}
    assert not leaks


def test_rubric_formulas():
    """The formulas that the rubrics state and that no autograder test checks, checked with sympy."""
    # (c) the Hessian of log p in terms of p, and its sign.
    t = sp.Symbol("theta")
    p = sp.Function("p")(t)
    assert sp.simplify(sp.diff(sp.log(p), t, 2)
                       - (sp.diff(p, t, 2) / p - (sp.diff(p, t) / p) ** 2)) == 0
    # (e) the multiplier, the step d*, its KL cost and its gain, for a generic SPD 2x2 Fisher.
    a, b, e, g1, g2, c, lam = sp.symbols("a b e g1 g2 c lambda", real=True)
    vals = {a: 2.0, b: 0.3, e: 1.1, g1: 0.7, g2: -1.3, c: 0.05}
    fisher, g = sp.Matrix([[a, b], [b, e]]), sp.Matrix([g1, g2])
    q = (g.T * fisher.inv() * g)[0]
    d_tilde = fisher.inv() * g / lam
    d = sp.Matrix(sp.symbols("d1 d2"))
    lagrangian = (d.T * g)[0] - lam * ((d.T * fisher * d)[0] / 2 - c)
    stationary = sp.Matrix([sp.diff(lagrangian, v) for v in d]).subs(dict(zip(d, d_tilde)))
    assert sp.simplify(stationary) == sp.zeros(2, 1)
    lam_star = sp.sqrt(q / (2 * c))
    d_star = sp.sqrt(2 * c / q) * fisher.inv() * g
    for expr in [*(d_tilde.subs(lam, lam_star) - d_star),
                 (d_star.T * fisher * d_star)[0] / 2 - c,
                 (d_star.T * g)[0] - sp.sqrt(2 * c * q)]:
        assert abs(float(expr.subs(vals))) < 1e-12
    # (d) both KL directions between log-normals have the quadratic term 1/2 d^T I d with
    # I = diag(1, 2) / sigma^2 (the log-normal KL is the Gaussian one).
    mu, s, d1, d2, h = sp.symbols("mu sigma d1 d2 h", positive=True)

    def kl(mp, sp_, mq, sq):
        return sp.log(sq / sp_) + (sp_**2 + (mp - mq) ** 2) / (2 * sq**2) - sp.Rational(1, 2)

    quad = h**2 * (d1**2 + 2 * d2**2) / (2 * s**2)
    for expr in (kl(mu, s, mu + h * d1, s + h * d2), kl(mu + h * d1, s + h * d2, mu, s)):
        assert sp.simplify(sp.series(expr, h, 0, 3).removeO() - quad) == 0
    # (f) logistic: a'(eta) = mu and a''(eta) = mu (1 - mu), which does not involve y;
    # the probit's second derivative does.
    eta, y = sp.symbols("eta y", real=True)
    a_eta, mean = sp.log(1 + sp.exp(eta)), 1 / (1 + sp.exp(-eta))
    assert sp.simplify(sp.diff(a_eta, eta) - mean) == 0
    assert sp.simplify(sp.diff(a_eta, eta, 2) - mean * (1 - mean)) == 0
    cdf = (1 + sp.erf(eta / sp.sqrt(2))) / 2
    probit = sp.diff(y * sp.log(cdf) + (1 - y) * sp.log(1 - cdf), eta, 2)
    assert abs(float((probit.subs(y, 1) - probit.subs(y, 0)).subs(eta, 0.3))) > 0.1


def test_a3_rubric_numbers():
    """The numbers quoted in the model answer of A3 question 5."""
    X, y, _ = ng.glm.load_dataset("breast_cancer")
    logistic, probit = ng.glm.GLM("logistic"), ng.glm.GLM("probit")
    beta, steps = np.zeros(4), []
    while not steps or steps[-1] > 1e-10 * (1 + np.max(np.abs(beta))):
        new = logistic.irls_step(beta, X, y)
        steps.append(np.max(np.abs(new - beta)))
        beta = new
    assert len(steps) == 11
    assert np.allclose(steps[7:10], [4e-2, 2e-4, 8e-9], rtol=0.15)
    assert np.allclose(np.linalg.eigvalsh(logistic.fisher(beta, X)), [0.55, 10.1, 15.7, 20.0], atol=0.06)
    gd = logistic.fit(X, y, method="gradient", max_iter=1000)
    assert gd.converged and 150 <= gd.n_iter <= 250
    assert 5e-7 < np.max(np.abs(gd.coef - beta)) < 5e-6
    fit = probit.fit(X, y, method="natural")
    assert (fit.n_iter, probit.fit(X, y, method="newton").n_iter) == (13, 10)
    fisher, hessian = probit.fisher(fit.coef, X), probit.hessian(fit.coef, X, y)
    assert np.round([fisher[2, 2], -hessian[2, 2]], 2).tolist() == [7.53, 7.38]
    assert 0.04 < np.max(np.abs(fisher + hessian)) / np.max(np.abs(fisher)) < 0.07
