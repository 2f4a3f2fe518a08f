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
import os
import re
import shutil
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
from tools import wheel as wheel_tool

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
            # The Fisher information with the wrong sign. Its two public and hidden tests fail
            # (1 + 2 x 0.5 points). Questions 3 and 4 lose only their public test, which runs
            # the student's own chain; their hidden tests feed in the reference answers of
            # the earlier question, so one mistake is not counted three times.
            ("    return X.T @ (X * (w * mu * (1 - mu))[:, None])",
             "    return -X.T @ (X * (w * mu * (1 - mu))[:, None])"),
        ],
        "lost": {"q2_grad_fisher": 2, "q3_newton_step": 1, "q4_fit": 1},
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
def wheel(tmp_path_factory) -> Path:
    """The natgrad_lib wheel, built the way `make assignments` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    proc = wheel_tool.build(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="session")
def dist(tmp_path_factory, wheel) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """`make assignments` into a temporary dist/: otter assign, then release.py (two at a time).

    One difference: ``--no-run-tests``. `make assignments` lets otter assign run each master's
    tests against its reference solutions (a kernel per master: this fixture takes 38 s with
    that run and 25 s without, on an idle machine); here the grading tests below do the same through the real grader, in its
    sandbox (test_reference_solution_gets_full_marks), and the Gradescope test through the
    zip's own entry point, so otter's own run would only repeat them."""
    out = tmp_path_factory.mktemp("dist")

    def assign(stem: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "otter", "assign", "--no-pdfs", "--no-run-tests", str(MASTERS[stem]),
             str(out / stem)],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        if proc.returncode != 0:
            return proc
        return subprocess.run(
            [sys.executable, str(REPO / "assignments" / "release.py"), str(out / stem),
             "--wheel-dir", str(wheel)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        procs = dict(zip(MASTERS, pool.map(assign, MASTERS)))
    return out, procs


def run_grader(subs: Path, out: Path, dist_dir: Path, *extra: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """`make grade` on a folder: (the process, the rows of the CSV it wrote into out)."""
    csv_path = out / "grades.csv"
    proc = subprocess.run(
        [sys.executable, str(REPO / "assignments" / "grade.py"), str(subs), "--dist", str(dist_dir),
         "--out", str(csv_path), "--feedback", str(out / "feedback"), "--jobs", "2", *extra],
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    rows = []
    if csv_path.exists():
        with csv_path.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    return proc, rows


@pytest.fixture(scope="session")
def grades(dist, tmp_path_factory) -> dict[tuple[str, str], dict]:
    """grades[(assignment, "solution" | "blank" | "wrong")] = the CSV row of that student."""
    out, procs = dist
    failed = [stem for stem, proc in procs.items() if proc.returncode != 0]
    if failed:
        pytest.fail(f"otter assign failed for {failed}")
    subs = tmp_path_factory.mktemp("submissions")
    for stem in MASTERS:
        student = _read(out / stem / "student" / f"{stem}.ipynb")
        autograder = _read(out / stem / "autograder" / f"{stem}.ipynb")
        (subs / f"{stem}__solution.ipynb").write_text(json.dumps(autograder), encoding="utf-8")
        (subs / f"{stem}__blank.ipynb").write_text(json.dumps(student), encoding="utf-8")
        wrong = fill_answers(student, autograder, WRONG[stem]["edits"])
        (subs / f"{stem}__wrong.ipynb").write_text(json.dumps(wrong), encoding="utf-8")
    grading = tmp_path_factory.mktemp("grading")
    proc, rows = run_grader(subs, grading, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert rows and len(rows) == 9
    return {tuple(r["student"].split("__")): r for r in rows} | {("_dir", ""): {"dir": str(grading)}}


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
        assert proc.returncode == 0, f"otter assign {stem}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        assert (out / stem / "student" / f"{stem}.ipynb").is_file()
        assert (out / stem / "autograder" / f"{stem}.ipynb").is_file()
        assert len(list((out / stem / "autograder").glob(f"{stem}-autograder_*.zip"))) == 1
        # The instructor release holds the answer key (with the solutions) and the Gradescope zip.
        with zipfile.ZipFile(out / stem / f"{stem}-instructor.zip") as zf:
            names = sorted(Path(n).name for n in zf.namelist())
            key = zf.read(f"{stem}/answer_key_{stem}.ipynb").decode("utf-8")
        assert any(n.startswith(f"{stem}-autograder_") for n in names)
        assert "Rubric" in key and "Model solution" in key


def _scores(grades, masters, stem, kind):
    row = grades[(stem, kind)]
    master = masters[stem]
    auto = {c.split("/", 1)[1]: float(v) for c, v in row.items()
            if c.startswith(stem + "/q") and not c.endswith("(hand)") and v != ""}
    assert sorted(auto) == sorted(master.autograded)
    hand = [c.split("/", 1)[1][:-len(" (hand)")] for c in row if c.startswith(stem + "/") and c.endswith("(hand)")]
    assert sorted(hand) == sorted(master.manual) and all(row[f"{stem}/{q} (hand)"] == "" for q in hand)
    assert float(row[f"{stem}/auto"]) == pytest.approx(sum(auto.values()))
    assert float(row["total"]) == pytest.approx(sum(auto.values()))
    assert "written question(s) to grade by hand" in row["status"]
    possible = _possible(stem)
    return {q: (score, possible[q]) for q, score in auto.items()}


def _possible(stem: str) -> dict[str, float]:
    """Points of each autograded question: the sum of its tests' points in the master."""
    points: dict[str, float] = {}
    question = None
    block = None
    for cell in _read(MASTERS[stem])["cells"]:
        src = _source(cell)
        head = src.lstrip().upper()
        if cell["cell_type"] == "raw":
            if head.startswith("# BEGIN QUESTION"):
                question = yaml.safe_load(src)["name"]
            block = "tests" if head.startswith("# BEGIN TESTS") else (None if head.startswith("# END TESTS") else block)
            continue
        if block == "tests":
            config = yaml.safe_load(src.split('"""')[1].split("\n", 1)[1])
            points[question] = points.get(question, 0.0) + float(config["points"])
    return points


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
    files.append(out / stem / f"{stem}-student.zip")
    assert files
    leaks = {(p.name, l) for p in files for l in secret if l in _file_text(p)}
    assert not leaks
    # No answer number either: the numbers of the model answers that the questions do not show.
    numbers = answer_numbers(master)
    assert not {(p.name, n) for p in files for n in numbers if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", _file_text(p))}
    with zipfile.ZipFile(out / stem / f"{stem}-student.zip") as zf:
        names = sorted(Path(n).name for n in zf.namelist())
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == 1 and sorted(names) == sorted(["README.txt", "requirements.txt", "natgrad_check.py",
                                                         f"{stem}.ipynb", *wheels])


def answer_numbers(master: Master) -> set[str]:
    """Decimal numbers in the model answers and solutions that the student material never shows."""
    found = set()
    for line in master.solution_lines:
        found |= set(re.findall(r"(?<![\w.])\d+\.\d+(?![\d])", line))
    return {n for n in found if n not in master.visible_text and n not in ("0.5", "1.0", "2.0")}


def test_public_instructors_page_has_rubrics_but_no_answer_numbers(masters):
    page = (REPO / "chapters" / "08_instructors.md").read_text(encoding="utf-8")
    assert "Rubric" in page or "rubric" in page
    for stem, master in masters.items():
        numbers = answer_numbers(master)
        assert not {n for n in numbers if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", page)}, stem


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
    assert (fit.n_iter, probit.fit(X, y, method="newton").n_iter) == (13, 10)  # tol=1e-8, the default
    assert (probit.fit(X, y, method="natural", tol=1e-10).n_iter,
            probit.fit(X, y, method="newton", tol=1e-10).n_iter) == (15, 10)  # the answer states both
    fisher, hessian = probit.fisher(fit.coef, X), probit.hessian(fit.coef, X, y)
    assert np.round([fisher[2, 2], -hessian[2, 2]], 2).tolist() == [7.53, 7.38]
    assert 0.04 < np.max(np.abs(fisher + hessian)) / np.max(np.abs(fisher)) < 0.07


# --------------------------------------------------------------------------- adversarial submissions

# Each attack is A2's notebook with answers (the reference answers, or none) and extra cells.
# "score" is what the honest answers in it are worth: an attack earns nothing on top.
A2 = "a2_kl_natural_gradient"
MARK = "natgrad-attack-9f3c"
ATTACKS = {
    # Copy the hidden tests out of the working directory and rewrite them to always pass. The
    # search covers every folder the sandbox sees except the read-only system and Python
    # installation that it shares with the host (tens of thousands of files, 20 s to walk,
    # and the grader never writes there).
    "forged_tests": ("blank", [
        "import glob, os, sys\n"
        "skip = {'/usr', '/proc', '/sys', '/dev', '/lib', '/lib64', '/bin', sys.prefix, sys.base_prefix}\n"
        "tops = [t for t in ('/' + n for n in os.listdir('/')) if t not in skip]\n"
        "found = glob.glob('**/tests/*.py', recursive=True)\n"
        "for top in tops:\n"
        "    found += glob.glob(top + '/**/tests/q*.py', recursive=True)\n"
        "for p in found:\n"
        "    open(p, 'w').write('OK_FORMAT = True\\ntest = {\"name\": \"q\", \"points\": 99, \"suites\": []}\\n')\n"
        "os.makedirs('tests', exist_ok=True)\n"
        "open('tests/q2_lognormal_kl.py', 'w').write('name = \"q2_lognormal_kl\"\\npoints = 99\\n')\n"], 0),
    # Monkeypatch otter's grader classes, and numpy's comparisons the tests use.
    "monkeypatched_grader": ("blank", [
        "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n",
        "import otter.test_files.exception_test as e\n"
        "e.ExceptionTestFile.run = lambda self, env: None\n"], 0),
    # Write a results file and the grades CSV (its real path is filled in below).
    "written_results": ("blank", [
        "import json\nfor p in ['/tmp/results.json', 'results.json', '{grades}']:\n"
        "    try:\n        open(p, 'w').write(json.dumps({'score': 99}))\n    except OSError:\n        pass\n"], 0),
    # Read the hidden tests and the masters outside the sandbox; try the network.
    "read_hidden": ("solution", [
        "import glob, socket\nSTOLEN = []\n"
        "for p in ['{master}', '{autograder}', *glob.glob('/work/**/*.ipynb', recursive=True)]:\n"
        "    try:\n        STOLEN.append(open(p).read())\n    except OSError:\n        pass\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n    STOLEN.append('net')\nexcept OSError:\n    pass\n"
        "assert not STOLEN, 'the sandbox let a submission read ' + str(len(STOLEN)) + ' files'\n"], 9),
    # An infinite loop in one question (natural_direction: 2 points) and at the top level: each
    # is stopped by the CPU-time limit.
    "infinite_loop": ("solution", [
        "def natural_direction(grad, fisher):\n    while True:\n        pass\n",
        "while True:\n    pass\n"], 7),
    # A question that waits forever without computing (natural_step_kl: 4 points): stopped by
    # the wall-clock ceiling. It reads its inputs, so the hard-coding check leaves it alone.
    "sleeper": ("solution", [
        "import time\n"
        "def natural_step_kl(grad, fisher, c):\n    time.sleep(10**6 + 0 * c)\n    return grad\n"], 5),
    # A fork bomb and processes that try to outlive the grading.
    "fork_bomb": ("solution", [
        "import os, subprocess\n"
        f"subprocess.Popen(['sleep', '600.{MARK[-4:]}'], start_new_session=True)\n"
        "for _ in range(100000):\n    try:\n        os.fork()\n    except OSError:\n        break\n"], 9),
    # Huge output: a flood of prints, a huge file, and a huge return value (q4, 2 points).
    "huge_output": ("solution", [
        "import sys\nfor _ in range(200_000):\n    print('x' * 1000)\n"
        "try:\n    open('/tmp/big', 'w').write('x' * 2**30)\nexcept Exception:\n    pass\n",
        "def natural_direction(grad, fisher):\n    return np.zeros(10_000_000)\n"], 7),
    # A renamed answer function (q4, 2 points): no credit, and the feedback says why.
    "renamed_function": ("solution", [
        "natural_dir = natural_direction\ndel natural_direction\n"], 7),
    # A hard-coded answer that passes the public tests of q5 (2 of its 4 points).
    "hard_coded": ("solution", [
        "def natural_step_kl(grad, fisher, c):\n"
        "    return np.array([0.0644658371, -0.1450481335])\n"], 5),
    # The library through an alias made in another cell (q5, 4 points).
    "library_alias": ("solution", [
        "lib = ng\n",
        "def natural_step_kl(grad, fisher, c):\n"
        "    assert lib.__name__ == 'natgrad_lib'\n"
        "    nat = np.linalg.solve(np.asarray(fisher, float), np.asarray(grad, float))\n"
        "    q = np.asarray(grad, float) @ nat\n"
        "    return np.zeros_like(nat) if q == 0 else np.sqrt(2 * c / q) * nat\n"], 5),
}


def _attack_notebook(out: Path, kind: str, cells: list[str], grades_csv: Path) -> dict:
    student = _read(out / A2 / "student" / f"{A2}.ipynb")
    nb = student if kind == "blank" else fill_answers(student, _read(out / A2 / "autograder" / f"{A2}.ipynb"))
    autograder = next((out / A2 / "autograder").glob("*.zip"))
    for src in cells:
        for key, value in (("{grades}", grades_csv), ("{master}", MASTERS[A2]), ("{autograder}", autograder)):
            src = src.replace(key, str(value))
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": f"attack{len(nb['cells'])}",
                            "metadata": {}, "outputs": [], "source": src})
    return nb


def _processes_with(marker: str, *also: str) -> list[str]:
    """Command lines of the running processes that hold ``marker`` and every string in ``also``."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmd and all(a in cmd for a in also) and "pytest" not in cmd:
            found.append(cmd)
    return found


@pytest.fixture(scope="session")
def attacked(dist, tmp_path_factory):
    out, _ = dist
    subs = tmp_path_factory.mktemp("attacks")
    grading = tmp_path_factory.mktemp("attack_grading")
    grades_csv = grading / "grades.csv"
    for name, (kind, cells) in ((n, a[:2]) for n, a in ATTACKS.items()):
        nb = _attack_notebook(out, kind, cells, grades_csv)
        (subs / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    reference = _read(out / A2 / "autograder" / f"{A2}.ipynb")
    (subs / f"{A2} (1).ipynb").write_text(json.dumps(reference), encoding="utf-8")  # renamed
    text = json.dumps(reference)
    (subs / "corrupt.ipynb").write_text(text[: len(text) // 2], encoding="utf-8")  # truncated
    before = set(os.listdir("/tmp"))
    # The limits count the sandbox's CPU time, which a loaded machine does not inflate: the
    # honest cells and questions of these notebooks use under 0.05 s of it each, so 2 s keeps
    # the loops brief (the sleeper waits 5 x 2 s of wall-clock time) and costs no honest point.
    proc, rows = run_grader(subs, grading, out, "--question-timeout", "2", "--cell-timeout", "2")
    leftovers = set(os.listdir("/tmp")) - before
    return proc, {r["student"]: r for r in rows}, grading, leftovers


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_scores_its_honest_worth(attacked, attack):
    proc, rows, _, _ = attacked
    row = rows[attack]
    assert float(row[f"{A2}/auto"]) == ATTACKS[attack][2], (row, proc.stderr[-3000:])


def test_attacks_leave_nothing_behind(attacked):
    proc, rows, grading, leftovers = attacked
    # Only this checkout's sandboxes (their command line names this venv's Python): another
    # checkout grading at the same time on the machine is not a leftover of this one.
    assert not _processes_with(MARK[-4:]) and not _processes_with("sandbox_runner.py", sys.prefix)
    assert not {n for n in leftovers if n in ("big", "results.json") or n.startswith("tests")}
    assert not (grading / "results.json").exists()
    assert sorted(p.name for p in grading.iterdir()) == ["feedback", "grades.csv"]


def test_renamed_and_corrupt_files(attacked):
    proc, rows, grading, _ = attacked
    assert float(rows[f"{A2} (1)"][f"{A2}/auto"]) == 9
    assert proc.returncode == 1  # the corrupt notebook
    assert "NOT GRADED" in rows["corrupt"]["status"] and "truncated" in rows["corrupt"]["status"]
    assert "ERROR corrupt.ipynb: not a valid notebook" in proc.stderr


def test_feedback_explains_every_test(attacked):
    _, _, grading, _ = attacked
    text = (grading / "feedback" / A2 / "infinite_loop.md").read_text(encoding="utf-8")
    assert "## q4_natural_direction: 0 / 2" in text and "time limit" in text and "Revisit:" in text
    assert "cell " in text and "skipped" in text  # the top-level loop
    assert "ran past the time limit of 2 s of CPU time" in text
    text = (grading / "feedback" / A2 / "sleeper.md").read_text(encoding="utf-8")
    assert "## q5_natural_step_kl: 0 / 4" in text and "ran past the time limit of 2 s of CPU time" in text
    assert "hard-coded" not in text
    text = (grading / "feedback" / A2 / "library_alias.md").read_text(encoding="utf-8")
    assert "uses lib, which is natgrad_lib" in text
    text = (grading / "feedback" / A2 / "renamed_function.md").read_text(encoding="utf-8")
    assert "no function named natural_direction in the notebook" in text
    text = (grading / "feedback" / A2 / "hard_coded.md").read_text(encoding="utf-8")
    assert "hard-coded" in text


def test_hand_scores_merge_and_nothing_is_overwritten(dist, tmp_path):
    out_dist, _ = dist
    stem = "a3_newton_glm"
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(out_dist / stem / "autograder" / f"{stem}.ipynb", subs / "ada.ipynb")
    hand = tmp_path / "hand.csv"
    hand.write_text("student,assignment,question,score\nada,a3_newton_glm,q1_newton_natural,1.5\n"
                    "ada,a3_newton_glm,q5_compare,2\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    first, rows = run_grader(subs, out, out_dist, "--hand", str(hand))
    assert first.returncode == 0, first.stderr
    (row,) = rows
    assert row[f"{stem}/q1_newton_natural (hand)"] == "1.5" and float(row["total"]) == 13.5
    assert row[f"{stem}/hand"] == "3.5" and row["status"] == "complete"
    # A second run into the same folder keeps the first one's files. What it grades does not
    # matter here, so it grades a corrupt notebook (no sandbox to start: a second or so).
    again = tmp_path / "again"
    again.mkdir()
    (again / "ada.ipynb").write_text("{not json", encoding="utf-8")
    second, _ = run_grader(again, out, out_dist)
    assert second.returncode == 1 and "ERROR ada.ipynb: not a valid notebook" in second.stderr
    assert "kept the previous grades.csv as" in second.stdout
    assert len(list(out.glob("grades*.csv"))) == 2 and len(list(out.glob("feedback*"))) == 2


# --------------------------------------------------------------------------- Gradescope, student bundle


def test_gradescope_zip_runs_offline_through_its_entry_point(dist, tmp_path):
    """The zip's own run_otter.py (with /autograder moved to a temporary folder) grades the
    reference with full marks and the wrong submission with exactly the expected points."""
    out, _ = dist
    stem = "a3_newton_glm"
    (zip_path,) = (out / stem / "autograder").glob(f"{stem}-autograder_*.zip")
    with zipfile.ZipFile(zip_path) as zf:
        env = yaml.safe_load(zf.read("environment.yml"))
        wheel = [n for n in zf.namelist() if n.endswith(".whl")]
        pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
        assert len(wheel) == 1 and f"/autograder/source/{wheel[0]}" in pip
        student = _read(out / stem / "student" / f"{stem}.ipynb")
        key = _read(out / stem / "autograder" / f"{stem}.ipynb")
        expected = {"reference": 10.0, "wrong": 10.0 - sum(WRONG[stem]["lost"].values())}
        for kind in expected:
            zf.extractall(tmp_path / kind / "source")

    def run(kind: str, nb: dict) -> tuple[float, subprocess.CompletedProcess]:
        root = tmp_path / kind
        (root / "submission").mkdir(parents=True)
        (root / "results").mkdir()
        (root / "submission" / f"{stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        entry = (root / "source" / "run_otter.py").read_text(encoding="utf-8")
        assert '"/autograder"' in entry
        (root / "source" / "run_otter.py").write_text(entry.replace('"/autograder"', repr(str(root))),
                                                      encoding="utf-8")
        proc = subprocess.run([sys.executable, str(root / "source" / "run_otter.py")], cwd=root,
                              capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        return sum(t.get("score", 0) for t in results["tests"] if "max_score" in t), proc

    submissions = {"reference": key, "wrong": fill_answers(student, key, WRONG[stem]["edits"])}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        graded = dict(zip(submissions, pool.map(run, submissions, submissions.values())))
    for kind, (score, proc) in graded.items():
        assert score == pytest.approx(expected[kind]), (kind, proc.stdout[-2000:], proc.stderr[-2000:])


def test_student_bundle_installs_alone_and_its_notebook_runs(dist, tmp_path):
    """A fresh venv with only the bundle's requirements.txt (natgrad_lib and its base
    dependencies, no otter-grader) runs the answered, renamed notebook, checks included; a
    wrong answer makes its check fail."""
    out, _ = dist
    stem = "a2_kl_natural_gradient"
    with zipfile.ZipFile(out / stem / f"{stem}-student.zip") as zf:
        zf.extractall(tmp_path)
    folder = tmp_path / stem
    venv = tmp_path / "venv"
    # uv (which `make install` puts beside this Python) resolves and installs requirements.txt
    # as pip does, from the same package index, in a few seconds where pip takes a minute on
    # this machine; without uv, pip does it.
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        subprocess.run([str(uv), "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=TIMEOUT_S)
        install = [str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "-r", "requirements.txt"]
        freeze = [str(uv), "pip", "freeze", "--python", str(venv / "bin" / "python")]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT_S)
        install = [str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "-q", "-r", "requirements.txt"]
        freeze = [str(venv / "bin" / "pip"), "list", "--format=freeze"]
    pip = subprocess.run(install, cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert pip.returncode == 0, pip.stderr[-3000:]
    listed = subprocess.run(freeze, capture_output=True, text=True, check=True).stdout.lower()
    assert "natgrad_lib" in listed.replace("-", "_")
    assert not {"matplotlib", "otter-grader", "pandas"} & {line.split("==")[0] for line in listed.split()}
    nb = fill_answers(_read(folder / f"{stem}.ipynb"), _read(out / stem / "autograder" / f"{stem}.ipynb"))
    (folder / f"{stem}.ipynb").unlink()
    renamed = folder / f"{stem} (1).ipynb"
    renamed.write_text(json.dumps(nb), encoding="utf-8")
    script = ("import json, sys\nnb = json.load(open(sys.argv[1]))\nns = {}\n"
              "for cell in nb['cells']:\n    if cell['cell_type'] == 'code':\n"
              "        src = ''.join(cell['source'])\n        r = eval(compile(src.strip().splitlines()[-1], 'c', 'eval'), ns) "
              "if src.strip().startswith('grader.check(') else exec(src, ns)\n"
              "        if r is not None and 'passed' not in repr(r).lower() and 'All tests passed' not in str(r):\n"
              "            raise SystemExit('check failed: ' + repr(r))\nprint('ran', sum(c['cell_type'] == 'code' for c in nb['cells']), 'cells')\n")
    run = subprocess.run([str(venv / "bin" / "python"), "-c", script, renamed.name], cwd=folder,
                         capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
                         env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MPLBACKEND": "Agg"})
    assert run.returncode == 0 and "ran" in run.stdout, run.stdout[-2000:] + run.stderr[-3000:]
    wrong = fill_answers(_read(out / stem / "student" / f"{stem}.ipynb"),
                         _read(out / stem / "autograder" / f"{stem}.ipynb"), WRONG[stem]["edits"])
    renamed.write_text(json.dumps(wrong), encoding="utf-8")
    run = subprocess.run([str(venv / "bin" / "python"), "-c", script, renamed.name], cwd=folder,
                         capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
                         env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MPLBACKEND": "Agg"})
    assert run.returncode != 0 and "check failed: q4_natural_direction results:" in run.stdout + run.stderr


def test_pdfs_of_written_answers_offline(dist, tmp_path):
    """assignments/pdfs.py: nbconvert HTML + system Chromium, no network, no downloaded browser."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no system Chromium at /usr/bin/chromium")
    out, _ = dist
    stem = "a1_score_fisher"
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(out / stem / "autograder" / f"{stem}.ipynb", subs / "ada.ipynb")
    proc = subprocess.run([sys.executable, str(REPO / "assignments" / "pdfs.py"), str(subs),
                           "--out", str(tmp_path / "pdfs")], capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    pdf = (tmp_path / "pdfs" / "ada.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_instructors_page_quotes_the_grader_settings():
    """The limits the instructors' page states are the grader's defaults."""
    sys.path.insert(0, str(REPO / "assignments"))
    try:
        import grade
    finally:
        sys.path.remove(str(REPO / "assignments"))
    page = (REPO / "chapters" / "08_instructors.md").read_text(encoding="utf-8")
    assert f"{grade.LIMITS['memory_bytes'] / 2**30:g} GiB of address space" in page
    assert f"{grade.DEFAULT_QUESTION_TIMEOUT:g} s by default" in page
    assert f"longer than {grade.DEFAULT_CELL_TIMEOUT:g} s is skipped" in page
    assert "count the CPU time of the student's code" in page
    assert f"stopped at {grade.WALL_FACTOR:g} times\nthe limit in wall-clock time" in page
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert f"QUESTION_TIMEOUT ?= {grade.DEFAULT_QUESTION_TIMEOUT:g}" in makefile
