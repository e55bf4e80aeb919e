"""The statistics of a proportional-odds fit (``MASS::polr``) on the result core.

The flat parameter vector is R's ``c(coef(fit), fit$zeta)``: the coefficients
:math:`\\beta` (one per model-matrix column, the intercept dropped; NaN for an aliased
column) then the thresholds :math:`\\zeta`, named ``"a|b"`` after the two levels they
separate.  Its covariance is the inverse observed information in that order, R's
``vcov(polr)``.  ``params`` holds :math:`\\beta` alone (R's ``coef(polr)``) and ``zeta`` the
thresholds; ``bse``, ``tvalues``, ``pvalues``, ``cov_params()``, the coefficient table and
the Wald intervals run over both.

MASS's counts: ``nobs`` is the sum of the case weights, ``edf`` the estimated coefficients
plus the :math:`K - 1` thresholds, the residual df ``nobs - edf``, the deviance
:math:`-2\\ell`, AIC :math:`-2\\ell + 2\\,\\mathrm{edf}` and BIC
:math:`-2\\ell + \\log(\\mathrm{nobs})\\,\\mathrm{edf}`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import DataError
from rglm.fit.polr import PolrFit, cell_probabilities
from rglm.frame.categorical import CategoricalResponse
from rglm.frame.model_frame import FrameSpec, ModelFrame
from rglm.numerics.design import Design
from rglm.results.core import ResultCore, computed_once

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

__all__ = ["PolrStatistics", "beta_columns"]


def beta_columns(spec: FrameSpec) -> IntArray:
    """The model matrix's columns other than the intercept (MASS drops it: the thresholds
    take its place)."""
    skip = spec.intercept_column
    return np.array([j for j in range(len(spec.column_names)) if j != skip], dtype=np.intp)


class PolrStatistics(ResultCore):
    """A fitted cumulative link model: the core's hooks and MASS's figures.

    Parameters
    ----------
    fit : PolrFit
        The solver's result, over the columns kept (not aliased).
    frame : ModelFrame
        The rows fitted and the recipe of the model matrix.
    response : CategoricalResponse
        The response and its levels, in order.
    method : str
        MASS's ``method``.
    kept : ndarray of bool
        Which model-matrix columns (the intercept excluded) were estimated.
    codes : ndarray of int
        Each row's level, 0 .. K - 1.
    control : (float, int)
        The tolerance and iteration limit of the fit (for refits such as profiles).
    formula, call, data_name
        What the printed call shows.
    """

    _fit: PolrFit
    _frame: ModelFrame
    _response: CategoricalResponse
    method: str
    _kept: BoolArray
    _codes: IntArray
    control: tuple[float, int]
    formula: str
    call: dict[str, Any]
    data_name: str

    def __init__(
        self,
        fit: PolrFit,
        frame: ModelFrame,
        response: CategoricalResponse,
        *,
        method: str,
        kept: BoolArray,
        codes: IntArray,
        control: tuple[float, int] = (1e-8, 100),
        formula: str = "",
        call: dict[str, Any] | None = None,
        data_name: str = "data",
    ) -> None:
        self.__dict__.update(
            _fit=fit,
            _frame=frame,
            _response=response,
            method=method,
            _kept=np.asarray(kept, dtype=bool),
            _codes=np.asarray(codes, dtype=np.intp),
            control=control,
            formula=formula,
            call=dict(call or {}),
            data_name=data_name,
        )

    def constructor_args(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this result around the same fit."""
        return {
            "method": self.method,
            "kept": self._kept,
            "codes": self._codes,
            "control": self.control,
            "formula": self.formula,
            "call": self.call,
            "data_name": self.data_name,
        }

    def _replace(self, **changes: Any) -> Any:
        """A new result sharing this one's fit, with some constructor arguments changed."""
        return type(self)(self._fit, self._frame, self._response, **{**self.constructor_args(), **changes})

    # -- what the model is ------------------------------------------------------------------------
    @property
    def fit(self) -> PolrFit:
        """The solver's result (arrays)."""
        return self._fit

    @property
    def model_frame(self) -> ModelFrame:
        """The rows fitted, as arrays."""
        return self._frame

    @property
    def spec(self) -> FrameSpec:
        return self._frame.spec

    @property
    def response(self) -> CategoricalResponse:
        return self._response

    @property
    def levels(self) -> list[str]:
        """The response levels in order, as R prints them (``fit$lev``)."""
        return list(self._response.labels)

    @property
    def kept(self) -> BoolArray:
        """Which coefficients were estimated (False: aliased, NaN in ``params``)."""
        out: BoolArray = self._kept.copy()
        return out

    @property
    def codes(self) -> IntArray:
        """Each row's level, 0 .. K - 1."""
        out: IntArray = self._codes.copy()
        return out

    def kept_design(self) -> Design:
        """The model matrix of the estimated coefficients (no intercept, no aliased column)."""
        return self._frame.design.columns(beta_columns(self._frame.spec)[self._kept])

    @property
    def coef_names(self) -> list[str]:
        """The model matrix's columns without the intercept: the names of ``params``."""
        spec = self._frame.spec
        return [spec.column_names[j] for j in beta_columns(spec)]

    @property
    def zeta_names(self) -> list[str]:
        """``"a|b"`` for each pair of neighbouring levels."""
        lab = self.levels
        return [f"{a}|{b}" for a, b in zip(lab[:-1], lab[1:], strict=True)]

    @property
    def label(self) -> str:
        return self.formula

    # -- hooks ------------------------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        return self.coef_names + self.zeta_names

    def _beta_full(self) -> FloatArray:
        out = np.full(self._kept.size, np.nan)
        out[self._kept] = self._fit.beta
        return out

    def param_vector(self) -> FloatArray:
        out: FloatArray = np.r_[self._beta_full(), self._fit.zeta]
        return out

    def vcov_matrix(self) -> FloatArray:
        idx = np.r_[np.flatnonzero(self._kept), self._kept.size + np.arange(self._fit.zeta.size)]
        k = self._kept.size + self._fit.zeta.size
        out = np.full((k, k), np.nan)
        out[np.ix_(idx, idx)] = self._fit.vcov
        return out

    @cached_property
    def _weight_sum(self) -> float:
        return float(np.sum(self._frame.weights))

    @property
    def nobs(self) -> int:
        """The sum of the case weights (MASS's ``nobs``); an integer when it is whole."""
        n = self._weight_sum
        return int(n) if n.is_integer() else n  # type: ignore[return-value]

    @property
    def n_rows(self) -> int:
        """Rows of data used in the fit."""
        return self._frame.n_used

    @property
    def edf(self) -> int:
        """Estimated coefficients plus thresholds."""
        return int(np.sum(self._kept)) + self._fit.zeta.size

    @property
    def df_resid(self) -> int:
        """``nobs - edf``, as MASS's ``df.residual``."""
        return self.nobs - self.edf

    @cached_property
    def llf(self) -> float:
        return self._fit.loglik

    @property
    def n_params(self) -> int:
        return self.edf

    @property
    def deviance(self) -> float:
        """:math:`-2\\ell`, MASS's residual deviance."""
        return self._fit.deviance

    @property
    def iterations(self) -> int:
        """Newton steps taken."""
        return self._fit.iterations

    @property
    def converged(self) -> bool:
        return self._fit.converged

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing values."""
        return self._frame.n_dropped

    def check_comparable(self, other: ResultCore) -> None:
        super().check_comparable(other)
        if isinstance(other, PolrStatistics) and other.n_rows != self.n_rows:
            raise DataError(
                f"the models were fitted to different rows ({self.n_rows} and {other.n_rows}); refit both "
                "on the same rows"
            )

    def glance_row(self) -> dict[str, Any]:
        return {
            "edf": self.edf,
            "logLik": self.llf,
            "AIC": self.aic,
            "BIC": self.bic,
            "deviance": self.deviance,
            "df_residual": self.df_resid,
            "nobs": self.nobs,
        }

    def param_groups(self) -> dict[str, list[str]]:
        """MASS's two blocks: the coefficients and the intercepts (thresholds)."""
        return {"Coefficients": self.coef_names, "Intercepts": self.zeta_names}

    # -- coef(polr) and the flat table -----------------------------------------------------------
    @computed_once
    def params(self) -> pd.Series:
        """The coefficients :math:`\\beta` (R's ``coef(polr)``); NaN where aliased."""
        out: pd.Series = pd.Series(self._beta_full(), index=pd.Index(self.coef_names), name="params")
        return out

    @computed_once
    def zeta(self) -> pd.Series:
        """The thresholds :math:`\\zeta` (R's ``fit$zeta``), named ``"a|b"``."""
        out: pd.Series = pd.Series(self._fit.zeta.copy(), index=pd.Index(self.zeta_names), name="zeta")
        return out

    @computed_once
    def tvalues(self) -> pd.Series:
        """:math:`\\hat\\theta_j / \\mathrm{se}_j` over the coefficients then the thresholds."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.coef_series(self.param_vector() / self.bse.to_numpy(), "tvalues")

    def coef_table(self) -> pd.DataFrame:
        """``Estimate``, ``Std. Error``, ``z value``, ``Pr(>|z|)`` over :math:`\\beta` then :math:`\\zeta`."""
        out: pd.DataFrame = pd.DataFrame(
            {
                "Estimate": self.param_vector(),
                "Std. Error": self.bse.to_numpy(),
                "z value": self.tvalues.to_numpy(),
                "Pr(>|z|)": self.pvalues.to_numpy(),
            },
            index=pd.Index(self.param_names),
        )
        return out

    def wald_conf_int(self, alpha: float, params: Any = None) -> pd.DataFrame:
        """:math:`\\hat\\theta \\pm z_{1-\\alpha/2}\\,\\mathrm{se}` over :math:`\\beta` then :math:`\\zeta`
        (R's ``confint.default``)."""
        q = float(special.ndtri(1 - alpha / 2))
        b, se = self.param_vector(), self.bse.to_numpy()
        out = pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=pd.Index(self.param_names))
        picked: pd.DataFrame = out if params is None else out.loc[self.select_params(params)]
        return picked

    # -- per row --------------------------------------------------------------------------------------
    @computed_once
    def linear_predictors(self) -> pd.Series:
        """:math:`o_i + x_i^T\\beta` for each row used (R's ``fit$lp``)."""
        return self._frame.pad(self._fit.eta.copy(), "linear_predictors")

    @computed_once
    def fittedvalues(self) -> pd.DataFrame:
        """The probability of each level for each row used (R's ``fitted(polr)``)."""
        probs = cell_probabilities(self.method, self._fit.zeta, self._fit.eta)
        frame = self._frame
        if frame.na_action == "exclude" and frame.n_dropped:
            full = np.full((len(frame.full_index), probs.shape[1]), np.nan)
            full[frame.used_positions] = probs
            probs, index = full, frame.full_index
        else:
            index = frame.index
        out: pd.DataFrame = pd.DataFrame(probs, index=index, columns=pd.Index(self.levels))
        return out
