"""End-to-end update latency of every live explorer in JupyterLab: key press -> redraw painted.

What the learner waits for: the time from a real key press on a control (ArrowRight/ArrowLeft
on a slider, ArrowDown/ArrowUp on a dropdown, sent by Playwright as the keyboard would) to
the end of the frame that shows the new picture. Both ends are stamped in the page with
``performance.now()`` (tests/lab/labkit.py ``press_key``): the key press in the capture phase
at the document, before anything else sees it; the redraw by the front end's own mark at the
end of each draw (``data-natgrad-drawn-ms``, js/src/explorers.js), then the next animation
frame and a message task after it (style, layout and paint of that frame are done by then).
In between: JupyterLab's key handling, the control's input event, the model's change event,
the explorer's computation (generated formulas) and its SVG update (d3), and the browser's
frame. The kernel is not on this path: the widget sends the new value to it afterwards.

Measured in a real JupyterLab (requirements-lab.txt, 127.0.0.1, the system Chromium through
Playwright, offline) after Run All of each chapter, for every ``ng.live`` explorer. Each
control gets PRESSES changes, alternately on and back; the first change of each control is a
warm-up and not counted. Printed per explorer: the number of changes, the median and the 90th
percentile of key -> painted, each with its ratio to the goal (median 50 ms, 90th percentile
100 ms), and the median of key -> drawn (the front end's share), side by side.

Run it with ``make bench`` (after ``make lab-install``) or
``.venv/bin/python benchmarks/bench_lab.py [chapter ...]``. Never asserts.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lab import labkit  # noqa: E402

GOAL_MEDIAN_MS = 50.0
GOAL_P90_MS = 100.0
PRESSES = 8
LIVE = re.compile(r"^\s*(?:display\()?ng\.live\.(\w+)\(", re.M)


def _p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def measure(view) -> tuple[list[float], list[float]]:
    """Key -> painted and key -> drawn (ms) for PRESSES changes of each of the view's controls."""
    painted: list[float] = []
    drawn: list[float] = []
    for control in labkit.live_controls(view):
        for k in range(PRESSES + 1):
            key = labkit.step_key(control, forward=k % 2 == 0)
            if key is None:
                break
            s = labkit.press_key(view, control, key)
            if k > 0:
                painted.append(s["painted"] - s["key"])
                drawn.append(s["drawn"] - s["key"])
    return painted, drawn


def main(names: list[str]) -> None:
    if not (labkit.VENV_BIN / "jupyter-lab").exists():
        print("bench_lab: JupyterLab is not installed; run `make lab-install` first (skipped)")
        return
    chapters = {}
    for name in names or labkit.notebook_chapters():
        kinds = LIVE.findall((ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8"))
        if kinds:
            chapters[name] = kinds
    rows = []
    start = time.perf_counter()
    with labkit.lab_server() as server, labkit.browser() as browser:
        for name, kinds in chapters.items():
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            ch = labkit.Chapter.open(context, server, name)
            try:
                ch.run_all()
                views = labkit.live_views(ch)
                views.nth(len(kinds) - 1).wait_for(timeout=labkit.UPDATE_S * 1000)
                for i, kind in enumerate(kinds):
                    view = views.nth(i)
                    view.scroll_into_view_if_needed()
                    painted, drawn = measure(view)
                    rows.append((f"{name[:2]} {kind}", painted, drawn))
            finally:
                ch.close()
                context.close()
    print(f"End-to-end update latency of the live explorers in JupyterLab (key press -> redraw "
          f"painted), {PRESSES} changes per control; goals: median {GOAL_MEDIAN_MS:.0f} ms, "
          f"p90 {GOAL_P90_MS:.0f} ms")
    print(f"{'explorer':<22}{'n':>4}{'median ms':>11}{'/goal':>7}{'p90 ms':>9}{'/goal':>7}{'drawn ms':>10}")
    every: list[float] = []
    for label, painted, drawn in rows:
        if not painted:
            print(f"{label:<22}{0:>4}  (no control with two options)")
            continue
        med, p90 = statistics.median(painted), _p90(painted)
        every += painted
        print(f"{label:<22}{len(painted):>4}{med:>11.1f}{med / GOAL_MEDIAN_MS:>7.2f}{p90:>9.1f}"
              f"{p90 / GOAL_P90_MS:>7.2f}{statistics.median(drawn):>10.1f}")
    if every:
        med, p90 = statistics.median(every), _p90(every)
        print(f"{'all explorers':<22}{len(every):>4}{med:>11.1f}{med / GOAL_MEDIAN_MS:>7.2f}{p90:>9.1f}"
              f"{p90 / GOAL_P90_MS:>7.2f}")
    print(f"(bench_lab ran {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
