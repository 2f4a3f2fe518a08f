"""Grade submitted assignment notebooks: student code in a sandbox, scores computed outside it.

Usage (``make grade SUBMISSIONS=dir`` runs this)::

    python assignments/grade.py SUBMISSIONS [--dist dist] [--out dist/grades.csv]
        [--hand hand.csv] [--question-timeout 60] [--cell-timeout 60] [--jobs N]

How one submission is graded (the threat model is on the book's instructors' page):

1. The notebook is read as JSON and checked (a truncated or non-notebook file is an error
   with a clear message). Its assignment comes from ``metadata.otter.assignment_name``,
   so file names do not matter.
2. Its code cells run, one by one, in ``sandbox_runner.py`` inside a bubblewrap sandbox:
   no network, a read-only view of the system and of this Python environment, its own
   empty /tmp, no view of the submissions, the masters, the tests or the output folder,
   limits on memory, CPU time, file size and number of processes, and a seccomp filter
   that lets it start threads but no process. A cell that runs past ``--cell-timeout``
   seconds of CPU time is skipped (the sandbox is killed and started again without it).
3. This process (the trusted grader) then runs every test of the autograder zip that
   ``make assignments`` wrote, public and hidden. A test receives, in place of each student
   function, a proxy that sends the call's inputs into the sandbox and gets back plain data
   (``wire.py``: numbers, strings and numeric arrays, never pickles). The tests, the
   reference values and the scores never enter the sandbox. Each question has a time
   budget (``--question-timeout``): a call that runs past it fails the rest of that
   question only; the sandbox is killed and started again for the next question.
   Both limits count the sandbox's CPU time, so a busy grading machine costs no student a
   point; code that waits without computing is stopped at ``WALL_FACTOR`` (5) times the
   limit in wall-clock time.
4. A static check of the notebook's code (``libcheck``) zeroes a code question whose function
   uses ``natgrad_lib``, directly, through an alias defined in any cell, or through another
   notebook function, or reads none of its inputs (a hard-coded answer).
5. Results: one feedback file per submission (each test, its points and message, and what
   to revisit) under ``DIST/feedback/``, and one CSV with one row per student and a column
   per question (autograded and hand-graded), the totals, and the status. ``--hand``
   merges hand-graded scores from a CSV with the columns ``student, assignment, question,
   score``. An existing CSV or feedback folder is never overwritten: it is renamed with a
   time stamp first, and the command says so.

A notebook that cannot be graded is reported (``status`` column and stderr) and the command
exits with status 1 after writing everything else.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime as _dt
import json
import math
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import types
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import libcheck  # noqa: E402
sys.path.insert(0, str(HERE / "sandbox"))
import wire  # noqa: E402

# Time limits count the CPU time of the sandbox's processes (user + system), not the wall
# clock: a submission gets the same score on an idle machine and on one grading many
# notebooks at once. Code that waits without computing (time.sleep, a blocking call) is
# stopped at WALL_FACTOR times the limit in wall-clock time. Only the time spent while the
# grader waits for the student's code counts: not the sandbox's start, not the tests' own work.
DEFAULT_QUESTION_TIMEOUT = 60.0  # CPU seconds per code question
DEFAULT_CELL_TIMEOUT = 60.0  # CPU seconds per notebook cell
WALL_FACTOR = 5.0
POLL_S = 0.05  # how often the sandbox's CPU time is read while the grader waits
# Ceiling for a sandbox to start: bubblewrap, Python, and the libraries every assignment imports
# (numpy, natgrad_lib), loaded by the runner before it says "hello". The cell and question
# clocks start after that, so a loaded machine's slow imports never eat a student's time.
SANDBOX_START_TIMEOUT = 300.0
LIMITS = {
    "memory_bytes": 3 * 2**30,  # address space; numpy and scipy need about 1 GiB of it
    "cpu_seconds": 900,  # CPU time of the whole sandbox (RLIMIT_CPU), a backstop behind the time limits
    "processes": 64,  # processes and threads in the sandbox's user namespace
    "file_bytes": 16 * 2**20,  # largest file the submission may write in its /tmp
}
SANDBOX_ENV = {
    "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}


class NotGradable(Exception):
    """A submission that cannot be graded, with the reason to show the lecturer."""


class StudentError(Exception):
    """The student's function raised, returned something that cannot cross, or timed out."""


class QuestionTimeout(StudentError):
    pass


# --------------------------------------------------------------------------- notebooks


@dataclass
class Question:
    name: str
    points: float
    manual: bool
    title: str = ""


def read_master(master: Path) -> tuple[str, list[Question]]:
    """The assignment name and questions (in order) of an otter-assign master notebook."""
    nb = json.loads(master.read_text(encoding="utf-8"))
    name, questions, current = master.stem, [], None
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        head = source.lstrip().upper()
        if cell["cell_type"] == "raw" and head.startswith("# ASSIGNMENT CONFIG"):
            name = (yaml.safe_load(source) or {}).get("name", name)
        elif cell["cell_type"] == "raw" and head.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(source) or {}
            current = Question(config["name"], float(config.get("points", 0) or 0),
                               bool(config.get("manual")))
            questions.append(current)
        elif cell["cell_type"] == "markdown" and current is not None and not current.title:
            first = source.strip().splitlines()[0] if source.strip() else ""
            current.title = first.lstrip("#").strip()
    return name, questions


def read_submission(path: Path) -> tuple[str, list[str]]:
    """(assignment name, code cell sources) of a submitted notebook, or NotGradable."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise NotGradable(f"cannot read the file: {err}") from None
    if not raw.strip():
        raise NotGradable("the file is empty")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotGradable("not a notebook: the file is not UTF-8 text") from None
    except ValueError as err:
        raise NotGradable(f"not a valid notebook: the JSON is broken ({err}); the file may be "
                          "truncated or saved by another program. Ask the student to upload "
                          "it again") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotGradable("not a Jupyter notebook: no list of cells")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    otter = meta.get("otter") if isinstance(meta.get("otter"), dict) else {}
    name = otter.get("assignment_name")
    if not isinstance(name, str):
        raise NotGradable("no otter assignment name in the notebook metadata: was it made from "
                          "a student notebook of `make assignments`?")
    cells = []
    for cell in nb["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            if not isinstance(src, str):
                raise NotGradable("a code cell whose source is not text")
            cells.append(src)
    return name, cells


def load_tests(autograder: Path) -> dict[str, list]:
    """question -> its otter ``test_case`` objects, from the autograder zip's tests/*.py."""
    from otter.test_files import test_case  # noqa: F401 - the test files import it

    tests = {}
    with zipfile.ZipFile(autograder) as zf:
        for member in sorted(zf.namelist()):
            if re.fullmatch(r"tests/[^/]+\.py", member):
                source = zf.read(member).decode("utf-8")
                namespace: dict = {"__name__": f"natgrad_test_{Path(member).stem}"}
                exec(compile(source, member, "exec"), namespace)  # our own test file
                cases = [v for v in namespace.values() if type(v).__name__ == "test_case"]
                for case in cases:
                    case.name = case.name or case.test_func.__name__
                tests[namespace.get("name", Path(member).stem)] = cases
    return tests


def autograder_zip(dist: Path, name: str) -> Path:
    zips = sorted((dist / name / "autograder").glob(f"{name}-autograder_*.zip"))
    if not zips:
        raise NotGradable(f"no autograder zip in {dist / name / 'autograder'}: "
                          "run `make assignments` first")
    return zips[-1]  # the names end in a timestamp: the last one is the newest


# --------------------------------------------------------------------------- the sandbox


def _bwrap_command(python: Path, reply_fd: int, seccomp_fd: int | None) -> list[str]:
    """bubblewrap arguments: read-only system and Python, an empty /tmp, nothing else."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise NotGradable("bubblewrap (bwrap) is not installed: `apt-get install bubblewrap`")
    cmd = []
    cmd += [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
            "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp"]
    for d in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", "/etc/ld.so.cache"):
        p = Path(d)
        if p.is_symlink():
            cmd += ["--symlink", os.readlink(p), d]
        elif p.exists():
            cmd += ["--ro-bind", d, d]
    for dest, src in _shared_folders(python).items():
        cmd += ["--ro-bind", src, dest]
    if seccomp_fd is not None:
        cmd += ["--seccomp", str(seccomp_fd)]
    cmd += ["--clearenv"]
    for k, v in SANDBOX_ENV.items():
        cmd += ["--setenv", k, v]
    cmd += ["--setenv", "NATGRAD_SANDBOX_LIMITS", json.dumps(LIMITS),
            "--setenv", "PYTHONPATH", "/opt/grader", "--setenv", "NATGRAD_REPLY_FD", str(reply_fd),
            "--", str(python), "-B", "/opt/grader/sandbox_runner.py"]
    return cmd


def _shared_folders(python: Path) -> dict[str, str]:
    """Sandbox path -> real path of what the sandbox sees besides the system: this Python
    (its installation and the venv) and natgrad_lib. An editable install of natgrad_lib points
    into the repository: only its package folder is shared, never the repository (which holds
    the masters). The runner's two files go to /opt/grader."""
    import natgrad_lib

    folders = {Path(p) for p in (sys.base_prefix, sys.prefix, python.parent.parent)}
    folders |= {p.resolve() for p in folders} | {Path(natgrad_lib.__file__).resolve().parent}
    shared = {str(p): str(p) for p in sorted(folders)
              if p.is_dir() and not str(p).startswith(("/usr/", "/lib"))}
    shared["/opt/grader"] = str(HERE / "sandbox")  # the runner and wire.py, nothing else
    return shared


def _no_fork_filter() -> int | None:
    """A pipe holding a seccomp filter that lets the sandbox start threads but no process.

    fork, vfork and clone without CLONE_THREAD fail with EPERM, clone3 with ENOSYS (so that
    threads fall back to clone), and x32 system calls are refused. RLIMIT_NPROC alone would
    not do: it does not bind processes that are root outside the user namespace. Written as
    classic BPF (x86-64 only; elsewhere the process limit is RLIMIT_NPROC).
    """
    import platform

    if platform.machine() != "x86_64":
        return None
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    program = [
        (ld, 0, 0, 4),                 # 0: arch
        (jeq, 0, 8, 0xC000003E),       # 1: not x86-64 -> allow (10)
        (ld, 0, 0, 0),                 # 2: syscall number
        (jge, 7, 0, 0x40000000),       # 3: x32 -> EPERM (11)
        (jeq, 6, 0, 57),               # 4: fork -> EPERM
        (jeq, 5, 0, 58),               # 5: vfork -> EPERM
        (jeq, 5, 0, 435),              # 6: clone3 -> ENOSYS (12)
        (jeq, 0, 2, 56),               # 7: not clone -> allow (10)
        (ld, 0, 0, 16),                # 8: clone flags (low 32 bits)
        (jset, 0, 1, 0x00010000),      # 9: CLONE_THREAD -> allow, else EPERM
        (ret, 0, 0, allow),            # 10
        (ret, 0, 0, eperm),            # 11
        (ret, 0, 0, enosys),           # 12
    ]
    data = b"".join(struct.pack("<HBBI", *ins) for ins in program)
    rfd, wfd = os.pipe()
    os.write(wfd, data)
    os.close(wfd)
    return rfd


class Budget:
    """A time limit on student code: ``cpu`` seconds of the sandbox's CPU time and ``wall``
    seconds of wall-clock time, counted only while the grader waits for the sandbox."""

    def __init__(self, cpu: float, wall: float):
        self.cpu, self.wall = cpu, wall
        self.cpu_used = self.wall_used = 0.0

    @classmethod
    def of(cls, seconds: float) -> "Budget":
        """The budget of a question or a cell whose limit is ``seconds`` of CPU time."""
        return cls(seconds, WALL_FACTOR * seconds)


def _clock_ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 100


CLK_TCK = _clock_ticks()


def process_tree_cpu(root: int) -> float | None:
    """CPU seconds (user + system, with reaped children) of process ``root`` and its
    descendants, read from /proc; None when ``root`` is gone."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes()
        except OSError:
            if pid == root:
                return None
            continue
        fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        try:
            for task in os.scandir(f"/proc/{pid}/task"):
                stack += [int(c) for c in Path(task.path, "children").read_bytes().split()]
        except OSError:
            pass
    return total / CLK_TCK


class Sandbox:
    """One sandboxed Python process holding one submission's namespace."""

    def __init__(self, cells: list[str], cell_timeout: float):
        self.cells, self.cell_timeout = cells, cell_timeout
        self.skip: list[int] = []
        self.cell_errors: dict[int, str] = {}
        self.functions: dict[str, dict] = {}
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.startup_errors = ""
        self._callbacks: list = []
        self._cpu_seen = 0.0

    # -- process
    def _spawn(self) -> None:
        rfd, wfd = os.pipe()
        python = Path(os.path.normpath(os.path.abspath(sys.executable)))
        seccomp = _no_fork_filter()
        fds = (wfd,) if seccomp is None else (wfd, seccomp)
        try:
            self.proc = subprocess.Popen(
                _bwrap_command(python, wfd, seccomp), stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=fds,
                close_fds=True, start_new_session=True)
        finally:
            for fd in fds:
                os.close(fd)
        self._rfd = rfd
        self._buffer = b""
        self._cpu_seen = 0.0
        self.starts += 1

    def kill(self) -> None:
        if self.proc is None:
            return
        self.cpu_seconds()  # the last reading, for the budget that is charged
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        # What bwrap or Python said before the runner sent its stderr to /dev/null (the
        # submission's own output never reaches this pipe).
        os.set_blocking(self.proc.stderr.fileno(), False)
        try:
            self.startup_errors = (self.proc.stderr.read(4096) or b"").decode("utf-8", "replace").strip()
        except OSError:
            self.startup_errors = ""
        for stream in (self.proc.stdin, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        os.close(self._rfd)
        self.proc = None

    def close(self) -> None:
        self.kill()

    # -- frames
    def _send(self, message: dict) -> None:
        wire.write_frame(self.proc.stdin.fileno(), message, register=self._register)

    def _register(self, fn) -> int:
        self._callbacks.append(fn)
        return len(self._callbacks) - 1

    def cpu_seconds(self) -> float:
        """CPU time used so far by this sandbox's processes (never less than last read)."""
        if self.proc is not None:
            now = process_tree_cpu(self.proc.pid)
            if now is not None:
                self._cpu_seen = max(self._cpu_seen, now)
        return self._cpu_seen

    def _read(self, n: int, budget: Budget, wall0: float, cpu0: float) -> bytes:
        while len(self._buffer) < n:
            now = time.monotonic()
            wall_left = budget.wall - budget.wall_used - (now - wall0)
            if wall_left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._rfd], [], [], min(wall_left, POLL_S))
            if not ready:
                if budget.cpu_used + self.cpu_seconds() - cpu0 >= budget.cpu:
                    raise TimeoutError
                continue
            chunk = os.read(self._rfd, max(65536, n - len(self._buffer)))
            if not chunk:
                raise EOFError("the sandbox exited")
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _receive(self, budget: Budget) -> dict:
        """The sandbox's next message, charging the time it took to ``budget``."""
        wall0, cpu0 = time.monotonic(), self.cpu_seconds()
        try:
            (n,) = struct.unpack("<Q", self._read(8, budget, wall0, cpu0))
            if n > wire.MAX_FRAME:
                raise wire.WireError(f"a reply of {n} bytes, over the limit of {wire.MAX_FRAME}")
            return wire.loads(self._read(n, budget, wall0, cpu0))
        finally:
            budget.wall_used += time.monotonic() - wall0
            budget.cpu_used += self.cpu_seconds() - cpu0

    # -- notebook
    def start(self) -> None:
        """Run the notebook's cells, skipping any cell that runs past the cell time limit."""
        while True:
            self._spawn()
            self._await_hello()
            self._send({"op": "cells", "cells": self.cells, "skip": self.skip})
            current = None
            try:
                while True:
                    msg = self._receive(Budget.of(self.cell_timeout))
                    if msg.get("op") == "cell_start":
                        current = int(msg["index"])
                    elif msg.get("op") == "cell_end":
                        if msg.get("error"):
                            self.cell_errors[int(msg["index"])] = str(msg["error"])
                        current = None
                    elif msg.get("op") == "ready":
                        funcs = msg.get("functions")
                        self.functions = funcs if isinstance(funcs, dict) else {}
                        return
                    else:
                        raise wire.WireError("unexpected message")
            except (TimeoutError, EOFError, wire.WireError, OSError) as err:
                self.kill()
                if current is None or current in self.skip or self.starts > len(self.cells) + 2:
                    said = f": {self.startup_errors[-1000:]}" if self.startup_errors else ""
                    raise NotGradable(f"the notebook's code could not be run in the sandbox "
                                      f"({type(err).__name__}{said})")
                why = (f"ran past the cell time limit of {self.cell_timeout:g} s of CPU time "
                       f"(or {WALL_FACTOR * self.cell_timeout:g} s of wall-clock time)"
                       if isinstance(err, TimeoutError) else "ended the Python process or broke its output")
                self.cell_errors[current] = f"this cell {why} and was skipped"
                self.skip.append(current)

    def _await_hello(self) -> None:
        """Wait (up to SANDBOX_START_TIMEOUT) for the runner's "hello": it has started and
        imported the libraries; nothing of the submission has run yet."""
        try:
            msg = self._receive(Budget(math.inf, SANDBOX_START_TIMEOUT))
            if msg.get("op") != "hello":
                raise wire.WireError("unexpected message")
        except (TimeoutError, EOFError, wire.WireError, OSError) as err:
            self.kill()
            said = f": {self.startup_errors[-1000:]}" if self.startup_errors else ""
            raise NotGradable(f"the sandbox did not start ({type(err).__name__}{said})") from None

    def call(self, name: str, args, kwargs, overrides: dict, budget: Budget):
        if self.proc is None:
            self.start()
        try:
            self._send({"op": "call", "name": name, "args": list(args), "kwargs": dict(kwargs),
                        "globals": overrides})
        except wire.WireError as err:  # a test passed something that cannot cross
            raise RuntimeError(f"grader error: {err}") from None
        except OSError:
            self.kill()
            raise StudentError(f"{name}: the sandbox is not running") from None
        try:
            while True:
                msg = self._receive(budget)
                op = msg.get("op")
                if op == "result":
                    return msg.get("value")
                if op == "error":
                    raise StudentError(str(msg.get("message", "error"))[:2000])
                if op == "callback":
                    self._answer_callback(msg)
                    continue
                raise wire.WireError("unexpected message")
        except TimeoutError:
            self.kill()
            raise QuestionTimeout(f"{name} did not return within the question's time limit") from None
        except (EOFError, OSError, wire.WireError) as err:
            self.kill()
            raise StudentError(f"{name}: the sandboxed process failed ({err})") from None

    def _answer_callback(self, msg: dict) -> None:
        ident = msg.get("id")
        if not isinstance(ident, int) or not 0 <= ident < len(self._callbacks):
            raise wire.WireError("unknown callback")
        args, kwargs = msg.get("args", []), msg.get("kwargs", {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise wire.WireError("malformed callback")
        try:
            value = self._callbacks[ident](*args, **kwargs)
            self._send({"op": "callback_result", "value": value})
        except Exception as err:  # noqa: BLE001 - our function on the student's inputs
            self._send({"op": "callback_result", "error": f"{type(err).__name__}: {err}"[:1000]})


class RemoteGlobals:
    """What a test sees as ``fn.__globals__``: overrides sent with every call.

    A test may replace a notebook global (say ``logistic_grad``) by a reference function
    for the duration of the test; the reference stays here, and the sandbox calls it back.
    Reading a global gives a marker that, written back, removes the override.
    """

    class _Original:
        def __init__(self, name):
            self.name = name

    def __init__(self):
        self.overrides: dict = {}

    def get(self, key, default=None):
        return self._Original(key)

    __getitem__ = get

    def __setitem__(self, key, value):
        if isinstance(value, self._Original):
            self.overrides.pop(key, None)
        else:
            self.overrides[key] = value

    def update(self, other=(), **kwargs):
        for k, v in dict(other, **kwargs).items():
            self[k] = v


class StudentFunction:
    """Stands in for a student's function in the tests; every call goes into the sandbox."""

    def __init__(self, name: str, runner: "SubmissionRun", info: dict):
        self.__name__ = name
        self._runner = runner
        names = info.get("co_names") if isinstance(info, dict) else None
        self.__code__ = types.SimpleNamespace(
            co_names=tuple(str(n) for n in names) if isinstance(names, list) else ())
        self.__globals__ = runner.globals

    def __call__(self, *args, **kwargs):
        return self._runner.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<student function {self.__name__}>"


# --------------------------------------------------------------------------- one submission


@dataclass
class TestResult:
    question: str
    name: str
    points: float
    earned: float
    hidden: bool
    message: str


@dataclass
class Graded:
    assignment: str
    file: str
    student: str
    questions: list[Question] = field(default_factory=list)
    results: list[TestResult] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # question -> why it got 0 or was cut
    cell_errors: dict[int, str] = field(default_factory=dict)
    error: str = ""

    def score(self, question: str) -> float:
        return sum(r.earned for r in self.results if r.question == question)

    @property
    def auto_total(self) -> float:
        return sum(r.earned for r in self.results)


class SubmissionRun:
    def __init__(self, sandbox: Sandbox, question_timeout: float):
        self.sandbox = sandbox
        self.question_timeout = question_timeout
        self.globals = RemoteGlobals()
        self.budget = Budget.of(question_timeout)
        self.timed_out = False

    def call(self, name, args, kwargs):
        if self.timed_out:
            raise QuestionTimeout("the question's time limit was already used up")
        try:
            return self.sandbox.call(name, args, kwargs, dict(self.globals.overrides), self.budget)
        except QuestionTimeout:
            self.timed_out = True
            raise


def _message(err: BaseException) -> str:
    text = str(err).strip()
    if isinstance(err, AssertionError):
        return text or "a check of this test failed"
    return f"{type(err).__name__}: {text}"[:2000]


def grade_submission(path: Path, submissions: Path, dist: Path, masters: Path,
                     question_timeout: float, cell_timeout: float) -> Graded:
    rel = path.relative_to(submissions)
    student = rel.parts[0] if len(rel.parts) > 1 else rel.stem
    graded = Graded(assignment="", file=rel.as_posix(), student=student)
    sandbox = None
    try:
        name, cells = read_submission(path)
        graded.assignment = name
        master = masters / f"{name}.ipynb"
        if not master.is_file():
            raise NotGradable(f"unknown assignment {name!r}: no master {master}")
        _, graded.questions = read_master(master)
        tests = load_tests(autograder_zip(dist, name))
        for q in graded.questions:
            if not q.manual:
                q.points = float(sum(case.points or 0 for case in tests.get(q.name, [])))
        uses_library = libcheck.library_users(cells)
        constants = libcheck.constant_functions(cells)
        sandbox = Sandbox(cells, cell_timeout)
        sandbox.start()
        for question in graded.questions:
            if question.manual:
                continue
            cases = tests.get(question.name, [])
            if sandbox.proc is None:
                sandbox.start()
            run = SubmissionRun(sandbox, question_timeout)
            env = {fname: StudentFunction(fname, run, info)
                   for fname, info in sandbox.functions.items()}
            for case in cases:
                run.globals.overrides.clear()
                try:
                    params = case._get_func_params()
                    missing = [p for p in params if p not in env]
                    if missing:
                        raise StudentError(f"no function named {', '.join(missing)} in the notebook"
                                           " (keep the names and signatures of the answer cells)")
                    case.test_func(**{p: env[p] for p in params})
                    ok, msg = True, "passed"
                except Exception as err:  # noqa: BLE001 - a failed test
                    ok, msg = False, _message(err)
                graded.results.append(TestResult(question.name, case.name, float(case.points or 0),
                                                 float(case.points or 0) if ok else 0.0,
                                                 bool(case.hidden), msg))
            names = {p for case in cases for p in case._get_func_params()}
            cheats = sorted(n for n in names if n in uses_library)
            hard_coded = sorted(n for n in names if n in constants and n not in uses_library)
            if cheats or hard_coded:
                why = "uses natgrad_lib" if cheats else "is hard-coded"
                for r in graded.results:
                    if r.question == question.name and r.earned:
                        r.earned = 0.0
                        r.message = f"no credit: the answer {why}"
                graded.notes[question.name] = "; ".join(
                    [f"{n}: {uses_library[n]}" for n in cheats] + [f"{n}: {constants[n]}" for n in hard_coded])
            if run.timed_out:
                graded.notes[question.name] = "; ".join(filter(None, [
                    graded.notes.get(question.name), f"ran past the time limit of {question_timeout:g} s of CPU time "
                    f"(or {WALL_FACTOR * question_timeout:g} s of wall-clock time)"]))
        graded.cell_errors = dict(sandbox.cell_errors)
    except NotGradable as err:
        graded.error = str(err)
    finally:
        if sandbox is not None:
            sandbox.close()
    return graded


# --------------------------------------------------------------------------- outputs


def _fmt(x: float) -> str:
    return f"{x:g}"


def feedback_text(g: Graded) -> str:
    lines = [f"# {g.assignment or 'submission'}: feedback for {g.student}", "",
             f"File: `{g.file}`", ""]
    if g.error:
        return "\n".join(lines + [f"**Not graded:** {g.error}", ""])
    possible = sum(q.points for q in g.questions if not q.manual)
    lines += [f"Autograded score: **{_fmt(g.auto_total)} / {_fmt(possible)}**. Written questions "
              "are graded by hand.", ""]
    for q in g.questions:
        if q.manual:
            lines += [f"## {q.name} (written, {_fmt(q.points)} points)", "", "Graded by hand.", ""]
            continue
        lines += [f"## {q.name}: {_fmt(g.score(q.name))} / {_fmt(q.points)}", ""]
        for r in (r for r in g.results if r.question == q.name):
            kind = "hidden" if r.hidden else "public"
            mark = "passed" if r.earned == r.points else "FAILED"
            lines.append(f"- {mark} `{r.name}` ({kind}, {_fmt(r.earned)}/{_fmt(r.points)})"
                         + ("" if mark == "passed" else f": {r.message}"))
        if q.name in g.notes:
            lines.append(f"- Note: {g.notes[q.name]}")
        if g.score(q.name) < q.points:
            lines.append(f"- Revisit: {q.title or q.name}.")
        lines.append("")
    if g.cell_errors:
        lines += ["## Cells that raised an error when the notebook was run", ""]
        lines += [f"- cell {i + 1}: {msg}" for i, msg in sorted(g.cell_errors.items())]
        lines.append("")
    return "\n".join(lines)


def read_hand_scores(path: Path) -> dict[tuple[str, str, str], float]:
    """(student, assignment, question) -> score, from a CSV with those four columns."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        need = {"student", "assignment", "question", "score"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise SystemExit(f"{path}: the hand-graded CSV needs the columns {sorted(need)}, "
                             f"got {reader.fieldnames}")
        out = {}
        for line, row in enumerate(reader, start=2):
            if not (row["score"] or "").strip():
                continue
            try:
                out[(row["student"], row["assignment"], row["question"])] = float(row["score"])
            except ValueError:
                raise SystemExit(f"{path}, line {line}: score {row['score']!r} is not a number") from None
    return out


def table(graded: list[Graded],
          hand: dict[tuple[str, str, str], float]) -> tuple[list[str], list[dict]]:
    """One row per student: a column per question (autograded, then hand), totals, status."""
    assignments = sorted({g.assignment for g in graded if g.assignment})
    qs = {a: next(g.questions for g in graded if g.assignment == a and g.questions)
          for a in assignments if any(g.assignment == a and g.questions for g in graded)}
    assignments = sorted(qs)
    columns = ["student"]
    for a in assignments:
        columns += [f"{a}/{q.name}" for q in qs[a] if not q.manual]
        columns += [f"{a}/{q.name} (hand)" for q in qs[a] if q.manual]
        columns += [f"{a}/auto", f"{a}/hand", f"{a}/total"]
    columns += ["total", "possible", "files", "status"]
    known = {(g.student, g.assignment, q.name) for g in graded for q in g.questions if q.manual}
    unknown = sorted(set(hand) - known)
    if unknown:
        raise SystemExit(f"hand-graded scores for questions or students not graded here: {unknown[:5]}")
    rows: dict[str, dict] = {}
    for g in sorted(graded, key=lambda g: (g.student, g.file)):
        row = rows.setdefault(g.student, {"student": g.student, "total": 0.0, "possible": 0.0,
                                          "files": [], "status": []})
        row["files"].append(g.file)
        if g.error:
            row["status"].append(f"{g.file}: NOT GRADED ({g.error})")
            continue
        a = g.assignment
        if f"{a}/total" in row:
            row["status"].append(f"{g.file}: NOT GRADED (a second submission for {a})")
            continue
        auto = hand_sum = 0.0
        pending = 0
        for q in g.questions:
            if q.manual:
                score = hand.get((g.student, a, q.name))
                if score is not None and not 0 <= score <= q.points:
                    raise SystemExit(f"hand score {score} for {g.student} {a}/{q.name} is outside "
                                     f"0..{_fmt(q.points)}")
                row[f"{a}/{q.name} (hand)"] = "" if score is None else _fmt(score)
                pending += score is None
                hand_sum += score or 0.0
            else:
                row[f"{a}/{q.name}"] = _fmt(g.score(q.name))
                auto += g.score(q.name)
            row["possible"] += q.points
        row[f"{a}/auto"], row[f"{a}/hand"] = _fmt(auto), _fmt(hand_sum)
        row[f"{a}/total"] = _fmt(auto + hand_sum)
        row["total"] += auto + hand_sum
        if pending:
            row["status"].append(f"{a}: {pending} written question(s) to grade by hand")
    out = []
    for row in rows.values():
        row["total"], row["possible"] = _fmt(row["total"]), _fmt(row["possible"])
        row["files"] = "; ".join(row["files"])
        row["status"] = "; ".join(row["status"]) or "complete"
        out.append(row)
    return columns, out


def keep_previous(path: Path) -> Path | None:
    """Rename an existing output with a time stamp rather than overwrite it."""
    if not path.exists():
        return None
    stamp = _dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.{stamp}{path.suffix}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.{stamp}-{n}{path.suffix}")
        n += 1
    path.rename(target)
    return target


def progress(done: int, total: int, width: int = 30, stream=sys.stderr) -> None:
    filled = int(width * done / total)
    stream.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        stream.write("\n")
    stream.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of submitted .ipynb files")
    parser.add_argument("--dist", type=Path, default=Path("dist"),
                        help="output folder of `make assignments` (default: dist)")
    parser.add_argument("--masters", type=Path, default=HERE,
                        help="folder of the master notebooks (default: assignments/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="CSV to write (default: DIST/grades.csv)")
    parser.add_argument("--feedback", type=Path, default=None,
                        help="folder of feedback files (default: DIST/feedback)")
    parser.add_argument("--hand", type=Path, default=None,
                        help="CSV of hand-graded scores: student, assignment, question, score")
    parser.add_argument("--question-timeout", type=float, default=DEFAULT_QUESTION_TIMEOUT,
                        help=f"CPU seconds per code question (default: {DEFAULT_QUESTION_TIMEOUT:g}; "
                        f"code that waits is stopped at {WALL_FACTOR:g} times as many seconds of wall-clock time)")
    parser.add_argument("--cell-timeout", type=float, default=DEFAULT_CELL_TIMEOUT,
                        help=f"CPU seconds per notebook cell (default: {DEFAULT_CELL_TIMEOUT:g}; "
                        f"wall-clock ceiling: {WALL_FACTOR:g} times as many)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded in parallel (default: number of CPUs)")
    args = parser.parse_args(argv)
    for name in ("question_timeout", "cell_timeout"):
        if not getattr(args, name) > 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")

    submissions, dist = args.submissions.resolve(), args.dist.resolve()
    out = args.out or dist / "grades.csv"
    feedback_dir = args.feedback or dist / "feedback"
    if not submissions.is_dir():
        parser.error(f"SUBMISSIONS must be a folder, got {args.submissions}")
    notebooks = sorted(p for p in submissions.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        parser.error(f"no .ipynb files under {args.submissions}")
    hand = read_hand_scores(args.hand) if args.hand else {}

    graded: list[Graded] = []
    lock = threading.Lock()
    progress(0, len(notebooks))

    def work(nb: Path) -> Graded:
        g = grade_submission(nb, submissions, dist, args.masters.resolve(),
                             args.question_timeout, args.cell_timeout)
        with lock:
            graded.append(g)
            progress(len(graded), len(notebooks))
        return g

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(work, notebooks))

    columns, rows = table(graded, hand)
    for path in (out, feedback_dir):
        kept = keep_previous(path)
        if kept is not None:
            print(f"kept the previous {path.name} as {kept}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    for g in graded:
        target = feedback_dir / (g.assignment or "not_graded") / f"{g.student}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # two files of one student for one assignment
            target = target.with_name(f"{g.student}--{Path(g.file).stem}.md")
        target.write_text(feedback_text(g), encoding="utf-8")

    errors = [g for g in graded if g.error]
    for g in sorted(graded, key=lambda g: g.file):
        if g.error:
            print(f"ERROR {g.file}: {g.error}", file=sys.stderr)
        else:
            possible = sum(q.points for q in g.questions if not q.manual)
            print(f"{g.assignment:<24} {g.file:<40} {_fmt(g.auto_total):>5} / {_fmt(possible)} autograded")
    print(f"wrote {out} ({len(rows)} students, {len(notebooks)} notebooks, {len(errors)} not graded) "
          f"and the feedback files in {feedback_dir}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
