"""Dirichlet regression, R's ``DirichletReg``: the result class and the formula wiring.

:func:`fit_dirichlet_formula` builds the frame (:mod:`rglm.frame.parts`), checks and
prepares the shares as ``DR_data`` would (``normalize``, ``transform``), fits by
:func:`rglm.fit.dirichlet.fit_dirichlet` and returns a :class:`DirichletResult`;
:func:`rglm.dirichlet` is its entry point.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError, DataError, FormulaError
from rglm.fit.dirichlet import dirichlet_alpha, fit_dirichlet
from rglm.frame.columns import to_frame
from rglm.frame.parts import build_parts_frame
from rglm.models.base import ModelMethods
from rglm.output.dirichlet import DirichletSummary
from rglm.results.dirichlet import DirichletStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["PARAMETRIZATIONS", "DirichletResult", "fit_dirichlet_formula"]

PARAMETRIZATIONS = ("common", "alternative")

#: Rows whose shares sum to 1 within this are taken as summing to one.
SUM_TOL = math.sqrt(float(np.finfo(np.float64).eps))


class DirichletResult(DirichletStatistics, ModelMethods):
    """A fitted Dirichlet regression (see :func:`rglm.dirichlet`).

    ``params``, ``bse``, ``tvalues``, ``pvalues`` are Series labelled ``component:term``
    (``params_table`` and ``bse_table`` lay them out one row per component);
    ``cov_params()``, ``llf``, ``aic``, ``bic``, ``nobs``, ``fittedvalues`` (expected shares),
    ``alpha``, ``precision``, ``resid()``, :meth:`predict` and :meth:`summary`, and the core's
    ``conf_int``, ``wald_test``, ``lr_test``, ``tidy``, ``glance`` and ``save``.
    """

    def summary(self) -> DirichletSummary:
        """DirichletReg's ``summary()``."""
        return DirichletSummary.from_result(self)

    def predict(self, newdata: Any = None, type: str = "response") -> pd.DataFrame | pd.Series:
        """Predictions as ``predict.DirichletRegModel``: ``"response"`` (expected shares,
        n x K), ``"alpha"`` (n x K) or ``"precision"`` (:math:`\\alpha_+`, n)."""
        if type not in ("response", "alpha", "precision"):
            raise ArgumentError(f"type must be 'response', 'alpha' or 'precision', got {type!r}")
        if newdata is None:
            A, index = np.asarray(self.fit.alpha), self.frame.index
        else:
            new = to_frame(newdata)
            X, _ = self.frame.new_design(0, new)
            Z = self.frame.new_design(1, new)[0] if self.alternative else None
            A, _ = dirichlet_alpha(self.fit.coef, X, Z, len(self.components), self.alternative)
            index = new.index
        if type == "precision":
            prec: pd.Series = pd.Series(A.sum(axis=1), index=index, name="precision")
            return prec
        values = A / A.sum(axis=1, keepdims=True) if type == "response" else A
        out: pd.DataFrame = pd.DataFrame(values, index=index, columns=self.components)
        return out


def _rows(index: pd.Index, bad: npt.NDArray[np.bool_]) -> str:
    rows = list(index[bad])
    return ", ".join(str(r) for r in rows[:20]) + (", ..." if len(rows) > 20 else "")


def prepare_shares(Y: FloatArray, index: pd.Index, *, normalize: bool, transform: bool) -> FloatArray:
    """The shares as ``DR_data`` leaves them: checked to be non-negative and to sum to one (or
    divided by their sum with ``normalize``), and, with ``transform``, moved away from 0 and 1
    as :math:`(y(n-1) + 1/K)/n` (Smithson & Verkuilen 2006); zeros are an error otherwise."""
    n, K = Y.shape
    neg = np.any(Y < 0, axis=1)
    if np.any(neg):
        raise DataError(
            f"the shares must not be negative; {int(neg.sum())} rows have a negative share "
            f"(rows {_rows(index, neg)})"
        )
    sums = Y.sum(axis=1)
    if normalize:
        if np.any(sums == 0):
            raise DataError(f"cannot normalize rows whose parts sum to 0 (rows {_rows(index, sums == 0)})")
        Y = Y / sums[:, None]
    else:
        off = np.abs(sums - 1) > SUM_TOL
        if np.any(off):
            raise DataError(
                f"the parts of each row must sum to one; {int(off.sum())} rows do not "
                f"(rows {_rows(index, off)}); "
                "pass normalize=True to divide each row by its sum"
            )
    if transform:
        moved: FloatArray = (Y * (n - 1) + 1.0 / K) / n
        return moved
    zero = np.any(Y == 0, axis=1)
    if np.any(zero):
        raise DataError(
            f"the Dirichlet distribution needs every share above 0; {int(zero.sum())} rows have a zero "
            f"(rows {_rows(index, zero)}); pass transform=True to use (y (n - 1) + 1/K) / n, or drop them"
        )
    return np.asarray(Y, dtype=np.float64)


def fit_dirichlet_formula(
    formula: str,
    data: Any,
    *,
    parametrization: str = "common",
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    normalize: bool = False,
    transform: bool = False,
    data_name: str = "data",
) -> DirichletResult:
    """Build the frame, prepare the shares, fit and wrap the result (behind :func:`rglm.dirichlet`)."""
    if parametrization not in PARAMETRIZATIONS:
        raise ArgumentError(f"parametrization must be 'common' or 'alternative', got {parametrization!r}")
    alternative = parametrization == "alternative"
    frame = build_parts_frame(
        formula,
        data,
        weights=weights,
        subset=subset,
        na_action=na_action,
        max_parts=2,
        several_responses=True,
    )
    if not alternative and frame.n_given_parts > 1:
        raise FormulaError(
            "a '| precision' part belongs to parametrization='alternative'; the common parametrization "
            "has one model for every component"
        )
    Y = prepare_shares(frame.y, frame.index, normalize=normalize, transform=transform)
    w = frame.weights
    if np.any(w < 0):
        raise DataError(f"weights must be non-negative; {int(np.sum(w < 0))} are negative")
    X = frame.design(0)
    Z = frame.design(1) if alternative else None
    fit = fit_dirichlet(Y, X, Z, w, alternative=alternative)
    call = {
        "function": "dirichlet",
        "formula": formula,
        "parametrization": parametrization,
        "weights": weights,
        "subset": subset,
        "na_action": na_action,
        "normalize": normalize,
        "transform": transform,
    }
    return DirichletResult(
        fit, frame, Y, parametrization=parametrization, formula=formula, data_name=data_name, call=call
    )
