"""The book's one matplotlib style: colour-blind-safe, legible in light and dark mode.

Every chapter calls :func:`use_style` once in its setup cell (as ``ng.use_style()``).
Nothing here changes matplotlib at import time.

Design choices
--------------
* Colours: the Okabe--Ito palette (Okabe & Ito, 2008, *Color Universal Design*),
  distinguishable under the common forms of colour-vision deficiency. Its yellow is
  left out because it has too little contrast on white.
* Light and dark mode: figures are opaque, with a white background and near-black
  text. In the book's dark mode each figure then reads as a white card, like a
  printed page. A transparent background would leave black axis labels on a
  near-black page, which is unreadable.
* Weight: PNG at 100 dpi and 6.4 x 4 inches (640 x 400 pixels) keeps pages light.
"""

from __future__ import annotations

from ._extras import require_plots

require_plots("natgrad_lib.style")  # a clear ImportError naming the extra, not a bare one

from typing import Final

import matplotlib as mpl
from matplotlib import cycler

#: Line colours, in the order plots use them (Okabe--Ito, without yellow):
#: blue, vermillion, bluish green, reddish purple, orange, sky blue, black.
PALETTE: Final[tuple[str, ...]] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
)

INK: Final[str] = "#222222"  # text, ticks and spines: near-black on the white background
PAPER: Final[str] = "#FFFFFF"  # opaque figure and axes background


def use_style() -> None:
    """Apply the book's matplotlib style by updating ``matplotlib.rcParams``.

    Call it once per chapter, before the first plot. It sets the colour cycle
    (:data:`PALETTE`), an opaque white background with dark text (legible in both
    the light and the dark theme of the book), font sizes, line widths, light grid
    lines and a modest figure size and resolution for PNG output. It returns
    nothing and can be called again at any time; to apply it only temporarily, call
    it inside :func:`matplotlib.rc_context`.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib as mpl
    >>> from natgrad_lib.style import PALETTE, use_style
    >>> with mpl.rc_context():          # restores the previous style on exit
    ...     use_style()
    ...     mpl.rcParams["savefig.dpi"], mpl.rcParams["figure.figsize"]
    (100.0, [6.4, 4.0])
    >>> with mpl.rc_context():
    ...     use_style()
    ...     mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(PALETTE)
    True
    """
    mpl.rcParams.update(
        {
            # size and resolution: 640 x 400 px PNGs
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.format": "png",
            # opaque white card with dark ink: readable on light and dark pages
            "figure.facecolor": PAPER,
            "figure.edgecolor": PAPER,
            "axes.facecolor": PAPER,
            "savefig.facecolor": PAPER,
            "savefig.edgecolor": PAPER,
            "savefig.transparent": False,
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            # colours
            "axes.prop_cycle": cycler(color=list(PALETTE)),
            "image.cmap": "viridis",
            # fonts
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "figure.titlesize": 12,
            # lines and axes
            "lines.linewidth": 2.0,
            "lines.markersize": 6,
            "axes.linewidth": 0.8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#B0B0B0",
            "grid.linewidth": 0.6,
            "grid.alpha": 0.5,
            "legend.frameon": True,
            "legend.framealpha": 0.9,
            "legend.edgecolor": "#CCCCCC",
            "axes.formatter.use_mathtext": True,
        }
    )
