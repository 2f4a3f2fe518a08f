"""Sphinx extension: re-execute every chapter when ``natgrad_lib`` changes.

jupyter-cache keys an executed notebook on its code cells only, so after a change to the
library a cached chapter would keep the outputs of the old library (a stale number, a
figure drawn by old code). This extension hashes the library's source and data files at
``config-inited``. When the hash differs from the one recorded by the last successful
build, it empties the execution cache and tells Sphinx that every page is outdated, so
every chapter runs again with the new library. The hash is recorded after a build that
succeeded (``_build/.natgrad_lib.sha256``, beside the cache).

The cache itself carries the hash of the library its notebooks were executed with
(``natgrad_lib.sha256`` inside the cache folder, written by :func:`prepare_cache`). The
book's build script (tools/book.py) executes the chapters in parallel before Sphinx starts,
into a cache prepared the same way; Sphinx then still re-reads every page after a library
change, but keeps that cache, which already holds outputs of today's library.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
LIBRARY = "natgrad_lib"
SUFFIXES = {".py", ".csv"}


def library_digest(root: Path) -> str:
    """SHA-256 over the paths and contents of the library's ``.py`` and ``.csv`` files."""
    h = hashlib.sha256()
    for path in sorted((root / LIBRARY).rglob("*")):
        if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def _cache_dir(app: Sphinx) -> Path:
    configured = getattr(app.config, "nb_execution_cache_path", "") or ""
    return Path(configured) if configured else Path(app.outdir).parent / ".jupyter_cache"


def _stamp(app: Sphinx) -> Path:
    return _cache_dir(app).parent / f".{LIBRARY}.sha256"


def prepare_cache(cache: Path, digest: str) -> bool:
    """Empty ``cache`` unless it holds executions made with the library of ``digest``.

    Returns True when it emptied it. Afterwards the cache is marked with ``digest``: what is
    executed into it from now on runs with that library.
    """
    marker = cache / f"{LIBRARY}.sha256"
    held = marker.read_text().strip() if marker.is_file() else None
    emptied = held != digest and cache.exists()
    if emptied:
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    marker.write_text(digest + "\n")
    return emptied


def _check(app: Sphinx, config: Any) -> None:
    app._natgrad_digest = library_digest(Path(app.srcdir))  # type: ignore[attr-defined]
    stamp = _stamp(app)
    old = stamp.read_text().strip() if stamp.is_file() else None
    app._natgrad_changed = old != app._natgrad_digest  # type: ignore[attr-defined]
    if app._natgrad_changed:  # type: ignore[attr-defined]
        cache = _cache_dir(app)
        if prepare_cache(cache, app._natgrad_digest):  # type: ignore[attr-defined]
            LOGGER.info(f"[library_cache_key] {LIBRARY} changed since the last build: "
                        f"emptied {cache}; every chapter is executed again")
        stamp.unlink(missing_ok=True)


def _outdated(app: Sphinx, env: Any, added: set, changed: set, removed: set) -> list[str]:
    if getattr(app, "_natgrad_changed", False):
        return sorted(env.found_docs - added - changed)
    return []


def _record(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and getattr(app, "_natgrad_digest", None):
        stamp = _stamp(app)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(app._natgrad_digest + "\n")  # type: ignore[attr-defined]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _check, priority=100)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _record)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
