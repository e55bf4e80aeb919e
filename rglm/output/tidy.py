"""Tidy data frames of a fitted model, as broom's ``tidy``, ``glance`` and ``augment`` for a glm.

Column names are broom's with dots turned into underscores (``std.error`` -> ``std_error``,
``.se.fit`` -> ``.se_fit``); the figures are the model's own (see :class:`rglm.GLMResult`),
so they are R's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rglm.exceptions import ArgumentError, DataError
from rglm.frame.formula import formula_names
from rglm.inference.influence import cooks_values, lm_influence, model_rows, rstandard_values
from rglm.inference.predict import predict
from rglm.results.core import ResultCore, confidence_level
from rglm.results.glm import GLMStatistics

__all__ = ["augment", "glance", "tidy"]


def tidy(
    m: ResultCore,
    conf_int: bool = False,
    level: float | None = None,
    exponentiate: bool = False,
    conf_method: str = "profile",
    *,
    conf_level: float | None = None,
) -> pd.DataFrame:
    """One row per coefficient, as broom's ``tidy.glm``.

    Parameters
    ----------
    m : ResultCore
        Any fitted model.
    conf_int : bool
        Add ``conf_low`` and ``conf_high``.
    level : float, default 0.95
        Coverage of the intervals (rglm's one keyword for a confidence level, as R's
        ``level``; broom's ``conf_level`` is accepted with a DeprecationWarning).
    exponentiate : bool
        Report :math:`e^{\\hat\\beta}` and exponentiated interval ends (odds or rate ratios
        under a log or logit link); the standard error, statistic and p-value are those of
        :math:`\\hat\\beta`, as in broom.
    conf_method : {"profile", "wald"}
        ``"profile"`` (broom's default, R's ``confint``) inverts the profile likelihood;
        ``"wald"`` gives :math:`\\hat\\beta \\pm z\\,\\mathrm{se}` (R's ``confint.default``).

    Returns
    -------
    DataFrame
        Columns ``term``, ``estimate``, ``std_error``, ``statistic`` (z or t),
        ``p_value`` and, with ``conf_int``, ``conf_low`` and ``conf_high``.  An aliased
        coefficient keeps its row, with NaN throughout (broom's NA row).
    """
    names = m.param_names
    # The flat coefficient table, whatever layout a model gives params (a matrix for multinom).
    table = m.coef_table()
    out: pd.DataFrame = pd.DataFrame(
        {
            "term": names,
            "estimate": table.iloc[:, 0].to_numpy(),
            "std_error": table.iloc[:, 1].to_numpy(),
            "statistic": table.iloc[:, 2].to_numpy(),
            "p_value": table.iloc[:, 3].to_numpy(),
        }
    )
    if conf_int:
        ci = m.conf_int(confidence_level(level, conf_level=conf_level), method=conf_method)
        # Matched by name, so an interval method that leaves out aliased terms still lines up.
        ci = ci.reindex(names)
        out["conf_low"] = ci.iloc[:, 0].to_numpy(dtype=np.float64)
        out["conf_high"] = ci.iloc[:, 1].to_numpy(dtype=np.float64)
    if exponentiate:
        cols = ["estimate"] + (["conf_low", "conf_high"] if conf_int else [])
        with np.errstate(over="ignore"):
            out[cols] = np.exp(out[cols].to_numpy())
    return out


def glance(m: ResultCore) -> pd.DataFrame:
    """One row of model statistics, as broom's ``glance``: the model's own
    :meth:`~rglm.results.core.ResultCore.glance_row`.

    For a GLM (broom's ``glance.glm``) the columns are ``null_deviance``, ``df_null``,
    ``logLik``, ``AIC``, ``BIC`` (NaN for quasi families, as R's NA), ``deviance``,
    ``df_residual`` and ``nobs`` (observations with non-zero weight).
    """
    row = m.glance_row()
    out: pd.DataFrame = pd.DataFrame({k: [v] for k, v in row.items()})
    # Counts print as integers; a sum of fractional case weights (polr, multinom) stays a float.
    whole = [k for k in ("df_null", "df_residual", "nobs") if k in row and float(row[k]).is_integer()]
    out = out.astype({k: "int64" for k in whole})
    return out


def _model_columns(m: GLMStatistics, frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` the model uses (response, predictors, offsets, weights), in
    the frame's order: what R's ``model.frame`` holds."""
    spec = m.model_frame.spec
    used = set(spec.variables) | set(spec.offset_variables)
    for expr in spec.parsed.response:
        used |= formula_names(expr)[0]
    call = m.call
    for key in ("weights", "offset"):
        if isinstance(call.get(key), str):
            used.add(call[key])
    if spec.offset_column is not None:
        used.add(spec.offset_column)
    return [c for c in frame.columns if str(c) in used]


def _rows_used(m: GLMStatistics, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` the model was fitted to, matched by row label."""
    index = m.model_frame.index
    if frame.index.is_unique:
        pos = frame.index.get_indexer(index)
        if np.any(pos < 0):
            missing = list(index[pos < 0][:3])
            raise DataError(
                f"data has no rows labelled {', '.join(map(repr, missing))}, which the model was "
                "fitted to; pass the data frame the model was fitted from"
            )
    elif len(frame) == len(index) and frame.index.equals(index):
        pos = np.arange(len(frame))
    else:
        raise DataError(
            "data has duplicate row labels, so the rows the model used cannot be found; "
            "give it unique labels (e.g. reset_index()) before fitting"
        )
    used: pd.DataFrame = frame.iloc[pos]
    return used


def augment(
    m: GLMStatistics,
    newdata: Any = None,
    type_predict: str = "link",
    type_residuals: str = "deviance",
    se_fit: bool = False,
    *,
    data: Any = None,
) -> pd.DataFrame:
    """The data with per-row fitted values, residuals and influence, as broom's ``augment.glm``.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    newdata : DataFrame, optional
        Rows to predict; then only ``.fitted`` (and ``.se_fit``) are added.
    type_predict : {"link", "response"}
        Scale of ``.fitted`` and ``.se_fit`` (R's ``predict.glm`` ``type``).
    type_residuals : {"deviance", "pearson"}
        Residuals in ``.resid`` and the standardized residuals in ``.std_resid``.
    se_fit : bool
        Add ``.se_fit``, the standard error of ``.fitted``.
    data : DataFrame, optional
        Without ``newdata``: a frame holding the rows the model was fitted to (matched by row
        label), all of whose columns are kept.  By default the model's own data with only the
        columns the model uses (broom's default ``model.frame``); pass ``data=m.data`` to
        keep every column.

    Returns
    -------
    DataFrame
        A new frame (the caller's is never modified) with the rows the model used, on their
        row labels, and

        ``.fitted``, ``.se_fit``
            :math:`\\hat\\eta_i` or :math:`\\hat\\mu_i` and its standard error;
        ``.resid``
            deviance or Pearson residual;
        ``.hat``
            hat value :math:`h_i`;
        ``.sigma``
            leave-one-out scale :math:`\\sigma_{(i)}` (R's ``influence(m)$sigma``);
        ``.cooksd``
            Cook's distance;
        ``.std_resid``
            R's ``rstandard(m, type=type_residuals)``.

        As broom, rows with zero prior weight get 0 for ``.hat``, ``.sigma`` and
        ``.cooksd`` and NaN for ``.std_resid``; see :mod:`rglm.inference.influence` for the formulas.
    """
    if type_predict not in ("link", "response"):
        raise ArgumentError(f"type_predict must be 'link' or 'response', got {type_predict!r}")
    if type_residuals not in ("deviance", "pearson"):
        raise ArgumentError(f"type_residuals must be 'deviance' or 'pearson', got {type_residuals!r}")
    if newdata is not None:
        if data is not None:
            raise ArgumentError("give either newdata (rows to predict) or data (the fitted rows), not both")
        frame = newdata if isinstance(newdata, pd.DataFrame) else pd.DataFrame(newdata)
        pred = predict(m, frame, type=type_predict, se_fit=se_fit)
        out: pd.DataFrame = frame.copy()
        if isinstance(pred, pd.DataFrame):
            out[".fitted"] = pred["fit"].to_numpy()
            out[".se_fit"] = pred["se_fit"].to_numpy()
        else:
            out[".fitted"] = pred.to_numpy()
        return out

    source = m.data if data is None else data
    if source is None:
        raise ArgumentError(
            "this model does not keep its data; pass the data frame it was fitted from as data="
        )
    frame = source if isinstance(source, pd.DataFrame) else pd.DataFrame(source)
    rows = _rows_used(m, frame)
    out = (rows[_model_columns(m, frame)] if data is None else rows).copy()
    pred = predict(m, type=type_predict, se_fit=se_fit)
    if isinstance(pred, pd.DataFrame):
        out[".fitted"] = model_rows(m, pred["fit"])
        out[".se_fit"] = model_rows(m, pred["se_fit"])
    else:
        out[".fitted"] = model_rows(m, pred)
    resid = m.resid_deviance if type_residuals == "deviance" else m.resid_pearson
    out[".resid"] = model_rows(m, resid)
    infl = lm_influence(m, do_coef=False)
    out[".hat"] = infl.hat
    out[".sigma"] = np.where(infl.used, infl.sigma, 0.0)
    out[".cooksd"] = np.where(infl.used, cooks_values(m, infl), 0.0)
    out[".std_resid"] = rstandard_values(m, infl, type_residuals)
    return out
