"""Sandwich covariances of a GLM's coefficients, as R's ``sandwich::vcovHC`` and ``vcovCL``.

For a GLM the estimating functions (sandwich's ``estfun.glm``) are
:math:`\\psi_i = W_i r_i x_i / \\phi` with :math:`W_i` the working weights and :math:`r_i`
the working residuals, and the bread (``bread.glm``) is :math:`n_{ok}\\,\\phi\\,(X^T W X)^{-1}`
with :math:`n_{ok}` the rows of non-zero weight.  sandwich divides by :math:`n`, the rows of
the model frame (zero-weight rows included), so with :math:`C = (X^T W X)^{-1}` and
:math:`u_i = W_i r_i` every estimate here has the form

.. math::

    V = \\left(\\frac{n_{ok}}{n}\\right)^2 C \\, M \\, C ,

:math:`\\phi` cancelling.  For the heteroskedasticity-consistent types
:math:`M = \\sum_i \\omega_i x_i x_i^T` with

* HC0: :math:`\\omega_i = u_i^2`; HC1: :math:`u_i^2\\, n/(n-k)`;
* HC2: :math:`u_i^2/(1-h_i)`; HC3: :math:`u_i^2/(1-h_i)^2`;
* HC4, HC4m, HC5: :math:`u_i^2/(1-h_i)^{\\delta_i}` with Cribari-Neto's exponents
  (see :data:`HC_TYPES`),

where :math:`k` is the number of non-aliased coefficients and :math:`h_i` are the leverages of
the weighted fit, the diagonal of :math:`W^{1/2} X C X^T W^{1/2}` (so HC2 and HC3 really do
differ from HC0 for a GLM).  For clustered errors (``vcovCL``) with clusters :math:`g`,
:math:`M = a \\sum_g s_g s_g^T` with :math:`s_g = \\sum_{i \\in g} u_i x_i` and
:math:`a = G/(G-1)` (``cadjust``), times :math:`(n-1)/(n-k)` for type HC1; HC2 and HC3 first
transform the residuals of each cluster by :math:`(I - H_{gg})^{-1/2}` or
:math:`(I - H_{gg})^{-1}` with :math:`H_{gg} = X_g C X_g^T W_g`, and scale by :math:`(G-1)/G`
(Bell and McCaffrey).  Several grouping variables give Cameron, Gelbach and Miller's
multi-way estimate: the sum over every non-empty set of them of
:math:`(-1)^{|set|+1}` times the one-way meat of their interaction.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError, DataError, LeverageWarning, warn
from rglm.frame.columns import aligned, to_frame
from rglm.inference.influence import lm_influence
from rglm.numerics.design import BLOCK_ROWS
from rglm.numerics.linalg import cov_unscaled
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = [
    "CLUSTER_TYPES",
    "COV_TYPES",
    "HC_TYPES",
    "cov_description",
    "leverages",
    "robust_cov",
    "robust_result",
]

G = TypeVar("G", bound=GLMStatistics)

#: Heteroskedasticity-consistent types, as ``sandwich::vcovHC(type=)``.
HC_TYPES = ("HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5")
#: Small-sample types of the clustered estimate, as ``sandwich::vcovCL(type=)``.
CLUSTER_TYPES = ("HC0", "HC1", "HC2", "HC3")
#: Every ``cov_type`` accepted by :func:`rglm.glm` and :meth:`rglm.GLMResult.robust`.
COV_TYPES = ("nonrobust", *HC_TYPES, "cluster")

_EPS = float(np.finfo(float).eps)


def robust_cov(m: GLMStatistics, cov_type: str = "HC0", groups: Any = None, **options: Any) -> FloatArray:
    """Sandwich covariance of the coefficients of ``m``, as R's ``sandwich`` package.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    cov_type : {"HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5", "cluster"}
        ``"HCx"`` is ``sandwich::vcovHC(m, type="HCx")``; ``"cluster"`` is
        ``sandwich::vcovCL(m, cluster=groups)`` (see the module docstring for the formulas).
    groups : str, sequence of str, array_like or DataFrame
        For ``"cluster"`` only: a column of the model's data, several columns (multi-way
        clustering), or values aligned with the rows of the data (or with the model's rows).
    **options
        For ``"cluster"`` only, as ``vcovCL``: ``type`` (``"HC0"``, R's default for a glm,
        ``"HC1"``, ``"HC2"`` or ``"HC3"``), ``cadjust`` (default True: multiply by
        :math:`G/(G-1)`) and ``multi0`` (default False: with several grouping variables, use
        HC0/HC1 rather than a cluster adjustment for their full interaction).

    Returns
    -------
    ndarray, shape (p, p)
        NaN rows and columns for aliased coefficients, as :meth:`rglm.GLMResult.cov_params`.

    Notes
    -----
    The number of clusters :math:`G` of a pandas Categorical counts its categories, as R
    counts a factor's levels (even levels that no model row has); otherwise it counts the
    distinct values.  Rows of zero prior weight count in :math:`n` but contribute nothing,
    as in sandwich (whose HC2/HC3 mis-align the hat values in that case; here they are 0).
    """
    cov, _ = _robust(m, cov_type, groups, options)
    return cov


def robust_result(m: G, cov_type: str = "HC0", groups: Any = None, **options: Any) -> G:
    """``m`` with its covariance replaced by :func:`robust_cov` (``cov_type="nonrobust"``
    restores the model-based one); standard errors, tests and intervals follow.

    The tests keep the model's reference distribution: :math:`t_{n-p}` when the dispersion is
    estimated, else the normal.  (``lmtest::coeftest(m, vcov.)`` on a glm always uses the
    normal; ``coeftest(m, vcov., df = df.residual(m))`` gives the t figures.)
    """
    if cov_type == "nonrobust":
        if groups is not None or options:
            raise ArgumentError("groups and cluster options only go with cov_type='cluster'")
        out: G = m._replace(cov_type="nonrobust", cov=None, cov_kwds={})
        return out
    cov, kwds = _robust(m, cov_type, groups, options)
    robust: G = m._replace(cov_type=cov_type, cov=cov, cov_kwds=kwds)
    return robust


def cov_description(cov_type: str, kwds: dict[str, Any]) -> str:
    """One line naming a non-model-based covariance for summaries, else ``""``."""
    if cov_type == "nonrobust":
        return ""
    if cov_type != "cluster":
        return f"Standard errors: sandwich ({cov_type})"
    names = list(kwds.get("names", ["groups"]))
    counts = [str(g) for g in kwds.get("n_clusters", [])]
    by = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    noun = "cluster" if counts == ["1"] else "clusters"
    extra = "" if kwds.get("cadjust", True) else ", no G/(G-1) adjustment"
    extra += ", multi0" if kwds.get("multi0", False) else ""
    kind = kwds.get("type", "HC0")
    return f"Standard errors: clustered by {by} ({kind}, {' and '.join(counts)} {noun}{extra})"


# -- dispatch and checks ----------------------------------------------------------------------------
def _robust(
    m: GLMStatistics, cov_type: str, groups: Any, options: dict[str, Any]
) -> tuple[FloatArray, dict[str, Any]]:
    if cov_type not in COV_TYPES or cov_type == "nonrobust":
        raise ArgumentError(
            f"unknown cov_type {cov_type!r}; choose one of {', '.join(map(repr, COV_TYPES[1:]))}"
        )
    parts = _Parts.of(m)
    if cov_type == "cluster":
        unknown = set(options) - {"type", "cadjust", "multi0"}
        if unknown:
            raise ArgumentError(
                f"unknown option(s) {', '.join(sorted(unknown))} for cov_type='cluster'; "
                "the options are type, cadjust and multi0"
            )
        kind = str(options.get("type", "HC0"))
        kind = "HC0" if kind == "HC" else kind
        if kind not in CLUSTER_TYPES:
            raise ArgumentError(
                f"unknown cluster type {kind!r}; choose one of {', '.join(map(repr, CLUSTER_TYPES))}"
            )
        if groups is None:
            raise ArgumentError(
                "cov_type='cluster' needs groups: a column name of the data, several column "
                "names, or one value per row"
            )
        cadjust, multi0 = bool(options.get("cadjust", True)), bool(options.get("multi0", False))
        names, codes, sizes = _cluster_codes(m, groups)
        meat = _cluster_meat(m, parts, codes, sizes, len(names), kind, cadjust, multi0)
        kwds = {
            "type": kind,
            "names": names,
            "n_clusters": sizes[: len(names)],
            "cadjust": cadjust,
            "multi0": multi0,
        }
    else:
        if groups is not None or options:
            raise ArgumentError(
                f"groups and cluster options only go with cov_type='cluster', not {cov_type!r}"
            )
        meat = _hc_meat(m, parts, cov_type)
        kwds = {"type": cov_type}
    return parts.sandwich(meat), kwds


class _Parts:
    """What every estimate needs: :math:`C` on the non-aliased columns, :math:`u_i = W_i r_i`."""

    def __init__(self, kept: IntArray, p: int, cov: FloatArray, u: FloatArray, n: int, n_ok: int) -> None:
        self.kept, self.p, self.cov, self.u, self.n, self.n_ok = kept, p, cov, u, n, n_ok

    @classmethod
    def of(cls, m: GLMStatistics) -> _Parts:
        fit = m.fit
        p = fit.coef.size
        kept = np.flatnonzero(~fit.aliased)
        cov = np.zeros((0, 0)) if fit.wls is None else cov_unscaled(fit.wls)[np.ix_(kept, kept)]
        w = fit.working_weights
        # Rows outside the fit have weight 0 (and possibly a non-finite working residual).
        with np.errstate(invalid="ignore"):
            u = np.where(w > 0, fit.working_residuals * w, 0.0)
        return cls(kept, p, cov, u, fit.mu.shape[0], m.nobs)

    @property
    def k(self) -> int:
        return int(self.kept.size)

    def sandwich(self, meat: FloatArray) -> FloatArray:
        """:math:`(n_{ok}/n)^2\\, C M C`, padded with NaN for the aliased coefficients."""
        out = np.full((self.p, self.p), np.nan)
        if self.k:
            with np.errstate(invalid="ignore"):  # an infinite meat (leverage 1) gives NaN, as in R
                v = (self.n_ok / self.n) ** 2 * (self.cov @ meat @ self.cov)
            out[np.ix_(self.kept, self.kept)] = (v + v.T) / 2  # symmetric to the last bit
        return out


def _hc_meat(m: GLMStatistics, parts: _Parts, cov_type: str) -> FloatArray:
    """:math:`\\sum_i \\omega_i x_i x_i^T` on the kept columns (sandwich's ``meatHC`` times n)."""
    u2 = parts.u**2
    n, k = parts.n, parts.k
    if k == 0:
        return np.zeros((0, 0))
    if cov_type == "HC0":
        omega = u2
    elif cov_type == "HC1":
        omega = u2 * n / (n - k) if n > k else np.full(n, np.inf)
    else:
        h = leverages(m)
        _warn_high_leverage(m, h, cov_type)
        with np.errstate(divide="ignore", invalid="ignore"):
            omega = u2 / (1 - h) ** _hc_exponent(cov_type, h, n)
    omega = np.where(m.fit.working_weights > 0, omega, 0.0)  # rows outside the fit add nothing
    design = m.model_frame.design
    return design.gram(omega)[np.ix_(parts.kept, parts.kept)]


def _hc_exponent(cov_type: str, h: FloatArray, n: int) -> FloatArray | float:
    """The power of :math:`1 - h_i` dividing :math:`u_i^2` (HC2 to HC5), as sandwich's ``meatHC``."""
    if cov_type == "HC2":
        return 1.0
    if cov_type == "HC3":
        return 2.0
    # R's as.integer(round(sum(h))): the rank for a full fit (R rounds half to even, as Python).
    ratio = n * h / round(float(np.sum(h)))
    if cov_type == "HC4":
        return np.minimum(4.0, ratio)
    if cov_type == "HC4m":
        return np.minimum(1.0, ratio) + np.minimum(1.5, ratio)
    # HC5 divides by the square root of (1 - h)^delta, delta capped at max(4, 0.7 max(n h / p)).
    return np.minimum(ratio, max(4.0, 0.7 * float(np.max(ratio)))) / 2.0


def _warn_high_leverage(m: GLMStatistics, h: FloatArray, cov_type: str) -> None:
    bad = np.flatnonzero(h > 1 - math.sqrt(_EPS))
    if bad.size:
        labels = [str(x) for x in m.model_frame.index[bad[:10]]] + (["..."] if bad.size > 10 else [])
        warn(
            f"{cov_type} covariances become numerically unstable when hat values are close to 1, as for "
            f"rows {', '.join(labels)}; consider HC0/HC1 or removing those rows",
            LeverageWarning,
        )


# -- clusters ------------------------------------------------------------------------------------------
def _cluster_codes(m: GLMStatistics, groups: Any) -> tuple[list[str], list[IntArray], list[int]]:
    """Names, integer codes on the model's rows and cluster counts of each grouping variable
    and (for several) of each of their interactions, in sandwich's order."""
    columns, names = _group_columns(m, groups)
    codes: list[IntArray] = []
    sizes: list[int] = []
    for col, name in zip(columns, names, strict=True):
        missing = int(col.isna().sum())
        if missing:
            raise DataError(
                f"groups {name!r} has {missing} missing value{'s' if missing != 1 else ''} in the rows "
                "of the model; fit the model without those rows (subset=) or fill them in"
            )
        c, uniq = pd.factorize(col, sort=True)
        codes.append(c.astype(np.intp))
        # R counts the levels of a factor, used or not; of anything else, the distinct values.
        sizes.append(len(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else len(uniq))
    base = len(codes)
    for r in range(2, base + 1):
        for combo in combinations(range(base), r):
            stacked = np.column_stack([codes[i] for i in combo])
            _, inter = np.unique(stacked, axis=0, return_inverse=True)
            codes.append(inter.reshape(-1).astype(np.intp))
            sizes.append(int(inter.max()) + 1)
    for name, g in zip(names, sizes, strict=False):
        if g < 2:
            raise DataError(
                f"groups {name!r} has a single cluster in the rows of the model; clustered standard "
                "errors need at least two"
            )
    return names, codes, sizes


def _group_columns(m: GLMStatistics, groups: Any) -> tuple[list[pd.Series], list[str]]:
    """The grouping variable(s) on the model's rows, with display names."""
    frame = m.model_frame
    pos = frame.data_positions
    n_model = frame.index.size

    def data() -> pd.DataFrame:
        if m.data is None:
            raise ArgumentError("this model does not keep its data; pass groups as values, one per row")
        return to_frame(m.data)

    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, (list, tuple)) and groups and all(isinstance(g, str) for g in groups):
        d = data()
        if all(g in d.columns for g in groups):
            return [d[g].iloc[pos].reset_index(drop=True) for g in groups], list(groups)
        if len(groups) not in (len(d), n_model):
            missing = [g for g in groups if g not in d.columns]
            raise DataError(
                f"groups column {missing[0]!r} is not in the data (columns: "
                f"{', '.join(map(str, d.columns[:15]))}{', ...' if len(d.columns) > 15 else ''})"
            )
    if isinstance(groups, pd.Categorical):
        groups = pd.Series(groups)  # keeps its categories (R's factor levels) for G
    if isinstance(groups, pd.DataFrame):
        cols = [_by_label(groups[c], m) for c in groups.columns]
        names = [str(c) for c in groups.columns]
    else:
        arr = groups if isinstance(groups, pd.Series) else np.asarray(groups, dtype=object)
        if isinstance(arr, np.ndarray) and arr.ndim == 2:
            cols = [pd.Series(arr[:, j]) for j in range(arr.shape[1])]
            names = [f"groups[{j}]" for j in range(arr.shape[1])]
        elif isinstance(arr, np.ndarray) and arr.ndim != 1:
            raise DataError(
                f"groups must be one value per row (or a column per grouping), got shape {arr.shape}"
            )
        else:
            series = _by_label(arr, m) if isinstance(arr, pd.Series) else pd.Series(arr)
            cols = [series]
            names = [
                str(series.name) if isinstance(series, pd.Series) and series.name is not None else "groups"
            ]
    out = []
    for col in cols:
        values = col.reset_index(drop=True) if isinstance(col, pd.Series) else pd.Series(col)
        n_data = len(data()) if m.data is not None else None
        if n_data is not None and len(values) == n_data:
            out.append(values.iloc[pos].reset_index(drop=True))
        elif len(values) == n_model:
            out.append(values)
        else:
            expect = (
                f"{n_data} (the rows of the data) or {n_model} (the rows of the model)"
                if n_data
                else str(n_model)
            )
            raise DataError(f"groups has {len(values)} values; expected {expect}")
    return out, names


def _by_label(values: pd.Series, m: GLMStatistics) -> pd.Series:
    """A Series with one value per data row is matched to the data by index label, as
    ``glm``'s ``weights=`` (others are taken by position)."""
    if m.data is None:
        return values
    data = to_frame(m.data)
    return aligned(values, data, "groups") if len(values) == len(data) else values


def _cluster_meat(
    m: GLMStatistics,
    parts: _Parts,
    codes: list[IntArray],
    sizes: list[int],
    base: int,
    kind: str,
    cadjust: bool,
    multi0: bool,
) -> FloatArray:
    """sandwich's ``meatCL`` times :math:`n`, on the kept columns (``base`` grouping variables,
    then their interactions)."""
    n, k = parts.n, parts.k
    if multi0 and len(codes) > 1:
        codes = [*codes[:-1], np.arange(n, dtype=np.intp)]
        sizes = [*sizes[:-1], n]
    signs = _signs(base)
    meat = np.zeros((k, k))
    h: FloatArray | None = None
    for i, (code, g) in enumerate(zip(codes, sizes, strict=True)):
        last = i == len(codes) - 1
        if multi0 and len(codes) > 1 and last:
            adj = (n - k) / (n - 1) if kind == "HC1" else 1.0
        else:
            adj = g / (g - 1) if cadjust else 1.0
        u = parts.u
        if kind in ("HC2", "HC3"):
            if g == n:
                h = leverages(m) if h is None else h
                with np.errstate(divide="ignore", invalid="ignore"):
                    u = u / (np.sqrt(1 - h) if kind == "HC2" else (1 - h))
                u = np.where(parts.u == 0, 0.0, u)
                scores = _scores(m, parts, u, code, int(code.max()) + 1)
            else:
                scores = _leverage_adjusted_scores(m, parts, code, kind)
            # Bell and McCaffrey's (G-1)/G, undone by the default G/(G-1).
            adj *= (g - 1) / g
        else:
            scores = _scores(m, parts, u, code, int(code.max()) + 1)
        meat += signs[i] * adj * (scores.T @ scores)
    if kind == "HC1":
        meat *= (n - 1) / (n - k)
    return meat


def _signs(base: int) -> list[int]:
    """Inclusion-exclusion signs in the order of :func:`_cluster_codes`."""
    return [(-1) ** (r + 1) for r in range(1, base + 1) for _ in combinations(range(base), r)]


def _scores(m: GLMStatistics, parts: _Parts, u: FloatArray, code: IntArray, n_groups: int) -> FloatArray:
    """:math:`s_g = \\sum_{i \\in g} u_i x_i` for each cluster, by row blocks."""
    design = m.model_frame.design
    out = np.zeros((n_groups, parts.k))
    for start in range(0, parts.n, BLOCK_ROWS):
        idx = np.arange(start, min(start + BLOCK_ROWS, parts.n))
        blk = design.rows(idx)[:, parts.kept] * u[idx, None]
        for j in range(parts.k):
            out[:, j] += np.bincount(code[idx], weights=blk[:, j], minlength=n_groups)
    return out


def _leverage_adjusted_scores(m: GLMStatistics, parts: _Parts, code: IntArray, kind: str) -> FloatArray:
    """Cluster scores :math:`X_g^T A_g u_g` with :math:`A_g = (I - H_{gg})^{-1/2}` (HC2) or
    :math:`(I - H_{gg})^{-1}` (HC3), :math:`H_{gg} = X_g C X_g^T W_g`."""
    design = m.model_frame.design
    w = m.fit.working_weights
    order = np.argsort(code, kind="stable")
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    groups = np.split(order, bounds)
    out = np.zeros((len(groups), parts.k))
    for j, rows in enumerate(groups):
        xg = design.rows(rows)[:, parts.kept]
        wg = w[rows]
        a = xg @ parts.cov @ xg.T
        u = parts.u[rows]
        if kind == "HC3":
            adj_u = np.linalg.solve(np.eye(rows.size) - a * wg[None, :], u)
        else:
            adj_u = _inverse_sqrt(a, wg) @ u
        out[j] = xg.T @ adj_u
    return out


def _inverse_sqrt(a: FloatArray, w: FloatArray) -> FloatArray:
    """:math:`(I - A W)^{-1/2}` as sandwich's ``matrixpower``: eigenvalues below
    :math:`\\epsilon^{1/1.3}` are taken as 0 (so their inverse roots are infinite)."""
    m = a.shape[0]
    tol = _EPS ** (1 / 1.3)
    if m == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.array([[(1.0 - a[0, 0] * w[0]) ** -0.5]])
    if np.all(w > 0):
        # I - AW = W^{-1/2} (I - W^{1/2} A W^{1/2}) W^{1/2}: a symmetric eigenproblem.
        sw = np.sqrt(w)
        vals, vecs = np.linalg.eigh(np.eye(m) - sw[:, None] * a * sw[None, :])
        vals = np.where(vals < tol, 0.0, vals)
        with np.errstate(divide="ignore"):
            root = (vecs * vals**-0.5) @ vecs.T
        inv_root: FloatArray = root / sw[:, None] * sw[None, :]
        return inv_root
    cvals, cvecs = np.linalg.eig(np.eye(m) - a * w[None, :])
    vals, vecs = cvals.real, cvecs.real
    vals = np.where(vals < tol, 0.0, vals)
    with np.errstate(divide="ignore"):
        return np.asarray((vecs * vals**-0.5) @ np.linalg.inv(vecs), dtype=np.float64)


def leverages(m: GLMStatistics) -> FloatArray:
    """Hat values of the weighted fit, one per model row (0 for rows outside the fit)."""
    return lm_influence(m, do_coef=False).hat
