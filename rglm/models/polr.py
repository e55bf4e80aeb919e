"""``rglm.polr``: MASS's proportional-odds (cumulative link) model, as users get it.

:func:`fit_polr_model` runs the stages: the response's levels
(:mod:`rglm.frame.categorical`), the model frame with the response as level codes
(:func:`rglm.frame.model_frame.build_frame`), R's rule for aliased columns (a QR of the
design with a constant column, which the thresholds stand for), Newton's method
(:func:`rglm.fit.polr.fit_polr`), and the result, :class:`PolrResult`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError, ConvergenceWarning, DataError, RGLMWarning, SeparationWarning, warn
from rglm.fit.polr import METHODS, cell_probabilities, fit_polr
from rglm.frame.categorical import categorical_response, response_column, used_levels, with_codes
from rglm.frame.columns import to_frame
from rglm.frame.model_frame import ModelFrame, build_frame
from rglm.frame.steps import subset_mask
from rglm.inference.polr import profile_conf_int
from rglm.models.base import ModelMethods
from rglm.numerics.design import DenseDesign, Design
from rglm.numerics.linalg import choose_solver
from rglm.output.polr import PolrSummary, polr_summary
from rglm.results.core import confidence_level
from rglm.results.polr import PolrStatistics, beta_columns

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["PolrResult", "fit_polr_model"]

PREDICT_TYPES = ("probs", "class", "link")

#: R's ``qr()`` tolerance for deciding that a column is a combination of the ones before it.
ALIAS_TOL = 1e-7


class PolrResult(PolrStatistics, ModelMethods):
    """A fitted proportional-odds model (R's ``polr`` object).

    ``params`` are the coefficients :math:`\\beta`, ``zeta`` the thresholds; ``bse``,
    ``tvalues``, ``pvalues`` and ``cov_params()`` run over both, in R's ``vcov(polr)``
    order.  See :mod:`rglm.results.polr` for the figures and :func:`rglm.polr` for the model.
    """

    def summary(self) -> PolrSummary:
        """MASS's ``summary(polr)``: ``str()`` of it is ``print(summary(fit))``."""
        return polr_summary(self)

    def conf_int(
        self,
        level: float | None = None,
        method: str = "wald",
        params: Any = None,
        *,
        alpha: float | None = None,
    ) -> pd.DataFrame:
        """Confidence intervals of coverage ``level`` (default 0.95; ``alpha = 1 - level`` is
        accepted with a DeprecationWarning, as everywhere in rglm).

        ``method="wald"``: :math:`\\hat\\theta \\pm z\\,\\mathrm{se}` for the coefficients and
        the thresholds (R's ``confint.default``); ``method="profile"``: MASS's
        ``confint(polr)`` for the coefficients (profile likelihood read off a spline, see
        :mod:`rglm.inference.polr`).
        """
        a = 1.0 - confidence_level(level, alpha=alpha)
        if method == "wald":
            return self.wald_conf_int(a, params)
        if method == "profile":
            return profile_conf_int(self, a, params)
        raise ArgumentError(f"unknown interval method {method!r}; use 'wald' or 'profile'")

    def predict(self, newdata: Any = None, type: str = "probs") -> pd.DataFrame | pd.Series:
        """Predictions for the rows used (``newdata=None``) or for new data.

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows with the model's predictor columns; a row with a missing value gives NaN.
        type : {"probs", "class", "link"}
            The probability of each level (a DataFrame, one column per level), the most
            probable level (a Series of the response's values, an ordered Categorical), or
            :math:`x^T\\beta` (a Series).  For new data an ``offset()`` term of the formula is
            left out, as MASS's ``predict.polr`` does; for the rows fitted it is included
            (R's ``fitted``).

        Raises
        ------
        DataError
            For a factor level not seen in fitting.
        """
        if type not in PREDICT_TYPES:
            raise ArgumentError(f"type must be one of {', '.join(PREDICT_TYPES)}, got {type!r}")
        if newdata is None:
            eta, index = self.fit.eta, self.model_frame.index
        else:
            nd = to_frame(newdata)
            spec = self.spec
            X = spec.design(nd)[:, beta_columns(spec)[self.kept]]
            # x'beta alone: MASS's predict.polr leaves a formula offset out for new data
            with np.errstate(invalid="ignore"):
                eta = X @ self.fit.beta if X.shape[1] else np.zeros(len(nd))
            index = nd.index
        if type == "link":
            link: pd.Series = pd.Series(eta, index=index, name="link")
            return link
        probs = cell_probabilities(self.method, self.fit.zeta, eta)
        if type == "probs":
            table: pd.DataFrame = pd.DataFrame(probs, index=index, columns=pd.Index(self.levels))
            return table
        ok = ~np.isnan(probs).any(axis=1)
        # R's max.col: the most probable level (rows with a missing predictor stay missing)
        codes = np.where(ok, np.argmax(np.where(np.isnan(probs), -1.0, probs), axis=1), -1).astype(np.intp)
        dtype = pd.CategoricalDtype(list(self.response.levels), ordered=True)
        cls: pd.Series = pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, name="class")
        return cls


def _estimable(frame: ModelFrame, cols: npt.NDArray[np.intp]) -> BoolArray:
    """R's rule for aliased columns, applied to the design with a constant column first (the
    thresholds play the intercept's part): a column is dropped when QR finds it a
    combination of the columns before it."""
    design: Design = frame.design
    n = design.shape[0]
    if frame.spec.intercept_column is None:
        warn("an intercept is needed and assumed (the thresholds take its place)", RGLMWarning)
        full: Design = DenseDesign(np.column_stack([np.ones(n), design.rows()]))
        where = 1 + np.arange(cols.size)
    else:
        full, where = design, cols
    good = frame.weights > 0
    m = int(np.sum(good))
    solver = choose_solver(m, full.shape[1])
    qr = solver(full, good, np.sqrt(frame.weights[good]), np.zeros(m), ALIAS_TOL)
    kept: BoolArray = ~qr.aliased[where]
    return kept


def _start_vector(start: Any, kept: BoolArray, q: int) -> FloatArray | None:
    if start is None:
        return None
    s = np.asarray(start, dtype=np.float64).ravel()
    if s.size == kept.size + q:
        picked: FloatArray = np.r_[s[: kept.size][kept], s[kept.size :]]
        return picked
    if s.size == int(kept.sum()) + q:
        out: FloatArray = s
        return out
    raise ArgumentError(
        f"start must have {kept.size + q} values (one per coefficient, then the {q} thresholds), got {s.size}"
    )


def fit_polr_model(
    formula: str,
    data: Any,
    *,
    method: str = "logistic",
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    tol: float = 1e-8,
    max_iter: int = 100,
    data_name: str = "data",
) -> PolrResult:
    """Fit MASS's ``polr``; the arguments are those of :func:`rglm.polr`."""
    if method not in METHODS:
        raise ArgumentError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ArgumentError(f"tol must be a positive number, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ArgumentError(f"max_iter must be a positive whole number, got {max_iter!r}")
    frame_in = to_frame(data)
    name, bare = response_column(formula)
    response = categorical_response(frame_in, name)
    rows = subset
    if isinstance(subset, str):  # a query reads the response as given, not as the codes below
        selected, missing = subset_mask(subset, frame_in)
        rows = selected.astype(object)
        rows[missing] = None
    frame = build_frame(
        bare, with_codes(frame_in, response), weights=weights, subset=rows, na_action=na_action
    )
    response, y = used_levels(response, frame.y, min_levels=3, model="polr")
    cols = beta_columns(frame.spec)
    kept = _estimable(frame, cols)
    if not kept.all():
        dropped = [frame.spec.column_names[j] for j in cols[~kept]]
        warn(
            f"design appears to be rank-deficient, so dropping some coefs: {', '.join(dropped)} "
            "(reported as NaN)",
            RGLMWarning,
        )
    q = len(response.levels) - 1
    fit = fit_polr(
        frame.design.columns(cols[kept]),
        y,
        q + 1,
        weights=frame.weights,
        offset=frame.offset,
        method=method,
        start=_start_vector(start, kept, q),
        tol=float(tol),
        max_iter=int(max_iter),
    )
    if fit.max_prob > 1 - 10 * np.finfo(float).eps:
        warn(
            "fitted probabilities numerically 0 or 1 occurred: the levels are (quasi-)separated, so some "
            "coefficients or thresholds are infinite and their estimates and standard errors meaningless",
            SeparationWarning,
        )
    if not fit.converged:
        warn(
            f"polr did not converge: {fit.message}; the estimates may be far from the maximum",
            ConvergenceWarning,
        )
    if not np.all(np.isfinite(fit.vcov)):
        raise DataError(
            "the information matrix at the estimate is singular; the coefficients are not identified"
        )
    call = {"weights": weights if isinstance(weights, str) else (None if weights is None else "weights")}
    if subset is not None:
        call["subset"] = subset if isinstance(subset, str) else "subset"
    return PolrResult(
        fit,
        frame,
        response,
        method=method,
        kept=kept,
        codes=y,
        control=(float(tol), int(max_iter)),
        formula=formula,
        call=call,
        data_name=data_name,
    )
