"""The statistics of a negative binomial GLM whose :math:`\\theta` was estimated (``MASS::glm.nb``).

:class:`NegBinStatistics` is a :class:`~rglm.results.glm.GLMStatistics` whose family is the
negative binomial of the last IRLS fit, plus what the estimation of :math:`\\theta` added
(:class:`NegBinInfo`).  Its log-likelihood is MASS's :math:`2\\ell/2` and its AIC counts
:math:`\\theta` as a parameter: :math:`-2\\ell + 2\\,\\mathrm{rank} + 2`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from rglm.families.family import Family
from rglm.fit.negbin import ThetaEstimate
from rglm.frame.state import FrameState
from rglm.results.glm import FitState, GLMStatistics

__all__ = ["NegBinInfo", "NegBinStatistics"]


@dataclass(frozen=True)
class NegBinInfo(ThetaEstimate):
    """What ``glm.nb`` adds to a GLM fit: the :class:`~rglm.fit.negbin.ThetaEstimate` of the
    alternation and the rank of the last IRLS fit, from which the AIC follows.

    Attributes
    ----------
    rank : int
        Non-aliased coefficients of the last IRLS fit.
    """

    rank: int = 0

    @property
    def aic(self) -> float:
        """:math:`-2\\ell + 2\\,\\mathrm{rank} + 2` (:math:`\\theta` counts as a parameter)."""
        return -self.twologlik + 2 * self.rank + 2

    @classmethod
    def from_estimate(cls, estimate: ThetaEstimate, rank: int) -> NegBinInfo:
        """The information of a fit of rank ``rank`` whose :math:`\\theta` is ``estimate``."""
        return cls(**dataclasses.asdict(estimate), rank=rank)


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
