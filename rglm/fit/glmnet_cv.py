"""glmnet's cross-validation statistics on arrays (R's ``cv.glmnet``).

Given the held-out predictions (link scale) of each fold's path at the full path's lambdas,
the error of each row at each lambda (``cvraw``) is averaged within folds with the prior
weights, then across folds with the folds' total weights:

.. math::

    \\mathrm{cvm}_k = \\frac{\\sum_f W_f\\, e_{fk}}{\\sum_f W_f}, \\qquad
    \\mathrm{cvsd}_k = \\sqrt{\\frac{\\sum_f W_f (e_{fk} - \\mathrm{cvm}_k)^2 / \\sum_f W_f}{F - 1}},

with :math:`e_{fk}` fold :math:`f`'s weighted mean error (R's ``cvcompute`` and ``cvstats``).
The AUC is computed per fold instead (``grouped = FALSE``).  ``lambda.min`` is the largest
lambda with the smallest mean error and ``lambda.1se`` the largest lambda whose mean error is
within one standard error of it (``getOptcv.glmnet``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rglm.exceptions import RGLMWarning, warn
from rglm.families.family import Family

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["CVStats", "cv_raw", "cv_stats", "lambda_interp", "measure_name", "optimal_lambdas"]

#: the measures each kind of fit accepts, the first being the default (R's ``cvtype``)
MEASURES = {
    "gaussian": ("mse", "deviance", "mae"),
    "binomial": ("deviance", "class", "auc", "mse", "mae"),
    "poisson": ("deviance", "mse", "mae"),
    "path": ("deviance", "mse", "mae"),
}
_DEVIANCE = {
    "gaussian": "Mean-squared Error",
    "binomial": "Binomial Deviance",
    "poisson": "Poisson Deviance",
    "path": "GLM Deviance",
}
_NAMES = {
    "mse": "Mean-Squared Error",
    "mae": "Mean Absolute Error",
    "auc": "AUC",
    "class": "Misclassification Error",
}


def measure_name(kind: str, measure: str) -> str:
    """The measure's name as ``print(cv.glmnet)`` shows it."""
    return _DEVIANCE[kind] if measure == "deviance" else _NAMES[measure]


def lambda_interp(lam: FloatArray, s: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """R's ``lambda.interp``: for each ``s`` the neighbouring lambdas (left, right, 0-based)
    and the weight of the left one, linear in lambda; ``s`` outside the path is clamped."""
    s = np.asarray(s, dtype=float)
    k = lam.size
    if k == 1:
        z = np.zeros(s.size, dtype=np.intp)
        return z, z.copy(), np.ones(s.size)
    span = lam[0] - lam[-1]
    sfrac = (lam[0] - s) / span
    frac_lam = (lam[0] - lam) / span
    sfrac = np.clip(sfrac, frac_lam.min(), frac_lam.max())
    coord = np.interp(sfrac, frac_lam, np.arange(1, k + 1, dtype=float))
    left = np.floor(coord).astype(np.intp) - 1
    right = np.ceil(coord).astype(np.intp) - 1
    den = frac_lam[left] - frac_lam[right]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (sfrac - frac_lam[right]) / den
    frac = np.where((left == right) | (np.abs(den) < np.finfo(float).eps), 1.0, frac)
    return left, right, frac


def cv_raw(
    kind: str, family: Family, measure: str, pred: FloatArray, y: FloatArray, weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Each row's error at each lambda from the link-scale predictions ``pred`` (n, K);
    returns (errors, the weights they are averaged with).  ``y`` is a proportion with the
    trials in ``weights`` for the binomial, as glmnet's two-column response becomes."""
    if kind == "gaussian":
        r = y[:, None] - pred
        return (np.abs(r) if measure == "mae" else r**2), weights
    if kind == "binomial":
        p = 1 / (1 + np.exp(-pred))
        yy = y[:, None]
        if measure == "mse":
            return 2 * (yy - p) ** 2, weights
        if measure == "mae":
            return 2 * np.abs(yy - p), weights
        if measure == "class":
            return (1 - yy) * (p > 0.5) + yy * (p <= 0.5), weights
        pc = np.clip(p, 1e-5, 1 - 1e-5)
        lp = (1 - yy) * np.log(1 - pc) + yy * np.log(pc)
        with np.errstate(divide="ignore", invalid="ignore"):
            ly = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0) + np.where(
                y < 1, (1 - y) * np.log(np.where(y < 1, 1 - y, 1)), 0
            )
        return 2 * (ly[:, None] - lp), weights
    mu = np.exp(pred) if kind == "poisson" else family.link.inverse(pred)
    if measure == "mse":
        return (y[:, None] - mu) ** 2, weights
    if measure == "mae":
        return np.abs(y[:, None] - mu), weights
    if kind == "poisson":
        devy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)) - y, 0.0)
        return 2 * (devy[:, None] - (y[:, None] * pred - mu)), weights
    yy = np.broadcast_to(y[:, None], mu.shape)
    return family.dev_resids(np.ascontiguousarray(yy), mu, np.ones_like(mu)), weights


def fold_auc(y: FloatArray, prob: FloatArray, w: FloatArray) -> float:
    """``auc.mat``: the weighted concordance of the probabilities with the two classes, each
    row counted in class 1 with weight :math:`w y` and in class 0 with :math:`w(1-y)`; ties
    count one half."""
    w1, w0 = w * y, w * (1 - y)
    order = np.argsort(prob, kind="mergesort")
    ps, a1, a0 = prob[order], w1[order], w0[order]
    uniq, start = np.unique(ps, return_index=True)
    s1 = np.add.reduceat(a1, start)
    s0 = np.add.reduceat(a0, start)
    below0 = np.cumsum(s0) - s0  # class-0 weight with a strictly smaller probability
    num = float(np.sum(s1 * (below0 + 0.5 * s0)))
    den = float(np.sum(s1) * np.sum(s0))
    return num / den if den > 0 else float("nan")


@dataclass(frozen=True)
class CVStats:
    """``cvm``, ``cvsd`` and the lambdas kept (those with a finite ``cvsd``)."""

    keep: npt.NDArray[np.bool_]
    cvm: FloatArray
    cvsd: FloatArray


def _weighted_mean_cols(m: FloatArray, w: FloatArray) -> FloatArray:
    ok = ~np.isnan(m)
    ww = np.where(ok, w[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.sum(np.where(ok, m, 0.0) * ww, axis=0) / np.sum(ww, axis=0)
    return out


def cv_stats(
    kind: str,
    family: Family,
    measure: str,
    pred: FloatArray,
    y: FloatArray,
    weights: FloatArray,
    foldid: IntArray,
) -> tuple[CVStats, str]:
    """``cvm`` and ``cvsd`` from the held-out predictions (``foldid`` 1..F); returns them and
    the measure actually used (R falls back from AUC to deviance with fewer than 10 rows per
    fold)."""
    nfolds = int(foldid.max())
    if measure == "auc" and y.size / nfolds < 10:
        warn(
            "Too few (< 10) observations per fold for type_measure='auc' in cv_glmnet; changed to "
            "type_measure='deviance'. Alternatively, use smaller value for nfolds",
            RGLMWarning,
        )
        measure = "deviance"
    K = pred.shape[1]
    folds = [foldid == f for f in range(1, nfolds + 1)]
    if measure == "auc":
        p = 1 / (1 + np.exp(-pred))
        raw = np.array([[fold_auc(y[m], p[m, k], weights[m]) for k in range(K)] for m in folds])
        fw = np.array([weights[m].sum() for m in folds])
    else:
        cvraw, w = cv_raw(kind, family, measure, pred, y, weights)
        cvraw = np.where(np.isinf(cvraw), np.nan, cvraw)
        raw = np.vstack([_weighted_mean_cols(cvraw[m], w[m]) for m in folds])
        fw = np.array([w[m].sum() for m in folds])
    cvm = _weighted_mean_cols(raw, fw)
    dev2 = (raw - cvm) ** 2
    cvsd = np.sqrt(_weighted_mean_cols(dev2, fw) / (nfolds - 1))
    keep = ~np.isnan(cvsd)
    return CVStats(keep, cvm[keep], cvsd[keep]), measure


def optimal_lambdas(
    lam: FloatArray, cvm: FloatArray, cvsd: FloatArray, measure: str
) -> tuple[float, float, int, int]:
    """``getOptcv.glmnet``: (lambda.min, lambda.1se, their 0-based indices)."""
    m = -cvm if measure == "auc" else cvm
    cvmin = np.nanmin(m)
    lmin = float(np.max(lam[m <= cvmin]))
    imin = int(np.flatnonzero(lam == lmin)[0])
    semin = (m + cvsd)[imin]
    l1se = float(np.max(lam[m <= semin]))
    i1se = int(np.flatnonzero(lam == l1se)[0])
    return lmin, l1se, imin, i1se
