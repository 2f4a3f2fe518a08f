"""Live explorers: computed and drawn in the browser, in a kernel and in the static book alike.

The kernel only configures: it sends the explorer's kind, its family settings, ranges and
initial values. The picture is computed and drawn by one front end, the ES module built from
``js/src`` (``make js``; its formulas are generated from the families' sympy definitions by
:mod:`natgrad_lib.jsgen`), through anywidget's ``render({model, el})`` contract:

* in a live kernel, :meth:`LiveExplorer._repr_mimebundle_` shows an anywidget widget whose
  ``_esm`` is ``natgrad-live.mjs`` (``bundle_path()``: package data of a wheel, js/build in the repository);
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

__all__ = ["LiveExplorer", "kl_ball", "kl_ellipse", "score_histogram", "score_cloud", "curvature", "glm_paths", "optimizer", "bundle_path"]

_STATIC = Path(__file__).resolve().parents[1] / "_static"   # the book's, in the repository
_PACKAGE_STATIC = Path(__file__).resolve().parent / "static"   # in a wheel of natgrad_lib
_JS_BUILD = Path(__file__).resolve().parents[1] / "js" / "build"   # make js, in the repository


def bundle_path(module: bool = True) -> Path:
    """The built front end: the ES module for anywidget (``module=True``) or the book page's
    script (``module=False``, in the repository's ``_static``).

    The ES module is package data of an installed wheel (``natgrad_lib/static``); in the
    repository (an editable install), ``make js`` writes it to ``js/build``.
    Raises ``FileNotFoundError`` naming ``make js`` when it has not been built.
    """
    if module:
        path = _PACKAGE_STATIC / "natgrad-live.mjs"
        if not path.exists() and (_JS_BUILD / "natgrad-live.mjs").exists():
            path = _JS_BUILD / "natgrad-live.mjs"
    else:
        path = _STATIC / "natgrad-live.js"
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

    def __init__(self, kind: str, config: dict[str, Any], state: dict[str, Any], fallback: Any = None,
                 figure: Any = None) -> None:
        self.kind = kind
        self._figure = figure   # a matplotlib figure of the fallback, closed once shown
        self.config = {**config, "initial": dict(state)}
        self.state = dict(state)
        self._fallback = fallback
        self._widget = None

    def model_state(self) -> dict[str, Any]:
        """What ``render({model, el})`` reads with ``model.get``: kind, config and the values."""
        return {"kind": self.kind, "config": self.config, **self.state}

    def static_html(self) -> str:
        """The book's HTML: the state as JSON, the fallback inside ``<noscript>``, and a one-line
        script that mounts it at once."""
        data = json.dumps(self.model_state(), allow_nan=False).replace("</", "<\\/")
        fallback = self._fallback() if self._fallback is not None else (
            f"<p>{html.escape(self.config.get('title', 'explorer'))} (needs JavaScript).</p>")
        # The page's script (in the head) mounts the explorer as soon as it is parsed; where
        # the script is not there yet, it mounts every explorer once the document is loaded.
        mount = "window.natgradLive&&natgradLive.mount(document.currentScript.parentNode)"
        return (f'<div class="natgrad-live" data-kind="{html.escape(self.kind)}">'
                f'<script type="application/json">{data}</script>'
                f"<noscript>{fallback}</noscript>"
                f'<div class="natgrad-live-view"></div><script>{mount}</script></div>')

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
        try:
            if os.environ.get("NATGRAD_STATIC") == "1":
                bundle["text/html"] = self.static_html()
                return bundle
            try:
                widget = self.widget()
            except (FileNotFoundError, ImportError) as err:
                # An install without the built front end (e.g. from git, without node): say
                # so, and show the frame player instead of failing the cell.
                bundle["text/plain"] += f": not live here ({err})"
                player = self._fallback() if self._fallback is not None else ""
                bundle["text/html"] = (f'<p class="natgrad-live-missing">This explorer is not live here: '
                                       f"{html.escape(str(err))}</p>{player}")
                return bundle
        finally:
            self._close_figure()
        widget_bundle = widget._repr_mimebundle_(include=include, exclude=exclude)
        if isinstance(widget_bundle, tuple):
            widget_bundle = widget_bundle[0]
        return {**bundle, **(widget_bundle or {})}

    def _close_figure(self) -> None:
        """Close the fallback's figure, so the inline backend does not show it too."""
        if self._figure is not None:
            import matplotlib.pyplot as plt

            plt.close(self._figure)

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


def score_histogram(fam: Any, draws: Any, ns: Sequence[int], evaluation: Any, *,
                    xlim: tuple[float, float], ylim: tuple[float, float], xlabel: str,
                    k_max: int = 40, fallback: Any = None) -> LiveExplorer:
    r"""Live explorer: the sampled scores of a one-parameter count family balance at zero.

    For each true parameter ``theta0`` (the keys of ``draws``) and sample size ``n``, the
    kernel sends the histogram of the first ``n`` draws over ``y = 0 .. k_max``; the page
    evaluates the score of each count at ``theta0 * evaluation[label]``, the exact
    probabilities at ``theta0`` (generated formulas), the mean score and its standard error.
    Controls: ``n``, ``theta0`` and ``evaluated_at`` (a label of ``evaluation``).

    Parameters
    ----------
    fam : Family
        A one-parameter family on the counts (``poisson``).
    draws : mapping
        ``{theta0: array of at least max(ns) counts}``.
    ns : sequence of int
        The sample sizes offered (each >= 2).
    evaluation : mapping
        ``{label: factor}``: the score is evaluated at ``factor * theta0``.
    xlim, ylim, xlabel
        The fixed axes.
    k_max : int
        The largest count drawn as a bar (every draw must be <= k_max).
    fallback : Explorer, optional
        The matplotlib explorer whose frame player is kept for ``<noscript>``.

    >>> import numpy as np, natgrad_lib as ng
    >>> rng = np.random.default_rng(0)
    >>> ex = score_histogram(ng.family("poisson"), {2.0: rng.poisson(2.0, 50)}, [20, 50],
    ...                      {"λ = λ₀": 1.0}, xlim=(-1, 3), ylim=(0, 1), xlabel="score")
    >>> sum(ex.config["counts"][0][1]), ex.state
    (50, {'n': 20, 'theta0': 2.0, 'evaluated_at': 'λ = λ₀'})
    """
    if fam.k != 1 or fam.support.kind != "count":
        raise ValueError(f"fam must be a one-parameter count family, got {fam.name!r}")
    ns = [int(n) for n in ns]
    if not ns or min(ns) < 2:
        raise ValueError(f"ns must hold sample sizes >= 2, got {ns}")
    counts, theta0s = [], []
    for theta0, y in draws.items():
        y = np.asarray(y)
        if y.ndim != 1 or y.size < max(ns):
            raise ValueError(f"draws[{theta0!r}] must hold at least {max(ns)} counts, got shape {y.shape}")
        head = y[:max(ns)]
        if np.any(head < 0) or np.any(head > k_max) or np.any(head != np.round(head)):
            raise ValueError(f"draws[{theta0!r}] must be counts in 0..{k_max}, got values up to {head.max()}")
        theta0s.append(float(theta0))
        counts.append([np.bincount(head[:n].astype(int), minlength=k_max + 1).tolist() for n in ns])
    spec = fam.param_specs[0]
    config = {
        "title": f"Sampled scores of the {fam.name} family and their mean",
        "family": fam.name, "family_label": fam.name.capitalize(), "theta0s": theta0s, "ns": ns,
        "counts": counts, "evaluation": {str(k): float(v) for k, v in evaluation.items()},
        "xlim": [float(v) for v in xlim], "ylim": [float(v) for v in ylim], "xlabel": plain_label(xlabel),
        "labels": {"n": option_labels(ns), "theta0": option_labels(theta0s),
                   "theta_name": plain_label(f"${spec.latex}$"), "theta0_name": plain_label(f"${spec.latex}$") + "₀"},
    }
    return LiveExplorer("score_histogram", config,
                        {"n": ns[0], "theta0": theta0s[0], "evaluated_at": next(iter(config["evaluation"]))},
                        fallback=fallback.static_html if fallback is not None else None,
                        figure=fallback.fig if fallback is not None else None)


def score_cloud(fam: Any, controls: Any, *, n_name: str = "n", slider: str | None = None,
                axis_labels: Sequence[str] = ("$s_1$", "$s_2$"), seed: int = 11, radius: float = 2.0,
                span: float = 4.0, max_points: int = 2000, fallback: Any = None) -> LiveExplorer:
    r"""Live explorer: the cloud of score vectors of the gamma family, with the covariance
    ellipse of the sample and the ellipse of :math:`I(\theta)` (radius ``radius``).

    The page draws the sample itself (d3-random's gamma generator on a seeded LCG, the same
    ``seed`` for every setting), evaluates the generated score and Fisher information, and
    prints both matrices and the correlation in :math:`I(\theta)`.

    Parameters
    ----------
    fam : Family
        The two-parameter ``gamma`` family (shape, rate): the page samples it.
    controls : mapping
        ``{name: values}`` for the two parameters (``fam.params``) and the sample size
        ``n_name``; the first value of each is the initial one.
    n_name : str
        The control holding the sample size.
    slider : str, optional
        The control shown as a slider (default: the first parameter); the others are dropdowns.
    axis_labels, radius, span, max_points
        As in :func:`natgrad_lib.plots.plot_score_cloud`.
    seed : int
        Seed of the page's generator.
    fallback : Explorer, optional
        The matplotlib explorer whose frame player is kept for ``<noscript>``.

    >>> import natgrad_lib as ng
    >>> ex = score_cloud(ng.family("gamma"), {"shape": [0.5, 2.0], "rate": [1.0], "n": [100]})
    >>> ex.state
    {'shape': 0.5, 'rate': 1.0, 'n': 100}
    """
    if fam.name != "gamma":
        raise ValueError(f"fam must be the gamma family (the page samples it), got {fam.name!r}")
    names = list(controls)
    if sorted(names) != sorted([*fam.params, n_name]):
        raise ValueError(f"controls must be {[*fam.params, n_name]}, got {names}")
    values = {k: [int(v) if k == n_name else float(v) for v in controls[k]] for k in names}
    for k, vs in values.items():
        if not vs:
            raise ValueError(f"controls[{k!r}] must offer at least one value, got none")
        if k != n_name:
            fam.check_theta(np.array([[v if p == k else 1.0 for p in fam.params] for v in vs]), f"controls[{k!r}]")
    if min(values[n_name]) < 3:
        raise ValueError(f"controls[{n_name!r}] must be sample sizes >= 3, got {values[n_name]}")
    config = {
        "title": "The cloud of score vectors, the covariance of the sample and the Fisher information",
        "family": fam.name, "theta_names": list(fam.params), "n_name": n_name, "controls": names,
        "slider": slider or fam.params[0], "values": values, "seed": int(seed), "radius": float(radius),
        "span": float(span), "max_points": int(max_points), "axis_labels": [plain_label(a) for a in axis_labels],
        "labels": {k: {"name": k, "options": option_labels(v)} for k, v in values.items()},
    }
    return LiveExplorer("score_cloud", config, {k: v[0] for k, v in values.items()},
                        fallback=fallback.static_html if fallback is not None else None,
                        figure=fallback.fig if fallback is not None else None)


def curvature(theta: Sequence[float], values: Sequence[float], ns: Sequence[int], grid: Any,
              rng: np.random.Generator, *, n_curves: int = 12, ylim: tuple[float, float] = (-2.5, 0.75),
              fallback: Any = None) -> LiveExplorer:
    r"""Live twin of :func:`natgrad_lib.plots.curvature_explorer` for the Gaussian's σ.

    The Gaussian with known mean ``theta[0]`` and σ as the parameter that varies: the kernel
    sends ``max(ns)`` standard normal draws ``z`` (from ``rng``, as the library draws them, so
    that ``y = μ + σ₀ z`` for every σ₀: common random numbers); the page evaluates the
    log-likelihood curves, their average over ``n``, the expected curve −KL, the observed
    information and the running averages with the generated formulas. Controls: ``n`` and
    ``sigma0``.

    Parameters
    ----------
    theta : (float, float)
        (μ, σ); σ is replaced by each of ``values``.
    values : sequence of float
        The values of σ₀ offered.
    ns : sequence of int
        The sample sizes offered, increasing.
    grid : array_like
        Values of σ on the left panel's axis.
    rng : numpy.random.Generator
        Source of the draws (consumed as :func:`~natgrad_lib.plots.curvature_explorer` does).
    n_curves, ylim
        As there.
    fallback : Explorer, optional
        The matplotlib explorer whose frame player is kept for ``<noscript>``.

    >>> import numpy as np
    >>> ex = curvature([0.0, 1.0], [1.0, 2.0], [1, 5], np.linspace(0.2, 3, 20), np.random.default_rng(0))
    >>> len(ex.config["z"]), ex.state
    (5, {'n': 1, 'sigma0': 1.0})
    """
    from ._validate import require_generator

    require_generator(rng)
    gauss = registry.family("gaussian")
    th = gauss.check_theta(theta, "theta")
    vals = [float(v) for v in values]
    gauss.check_theta(np.array([[th[0], v] for v in vals]), "values")
    n_list = [int(n) for n in ns]
    if not n_list or min(n_list) < 1 or any(b <= a for a, b in zip(n_list, n_list[1:])):
        raise ValueError(f"ns must be increasing positive integers, got {list(ns)!r}")
    xs = np.asarray(grid, dtype=float)
    if xs.ndim != 1 or xs.size < 2 or np.any(xs <= 0):
        raise ValueError(f"grid must be a 1-d array of at least 2 values of sigma > 0, got {xs!r}")
    seed = int(rng.integers(2**32))   # as curvature_explorer: then one Generator per theta0
    z = np.random.default_rng(seed).standard_normal(n_list[-1])
    config = {
        "title": "Curvature of single-observation log-likelihoods along σ",
        "family": "gaussian", "theta": [float(t) for t in th], "index": 1, "values": vals, "ns": n_list,
        "grid": xs.tolist(), "z": z.tolist(), "n_curves": max(1, min(int(n_curves), n_list[-1])),
        "ylim": [float(v) for v in ylim], "value_name": "sigma0",
        "labels": {"n": option_labels(n_list), "values": option_labels(vals), "value_name": "σ₀", "param": "σ"},
    }
    return LiveExplorer("curvature", config, {"n": n_list[0], "sigma0": vals[0]},
                        fallback=fallback.static_html if fallback is not None else None,
                        figure=fallback.fig if fallback is not None else None)


def glm_paths(X: Any, y: Any, *, steps: int, lr: Any, extent: Sequence[float], num: int = 61,
              methods: Sequence[str] = ("newton", "natural", "gradient"), xlabel: str = "x",
              fallback: Any = None) -> LiveExplorer:
    r"""Live explorer: gradient ascent, the natural gradient and Newton's method on a logistic
    regression with an intercept and one feature, from θ = (0, 0).

    The kernel sends the data; the page runs the methods (full steps of size ``lr[method]``,
    no line search, as :func:`natgrad_lib.optim.optimize`) with the generated formulas of
    ``bernoulli_logit`` in η = θ₀ + θ₁x, and draws the fitted probability at iteration ``t``
    and the iterates over the contours of ℓ (as :func:`natgrad_lib.plots.glm_path_figure`).
    Controls: ``t`` and ``method``.

    Parameters
    ----------
    X : array_like, shape (n, 2)
        A column of ones, then the feature.
    y : array_like, shape (n,)
        Labels 0 or 1.
    steps : int
        Iterations of every method.
    lr : mapping
        ``{method: step size}``.
    extent, num, xlabel
        As in :func:`natgrad_lib.plots.glm_path_figure`.
    methods : sequence of str
        Among ``newton``, ``natural``, ``gradient``.
    fallback : Explorer, optional
        The matplotlib explorer whose frame player is kept for ``<noscript>``.

    >>> ex = glm_paths([[1.0, -1.0], [1.0, 0.5], [1.0, 1.0]], [0, 1, 1], steps=3,
    ...                lr={"newton": 1.0, "natural": 1.0, "gradient": 0.5}, extent=(-1, 1, -1, 3))
    >>> ex.state
    {'t': 0, 'method': 'newton'}
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or not np.all(X[:, 0] == 1.0) or not np.all(np.isfinite(X)):
        raise ValueError(f"X must have shape (n, 2) with a column of ones first, got shape {X.shape}")
    if y.shape != (X.shape[0],) or not np.all((y == 0) | (y == 1)):
        raise ValueError(f"y must hold one label 0 or 1 per row of X, got shape {y.shape}")
    methods = list(methods)
    unknown = set(methods) - {"newton", "natural", "gradient"}
    if not methods or unknown:
        raise ValueError(f"methods must be among newton, natural, gradient, got {methods}")
    rates = {m: float(lr.get(m, 1.0)) for m in methods}
    if any(not (np.isfinite(r) and r > 0) for r in rates.values()):
        raise ValueError(f"lr must map each method to a step size > 0, got {rates}")
    if len(extent) != 4:
        raise ValueError(f"extent must be (theta0_min, theta0_max, theta1_min, theta1_max), got {extent!r}")
    config = {
        "title": "Gradient ascent, the natural gradient and Newton's method on a logistic regression",
        "x": X[:, 1].tolist(), "y": y.tolist(), "steps": int(steps), "lr": rates, "methods": methods,
        "extent": [float(e) for e in extent], "num": int(num), "xlabel": plain_label(xlabel),
    }
    return LiveExplorer("glm_paths", config, {"t": 0, "method": methods[0]},
                        fallback=fallback.static_html if fallback is not None else None,
                        figure=fallback.fig if fallback is not None else None)


def optimizer(gaussian_y: Sequence[float], bernoulli_y: Sequence[float], *,
              gaussian_start: Sequence[float] = (0.0, 0.4), bernoulli_start: float = 0.05,
              methods: Sequence[str] = ("gradient", "natural", "newton", "empirical_fisher"),
              sizes: Sequence[float] = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5),
              steps: Sequence[int] = (30, 10, 20, 40), fallback: bool = True) -> LiveExplorer:
    r"""Live twin of :func:`natgrad_lib.explore.optimizer_explorer`: one optimiser, one chart,
    one step rule, drawn in the common chart, with the KL divergence to the fit per iteration.

    The kernel sends the data, the starts and the maximum-likelihood fits
    (:func:`natgrad_lib.races.fit_mle`); the page runs :func:`natgrad_lib.races.chart_path` step for
    step with the generated formulas of the chart (and says where a path stops). Controls:
    ``chart``, ``method``, ``rule`` (step size α or KL budget c), ``size`` and ``steps``.
    Parameters as in :func:`~natgrad_lib.explore.optimizer_explorer`.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ex = optimizer(rng.normal(2.0, 0.6, 30), rng.random(20) < 0.8, sizes=(0.1, 0.5), steps=(5,),
    ...                fallback=False)
    >>> ex.state["chart"], ex.config["rules"]
    ('gaussian', ['step size α', 'KL budget c'])
    """
    from . import races
    from .plots.optimizers import CHARTS, RULES, optimizer_explorer  # one list of charts and rules

    gy = np.asarray(gaussian_y, dtype=float)
    by = np.asarray(bernoulli_y, dtype=float)
    gauss, bern = registry.family("gaussian"), registry.family("bernoulli")
    g_start = gauss.check_theta(gaussian_start, "gaussian_start")
    b_start = bern.check_theta([bernoulli_start], "bernoulli_start")
    mle_g = races.fit_mle(gauss, gy, g_start)
    mle_b = races.fit_mle(bern, by, b_start)
    pts = np.stack([g_start, mle_g])   # the Gaussian window of optimizer_explorer
    reach = max(float(np.ptp(pts[:, 0])), 2.0 * float(pts[:, 1].max()))
    methods = list(methods)
    unknown = set(methods) - {"gradient", "natural", "newton", "empirical_fisher"}
    if not methods or unknown:
        raise ValueError(f"methods must be among gradient, natural, newton, empirical_fisher, got {methods}")
    sizes = [float(s) for s in sizes]
    if not sizes or any(not (np.isfinite(s) and s > 0) for s in sizes):
        raise ValueError(f"sizes must be finite and > 0, got {sizes}")
    config = {
        "title": "One optimiser, one chart, one step rule, drawn in the common chart",
        "gaussian_y": gy.tolist(), "bernoulli_y": by.tolist(), "gaussian_start": g_start.tolist(),
        "bernoulli_start": float(b_start[0]), "mle": {"gaussian": mle_g.tolist(), "bernoulli": mle_b.tolist()},
        "g_xlim": [float(pts[:, 0].min() - 0.5 * reach), float(pts[:, 0].max() + 0.5 * reach)],
        "g_ylim": [0.0, 4.0 * float(pts[:, 1].max())],
        "charts": list(CHARTS), "methods": methods, "rules": list(RULES), "sizes": sizes,
        "steps": [int(s) for s in steps],
        "labels": {"chart": list(CHARTS.values()), "method": [m.replace("_", " ") for m in methods],
                   "size": option_labels(sizes)},
    }

    def player() -> str:
        import matplotlib.pyplot as plt

        ex = optimizer_explorer(gy, by, gaussian_start=g_start, bernoulli_start=float(b_start[0]),
                                methods=methods, sizes=sizes, steps=steps)
        try:
            return ex.static_html()
        finally:
            plt.close(ex.fig)

    state = {"chart": config["charts"][0], "method": methods[0], "rule": RULES[0], "size": sizes[0],
             "steps": config["steps"][0]}
    return LiveExplorer("optimizer", config, state, fallback=player if fallback else None)
