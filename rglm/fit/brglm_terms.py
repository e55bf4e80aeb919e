"""The quantities of a bias-reduced GLM fit at one point (brglm2's ``key_quantities``).

:class:`Problem` holds a brglm fit's arrays (the design without aliased columns, the response
and weights after the family's ``initialize``, the offset) and computes, at
:math:`(\\beta, \\phi)`, the means and their derivatives, the hat values and the R factor of
:math:`W^{1/2}X` (:class:`Point`), the adjusted scores and the quasi Fisher scoring steps of
the coefficients and of the dispersion; the formulas are in :mod:`rglm.fit.brglm`.
:func:`rglm.numerics.roots.zeroin` (R's ``uniroot``) finds brglm2's ML dispersion at its start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from rglm.exceptions import DispersionWarning, warn
from rglm.families.derivatives import d1variance, d2mu_deta, dispersion_cumulants, has_dispersion
from rglm.families.family import Family
from rglm.numerics import rmath as _rmath
from rglm.numerics.chol2inv import chol2inv
from rglm.numerics.roots import zeroin

FloatArray = npt.NDArray[np.float64]

__all__ = ["Failed", "Point", "Problem", "colsums", "nasum"]

_EPS = float(np.finfo(np.float64).eps)


def colsums(X: FloatArray, u: FloatArray) -> FloatArray:
    """:math:`\\sum_i u_i x_i` (columns of ``u`` give columns of the result), with terms whose
    :math:`u_i` is NaN left out, as R's ``.colSums(u * x, na.rm = TRUE)`` in brglm2."""
    out: FloatArray = X.T @ np.where(np.isnan(u), 0.0, u)
    return out


def nasum(v: FloatArray) -> float:
    """R's ``sum(v, na.rm = TRUE)`` (in R's extended precision)."""
    return _rmath.rsum(v[~np.isnan(v)])


class Settings(Protocol):
    """What the quantities read of the control (:class:`rglm.fit.brglm.BrglmControl`)."""

    @property
    def type(self) -> str: ...

    @property
    def tol(self) -> float: ...

    @property
    def a(self) -> float: ...


class Failed(Exception):
    """A point where brglm2 cannot compute the adjusted score or invert the information."""


@dataclass(eq=False)
class Point:
    """The quantities of brglm2's ``key_quantities`` at :math:`(\\beta, \\phi)`."""

    beta: FloatArray
    phi: float
    eta: FloatArray
    mu: FloatArray
    d1: FloatArray
    d2: FloatArray
    var: FloatArray
    d1var: FloatArray
    ww: FloatArray
    r_factor: FloatArray
    hat: FloatArray
    inv_unscaled: FloatArray | None


class Problem:
    """One brglmFit problem: the kept columns of the design, the response after the family's
    ``initialize``, and the control; computes points and steps."""

    def __init__(
        self,
        X: FloatArray,
        y: FloatArray,
        weights: FloatArray,
        offset: FloatArray,
        family: Family,
        control: Settings,
    ) -> None:
        self.X, self.y, self.w, self.offset, self.family = X, y, weights, offset, family
        self.control = control
        self.n, self.p = X.shape
        self.keep = weights > 0
        self.df_resid = int(np.sum(self.keep)) - self.p
        self.dispersion = has_dispersion(family)

    # -- points --------------------------------------------------------------------------------
    def point(self, beta: FloatArray, phi: float) -> Point:
        link = self.family.link
        with np.errstate(all="ignore"):
            eta = self.X @ beta + self.offset
            mu = link.inverse(eta)
            d1 = link.mu_eta(eta)
            d2 = d2mu_deta(link, eta)
            var = self.family.variance(mu)
            d1var = d1variance(self.family, mu)
            ww = self.w * d1 * d1 / var
            wx = np.sqrt(ww)[:, None] * self.X
        if not np.all(np.isfinite(wx)):
            raise Failed("non-finite working weights")
        q, r = np.linalg.qr(wx)
        hat = np.einsum("ij,ij->i", q, q)
        inv = chol2inv(r)  # R's chol2inv: (R^T R)^{-1}, None when R is singular
        if inv is not None and not np.all(np.isfinite(inv)):
            inv = None
        return Point(beta, phi, eta, mu, d1, d2, var, d1var, ww, r, hat, inv)

    # -- the coefficients' step ---------------------------------------------------------------
    def score_beta(self, pt: Point) -> FloatArray:
        """:math:`\\phi^{-1} X^T (w\\mu'(y - \\mu)/V)`."""
        with np.errstate(all="ignore"):
            u = self.w * pt.d1 * (self.y - pt.mu) / pt.var
        out: FloatArray = (1.0 / pt.phi) * colsums(self.X, u)
        return out

    def adjust_beta(self, pt: Point) -> FloatArray:
        kind, X = self.control.type, self.X
        with np.errstate(all="ignore"):
            if kind == "ML":
                return np.zeros(self.p)
            ratio = pt.d2 / pt.d1
            if kind == "MPL_Jeffreys":
                u = 0.5 * pt.hat * (2.0 * ratio - pt.d1var * pt.d1 / pt.var)
                out: FloatArray = 2.0 * self.control.a * colsums(X, u)
                return out
            mean_part = colsums(X, 0.5 * pt.hat * ratio)
            if kind != "AS_median":
                return mean_part
            if pt.inv_unscaled is None:
                raise Failed("singular information")
            inv = pt.inv_unscaled
            xinv = X @ inv  # column j: x_i^T F^{-1} e_j
            hats = xinv * xinv / np.diag(inv) * pt.ww[:, None]
            c = pt.d1 * pt.d1var / (6.0 * pt.var) - 0.5 * ratio
            m = colsums(X, hats * c[:, None])
            b = np.einsum("jk,kj->j", inv, m)
            info_unscaled = pt.r_factor.T @ pt.r_factor
            median: FloatArray = mean_part + info_unscaled @ b
            return median

    def step_beta(self, pt: Point) -> tuple[FloatArray, FloatArray]:
        """(adjusted score, step :math:`\\phi F^{-1}(s + A)`)."""
        if pt.inv_unscaled is None:
            raise Failed("failed to invert the information matrix")
        adjusted = self.score_beta(pt) + self.adjust_beta(pt)
        if np.any(np.isnan(adjusted)):
            raise Failed("failed to calculate score adjustment")
        step: FloatArray = (pt.phi * pt.inv_unscaled) @ adjusted
        return adjusted, step

    # -- the dispersion's step ----------------------------------------------------------------
    def _cumulants(self, phi: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        wk = self.w[self.keep]
        a1, a2, a3 = dispersion_cumulants(self.family, -wk * (1.0 / phi))
        return wk, a1, a2, a3

    def score_phi(self, mu: FloatArray, phi: float) -> float:
        """:math:`\\tfrac12\\phi^{-2}\\sum_i (d_i - w_i a'(\\zeta_i))` over rows of positive weight."""
        wk, a1, _, _ = self._cumulants(phi)
        with np.errstate(all="ignore"):
            dev = self.family.dev_resids(self.y, mu, self.w)[self.keep]
        prec = 1.0 / phi
        return 0.5 * prec * prec * nasum(dev - wk * a1)

    def step_phi(self, pt: Point) -> tuple[float, float, float]:
        """(adjusted score, step, information) of :math:`\\phi`; NaN without a dispersion."""
        if not self.dispersion or self.df_resid < 1:
            return math.nan, math.nan, math.nan
        phi, kind, p = pt.phi, self.control.type, self.p
        wk, _, a2, a3 = self._cumulants(phi)
        s2 = nasum(wk * wk * a2)
        s3 = nasum(wk * wk * wk * a3)
        info = 0.5 * s2 / phi**4
        if kind in ("AS_mean", "correction"):
            adj = (p - 2) / (2 * phi) + s3 / (2 * phi * phi * s2)
        elif kind in ("AS_median", "AS_mixed"):
            adj = p / (2 * phi) + s3 / (6 * phi * phi * s2)
        elif kind == "MPL_Jeffreys":
            adj = 2 * self.control.a * (-(p + 4) / (2 * phi) + s3 / (2 * phi * phi * s2))
        else:
            adj = 0.0
        adjusted = self.score_phi(pt.mu, phi) + adj
        inverse_info = 1.0 / info
        if not math.isfinite(inverse_info):
            raise Failed("failed to invert the information matrix")
        if math.isnan(adjusted):
            raise Failed("failed to calculate score adjustment")
        return adjusted, adjusted * inverse_info, info

    # -- the start -------------------------------------------------------------------------------
    def ml_dispersion(self, beta: FloatArray) -> tuple[float, float]:
        """brglm2's ``estimate_dispersion``: the root of the ML score of :math:`\\phi` in
        :math:`[\\epsilon, 10^4]` by Brent's method to ``tol`` (R's ``uniroot``); (1, 1) without
        a dispersion, (1, NaN) without residual degrees of freedom, (NaN, NaN) when the
        score has no sign change there."""
        if not self.dispersion:
            return 1.0, 1.0
        if self.df_resid <= 0:
            return 1.0, math.nan
        with np.errstate(all="ignore"):
            mu = self.family.link.inverse(self.X @ beta + self.offset)
        root = zeroin(lambda phi: self.score_phi(mu, phi), _EPS, 10000.0, self.control.tol)
        if root is None:
            warn(
                "the ML estimate of the dispersion could not be calculated; an alternative "
                "estimate has been used as starting value",
                DispersionWarning,
            )
            return math.nan, math.nan
        return root, root
