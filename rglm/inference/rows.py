"""Per-row values of a model fitted to chunked or Dask data, chunk by chunk.

Such a model holds no per-row arrays; :func:`iter_rows` recomputes the fitted values,
residuals, hat values and Cook's distances one chunk at a time from the coefficients and the
covariance, and :func:`predict_to` writes predictions to a Parquet file one row group per chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.backends.chunked import ChunkedFrame, executor_for
from rglm.backends.sources import require
from rglm.exceptions import ArgumentError
from rglm.fit.accumulate import PassRequest, Point, evaluate_rows, working_at
from rglm.fit.passes import PassFit
from rglm.frame.chunked import ChunkModel
from rglm.inference.outofcore import model_chunk
from rglm.inference.predict import predict
from rglm.numerics import rmath as _rmath
from rglm.numerics.linalg import cov_unscaled
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["ROW_COLUMNS", "iter_rows", "predict_to"]


ROW_COLUMNS = (
    "fitted",
    "linear_predictor",
    "resid_response",
    "resid_pearson",
    "resid_deviance",
    "resid_working",
    "working_weights",
    "prior_weights",
    "hat",
    "cooks_d",
)


def _rows_of(frame: pd.DataFrame, model: ChunkModel, m: GLMStatistics) -> pd.DataFrame:
    """Per-row values of the fit on one raw chunk (rows dropped for missing values left out)."""
    chunk = model_chunk(frame, model)
    fam = m.family
    fit = m.fit
    assert isinstance(fit, PassFit)
    beta = np.where(fit.aliased, 0.0, fit.coef)
    with _rmath.fast_kernels():
        rows, _ = evaluate_rows(chunk, PassRequest(fam, Point(beta=beta)))
        prev, _ = evaluate_rows(chunk, PassRequest(fam, fit.weights_point or Point(beta=beta)))
        ww = working_at(fam, prev, chunk.offset).W
        with np.errstate(all="ignore"):
            y, mu, pw = rows.y, rows.mu, rows.weights
            resid_pearson = (y - mu) * np.sqrt(pw) / np.sqrt(fam.variance(mu))
            d = np.sqrt(np.maximum(fam.dev_resids(y, mu, pw), 0))
            resid_dev = np.where(y > mu, d, -d) if m.df_resid > 0 else np.zeros_like(mu)
            cov = np.nan_to_num(cov_unscaled(fit.wls))
            hat = chunk.design.quad_form(cov) * ww if chunk.n else np.zeros(0)

            cooks = (resid_pearson / (1 - hat)) ** 2 * hat / (m.scale * fit.rank)
            cooks[pw == 0] = np.nan  # rows outside the fit, as rglm.inference.influence
            out = {
                "fitted": mu,
                "linear_predictor": rows.eta,
                "resid_response": y - mu,
                "resid_pearson": resid_pearson,
                "resid_deviance": resid_dev,
                "resid_working": (y - mu) / fam.link.mu_eta(rows.eta),
                "working_weights": ww,
                "prior_weights": pw,
                "hat": hat,
                "cooks_d": cooks,
            }
    table: pd.DataFrame = pd.DataFrame(out, index=chunk.labels)
    return table


def iter_rows(m: GLMStatistics, columns: Any = None) -> Iterator[pd.DataFrame]:
    """Per-row values of an out-of-core fit, one DataFrame per chunk of the data.

    Columns (all by default): ``fitted`` (:math:`\\hat\\mu`), ``linear_predictor``,
    ``resid_response``, ``resid_pearson``, ``resid_deviance``, ``resid_working``,
    ``working_weights`` (of the last IRLS step, as R's ``weights(fit, "working")``),
    ``prior_weights``, ``hat`` (leverage :math:`W_i x_i^T (X^T W X)^{-1} x_i`) and
    ``cooks_d`` (:math:`(r^P_i/(1-h_i))^2 h_i / (\\phi p)`, R's ``cooks.distance``).  Rows
    dropped for missing values are left out; the index is the row's position in the source.
    """
    frame = m.model_frame
    if not isinstance(frame, ChunkedFrame):
        raise ArgumentError(
            "iter_rows is for models fitted to chunked or Dask data; use the per-row attributes"
        )
    cols = (
        list(ROW_COLUMNS) if columns is None else ([columns] if isinstance(columns, str) else list(columns))
    )
    unknown = [c for c in cols if c not in ROW_COLUMNS]
    if unknown:
        raise ArgumentError(
            f"unknown per-row value(s) {', '.join(map(repr, unknown))}; choose from {', '.join(ROW_COLUMNS)}"
        )
    for raw in frame.executor.chunks("rows"):
        yield _rows_of(raw, frame.model, m)[cols]


def predict_to(
    m: GLMStatistics,
    path: Any,
    source: Any = None,
    *,
    type: str = "response",
    chunksize: int | None = None,
    keep: Any = None,
) -> int:
    """Write ``m.predict(chunk, type)`` for every chunk of ``source`` (default: the data the
    model was fitted to) to the Parquet file ``path``, one row group per chunk; returns the
    number of rows written.  The file has the column ``fit`` plus the columns named in
    ``keep`` (copied from the source, e.g. an id); rows with missing predictors get NaN."""
    pa = require("pyarrow", "parquet")
    pq = require("pyarrow.parquet", "parquet")
    if source is None:
        frame = m.model_frame
        if isinstance(frame, ChunkedFrame):
            chunks: Any = _all_columns(frame.executor)
        else:
            chunks = iter([m.data])
    elif isinstance(source, pd.DataFrame):
        chunks = iter([source])
    else:
        chunks = executor_for(source, chunksize).chunks("predict")
    keep_cols = [] if keep is None else ([keep] if isinstance(keep, str) else list(keep))
    writer = None
    total = 0
    try:
        for raw in chunks:
            out = pd.DataFrame({"fit": np.asarray(predict(m, raw, type=type), dtype=np.float64)})
            for c in keep_cols:
                out[c] = raw[c].to_numpy()
            table = pa.Table.from_pandas(out, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
            total += len(out)
    finally:
        if writer is not None:
            writer.close()
    return total


def _all_columns(executor: Any) -> Iterator[pd.DataFrame]:
    """Every column of the fit's data as the user has it (text as text, not as codes)."""
    saved = executor.columns, executor.coded
    executor.columns, executor.coded = None, ()
    try:
        yield from executor.chunks("predict")
    finally:
        executor.columns, executor.coded = saved
