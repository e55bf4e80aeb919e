"""A negative binomial GLM whose :math:`\\theta` was estimated, as ``MASS::glm.nb`` returns it.

:class:`NegBinResult` is a :class:`rglm.models.glm.GLMResult` with the statistics of
:class:`rglm.results.negbin.NegBinStatistics` (:math:`\\hat\\theta`, its standard error,
:math:`2\\ell` and MASS's AIC) and MASS's summary: the dispersion fixed at 1, MASS's call
and the :math:`\\theta` lines (:mod:`rglm.output.negbin`).

As ``rglm.negbin`` this module also gathers the negative binomial pieces of the other
layers: the fit (:func:`theta_ml`, :func:`nb_loglik`, :func:`fit_glm_nb`), the printing
(:func:`negbin_call`, :func:`negbin_trailer`, :func:`negbin_summary`) and MASS's
comparison of fits (:func:`anova_negbin`); the entry point is :func:`rglm.glm_nb`.
"""

from __future__ import annotations

from rglm.fit.negbin import (
    THETA_EPS,
    ThetaConvergenceWarning,
    ThetaEstimate,
    ThetaML,
    fit_glm_nb,
    nb_loglik,
    theta_ml,
)
from rglm.inference.negbin import anova_negbin
from rglm.models.glm import GLMResult
from rglm.output.negbin import negbin_call, negbin_summary, negbin_trailer
from rglm.output.summary import Summary
from rglm.results.negbin import NegBinInfo, NegBinStatistics

__all__ = [
    "THETA_EPS",
    "NegBinInfo",
    "NegBinResult",
    "NegBinStatistics",
    "ThetaConvergenceWarning",
    "ThetaEstimate",
    "ThetaML",
    "anova_negbin",
    "fit_glm_nb",
    "nb_loglik",
    "negbin_call",
    "negbin_summary",
    "negbin_trailer",
    "theta_ml",
]


class NegBinResult(GLMResult, NegBinStatistics):
    """A fitted negative binomial GLM with :math:`\\theta` estimated (MASS's ``negbin`` class)."""

    def summary(self) -> Summary:
        """MASS's ``summary.negbin``: ``summary.glm`` with the dispersion 1, MASS's call and
        the :math:`\\theta` lines."""
        return negbin_summary(self)
