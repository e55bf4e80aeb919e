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


#: Rows per block of the in-place large-data kernels.
_BLOCK = 65_536


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
        # log y! a block at a time (the same values): its table gather takes two arrays of n.
        for a in range(0, ll.size, _BLOCK):
            ll[a : a + _BLOCK] -= lfactorial(y[a : a + _BLOCK], whole=True)
        return ll
    ll = special.xlogy(y, mu) - mu - lfactorial(y)
    return np.where(y == np.floor(y), ll, -np.inf)


#: The smallest positive normal double (C's ``DBL_MIN``).
_DBL_MIN = float(np.finfo(np.float64).tiny)
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
_LN_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _stirlerr(n: float) -> float:
    r"""The error of Stirling's formula, :math:`\log n! - \log(\sqrt{2\pi n}(n/e)^n)`, as R's
    ``stirlerr``: the exact expression up to 15 and its asymptotic series beyond (where the
    exact one would cancel)."""
    if n <= 15.0:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LN_SQRT_2PI
    nn = n * n
    if n > 500:
        return (_S0 - _S1 / nn) / n
    if n > 80:
        return (_S0 - (_S1 - _S2 / nn) / nn) / n
    if n > 35:
        return (_S0 - (_S1 - (_S2 - _S3 / nn) / nn) / nn) / n
    return (_S0 - (_S1 - (_S2 - (_S3 - _S4 / nn) / nn) / nn) / nn) / n


def _bd0(x: float, lam: FloatArray) -> FloatArray:
    r"""The deviance term :math:`x\log(x/\lambda) + \lambda - x`, as R's ``bd0``: near
    :math:`x = \lambda` (within 10%) by the series in :math:`v = (x-\lambda)/(x+\lambda)`,
    :math:`(x-\lambda)v + 2x\sum_{j\ge1} v^{2j+1}/(2j+1)`, which does not cancel."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(x * np.log(x / lam) + lam - x, dtype=np.float64)
        near = np.abs(x - lam) < 0.1 * (x + lam)
        if np.any(near):
            m = lam[near]
            v = (x - m) / (x + m)
            s = (x - m) * v
            ej = 2 * x * v
            v = v * v
            done = np.abs(s) < _DBL_MIN
            for j in range(1, 1000):
                if done.all():
                    break
                ej = ej * v
                s1 = s + ej / (2 * j + 1)
                newly = s1 == s
                s = np.where(done, s, s1)
                done |= newly
            out[near] = s
    return out


def _log_dpois_raw(x: float, lam: FloatArray) -> FloatArray:
    r""":math:`\log(\lambda^x e^{-\lambda}/\Gamma(x+1))` for real :math:`x \ge 0`, as R's
    ``dpois_raw``: :math:`-\tfrac12\log(2\pi x) - \mathrm{stirlerr}(x) - \mathrm{bd0}(x, \lambda)`
    away from the extremes, so that no large terms cancel."""
    lam = np.asarray(lam, dtype=np.float64)
    out = np.full(lam.shape, -np.inf)
    if x < 0:
        return out
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        zero = lam == 0
        out[zero] = 0.0 if x == 0 else -np.inf
        ok = ~zero & np.isfinite(lam)
        tiny_x = ok & (x <= lam * _DBL_MIN)
        out[tiny_x] = -lam[tiny_x]
        tiny_lam = ok & ~tiny_x & (lam < x * _DBL_MIN)
        if math.isfinite(x):
            out[tiny_lam] = -lam[tiny_lam] + x * np.log(lam[tiny_lam]) - math.lgamma(x + 1)
        rest = ok & ~tiny_x & ~tiny_lam
        if np.any(rest):
            out[rest] = -0.5 * math.log(2 * math.pi * x) - _stirlerr(x) - _bd0(x, lam[rest])
    return out


def log_dgamma(y: FloatArray, shape: float, scale: FloatArray) -> FloatArray:
    r"""Gamma log-density :math:`(a-1)\log y - y/s - \log\Gamma(a) - a\log s`, computed as R's
    ``dgamma(y, a, scale = s, log = TRUE)``.

    The terms of the textbook expression are each of order :math:`a\log a` and cancel
    catastrophically when the shape :math:`a = 1/\phi` is large (a Gamma fit with a small
    dispersion).  R writes the density through a Poisson probability,
    :math:`f(y) = p(a - 1; y/s) / s` for :math:`a \ge 1` and :math:`p(a; y/s)\,a/y` below,
    with :math:`\log p` from Stirling's error and ``bd0`` (:func:`_log_dpois_raw`), which keep
    full relative accuracy.  NaN where the shape is negative, NaN or infinite, or the scale is
    not positive (R's warning case).
    """
    y = np.asarray(y, dtype=np.float64)
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), y.shape)
    out = np.full(y.shape, np.nan)
    if not (shape >= 0) or not math.isfinite(shape):
        return out
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        good = scale > 0
        neg = good & (y < 0)
        out[neg] = -np.inf
        if shape == 0:
            pos = good & (y >= 0)
            out[pos] = np.where(y[pos] == 0, np.inf, -np.inf)
            return out
        zero = good & (y == 0)
        out[zero] = np.inf if shape < 1 else (-np.inf if shape > 1 else -np.log(scale[zero]))
        pos = good & (y > 0)
        yp, sp = y[pos], scale[pos]
        if shape < 1:
            ratio = shape / yp
            out[pos] = _log_dpois_raw(shape, yp / sp) + np.where(
                np.isfinite(ratio), np.log(ratio), math.log(shape) - np.log(yp)
            )
        else:
            out[pos] = _log_dpois_raw(shape - 1.0, yp / sp) - np.log(sp)
    return out
