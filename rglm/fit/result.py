"""What a GLM fit hands to its result: :class:`GLMFit`, and its in-memory form :class:`IRLSFit`.

A fit over rows held in memory keeps every per-row array (:class:`IRLSFit`); a fit over
chunked files or Dask partitions keeps sums only (:class:`rglm.fit.passes.PassFit`, whose
per-row arrays raise :class:`rglm.exceptions.OutOfCoreError`).  Both satisfy
:class:`GLMFit`, the one type the statistics are computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from rglm.numerics import rmath as _rmath
from rglm.numerics.linalg import WLSFit

FloatArray = npt.NDArray[np.float64]

__all__ = ["GLMFit", "IRLSFit"]


class GLMFit(Protocol):
    """The state of a converged (or last) GLM fit, in memory or out of core.

    The per-row members (``eta`` to ``working_residuals``) exist for fits in memory; an
    out-of-core fit raises :class:`rglm.exceptions.OutOfCoreError` for them.
    """

    @property
    def coef(self) -> FloatArray: ...

    @property
    def wls(self) -> WLSFit | None: ...

    @property
    def deviance(self) -> float: ...

    @property
    def aic(self) -> float: ...

    @property
    def iterations(self) -> int: ...

    @property
    def converged(self) -> bool: ...

    @property
    def boundary(self) -> bool: ...

    @property
    def deviance_trace(self) -> tuple[float, ...]: ...

    @property
    def rank(self) -> int: ...

    @property
    def aliased(self) -> npt.NDArray[np.bool_]: ...

    @property
    def n_ok(self) -> int: ...

    @property
    def n_rows(self) -> int: ...

    @property
    def working_rss(self) -> float: ...

    @property
    def eta(self) -> FloatArray: ...

    @property
    def mu(self) -> FloatArray: ...

    @property
    def y(self) -> FloatArray: ...

    @property
    def prior_weights(self) -> FloatArray: ...

    @property
    def trials(self) -> FloatArray: ...

    @property
    def working_weights(self) -> FloatArray: ...

    @property
    def working_residuals(self) -> FloatArray: ...


@dataclass(frozen=True)
class IRLSFit:
    """The converged (or last) state of IRLS over rows held in memory.

    Attributes
    ----------
    coef : ndarray
        Coefficients, NaN for aliased columns.
    eta, mu : ndarray
        Linear predictor (offset included) and fitted means.
    y, prior_weights, trials : ndarray
        Response, prior weights and binomial trials as the family's ``initialize`` left them.
    working_weights : ndarray
        :math:`W_i` of the last least-squares step (0 for rows that took no part).
    working_residuals : ndarray
        :math:`(y_i - \\mu_i)\\, d\\eta/d\\mu` at the final :math:`\\mu`.
    wls : WLSFit or None
        The last least-squares solution (its R factor gives the covariance).
    deviance, aic : float
    iterations : int
    converged, boundary : bool
    start_method : str
        ``"R"`` (R's starting values), or ``"intercept-only"`` when R's start left the
        family's domain and the fit was restarted from the intercept-only mean.
    """

    coef: FloatArray
    eta: FloatArray
    mu: FloatArray
    y: FloatArray
    prior_weights: FloatArray
    trials: FloatArray
    working_weights: FloatArray
    working_residuals: FloatArray
    wls: WLSFit | None
    deviance: float
    aic: float
    iterations: int
    converged: bool
    boundary: bool
    deviance_trace: tuple[float, ...] = field(default=())
    start_method: str = "R"

    @property
    def rank(self) -> int:
        return 0 if self.wls is None else self.wls.rank

    @property
    def aliased(self) -> npt.NDArray[np.bool_]:
        return np.isnan(self.coef)

    @property
    def n_ok(self) -> int:
        """Rows with non-zero prior weight."""
        return int(np.sum(self.prior_weights != 0))

    @property
    def n_rows(self) -> int:
        """All rows of the fit, zero weights included."""
        return int(self.y.shape[0])

    @property
    def working_rss(self) -> float:
        """:math:`\\sum_{i: W_i > 0} W_i r_i^2`, working weights times squared working residuals
        (the numerator of R's dispersion estimate)."""
        w, r = self.working_weights, self.working_residuals
        return _rmath.rsum((w * r * r)[w > 0])
