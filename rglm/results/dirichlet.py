"""The statistics of a Dirichlet regression (R's ``DirichletReg``).

Parameters are named ``component:term``: every component's coefficients in turn (common
parametrization), or those of the non-base components and then ``(phi):term`` for the
precision model (alternative).  The covariance is DirichletReg's, :math:`(-H)^{-1}` with the
observed Hessian at the estimate.  ``nobs`` is the sum of the weights, as DirichletReg counts
observations, and BIC uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError
from rglm.fit.dirichlet import DirichletFit
from rglm.frame.parts import PartsFrame
from rglm.results.core import ResultCore

FloatArray = npt.NDArray[np.float64]

__all__ = ["DirichletStatistics"]


class DirichletStatistics(ResultCore):
    """A Dirichlet regression fit: the result core's hooks plus fitted shares and residuals."""

    fit: DirichletFit
    frame: PartsFrame
    Y: FloatArray
    parametrization: str
    formula: str
    data_name: str
    _call: dict[str, Any]

    def __init__(
        self,
        fit: DirichletFit,
        frame: PartsFrame,
        Y: FloatArray,
        *,
        parametrization: str = "common",
        formula: str = "",
        data_name: str = "data",
        call: dict[str, Any] | None = None,
    ) -> None:
        d = self.__dict__
        d["fit"], d["frame"], d["Y"], d["parametrization"] = fit, frame, Y, parametrization
        d["formula"], d["data_name"], d["_call"] = formula, data_name, dict(call or {})

    def __repr__(self) -> str:
        return f"<DirichletResult: {self.formula}, {self.parametrization}, n={self.nobs:g}>"

    @property
    def alternative(self) -> bool:
        return self.parametrization == "alternative"

    @property
    def components(self) -> list[str]:
        """The response's components, in order (the first is the alternative's base)."""
        return list(self.frame.responses)

    @property
    def mean_terms(self) -> list[str]:
        return list(self.frame.parts[0].spec.column_names)

    @property
    def precision_terms(self) -> list[str]:
        return list(self.frame.parts[1].spec.column_names) if self.alternative else []

    @property
    def blocks(self) -> dict[str, list[str]]:
        """Component (or ``(phi)``) -> its terms, in the order of the parameters."""
        comps = self.components[1:] if self.alternative else self.components
        out = {c: self.mean_terms for c in comps}
        if self.alternative:
            out["(phi)"] = self.precision_terms
        return out

    # -- the core's hooks --------------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        return [f"{c}:{t}" for c, terms in self.blocks.items() for t in terms]

    def param_vector(self) -> FloatArray:
        return np.array(self.fit.coef, dtype=np.float64)

    def vcov_matrix(self) -> FloatArray:
        return np.array(self.fit.vcov, dtype=np.float64)

    @property
    def nobs(self) -> int:
        """The sum of the weights (DirichletReg's number of observations)."""
        total = float(np.sum(self.frame.weights))
        return int(total) if total == int(total) else total  # type: ignore[return-value]

    @property
    def n_params(self) -> int:
        return int(self.fit.coef.size)

    @property
    def df_resid(self) -> int:
        return int(self.nobs - self.n_params)

    @property
    def llf(self) -> float:
        return float(self.fit.loglik)

    @property
    def label(self) -> str:
        return self.formula

    def param_groups(self) -> Mapping[str, list[str]]:
        return {c: [f"{c}:{t}" for t in terms] for c, terms in self.blocks.items()}

    # -- tables by component -----------------------------------------------------------------------
    def by_component(self, values: pd.Series) -> pd.DataFrame:
        """One row per component (and ``(phi)``), one column per term; NaN where a term is not
        in that block."""
        cells = {c: {t: float(values[f"{c}:{t}"]) for t in terms} for c, terms in self.blocks.items()}
        out: pd.DataFrame = pd.DataFrame(cells).T
        return out

    @property
    def params_table(self) -> pd.DataFrame:
        """The estimates with one row per component (see :meth:`by_component`)."""
        return self.by_component(self.params)

    @property
    def bse_table(self) -> pd.DataFrame:
        return self.by_component(self.bse)

    # -- fitted values and residuals ---------------------------------------------------------------
    @property
    def iterations(self) -> int:
        return self.fit.iterations

    @property
    def converged(self) -> bool:
        return self.fit.converged

    @property
    def call(self) -> dict[str, Any]:
        return dict(self._call)

    def _rows(self, values: FloatArray) -> pd.DataFrame:
        rows = self.frame.rows
        cols = {c: rows.pad(values[:, k]) for k, c in enumerate(self.components)}
        out: pd.DataFrame = pd.DataFrame(cols)
        return out

    @cached_property
    def _alpha(self) -> FloatArray:
        return np.asarray(self.fit.alpha, dtype=np.float64)

    @property
    def fittedvalues(self) -> pd.DataFrame:
        """Expected shares :math:`\\mu_{ik} = \\alpha_{ik}/\\alpha_{i+}`, one column per component."""
        a = self._alpha
        return self._rows(a / a.sum(axis=1, keepdims=True))

    @property
    def alpha(self) -> pd.DataFrame:
        """Fitted :math:`\\alpha_{ik}`."""
        return self._rows(self._alpha.copy())

    @property
    def precision(self) -> pd.Series:
        """Fitted precisions :math:`\\phi_i = \\alpha_{i+}`."""
        return self.frame.rows.pad(self._alpha.sum(axis=1), "precision")

    def resid_array(self, type: str = "standardized") -> FloatArray:
        """``standardized``: :math:`(y - \\mu)/\\sqrt{\\mu(1-\\mu)/(1+\\phi)}` (DirichletReg's
        summary); ``raw``: :math:`y - \\mu`."""
        a = self._alpha
        phi = a.sum(axis=1, keepdims=True)
        mu = a / phi
        if type == "raw":
            raw: FloatArray = self.Y - mu
            return raw
        if type != "standardized":
            raise ArgumentError(f"type must be 'standardized' or 'raw', got {type!r}")
        out: FloatArray = (self.Y - mu) / np.sqrt(mu * (1 - mu) / (1 + phi))
        return out

    def resid(self, type: str = "standardized") -> pd.DataFrame:
        """Residuals of ``type`` (see :meth:`resid_array`), one column per component."""
        return self._rows(self.resid_array(type))
