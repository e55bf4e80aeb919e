"""What a GLM fit hands to its result: :class:`GLMFit`, and its in-memory form :class:`IRLSFit`.

A fit over rows held in memory offers every per-row array (:class:`IRLSFit`): a small fit
holds them, a large one recomputes them from its coefficients when asked, so that the
model holds no array the size of the data of its own; a fit over chunked files or Dask
partitions keeps sums only (:class:`PassFit`, whose
per-row arrays raise :class:`rglm.exceptions.OutOfCoreError`).  Both satisfy
:class:`GLMFit`, the one type the statistics are computed from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from rglm.exceptions import OutOfCoreError
from rglm.numerics import rmath as _rmath
from rglm.numerics.linalg import WLSFit

if TYPE_CHECKING:
    from rglm.fit.accumulate import Point

FloatArray = npt.NDArray[np.float64]

__all__ = ["GLMFit", "IRLSFit", "PassFit", "PerRow", "RowArrays", "working_rss"]


class PerRow(Protocol):
    """The per-row values of a fit in memory and the numbers made from them: held as arrays
    (:class:`RowArrays`), or recomputed from the coefficients when asked
    (:class:`rglm.fit.block_rows.BlockRows`, large fits)."""

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

    @property
    def aic(self) -> float: ...

    @property
    def n_ok(self) -> int: ...

    @property
    def n_rows(self) -> int: ...

    @property
    def working_rss(self) -> float: ...


class GLMFit(PerRow, Protocol):
    """The state of a converged (or last) GLM fit, in memory or out of core.

    The per-row members (those of :class:`PerRow`, ``eta`` to ``working_residuals``) exist
    for fits in memory; an out-of-core fit raises :class:`rglm.exceptions.OutOfCoreError`
    for them.
    """

    @property
    def coef(self) -> FloatArray: ...

    @property
    def wls(self) -> WLSFit | None: ...

    @property
    def deviance(self) -> float: ...

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


@dataclass(frozen=True)
class RowArrays:
    """Per-row values held as arrays (fits on R's path keep them: they are its by-products).

    Attributes
    ----------
    eta, mu : ndarray
        Linear predictor (offset included) and fitted means.
    y, prior_weights, trials : ndarray
        Response, prior weights and binomial trials as the family's ``initialize`` left them.
    working_weights : ndarray
        :math:`W_i` of the last least-squares step (0 for rows that took no part).
    working_residuals : ndarray
        :math:`(y_i - \\mu_i)\\, d\\eta/d\\mu` at the final :math:`\\mu`.
    aic : float
        R's AIC of the fit.
    """

    eta: FloatArray
    mu: FloatArray
    y: FloatArray
    prior_weights: FloatArray
    trials: FloatArray
    working_weights: FloatArray
    working_residuals: FloatArray
    aic: float

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
        return working_rss(self.working_weights, self.working_residuals)


def working_rss(w: FloatArray, r: FloatArray) -> float:
    """:math:`\\sum_{i: W_i > 0} W_i r_i^2` (R's dispersion sum) of whole arrays."""
    return _rmath.rsum((w * r * r)[w > 0])


@dataclass(frozen=True)
class IRLSFit:
    """The converged (or last) state of IRLS over rows held in memory.

    Attributes
    ----------
    coef : ndarray
        Coefficients, NaN for aliased columns.
    rows : PerRow
        The per-row values (``eta``, ``mu``, ``y``, ``prior_weights``, ``trials``,
        ``working_weights``, ``working_residuals``, offered as attributes of the fit) and the
        AIC: held (:class:`RowArrays`) or recomputed when asked (a large fit holds no
        array of its own, :class:`rglm.fit.block_rows.BlockRows`).
    wls : WLSFit or None
        The last least-squares solution (its R factor gives the covariance).
    deviance : float
    iterations : int
    converged, boundary : bool
    start_method : str
        ``"R"`` (R's starting values), or ``"intercept-only"`` when R's start left the
        family's domain and the fit was restarted from the intercept-only mean.
    """

    coef: FloatArray
    rows: PerRow
    wls: WLSFit | None
    deviance: float
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
    def aic(self) -> float:
        return self.rows.aic

    @property
    def eta(self) -> FloatArray:
        """Linear predictor (offset included)."""
        return self.rows.eta

    @property
    def mu(self) -> FloatArray:
        """Fitted means."""
        return self.rows.mu

    @property
    def y(self) -> FloatArray:
        """The response as the family's ``initialize`` left it."""
        return self.rows.y

    @property
    def prior_weights(self) -> FloatArray:
        return self.rows.prior_weights

    @property
    def trials(self) -> FloatArray:
        return self.rows.trials

    @property
    def working_weights(self) -> FloatArray:
        """:math:`W_i` of the last least-squares step (0 for rows that took no part)."""
        return self.rows.working_weights

    @property
    def working_residuals(self) -> FloatArray:
        """:math:`(y_i - \\mu_i)\\, d\\eta/d\\mu` at the final :math:`\\mu`."""
        return self.rows.working_residuals

    @property
    def n_ok(self) -> int:
        """Rows with non-zero prior weight."""
        return self.rows.n_ok

    @property
    def n_rows(self) -> int:
        """All rows of the fit, zero weights included."""
        return self.rows.n_rows

    @property
    def working_rss(self) -> float:
        """:math:`\\sum_{i: W_i > 0} W_i r_i^2`, working weights times squared working residuals
        (the numerator of R's dispersion estimate)."""
        return self.rows.working_rss


def _not_held(name: str) -> Any:
    def getter(self: PassFit) -> Any:
        raise OutOfCoreError(
            f"{name} is not held for a model fitted to chunked or Dask data: its rows were never all "
            "in memory. "
            "Per-row values are available chunk by chunk with m.iter_rows(...) (fitted values, residuals, "
            "working weights) or written to Parquet with m.predict_to(path)"
        )

    return property(getter)


@dataclass(frozen=True)
class PassFit:
    """The fit of :func:`irls_passes` plus the end-of-fit sums: what :class:`rglm.GLMResult`
    needs from an :class:`rglm.fit.irls.IRLSFit`, without the per-row arrays (asking for those
    raises :class:`rglm.exceptions.OutOfCoreError`)."""

    coef: FloatArray
    wls: WLSFit
    deviance: float
    aic: float
    iterations: int
    converged: bool
    boundary: bool
    n_rows: int
    n_ok: int
    working_rss: float
    pearson_chi2: float
    null_deviance: float = math.nan
    deviance_trace: tuple[float, ...] = field(default=())
    passes: int = 0
    weights_point: Point | None = None

    eta = _not_held("eta (the linear predictors)")
    mu = _not_held("mu (the fitted values)")
    y = _not_held("y (the response)")
    prior_weights = _not_held("prior_weights")
    trials = _not_held("trials")
    working_weights = _not_held("working_weights")
    working_residuals = _not_held("working_residuals")

    @property
    def rank(self) -> int:
        return self.wls.rank

    @property
    def aliased(self) -> npt.NDArray[np.bool_]:
        return np.isnan(self.coef)
