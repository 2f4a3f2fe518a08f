"""The built book, opened page by page in headless Chromium, offline.

One test per page checks that the page loads with visible text, logs no console error,
makes no failed or off-machine request, has all its math typeset by MathJax, gives every
image alt text, plays every to_jshtml animation, shows every explorer's static fallback,
and has no critical or serious accessibility violation (axe-core) in light or dark mode.
Every wait is for the event itself (fonts loaded, MathJax's typeset promise, each image's
``complete`` flag, a frame index that changed), under a ceiling of ``CEILING_MS``.  A
second test per page checks every internal link and #anchor against the built files.  A
page that fails a check, or every page with ``NATGRAD_SCREENSHOTS=1``, is saved as
``_build/screenshots/<page>.png``.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from natgrad_pages import (
    ALLOWED_PROBLEMS,
    EXCLUDED_DIRS,
    EXCLUDED_FILES,
    HTML_ROOT,
    LOCAL_HOSTS,
    SCREENSHOTS,
    discover_pages,
    is_redirect,
    parse_html,
    redirect_pages,
    redirect_target,
)

pytestmark = pytest.mark.book  # needs the built book; deselect with -m "not book"

PAGES = discover_pages()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Ceiling for every wait: generous, so a loaded 2-core machine never fails a page that
# would render; a page that never gets there fails with what it was still waiting for.
CEILING_MS = 60_000

# Resolves when the page is ready to be inspected: web fonts loaded, MathJax started and
# done typesetting, every image loaded (or failed), fonts again (MathJax's own fonts load
# while it typesets).  Rejects after the ceiling, naming the step it was waiting for.
READY_JS = r"""
async (ceiling) => {
  let step = 'document.fonts.ready';
  const ready = (async () => {
    await document.fonts.ready;
    if (document.querySelector('.math')) {
      step = 'MathJax to load (window.MathJax.startup.promise)';
      while (!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)) {
        await new Promise(r => requestAnimationFrame(r));
      }
      step = 'MathJax.startup.promise';
      await window.MathJax.startup.promise;
      if (window.MathJax.typesetPromise) {
        step = 'MathJax.typesetPromise()';
        await window.MathJax.typesetPromise();
      }
    }
    step = 'every <img> complete';
    await Promise.all([...document.images].map(img => img.complete ? null : new Promise(r => {
      img.addEventListener('load', r, {once: true});
      img.addEventListener('error', r, {once: true});
    })));
    step = 'document.fonts.ready (after typesetting)';
    await document.fonts.ready;
    return true;
  })();
  const ceilingHit = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('still waiting for ' + step + ' after ' + ceiling + ' ms')), ceiling));
  return Promise.race([ready, ceilingHit]);
}
"""

# Switches the theme to light or dark as its own toggle does (pydata-sphinx-theme reads
# data-mode / data-theme on <html>); the colours then move by CSS transitions, and THEME_SETTLED_JS
# says when every one has finished. It reads each animation's play state (polled): awaiting the
# animations' ``finished`` promises instead can hang for good, because Chromium settles them in
# a rendering update, and a transition on an element that is not rendered (the code blocks'
# hidden copy buttons) never asks for one.
THEME_JS = r"""
(mode) => {
  document.documentElement.dataset.mode = mode;
  document.documentElement.dataset.theme = mode;
  return getComputedStyle(document.body).backgroundColor;
}
"""
THEME_SETTLED_JS = "() => document.getAnimations().every(a => a.playState !== 'running')"
MODES = ("light", "dark")
# The rules whose outcome depends on the colours, run again in dark mode (the others look at
# the markup, which is the same in both modes).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
# MathJax's CommonHTML output is most of a chapter's DOM (about 20,000 of 24,000 elements in
# chapter 04), and axe-core needs seconds per pass over it. Before axe runs, each typeset
# formula is replaced by a short text stub in its place: it inherits the same colour and
# background as the formula, so the contrast check still sees the math's colours. A formula
# with colours of its own (\color, \colorbox: an inline style inside) is kept as it is.
STRIP_MATH_JS = r"""
() => {
  const math = [...document.querySelectorAll('mjx-container')]
      .filter(m => !m.querySelector('[style*="color"], [style*="background"]'));
  for (const m of math) {
    const stub = document.createElement('span');
    stub.className = 'natgrad-math-stub';
    stub.textContent = 'formula';
    m.replaceWith(stub);
  }
  return math.length;
}
"""
# Syntax highlighting is most of what is left (about 3,700 of 5,900 elements in chapter 01:
# one <span> per token), and color-contrast, the one slow rule (about 1 ms per element, 80 %
# of axe's time), would check every token. A token's verdict depends only on its CSS: its
# Pygments class, the colour, background, size and weight it ends up with, and the kind of
# block it sits in. So only the first token of each such kind is kept as it is; every later one
# is turned back into plain text of its block, which keeps the block's own colour, itself
# checked. The same for the formulas' stubs: one of each colour, background, size and weight is
# kept; each other one becomes text of its paragraph, with its inline wrapper (<span class=
# "math">, which holds nothing else: else axe would check each wrapper's "formula" text).
# The styles are read in both modes (DEDUPE_READ_JS once per mode, then DEDUPE_APPLY_JS), so two
# elements are alike only if they look alike in light and in dark mode.
DEDUPE_READ_JS = r"""
() => {
  // Read every style first, then change the page (DEDUPE_APPLY_JS): a change between two reads
  // would make the browser recompute the styles of the whole page for the next read.
  const transparent = 'rgba(0, 0, 0, 0)';
  const backgrounds = new Map();
  const background = (el) => {
    if (!el) return 'none';
    if (!backgrounds.has(el)) {
      const bg = getComputedStyle(el).backgroundColor;
      backgrounds.set(el, bg !== transparent ? bg : background(el.parentElement));
    }
    return backgrounds.get(el);
  };
  const keys = window.__natgradDedupe || (window.__natgradDedupe = new Map());
  const add = (el, key) => keys.set(el, (keys.get(el) || '') + '||' + key);
  for (const span of document.querySelectorAll('div.highlight pre span')) {
    if (span.children.length) continue;
    if (!span.textContent.trim()) {  // white space: no contrast to check
      keys.set(span, null);
      continue;
    }
    const style = getComputedStyle(span);
    const block = span.closest('div[class*="highlight-"]');
    add(span, [span.className, block ? block.className : '', span.closest('.cell_output') ? 'output' : 'input',
               style.color, background(span), style.fontSize, style.fontWeight, style.opacity].join('|'));
  }
  for (const stub of document.querySelectorAll('.natgrad-math-stub')) {
    const style = getComputedStyle(stub);
    add(stub, ['math', style.color, background(stub), style.fontSize, style.fontWeight, style.opacity].join('|'));
  }
  return keys.size;
}
"""
DEDUPE_APPLY_JS = r"""
() => {
  const keys = window.__natgradDedupe;
  delete window.__natgradDedupe;
  const seen = new Set();
  const flatten = [];
  for (const [el, key] of keys) {
    if (key !== null && !seen.has(key)) {
      seen.add(key);
      continue;
    }
    const wrapper = el.parentElement;
    flatten.push(el.classList.contains('natgrad-math-stub') && wrapper.matches('span.math')
                 && wrapper.childNodes.length === 1 ? wrapper : el);
  }
  for (const el of flatten) el.replaceWith(document.createTextNode(el.textContent));
  return flatten.length;
}
"""
# pydata-sphinx-theme gives every scrollable code block, output and table a tab stop
# (tabindex 0, so a keyboard can scroll it) and takes it away from the others, 300 ms after
# the last change to the page (debounced). Resolves once that state matches the layout, so
# axe-core's scrollable-region-focusable rule sees the theme's answer, not a race with it.
TAB_STOPS_SETTLED_JS = r"""
() => [...document.querySelectorAll(
    'pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container')]
  .every(e => (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) === (e.tabIndex === 0))
"""
# axe-core impacts: these fail the page; the others are listed in the gate's summary.
FAILING_IMPACTS = ("critical", "serious")

# Every live explorer (js/src) sets data-state on its host once it has mounted ("live") or
# given up and shown its fallback.
LIVE_SETTLED_JS = "() => [...document.querySelectorAll('.natgrad-live')].every(e => e.dataset.state)"
# Runs in the page once READY_JS resolved: measures.
INSPECT_JS = r"""
async () => {
  const out = {};
  const mj = window.MathJax;
  out.mathjax = !!(mj && mj.startup && mj.startup.promise);
  const main = document.querySelector('article.bd-article')
            || document.querySelector('main') || document.body;
  out.mainText = (main.innerText || '').trim().length;

  const raw = /\\\(|\\\[|\$\$|\\begin\{/;
  const maths = [...document.querySelectorAll('.math')];
  out.math = maths.length;
  out.mjx = document.querySelectorAll('mjx-container').length;
  out.mjxErrors = [...document.querySelectorAll('mjx-merror')]
      .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 100));
  out.rawMath = [];
  for (const el of maths) {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('mjx-container').forEach(m => m.remove());
    const text = copy.textContent.trim();
    if (raw.test(text) || !el.querySelector('mjx-container')) {
      out.rawMath.push(text.slice(0, 100) || el.outerHTML.slice(0, 100));
    }
  }
  // In prose (outside code, math and scripts) TeX delimiters or control words such as
  // \mathbb mean TeX nobody typeset, and a |---| row is a Markdown table left as text.
  const skip = 'pre, code, script, style, textarea, mjx-container, .math, .highlight';
  const texWord = /\\\(|\\\[|\$\$|\\[A-Za-z]{2,}/;
  const tableRule = /\|\s*:?[-\u2013\u2014]+:?\s*\|/;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  out.rawProse = [];
  out.rawTables = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest(skip)) continue;
    if (texWord.test(n.nodeValue)) out.rawProse.push(n.nodeValue.trim().slice(0, 100));
    if (tableRule.test(n.nodeValue)) {
      const text = (n.parentElement.closest('p, li, td, dd') || n.parentElement).textContent.trim().slice(0, 100);
      if (!out.rawTables.includes(text)) out.rawTables.push(text);
    }
  }

  out.images = [...document.images].map(img => ({
    src: (img.getAttribute('src') || '').slice(0, 80),
    id: img.id,
    alt: (img.getAttribute('alt') || '').trim(),
    broken: !!img.getAttribute('src') && img.complete && img.naturalWidth === 0,
  }));

  out.fallbacks = [...document.querySelectorAll('.natgrad-static-fallback')].map(el => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
      html: el.outerHTML.slice(0, 100),
      visible: r.width > 0 && r.height > 0 && style.visibility !== 'hidden',
      animation: !!el.querySelector('div.animation img[src]'),
      image: [...el.querySelectorAll('img')].some(i => i.naturalWidth > 0),
    };
  });
  out.widgets = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length
      + (document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]')
         ? 0 : document.querySelectorAll('.jupyter-widgets').length);
  out.live = [...document.querySelectorAll('.natgrad-live')].map(el => {
    const svgs = [...el.querySelectorAll('.natgrad-live-view svg')];
    return {
      kind: el.dataset.kind || '?', state: el.dataset.state || '',
      // vector, so crisp at any device pixel ratio: SVG with a viewBox, drawn at a size
      svg: svgs.length > 0 && svgs.every(s => s.getAttribute('viewBox') && s.getBoundingClientRect().width > 0),
      raster: el.querySelectorAll('.natgrad-live-view img, .natgrad-live-view image, .natgrad-live-view canvas').length,
    };
  });
  return out;
}
"""

# Fingerprint of an animation's state: the frame shown and the slider position.
_FRAME = "img.src.length + ':' + img.src.slice(-48) + '@' + (slider ? slider.value : '')"
FRAME_JS = f"([img, slider]) => {_FRAME}"
FRAME_CHANGED_JS = f"([img, slider, before]) => {_FRAME} !== before"


def _page_id(page: str) -> str:
    return page.removesuffix(".html")


def _allowed(text: str) -> bool:
    return any(pattern in text for pattern, _reason in ALLOWED_PROBLEMS)


def _short(text: str, n: int = 140) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _capped(label: str, texts: list[str], limit: int = 5) -> list[str]:
    """One line per finding, at most ``limit`` of them, then a count of the rest."""
    lines = [f"{label}: {text!r}" for text in texts[:limit]]
    if len(texts) > limit:
        lines.append(f"{label}: ... and {len(texts) - limit} more")
    return lines


def _check_animations(page, problems: list[str]) -> int:
    """Click Play on every to_jshtml animation; its frame must then change (within the ceiling)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    animations = page.locator("div.animation")
    count = animations.count()
    for i in range(count):
        anim = animations.nth(i)
        img = anim.locator("img[id^='_anim_img']")
        play = anim.locator("button[onclick*='.play_animation(']")
        if img.count() != 1 or play.count() != 1:
            problems.append(f"animation #{i + 1}: no _anim_img or no Play button (not a to_jshtml animation?)")
            continue
        slider = anim.locator("input.anim-slider")
        handles = [img.element_handle(), slider.element_handle() if slider.count() else None]
        before = page.evaluate(FRAME_JS, handles)
        visible = play.is_visible()
        if visible:  # from the keyboard, as a reader without a mouse would: focus, then Enter
            play.focus()
            page.keyboard.press("Enter")
        else:  # e.g. inside a closed dropdown: still must play
            play.dispatch_event("click")
        try:
            page.wait_for_function(FRAME_CHANGED_JS, arg=[*handles, before], timeout=CEILING_MS)
        except PlaywrightTimeout:
            problems.append(f"animation #{i + 1}: Play pressed, frame did not change within {CEILING_MS // 1000} s")
        anim.locator("button[onclick*='.pause_animation(']").evaluate_all("bs => bs.forEach(b => b.click())")
        if visible and handles[1] is not None:  # the frame slider moves with the arrow keys
            slider.focus()
            before = page.evaluate(FRAME_JS, handles)
            at_end = slider.evaluate("s => Number(s.value) >= Number(s.max)")
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            try:
                page.wait_for_function(FRAME_CHANGED_JS, arg=[*handles, before], timeout=CEILING_MS)
            except PlaywrightTimeout:
                problems.append(f"animation #{i + 1}: an arrow key on the focused frame slider did not change the frame")
    return count


def _set_theme(page, mode: str, problems: list[str]) -> None:
    """The page in ``mode``, once every transition of its colours has finished (polled every
    100 ms, under the ceiling)."""
    from playwright.sync_api import Error as PlaywrightError

    page.evaluate(THEME_JS, mode)
    try:
        page.wait_for_function(THEME_SETTLED_JS, polling=100, timeout=CEILING_MS)
    except PlaywrightError:
        problems.append(f"{mode} mode: the theme's transitions never finished")


def _check_axe(page, page_path: str, mode: str, stats: dict) -> list[str]:
    """axe-core on the page as it is shown in ``mode``: critical and serious violations are
    problems; moderate and minor ones are counted for the gate's summary."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"], "preload": False}  # preload: axe would refetch every stylesheet
    if mode != MODES[0]:
        options["runOnly"] = COLOUR_RULES
    results = Axe().run(page, options=options)
    problems = []
    for violation in results.response["violations"]:
        impact = violation.get("impact") or "minor"
        nodes = violation["nodes"]
        if impact in FAILING_IMPACTS:
            where = "; ".join(" ".join(map(str, n["target"])) for n in nodes[:3])
            more = f" (and {len(nodes) - 3} more)" if len(nodes) > 3 else ""
            summary = nodes[0].get("failureSummary", "").replace("\n", " ") if nodes else ""
            problems.append(f"axe {impact} [{mode}] {violation['id']}: {violation['help']} "
                            f"at {len(nodes)} element(s): {_short(where, 200)}{more}. {_short(summary, 200)}")
        else:
            key = (impact, violation["id"], violation["help"])
            stats["axe_other"].setdefault(key, {})[f"{_page_id(page_path)} ({mode})"] = len(nodes)
    stats["axe_runs"] += 1
    return problems


@pytest.mark.parametrize("page_path", PAGES, ids=_page_id)
def test_page(page_path: str, book_pages, browser_stats: dict) -> None:
    """The page's load (shared with its explorer test, tests/browser/test_live.py, when that ran
    before on this worker: see BookPages in conftest.py) and what it showed during the load and
    this test: the console errors, failed and blocked requests of both are this test's."""
    from playwright.sync_api import Error as PlaywrightError  # after the fixture's import check

    problems: list[str] = []
    # keep=False: the formulas are replaced by stubs for axe-core and the theme is switched
    with book_pages.borrow(page_path, keep=False) as visit:
        page = visit.page
        status = visit.status
        if status != 200:
            pytest.fail(f"{page_path}: HTTP status {status} (is it in _toc.yml but not built?)", pytrace=False)
        try:
            page.evaluate(READY_JS, CEILING_MS)
        except PlaywrightError as exc:
            problems.append(f"page never got ready: {_short(str(exc).splitlines()[0], 200)}")
        try:  # every live explorer has started, or failed and said so (data-state)
            page.wait_for_function(LIVE_SETTLED_JS)
        except PlaywrightError:
            problems.append("a live explorer never started (no data-state)")
        info = page.evaluate(INSPECT_JS)

        # A page is never blank.
        if info["mainText"] < 20:
            problems.append(f"main content is (nearly) blank: {info['mainText']} visible characters")

        # Math: MathJax present where there is math, every element typeset, no TeX errors.
        if (info["math"] or info["rawProse"]) and not info["mathjax"]:
            problems.append(f"{info['math']} math elements but MathJax 3 never started")
        problems += _capped("math element not typeset", info["rawMath"])
        problems += _capped("raw TeX in the text (not typeset)", info["rawProse"])
        problems += _capped("Markdown table left as text", info["rawTables"])
        for text in info["mjxErrors"]:
            problems.append(f"MathJax error: {text!r}")

        # Images: alt text for every one, and none broken.
        for img in info["images"]:
            name = img["id"] or img["src"]
            if not img["alt"]:
                problems.append(f"<img> without alt text: {_short(name, 80)!r}")
            if img["broken"]:
                problems.append(f"<img> failed to load: {_short(name, 80)!r}")

        # Animations play; explorers show their static fallback.
        animations = _check_animations(page, problems)
        for fb in info["fallbacks"]:
            if not fb["visible"]:
                problems.append(f"static fallback not visible: {fb['html']!r}")
            if not (fb["animation"] or fb["image"]):
                problems.append(f"static fallback holds no animation and no loaded <img>: {fb['html']!r}")
        for live in info["live"]:  # computed and drawn in the page (tests/browser/test_live.py moves them)
            if live["state"] != "live" or not live["svg"]:
                problems.append(f"live explorer {live['kind']} is {live['state'] or 'not started'}"
                                f"{'' if live['svg'] else ', without its vector figure (SVG with a viewBox)'}")
            if live["raster"]:  # a canvas would need its backing checked at device pixel ratio 2
                problems.append(f"live explorer {live['kind']} draws {live['raster']} raster image(s) or canvas(es)")
        if info["widgets"] and not info["fallbacks"]:
            problems.append(f"{info['widgets']} ipywidgets views but no .natgrad-static-fallback element")

        # A full-page screenshot (seconds for a long chapter) of every page when asked for
        # (NATGRAD_SCREENSHOTS=1), else of a page that failed a check above.
        if problems or os.environ.get("NATGRAD_SCREENSHOTS", "") not in {"", "0"}:
            shot = SCREENSHOTS / Path(page_path).with_suffix(".png")
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)

        # Accessibility (axe-core) in light and dark mode; animations are paused by now.
        page.evaluate(STRIP_MATH_JS)
        for mode in MODES:   # each token's and stub's look in both modes; the page is left dark
            _set_theme(page, mode, problems)
            page.evaluate(DEDUPE_READ_JS)
        page.evaluate(DEDUPE_APPLY_JS)
        for mode in reversed(MODES):   # dark first: no third switch of the theme
            _set_theme(page, mode, problems)
            try:
                page.wait_for_function(TAB_STOPS_SETTLED_JS, timeout=CEILING_MS)
            except PlaywrightError:
                problems.append("the theme never gave every scrollable region a tab stop (tabindex 0)")
            problems += _check_axe(page, page_path, mode, browser_stats)
        console = [f"{m.text} [{m.location.get('url', '')}]" for m in visit.seen("console")]
        console += [f"uncaught: {e}" for e in visit.seen("uncaught")]
        failed = visit.seen("failed")
        blocked = visit.seen("blocked")

    problems += [f"off-machine request blocked: {_short(url)}" for url in blocked]
    problems += [
        f"console error: {_short(text)}"
        for text in console
        if not _allowed(text) and not (blocked and "ERR_BLOCKED_BY_CLIENT" in text)
    ]
    problems += [f"failed request: {_short(text)}" for text in failed if not _allowed(text) and text.split(" (")[0] not in blocked]

    browser_stats["pages"] += 1
    browser_stats["math"] += info["math"]
    browser_stats["mjx"] += info["mjx"]
    browser_stats["images"] += len(info["images"])
    browser_stats["animations"] += animations
    browser_stats["fallbacks"] += len(info["fallbacks"])
    browser_stats["widgets"] += info["widgets"]
    browser_stats["live"] += len(info["live"])
    if problems:
        pytest.fail(f"{page_path}: {len(problems)} problem(s)\n  " + "\n  ".join(problems), pytrace=False)


def _resolve(page: str, href: str) -> tuple[str, str] | None:
    """(target path relative to the HTML root, fragment) for an internal link, else None."""
    parts = urlsplit(href)
    if parts.scheme in {"http", "https"}:
        if parts.hostname not in LOCAL_HOSTS:
            return None  # external: not followed offline
        target = parts.path.lstrip("/")
    elif parts.scheme or href.startswith("//"):
        return None  # mailto:, javascript:, data:, protocol-relative hosts
    elif not parts.path:
        target = page  # "#anchor" on the same page
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
    return target, unquote(parts.fragment)


@pytest.mark.parametrize("page_path", PAGES, ids=_page_id)
def test_links(page_path: str, html_root: Path, browser_stats: dict) -> None:
    """Every relative (or 127.0.0.1) link resolves to a built file and, with #fragment, an id there."""
    source = html_root / page_path
    if not source.is_file():
        pytest.fail(f"{page_path} is in the table of contents but was not built", pytrace=False)
    problems = []
    hrefs = parse_html(source).hrefs
    for href in hrefs:
        resolved = _resolve(page_path, href)
        if resolved is None:
            continue
        browser_stats["links"] += 1
        target, fragment = resolved
        path = html_root / target
        if target.startswith("..") or not (path.is_file() or (path / "index.html").is_file()):
            problems.append(f"{href!r}: no file {target}")
            continue
        if path.is_dir():
            path = path / "index.html"
        if fragment and path.suffix == ".html" and fragment not in parse_html(path).ids:
            problems.append(f"{href!r}: no id or name {fragment!r} in {target}")
    if problems:
        pytest.fail(f"{page_path}: {len(problems)} broken link(s)\n  " + "\n  ".join(problems), pytrace=False)


@pytest.mark.parametrize("stub", redirect_pages())
def test_redirects_resolve(stub: str, html_root: Path) -> None:
    """jupyter-book's index.html redirect points at a page that exists."""
    path = html_root / stub
    assert path.is_file(), f"{stub} was not built"
    target = redirect_target(path).split("#")[0]
    assert (html_root / posixpath.dirname(stub) / target).is_file(), f"{stub} redirects to missing {target}"


def test_every_page_is_listed(html_root: Path) -> None:
    """Guard against an empty gate: the page list is not empty, and every page of the built
    book has its tests. The list is made when the tests are collected, before this session
    builds the book, so a page it misses would go unchecked in a fresh clone."""
    assert PAGES, f"no pages found under {HTML_ROOT}"
    built = {rel for rel in (p.relative_to(html_root).as_posix() for p in html_root.rglob("*.html"))
             if rel.split("/", 1)[0] not in EXCLUDED_DIRS and rel not in EXCLUDED_FILES
             and not is_redirect(html_root / rel)}
    assert not built - set(PAGES), f"built pages without tests (add them to GENERATED): {sorted(built - set(PAGES))}"
