"""Log-densities behind the families' AIC, as R's ``dbinom``, ``dpois`` and ``dgamma`` with ``log = TRUE``.

They are public because the AIC of a fit over chunks of rows is a sum of their values over
the chunks (:meth:`rglm.families.family.Family.aic_rows`); nothing outside the families
should need them otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]

__all__ = ["lfactorial", "log_dbinom", "log_dgamma", "log_dpois"]


def lfactorial(x: FloatArray, whole: bool | None = None) -> FloatArray:
    r""":math:`\log x! = \log\Gamma(x + 1)`.

    Counts repeat: for many whole numbers below a million the values are looked up in a
    table of ``gammaln`` over :math:`0..\max x`, the same function on the same arguments, so
    the result is identical and costs a gather instead of a special function per row.
    ``whole``: whether ``x`` is known to hold whole numbers (None: find out).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size > 4096:
        lo, hi = float(np.min(x)), float(np.max(x))
        if lo >= 0 and hi < min(1e6, x.size) and (np.array_equal(x, np.floor(x)) if whole is None else whole):
            table = special.gammaln(np.arange(int(hi) + 1, dtype=np.float64) + 1)
            return np.asarray(table[x.astype(np.intp)], dtype=np.float64)
    return np.asarray(special.gammaln(x + 1), dtype=np.float64)


def log_dbinom(k: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    r""":math:`\log\binom{n}{k} + k\log p + (n-k)\log(1-p)`, with :math:`0\log 0 = 0`."""
    lchoose = lfactorial(n) - lfactorial(k) - lfactorial(n - k)
    return np.asarray(lchoose + special.xlogy(k, p) + special.xlog1py(n - k, -p), dtype=np.float64)


def log_dpois(y: FloatArray, mu: FloatArray) -> FloatArray:
    r""":math:`y\log\mu - \mu - \log y!`; :math:`-\infty` for non-integer :math:`y`, as R."""
    if (
        np.size(y) > 4096
        and np.min(mu) > 0
        and np.max(mu) < math.inf
        and np.min(y) >= 0
        and np.array_equal(y, np.floor(y))
    ):
        # Large data of counts with 0 < mu < inf: in place (y = 0 gives 0 log mu = 0).
        ll = np.log(mu)
        ll *= y
        ll -= mu
        ll -= lfactorial(y, whole=True)
        return ll
    ll = special.xlogy(y, mu) - mu - lfactorial(y)
    return np.where(y == np.floor(y), ll, -np.inf)


def log_dgamma(y: FloatArray, shape: float, scale: FloatArray) -> FloatArray:
    r"""Gamma log-density :math:`(a-1)\log y - y/s - \log\Gamma(a) - a\log s`."""
    ll = special.xlogy(shape - 1.0, y) - y / scale - special.gammaln(shape) - shape * np.log(scale)
    return np.asarray(ll, dtype=np.float64)
