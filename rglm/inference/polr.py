"""Tests and intervals for proportional-odds fits, as MASS computes them.

* :func:`anova_polr`: MASS's ``anova.polr``, likelihood-ratio tests between nested fits;
* :func:`profile_polr` and :func:`profile_conf_int`: MASS's ``profile.polr`` and
  ``confint.polr``.  For each coefficient :math:`\\beta_j`, the model is refitted with
  :math:`\\beta_j` fixed (an offset) at :math:`\\hat\\beta_j \\pm s\\,\\delta\\,\\mathrm{se}_j`,
  :math:`s = 1, 2, \\dots, 9`, :math:`\\delta = z_{\\max}/5`,
  :math:`z_{\\max} = \\sqrt{\\chi^2_{1, 1-\\alpha}}` with :math:`\\alpha = (1 - \\text{level})/4`,
  until the signed root :math:`z = \\pm\\sqrt{D(\\beta_j) - \\hat D}` reaches :math:`z_{\\max}`.
  The interval's ends are read off R's ``spline()`` through :math:`(\\beta_j, z)` (an FMM
  cubic spline evaluated at :math:`3m` equally spaced points) by linear interpolation at
  :math:`z = \\Phi^{-1}(\\alpha/2)` and :math:`\\Phi^{-1}(1 - \\alpha/2)`, as MASS does.  The
  refits here are exact (Newton), where MASS's BFGS stops near the optimum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DataError, FitError
from rglm.fit.polr import fit_polr
from rglm.numerics.format import NA_REAL, _print_char_matrix, format_real
from rglm.results.polr import PolrStatistics
from rglm.results.table import AnovaTable

FloatArray = npt.NDArray[np.float64]

__all__ = ["PolrAnovaTable", "anova_polr", "profile_conf_int", "profile_polr", "r_approx", "r_spline"]


# -- anova.polr -------------------------------------------------------------------------------------
class PolrAnovaTable(AnovaTable):
    """MASS's ``Anova`` table: its heading, then the data frame with missing entries blank."""

    def lines(self, width: int = 80) -> list[str]:
        head = "".join(h + "\n" for h in self.heading).split("\n")[:-1]
        cols, cells = [], []
        for name in self.columns:
            s = self[name]
            if pd.api.types.is_numeric_dtype(s.dtype):
                vals = s.to_numpy(dtype=np.float64)
                present = ~np.isnan(vals)
                txt = format_real(vals[present], 7) if present.any() else []
                it = iter(txt)
                cells.append([next(it) if ok else "" for ok in present])
            else:
                cells.append([str(v) for v in s])
            cols.append("   Df" if name == "Df" else str(name))  # R's column name
        rows = [[c[i] for c in cells] for i in range(len(self))]
        return head + _print_char_matrix(rows, [str(i) for i in self.index], cols, width)


def _rhs(formula: str) -> str:
    return " ".join(formula.split("~", 1)[1].split())


def anova_polr(models: Sequence[PolrStatistics], test: str = "Chisq") -> PolrAnovaTable:
    """Likelihood-ratio tests between proportional-odds fits, as MASS's ``anova.polr``.

    The fits are sorted by decreasing residual df; each row after the first tests it
    against the one before: :math:`\\mathrm{LR} = D_{k-1} - D_k` on
    :math:`\\nu_{k-1} - \\nu_k` degrees of freedom, :math:`p = 1 - F_{\\chi^2}(\\mathrm{LR})`.

    Parameters
    ----------
    models : sequence of PolrStatistics
        Two or more fits to the same rows.
    test : {"Chisq", "none"}

    Returns
    -------
    PolrAnovaTable
        Columns ``Model``, ``Resid. df``, ``Resid. Dev``, ``Test``, ``Df``, ``LR stat.`` and
        ``Pr(Chi)`` (left out with ``test="none"``); rows numbered from 1; MASS's heading.
    """
    models = list(models)
    if len(models) < 2:
        raise ArgumentError('anova is not implemented for a single "polr" object; give two or more fits')
    for i, m in enumerate(models):
        if not isinstance(m, PolrStatistics):
            raise ArgumentError(f"not all objects are polr fits: argument {i + 1} is a {type(m).__name__}")
    if str(test).lower() not in ("chisq", "none", "lrt"):
        raise ArgumentError(f"test must be 'Chisq' or 'none', got {test!r}")
    order = sorted(range(len(models)), key=lambda i: -models[i].df_resid)
    ms = [models[i] for i in order]
    sizes = {m.n_rows * len(m.levels) for m in ms}
    if len(sizes) > 1:
        raise DataError("models were not all fitted to the same size of dataset")
    dfs = [float(m.df_resid) for m in ms]
    devs = [m.deviance for m in ms]
    df = [NA_REAL] + [dfs[k - 1] - dfs[k] for k in range(1, len(ms))]
    x2 = [NA_REAL] + [devs[k - 1] - devs[k] for k in range(1, len(ms))]
    pr = [NA_REAL]
    for k in range(1, len(ms)):
        if df[k] == 0:  # R's pchisq with 0 df is a point mass at 0
            cdf = 1.0 if x2[k] >= 0 else 0.0
        else:
            cdf = 0.0 if x2[k] < 0 else float(special.chdtr(df[k], x2[k]))
        pr.append(1 - cdf)
    data: dict[str, Any] = {
        "Model": [_rhs(m.formula) for m in ms],
        "Resid. df": dfs,
        "Resid. Dev": devs,
        "Test": [""] + [f"{k} vs {k + 1}" for k in range(1, len(ms))],
        "Df": df,
        "LR stat.": x2,
    }
    if str(test).lower() != "none":
        data["Pr(Chi)"] = pr
    responses = list(dict.fromkeys(m.response.name for m in ms))
    heading = ["Likelihood ratio tests of ordinal regression models\n", "Response: " + " ".join(responses)]
    return PolrAnovaTable(
        data, index=pd.RangeIndex(1, len(ms) + 1), heading=heading, print_style="data.frame"
    )


# -- R's spline() and approx() ---------------------------------------------------------------------
def _fmm_coef(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """R's ``fmm_spline``: cubic spline coefficients, end conditions matching the third
    derivatives of the cubics through the first and last four points (Forsythe, Malcolm
    and Moler)."""
    n = x.size
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    if n < 2:
        return b, c, d
    if n < 3:
        b[:] = (y[1] - y[0]) / (x[1] - x[0])
        return b, c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _regularize(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """R's ``regularize.values(x, y, mean)``: sorted by x, tied x collapsed to the mean y."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    ux, inv = np.unique(xs, return_inverse=True)
    if ux.size == xs.size:
        return xs, ys
    return ux, np.bincount(inv, weights=ys) / np.bincount(inv)


def r_spline(x: FloatArray, y: FloatArray, n: int | None = None) -> tuple[FloatArray, FloatArray]:
    """R's ``spline(x, y, n = 3 * length(x), method = "fmm")``: the interpolating spline at
    ``n`` equally spaced points from min(x) to max(x)."""
    xs, ys = _regularize(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    n = 3 * xs.size if n is None else n
    u = xs[0] + np.arange(n) * ((xs[-1] - xs[0]) / (n - 1))
    u[-1] = xs[-1]
    b, c, d = _fmm_coef(xs, ys)
    i = np.clip(np.searchsorted(xs, u, side="right") - 1, 0, xs.size - 1)
    dx = u - xs[i]
    return u, ys[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))


def r_approx(x: FloatArray, y: FloatArray, xout: FloatArray) -> FloatArray:
    """R's ``approx(x, y, xout)``: linear interpolation, NaN outside the range of x."""
    xs, ys = _regularize(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = np.full(np.size(xout), np.nan)
    for k, v in enumerate(np.atleast_1d(xout)):
        if not xs[0] <= v <= xs[-1]:
            continue
        j = int(np.searchsorted(xs, v, side="left"))
        if xs[j] == v:
            out[k] = ys[j]
            continue
        i = j - 1
        out[k] = ys[i] + (ys[j] - ys[i]) * ((v - xs[i]) / (xs[j] - xs[i]))
    return out


# -- profile.polr and confint.polr -----------------------------------------------------------------
def profile_polr(
    m: PolrStatistics, which: Sequence[str] | None = None, alpha: float = 0.01, maxsteps: int = 10
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """MASS's ``profile.polr``: for each coefficient in ``which`` (all estimated ones by
    default), the signed roots :math:`z` and the coefficient values behind them, sorted by z.

    Returns
    -------
    dict
        Name -> (z, values of that coefficient), each an array sorted by z; the MLE is z = 0.
    """
    names = [n for n, k in zip(m.coef_names, m.kept, strict=True) if k]
    which = names if which is None else list(which)
    beta, zeta = m.fit.beta, m.fit.zeta
    se = np.sqrt(np.diag(m.fit.vcov))[: beta.size]
    zmax = math.sqrt(float(special.chdtri(1, alpha)))
    delta = zmax / 5
    design = m.kept_design()
    frame = m.model_frame
    y, n_levels = m.codes, len(m.levels)
    dev0 = m.deviance
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    control = m.control
    for name in which:
        if name not in names:
            raise ArgumentError(
                f"no estimated coefficient named {name!r}; the coefficients are {', '.join(names)}"
            )
        i = names.index(name)
        others = np.array([j for j in range(beta.size) if j != i], dtype=np.intp)
        sub = design.columns(others)
        xi = design.matvec(np.eye(beta.size)[i])
        start = np.r_[beta[others], zeta]
        zs, vals = [0.0], [float(beta[i])]
        for sgn in (-1, 1):
            step, z = 0, 0.0
            while (step := step + 1) < maxsteps and abs(z) < zmax:
                bi = float(beta[i] + sgn * step * delta * se[i])
                fm = fit_polr(
                    sub,
                    y,
                    n_levels,
                    weights=frame.weights,
                    offset=frame.offset + xi * bi,
                    method=m.method,
                    start=start,
                    tol=control[0],
                    max_iter=control[1],
                )
                zz = fm.deviance - dev0
                if zz < -1e-3:
                    raise FitError(
                        f"profiling {name!r} has found a better solution, so the original fit had not "
                        "converged"
                    )
                z = sgn * math.sqrt(max(zz, 0.0))
                zs.append(z)
                vals.append(bi)
        order = np.argsort(zs, kind="stable")
        out[name] = (np.asarray(zs)[order], np.asarray(vals)[order])
    return out


def profile_conf_int(m: PolrStatistics, alpha: float = 0.05, params: Any = None) -> pd.DataFrame:
    """MASS's ``confint.polr``: profile-likelihood intervals for the coefficients at level
    :math:`1 - \\alpha`, read off a spline through the profile (see the module docstring).

    Aliased coefficients, and ends beyond the profiled range, are NaN (R's NA).
    """
    names = m.coef_names if params is None else [n for n in m.select_params(params) if n in m.coef_names]
    if params is not None and not names:
        raise ArgumentError("profile intervals are for the coefficients, not the thresholds")
    estimated = [n for n, k in zip(m.coef_names, m.kept, strict=True) if k]
    prof = profile_polr(m, [n for n in names if n in estimated], alpha=alpha / 4)  # MASS: (1 - level)/4
    cut = special.ndtri(np.array([alpha / 2, 1 - alpha / 2]))
    rows = []
    for name in names:
        if name not in prof:
            rows.append([np.nan, np.nan])
            continue
        z, b = prof[name]
        sx, sy = r_spline(b, z)
        rows.append(list(r_approx(sy, sx, cut)))
    out: pd.DataFrame = pd.DataFrame(
        rows, index=pd.Index(names), columns=["lower", "upper"], dtype=np.float64
    )
    return out
