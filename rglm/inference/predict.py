"""Predictions from a fitted GLM, as R's ``predict.glm``, with confidence intervals.

Three scales, as R's ``type``:

* ``"link"``: :math:`\\hat\\eta = x^T\\hat\\beta + o` with
  :math:`\\mathrm{se}(\\hat\\eta) = \\sqrt{\\hat\\phi\\, x^T (X^T W X)^{-1} x}`;
* ``"response"``: :math:`\\hat\\mu = g^{-1}(\\hat\\eta)` with the delta-method standard error
  :math:`|d\\mu/d\\eta|\\,\\mathrm{se}(\\hat\\eta)`;
* ``"terms"``: each model term's contribution :math:`(x_T - \\bar x_T)^T \\hat\\beta_T`,
  centred as R's ``predict.lm(type = "terms")`` (see :func:`predict_terms`).

Aliased coefficients contribute nothing (R drops their columns through the QR pivot).

Confidence intervals (``interval="confidence"``; R's ``predict.glm`` has none) are built on
the link scale, :math:`\\hat\\eta \\pm q\\,\\mathrm{se}(\\hat\\eta)`, and carried to the
response scale through :math:`g^{-1}`, which keeps them inside the range of the mean
(probabilities in [0, 1], positive rates) where :math:`\\hat\\mu \\pm q\\,\\mathrm{se}(\\hat\\mu)`
would not.  :math:`q` is the normal quantile :math:`\\Phi^{-1}(1 - (1 - \\text{level})/2)`
when the dispersion is known (binomial, Poisson, or fixed by ``glm(dispersion=...)``) and
Student's :math:`t_{n-p}` quantile when it is estimated, the same reference distribution as
``summary.glm``'s tests; for a Gaussian identity model this is exactly R's
``predict.lm(interval = "confidence")``.  (``ciTools::add_ci`` for a ``glm`` uses the t
quantile for every family.)  Where a link-scale limit lies outside the link's domain (a
negative :math:`\\eta` under the inverse Gaussian's :math:`1/\\mu^2` link) its image is
undefined, and the response-scale limits are NaN.

For ``type="terms"``, a missing value in ``newdata`` blanks only the terms built from its
variable, as R's ``model.matrix`` under ``na.pass``; the link and response predictions of
that row are NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DataError, RankDeficientWarning, warn
from rglm.frame.columns import numeric_values, to_frame
from rglm.numerics.design import DenseDesign, Design
from rglm.results.glm import GLMStatistics

if TYPE_CHECKING:
    from rglm.frame.model_frame import FrameSpec

FloatArray = npt.NDArray[np.float64]

__all__ = ["interval_quantile", "predict", "predict_terms"]

TYPES = ("link", "response", "terms")
INTERVALS = (None, "none", "confidence")


def interval_quantile(m: GLMStatistics, level: float) -> float:
    """The multiplier :math:`q` of the standard error in a two-sided interval of ``level``:
    :math:`t_{n-p}` when the dispersion is estimated, else normal (NaN without residual df)."""
    if not 0 < level < 1:
        raise ArgumentError(f"level must be between 0 and 1, got {level!r}")
    p = 1 - (1 - level) / 2
    if not m.dispersion_is_estimated:
        return float(special.ndtri(p))
    if m.df_resid <= 0:
        return float("nan")
    return float(special.stdtrit(m.df_resid, p))


def _cov(m: GLMStatistics) -> FloatArray:
    """:math:`\\hat\\phi (X^T W X)^{-1}` with aliased rows and columns zero (R's QR pivot leaves
    them out).  As R's ``predict.glm``, this is the model-based covariance even when the result
    carries a sandwich estimate."""
    cov: FloatArray = np.nan_to_num(m.normalized_cov_params.to_numpy()) * m.scale
    return cov


def _new_frame(newdata: Any) -> pd.DataFrame:
    # A new frame around the caller's data: nothing below writes to it; a dict or array of
    # columns is accepted as pandas would, a polars or pyarrow frame through narwhals.
    if isinstance(newdata, dict) and newdata and all(np.ndim(v) == 0 for v in newdata.values()):
        newdata = pd.DataFrame([newdata])  # one row, as R's data.frame(x = 3)
    # Column names as text (as when fitting), duplicates refused.
    return to_frame(newdata)


def _design_na_by_column(spec: FrameSpec, new: pd.DataFrame) -> FloatArray:
    """The model matrix of new rows where a missing value makes NaN only the columns built
    from its variable, as R's ``model.matrix`` under ``na.pass`` (so the other terms of that
    row still have their contributions); :meth:`FrameSpec.design` blanks the whole row, which
    is all a link-scale prediction needs."""
    X = spec.design(new)
    names = [v for v in spec.variables if v in new.columns]
    missing = new[names].isna()
    rows = np.flatnonzero(missing.any(axis=1).to_numpy())
    if rows.size == 0:
        return X
    # Rebuild those rows with each missing value replaced by a valid stand-in (a level seen in
    # fitting, or 1), then blank the columns that depend on a variable that was missing.
    filled = new.iloc[rows].copy()
    for name in names:
        col = filled[name]
        if not col.isna().any():
            continue
        stand_in: Any = (
            spec.levels[name][0] if spec.levels.get(name) else (False if col.dtype == bool else 1.0)
        )
        if isinstance(col.dtype, pd.CategoricalDtype) and stand_in not in col.cat.categories:
            col = col.cat.add_categories([stand_in])
        filled[name] = col.fillna(stand_in)
    part = spec.design(filled)
    by_variable = spec.rhs_spec.variable_indices()
    miss = missing.to_numpy()[rows]
    for k, name in enumerate(names):
        cols = by_variable.get(name, [])
        if cols:
            part[np.ix_(miss[:, k], np.asarray(cols, dtype=np.intp))] = np.nan
    X[rows] = part
    return X


def predict(
    m: GLMStatistics,
    newdata: Any = None,
    type: str = "response",
    se_fit: bool = False,
    interval: str | None = None,
    level: float = 0.95,
    offset: Any = None,
) -> pd.Series | pd.DataFrame:
    """Predictions on the link or response scale, or per term; see :meth:`rglm.GLMResult.predict`."""
    if type not in TYPES:
        raise ArgumentError(f"type must be 'link', 'response' or 'terms', got {type!r}")
    if interval not in INTERVALS:
        raise ArgumentError(
            f"interval must be None or 'confidence', got {interval!r} (prediction intervals for "
            "a new response are not defined for GLMs)"
        )
    with_interval = interval == "confidence"
    q = interval_quantile(m, level) if with_interval else float("nan")
    if newdata is not None and bool(m.aliased.any()):
        # R's predict.lm, for new data only: the aliased columns are taken as contributing 0.
        warn(
            f"prediction from a rank-deficient fit may be misleading ({int(m.aliased.sum())} aliased "
            f"coefficient{'s' if int(m.aliased.sum()) != 1 else ''}: "
            f"{', '.join(m.aliased.index[m.aliased.to_numpy()][:5])})",
            RankDeficientWarning,
        )
    if type == "terms":
        return predict_terms(m, newdata, se_fit=se_fit, q=q if with_interval else None)

    frame = m.model_frame
    index: pd.Index | None = None
    if newdata is None:
        X, eta = frame.design, m.fit.eta
    else:
        new = _new_frame(newdata)
        X = DenseDesign(frame.spec.design(new))
        off = frame.spec.offset(new)
        if offset is not None:
            extra = numeric_values(offset, "offset") if not isinstance(offset, str) else None
            if extra is None:
                raise DataError(
                    f"offset for predict() must be numbers, one per row of newdata, got {offset!r}"
                )
            if extra.shape != (len(new),):
                raise DataError(
                    f"offset must have one value per row of newdata ({len(new)}), got {extra.size}"
                )
            off = off + extra
        elif frame.offset_given and frame.spec.offset_column is None:
            raise DataError(
                "the model's offset was given as an array; pass offset= with one value per row of newdata"
            )
        beta = np.where(m.aliased.to_numpy(), 0.0, m.params.to_numpy())
        eta = X.matvec(beta) + off
        index = new.index

    link = m.family.link
    fit = eta if type == "link" else link.inverse(eta)
    if not (se_fit or with_interval):
        return frame.pad(fit, "fit") if index is None else pd.Series(fit, index=index, name="fit")
    se_eta = np.sqrt(X.quad_form(_cov(m)))
    se = se_eta if type == "link" else se_eta * np.abs(link.mu_eta(eta))
    columns = {"fit": fit, "se_fit": se}
    if with_interval:
        lo, hi = eta - q * se_eta, eta + q * se_eta
        if type == "response":
            # A decreasing inverse link (e.g. the inverse) swaps the ends.
            lo, hi = link.inverse(lo), link.inverse(hi)
            lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        columns.update(lower=lo, upper=hi)
    out: pd.DataFrame
    if index is None:
        out = pd.DataFrame({k: frame.pad(v) for k, v in columns.items()})
    else:
        out = pd.DataFrame(columns, index=index)
    return out


def predict_terms(
    m: GLMStatistics, newdata: Any = None, *, se_fit: bool = False, q: float | None = None
) -> pd.DataFrame:
    """Each term's contribution to the linear predictor, as R's ``predict(type = "terms")``.

    For a model with an intercept, the columns of the model matrix are centred at their
    means over the rows the model was fitted to, :math:`\\bar x` (unweighted, zero-weight
    rows included: R's ``colMeans(model.matrix(fit))``), and term :math:`T` contributes

    .. math::

        f_T(x) = (x_T - \\bar x_T)^T \\hat\\beta_T, \\qquad
        \\mathrm{se}(f_T) = \\sqrt{(x_T - \\bar x_T)^T\\, \\hat\\Sigma_{TT}\\, (x_T - \\bar x_T)},

    with :math:`\\hat\\Sigma = \\hat\\phi (X^T W X)^{-1}`.  The constant
    :math:`\\bar x^T\\hat\\beta` (R's ``attr(, "constant")``) is in ``attrs["constant"]``, so
    that ``terms.sum(axis=1) + constant + offset`` is the link-scale prediction.  Without an
    intercept nothing is centred and the constant is 0, as in R.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    newdata : DataFrame, optional
        Rows to predict; by default those the model was fitted to.
    se_fit : bool
        Also return the standard errors.
    q : float, optional
        With a value, also return ``lower`` and ``upper``, :math:`f_T \\mp q\\,\\mathrm{se}(f_T)`.

    Returns
    -------
    DataFrame
        One column per model term (labelled as the formula spells it, in R's term order).
        With ``se_fit`` or ``q`` the columns are two-level, ``("fit", term)``,
        ``("se_fit", term)`` (and ``("lower", term)``, ``("upper", term)``), so that
        ``p["fit"]`` and ``p["se_fit"]`` are frames of the terms.
    """
    frame = m.model_frame
    spec = frame.spec
    fitted_design = frame.design
    n_fit = fitted_design.shape[0]
    if newdata is None:
        rows: Design = fitted_design
        index = None
    else:
        new = _new_frame(newdata)
        rows = DenseDesign(_design_na_by_column(spec, new))
        index = new.index
    aliased = m.aliased.to_numpy()
    beta = np.where(aliased, 0.0, m.params.to_numpy())
    if spec.has_intercept:
        # R: avx <- colMeans(model.matrix(object)), over the model frame's rows.
        avx = fitted_design.rmatvec(np.ones(n_fit)) / n_fit
        constant = float(np.sum(avx[~aliased] * beta[~aliased]))
    else:
        avx = np.zeros(fitted_design.shape[1])
        constant = 0.0
    cov = _cov(m) if (se_fit or q is not None) else None
    fits: dict[str, FloatArray] = {}
    ses: dict[str, FloatArray] = {}
    n_rows = rows.shape[0]
    for label, cols in spec.term_columns.items():
        if label == "1":
            continue
        est = np.array([c for c in cols if not aliased[c]], dtype=np.intp)
        if est.size == 0:
            # A term whose columns are all aliased contributes 0 (R: `else 0`).
            fits[label] = np.zeros(n_rows)
            ses[label] = np.zeros(n_rows)
            continue
        xt = rows.columns(est).rows() - avx[est]
        fits[label] = xt @ beta[est]
        if cov is not None:
            ses[label] = np.sqrt(np.einsum("ij,jk,ik->i", xt, cov[np.ix_(est, est)], xt))

    def block(values: dict[str, FloatArray]) -> pd.DataFrame:
        out: pd.DataFrame
        if index is None:
            out = pd.DataFrame(
                {k: frame.pad(v) for k, v in values.items()}, index=frame.pad(np.zeros(n_rows)).index
            )
        else:
            out = pd.DataFrame(values, index=index)
        return out

    labels = list(fits)
    out = block(fits)
    if cov is not None:
        parts = {"fit": out, "se_fit": block({k: ses[k] for k in labels})}
        if q is not None:
            parts["lower"] = block({k: fits[k] - q * ses[k] for k in labels})
            parts["upper"] = block({k: fits[k] + q * ses[k] for k in labels})
        out = pd.concat(parts, axis=1)
        if not labels:
            out = pd.DataFrame(
                index=parts["fit"].index, columns=pd.MultiIndex.from_tuples([], names=[None, None])
            )
    out.attrs["constant"] = constant
    return out
