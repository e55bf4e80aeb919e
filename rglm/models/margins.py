"""The Python ``marginaleffects`` package on rglm models: :func:`margins`.

``marginaleffects`` (``pip install "rglm[margins]"``) computes predictions, comparisons and
slopes, their averages, and hypothesis tests for any model that implements its
``ModelAbstract`` interface.  :func:`margins` wraps a fitted GLM (``glm``, ``glm_nb``) in
that interface::

    import marginaleffects as me
    mm = rglm.margins(model)                       # predictions on the response scale
    me.avg_slopes(mm)                              # average marginal effects
    me.avg_comparisons(mm, variables="sex")
    me.predictions(rglm.margins(model, type="link"))

What marginaleffects asks of the model, and what the adapter answers:

* ``get_coef``/``get_coefnames``: the coefficients (aliased ones as 0, so that they add
  nothing, as in R's predictions);
* ``get_vcov(vcov)``: ``True`` the model's covariance, a string a sandwich covariance
  (``"HC0"`` .. ``"HC3"``, through :meth:`rglm.GLMResult.robust`), an array as given;
* ``get_modeldata``: the rows used in the fit with every column of the data (so ``wts=``
  can name the prior-weights column; prior weights given as an array are the column
  ``"(weights)"``), string columns as ordered factors with the fit's levels;
* ``get_exog`` and ``get_predict``: rows are turned into the model matrix by the model's own
  formula (transforms, factor coding) and its offset is replayed (formula ``offset()``
  terms, an ``offset=`` column, or an ``offset=`` array as the column ``"(offset)"``), then
  :math:`g^{-1}(X\\beta + o)` on the response scale or :math:`X\\beta + o` on the link scale;
* the formula marginaleffects reads to find the response and the predictors is
  ``response ~ predictor + ...`` (offset variables left out, so slopes are not taken in
  them).

Inference uses the normal distribution (``df_resid`` is infinite), as R's marginaleffects
does by default.  marginaleffects takes derivatives by finite differences: slopes with its
step ``eps`` and standard errors with a Jacobian step of about :math:`10^{-8}|\\beta_j|`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError, DataError
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["margins"]

WEIGHTS_COLUMN = "(weights)"
OFFSET_COLUMN = "(offset)"
_ADAPTER: dict[str, type] = {}


def _import() -> tuple[Any, Any]:
    try:
        import marginaleffects
        import polars
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'rglm.margins needs the marginaleffects package: pip install "rglm[margins]"'
        ) from exc
    return marginaleffects, polars


def _response_name(formula: str) -> str:
    lhs = formula.split("~", 1)[0].strip()
    if lhs.startswith("cbind("):
        lhs = lhs[len("cbind(") :].split(",")[0]
    return lhs.strip()


def _model_frame(m: GLMStatistics) -> pd.DataFrame:
    """The data rows used in the fit, with the prior weights and an array offset as columns."""
    data = m.data
    if data is None:
        raise DataError("marginaleffects needs the model's data; this model was saved without it")
    frame = m.model_frame
    table = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    rows: pd.DataFrame = table.iloc[frame.data_positions].reset_index(drop=True).copy()
    if frame.weights_given and WEIGHTS_COLUMN not in rows:
        rows[WEIGHTS_COLUMN] = frame.weights
    if frame.offset_given and frame.spec.offset_column is None:
        # An offset given as an array: keep its values with the rows (without the formula's part).
        rows[OFFSET_COLUMN] = frame.offset - frame.spec.offset(rows)
    return rows


def _vault(model: GLMStatistics, pl: Any, vault_cls: Any) -> Any:
    """marginaleffects' ModelVault of ``model``: coefficients, formula and data."""
    spec = model.model_frame.spec
    pdata = pl.from_pandas(_model_frame(model))
    for name, levels in spec.levels.items():
        if name in pdata.columns:
            # Ordered as in the fit, so that the first level is the reference of comparisons.
            pdata = pdata.with_columns(pl.col(name).cast(pl.String).cast(pl.Enum([str(v) for v in levels])))
    response = _response_name(model.formula)
    predictors = [v for v in spec.variables if v not in spec.offset_variables]
    return vault_cls(
        coef=np.nan_to_num(model.params.to_numpy(dtype=np.float64)),
        coefnames=np.array(model.param_names),
        formula=f"{response} ~ " + " + ".join(predictors or ["1"]),
        modeldata=pdata,
        package="rglm",
        variable_names=[response, *predictors],
    )


def _numeric_levels(model: GLMStatistics) -> dict[str, dict[str, Any]]:
    """Factors coded from numbers (``C(cyl)``): label -> the number the formula expects."""
    return {
        name: {str(v): v for v in levels}
        for name, levels in model.model_frame.spec.levels.items()
        if any(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in levels)
    }


def _rows(newdata: Any, numeric_levels: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame: pd.DataFrame = newdata.to_pandas() if hasattr(newdata, "to_pandas") else pd.DataFrame(newdata)
    for name, mapping in numeric_levels.items():
        if name in frame.columns:
            frame[name] = [mapping.get(str(v), v) for v in frame[name]]
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object)
    return frame


def _predict(model: GLMStatistics, rows: pd.DataFrame, params: Any, scale: str) -> FloatArray:
    """:math:`X\\beta + o` (link) or :math:`g^{-1}(X\\beta + o)` (response) for ``rows``,
    with the model's formula and offset replayed."""
    spec = model.model_frame.spec
    offset = spec.offset(rows)
    if OFFSET_COLUMN in rows.columns:
        offset = offset + rows[OFFSET_COLUMN].to_numpy(dtype=np.float64)
    eta = spec.design(rows) @ np.asarray(params, dtype=np.float64).ravel() + offset
    out: FloatArray = eta if scale == "link" else model.family.link.inverse(eta)
    return out


def _vcov(model: GLMStatistics, vcov: Any) -> FloatArray | None:
    if vcov is False or vcov is None:
        return None
    if vcov is True:
        cov = model.cov_params()
    elif isinstance(vcov, str):
        cov = cast(Any, model).robust(vcov).cov_params()
    else:
        return np.asarray(vcov, dtype=np.float64)
    return np.nan_to_num(np.asarray(cov, dtype=np.float64))


def _adapter_class() -> type:
    if "cls" in _ADAPTER:
        return _ADAPTER["cls"]
    _, pl = _import()
    from marginaleffects.classes import ModelAbstract, ModelVault

    class RglmMargins(ModelAbstract):  # type: ignore[misc]
        """A fitted rglm GLM in marginaleffects' ``ModelAbstract`` interface."""

        def __init__(self, model: GLMStatistics, scale: str = "response") -> None:
            if scale not in ("response", "link"):
                raise ArgumentError(f"type must be 'response' or 'link', got {scale!r}")
            self._rglm = model
            self._scale = scale
            self._numeric_levels = _numeric_levels(model)
            super().__init__(model, _vault(model, pl, ModelVault))

        @property
        def df_resid(self) -> float:
            # Normal-based inference, as R's marginaleffects by default.
            return float("inf")

        def get_vcov(self, vcov: Any = True) -> FloatArray | None:
            return _vcov(self._rglm, vcov)

        def get_exog(self, newdata: Any) -> Any:
            # The rows themselves: get_predict rebuilds the design and the offset from them.
            return newdata

        def get_predict(self, params: Any, newdata: Any) -> Any:
            rows = _rows(newdata, self._numeric_levels)
            est = _predict(self._rglm, rows, params, self._scale)
            return pl.DataFrame({"rowid": np.arange(len(rows), dtype=np.int32), "estimate": est})

    _ADAPTER["cls"] = RglmMargins
    return RglmMargins


def margins(model: GLMStatistics, type: str = "response") -> Any:  # noqa: A002 - R's name
    """``model`` in marginaleffects' ``ModelAbstract`` interface, for
    ``marginaleffects.predictions``, ``comparisons``, ``slopes`` and their ``avg_`` forms.

    Parameters
    ----------
    model : GLMResult
        A fit of :func:`rglm.glm` or :func:`rglm.glm_nb` that keeps its data.
    type : {"response", "link"}
        The scale of the predictions everything is computed from.

    Raises
    ------
    ImportError
        When marginaleffects is not installed (``pip install "rglm[margins]"``).
    """
    if not isinstance(model, GLMStatistics):
        raise ArgumentError(f"margins needs a fitted rglm GLM, got {model.__class__.__name__}")
    return _adapter_class()(model, type)
