"""The statistics of a multinomial logit fit (``nnet::multinom``) on the result core.

The flat parameter vector is R's ``vcov(multinom)`` order: level-major, entry
``"level:coef"`` for each non-baseline level and model-matrix column.  Users see the
estimates, standard errors, z statistics and p-values as R's ``coef(multinom)`` lays them
out: a DataFrame with one row per non-baseline level and one column per coefficient.

Fit figures follow nnet: the deviance :math:`D = -2\\ell`, ``edf`` = :math:`(K-1)` times the
rank of the model matrix, ``AIC`` = :math:`D + 2\\,\\mathrm{edf}`, ``nobs`` = the sum of the
case weights (times the row totals of a ``cbind`` response), which is also BIC's
:math:`n` (``logLik.multinom``).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DataError, OutOfCoreError
from rglm.fit.multinom import MultinomFit, probabilities
from rglm.frame.model_frame import FrameSpec, ModelFrame
from rglm.frame.multinom import MultinomResponse
from rglm.results.core import ResultCore, computed_once

FloatArray = npt.NDArray[np.float64]

__all__ = ["MultinomStatistics"]


class MultinomStatistics(ResultCore):
    """A fitted multinomial logit model: estimates, covariance and fit figures.

    Parameters
    ----------
    fit : MultinomFit
        The solver's result.
    spec : FrameSpec
        The recipe of the model matrix (for new data and the coefficient names).
    response : MultinomResponse
        The response and its levels.
    frame : ModelFrame, optional
        The rows fitted (None for chunked or Dask data, whose rows are not held).
    formula, call, data_name, data
        What the printed call and ``update`` need.
    """

    _fit: MultinomFit
    _spec: FrameSpec
    _response: MultinomResponse
    _frame: ModelFrame | None
    formula: str
    call: dict[str, Any]
    data_name: str
    data: Any

    def __init__(
        self,
        fit: MultinomFit,
        spec: FrameSpec,
        response: MultinomResponse,
        *,
        frame: ModelFrame | None = None,
        formula: str = "",
        call: dict[str, Any] | None = None,
        data_name: str = "data",
        data: Any = None,
    ) -> None:
        self.__dict__.update(
            _fit=fit,
            _spec=spec,
            _response=response,
            _frame=frame,
            formula=formula,
            call=dict(call or {}),
            data_name=data_name,
            data=data,
        )

    def constructor_args(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this result."""
        return {
            "frame": self._frame,
            "formula": self.formula,
            "call": self.call,
            "data_name": self.data_name,
            "data": self.data,
        }

    def _replace(self, **changes: Any) -> Any:
        """A new result sharing this one's fit, with some constructor arguments changed."""
        args = {**self.constructor_args(), **changes}
        return type(self)(self._fit, self._spec, self._response, **args)

    def without_data(self) -> MultinomStatistics:
        out: MultinomStatistics = self._replace(data=None)
        return out

    # -- what the model is ------------------------------------------------------------------------
    @property
    def levels(self) -> list[Any]:
        """The response categories, baseline first (R's ``m$lev``, or the ``cbind`` columns)."""
        return list(self._response.levels)

    @property
    def response(self) -> MultinomResponse:
        return self._response

    @property
    def spec(self) -> FrameSpec:
        return self._spec

    @property
    def coef_rows(self) -> list[str]:
        """The non-baseline levels as text: the rows of ``params``."""
        return list(self._response.labels[1:])

    @property
    def coef_names(self) -> list[str]:
        """The model-matrix columns: the columns of ``params``."""
        return list(self._spec.column_names)

    @property
    def label(self) -> str:
        return self.formula

    # -- hooks --------------------------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        return [f"{lv}:{c}" for lv in self.coef_rows for c in self.coef_names]

    def param_vector(self) -> FloatArray:
        out: FloatArray = np.array(self._fit.coef, dtype=np.float64).ravel()
        return out

    def vcov_matrix(self) -> FloatArray:
        out: FloatArray = np.array(self._fit.cov, dtype=np.float64)
        return out

    @property
    def nobs(self) -> int:
        """The sum of the case weights (times the row totals of a ``cbind`` response), as
        ``logLik.multinom`` counts observations; an integer when it is whole."""
        n = self._fit.nobs
        return int(n) if float(n).is_integer() else n  # type: ignore[return-value]

    @property
    def n_rows(self) -> int:
        """Rows of data used in the fit."""
        return self._fit.rows

    @property
    def df_resid(self) -> int:
        """:math:`n (K - 1) - \\mathrm{edf}` with :math:`n` the rows used."""
        return self.n_rows * (len(self.levels) - 1) - self.edf

    @cached_property
    def llf(self) -> float:
        return -0.5 * self._fit.deviance

    @property
    def n_params(self) -> int:
        return self.edf

    @property
    def edf(self) -> int:
        """nnet's effective degrees of freedom: :math:`(K - 1)` times the rank of the model matrix."""
        return (len(self.levels) - 1) * self._fit.rank

    @property
    def deviance(self) -> float:
        """:math:`-2\\ell` (nnet's residual deviance)."""
        return self._fit.deviance

    @property
    def iterations(self) -> int:
        """Newton iterations taken."""
        return self._fit.iterations

    @property
    def converged(self) -> bool:
        return self._fit.converged

    @property
    def fit(self) -> MultinomFit:
        """The solver's result (arrays)."""
        return self._fit

    def check_comparable(self, other: ResultCore) -> None:
        super().check_comparable(other)
        if isinstance(other, MultinomStatistics) and other.n_rows != self.n_rows:
            raise DataError(
                f"the models were fitted to different rows ({self.n_rows} and {other.n_rows}); "
                "refit both on the same rows"
            )

    def glance_row(self) -> dict[str, Any]:
        return {
            "edf": self.edf,
            "deviance": self.deviance,
            "logLik": self.llf,
            "AIC": self.aic,
            "BIC": self.bic,
            "nobs": self.nobs,
        }

    def param_groups(self) -> dict[str, list[str]]:
        """One group per non-baseline level."""
        p = len(self.coef_names)
        names = self.param_names
        return {lv: names[k * p : (k + 1) * p] for k, lv in enumerate(self.coef_rows)}

    # -- R's coef(multinom) layout --------------------------------------------------------------------
    def as_matrix(self, values: Any, name: str | None = None) -> pd.DataFrame:
        """Flat values (level-major) as a DataFrame: non-baseline level x coefficient."""
        arr = np.asarray(values, dtype=np.float64).reshape(len(self.coef_rows), len(self.coef_names))
        out: pd.DataFrame = pd.DataFrame(
            arr, index=pd.Index(self.coef_rows), columns=pd.Index(self.coef_names)
        )
        if name is not None:
            out.attrs["name"] = name
        return out

    @cached_property
    def _se_flat(self) -> FloatArray:
        with np.errstate(invalid="ignore"):
            out: FloatArray = np.sqrt(np.diag(self.vcov_matrix()))
        return out

    @cached_property
    def _z_flat(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = self.param_vector() / self._se_flat
        return out

    @cached_property
    def _p_flat(self) -> FloatArray:
        out: FloatArray = 2.0 * special.ndtr(-np.abs(self._z_flat))
        return out

    @computed_once
    def params(self) -> pd.DataFrame:  # type: ignore[override]
        """The estimates, one row per non-baseline level (R's ``coef(multinom)``); NaN for
        the columns of an aliased model-matrix column."""
        return self.as_matrix(self.param_vector(), "params")

    @computed_once
    def bse(self) -> pd.DataFrame:  # type: ignore[override]
        """Standard errors :math:`\\sqrt{\\mathrm{diag}(I^{-1})}` in the layout of ``params``."""
        return self.as_matrix(self._se_flat, "bse")

    @computed_once
    def tvalues(self) -> pd.DataFrame:  # type: ignore[override]
        """z statistics :math:`\\hat\\beta / \\mathrm{se}` in the layout of ``params``."""
        return self.as_matrix(self._z_flat, "tvalues")

    @computed_once
    def pvalues(self) -> pd.DataFrame:  # type: ignore[override]
        """Two-sided p-values :math:`2\\Phi(-|z|)` in the layout of ``params``."""
        return self.as_matrix(self._p_flat, "pvalues")

    def coef_table(self) -> pd.DataFrame:
        """One row per ``"level:coef"``: ``Estimate``, ``Std. Error``, ``z value``, ``Pr(>|z|)``."""
        out: pd.DataFrame = pd.DataFrame(
            {
                "Estimate": self.param_vector(),
                "Std. Error": self._se_flat,
                "z value": self._z_flat,
                "Pr(>|z|)": self._p_flat,
            },
            index=pd.Index(self.param_names),
        )
        return out

    def wald_conf_int(self, alpha: float, params: Any = None) -> pd.DataFrame:
        """Wald intervals, one row per ``"level:coef"`` (R's ``confint(multinom)``)."""
        q = float(special.ndtri(1 - alpha / 2))
        b, se = self.param_vector(), self._se_flat
        out = pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=pd.Index(self.param_names))
        picked: pd.DataFrame = out if params is None else out.loc[self.select_params(params)]
        return picked

    # -- per row -----------------------------------------------------------------------------------------
    def _rows_frame(self) -> ModelFrame:
        if self._frame is None:
            raise OutOfCoreError(
                "the fitted rows are not held for a model fitted to chunked or Dask data; use "
                "m.predict(newdata) on a chunk of it"
            )
        return self._frame

    @computed_once
    def fittedvalues(self) -> pd.DataFrame:
        """The fitted probabilities, one row per row used and one column per level."""
        frame = self._rows_frame()
        X = np.asarray(frame.design.rows(None), dtype=np.float64)
        prob, _ = probabilities(X, self._fit.coef)
        return self._per_row(prob, frame, list(self._response.labels))

    @computed_once
    def linear_predictors(self) -> pd.DataFrame:
        """The log-odds against the baseline, :math:`x_i^T\\hat\\beta_k`, one column per
        non-baseline level."""
        frame = self._rows_frame()
        X = np.asarray(frame.design.rows(None), dtype=np.float64)
        return self._per_row(X @ np.nan_to_num(self._fit.coef).T, frame, self.coef_rows)

    @staticmethod
    def _per_row(values: FloatArray, frame: ModelFrame, columns: list[str]) -> pd.DataFrame:
        if frame.na_action == "exclude" and frame.n_dropped:
            full = np.full((len(frame.full_index), values.shape[1]), np.nan)
            full[frame.used_positions] = values
            padded: pd.DataFrame = pd.DataFrame(full, index=frame.full_index, columns=pd.Index(columns))
            return padded
        out: pd.DataFrame = pd.DataFrame(values, index=frame.index, columns=pd.Index(columns))
        return out

    def design_for(self, newdata: Any) -> tuple[FloatArray, pd.Index]:
        """The model matrix of ``newdata`` (NaN rows where a predictor is missing)."""
        if newdata is None:
            raise ArgumentError("newdata is required here")
        frame = newdata if isinstance(newdata, pd.DataFrame) else pd.DataFrame(newdata)
        return self._spec.design(frame), frame.index

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__}: {self.formula}, {len(self.levels)} levels, "
            f"deviance {self.deviance:.6g}, {'converged' if self.converged else 'not converged'}>"
        )
