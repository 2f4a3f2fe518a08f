"""natgrad_check: the public tests of a natgrad assignment notebook, without otter-grader.

Shipped in each student bundle as ``natgrad_check.py``. The notebook's first cell uses
otter-grader when it is installed, and this module otherwise, so that students need only
``natgrad_lib`` (numpy, scipy, sympy). It runs the same public tests, which otter assign
stored in the notebook's metadata (``metadata.otter.tests``), with the same API:
``grader.check("q2_...")`` and ``grader.check_all()``. It never sees a hidden test: those are
not in the student notebook.
"""

from __future__ import annotations

import inspect
import json
import sys
import types


class test_case:  # noqa: N801 - the name the test files import from otter
    def __init__(self, name=None, points=None, hidden=False, success_message=None,
                 failure_message=None):
        self.name, self.points, self.hidden = name, points, hidden
        self.test_func = None

    def __call__(self, func):
        self.test_func = func
        self.name = self.name or func.__name__
        return self


class Result:
    def __init__(self, question: str, failures: list[tuple[str, str]], n: int):
        self.question, self.failures, self.n = question, failures, n

    def __repr__(self) -> str:
        if not self.failures:
            return f"{self.question} results: All test cases passed!"
        lines = [f"{self.question} results:"]
        lines += [f"    {name} failed: {message}" for name, message in self.failures]
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(repr(self))  # noqa: E731


def _otter_shim() -> None:
    """The test files start with ``from otter.test_files import test_case``."""
    if "otter.test_files" in sys.modules:
        return
    otter = sys.modules.get("otter") or types.ModuleType("otter")
    test_files = types.ModuleType("otter.test_files")
    test_files.test_case = test_case
    otter.test_files = test_files
    sys.modules.setdefault("otter", otter)
    sys.modules["otter.test_files"] = test_files


class Notebook:
    def __init__(self, nb_path: str):
        with open(nb_path, encoding="utf-8") as f:
            self._tests = json.load(f)["metadata"]["otter"]["tests"]

    def check(self, question: str, global_env: dict | None = None) -> Result:
        if question not in self._tests:
            raise ValueError(f"question: no public tests for {question!r}; "
                             f"the questions are {sorted(self._tests)}")
        env = global_env if global_env is not None else inspect.currentframe().f_back.f_globals
        _otter_shim()
        namespace: dict = {}
        exec(compile(self._tests[question], f"<tests of {question}>", "exec"), namespace)
        cases = [v for v in namespace.values() if isinstance(v, test_case)]
        failures = []
        for case in cases:
            params = list(inspect.signature(case.test_func).parameters)
            try:
                case.test_func(**{p: env.get(p) for p in params})
            except Exception as err:  # noqa: BLE001 - a failed test, reported to the student
                failures.append((case.name, f"{type(err).__name__}: {err}" if not
                                 isinstance(err, AssertionError) else str(err) or "assertion failed"))
        return Result(question, failures, len(cases))

    def check_all(self) -> list[Result]:
        env = inspect.currentframe().f_back.f_globals
        results = [self.check(q, env) for q in sorted(self._tests)]
        for r in results:
            print(repr(r))
        return results
