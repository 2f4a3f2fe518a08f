"""The one way to build the book: ``python tools/book.py [--all] [--source DIR] [--log FILE]``.

``make book``, tests/test_book_build.py, the browser gate (tests/browser) and
benchmarks/bench_build.py all build through :func:`build` (or this script), so they build
the same book with the same environment:

* ``BOOK_ENV``: the kernels use matplotlib's inline backend (ipykernel picks it only when
  told; under the tests' Agg the chapters would lose their figures) and ``NATGRAD_STATIC=1``
  (explorers emit only their static fallback, no kernel in the HTML);
* ``jupyter-book build <source> -n -W --keep-going`` (any warning fails), ``--all`` for a
  fresh Sphinx environment.

Before Sphinx starts, every chapter whose code is not in the execution cache
(``_build/.jupyter_cache``, the one myst-nb reads with ``execute_notebooks: cache``) is
executed, several at a time (one kernel per core), by jupyter-cache's executor and with
myst-nb's own notebook reader, so Sphinx then finds every chapter in the cache. A chapter
that fails here is executed again by myst-nb during the build, which reports the error as
usual. The cache is emptied first when ``natgrad_lib`` changed (``_ext/library_cache_key.py``).
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Environment of a book build (the kernels inherit it).
BOOK_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "NATGRAD_STATIC": "1",
    # debugpy (inside ipykernel) warns on stderr about frozen modules; not a build problem.
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # One BLAS/OpenMP thread per kernel: the chapters run one kernel per core side by side,
    # and two threads per kernel would only fight over the same cores.
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
#: The book's page-weight budget: each built page, with the images it shows, under 3 MB.
PAGE_BUDGET_BYTES = 3 * 1024**2
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Build:
    returncode: int
    log: str  # the build's output, without colour codes
    html: Path
    seconds: float


def book_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(BOOK_ENV)
    return env


def jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    found = str(exe) if exe.exists() else shutil.which("jupyter-book")
    if found is None:
        raise FileNotFoundError("jupyter-book is not installed: run `make install`")
    return found


def toc_files(source: Path) -> list[str]:
    """Every document of ``_toc.yml`` (root first), without suffix."""
    import yaml

    toc = yaml.safe_load((source / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def notebook_pages(source: Path) -> list[str]:
    """Docnames of the MyST-markdown notebooks (a kernelspec in the front matter)."""
    out = []
    for name in toc_files(source):
        src = source / f"{name}.md"
        if src.is_file() and "kernelspec:" in src.read_text(encoding="utf-8").split("\n---", 1)[0]:
            out.append(name)
    return out


def _execute_config(source: Path) -> dict:
    import yaml

    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8")) or {}
    return config.get("execute", {}) or {}


def _library_cache_key(source: Path):
    spec = importlib.util.spec_from_file_location("_natgrad_library_cache_key", source / "_ext" / "library_cache_key.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _execute_one(args: tuple[int, str, str, int, bool]) -> tuple[str, str, float]:
    """Worker: execute one project notebook into the cache; (uri, outcome, seconds)."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    pk, uri, cache_path, timeout, allow_errors = args
    start = time.perf_counter()
    again = "; the build executes it again and reports why"
    try:
        cache = get_cache(cache_path)
        project_nb = cache.get_project_notebook(pk)
        # myst-nb executes in the notebook's folder, with nb.metadata.execution overrides.
        result = single_nb_execution(project_nb.nb, cwd=str(Path(uri).parent), timeout=timeout,
                                     allow_errors=allow_errors, meta_override=True)
        if result.err is not None:
            return uri, f"failed ({type(result.err).__name__}){again}", time.perf_counter() - start
        cache.cache_notebook_bundle(CacheBundleIn(project_nb.nb, uri, data={"execution_seconds": result.time}),
                                    check_validity=False, overwrite=True)
    except Exception as exc:  # a dead kernel, a locked cache: leave the chapter to myst-nb
        return uri, f"not cached ({type(exc).__name__}: {exc}){again}", time.perf_counter() - start
    return uri, "executed", time.perf_counter() - start


def pre_execute(source: Path, *, jobs: int | None = None, out=sys.stdout) -> float:
    """Execute, ``jobs`` at a time, the chapters the cache lacks; returns the seconds spent."""
    from jupyter_cache import get_cache

    start = time.perf_counter()
    execute = _execute_config(source)
    if execute.get("execute_notebooks", "cache") != "cache":
        return 0.0
    cache_path = source / "_build" / ".jupyter_cache"
    key = _library_cache_key(source)
    if key.prepare_cache(cache_path, key.library_digest(source)):
        print(f"[pre-execute] natgrad_lib changed: emptied {cache_path}", file=out, flush=True)
    cache = get_cache(str(cache_path))
    paths = [str((source / f"{name}.md").absolute()) for name in notebook_pages(source)]
    todo = []
    for uri in paths:
        record = cache.add_nb_to_project(uri, read_data={"name": "myst_nb_md", "type": "plugin"})
        if cache.get_cached_project_nb(record.pk) is None:
            todo.append(record)
    # Longest first (by the size of the chapter's source), so no long chapter starts last.
    todo.sort(key=lambda r: len(Path(r.uri).read_text(encoding="utf-8")), reverse=True)
    jobs = jobs or min(os.cpu_count() or 1, max(len(todo), 1))
    print(f"[pre-execute] {len(todo)} of {len(paths)} chapters to execute, {jobs} at a time",
          file=out, flush=True)
    if todo:
        tasks = [(r.pk, r.uri, str(cache_path), int(execute.get("timeout", 30)),
                  bool(execute.get("allow_errors", False))) for r in todo]
        # fork: the workers need nothing re-imported; each opens its own cache connection.
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for uri, outcome, seconds in pool.imap_unordered(_execute_one, tasks, chunksize=1):
                rel = Path(uri).relative_to(source.absolute())
                print(f"[pre-execute] {rel}: {outcome} in {seconds:.1f} s", file=out, flush=True)
    return time.perf_counter() - start


def _run(source: Path, fresh: bool, jobs: int | None) -> int:
    """Pre-execute, then build; output on stdout. Runs inside BOOK_ENV."""
    seconds = pre_execute(source, jobs=jobs)
    print(f"[pre-execute] done in {seconds:.1f} s", flush=True)
    cmd = [jupyter_book(), "build", *(["--all"] if fresh else []), str(source), "-n", "-W", "--keep-going"]
    print("$ " + " ".join(cmd), flush=True)
    start = time.perf_counter()
    rc = subprocess.run(cmd, cwd=source, check=False).returncode
    print(f"[build] jupyter-book exited {rc} after {time.perf_counter() - start:.1f} s", flush=True)
    return rc


def build(source: Path = REPO, *, fresh: bool = False, log: Path | None = None,
          jobs: int | None = None, timeout: float | None = None) -> Build:
    """Build ``source`` into ``source/_build/html`` as ``make book`` does; never raises on failure."""
    source = source.resolve()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--source", str(source)]
    cmd += ["--all"] if fresh else []
    cmd += ["--jobs", str(jobs)] if jobs else []
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=source, env=book_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    seconds = time.perf_counter() - start
    text = ANSI.sub("", proc.stdout)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(text, encoding="utf-8")
    return Build(proc.returncode, text, source / "_build" / "html", seconds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=REPO, help="book source folder (default: this repo)")
    ap.add_argument("--all", action="store_true", help="fresh Sphinx environment: re-read and re-check every page")
    ap.add_argument("--jobs", type=int, default=None, help="chapters executed at once (default: one per core)")
    args = ap.parse_args(argv)
    os.environ.update(BOOK_ENV)  # the kernels started here and by jupyter-book inherit it
    return _run(args.source.resolve(), args.all, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
