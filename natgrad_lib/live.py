"""Live explorers: computed and drawn in the browser, in a kernel and in the static book alike.

The kernel only configures: it sends the explorer's kind, its family settings, ranges and
initial values. The picture is computed and drawn by one front end, the ES module built from
``js/src`` (``make js``; its formulas are generated from the families' sympy definitions by
:mod:`natgrad_lib.jsgen`), through anywidget's ``render({model, el})`` contract:

* in a live kernel, :meth:`LiveExplorer._repr_mimebundle_` shows an anywidget widget whose
  ``_esm`` is ``_static/natgrad-live.mjs``;
* in the book (``NATGRAD_STATIC=1``), it emits only ``text/html``: the configuration as JSON
  and the static fallback (the old frame player) inside ``<noscript>``. The page's script
  ``_static/natgrad-live.js`` (the same sources bundled as a classic script, so the book also
  reads from ``file://``; added to the pages that hold an explorer by ``_ext/live_explorers.py``)
  drives the same ``render`` with a small model over that state.

Why no widget view in the book: myst-nb ranks ``application/vnd.jupyter.widget-view+json``
above ``text/html`` and, without saved widget state and the widget manager from a CDN (which
the offline book does not load), renders it as an empty element. So the static build emits
the HTML part alone.

>>> ex = kl_ball([0.5, 0.8], [0.05, 0.2], fallback=False)
>>> ex.state["c"], ex.state["parametrisation"], ex.config["labels"]["c"]
(0.05, 'gaussian', ['0.05', '0.2'])
>>> 'class="natgrad-live"' in ex.static_html()
True
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import registry
from .explore import option_labels, plain_label

__all__ = ["LiveExplorer", "kl_ball", "kl_ellipse", "bundle_path"]

_STATIC = Path(__file__).resolve().parents[1] / "_static"


def bundle_path(module: bool = True) -> Path:
    """The built front end: the ES module for anywidget (``module=True``) or the page's script.

    Raises ``FileNotFoundError`` naming ``make js`` when it has not been built.
    """
    path = _STATIC / ("natgrad-live.mjs" if module else "natgrad-live.js")
    if not path.exists():
        raise FileNotFoundError(f"the live explorers' front end {path} is missing: run `make js` "
                                "(needs node and npm) in the repository")
    return path


class LiveExplorer:
    """One live explorer: its kind, configuration, state (the control values) and fallback.

    Parameters
    ----------
    kind : str
        The front end's name for it (``js/src/explorers.js``).
    config : dict
        Fixed settings sent once (JSON-serialisable).
    state : dict
        The controls' initial values (``{name: value}``); synchronised with the widget.
    fallback : callable, optional
        Returns the HTML shown when JavaScript is off (the frame player).
    """

    def __init__(self, kind: str, config: dict[str, Any], state: dict[str, Any], fallback: Any = None) -> None:
        self.kind = kind
        self.config = {**config, "initial": dict(state)}
        self.state = dict(state)
        self._fallback = fallback
        self._widget = None

    def model_state(self) -> dict[str, Any]:
        """What ``render({model, el})`` reads with ``model.get``: kind, config and the values."""
        return {"kind": self.kind, "config": self.config, **self.state}

    def static_html(self) -> str:
        """The book's HTML: the state as JSON, and the fallback inside ``<noscript>``."""
        data = json.dumps(self.model_state(), allow_nan=False).replace("</", "<\\/")
        fallback = self._fallback() if self._fallback is not None else (
            f"<p>{html.escape(self.config.get('title', 'explorer'))} (needs JavaScript).</p>")
        return (f'<div class="natgrad-live" data-kind="{html.escape(self.kind)}">'
                f'<script type="application/json">{data}</script>'
                f"<noscript>{fallback}</noscript>"
                '<div class="natgrad-live-view"></div></div>')

    def widget(self) -> Any:
        """The anywidget widget (created once; needs anywidget and the built front end)."""
        if self._widget is None:
            try:
                import anywidget
                import traitlets
            except ModuleNotFoundError as err:
                from ._extras import missing_extra

                raise missing_extra("the live explorers", err) from err
            traits = {"_esm": bundle_path(module=True),
                      "kind": traitlets.Unicode(self.kind).tag(sync=True),
                      "config": traitlets.Dict(self.config).tag(sync=True)}
            for name, value in self.state.items():
                trait = traitlets.Unicode if isinstance(value, str) else traitlets.Float
                traits[name] = trait(value).tag(sync=True)
            cls = type(f"Live_{self.kind}", (anywidget.AnyWidget,), traits)
            self._widget = cls()
            for name in self.state:
                self._widget.observe(lambda ch, n=name: self.state.__setitem__(n, ch["new"]), names=name)
        return self._widget

    def set(self, **values: Any) -> None:
        """Change controls from Python (the widget, if shown, follows)."""
        unknown = set(values) - set(self.state)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; valid: {list(self.state)}")
        self.state.update(values)
        if self._widget is not None:
            for name, value in values.items():
                setattr(self._widget, name, value)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": f"<live explorer {self.kind}>"}
        if os.environ.get("NATGRAD_STATIC") == "1":
            bundle["text/html"] = self.static_html()
            return bundle
        widget_bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        if isinstance(widget_bundle, tuple):
            widget_bundle = widget_bundle[0]
        return {**bundle, **(widget_bundle or {})}

    def display(self) -> None:
        """Show it (``IPython.display.display(self)``)."""
        from IPython.display import display

        display(self)


def _axis_labels(fam) -> list[str]:
    return [plain_label(f"${p.latex}$") for p in fam.param_specs]


def kl_ball(base_theta: Sequence[float], cs: Sequence[float],
            charts: Sequence[str] = ("gaussian", "gaussian_logstd", "gaussian_var", "gaussian_natural"),
            n_rays: int = 241, fallback: bool = True) -> LiveExplorer:
    r"""Live twin of :func:`natgrad_lib.plots.kl_ball_explorer`: the exact KL ball and the
    Fisher ellipse of a Gaussian in a chosen chart, and both mapped to (μ, σ).

    Controls: ``c`` (one of ``cs``) and ``parametrisation`` (one of ``charts``). The page
    computes the curves with the generated formulas and the ray search of
    :mod:`natgrad_lib.klgeometry`; its read-out says how far the ellipse's radius is from
    the ball's and on how many rays the ellipse leaves the parameter domain.

    Parameters
    ----------
    base_theta : (float, float)
        The centre (μ, σ).
    cs : sequence of float
        The budgets offered (nats, > 0).
    charts : sequence of str
        Gaussian families (each with ``from_base``).
    n_rays : int
        Points per curve (>= 3).
    fallback : bool
        Also render the frame player for ``<noscript>`` (the book does).
    """
    gauss = registry.family("gaussian")
    theta = gauss.check_theta(base_theta, "base_theta")
    levels = [float(c) for c in np.atleast_1d(np.asarray(cs, dtype=float))]
    if not levels or any(not (np.isfinite(c) and c > 0) for c in levels):
        raise ValueError(f"cs must be finite levels > 0, got {list(cs)}")
    charts = list(charts)
    for name in charts:
        fam = registry.family(name)
        if fam.base is not gauss or fam.k != 2:
            raise ValueError(f"charts must be Gaussian charts with two parameters, got {name!r}")
    if isinstance(n_rays, bool) or not isinstance(n_rays, int) or n_rays < 3:
        raise ValueError(f"n_rays must be an integer >= 3, got {n_rays!r}")
    config = {
        "title": "The KL ball and the Fisher ellipse of a Gaussian in four charts",
        "base_theta": [float(t) for t in theta], "cs": levels, "charts": charts, "n_rays": n_rays,
        "labels": {"c": option_labels(levels),
                   "parametrisation": [f"({', '.join(_axis_labels(registry.family(n)))})" for n in charts]},
        "axes": {n: _axis_labels(registry.family(n)) for n in charts},
    }

    def player() -> str:
        import matplotlib.pyplot as plt

        from .plots import kl_ball_explorer

        ex = kl_ball_explorer(theta, levels, charts, n_rays=n_rays)
        try:
            return ex.static_html()
        finally:
            plt.close(ex.fig)

    return LiveExplorer("kl_ball", config, {"c": levels[0], "parametrisation": charts[0]},
                        fallback=player if fallback else None)


def kl_ellipse(charts: Any, y: Sequence[float], cs: Sequence[float], *, n_search: int = 20_000,
               alt: str | None = None, fallback: bool = True) -> LiveExplorer:
    r"""Live twin of :func:`natgrad_lib.plots.kl_ellipse_explorer`: the KL ellipse in step
    coordinates, with the gradient direction, the natural step :math:`d^\ast`, the
    dense-search maximiser and the exact level set :math:`n\,\mathrm{KL} = c`.

    Controls: ``c`` (one of ``cs``) and ``chart`` (a label of ``charts``).

    Parameters
    ----------
    charts : mapping
        ``{label: (family, phi)}``: the same distribution in several two-parameter charts.
    y : array_like, shape (n,)
        The observations.
    cs : sequence of float
        The KL budgets offered (> 0).
    n_search : int
        Angles of the dense search.
    alt : str, optional
        Text alternative of the fallback player.
    fallback : bool
        Also render the frame player for ``<noscript>``.

    >>> import natgrad_lib as ng
    >>> ex = kl_ellipse({"(μ, σ)": (ng.family("gaussian"), [0.0, 1.0])}, [0.5, 1.5], [0.1, 0.2],
    ...                 fallback=False)
    >>> ex.state
    {'c': 0.1, 'chart': '(μ, σ)'}
    """
    obs = np.asarray(y, dtype=float)
    if obs.ndim != 1 or obs.size == 0 or not np.all(np.isfinite(obs)):
        raise ValueError(f"y must be a non-empty 1-D array of finite observations, got shape {obs.shape}")
    levels = [float(c) for c in np.atleast_1d(np.asarray(cs, dtype=float))]
    if not levels or any(not (np.isfinite(c) and c > 0) for c in levels):
        raise ValueError(f"cs must be finite budgets > 0, got {list(cs)}")
    if not charts:
        raise ValueError("charts must name at least one chart, got none")
    if isinstance(n_search, bool) or not isinstance(n_search, int) or n_search < 8:
        raise ValueError(f"n_search must be an integer >= 8, got {n_search!r}")
    entries = []
    for label, (fam, phi) in charts.items():
        if fam.k != 2:
            raise ValueError(f"the KL ellipse is drawn for 2-parameter families, got k={fam.k} ({fam.name})")
        entries.append({"label": label, "family": fam.name,
                        "phi": [float(v) for v in fam.check_theta(phi, "phi")], "axes": _axis_labels(fam)})
    config = {
        "title": "The KL ellipse, the natural step and the exact KL level set in a chosen chart",
        "charts": entries, "y": obs.tolist(), "cs": levels, "n_search": n_search,
        "labels": {"c": option_labels(levels), "chart": [plain_label(e["label"]) for e in entries]},
    }

    def player() -> str:
        import matplotlib.pyplot as plt

        from .plots import kl_ellipse_explorer

        ex = kl_ellipse_explorer(dict(charts), obs, levels, n_search=n_search, alt=alt)
        try:
            return ex.static_html()
        finally:
            plt.close(ex.fig)

    return LiveExplorer("kl_ellipse", config, {"c": levels[0], "chart": entries[0]["label"]},
                        fallback=player if fallback else None)
