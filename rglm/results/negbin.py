"""The statistics of a negative binomial GLM whose :math:`\\theta` was estimated (``MASS::glm.nb``).

:class:`NegBinStatistics` is a :class:`~rglm.results.glm.GLMStatistics` whose family is the
negative binomial of the last IRLS fit, plus what the estimation of :math:`\\theta` added
(:class:`NegBinInfo`).  Its log-likelihood is MASS's :math:`2\\ell/2` and its AIC counts
:math:`\\theta` as a parameter: :math:`-2\\ell + 2\\,\\mathrm{rank} + 2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from rglm.families.family import Family
from rglm.fit.negbin import ThetaEstimate
from rglm.frame.state import FrameState
from rglm.results.glm import FitState, GLMStatistics

__all__ = ["NegBinInfo", "NegBinStatistics"]


@dataclass(frozen=True)
class NegBinInfo:
    """What ``glm.nb`` adds to a GLM fit.

    Attributes
    ----------
    theta, theta_se : float
        :math:`\\hat\\theta` and its standard error (from the last ``theta.ml``).
    twologlik : float
        :math:`2\\ell(\\hat\\beta, \\hat\\theta)`.
    aic : float
        :math:`-2\\ell + 2\\,\\mathrm{rank} + 2` (:math:`\\theta` counts as a parameter).
    warning : str or None
        MASS's ``th.warn``: the last ``theta.ml`` warning or "alternation limit reached".
    alternations : int
        Rounds of (IRLS fit, :math:`\\theta` estimate) after the initial fit.
    init_theta : float or None
        The ``init_theta`` the fit was started from, if any.
    """

    theta: float
    theta_se: float
    twologlik: float
    aic: float
    warning: str | None
    alternations: int
    init_theta: float | None = None

    @classmethod
    def from_estimate(cls, estimate: ThetaEstimate, rank: int) -> NegBinInfo:
        """The information of a fit of rank ``rank`` whose :math:`\\theta` is ``estimate``."""
        return cls(
            theta=estimate.theta,
            theta_se=estimate.theta_se,
            twologlik=estimate.twologlik,
            aic=-estimate.twologlik + 2 * rank + 2,
            warning=estimate.warning,
            alternations=estimate.alternations,
            init_theta=estimate.init_theta,
        )


class NegBinStatistics(GLMStatistics):
    """A GLM with :math:`\\theta` estimated by maximum likelihood (MASS's ``negbin`` class)."""

    _negbin: NegBinInfo

    def __init__(
        self, fit: FitState, frame: FrameState, family: Family, *, negbin: NegBinInfo, **kwargs: Any
    ) -> None:
        super().__init__(fit, frame, family, **kwargs)
        self.__dict__["_negbin"] = negbin

    def constructor_args(self) -> dict[str, Any]:
        return {**super().constructor_args(), "negbin": self._negbin}

    @property
    def negbin(self) -> NegBinInfo:
        """What the estimation of :math:`\\theta` added."""
        return self._negbin

    @property
    def theta(self) -> float:
        """MASS's estimate :math:`\\hat\\theta`."""
        return self._negbin.theta

    @property
    def theta_se(self) -> float:
        """Standard error of :math:`\\hat\\theta` (from its observed information, as MASS)."""
        return self._negbin.theta_se

    @property
    def twologlik(self) -> float:
        """:math:`2\\ell` (MASS's ``twologlik``)."""
        return self._negbin.twologlik

    @property
    def n_params(self) -> int:
        """The coefficients and :math:`\\theta`."""
        return self.rank + 1

    @cached_property
    def aic(self) -> float:
        """MASS's :math:`-2\\ell + 2\\,\\mathrm{rank} + 2`."""
        return self._negbin.aic

    @cached_property
    def llf(self) -> float:
        """:math:`\\ell` = ``twologlik / 2``."""
        return self._negbin.twologlik / 2
