"""The statistics of a beta regression (R's ``betareg``): estimates, likelihood, residuals.

The parameters are the mean coefficients :math:`\\beta` then the precision coefficients
:math:`\\gamma`, named as ``coef(betareg)``: ``(phi)`` for a constant precision with the
identity link, else ``(phi)_`` and the precision model's column names.  The covariance is
betareg's default, the inverse of the analytic expected information (see
:mod:`rglm.fit.betareg`).  ``nobs`` counts the rows with positive weight and BIC uses it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from rglm.exceptions import ArgumentError
from rglm.families.links import Link
from rglm.fit.betareg import BetaFit, BetaParts
from rglm.frame.parts import PartsFrame
from rglm.results.core import ResultCore

FloatArray = npt.NDArray[np.float64]

__all__ = ["RESIDUAL_TYPES", "BetaregStatistics"]

RESIDUAL_TYPES = ("sweighted2", "deviance", "pearson", "response", "weighted", "sweighted", "quantile")


def weighted_cor(x: FloatArray, y: FloatArray, w: FloatArray) -> float:
    """The correlation of ``x`` and ``y`` with weights ``w`` (rows with :math:`w > 0`),
    as betareg's pseudo R-squared computes it."""
    keep = w > 0
    x, y, ww = x[keep], y[keep], w[keep] / np.sum(w[keep])
    x = x - np.sum(ww * x)
    x = x / math.sqrt(float(np.sum(ww * x**2)))
    y = y - np.sum(ww * y)
    y = y / math.sqrt(float(np.sum(ww * y**2)))
    return float(np.sum(ww * x * y))


class BetaregStatistics(ResultCore):
    """A beta regression fit: the hooks of the result core plus betareg's statistics."""

    fit: BetaFit
    frame: PartsFrame
    link: Link
    link_phi: Link
    formula: str
    data_name: str
    _call: dict[str, Any]

    def __init__(
        self,
        fit: BetaFit,
        frame: PartsFrame,
        link: Link,
        link_phi: Link,
        *,
        formula: str = "",
        data_name: str = "data",
        call: dict[str, Any] | None = None,
    ) -> None:
        d = self.__dict__
        d["fit"], d["frame"], d["link"], d["link_phi"] = fit, frame, link, link_phi
        d["formula"], d["data_name"], d["_call"] = formula, data_name, dict(call or {})

    def __repr__(self) -> str:
        links = f"link={self.link.name}, link_phi={self.link_phi.name}"
        return f"<BetaregResult: {self.formula}, {links}, n={self.nobs}>"

    # -- the core's hooks --------------------------------------------------------------------------
    @property
    def mean_names(self) -> list[str]:
        """Names of the mean coefficients (the mean model's columns)."""
        return list(self.frame.parts[0].spec.column_names)

    @property
    def precision_terms(self) -> list[str]:
        """The precision model's column names."""
        return list(self.frame.parts[1].spec.column_names)

    @property
    def phi_constant(self) -> bool:
        """Whether the precision model is an intercept only (betareg's ``phi_const``)."""
        Z = self.frame.design(1)
        return Z.shape[1] == 1 and bool(np.all(Z[:, 0] == 1.0))

    @property
    def precision_names(self) -> list[str]:
        """``(phi)`` for a constant precision with the identity link, else ``(phi)_<column>``."""
        if self.phi_constant and self.link_phi.name == "identity":
            return ["(phi)"]
        return [f"(phi)_{n}" for n in self.precision_terms]

    @property
    def param_names(self) -> list[str]:
        return self.mean_names + self.precision_names

    def param_vector(self) -> FloatArray:
        return np.array(self.fit.coef, dtype=np.float64)

    def vcov_matrix(self) -> FloatArray:
        return np.array(self.fit.vcov, dtype=np.float64)

    @property
    def nobs(self) -> int:
        """Observations with positive weight (betareg's ``nobs``)."""
        return int(np.sum(self.frame.weights > 0))

    @property
    def n_params(self) -> int:
        return int(self.fit.coef.size)

    @property
    def df_resid(self) -> int:
        return self.nobs - self.n_params

    @property
    def llf(self) -> float:
        return float(self.fit.loglik)

    @property
    def label(self) -> str:
        return self.formula

    def param_groups(self) -> Mapping[str, list[str]]:
        return {
            "Coefficients (mean model)": self.mean_names,
            "Phi coefficients (precision model)": self.precision_names,
        }

    def glance_row(self) -> dict[str, Any]:
        return {"pseudo.r.squared": self.pseudo_rsquared, **super().glance_row()}

    # -- fit information ---------------------------------------------------------------------------
    @property
    def iterations(self) -> int:
        """Fisher scoring iterations to the maximum."""
        return self.fit.iterations

    @property
    def converged(self) -> bool:
        return self.fit.converged

    @property
    def call(self) -> dict[str, Any]:
        """The arguments of the fitting call (a copy)."""
        return dict(self._call)

    @property
    def parts(self) -> BetaParts:
        """:math:`\\eta, \\zeta, \\mu, \\phi` at the estimate."""
        return self.fit.parts

    @cached_property
    def pseudo_rsquared(self) -> float:
        """betareg's pseudo :math:`R^2`: the squared correlation of :math:`\\eta` (offset
        included) with :math:`g(y)`, weighted by the prior weights (betareg 3.2); NaN when
        either is constant (R's NA, e.g. an intercept-only mean model)."""
        w, eta, gy = self.frame.weights, self.parts.eta, self.link.link(self.frame.y)
        keep = w > 0
        if np.var(eta[keep]) * np.var(special.logit(self.frame.y[keep])) <= 0:
            return math.nan
        return weighted_cor(eta, gy, w) ** 2

    @property
    def fittedvalues(self) -> pd.Series:
        """Fitted means :math:`\\hat\\mu` (R's ``fitted``)."""
        return self.frame.rows.pad(self.parts.mu.copy(), "fitted")

    @property
    def precision(self) -> pd.Series:
        """Fitted precisions :math:`\\hat\\phi`."""
        return self.frame.rows.pad(self.parts.phi.copy(), "precision")

    @cached_property
    def hatvalues_array(self) -> FloatArray:
        """Hat values of the mean model (Ferrari & Cribari-Neto 2004):
        :math:`h_i = W_i x_i^\\top(X^\\top W X)^{-1}x_i`, :math:`W = w\\phi(\\psi'(\\mu\\phi) +
        \\psi'((1-\\mu)\\phi))\\,\\dot\\mu^2`."""
        p, X = self.parts, self.frame.design(0)
        W = (
            self.frame.weights
            * p.phi
            * (special.polygamma(1, p.mu * p.phi) + special.polygamma(1, (1 - p.mu) * p.phi))
            * self.link.mu_eta(p.eta) ** 2
        )
        A = np.linalg.solve(X.T @ (W[:, None] * X), X.T)
        out: FloatArray = W * np.einsum("ij,ji->i", X, A)
        return out

    def resid_array(self, type: str = "sweighted2") -> FloatArray:
        """The residuals of ``residuals.betareg(type)`` for the rows used; with
        :math:`y^* = \\mathrm{logit}\\,y`, :math:`\\mu^* = \\psi(\\mu\\phi) - \\psi((1-\\mu)\\phi)`,
        :math:`v = \\psi'(\\mu\\phi) + \\psi'((1-\\mu)\\phi)`:

        * ``response``: :math:`y - \\mu`;
        * ``pearson``: :math:`\\sqrt{w}(y-\\mu)/\\sqrt{\\mu(1-\\mu)/(1+\\phi)}`;
        * ``deviance``: :math:`\\sqrt{w}\\,\\mathrm{sign}(y-\\mu)\\sqrt{2|\\ell_i(y) - \\ell_i(\\mu)|}`,
          :math:`\\ell_i(m)` the log-density at mean :math:`m` and precision :math:`\\phi_i`;
        * ``weighted``: :math:`\\sqrt{w}(y^*-\\mu^*)/\\sqrt{\\phi v}`;
        * ``sweighted``: :math:`\\sqrt{w}(y^*-\\mu^*)/\\sqrt{v}`;
        * ``sweighted2``: :math:`\\sqrt{w}(y^*-\\mu^*)/\\sqrt{v(1-h)}` with the mean model's hat
          values :math:`h` (Espinheira et al. 2008);
        * ``quantile``: :math:`\\sqrt{w}\\,\\Phi^{-1}(F(y; \\mu\\phi, (1-\\mu)\\phi))`, deterministic
          for a continuous response (Dunn & Smyth 1996; betareg 3.2's default).
        """
        if type not in RESIDUAL_TYPES:
            raise ArgumentError(f"type must be one of {', '.join(RESIDUAL_TYPES)}, got {type!r}")
        y, w, p = self.frame.y, self.frame.weights, self.parts
        mu, phi = p.mu, p.phi
        sw = np.sqrt(w)
        if type == "response":
            diff: FloatArray = y - mu
            return diff
        if type == "pearson":
            out: FloatArray = sw * (y - mu) / np.sqrt(mu * (1 - mu) / (1 + phi))
            return out
        if type == "deviance":

            def ll(m: FloatArray) -> FloatArray:
                res: FloatArray = (
                    special.gammaln(phi)
                    - special.gammaln(m * phi)
                    - special.gammaln((1 - m) * phi)
                    + (m * phi - 1) * np.log(y)
                    + ((1 - m) * phi - 1) * np.log1p(-y)
                )
                return res

            out = sw * np.sign(y - mu) * np.sqrt(2 * np.abs(ll(y) - ll(mu)))
            return out
        if type == "quantile":
            out = sw * special.ndtri(stats.beta.cdf(y, mu * phi, (1 - mu) * phi))
            return out
        res = special.logit(y) - (special.digamma(mu * phi) - special.digamma((1 - mu) * phi))
        v = special.polygamma(1, mu * phi) + special.polygamma(1, (1 - mu) * phi)
        if type == "weighted":
            out = sw * res / np.sqrt(phi * v)
        elif type == "sweighted":
            out = sw * res / np.sqrt(v)
        else:
            out = sw * res / np.sqrt(v * (1 - self.hatvalues_array))
        return out

    def resid(self, type: str = "sweighted2") -> pd.Series:
        """Residuals of ``type`` (see :meth:`resid_array`) on the caller's row labels; the
        default is betareg's ``sweighted2`` (betareg 3.2 defaults to ``quantile``)."""
        return self.frame.rows.pad(self.resid_array(type), f"resid_{type}")

    def hatvalues(self) -> pd.Series:
        """The mean model's hat values (see :attr:`hatvalues_array`)."""
        return self.frame.rows.pad(self.hatvalues_array.copy(), "hat")
