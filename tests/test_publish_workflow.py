"""The GitHub Actions workflow that publishes the book is valid YAML of the expected shape.

It cannot run here (no GitHub); this checks what can be checked offline: the file parses, it
runs on pushes to main, builds with ``make site`` (``make book``, which builds the live
explorers' bundle, and the natgrad_lib wheel the downloaded notebooks install in Colab; see
tests/test_colab_install.py), sets up Python and node, and pushes ``_build/html`` to the
``gh-pages`` branch that ``_ext/launch_notebooks.py`` points Colab at, with the permission
to push.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


def test_publish_workflow_shape() -> None:
    wf = yaml.safe_load(WORKFLOW.read_text())
    triggers = wf.get("on", wf.get(True))   # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert wf["permissions"]["contents"] == "write"
    (job,) = wf["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("actions/setup-node@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "make site" in runs and "cd _build/html" in runs and " gh-pages" in runs
    # the wheel is copied into _build/html before the push, which adds everything (git add -A)
    assert runs.index("make site") < runs.index("cd _build/html") and "git add -A" in runs
    for step in steps:
        assert set(step) <= {"name", "uses", "with", "run", "env", "id"}, step
        assert ("uses" in step) != ("run" in step), step


def test_pages_branch_matches_the_colab_links() -> None:
    text = (ROOT / "_ext" / "launch_notebooks.py").read_text()
    assert '"gh-pages"' in text or "gh-pages" in text
