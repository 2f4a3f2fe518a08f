"""Plain-text tables that the benchmarks print (``make bench``)."""

from __future__ import annotations

from collections.abc import Sequence


def print_table(rows: Sequence[tuple[str, str]], value_width: int = 30) -> None:
    """Print ``(measure, value)`` rows under a header, the first column padded to fit."""
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * value_width}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
