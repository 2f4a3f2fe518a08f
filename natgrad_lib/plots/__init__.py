"""Static figures for the book (presentation layer: the only place with matplotlib plots).

Every function takes ``ax=None`` (a new figure is made when it is None),
returns the figure, and never calls ``plt.show()``.  One module per topic:

* :mod:`natgrad_lib.plots.convergence` -- Monte Carlo error against sample size.
"""

from .convergence import plot_convergence

__all__ = ["plot_convergence"]
