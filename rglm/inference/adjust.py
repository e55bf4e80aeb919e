"""Multiplicity adjustments of p-values, as emmeans 1.8.4's ``summary`` applies them.

A family of :math:`m` tests (the contrasts of one ``by`` group) with statistics
:math:`t_i` on :math:`\\nu` degrees of freedom (:math:`\\nu = \\infty` for z tests) and
unadjusted two-sided p-values :math:`p_i = 2\\,P(T_\\nu > |t_i|)` is adjusted by:

``"tukey"``
    :math:`P(Q_{k,\\nu} > \\sqrt2\\,|t_i|)`, the studentized range with :math:`k` means
    (``scipy.stats.studentized_range``, R's ``ptukey``); only for one family of pairwise
    comparisons, otherwise it becomes ``"sidak"`` (emmeans' rule).
``"sidak"``
    :math:`1 - (1 - p_i)^m`.
``"dunnettx"``
    emmeans' approximation to Dunnett's test, a mix of Tukey's and Sidak's distribution
    functions weighted by :math:`w = (m - 1)/m`:
    :math:`1 - [w\\,F_Q(\\sqrt2|t_i|; k', \\nu) + (1 - w)\\,F_{1,\\nu}(t_i^2)^m]` with
    :math:`k' = (1 + \\sqrt{1 + 8m})/2`.
``"mvt"``
    :math:`1 - P(\\max_j |T_j| \\le |t_i|)` for :math:`T` multivariate t (normal when
    :math:`\\nu = \\infty`) with the contrasts' correlation matrix.  R computes it by
    Monte Carlo (``mvtnorm::pmvt``), so its digits vary from run to run; here it is scipy's
    quasi-Monte Carlo integration (Genz's algorithm) with a fixed seed, so the same input
    gives the same p-values, accurate to about 1e-4 (absolute) like R's.
``"bonferroni"``, ``"holm"``, ``"hochberg"``, ``"hommel"``, ``"BH"``/``"fdr"``, ``"BY"``
    R's ``p.adjust`` with ``n`` the family size.
``"none"``
    The unadjusted :math:`p_i`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import stats

from rglm.exceptions import ArgumentError
from rglm.numerics.roots import zeroin

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "ADJUST_METHODS",
    "P_ADJUST_METHODS",
    "adjusted_p",
    "critical_value",
    "normalize_adjust",
    "p_adjust",
]

#: R's ``p.adjust.methods``.
P_ADJUST_METHODS = ("holm", "hochberg", "hommel", "bonferroni", "BH", "BY", "fdr", "none")
#: Every method emmeans' ``summary`` accepts (scheffe is not implemented).
ADJUST_METHODS = ("sidak", "tukey", "dunnettx", "mvt", *P_ADJUST_METHODS)

#: Seed of the quasi-Monte Carlo integration behind ``"mvt"``.
MVT_SEED = 20230101


def normalize_adjust(adjust: str) -> str:
    """The method name as emmeans resolves it (case-insensitive, partial matching)."""
    if not isinstance(adjust, str):
        raise ArgumentError(f"adjust must be a method name, got {adjust!r}")
    low = adjust.lower()
    if low in ("bh", "by"):
        return low.upper()
    matches = [m for m in ADJUST_METHODS if m.lower() == low] or [
        m for m in ADJUST_METHODS if m.lower().startswith(low)
    ]
    if len(matches) != 1:
        if adjust == "scheffe":
            raise ArgumentError("adjust='scheffe' is not supported; use 'sidak', 'bonferroni' or 'mvt'")
        raise ArgumentError(
            f"adjust method {adjust!r} is not recognized; use one of {', '.join(ADJUST_METHODS)}"
        )
    return matches[0]


def p_adjust(p: Sequence[float] | FloatArray, method: str, n: int | None = None) -> FloatArray:
    """R's ``p.adjust(p, method, n)``: missing p-values stay missing and do not count
    towards ``len(p)``, but ``n`` (default: the number present) is the family size."""
    p0 = np.array(p, dtype=np.float64)
    ok = ~np.isnan(p0)
    q = p0[ok]
    lp = q.size
    n = lp if n is None else int(n)
    if n < lp:
        raise ArgumentError(f"p_adjust needs n >= {lp} (the p-values present), got {n}")
    if n <= 1:
        return p0
    if method == "fdr":
        method = "BH"
    if n == 2 and method == "hommel":
        method = "hochberg"
    out: FloatArray
    if method == "bonferroni":
        out = np.minimum(1.0, n * q)
    elif method == "holm":
        i = np.arange(1, lp + 1)
        o = np.argsort(q, kind="stable")
        out = np.empty(lp)
        out[o] = np.minimum(1.0, np.maximum.accumulate((n + 1 - i) * q[o]))
    elif method in ("hochberg", "BH", "BY"):
        i = np.arange(lp, 0, -1)
        o = np.argsort(-q, kind="stable")
        if method == "hochberg":
            scaled = (n + 1 - i) * q[o]
        elif method == "BH":
            scaled = n / i * q[o]
        else:
            scaled = float(np.sum(1.0 / np.arange(1, n + 1))) * n / i * q[o]
        out = np.empty(lp)
        out[o] = np.minimum(1.0, np.minimum.accumulate(scaled))
    elif method == "hommel":
        out = _hommel(q, n)
    elif method == "none":
        out = q
    else:
        raise ArgumentError(f"unknown p.adjust method {method!r}")
    p0[ok] = out
    return p0


def _hommel(q: FloatArray, n: int) -> FloatArray:
    lp = q.size
    p = np.concatenate([q, np.ones(n - lp)]) if n > lp else q.copy()
    o = np.argsort(p, kind="stable")
    p = p[o]
    i = np.arange(1, n + 1)
    pa = np.full(n, np.min(n * p / i))
    qq = pa.copy()
    for j in range(n - 1, 1, -1):
        ij = np.arange(0, n - j + 1)
        i2 = np.arange(n - j + 1, n)
        q1 = np.min(j * p[i2] / np.arange(2, j + 1))
        qq[ij] = np.minimum(j * p[ij], q1)
        qq[i2] = qq[n - j]
        pa = np.maximum(pa, qq)
    res = np.empty(n)
    res[o] = np.maximum(pa, p)
    return res[:lp]


def _ptukey_upper(q: FloatArray, k: float, df: FloatArray) -> FloatArray:
    out = np.full(q.shape, np.nan)
    for idx in np.flatnonzero(~np.isnan(q)):
        out[idx] = float(stats.studentized_range.sf(q[idx], k, df[idx]))
    return out


def _ptukey_lower(q: FloatArray, k: float, df: FloatArray) -> FloatArray:
    out = np.full(q.shape, np.nan)
    for idx in np.flatnonzero(~np.isnan(q)):
        out[idx] = float(stats.studentized_range.cdf(q[idx], k, df[idx]))
    return out


def _pdunnx(x: FloatArray, k: int, df: FloatArray) -> FloatArray:
    """emmeans' ``.pdunnx``: its approximate distribution function of the Dunnett statistic."""
    twt = (k - 1) / k
    tukey = _ptukey_lower(np.sqrt(2) * x, (1 + np.sqrt(1 + 8 * k)) / 2, df)
    # F(1, inf) is chi-squared on 1 df (scipy's F gives NaN for an infinite df).
    sidak = (
        np.where(np.isinf(df), stats.chi2.cdf(x**2, 1), stats.f.cdf(x**2, 1, np.where(np.isinf(df), 1.0, df)))
        ** k
    )
    out: FloatArray = twt * tukey + (1 - twt) * sidak
    return out


def _mvt(t: FloatArray, df: float, corr: FloatArray) -> FloatArray:
    """:math:`1 - P(-|t_i| < T_j < |t_i|\\ \\forall j)` for each i, with a fixed seed."""
    m = t.size
    out = np.full(m, np.nan)
    for i in range(m):
        a = abs(t[i])
        if np.isnan(a):
            continue
        upper = np.full(m, a)
        rng = np.random.default_rng(MVT_SEED)
        if np.isinf(df):
            prob = stats.multivariate_normal(mean=np.zeros(m), cov=corr, allow_singular=True).cdf(
                upper, lower_limit=-upper, rng=rng
            )
        else:
            prob = stats.multivariate_t(loc=np.zeros(m), shape=corr, df=df, allow_singular=True).cdf(
                upper, lower_limit=-upper, random_state=rng
            )
        out[i] = min(1.0, max(0.0, 1.0 - float(prob)))
    return out


def adjusted_p(
    t: FloatArray,
    df: FloatArray,
    adjust: str,
    *,
    fam_size: int,
    corr: FloatArray | None = None,
) -> FloatArray:
    """Adjusted two-sided p-values of one family of tests (one ``by`` group).

    Parameters
    ----------
    t, df : arrays
        The statistics and their degrees of freedom (``inf`` for z tests).
    adjust : str
        A method of :data:`ADJUST_METHODS`, already resolved (tukey is only used for
        pairwise families; the caller applies emmeans' tukey-to-sidak rule).
    fam_size : int
        Tukey's number of means :math:`k`.
    corr : array, optional
        The correlation matrix of the statistics, for ``"mvt"``.
    """
    df = np.where(np.isnan(df), np.inf, df)
    p = 2 * stats.t.sf(np.abs(t), df)
    m = t.size
    if adjust in P_ADJUST_METHODS:
        return p_adjust(p, adjust, n=m)
    abst = np.abs(t)
    if adjust == "sidak":
        sidak: FloatArray = 1 - (1 - p) ** m
        return sidak
    if adjust == "tukey":
        return _ptukey_upper(np.sqrt(2) * abst, float(fam_size), np.where(np.isinf(df), np.inf, df))
    if adjust == "dunnettx":
        return 1 - _pdunnx(abst, m, df)
    if adjust == "mvt":
        if corr is None:
            raise ArgumentError("adjust='mvt' needs the correlation matrix of the contrasts")
        return _mvt(t, float(df[0]) if df.size else np.inf, corr)
    raise ArgumentError(f"unknown adjust method {adjust!r}")


# ----------------------------------------------------------------------------------- intervals
def _qtukey(p: float, k: float, df: float) -> float:
    return float(stats.studentized_range.ppf(p, k, df))


def _qdunnx(p: float, k: int, df: float) -> float:
    """emmeans' ``.qdunnx``: the root of its Dunnett approximation between Tukey's and
    Sidak's quantiles, found by ``uniroot`` to a tolerance of 5e-4 (as R)."""
    if k < 1.005:
        return float(stats.t.ppf(1 - 0.5 * (1 - p), df))
    xtuk = float(_qtukey(p, float((1 + np.sqrt(1 + 8 * k)) / 2), df) / np.sqrt(2))
    q1 = stats.chi2.ppf(p ** (1 / k), 1) if np.isinf(df) else stats.f.ppf(p ** (1 / k), 1, df)
    xsid = float(np.sqrt(q1))
    if abs(xtuk - xsid) < 5e-4:
        return xtuk

    def fcn(x: float) -> float:
        return float(_pdunnx(np.array([x]), k, np.array([df]))[0]) - p

    lo, hi = min(xtuk, xsid), max(xtuk, xsid)
    root = zeroin(fcn, lo, hi, 5e-4)
    # Tukey's and Sidak's quantiles bracket the root; were they not to, keep Tukey's.
    return xtuk if root is None else root


def critical_value(level: float, df: float, adjust: str, *, fam_size: int, n_contr: int) -> float:
    """emmeans' ``.adj.critval``: the multiplier of the standard error in a two-sided
    interval of ``level`` for one family of ``n_contr`` estimates."""
    df = np.inf if np.isnan(df) else df
    if adjust == "none":
        return float(stats.t.ppf(1 - (1 - level) / 2, df))
    if adjust == "sidak":
        return float(-stats.t.ppf((1 - level ** (1 / n_contr)) / 2, df))
    if adjust == "bonferroni":
        return float(-stats.t.ppf((1 - level) / n_contr / 2, df))
    if adjust == "tukey":
        return _qtukey(level, float(fam_size), df) / float(np.sqrt(2))
    if adjust == "dunnettx":
        return _qdunnx(level, n_contr, df)
    raise ArgumentError(f"adjust={adjust!r} is not available for intervals; use 'sidak' or 'bonferroni'")
