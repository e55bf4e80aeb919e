"""The statistics of a bias-reduced GLM fit (R's ``glm(..., method = "brglmFit")``).

:class:`BrglmStatistics` is a :class:`~rglm.results.glm.GLMStatistics` fitted by
:func:`rglm.fit.brglm.brglm_fit`, plus what brglm2 adds (:class:`BrglmInfo`): the estimator
type and brglm2's own dispersion.  As brglm2's ``summary`` passes that dispersion to R's
``summary.glm``, every family gets z tests, and the covariance, the standard errors, the
intervals and ``predict(se_fit=True)`` use :math:`\\hat\\phi_{br}\\,(X^T W X)^{-1}` with
:math:`W` the working weights at the estimate.  The deviance, null deviance and AIC are
brglm2's (the family's AIC at the fitted means: for Gamma, inverse Gaussian and Gaussian
it is evaluated at the dispersion :math:`D/n`, not at :math:`\\hat\\phi_{br}`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from rglm.families.family import Family
from rglm.fit.brglm import BRGLM_TYPES, BrglmControl
from rglm.frame.state import FrameState
from rglm.results.glm import FitState, GLMStatistics

__all__ = ["BrglmInfo", "BrglmStatistics"]


@dataclass(frozen=True)
class BrglmInfo:
    """What a brglm fit adds to a GLM fit.

    Attributes
    ----------
    type : str
        brglm2's estimator (``"AS_mixed"``, ``"AS_mean"``, ``"AS_median"``,
        ``"MPL_Jeffreys"``, ``"correction"``, ``"ML"``).
    dispersion : float
        brglm2's estimate of the dispersion: the root of the dispersion's adjusted score of
        the same type (1 for binomial and Poisson; NaN without residual degrees of freedom).
    dispersion_ml : float
        The ML dispersion at the starting coefficients (brglm2's ``dispersion_ML``).
    a : float
        The power of Jeffreys' prior of ``MPL_Jeffreys``.
    tol, max_iter, slowit, max_step_factor
        The control the fit ran under (brglm2's ``epsilon``, ``maxit``, ``slowit`` and
        ``max_step_factor``).
    """

    type: str
    dispersion: float
    dispersion_ml: float = math.nan
    a: float = 0.5
    tol: float = 1e-6
    max_iter: int = 100
    slowit: float = 1.0
    max_step_factor: int = 12

    def control(self) -> BrglmControl:
        """The control the fit ran under, to refit sub-models as R's ``anova.glm`` does
        (with the fit's ``method`` and ``control``)."""
        return BrglmControl(
            type=self.type,
            tol=self.tol,
            max_iter=self.max_iter,
            a=self.a,
            slowit=self.slowit,
            max_step_factor=self.max_step_factor,
        )

    @property
    def description(self) -> str:
        """What brglm2 prints after the type: e.g. ``(mean bias-reducing adjusted score equations)``."""
        return f"({BRGLM_TYPES[self.type]})"


class BrglmStatistics(GLMStatistics):
    """A GLM fitted by brglm2's adjusted score equations (brglm2's ``brglmFit`` class)."""

    _brglm: BrglmInfo

    def __init__(
        self, fit: FitState, frame: FrameState, family: Family, *, brglm: BrglmInfo, **kwargs: Any
    ) -> None:
        super().__init__(fit, frame, family, **kwargs)
        self.__dict__["_brglm"] = brglm

    def constructor_args(self) -> dict[str, Any]:
        return {**super().constructor_args(), "brglm": self._brglm}

    def __repr__(self) -> str:
        return (
            f"<BrglmResult ({self._brglm.type}): {self.formula}, {self.family!r}, n={self.nobs}, "
            f"deviance={self.deviance:.6g}>"
        )

    @property
    def brglm(self) -> BrglmInfo:
        """The estimator type, brglm2's dispersion and the control of the fit."""
        return self._brglm

    @property
    def type(self) -> str:
        """brglm2's estimator type, e.g. ``"AS_mean"``."""
        return self._brglm.type

    @cached_property
    def dispersion_is_estimated(self) -> bool:
        """False: brglm2's summary treats its dispersion as given, so the tests are z tests."""
        return False

    @cached_property
    def scale(self) -> float:
        """brglm2's dispersion (``summary(fit)$dispersion``): 1 for binomial and Poisson;
        otherwise the root of the dispersion's adjusted score of the fit's type (``AS_mean``:
        mean bias-reduced, for the Gaussian :math:`\\mathrm{RSS}/(n-p)`; ``AS_median`` and
        ``AS_mixed``: median bias-reduced; ``ML``: maximum likelihood), unless fixed by
        ``glm(dispersion=...)``."""
        if self._fixed_dispersion is not None:
            return float(self._fixed_dispersion)
        return self._brglm.dispersion
