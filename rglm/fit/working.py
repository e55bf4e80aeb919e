"""R's working weights and working response: the one place they are computed.

At a point :math:`(\\eta, \\mu)` of the fit, R's ``glm.fit`` forms, on its ``good`` rows
(prior weight :math:`w_i > 0` and :math:`d\\mu/d\\eta \\ne 0`),

.. math::

    W_i = \\frac{w_i\\,(d\\mu_i/d\\eta)^2}{V(\\mu_i)}, \\qquad
    z_i = \\eta_i - o_i + \\frac{y_i - \\mu_i}{d\\mu_i/d\\eta},

and refuses the step when :math:`V(\\mu)` is NaN or 0, or :math:`d\\mu/d\\eta` is NaN, on rows
of positive weight, or when some :math:`\\sqrt{W_i}` or :math:`z_i` is not finite.  The row
path of the loop (:mod:`rglm.fit.rows`), the passes over row blocks
(:mod:`rglm.fit.accumulate`) and the per-row values of out-of-core fits all take them from
:func:`working`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rglm.families.family import Family

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["Working", "working"]


@dataclass(frozen=True, eq=False)
class Working:
    """R's working quantities at one point.

    Attributes
    ----------
    W : ndarray, shape (n,)
        Working weights, 0 off the good rows.
    z : ndarray
        Working response (offset removed) on the good rows, in row order; all rows when
        ``good`` is None.
    good : ndarray of bool or None
        R's ``good`` rows; None when every row is good and the fast kernels ran.
    n_good : int
    nan_variance, zero_variance, nan_mu_eta : bool
        R's checks of :math:`V(\\mu)` and :math:`d\\mu/d\\eta` on the rows of positive weight.
    finite : bool
        Every :math:`\\sqrt{W_i}` and :math:`z_i` of the good rows is finite (R's least-squares
        routine refuses NA/NaN/Inf otherwise).
    """

    W: FloatArray
    z: FloatArray
    good: BoolArray | None
    n_good: int
    nan_variance: bool
    zero_variance: bool
    nan_mu_eta: bool
    finite: bool

    def z_full(self) -> FloatArray:
        """:math:`z` over all rows, 0 off the good rows."""
        if self.good is None:
            return self.z
        out = np.zeros(self.W.size)
        out[self.good] = self.z
        return out


def _has_zero(a: FloatArray) -> bool:
    """``any(a == 0)``, usually from the extremes alone (no temporary)."""
    lo, hi = float(np.min(a, initial=math.inf)), float(np.max(a, initial=-math.inf))
    if lo > 0 or hi < 0:
        return False
    return bool(np.any(a == 0))


def _finite_roots(W: FloatArray, z: FloatArray) -> bool:
    """``all(isfinite(sqrt(W)))`` and ``all(isfinite(z))`` from the extremes: a negative
    weight has no real root, and NaN and infinities reach the extremes."""
    w_ok = W.size == 0 or bool(np.min(W) >= 0 and np.isfinite(np.max(W)))
    return w_ok and (z.size == 0 or bool(np.isfinite(np.min(z)) and np.isfinite(np.max(z))))


def working(
    family: Family,
    y: FloatArray,
    prior: FloatArray,
    eta: FloatArray,
    mu: FloatArray,
    offset: FloatArray,
    *,
    fast: bool = False,
    all_positive: bool | None = None,
    unit_weights: bool = False,
    offset_nonzero: bool = True,
) -> Working:
    """R's working weights and working response at :math:`(\\eta, \\mu)`; see the module docstring.

    Parameters
    ----------
    family : Family
    y, prior : ndarray
        Response and prior weights after the family's ``initialize``.
    eta, mu : ndarray
        The point (offset included in :math:`\\eta`).
    offset : ndarray
    fast : bool
        The kernels of large fits: :math:`d\\mu/d\\eta` from :math:`\\mu` where the link allows,
        and, when every row is good, whole-array operations in place, in an order that may
        differ from R's in the last bit.  Otherwise R's expressions, operation for operation.
    all_positive, unit_weights, offset_nonzero : bool
        What the caller already knows of the prior weights and offset (the fast kernels skip
        work with them); ``all_positive=None``: find out.
    """
    link = family.link
    n = eta.size
    with np.errstate(all="ignore"):
        variance = family.variance(mu)
        mu_eta = link.mu_eta_at(eta, mu) if fast else link.mu_eta(eta)
        positive = fast and (bool(np.all(prior > 0)) if all_positive is None else all_positive)
        if fast and positive:
            # Every row has a positive weight: R's checks over those rows need no gathers.
            nan_variance = bool(np.isnan(np.min(variance, initial=0.0)))
            zero_variance = _has_zero(variance)
            nan_mu_eta = bool(np.isnan(np.min(mu_eta, initial=0.0)))
            every_row_good = not _has_zero(mu_eta)
        else:
            pos = prior > 0
            varmu = variance[pos]
            nan_variance = bool(np.any(np.isnan(varmu)))
            zero_variance = bool(np.any(varmu == 0))
            nan_mu_eta = bool(np.any(np.isnan(mu_eta[pos])))
            every_row_good = False
        good: BoolArray | None = None
        if fast and every_row_good:
            # The usual case of large data: whole arrays, no gathers or scatters of good rows.
            z = y - mu
            z /= mu_eta
            z += eta
            if offset_nonzero:
                z -= offset
            W = mu_eta * mu_eta
            if not unit_weights:
                W *= prior
            W /= variance
            n_good = n
        else:
            good = (prior > 0) & (mu_eta != 0)
            mg = mu_eta[good]
            z = (eta - offset)[good] + (y - mu)[good] / mg
            W = np.zeros(n)
            W[good] = (prior[good] * (mg * mg)) / variance[good]
            n_good = int(np.count_nonzero(good))
    return Working(
        W=W,
        z=z,
        good=good,
        n_good=n_good,
        nan_variance=nan_variance,
        zero_variance=zero_variance,
        nan_mu_eta=nan_mu_eta,
        finite=_finite_roots(W, z),
    )
