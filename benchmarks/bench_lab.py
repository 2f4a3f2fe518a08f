"""End-to-end update latency of every explorer in JupyterLab: key press -> new image.

What the learner waits for: the time from the key press on a control (an arrow key on a
slider's handle; for a dropdown, the change of its option) to the ``load`` event of the new
PNG in the explorer's image, both stamped in the page (``performance.now()``). In between:
the widget message to the kernel, ``update`` and ``render_png`` there, the PNG back, the
image decoded. Measured in a real JupyterLab (tests/lab/labkit.py: requirements-lab.txt,
127.0.0.1, the system Chromium through Playwright, offline) after Run All of each chapter.

Each control of each explorer gets PRESSES changes, alternately forward and back; the first
change of each control is a warm-up and not counted. Printed per explorer: the number of
changes, the median and the 90th percentile, each with its ratio to the goal (median 50 ms,
90th percentile 100 ms), and the kernel's share (median of ``Explorer.kernel_times``: update
and PNG), so that the rest (messages, decoding, layout) shows side by side.

Run it with ``make bench`` (after ``make lab-install``) or
``.venv/bin/python benchmarks/bench_lab.py [chapter ...]``. Never asserts.
"""

from __future__ import annotations

import json
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


def _p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def main(names: list[str]) -> None:
    if not (labkit.VENV_BIN / "jupyter-lab").exists():
        print("bench_lab: JupyterLab is not installed; run `make lab-install` first (skipped)")
        return
    chapters = [n for n in (names or labkit.notebook_chapters())
                if re.search(r"^\s*\w+\.display\(\)$", (ROOT / "chapters" / f"{n}.md").read_text(), re.M)]
    rows = []
    start = time.perf_counter()
    with labkit.lab_server() as server, labkit.browser() as browser:
        for name in chapters:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            ch = labkit.Chapter.open(context, server, name)
            try:
                ch.run_all()
                explorers = ch.explorers()
                for i in range(explorers.count()):
                    ex = explorers.nth(i)
                    ex.scroll_into_view_if_needed()
                    labkit.watch_image(ex)
                    counted: list[float] = []
                    for kind, control in labkit.controls(ex):
                        for k in range(PRESSES + 1):
                            loads = labkit.image_loads(ex)
                            labkit.press(kind, control, forward=k % 2 == 0)
                            labkit.wait_for_new_image(ex, loads)
                            latency = ex.evaluate("(el) => el.__natgrad.latencies.at(-1)")
                            if k > 0:
                                counted.append(latency)
                    rows.append([f"{name} #{i + 1}", counted, None])
                # The kernel's share: every explorer of the chapter (one per chapter today).
                out = labkit.kernel_print(ch, labkit.KERNEL_TIMES)
                kernel = [t for line in out.splitlines() if line for t in json.loads(line)]
                if kernel:
                    for row in rows[-explorers.count():]:
                        row[2] = statistics.median(kernel)
            finally:
                ch.close()
                context.close()
    print(f"End-to-end update latency in JupyterLab (key press -> new image loaded), "
          f"{PRESSES} changes per control; goals: median {GOAL_MEDIAN_MS:.0f} ms, p90 {GOAL_P90_MS:.0f} ms")
    print(f"{'explorer':<28}{'n':>4}{'median ms':>11}{'/goal':>7}{'p90 ms':>9}{'/goal':>7}{'kernel ms':>11}")
    all_lat: list[float] = []
    for row in rows:
        label, lat = row[0], row[1]
        kernel = f"{row[2]:.1f}" if row[2] is not None else "-"
        med, p90 = statistics.median(lat), _p90(lat)
        all_lat += lat
        print(f"{label:<28}{len(lat):>4}{med:>11.1f}{med / GOAL_MEDIAN_MS:>7.2f}{p90:>9.1f}"
              f"{p90 / GOAL_P90_MS:>7.2f}{kernel:>11}")
    if all_lat:
        med, p90 = statistics.median(all_lat), _p90(all_lat)
        print(f"{'all explorers':<28}{len(all_lat):>4}{med:>11.1f}{med / GOAL_MEDIAN_MS:>7.2f}{p90:>9.1f}"
              f"{p90 / GOAL_P90_MS:>7.2f}")
    print(f"(bench_lab ran {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
