"""_ext/library_cache_key.py: the hash that makes a library change re-execute every chapter."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("library_cache_key", REPO / "_ext" / "library_cache_key.py")
ext = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ext)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "natgrad_lib" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_digest_changes_with_code_and_data_but_not_with_caches(tmp_path):
    root = _tree(tmp_path, {"__init__.py": "x = 1\n", "plots/a.py": "y = 2\n", "data/d.csv": "a,b\n"})
    first = ext.library_digest(root)
    assert first == ext.library_digest(root)
    (root / "natgrad_lib" / "__pycache__").mkdir()
    (root / "natgrad_lib" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0junk")
    (root / "natgrad_lib" / "notes.txt").write_text("not code")
    assert ext.library_digest(root) == first
    (root / "natgrad_lib" / "plots" / "a.py").write_text("y = 3\n")
    assert ext.library_digest(root) != first
    (root / "natgrad_lib" / "plots" / "a.py").write_text("y = 2\n")
    assert ext.library_digest(root) == first
    (root / "natgrad_lib" / "data" / "d.csv").write_text("a,b\n1,2\n")
    assert ext.library_digest(root) != first


def test_moving_a_file_changes_the_digest(tmp_path):
    a = ext.library_digest(_tree(tmp_path / "a", {"m.py": "z = 1\n"}))
    b = ext.library_digest(_tree(tmp_path / "b", {"n.py": "z = 1\n"}))
    assert a != b
