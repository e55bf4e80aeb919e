"""A negative binomial GLM whose :math:`\\theta` was estimated, as ``MASS::glm.nb`` returns it.

:class:`NegBinResult` is a :class:`rglm.models.glm.GLMResult` with the statistics of
:class:`rglm.results.negbin.NegBinStatistics` (:math:`\\hat\\theta`, its standard error,
:math:`2\\ell` and MASS's AIC) and MASS's summary: the dispersion fixed at 1, MASS's call
and the :math:`\\theta` lines (:mod:`rglm.output.negbin`).
"""

from __future__ import annotations

from rglm.fit.negbin import ThetaConvergenceWarning, theta_ml
from rglm.inference.negbin import anova_negbin
from rglm.models.glm import GLMResult
from rglm.output.negbin import negbin_summary
from rglm.output.summary import Summary
from rglm.results.negbin import NegBinInfo, NegBinStatistics

__all__ = ["NegBinInfo", "NegBinResult", "ThetaConvergenceWarning", "anova_negbin", "theta_ml"]


class NegBinResult(GLMResult, NegBinStatistics):
    """A fitted negative binomial GLM with :math:`\\theta` estimated (MASS's ``negbin`` class)."""

    def summary(self) -> Summary:
        """MASS's ``summary.negbin``: ``summary.glm`` with the dispersion 1, MASS's call and
        the :math:`\\theta` lines."""
        return negbin_summary(self)
