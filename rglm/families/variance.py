"""Variance functions :math:`V(\\mu)` and the unit deviances that go with them.

R's ``quasi()`` family is defined entirely by a variance function: its deviance residuals,
its valid means and its starting values all follow from the choice of :math:`V`.  This
module holds those pieces; :mod:`rglm.families` composes them with a link.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rglm.exceptions import FamilyError
from rglm.numerics import rmath as _rmath

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "Constant",
    "Mu",
    "MuCubed",
    "MuOneMinusMu",
    "MuSquared",
    "NegBinVariance",
    "PowerVariance",
    "VarianceFunction",
    "binomial_dev_resids",
    "get_variance",
    "y_log_y_fast",
]


def _arr(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _all_positive(mu: npt.ArrayLike) -> bool:
    return bool(np.all(_arr(mu) > 0))


def _y_log_y(y: FloatArray, mu: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * _rmath.log(np.where(y != 0, y, 1.0) / mu), 0.0)


def y_log_y_fast(y: FloatArray, mu: FloatArray) -> FloatArray:
    """:func:`_y_log_y` in place, without gathers (large fits), for :math:`0 < \\mu < \\infty`:
    :math:`y = 0` then gives :math:`0 \\log(1/\\mu) = 0`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(y != 0, y, 1.0)
        d /= mu
        np.log(d, out=d)
        d *= y
    return d


def binomial_dev_resids(y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
    """Binomial unit deviance :math:`2w\\,[y\\log(y/\\mu) + (1-y)\\log((1-y)/(1-\\mu))]`,
    with :math:`0 \\log 0 = 0` (R's ``C_binomial_dev_resids``)."""
    if _rmath.fast(np.size(y)) and np.size(mu) and np.min(mu) > 0 and np.max(mu) < 1:
        d = y_log_y_fast(y, mu)
        d += y_log_y_fast(1.0 - y, 1.0 - mu)
        d *= wt
        d *= 2.0
        return d
    return 2.0 * wt * (_y_log_y(y, mu) + _y_log_y(1.0 - y, 1.0 - mu))


@dataclass(frozen=True)
class VarianceFunction:
    """:math:`V(\\mu) = 1`; the base class, also R's ``quasi(variance = "constant")``."""

    name: str = "constant"

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        return np.ones_like(_arr(mu))

    def valid_mu(self, mu: npt.ArrayLike) -> bool:
        """Whether every :math:`\\mu` lies where :math:`V` is a valid variance (R's
        ``quasi()`` rule; the likelihood families refine it)."""
        return True

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        """Unit deviances :math:`d_i` with :math:`\\sum_i d_i` the (quasi-)deviance."""
        r = y - mu
        return wt * (r * r)

    def mustart(self, y: FloatArray) -> FloatArray:
        """Starting means used by R's ``quasi()`` for this variance."""
        out: FloatArray = y.copy()
        return out


@dataclass(frozen=True)
class Constant(VarianceFunction):
    """:math:`V(\\mu) = 1` (Gaussian)."""

    name: str = "constant"


@dataclass(frozen=True)
class MuOneMinusMu(VarianceFunction):
    """:math:`V(\\mu) = \\mu(1-\\mu)` (binomial), for :math:`0 < \\mu < 1`."""

    name: str = "mu(1-mu)"

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        return m * (1.0 - m)

    def valid_mu(self, mu: npt.ArrayLike) -> bool:
        m = _arr(mu)
        return bool(np.all((m > 0) & (m < 1)))

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        return binomial_dev_resids(y, mu, wt)

    def mustart(self, y: FloatArray) -> FloatArray:
        return np.maximum(0.001, np.minimum(0.999, y))


@dataclass(frozen=True)
class _PositiveMean(VarianceFunction):
    """Variances defined for :math:`\\mu > 0`; R's ``quasi()`` starts them at
    :math:`y + 0.1\\,[y = 0]`."""

    def valid_mu(self, mu: npt.ArrayLike) -> bool:
        return _all_positive(mu)

    def mustart(self, y: FloatArray) -> FloatArray:
        out: FloatArray = y + 0.1 * (y == 0)
        return out


@dataclass(frozen=True)
class Mu(_PositiveMean):
    """:math:`V(\\mu) = \\mu` (Poisson), for :math:`\\mu > 0`."""

    name: str = "mu"

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        out: FloatArray = _arr(mu).copy()
        return out

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(y == 0, 1.0, y / mu)
        return 2.0 * wt * (y * _rmath.log(ratio) - (y - mu))


@dataclass(frozen=True)
class MuSquared(_PositiveMean):
    """:math:`V(\\mu) = \\mu^2` (Gamma), for :math:`\\mu > 0`."""

    name: str = "mu^2"

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        return m * m

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = -2.0 * wt * (_rmath.log(np.where(y == 0, 1.0, y) / mu) - (y - mu) / mu)
        return np.maximum(d, 0.0)


@dataclass(frozen=True)
class MuCubed(_PositiveMean):
    """:math:`V(\\mu) = \\mu^3` (inverse Gaussian), for :math:`\\mu > 0`."""

    name: str = "mu^3"

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        with np.errstate(over="ignore"):
            return np.power(m, 3.0)

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        r = y - mu
        with np.errstate(divide="ignore", invalid="ignore"):
            return wt * (r * r) / (y * (mu * mu))


@dataclass(frozen=True)
class PowerVariance(VarianceFunction):
    """Tweedie variance :math:`V(\\mu) = \\mu^p`, with statmod's unit deviance

    .. math:: d = 2w\\,[y\\,\\theta(y, \\mu) - \\kappa(y, \\mu)],

    where :math:`\\theta = (y_1^{1-p} - \\mu^{1-p})/(1-p)` (or :math:`\\log(y_1/\\mu)` for
    :math:`p = 1`), :math:`\\kappa = (y^{2-p} - \\mu^{2-p})/(2-p)` (or :math:`\\log(y_1/\\mu)`
    for :math:`p = 2`) and :math:`y_1 = y + 0.1\\,[y = 0]`.
    """

    name: str = "mu^p"
    p: float = 1.5

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        with np.errstate(all="ignore"):
            return m * m if self.p == 2 else np.power(m, self.p)

    def valid_mu(self, mu: npt.ArrayLike) -> bool:
        m = _arr(mu)
        if self.p == 0:
            return True
        return bool(np.all(m >= 0)) if self.p > 0 else bool(np.all(m > 0))

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        p = self.p
        y1 = y + 0.1 * (y == 0)
        with np.errstate(all="ignore"):
            theta = _rmath.log(y1 / mu) if p == 1 else (np.power(y1, 1 - p) - np.power(mu, 1 - p)) / (1 - p)
            kappa = _rmath.log(y1 / mu) if p == 2 else (np.power(y, 2 - p) - np.power(mu, 2 - p)) / (2 - p)
        return 2.0 * wt * (y * theta - kappa)

    def mustart(self, y: FloatArray) -> FloatArray:
        out: FloatArray = y + 0.1 * (y == 0)
        return out


@dataclass(frozen=True)
class NegBinVariance(VarianceFunction):
    """Negative binomial variance :math:`V(\\mu) = \\mu + \\mu^2/\\theta` with unit deviance
    :math:`2w\\,[y\\log(\\max(1,y)/\\mu) - (y+\\theta)\\log((y+\\theta)/(\\mu+\\theta))]`."""

    name: str = "negbin"
    theta: float = 1.0

    def __call__(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        return m + (m * m) / self.theta

    def valid_mu(self, mu: npt.ArrayLike) -> bool:
        return _all_positive(mu)

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        th = self.theta
        with np.errstate(divide="ignore", invalid="ignore"):
            return (
                2.0
                * wt
                * (y * _rmath.log(np.maximum(1.0, y) / mu) - (y + th) * _rmath.log((y + th) / (mu + th)))
            )

    def mustart(self, y: FloatArray) -> FloatArray:
        out: FloatArray = y + (y == 0) / 6.0
        return out


_QUASI_VARIANCES: dict[str, type[VarianceFunction]] = {
    "constant": Constant,
    "mu(1-mu)": MuOneMinusMu,
    "mu": Mu,
    "mu^2": MuSquared,
    "mu^3": MuCubed,
}


def get_variance(spec: str | VarianceFunction) -> VarianceFunction:
    """R's name of a quasi variance (``"constant"``, ``"mu(1-mu)"``, ``"mu"``, ``"mu^2"``,
    ``"mu^3"``) as a :class:`VarianceFunction`; objects are returned unchanged."""
    if isinstance(spec, VarianceFunction):
        return spec
    key = str(spec).replace(" ", "")
    if key not in _QUASI_VARIANCES:
        allowed = ", ".join(f'"{k}"' for k in _QUASI_VARIANCES)
        raise FamilyError(f"variance {spec!r} is invalid: possible values are {allowed}")
    return _QUASI_VARIANCES[key]()
