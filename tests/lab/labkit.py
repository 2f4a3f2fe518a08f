"""A real JupyterLab for tests and benchmarks: the learner's route, driven by Playwright.

:func:`lab_server` starts ``jupyter lab`` from ``.venv`` (installed from requirements-lab.txt
by ``make lab-install``) on 127.0.0.1, a free port and a random token, with the repository's
``.jupyter`` configuration (chapters open as notebooks) and a copy of the chapters as its
root, so that nothing it saves touches the repository. :func:`browser` launches the system
Chromium (never a downloaded one) and :class:`Chapter` opens a chapter, runs it and reads
its cells through JupyterLab's own application object (``expose_app_in_browser``).

Every wait is for an event (a log line of the server, a JavaScript condition in the page:
kernel idle, every cell executed, an explorer's redraw painted) under a generous
ceiling; nothing sleeps for a fixed time. Requests to any host other than 127.0.0.1 are
refused and recorded: the lab must work offline.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

#: Lines of console errors that are not failures (jupyterlab-myst logs its notes as one error
#: message per render; any other line of the message fails). It resolves {ref}, {numref},
#: {eq} and {prf:ref} within the open notebook only: a reference to another chapter shows
#: its label (e.g. "ch-kl") and logs the first; the second is a note that an equation is
#: typeset in an align* environment.
KNOWN_CONSOLE_ERRORS = ("Cross reference target was not found: ", "Wrapping with \\begin{")

#: Ceilings (seconds) of the waits: generous, as CI shares two cores with other work.
START_S = 180
RUN_ALL_S = 600
UPDATE_S = 60


def notebook_chapters() -> list[str]:
    """Stems of the chapters that are notebooks (a kernelspec in their front matter)."""
    out = []
    for path in sorted((ROOT / "chapters").glob("*.md")):
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        if head.startswith("---\n") and "\nkernelspec:" in head:
            out.append(path.stem)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)

    def lab_url(self, path: str) -> str:
        """Open ``path`` alone: ``reset`` drops the tabs the saved workspace would restore."""
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"


@contextlib.contextmanager
def lab_server() -> Iterator[LabServer]:
    """``jupyter lab`` on 127.0.0.1 with a copy of the chapters; stopped on exit."""
    jupyter = VENV_BIN / "jupyter"
    if not (VENV_BIN / "jupyter-lab").exists():
        raise RuntimeError("JupyterLab is not installed in .venv: run `make lab-install`")
    with tempfile.TemporaryDirectory(prefix="natgrad-lab-") as tmp:
        tmp = Path(tmp)
        root = tmp / "book"
        root.mkdir()
        shutil.copytree(ROOT / "chapters", root / "chapters")
        shutil.copy(ROOT / "jupytext.toml", root / "jupytext.toml")
        port, token = _free_port(), secrets.token_hex(16)
        env = {k: v for k, v in os.environ.items()
               if k not in {"MPLBACKEND", "NATGRAD_STATIC", "JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH"}}
        env.update(JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_CONFIG_PATH=str(ROOT / ".jupyter"),
                   JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
                   IPYTHONDIR=str(tmp / "ipython"))
        cmd = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")   # CI runs as root
        proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        lines: queue.Queue[str | None] = queue.Queue()
        server = LabServer(f"http://127.0.0.1:{port}", token, root, proc)

        def pump() -> None:
            for line in proc.stderr:
                server.log.append(line.rstrip())
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            ready = re.compile(rf"http://127\.0\.0\.1:{port}/lab")
            while True:   # the server's own log says when it listens
                try:
                    line = lines.get(timeout=START_S)
                except queue.Empty:
                    raise RuntimeError(
                        f"JupyterLab did not start in {START_S} s:\n" + "\n".join(server.log)) from None
                if line is None:
                    raise RuntimeError("JupyterLab exited:\n" + "\n".join(server.log))
                if ready.search(line):
                    break
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader.join(timeout=30)   # the pipe reaches its end when the server exits
            proc.stderr.close()


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """The system Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


# JavaScript helpers evaluated in the page; `app` is JupyterLab's application object.
_PANEL = "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget; " \
         "return w && w.content && w.sessionContext ? w : null; }"
_KERNEL_IDLE = f"""() => {{ const w = ({_PANEL})(); const k = w && w.sessionContext.session
    && w.sessionContext.session.kernel; return !!k && k.status === 'idle'; }}"""
_ALL_RUN = f"""() => {{ const w = ({_PANEL})(); if (!w) return false;
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle' && w.content.widgets.filter(c => c.model.type === 'code')
        .every(c => c.model.executionCount !== null && !c.node.classList.contains('jp-mod-executing')
                    && c.promptNode && !c.promptNode.textContent.includes('*')); }}"""


@dataclass
class Chapter:
    """A chapter opened as a notebook in a page of the lab."""

    page: Any
    server: LabServer
    name: str
    console_errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    scope: Any = None   # the notebook panel of this chapter (a Locator)

    @classmethod
    def open(cls, context: Any, server: LabServer, name: str) -> "Chapter":
        page = context.new_page()
        ch = cls(page, server, name)
        def console(m: Any) -> None:
            if m.type == "error":
                lines = [ln for ln in m.text.splitlines() if ln.strip() and not ln.startswith(KNOWN_CONSOLE_ERRORS)]
                if lines:
                    ch.console_errors.append("\n".join(lines))

        page.on("console", console)
        page.on("pageerror", lambda e: ch.console_errors.append(f"page error: {e}\n{e.stack}"))

        def route(r: Any) -> None:
            if urlparse(r.request.url).hostname in {"127.0.0.1"} or r.request.url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                ch.offsite.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(server.lab_url(f"chapters/{name}.md"))
        page.wait_for_function(f"() => {{ const w = ({_PANEL})(); return w && w.context.path === "
                               f"'chapters/{name}.md'; }}", timeout=START_S * 1000)
        page.wait_for_function(_KERNEL_IDLE, timeout=START_S * 1000)
        ch.scope = page.locator(f"#{ch.js('(w) => w.id')}")
        return ch

    def js(self, body: str, arg: Any = None) -> Any:
        """Evaluate ``body`` (a function of ``(w, arg)``, ``w`` the notebook panel)."""
        return self.page.evaluate(f"(arg) => {{ const w = ({_PANEL})(); return ({body})(w, arg); }}", arg)

    def run_all(self) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(_ALL_RUN, timeout=RUN_ALL_S * 1000, polling=250)

    def outputs(self) -> list[dict]:
        """Every output of every code cell, as nbformat JSON, with the cell's index."""
        return self.js("""(w) => w.content.widgets.flatMap((c, i) => {
            if (c.model.type !== 'code') return [];
            const out = [];
            for (let j = 0; j < c.model.outputs.length; j++) out.push({cell: i, ...c.model.outputs.get(j).toJSON()});
            return out; })""")

    def save(self) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_function(f"() => {{ const w = ({_PANEL})(); return w && !w.context.model.dirty; }}",
                                    timeout=UPDATE_S * 1000)

    def explorers(self) -> Any:
        return self.scope.locator(".natgrad-explorer")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
        self.page.close()


def live_views(ch: Chapter) -> Any:
    """The chapter's live explorers (``ng.live``): the elements the front end renders into."""
    return ch.scope.locator(".jp-OutputArea .natgrad-live-explorer")


def live_controls(view: Any) -> list[Any]:
    """A live explorer's sliders (range inputs) and dropdowns (selects), in page order."""
    return view.locator(".natgrad-live-controls select, .natgrad-live-controls input[type=range]").all()


def step_key(control: Any, forward: bool) -> str | None:
    """The key that moves ``control`` one option on, or back (``forward=False``): an arrow
    key, turned round at either end; ``None`` if the control has a single option."""
    return control.evaluate("""(c, forward) => {
        const select = c.tagName === 'SELECT';
        const n = select ? c.options.length : Number(c.max) - Number(c.min) + 1;
        if (n < 2) return null;
        const i = select ? c.selectedIndex : Number(c.value) - Number(c.min);
        const up = forward ? i < n - 1 : i === 0;
        return select ? (up ? 'ArrowDown' : 'ArrowUp') : (up ? 'ArrowRight' : 'ArrowLeft'); }""", forward)


# Stamps, in page time (performance.now()): every key press (capture phase, before anything
# else in the page sees it) and, for every redraw of a live explorer, the key press before it,
# the end of the draw (``data-natgrad-drawn-ms``, set by the front end after each draw,
# js/src/explorers.js) and the first moment after the next frame was painted (an animation
# frame, then a message task: the frame's style, layout and paint are done by then).
_STAMPS = """() => {
    if (window.__natgradStamps) return;
    window.__natgradStamps = true;
    document.addEventListener('keydown', () => { window.__natgradKeyMs = performance.now(); }, true);
    document.addEventListener('natgrad:drawn', (ev) => {
        const view = ev.target, key = window.__natgradKeyMs;
        requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => {
                (view.__natgradLog = view.__natgradLog || []).push(
                    {key, drawn: Number(view.dataset.natgradDrawnMs), painted: performance.now()});
                view.dispatchEvent(new CustomEvent('natgrad:painted'));
            };
            ch.port2.postMessage(null);
        });
    }, true);
}"""

# Resolves with the stamps of the view's first redraw that ended after the last key press,
# once it is painted: at that event, or at once if it is already in the log.
_AFTER_KEY = """([view, ceilingMs]) => new Promise((resolve, reject) => {
    const key = window.__natgradKeyMs;
    const found = () => (view.__natgradLog || []).find((s) => s.key === key && s.drawn >= key);
    const check = () => {
        const s = found();
        if (!s) return;
        view.removeEventListener('natgrad:painted', check);
        clearTimeout(timer);
        resolve(s);
    };
    const timer = setTimeout(() => {
        view.removeEventListener('natgrad:painted', check);
        reject(new Error(`no redraw within ${ceilingMs} ms of the key press`));
    }, ceilingMs);
    view.addEventListener('natgrad:painted', check);
    check();
})"""


def press_key(view: Any, control: Any, key: str, timeout_s: float = UPDATE_S) -> dict[str, float]:
    """Focus ``control`` (as Tab would), press ``key`` and wait for the explorer's redraw to be
    painted. Returns the page-time stamps ``key``, ``drawn`` and ``painted`` (ms)."""
    view.page.evaluate(_STAMPS)
    control.focus()
    view.page.keyboard.press(key)
    return view.page.evaluate(_AFTER_KEY, [view.element_handle(), timeout_s * 1000])
