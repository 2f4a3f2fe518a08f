"""Every chapter in a real JupyterLab, as a learner meets it (``make test-lab``).

JupyterLab 4 from requirements-lab.txt, served on 127.0.0.1 (free port, token) with the
repository's configuration, driven by Playwright in the system Chromium, offline. For each
notebook chapter: it opens as a notebook (double-click default), Run All finishes without an
error or anything on stderr, every control of every explorer, operated from the keyboard,
redraws the picture, the MyST markup is rendered (exercises as exercises, solutions closed,
their code cells collapsed), the browser logs no error, nothing is fetched from another host,
and saving writes the chapter back byte for byte.
"""

from __future__ import annotations

import re

import pytest

from . import labkit

pytestmark = pytest.mark.lab

CHAPTERS = labkit.notebook_chapters()


@pytest.fixture(scope="module")
def server():
    with labkit.lab_server() as srv:
        yield srv


@pytest.fixture(scope="module")
def chromium():
    with labkit.browser() as b:
        yield b


@pytest.fixture
def context(chromium):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


def _count(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text, flags=re.M))


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_in_jupyterlab(server, context, name):
    source = (labkit.ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")
    ch = labkit.Chapter.open(context, server, name)
    try:
        assert ch.js("(w) => w.context.path") == f"chapters/{name}.md"
        assert ch.js("(w) => w.content.widgets.length") > 3, "the .md opened as a notebook"

        ch.run_all()
        outs = ch.outputs()
        errors = [o for o in outs if o["output_type"] == "error"]
        assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']} (cell {errors[0]['cell']})"
        stderr = [o for o in outs if o["output_type"] == "stream" and o["name"] == "stderr"]
        assert not stderr, f"{name}: stderr in cell {stderr[0]['cell']}: {stderr[0]['text'][:500]}"

        # Explorers: live ones only (ng.live: anywidget views drawn in the browser by the same
        # front end as the book's page), none drawn by the kernel, and in a kernel no static
        # player beside them (the chapters' animations are frame players by design).
        assert ch.scope.locator(".natgrad-explorer").count() == 0
        assert ch.scope.locator(".jp-Cell:has(.natgrad-live-explorer) .natgrad-static-fallback").count() == 0
        n_live = _count(r"^\s*(?:display\()?ng\.live\.\w+\(", source)
        views = labkit.live_views(ch)
        if n_live:
            views.nth(n_live - 1).wait_for(timeout=labkit.UPDATE_S * 1000)
        assert views.count() == n_live, f"{name}: {views.count()} live explorers, expected {n_live}"
        # Every control from the keyboard, as a learner tabbing to it would: a slider one step
        # on and back (ArrowRight/ArrowLeft), a dropdown one option on and back (ArrowDown/Up);
        # each press moves the control, keeps the focus on it (the notebook's command-mode
        # arrow keys did not take it) and redraws the picture.
        for i in range(n_live):
            view = views.nth(i)
            view.scroll_into_view_if_needed()
            panels = view.locator(".natgrad-live-panels")
            controls = labkit.live_controls(view)
            assert controls, f"{name}: live explorer {i + 1} has no control"
            for control in controls:
                for forward in (True, False):
                    key = labkit.step_key(control, forward)
                    if key is None:
                        continue
                    value, before = control.input_value(), panels.inner_html()
                    labkit.press_key(view, control, key)
                    what = f"{name}: explorer {i + 1}, {key} on {control.get_attribute('name')}"
                    assert control.input_value() != value, f"{what}: the control did not move"
                    assert control.evaluate("(c) => document.activeElement === c"), f"{what}: focus moved"
                    assert panels.inner_html() != before, f"{what}: the picture did not change"

        # After the controls were moved, the kernel reported nothing either.
        later = [o for o in ch.outputs() if o["output_type"] == "error"
                 or (o["output_type"] == "stream" and o["name"] == "stderr")]
        assert not later, f"{name}: a control raised: {later[0]}"

        # MyST rendered: exercises, closed solutions, no raw directives; solution code collapsed.
        n_ex, n_sol = _count(r"^`{3,}\{exercise\}", source), _count(r"^`{3,}\{solution-start\}", source)
        n_code_in_solutions = sum(_count(r"^```\{code-cell\}", part.split("{solution-end}")[0])
                                  for part in source.split("{solution-start}")[1:])
        rendered = ch.scope.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
        text = "\n".join(rendered.all_text_contents())
        assert "{exercise}" not in text and "{solution-start}" not in text and ":class: dropdown" not in text
        labels = set(re.findall(r"^`{3,}\{exercise\}\n:label: (\S+)", source, flags=re.M))
        assert len(labels) == n_ex
        shown = set(ch.scope.locator("aside.myst-exercise").evaluate_all("(xs) => xs.map(x => x.id)")) - {""}
        assert shown == labels, f"{name}: exercises rendered {sorted(shown)}, expected {sorted(labels)}"
        solutions = ch.scope.locator("details.myst-exercise")
        assert solutions.count() >= n_sol   # (a cell may be rendered more than once in the DOM)
        assert solutions.evaluate_all("(ds) => ds.filter(d => d.open).length") == 0, "a solution is open"
        # (Their outputs show after Run All: JupyterLab un-hides the outputs of a cell it runs.)
        hidden = ch.js("""(w) => w.content.widgets.filter(c => c.model.type === 'code'
                           && c.model.getMetadata('jupyter')).map(c => c.inputHidden)""")
        assert len(hidden) == n_code_in_solutions and all(hidden), f"{name}: solution code shown: {hidden}"

        # Ctrl+S after Run All gives back the chapter byte for byte.
        ch.js("(w) => { w.context.model.dirty = true; }")
        ch.save()
        saved = (server.root / "chapters" / f"{name}.md").read_text(encoding="utf-8")
        if saved != source:
            import difflib

            diff = "".join(list(difflib.unified_diff(source.splitlines(True), saved.splitlines(True),
                                                     "chapter", "saved", n=1))[:40])
            pytest.fail(f"{name}: saving from JupyterLab rewrote the chapter:\n{diff}")

        assert not ch.offsite, f"{name}: requests to other hosts: {ch.offsite[:5]}"
        assert not ch.console_errors, f"{name}: console errors: {ch.console_errors[:5]}"
    finally:
        ch.close()
