"""Every chapter in a real JupyterLab, as a learner meets it (``make test-lab``).

JupyterLab 4 from requirements-lab.txt, served on 127.0.0.1 (free port, token) with the
repository's configuration, driven by Playwright in the system Chromium, offline. For each
notebook chapter: it opens as a notebook (double-click default), Run All finishes without an
error or anything on stderr, every control of every explorer changes the picture, the MyST
markup is rendered (exercises as exercises, solutions closed, their code cells collapsed),
the browser logs no error, nothing is fetched from another host, and saving writes the
chapter back byte for byte.
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

        # Explorers: live widgets only (no static player in a kernel); each control moves the picture.
        n_explorers = _count(r"^\s*\w+\.display\(\)$", source)
        explorers = ch.explorers()
        assert explorers.count() == n_explorers, f"{name}: {explorers.count()} live explorers, expected {n_explorers}"
        assert ch.scope.locator(".jp-Cell:has(.natgrad-explorer) .natgrad-static-fallback").count() == 0
        for i in range(explorers.count()):
            ex = explorers.nth(i)
            ex.scroll_into_view_if_needed()
            labkit.watch_image(ex)
            img = ex.locator("img")
            natural = img.evaluate("(im) => [im.naturalWidth, im.clientWidth]")
            assert natural[0] >= 2 * natural[1] - 1, f"{name}: image {natural[0]} px shown at {natural[1]} px"
            for kind, control in labkit.controls(ex):
                src = img.get_attribute("src")
                loads = labkit.image_loads(ex)
                labkit.press(kind, control, forward=True)
                labkit.wait_for_new_image(ex, loads)
                assert img.get_attribute("src") != src
        # Live explorers (ng.live): anywidget views drawn in the browser by the same front end as
        # the book's page; every control (slider, dropdown) redraws the panels.
        n_live = _count(r"^\s*(?:display\()?ng\.live\.\w+\(", source)
        figures = ch.scope.locator(".jp-OutputArea .natgrad-live-figure")
        if n_live:
            figures.nth(n_live - 1).wait_for(timeout=labkit.UPDATE_S * 1000)
        assert figures.count() == n_live, f"{name}: {figures.count()} live figures, expected {n_live}"
        for i in range(n_live):
            fig = figures.nth(i)
            fig.scroll_into_view_if_needed()
            panels = fig.locator(".natgrad-live-panels").element_handle()
            controls = fig.locator(".natgrad-live-controls select, .natgrad-live-controls input[type=range]")
            assert controls.count() >= 1, f"{name}: live figure {i + 1} has no control"
            for j in range(controls.count()):
                control = controls.nth(j)
                before = panels.inner_html()
                # (keyboard operation is tested in the book's page: tests/browser/test_live.py;
                # here the events the front end listens to are sent, as a notebook user's click would)
                moved = control.evaluate("""(c) => {
                    const n = c.tagName === 'SELECT' ? c.options.length : Number(c.max) + 1;
                    if (n < 2) return false;
                    const i = c.tagName === 'SELECT' ? c.selectedIndex : Number(c.value);
                    const next = (i + 1) % n;
                    if (c.tagName === 'SELECT') c.selectedIndex = next; else c.value = String(next);
                    c.dispatchEvent(new Event(c.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
                    return true; }""")
                if not moved:
                    continue
                ch.page.wait_for_function("([p, b]) => p.innerHTML !== b", arg=[panels, before],
                                          timeout=labkit.UPDATE_S * 1000)

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
