"""Diagnostic and effect plots (matplotlib, an optional extra: ``pip install 'rglm[plot]'``).

:func:`diagnostics` draws R's ``plot.lm`` panels for a GLM; :func:`effects` draws the
fitted response across one variable with a pointwise confidence band.  Every function
returns the matplotlib Figure and never calls ``show()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError
from rglm.inference.influence import influence_frame
from rglm.inference.predict import predict
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["PANELS", "diagnostics", "effects", "lowess"]

#: R's panel numbers for ``which``.
PANELS = {
    1: "Residuals vs Fitted",
    2: "Q-Q Residuals",
    3: "Scale-Location",
    4: "Cook's distance",
    5: "Residuals vs Leverage",
    6: "Cook's dist vs Leverage",
}


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(
            "plotting needs matplotlib: pip install 'rglm[plot]' (or pip install matplotlib)"
        ) from None
    return plt


def _lowest(
    x: FloatArray, y: FloatArray, xs: float, nleft: int, nright: int, rw: FloatArray | None
) -> float | None:
    """One local fit of R's ``lowess`` at ``xs`` from the window starting at ``nleft``."""
    n = x.size
    rng = x[-1] - x[0]
    h = max(xs - x[nleft], x[nright] - xs)
    # The window runs right from nleft while points are within 0.999 h (ties included).
    stop = int(np.searchsorted(x, xs + 0.999 * h, side="right"))
    stop = max(stop, nleft)
    j = np.arange(nleft, min(stop, n))
    r = np.abs(x[j] - xs)
    inside = r <= 0.999 * h
    w = np.where(r <= 0.001 * h, 1.0, (1 - (r / h) ** 3) ** 3) if h > 0 else np.ones(j.size)
    w = np.where(inside, w, 0.0)
    if rw is not None:
        w = w * rw[j]
    a = w.sum()
    if a <= 0:
        return None
    w = w / a
    if h > 0:
        centre = float((w * x[j]).sum())
        c = float((w * (x[j] - centre) ** 2).sum())
        if math.sqrt(c) > 0.001 * rng:
            w = w * ((xs - centre) / c * (x[j] - centre) + 1)
    return float((w * y[j]).sum())


def lowess(
    x: FloatArray, y: FloatArray, frac: float = 2 / 3, iterations: int = 3, delta: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Cleveland's robust locally weighted regression, R's ``lowess(x, y, f, iter, delta)``.

    At a point :math:`x_0` a straight line is fitted by weighted least squares to the
    :math:`\\lfloor f n\\rfloor` nearest points with tricube weights
    :math:`(1 - (d/h)^3)^3`, :math:`h` the distance to the farthest of them.  Each of the
    ``iterations`` robustness passes reweights points by the bisquare
    :math:`(1 - (r/6m)^2)^2` of their residual :math:`r` over six median absolute residuals
    :math:`m`.  Local fits are made only at points more than ``delta`` (default 1% of the
    range of x) beyond the last fitted one, and interpolated linearly in between, so large
    data costs about a hundred local fits per pass.  Follows R's ``clowess`` step by step.

    Returns
    -------
    (x, smoothed) : the x values sorted, and the smooth at each.
    """
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    n = xs.size
    if n < 2:
        return xs, ys.copy()
    if delta is None:
        delta = 0.01 * (xs[-1] - xs[0])
    ns = max(2, min(n, int(frac * n + 1e-7)))
    rw: FloatArray | None = None
    fitted = np.empty(n)
    for it in range(iterations + 1):
        nleft, last, i = 0, -1, 0
        while True:
            # Slide the window right while that brings its far end closer to x_i (R's rule,
            # a monotone condition, so found by bisection rather than step by step).
            lo, hi = nleft, n - ns
            while lo < hi:
                mid = (lo + hi) // 2
                if xs[i] - xs[mid] > xs[mid + ns] - xs[i]:
                    lo = mid + 1
                else:
                    hi = mid
            nleft = lo
            value = _lowest(xs, ys, xs[i], nleft, nleft + ns - 1, rw)
            fitted[i] = ys[i] if value is None else value
            if last < i - 1:
                alpha = (xs[last + 1 : i] - xs[last]) / (xs[i] - xs[last])
                fitted[last + 1 : i] = alpha * fitted[i] + (1 - alpha) * fitted[last]
            last = i
            cut = xs[last] + delta
            k = last + 1
            while k < n and xs[k] <= cut:
                if xs[k] == xs[last]:
                    fitted[k] = fitted[last]
                    last = k
                k += 1
            i = max(last + 1, k - 1)
            if last >= n - 1:
                break
        res = ys - fitted
        if it == iterations:
            break
        scale = float(np.abs(res).mean())
        ar = np.sort(np.abs(res))
        cmad = 3.0 * (ar[n // 2] + ar[n - n // 2 - 1]) if n % 2 == 0 else 6.0 * ar[n // 2]
        if cmad < 1e-7 * scale:
            break
        r = np.abs(res)
        rw = np.where(r <= 0.001 * cmad, 1.0, np.where(r <= 0.999 * cmad, (1 - (r / cmad) ** 2) ** 2, 0.0))
    return xs, fitted


def _label_extremes(
    ax: Any, x: FloatArray, y: FloatArray, labels: Sequence[Any], score: FloatArray, n: int
) -> None:
    if n <= 0:
        return
    finite = np.flatnonzero(np.isfinite(score))
    top = finite[np.argsort(-score[finite], kind="stable")[:n]]
    for i in top:
        ax.annotate(str(labels[i]), (x[i], y[i]), fontsize=8, xytext=(3, 0), textcoords="offset points")


def diagnostics(
    model: GLMStatistics,
    which: Sequence[int] = (1, 2, 3, 5),
    id_n: int = 3,
    cook_levels: Sequence[float] = (0.5, 1.0),
    figsize: tuple[float, float] | None = None,
) -> Any:
    """R's diagnostic panels for a fitted GLM (``plot(glm_fit)``).

    Parameters
    ----------
    model : GLMStatistics (such as a GLMResult)
    which : sequence of int
        Panels, numbered as R's ``plot.lm``: 1 deviance residuals against the linear
        predictor, with a lowess smooth; 2 normal Q-Q plot of the standardized deviance
        residuals :math:`r_{D,i}/\\sqrt{\\phi(1-h_i)}`; 3 scale-location,
        :math:`\\sqrt{|r_{D,i}^{std}|}` against the linear predictor; 4 Cook's distance by
        observation; 5 standardized Pearson residuals against leverage :math:`h_i`, with
        contours of Cook's distance at ``cook_levels``
        (:math:`r = \\pm\\sqrt{c\\,p\\,(1-h)/h}`); 6 Cook's distance against
        :math:`h/(1-h)`.
    id_n : int
        Label this many most extreme points in each panel with their row labels.
    cook_levels : sequence of float
        Contour levels of Cook's distance in panel 5.
    figsize : (width, height), optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel, titled as in R.
    """
    panels = list(which)
    bad = [w for w in panels if w not in PANELS]
    if not panels or bad:
        raise ArgumentError(f"which must list panel numbers from 1 to 6, got {list(which)!r}")
    plt = _pyplot()
    infl = influence_frame(model)
    keep = infl["hat"].notna().to_numpy() & (model.prior_weights.reindex(infl.index).to_numpy() != 0)
    infl = infl[keep]
    labels = list(infl.index)
    eta = model.linear_predictors.reindex(infl.index).to_numpy()
    r_dev = model.resid_deviance.reindex(infl.index).to_numpy()
    r_pear = model.resid_pearson.reindex(infl.index).to_numpy()
    h = infl["hat"].to_numpy()
    cook = infl["cooks_d"].to_numpy()
    phi = model.scale
    with np.errstate(divide="ignore", invalid="ignore"):
        std_dev = r_dev / np.sqrt(phi * (1 - h))
        std_pear = r_pear / np.sqrt(phi * (1 - h))
    std_dev[~np.isfinite(std_dev)] = np.nan
    std_pear[~np.isfinite(std_pear)] = np.nan
    ncol = min(2, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=figsize or (5.5 * ncol, 4.5 * nrow), squeeze=False)
    flat = axes.ravel()
    for ax in flat[len(panels) :]:
        ax.set_visible(False)
    for ax, w in zip(flat, panels, strict=False):
        ax.set_title(PANELS[w])
        if w in (1, 3):
            y = r_dev if w == 1 else np.sqrt(np.abs(std_dev))
            ax.scatter(eta, y, s=12, facecolors="none", edgecolors="black")
            ok = np.isfinite(y)
            if ok.sum() > 2:
                sx, sy = lowess(eta[ok], y[ok])
                ax.plot(sx, sy, color="red")
            if w == 1:
                ax.axhline(0, linestyle=":", color="grey")
            ax.set_xlabel("Predicted values")
            ax.set_ylabel("Residuals" if w == 1 else "√|Std. deviance resid.|")
            _label_extremes(ax, eta, y, labels, np.abs(r_dev), id_n)
        elif w == 2:
            ok = np.flatnonzero(np.isfinite(std_dev))
            order = ok[np.argsort(std_dev[ok], kind="stable")]
            m = order.size
            # R's ppoints: (i - a) / (m + 1 - 2a), a = 3/8 for m <= 10 else 1/2.
            a = 3 / 8 if m <= 10 else 0.5
            theo = special.ndtri((np.arange(1, m + 1) - a) / (m + 1 - 2 * a))
            ax.scatter(theo, std_dev[order], s=12, facecolors="none", edgecolors="black")
            q1, q3 = np.nanpercentile(std_dev[order], [25, 75]) if m else (0.0, 0.0)
            t1, t3 = special.ndtri(0.25), special.ndtri(0.75)
            slope = (q3 - q1) / (t3 - t1)
            ax.axline((t1, q1), slope=slope, linestyle=":", color="grey")
            ax.set_xlabel("Theoretical Quantiles")
            ax.set_ylabel("Std. deviance resid.")
            _label_extremes(
                ax, theo, std_dev[order], [labels[i] for i in order], np.abs(std_dev[order]), id_n
            )
        elif w == 4:
            pos = np.arange(1, cook.size + 1)
            ax.vlines(pos, 0, cook, color="black")
            ax.set_xlabel("Obs. number")
            ax.set_ylabel("Cook's distance")
            _label_extremes(ax, pos.astype(float), cook, labels, cook, id_n)
        elif w == 5:
            ax.scatter(h, std_pear, s=12, facecolors="none", edgecolors="black")
            ax.axhline(0, linestyle=":", color="grey")
            p = model.rank
            hmax = float(np.nanmax(h)) if h.size else 1.0
            hh = np.linspace(max(hmax / 100, 1e-4), min(hmax * 1.05, 0.999), 100)
            for level in cook_levels:
                r = np.sqrt(level * p * (1 - hh) / hh)
                ax.plot(hh, r, linestyle="--", color="red")
                ax.plot(hh, -r, linestyle="--", color="red", label=None)
            ax.set_xlabel("Leverage")
            ax.set_ylabel("Std. Pearson resid.")
            ok = np.isfinite(std_pear)
            if ok.any():
                lim = float(np.nanmax(np.abs(std_pear[ok]))) * 1.1
                ax.set_ylim(-lim, lim)
            _label_extremes(ax, h, std_pear, labels, cook, id_n)
        else:
            x6 = h / (1 - h)
            ax.scatter(x6, cook, s=12, facecolors="none", edgecolors="black")
            ax.set_xlabel("Leverage h/(1-h)")
            ax.set_ylabel("Cook's distance")
            _label_extremes(ax, x6, cook, labels, cook, id_n)
    fig.tight_layout()
    return fig


def _typical(col: pd.Series) -> Any:
    """The value other variables are held at: the mean of a number, the most common level."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
        return float(col.mean())
    return col.mode(dropna=True).iloc[0]


def effects(
    model: GLMStatistics,
    term: str,
    level: float = 0.95,
    n: int = 100,
    type: str = "response",
    at: dict[str, Any] | None = None,
    ax: Any = None,
) -> Any:
    """The fitted mean across one variable, other variables held at typical values.

    A numeric ``term`` is varied over ``n`` points spanning its observed range and drawn as
    a line with a shaded pointwise band; a categorical one is drawn as points with error
    bars, one per level.  The band is :math:`g^{-1}(\\hat\\eta \\pm z\\,\\mathrm{se}(\\hat\\eta))`:
    the Wald interval on the link scale, transformed (``type="link"`` draws it untransformed).
    Other model variables are held at their mean (numbers) or most common level, or at the
    values given in ``at``.  Needs the model's data (kept unless the model was loaded
    without it).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if model.data is None:
        raise ArgumentError("effects() needs the data the model was fitted from; this model does not keep it")
    if type not in ("response", "link"):
        raise ArgumentError(f"type must be 'response' or 'link', got {type!r}")
    if not 0 < level < 1:
        raise ArgumentError(f"level must be between 0 and 1, got {level!r}")
    data = model.data if isinstance(model.data, pd.DataFrame) else pd.DataFrame(model.data)
    data = data.loc[model.model_frame.index]
    variables = list(model.model_frame.spec.variables)
    if term not in variables:
        raise ArgumentError(
            f"{term!r} is not a variable of the model; its variables are {', '.join(variables)}"
        )
    at = dict(at or {})
    unknown = [k for k in at if k not in variables]
    if unknown:
        raise ArgumentError(f"at= names {unknown[0]!r}, which is not a variable of the model")
    col = data[term]
    numeric = pd.api.types.is_numeric_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype)
    grid = np.linspace(col.min(), col.max(), n) if numeric else pd.unique(col.dropna())
    if not numeric and isinstance(col.dtype, pd.CategoricalDtype):
        grid = [lv for lv in col.cat.categories if lv in set(grid)]
    elif not numeric:
        grid = sorted(grid)
    new = pd.DataFrame({v: [at.get(v, _typical(data[v]))] * len(grid) for v in variables if v != term})
    new[term] = list(grid)
    if isinstance(col.dtype, pd.CategoricalDtype):
        new[term] = pd.Categorical(new[term], categories=col.cat.categories)
    for v in model.model_frame.spec.offset_variables:
        if v not in new:
            new[v] = at.get(v, _typical(data[v]))
    pred = predict(model, new, type="link", se_fit=True)
    q = float(special.ndtri(0.5 + level / 2))
    eta, se = pred["fit"].to_numpy(), pred["se_fit"].to_numpy()
    lo, hi = eta - q * se, eta + q * se
    inv = model.family.link.inverse if type == "response" else (lambda v: v)
    fit, lo, hi = inv(eta), inv(lo), inv(hi)
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4.5))
    else:
        fig = ax.figure
    xs = np.asarray(grid, dtype=float) if numeric else np.arange(len(grid))
    if numeric:
        ax.plot(xs, fit, color="black")
        ax.fill_between(xs, lo, hi, alpha=0.25, color="tab:blue", linewidth=0)
    else:
        ax.errorbar(xs, fit, yerr=[fit - lo, hi - fit], fmt="o", color="black", capsize=3)
        ax.set_xticks(xs, [str(g) for g in grid])
    ax.set_xlabel(term)
    ax.set_ylabel("Fitted mean" if type == "response" else "Linear predictor")
    ax.set_title(f"Effect of {term} ({level:.0%} band)")
    fig.tight_layout()
    return fig
