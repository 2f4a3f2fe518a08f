"""The live explorers in the built book, in Chromium: redraw latency, weight, time to interactive.

For every explorer of every chapter page (``_build/html``, served on 127.0.0.1, the system
Chromium through Playwright, offline): each control gets PRESSES changes from the keyboard
(alternately forward and back; the first is a warm-up). Measured in the page with
``performance.now()``: from the keydown to the explorer's ``natgrad:drawn`` event (computed
and the SVG updated), and to the next animation frame after it (painted). Printed per
explorer: median and 90th percentile of the painted latency, with their ratios to the goals
(median 16 ms, 90th percentile 33 ms). Then each page's weight (goal < 3 MB), the shared
script's gzip size (goal < 300 KB), and the time from navigation start until every explorer of
the page has mounted (goal < 1 s), for every chapter and for the goal's page with two
explorers (chapter 05 with chapter 04's KL ball added; no chapter has two).

Run with ``make bench`` after ``make book``, or ``.venv/bin/python benchmarks/bench_live.py``.
Never asserts.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.report import print_table  # noqa: E402

HTML = ROOT / "_build" / "html"
GOAL_MEDIAN_MS, GOAL_P90_MS = 16.0, 33.0
PRESSES = 12

LISTEN_JS = """() => {
  window.__lat = [];
  let t0 = null;
  document.addEventListener("keydown", () => { t0 = performance.now(); }, true);
  document.addEventListener("natgrad:drawn", () => {
    if (t0 === null) return;
    const start = t0, drawn = performance.now();
    t0 = null;
    requestAnimationFrame(() => window.__lat.push([drawn - start, performance.now() - start]));
  });
}"""


def _p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


TWO = "chapters/__two_explorers.html"


def _two_explorers_page(ctx, base: str) -> tuple[str, int, float]:
    """The goal's page with two explorers: no chapter has two, so chapter 05 (its KL ellipse)
    is served with chapter 04's KL ball added before it, under a path of its own, and timed
    from navigation start like the chapters."""
    import re

    ball = re.search(r'<div class="natgrad-live" data-kind="kl_ball">.*?</noscript>'
                     r'<div class="natgrad-live-view"></div><script>[^<]*</script></div>',
                     (HTML / "chapters" / "04_kl_fisher.html").read_text(), re.S).group(0)
    html = (HTML / "chapters" / "05_natural_gradient.html").read_text()
    at = html.index('<div class="natgrad-live"')
    page_html = html[:at] + ball + html[at:]
    ctx.route(base + TWO, lambda r: r.fulfill(status=200, content_type="text/html", body=page_html))
    page = ctx.new_page()
    page.goto(base + TWO, wait_until="load")
    page.wait_for_function("() => [...document.querySelectorAll('.natgrad-live')].every(e => e.dataset.state)")
    states = page.eval_on_selector_all(".natgrad-live", "els => els.map(e => e.dataset.state)")
    mounted = page.eval_on_selector_all(".natgrad-live", "els => els.map(e => Number(e.dataset.mountedMs))")
    page.close()
    if states != ["live", "live"]:
        raise RuntimeError(f"the two-explorer page did not start both: {states}")
    return "05_natural_gradient with 04's KL ball added", len(mounted), max(mounted)


def main() -> int:
    from playwright.sync_api import sync_playwright

    pages = sorted(p for p in (HTML / "chapters").glob("*.html") if 'class="natgrad-live"' in p.read_text())
    if not pages:
        print("no built book with live explorers at _build/html: run `make book` first")
        return 0
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    latency, weight, tti = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctx.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
            for path in pages:
                page = ctx.new_page()
                page.goto(base + str(path.relative_to(HTML)), wait_until="load")
                page.wait_for_function("() => [...document.querySelectorAll('.natgrad-live')].every(e => e.dataset.state)")
                mounted = page.eval_on_selector_all(".natgrad-live", "els => els.map(e => Number(e.dataset.mountedMs))")
                tti.append((path.stem, len(mounted), max(mounted)))
                page.evaluate(LISTEN_JS)
                for host in page.locator(".natgrad-live").all():
                    kind = host.get_attribute("data-kind")
                    samples = []
                    for control in host.locator("input[type=range], select").all():
                        for i in range(PRESSES + 1):
                            n = page.evaluate("() => window.__lat.length")
                            control.focus()
                            key = ("ArrowRight" if i % 2 == 0 else "ArrowLeft") if control.get_attribute("type") == "range" \
                                else ("ArrowDown" if i % 2 == 0 else "ArrowUp")
                            page.keyboard.press(key)
                            try:
                                page.wait_for_function("n => window.__lat.length > n", arg=n, timeout=60_000)
                            except Exception:   # at the end of its range a key changes nothing
                                continue
                            if i:
                                samples.append(page.evaluate("() => window.__lat[window.__lat.length - 1]"))
                    painted = [s[1] for s in samples]
                    computed = [s[0] for s in samples]
                    med, p90 = statistics.median(painted), _p90(painted)
                    latency.append((f"{path.stem} {kind} ({len(painted)} changes)",
                                    f"median {med:6.1f} ms ({med / GOAL_MEDIAN_MS:.2f} x goal), "
                                    f"p90 {p90:6.1f} ms ({p90 / GOAL_P90_MS:.2f} x goal), "
                                    f"compute+DOM median {statistics.median(computed):.1f} ms"))
                page.close()
                size = path.stat().st_size + sum(p.stat().st_size for p in (HTML / "_static").glob("natgrad-live.js"))
                weight.append((path.stem, size))
            tti.append(_two_explorers_page(ctx, base))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print("Redraw latency, keydown to the next frame after the redraw (goals: median 16 ms, p90 33 ms)")
    print_table(latency, 70)
    bundle = (HTML / "_static" / "natgrad-live.js").read_bytes()
    print()
    print_table([(f"{name}.html + natgrad-live.js", f"{size / 1e6:.2f} MB ({size / 3e6:.2f} x the 3 MB goal)")
                 for name, size in weight]
                + [("natgrad-live.js gzip", f"{len(gzip.compress(bundle)) / 1e3:.0f} KB "
                    f"({len(gzip.compress(bundle)) / 300e3:.2f} x the 300 KB goal)")]
                + [(f"{name}: {n} explorer(s) mounted after", f"{ms:.0f} ms ({ms / 1000:.2f} x the 1 s goal)")
                   for name, n, ms in tti], 50)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
