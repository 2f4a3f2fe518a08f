"""Animations that play in the static book: matplotlib's ``to_jshtml``, made offline-safe.

``to_html(anim, alt=...)`` renders a :class:`matplotlib.animation.Animation`
as self-contained HTML (frames inlined as PNG, a frame slider, play/step
buttons) and fixes what an offline, accessible book needs: matplotlib's
output links Font Awesome from a CDN (removed: the book theme ships its own
icons), its frame ``<img>`` has no alt text (added), its frame slider has no
label (an ``aria-label`` is added) and its decorative button icons are hidden
from screen readers (the buttons carry their own labels). Every control is a
native button, range input or radio button, so the player works from the
keyboard alone (Tab to a control, Enter or Space to press it, arrow keys to
move the slider).

``compact_frames`` re-encodes the inlined frames with a small palette (line drawings need
few colours), and ``render`` does both at the figure's own dpi: what the animations and the
explorers' static fallbacks embed in the page.
"""

from __future__ import annotations

from ._extras import require_plots

require_plots("natgrad_lib.jshtml")  # a clear ImportError naming the extra, not a bare one

import base64
import html
import io
import re
from typing import Any

__all__ = ["to_html", "compact_frames", "render", "JSAnimation", "FALLBACK_CLASS", "SLIDER_LABEL"]

#: CSS class wrapping every static fallback (the browser tests look for it).
FALLBACK_CLASS = "natgrad-static-fallback"

_CDN_LINK = re.compile(r"<link[^>]+href=\"https?://[^\"]*\"[^>]*>\s*", re.IGNORECASE)
_ANIM_IMG = re.compile(r"<img id=\"(_anim_img[0-9a-f]+)\"")
_ANIM_SLIDER = re.compile(r"<input id=\"(_anim_slider[0-9a-f]+)\"")
_ICON = re.compile(r"<i class=\"(fa [^\"]*)\"></i>")
#: Accessible name of every player's frame slider.
SLIDER_LABEL = "Animation frame"


def to_html(anim: Any, alt: str, *, fallback: bool = True, default_mode: str = "loop",
            fixed_layout: bool = False) -> str:
    """Offline-safe HTML for ``anim``: no remote resources, alt text on the frames.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
        The animation (keep it to about 60 frames or fewer: every frame is inlined).
    alt : str
        Text alternative describing what the animation shows.
    fallback : bool
        Wrap the result in ``<div class="natgrad-static-fallback">``.
    default_mode : {"loop", "once", "reflect"}
        What the player does at the last frame.
    fixed_layout : bool
        The frames change the data only (fixed limits, ticks, titles and texts), so a layout
        engine (constrained layout) would place the axes where the first frame put them: lay
        out the first frame only. The frames are the same, made in less time (the layout is
        ~40 % of a frame of constrained layout). Leave it False for frames whose texts or
        limits change (an explorer's titles, say): there the layout may move.

    Examples
    --------
    >>> from matplotlib.animation import FuncAnimation
    >>> fig, ax = plt.subplots(figsize=(2, 2), dpi=30)
    >>> (line,) = ax.plot([0, 1], [0, 0])
    >>> anim = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=3)
    >>> page = to_html(anim, "a line tilting up")
    >>> "https://" in page, 'alt="a line tilting up"' in page
    (False, True)
    >>> f'aria-label="{SLIDER_LABEL}"' in page, '<i class="fa fa-play" aria-hidden="true">' in page
    (True, True)
    >>> plt.close(fig)
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"alt must be a non-empty description of the animation, got {alt!r}")
    # Animation.save draws every frame twice: after drawing a frame it calls draw_idle(),
    # which non-interactive canvases (Agg) carry out at once, and then savefig draws the frame
    # again to grab it. Only the second draw reaches the HTML, so skip the first.
    fig = anim._fig
    canvas = fig.canvas
    canvas.draw_idle = lambda *args, **kwargs: None  # shadows the method on this instance
    # A layout engine (constrained layout) places the axes again at every frame, from the
    # extents of every tick label and title. With fixed_layout, the first frame's layout is
    # kept for the others (tests/test_geometry_animations.py checks the frames are the same).
    engine = fig.get_layout_engine() if fixed_layout else None

    def savefig(*args, **kwargs):
        try:
            return type(fig).savefig(fig, *args, **kwargs)
        finally:
            if engine is not None:
                fig.set_layout_engine("none")  # keeps the axes where the first frame put them

    fig.savefig = savefig  # HTMLWriter grabs every frame with fig.savefig
    try:
        raw = anim.to_jshtml(default_mode=default_mode)
    finally:
        del canvas.draw_idle, fig.savefig
        if engine is not None:
            fig.set_layout_engine(engine)
    out = _CDN_LINK.sub("", raw)
    out = _ANIM_IMG.sub(lambda m: f'<img alt="{html.escape(alt, quote=True)}" id="{m.group(1)}"', out)
    out = _ANIM_SLIDER.sub(lambda m: f'<input aria-label="{SLIDER_LABEL}" id="{m.group(1)}"', out)
    out = _ICON.sub(lambda m: f'<i class="{m.group(1)}" aria-hidden="true"></i>', out)
    if fallback:
        out = f'<div class="{FALLBACK_CLASS}">\n{out}\n</div>'
    return out


# matplotlib's HTMLWriter breaks each frame's base64 into lines ending in a backslash.
_PNG_FRAME = re.compile(r"data:image/png;base64,((?:[A-Za-z0-9+/=]|\\\n)+)")


def compact_frames(html_text: str, colors: int = 32) -> str:
    """Re-encode every inlined PNG frame of a ``to_jshtml`` page with a ``colors``-colour palette.

    Line drawings need few colours: a 32-colour palette looks the same and makes the frames
    three to four times smaller, which keeps a page with several animations light.

    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (4, 4), "white").save(buf, format="PNG")
    >>> page = "<img src='data:image/png;base64," + base64.b64encode(buf.getvalue()).decode() + "'>"
    >>> out = compact_frames(page)
    >>> out.startswith("<img src='data:image/png;base64,") and out.endswith("'>")
    True
    """
    from PIL import Image

    if isinstance(colors, bool) or not isinstance(colors, int) or not 2 <= colors <= 256:
        raise ValueError(f"colors must be an integer in [2, 256], got {colors!r}")

    def shrink(match: re.Match) -> str:
        data = base64.b64decode(match.group(1).replace("\\\n", ""))
        img = Image.open(io.BytesIO(data)).convert("RGB")
        out = io.BytesIO()
        img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
        return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")

    return _PNG_FRAME.sub(shrink, html_text)


def render(anim: Any, alt: str, *, colors: int = 32, default_mode: str = "once",
           fixed_layout: bool = False) -> str:
    """Offline HTML of ``anim``: :func:`to_html`, frames at the figure's dpi.

    matplotlib renders animation frames at ``rcParams["savefig.dpi"]`` (100 in the book's
    style), not at the figure's own dpi; this renders them at the figure's dpi and then
    compacts them with :func:`compact_frames`. ``fixed_layout``: see :func:`to_html`.
    """
    import matplotlib as mpl

    with mpl.rc_context({"savefig.dpi": "figure"}):
        page = to_html(anim, alt, default_mode=default_mode, fixed_layout=fixed_layout)
    return compact_frames(page, colors)



class JSAnimation:
    """Display wrapper: shows the offline-safe HTML of an animation in a notebook.

    >>> JSAnimation("<p>frames</p>")._repr_html_()
    '<p>frames</p>'
    """

    def __init__(self, html_text: str) -> None:
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html
