"""The exponential family: Gamma's variance and IRLS with the dispersion fixed at 1.

R's ``glm()`` has no exponential family; this is ``Gamma(link)`` with the exponential
distribution's likelihood, which makes ``glm`` agree with
``survival::survreg(Surv(y) ~ x, dist = "exponential")`` (log link) at the optimum.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rglm.families.family import _FAMILIES, AICTotals, Gamma
from rglm.numerics import rmath as _rmath

FloatArray = npt.NDArray[np.float64]

__all__ = ["Exponential"]


class Exponential(Gamma):
    r"""Exponential errors: :math:`f(y; \mu) = \mu^{-1} e^{-y/\mu}`, :math:`V(\mu) = \mu^2`,
    dispersion fixed at 1.

    The exponential is the Gamma distribution with shape 1, so the variance function, unit
    deviances :math:`d_i = 2 w_i(-\log(y_i/\mu_i) + (y_i - \mu_i)/\mu_i)`, starting values
    (:math:`\mu = y`) and IRLS iterations are Gamma's.  What differs is that nothing is
    estimated beyond the coefficients:

    * the dispersion is 1, so standard errors are :math:`\sqrt{\mathrm{diag}(X^\top W X)^{-1}}`
      and the tests are z tests;
    * the log-likelihood is :math:`\ell = \sum_i w_i(-\log\mu_i - y_i/\mu_i)`, R's
      ``sum(w * dexp(y, 1/mu, log = TRUE))``, with :math:`k` = rank parameters, so
      AIC :math:`= -2\ell + 2k` and BIC :math:`= -2\ell + k\log n`.

    Parameters
    ----------
    link : {"log", "inverse", "identity"} or Link, default "log"
        The log link gives survreg's exponential model, :math:`\log\mu = x^\top\beta`.
    """

    name = "Exponential"
    default_link = "log"
    fixed_dispersion = True
    ll_extra_params = 0
    _nonpositive = "non-positive values not allowed for the 'Exponential' family"

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        """:math:`-2\\sum_i w_i \\log f(y_i; \\mu_i)` over these rows (zero weights add 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = -_rmath.log(mu) - y / mu
            terms = np.where(wt == 0, 0.0, ll * wt)
        return -2.0 * _rmath.rsum(terms)

    def aic_whole(self, rows: float, totals: AICTotals) -> float:
        """No dispersion parameter to count: the AIC is the sum over rows (R adds 2 rank)."""
        return rows

    def r_call(self) -> str:
        return f'Exponential(link = "{self.link.name}")'


# R's name for get_family("exponential") (and the command line's --family): registered here,
# beside the class, because family.py is below this module.
_FAMILIES["exponential"] = Exponential
