"""Explorers: ipywidgets controls that update a figure in place, plus a static fallback.

An explorer is a figure whose artists are *updated* by a function
``update(**values)`` (set_data, set_offsets, set_text ... never a new figure).
In a live kernel, :func:`explorer` shows widgets that call ``update`` and
redraw.  For the online book, which has no kernel, it also renders a static
fallback: ``update`` swept over a grid of values of one control, embedded as
an offline-safe ``to_jshtml`` animation with a frame slider.

Set ``NATGRAD_STATIC=1`` (the book build does) to emit only the fallback.
ipywidgets is imported lazily, only when widgets are shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .animate import JSAnimation, to_html

__all__ = ["Explorer", "explorer"]


@dataclass
class Explorer:
    """A figure, the function that updates it, its controls and the static sweep.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, already drawn for the initial values.
    update : callable
        ``update(**values)`` changes the artists of ``fig`` in place.
    controls : mapping
        ``{name: sequence of allowed values}``; the first value is the initial one.
        Numbers give a selection slider, strings a dropdown.
    sweep : str
        The control varied in the static fallback (every value becomes a frame).
    alt : str
        Text alternative for the static fallback.
    """

    fig: Any
    update: Callable[..., Any]
    controls: Mapping[str, Sequence[Any]]
    sweep: str
    alt: str
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.controls:
            raise ValueError("controls must name at least one control, got none")
        for name, options in self.controls.items():
            if len(options) == 0:
                raise ValueError(f"controls[{name!r}] must offer at least one value, got none")
        if self.sweep not in self.controls:
            raise ValueError(f"sweep must be one of the controls {list(self.controls)}, got {self.sweep!r}")
        self.values = {name: opts[0] for name, opts in self.controls.items()}
        self.update(**self.values)

    def set(self, **changes: Any) -> None:
        """Change some controls and update the figure in place."""
        unknown = set(changes) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; valid: {list(self.controls)}")
        self.values.update(changes)
        self.update(**self.values)
        self.fig.canvas.draw_idle()

    def static_html(self) -> str:
        """The fallback: an offline ``to_jshtml`` player sweeping ``self.sweep``."""
        from matplotlib.animation import FuncAnimation

        frames = list(self.controls[self.sweep])
        base = dict(self.values)

        def draw(i: int):
            self.update(**{**base, self.sweep: frames[i]})
            return []

        anim = FuncAnimation(self.fig, draw, frames=len(frames), interval=400, blit=False)
        page = to_html(anim, self.alt)
        self.update(**base)
        return page

    def widgets(self) -> Any:
        """An ipywidgets box of controls wired to :meth:`set` (imports ipywidgets)."""
        import ipywidgets as w

        boxes = []
        for name, options in self.controls.items():
            opts = list(options)
            if all(isinstance(o, str) for o in opts):
                ctl = w.Dropdown(options=opts, value=self.values[name], description=name)
            else:
                ctl = w.SelectionSlider(options=opts, value=self.values[name], description=name,
                                        continuous_update=True)
            ctl.observe(lambda ch, n=name: self.set(**{n: ch["new"]}), names="value")
            boxes.append(ctl)
        return w.VBox(boxes)

    def display(self) -> None:
        """Show the fallback (always) and, unless NATGRAD_STATIC=1, the live widgets."""
        from IPython.display import display

        if os.environ.get("NATGRAD_STATIC") != "1":
            display(self.widgets())
        display(JSAnimation(self.static_html()))


def explorer(fig: Any, update: Callable[..., Any], controls: Mapping[str, Sequence[Any]],
             sweep: str, alt: str) -> Explorer:
    """Build an :class:`Explorer` (see there); call ``.display()`` in a notebook.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 2), dpi=30)
    >>> (line,) = ax.plot([0, 1], [0, 0])
    >>> ex = explorer(fig, lambda slope: line.set_ydata([0, slope]),
    ...               {"slope": [0.0, 0.5, 1.0]}, sweep="slope", alt="a line")
    >>> ex.set(slope=1.0); list(line.get_ydata())
    [0, 1.0]
    >>> "natgrad-static-fallback" in ex.static_html()
    True
    >>> plt.close(fig)
    """
    return Explorer(fig, update, controls, sweep, alt)
