"""Explorers: ipywidgets controls that update a figure in place, plus a static fallback.

An explorer is a figure whose artists are *updated* by a function
``update(**values)`` (set_data, set_offsets, set_text ... never a new figure).
In a live kernel, :func:`explorer` shows widgets that call ``update`` and
show the redrawn figure as a PNG in an ``ipywidgets.Image``.  For the online book, which has no kernel, it also renders a static
fallback: ``update`` swept over a grid of values of one control, embedded as
an offline-safe ``to_jshtml`` animation with a frame slider.

Set ``NATGRAD_STATIC=1`` (the book build does) to emit only the fallback.
ipywidgets is imported lazily, only when widgets are shown.

This module is the framework only: it knows nothing of any particular figure. The
explorers themselves live beside their figures in :mod:`natgrad_lib.plots`.
"""

from __future__ import annotations

from ._extras import require_plots

require_plots("natgrad_lib.explore")  # a clear ImportError naming the extra, not a bare one

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .jshtml import JSAnimation, compact_frames, to_html

__all__ = ["Explorer", "explorer", "CompactExplorer", "option_labels", "plain_label"]


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
    animated : sequence of artists, optional
        The artists that ``update`` moves. :meth:`render_png` blits: it keeps the rest of
        the figure (axes, ticks, labels, contours) as a cached background and draws only
        the moving artists on top, which is several times faster than a full draw (text
        dominates a full draw). Without ``animated``, every data artist and text moves
        (:meth:`moving_artists`). The background is redrawn whenever :meth:`layout_key`
        changes.
    blit : bool
        False: a full draw per change instead (a reference for tests).
    pixel_ratio : float
        Device pixels per CSS pixel of the live image (at least 2: crisp on high-density
        screens). The image is shown at the figure's own size (:meth:`css_size`) and
        rendered at ``pixel_ratio`` times its dpi.
    """

    fig: Any
    update: Callable[..., Any]
    controls: Mapping[str, Sequence[Any]]
    sweep: str
    alt: str
    values: dict[str, Any] = field(default_factory=dict)
    animated: Sequence[Any] = ()
    pixel_ratio: float = 2.0
    blit: bool = True
    _background: Any = field(default=None, init=False, repr=False)
    _background_key: Any = field(default=None, init=False, repr=False)
    _background_canvas: Any = field(default=None, init=False, repr=False)

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

    def moving_artists(self) -> list[Any]:
        """The artists drawn over the cached background on each change, in drawing order.

        :attr:`animated` if given. Otherwise every artist that carries data or changing
        text: per axes its lines, collections, patches, images, texts and titles, and the
        figure's own texts; what stays behind is the frame (spines, ticks and their labels,
        axis labels, grid), which :meth:`layout_key` watches. Legends move too: their
        labels often show the current values.
        """
        if self.animated:
            return list(self.animated)
        found: list[Any] = []
        for ax in self.fig.axes:
            found += [*ax.lines, *ax.collections, *ax.patches, *ax.images, *ax.texts,
                      ax.title, ax._left_title, ax._right_title]
            if ax.get_legend() is not None:   # its labels often show the current values
                found.append(ax.get_legend())
        found += [*self.fig.texts, *self.fig.legends]
        return sorted(found, key=lambda a: a.get_zorder())   # stable: ties keep their order

    def layout_key(self, moving: Sequence[Any] | None = None) -> tuple:
        """Everything outside the moving artists that ``update`` may change: the size of the
        figure, and per axes its limits, scales, ticks, labels, title (unless it moves), and
        which of its other children are visible. A new key makes
        :meth:`render_png` redraw the cached background."""
        moving_ids = {id(a) for a in (self.moving_artists() if moving is None else moving)}
        key: list[Any] = [tuple(self.fig.get_size_inches()), self.fig.dpi]
        for ax in self.fig.axes:
            key += [ax.get_xlim(), ax.get_ylim(), ax.get_xlabel(), ax.get_ylabel(),
                    ax.get_title() if id(ax.title) not in moving_ids else None,
                    ax.get_xscale(), ax.get_yscale(), tuple(ax.get_xticks()), tuple(ax.get_yticks()),
                    tuple(c.get_visible() for c in ax.get_children() if id(c) not in moving_ids)]
        return tuple(key)

    def agg_canvas(self) -> Any:
        """The figure's Agg canvas, attached anew if the figure lost it.

        :meth:`display` closes the figure (so the inline backend does not show it twice).
        From matplotlib 3.11 on, closing a figure replaces its canvas with a bare
        ``FigureCanvasBase``, which cannot blit (no ``copy_from_bbox``/``restore_region``)
        nor hand out its pixels; the explorer then attaches a new ``FigureCanvasAgg``.
        Under the Agg and inline backends an open figure's canvas is already one.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)   # sets self.fig.canvas
        return canvas

    def render_png(self, dpi: float | None = None) -> bytes:
        """The figure as PNG bytes: what the live widgets show after a change.

        ``dpi`` defaults to the figure's own; the live widgets render at
        :attr:`pixel_ratio` times it (:meth:`live_dpi`), so that the image is crisp on a
        high-density screen at the size the figure has in the book. The cached
        background plus the moving artists (a blit: :meth:`moving_artists`), which looks
        the same as a full draw except that the moving artists lie over the axis spines;
        with :attr:`blit` false, one full draw (matplotlib's inline backend would draw
        twice, to find the tight bounding box, and at ``savefig.dpi``). The figure is
        drawn on :meth:`agg_canvas`, so a closed figure renders too.
        """
        import io

        from PIL import Image

        canvas = self.agg_canvas()
        own_dpi = self.fig.dpi
        if dpi is not None and dpi != own_dpi:
            self.fig.set_dpi(dpi)
        try:
            if not self.blit:
                canvas.draw()
            else:
                moving = self.moving_artists()
                key = self.layout_key(moving)
                if (self._background is None or key != self._background_key
                        or self._background_canvas is not canvas):
                    flags = [artist.get_animated() for artist in moving]
                    for artist in moving:
                        artist.set_animated(True)   # left out of this draw: the background
                    try:
                        canvas.draw()
                    finally:
                        for artist, flag in zip(moving, flags):
                            artist.set_animated(flag)
                    self._background = canvas.copy_from_bbox(self.fig.bbox)
                    self._background_key, self._background_canvas = key, canvas
                else:
                    canvas.restore_region(self._background)
                renderer = canvas.get_renderer()
                for artist in moving:
                    if artist.get_visible():
                        artist.draw(renderer)
            # The figure is opaque (the book's style): RGB is a quarter less to compress.
            # compress_level=1: fast, and the PNG only travels from the kernel to the page.
            rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                                    "RGBA", 0, 1)
            buf = io.BytesIO()
            (rgba.convert("RGB") if self._opaque() else rgba).save(buf, format="png", compress_level=1)
            return buf.getvalue()
        finally:
            if self.fig.dpi != own_dpi:
                self.fig.set_dpi(own_dpi)

    def _opaque(self) -> bool:
        """Whether the figure's background is fully opaque (then its PNG needs no alpha)."""
        from matplotlib.colors import to_rgba

        return to_rgba(self.fig.get_facecolor())[3] >= 1.0 and self.fig.patch.get_visible()

    def live_dpi(self) -> float:
        """The dpi of the live image: :attr:`pixel_ratio` times the figure's own."""
        return self.pixel_ratio * self.fig.dpi

    def css_size(self) -> tuple[int, int]:
        """The size, in CSS pixels, at which the live image is shown: the figure's own size
        in pixels (the size of the static fallback in the book)."""
        w, h = self.fig.get_size_inches() * self.fig.dpi
        return round(w), round(h)

    def static_html(self) -> str:
        """The fallback: an offline ``to_jshtml`` player sweeping ``self.sweep``."""
        from matplotlib.animation import FuncAnimation

        frames = list(self.controls[self.sweep])
        base = dict(self.values)

        def draw(i: int) -> list:
            self.update(**{**base, self.sweep: frames[i]})
            return []

        import matplotlib as mpl

        anim = FuncAnimation(self.fig, draw, frames=len(frames), interval=400, blit=False)
        # to_jshtml renders frames at savefig.dpi; use the figure's own (smaller) dpi.
        with mpl.rc_context({"savefig.dpi": self.fig.dpi}):
            page = to_html(anim, self.alt)
        self.update(**base)
        return page

    def widgets(self) -> Any:
        """An ipywidgets box of controls wired to :meth:`set` (imports ipywidgets).

        Numbers get a selection slider whose readout is the value to the precision that
        tells the options apart (:func:`option_labels`); strings a dropdown whose labels
        have any LaTeX turned into Unicode (``$(\\mu, \\sigma)$`` reads ``(μ, σ)``). The
        descriptions are the control names with spaces for underscores, all in one column
        wide enough for the longest. The image is rendered at :meth:`live_dpi` and shown at
        :meth:`css_size`: crisp, and not stretched to the width of the page.
        """
        try:
            import ipywidgets as w
        except ModuleNotFoundError as err:
            from ._extras import missing_extra

            raise missing_extra("the live explorer widgets", err) from err

        names = {name: name.replace("_", " ") for name in self.controls}
        label_width = f"{max(len(n) for n in names.values()) + 2}ch"
        css_w, css_h = self.css_size()
        boxes = []
        for name, options in self.controls.items():
            opts = list(zip(option_labels(options), options))
            common = dict(options=opts, value=self.values[name], description=names[name],
                          description_allow_html=False, style={"description_width": label_width},
                          layout=w.Layout(width=f"min(100%, {css_w}px)"))
            if all(isinstance(o, str) for o in options):
                ctl = w.Dropdown(**common)
            else:
                ctl = w.SelectionSlider(**common, continuous_update=True)
            boxes.append(ctl)
        # An Image widget whose PNG is replaced after each in-place update: one draw per
        # change, no flicker, and no interactive matplotlib backend (ipympl) needed.
        image = w.Image(value=self.render_png(self.live_dpi()), format="png",
                        layout=w.Layout(width=f"{css_w}px", max_width="100%", height="auto"))

        def changed(change: Mapping[str, Any], name: str) -> None:
            self.set(**{name: change["new"]})
            image.value = self.render_png(self.live_dpi())

        for ctl, name in zip(boxes, self.controls):
            ctl.observe(lambda ch, n=name: changed(ch, n), names="value")
        box = w.VBox([*boxes, image])
        box.add_class("natgrad-explorer")
        return box

    def display(self) -> None:
        """Show the live widgets in a kernel, or the static fallback where there is none.

        ``NATGRAD_STATIC=1`` (the book build: its pages have no kernel) shows only the
        static fallback; otherwise only the widgets (a reader with a kernel does not need
        the player, and computing it would slow down Run All). The figure is closed
        afterwards, so the inline backend does not show it a second time (without a
        caption) at the end of the cell; the explorer keeps rendering it on its own Agg
        canvas (:meth:`agg_canvas`).
        """
        import matplotlib.pyplot as plt
        from IPython.display import display

        if os.environ.get("NATGRAD_STATIC") == "1":
            display(JSAnimation(self.static_html()))
        else:
            display(self.widgets())
        plt.close(self.fig)


_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
          "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "pi": "π", "rho": "ρ",
          "sigma": "σ", "tau": "τ", "phi": "φ", "psi": "ψ", "omega": "ω", "cdot": "·", "times": "×",
          "infty": "∞", "ell": "ℓ"}
_WORDS = {"log", "exp", "logit"}
_SUPERSCRIPTS = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_SUBSCRIPTS = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")


def plain_label(text: str) -> str:
    r"""A control label with its inline LaTeX (``$...$``) turned into Unicode: widget
    labels show no math.

    >>> plain_label(r"$(\mu, \log\sigma)$"), plain_label(r"$(\mu, \sigma^2)$")
    ('(μ, log σ)', '(μ, σ²)')
    >>> plain_label(r"$(\eta_1, \eta_2)$"), plain_label(r"chart $\mathrm{logit}\,p$")
    ('(η₁, η₂)', 'chart logit p')
    >>> plain_label("gaussian_logstd")
    'gaussian_logstd'
    """
    import re

    def command(m: re.Match) -> str:
        name, after = m.group(1), m.group(2)
        if name in _GREEK:
            return _GREEK[name] + after
        if name in _WORDS:   # \log\sigma, \log \sigma and \log x read "log σ", "log x"
            followed = bool(after) or m.group(0).endswith(" ") or m.end() < len(m.string) and m.string[m.end()] == "\\"
            return name + (" " if followed else "") + after
        return after            # \mathrm, \operatorname, \left ...: drop the command

    def math(m: re.Match) -> str:
        s = re.sub(r"\\([,;:! ])", " ", m.group(1))
        # a command and what follows it: a space, if any, then a letter or a backslash
        s = re.sub(r"\\([A-Za-z]+)\s*((?=\\)|[A-Za-z]?)", command, s)
        s = re.sub(r"\^\{?([0-9+-]+)\}?", lambda g: g.group(1).translate(_SUPERSCRIPTS), s)
        s = re.sub(r"_\{?([0-9+-]+)\}?", lambda g: g.group(1).translate(_SUBSCRIPTS), s)
        return re.sub(r" +", " ", s.replace("{", "").replace("}", ""))

    return re.sub(r"\$([^$]*)\$", math, text)


def _number_label(value: Any, digits: int) -> str:
    """``value`` to ``digits`` significant digits, never in exponent form for a whole number."""
    import math

    x = float(value)
    if math.isfinite(x) and abs(x) >= 1:
        digits = max(digits, int(math.floor(math.log10(abs(x)))) + 1)
    return f"{x:.{digits}g}"


def option_labels(options: Sequence[Any]) -> list[str]:
    r"""Labels of a control's options: strings through :func:`plain_label`, numbers with
    the fewest significant digits (at least 3) that keep every label distinct.

    >>> option_labels([0.6294627058970836, 0.5, 1e-4, 2000])
    ['0.629', '0.5', '0.0001', '2000']
    >>> option_labels([1.0001, 1.0002])
    ['1.0001', '1.0002']
    >>> option_labels([r"$\sigma$", "Newton"])
    ['σ', 'Newton']
    """
    opts = list(options)
    if all(isinstance(o, str) for o in opts):
        labels = [plain_label(o) for o in opts]
    else:
        for digits in range(3, 18):
            labels = [str(o) if isinstance(o, str) else _number_label(o, digits) for o in opts]
            if len(set(labels)) == len(set(map(str, opts))):
                break
    if len(set(labels)) != len(labels):   # distinct labels for distinct options
        labels = [f"{lab} ({i + 1})" if labels.count(lab) > 1 else lab for i, lab in enumerate(labels)]
    return labels


def explorer(fig: Any, update: Callable[..., Any], controls: Mapping[str, Sequence[Any]],
             sweep: str, alt: str, animated: Sequence[Any] = ()) -> Explorer:
    """Build an :class:`Explorer` (see there); call ``.display()`` in a notebook.

    Examples
    --------
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
    return Explorer(fig, update, controls, sweep, alt, animated=animated)


class CompactExplorer(Explorer):
    """An :class:`Explorer` whose static fallback is lighter: its frames (already at the
    figure's own dpi) re-encoded with a small palette by
    :func:`natgrad_lib.jshtml.compact_frames`. Same API as :class:`Explorer`."""

    def static_html(self) -> str:
        return compact_frames(super().static_html())
