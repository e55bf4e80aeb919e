"""The row evaluator of R's loop: every row in memory, :math:`\\sqrt{W}X` solved by QR.

This is the path of R's digits (:class:`rglm.fit.plan.FitPlan` with ``exact``): the
linear predictor in R's order of operations, the working weights and response by R's
expressions (:func:`rglm.fit.working.working`), and the step by the replica of R's LINPACK
QR (:func:`rglm.numerics.linalg.solve_r_exact`), so that iteration counts, coefficients and
the covariance factor are R's to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rglm.families.family import Family
from rglm.fit.working import Working, working
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import Design
from rglm.numerics.linalg import QRStep, WLSFit, WLSStep, solve_r_exact

FloatArray = npt.NDArray[np.float64]

__all__ = ["RowEvaluator", "RowPoint", "deviance", "scale_hint"]


def deviance(family: Family, y: FloatArray, mu: FloatArray, wt: FloatArray) -> float:
    """:math:`\\sum_i d_i(y_i, \\mu_i)`, R's sum of the family's unit deviances."""
    # An overflowing deviance is handled by the loop (step halving, or an error), not warned.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _rmath.rsum(family.dev_resids(y, mu, wt))


@dataclass(eq=False)
class RowPoint:
    """A point of the fit over all rows: :math:`\\eta`, :math:`\\mu` and the deviance; its
    working values are formed when the loop asks for them."""

    eta: FloatArray
    mu: FloatArray
    deviance: float
    family: Family
    _working: Working | None = field(default=None, repr=False)

    @property
    def valid(self) -> bool:
        return bool(self.family.valid_eta(self.eta) and self.family.valid_mu(self.mu))

    @property
    def mu_range(self) -> tuple[float, float]:
        return float(np.min(self.mu, initial=np.inf)), float(np.max(self.mu, initial=-np.inf))


def scale_hint(y: FloatArray, X: Design) -> str:
    """A hint for non-finite deviances caused by extreme magnitudes, which R leaves unexplained."""
    sample = X.rows(np.arange(min(X.shape[0], 10_000)))
    big = max(float(np.nanmax(np.abs(y), initial=0.0)), float(np.nanmax(np.abs(sample), initial=0.0)))
    if big > 1e150:
        return (
            f" (the deviance is not finite: values as large as {big:.3g} overflow when squared; "
            "rescale the response or predictors, e.g. divide by a power of ten)"
        )
    return ""


class RowEvaluator:
    """Points over the rows of ``X`` (see the module docstring).

    Parameters
    ----------
    X : Design
    y, weights : ndarray
        Response and prior weights after the family's ``initialize``.
    offset : ndarray
    family : Family
    etastart, mustart : ndarray, optional
        R's starting values (``mustart`` defaults to the family's ``initialize``).
    solver : WLSStep, optional
        The least-squares step; R's LINPACK QR by default.
    exact : bool
        R's order of operations in :math:`X\\beta` (the plan's choice).
    """

    def __init__(
        self,
        X: Design,
        y: FloatArray,
        weights: FloatArray,
        offset: FloatArray,
        family: Family,
        *,
        mustart: FloatArray,
        etastart: FloatArray | None = None,
        solver: WLSStep | None = None,
        exact: bool = True,
    ) -> None:
        self.X, self.y, self.weights, self.offset, self.family = X, y, weights, offset, family
        self.mustart, self.etastart = mustart, etastart
        self.solver: WLSStep = solver or QRStep(solve_r_exact)
        self.exact = exact

    @property
    def n_coef(self) -> int:
        return int(self.X.shape[1])

    def _point(self, eta: FloatArray) -> RowPoint:
        mu = self.family.link.inverse(eta)
        return RowPoint(eta, mu, deviance(self.family, self.y, mu, self.weights), self.family)

    def start(self, coef: FloatArray | None) -> tuple[RowPoint, FloatArray | None]:
        """R's start: ``etastart``, else :math:`X\\beta_0 + o` from ``start``, else :math:`g(\\mu_0)`."""
        if self.etastart is not None:
            return self._point(self.etastart), None
        if coef is not None:
            return self._point(self.offset + self.X.matvec(coef, exact=self.exact)), coef.copy()
        with np.errstate(all="ignore"):
            eta = self.family.link.link(self.mustart)
        return self._point(eta), None

    def at(self, coef: FloatArray, label: str) -> RowPoint:
        return self._point(self.X.matvec(coef, exact=self.exact) + self.offset)

    def working(self, e: RowPoint) -> Working:
        """R's working weights and response at ``e`` (formed once)."""
        if e._working is None:
            e._working = working(self.family, self.y, self.weights, e.eta, e.mu, self.offset)
        return e._working

    def checks(self, e: RowPoint) -> Working:
        return self.working(e)

    def solve(self, e: RowPoint, tol: float, iteration: int) -> WLSFit:
        wk = self.working(e)
        good = np.ones(self.y.size, dtype=bool) if wk.good is None else wk.good
        return self.solver(self.X, good, np.sqrt(wk.W[good]), wk.z, tol)

    def divergence_hint(self) -> str:
        return scale_hint(self.y, self.X)

    def working_weights(self, e: RowPoint) -> FloatArray:
        """R's ``wt`` after the loop: :math:`(\\sqrt{W_i})^2` on the good rows of ``e``, 0 elsewhere."""
        wk = self.working(e)
        w = np.sqrt(wk.W)
        return w * w

    def working_residuals(self, e: RowPoint) -> FloatArray:
        """:math:`(y_i - \\mu_i)\\, d\\eta/d\\mu` at ``e``."""
        with np.errstate(all="ignore"):
            return np.asarray((self.y - e.mu) / self.family.link.mu_eta(e.eta), dtype=np.float64)
