"""Fitting data that does not fit in memory: files read in chunks, or Dask partitions.

``rglm.glm(formula, data=SOURCE, ...)`` with SOURCE a Parquet or CSV path (or a list of
them), a callable returning a fresh iterator of DataFrames, or a Dask DataFrame, fits here:

1. a scan pass fixes the model frame (:mod:`rglm.frame.chunked`);
2. R's IRLS loop runs as passes (:mod:`rglm.fit.passes`), each pass turning every chunk
   into model rows and calling :func:`rglm.fit.accumulate.accumulate` on it, and summing;
3. an end-of-fit pass gives the AIC, Pearson's statistic, the dispersion and the null
   deviance.

Memory is bounded by one chunk and a few :math:`p \\times p` matrices; nothing per row is
kept.  The result is an ordinary :class:`rglm.GLMResult` whose numbers equal the in-memory
fit's to rounding; per-row values come chunk by chunk (:func:`iter_rows`, :func:`predict_to`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.backends.sources import Source, as_source, require
from rglm.exceptions import ArgumentError, FitInterrupted
from rglm.families.family import Binomial, Family, NegativeBinomial, QuasiBinomial
from rglm.fit.accumulate import Chunk, PassRequest, Point, Sums, accumulate, evaluate_rows, working_at
from rglm.fit.irls import IRLSControl
from rglm.fit.passes import PassFit, PassRunner, finish_passes, fit_passes
from rglm.frame.chunked import (
    ChunkedFrame,
    ChunkModel,
    Layout,
    ScanPart,
    freeze,
    layout,
    materialize,
    scan_chunk,
)
from rglm.numerics import rmath as _rmath
from rglm.numerics.linalg import cov_unscaled

FloatArray = npt.NDArray[np.float64]

__all__ = ["ChunkedFrame", "fit_out_of_core", "iter_rows", "predict_to"]


# -- executors: where the chunks are and how a pass runs over them ----------------------------------
class LocalExecutor:
    """Chunks read one after the other on this machine (files or a callable)."""

    def __init__(self, source: Source, progress: bool = False) -> None:
        self.source = source
        self.progress = progress
        self.columns: list[str] | None = None
        self.n_chunks: int | None = None

    def first(self) -> pd.DataFrame:
        frames = []
        for frame in self.source.chunks(None):
            frames.append(frame)
            if len(frame.dropna()) or sum(map(len, frames)) >= 10_000:
                break
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames)

    def chunks(self, label: str = "") -> Iterator[pd.DataFrame]:
        it = self.source.chunks(self.columns)
        if not self.progress:
            return it
        tqdm = require("tqdm", "progress").tqdm
        return iter(tqdm(it, total=self.n_chunks, desc=label or "pass", unit="chunk", leave=False))

    def map_reduce(self, fn: Callable[[pd.DataFrame], Any], merge: Callable[[Any, Any], Any], empty: Any,
                   label: str = "") -> Any:
        out = empty
        for frame in self.chunks(label):
            out = merge(out, fn(frame))
        return out


def _chunk(frame: pd.DataFrame, model: ChunkModel) -> Chunk:
    rows, _ = materialize(frame, model)
    return Chunk(rows.design, rows.y, rows.weights, rows.offset, labels=rows.labels)


def _pass_sums(frame: pd.DataFrame, model: ChunkModel, request: PassRequest, p: int) -> Sums:
    chunk = _chunk(frame, model)
    if chunk.n == 0:
        return Sums.empty(p, request.qr)
    return accumulate(chunk, request)


def _merge_sums(a: Sums, b: Sums) -> Sums:
    return a.merge(b)


def _merge_scan(a: ScanPart, b: ScanPart) -> ScanPart:
    return a.merge(b)


# -- passes over the frame of an out-of-core fit -----------------------------------------------------------
def pass_runner(frame: ChunkedFrame) -> PassRunner:
    """A pass runner over the data of ``frame``."""
    model, executor = frame.model, frame.executor
    p = len(model.spec.column_names)

    def map_reduce(request: PassRequest) -> Sums:
        pc = p if request.columns is None else len(request.columns)
        fn = functools.partial(_pass_sums, model=model, request=request, p=pc)
        return executor.map_reduce(fn, _merge_sums, Sums.empty(pc, request.qr), request.label)

    return PassRunner(map_reduce)


def _interrupted(run: PassRunner, what: str) -> FitInterrupted:
    coef = run.last_beta
    hint = ("; pass start=exc.coef to resume from the last coefficients" if coef is not None else "")
    return FitInterrupted(f"{what} interrupted after {run.passes} pass{'es' if run.passes != 1 else ''} (last deviance "
                          f"{run.last_deviance:.10g}); no result was produced{hint}", coef)


def fit_out_of_core(formula: str, data: Any, family: Family, *, weights: Any, offset: Any, subset: Any,
                    na_action: str, start: Any, etastart: Any, mustart: Any, control: IRLSControl,
                    dispersion: float | None, chunksize: int | None, progress: bool, call: dict[str, Any],
                    data_name: str = "data") -> Any:
    """:func:`rglm.glm` on chunked files, a callable or a Dask DataFrame; see the module docstring."""
    from rglm.results.glm import GLMResult

    if etastart is not None or mustart is not None:
        raise ArgumentError("etastart and mustart (one value per row) are not available for chunked or Dask data; "
                            "give start= (one value per coefficient) instead")
    if isinstance(family, NegativeBinomial) and family.theta is None:
        raise ArgumentError("estimating the negative binomial theta is not available for chunked or Dask data; "
                            "give NegativeBinomial(theta=...) (for example estimated on a sample in memory)")
    executor = _executor(data, chunksize, progress)
    binomial = isinstance(family, (Binomial, QuasiBinomial))
    first = executor.first()
    if len(first) == 0:
        from rglm.exceptions import DataError

        raise DataError("data has no rows")
    lay: Layout = layout(formula, first, weights=weights, offset=offset, subset=subset, binomial=binomial)
    executor.columns = list(lay.columns)
    scan = executor.map_reduce(functools.partial(scan_chunk, lay=lay), _merge_scan, ScanPart(), "scan")
    executor.n_chunks = scan.n_chunks
    model = freeze(lay, scan, na_action)
    frame = ChunkedFrame(model, executor, scan.n_rows, scan.n_rows - scan.n_used, weights is not None,
                         offset is not None, na_action)
    p = len(model.spec.column_names)
    start_ = None
    if start is not None:
        start_ = np.asarray(start, dtype=np.float64)
        if start_.shape != (p,):
            raise ArgumentError(f"length of 'start' should equal {p} and correspond to the coefficients, "
                                f"got {start_.size} values")
    run = pass_runner(frame)
    try:
        loop = fit_passes(run, p, family, control, start=start_, have_start=start_ is not None)
        fit = finish_passes(run, loop, family, control, p_total=p,
                            intercept_column=model.spec.intercept_column,
                            have_start=start_ is not None)
    except KeyboardInterrupt:
        raise _interrupted(run, "the fit") from None
    # PassFit is a GLMFit; ChunkedFrame offers what GLMResult reads of a ModelFrame. Both raise
    # OutOfCoreError for the per-row arrays they do not hold.
    return GLMResult(fit, cast(Any, frame), family, null_deviance=fit.null_deviance, control=control, dispersion=dispersion,
                     formula=formula, data=data, call=call, data_name=data_name)


def _executor(data: Any, chunksize: int | None, progress: bool) -> Any:
    from rglm.backends.dask import DaskExecutor, is_dask

    if is_dask(data):
        return DaskExecutor(data, progress=progress)
    return LocalExecutor(as_source(data, chunksize), progress=progress)


def refit_out_of_core(m: Any, columns: Any = None, *, family: Family | None = None, control: Any = None,
                      start: FloatArray | None = None) -> PassFit:
    """:func:`rglm.inference.refit.refit` for an out-of-core model: the sub-model's own passes."""
    frame: ChunkedFrame = m.model_frame
    fam = family or m.family
    ctl = control or m.control
    p_total = len(frame.spec.column_names)
    cols = None if columns is None else np.asarray(columns, dtype=np.intp)
    p = p_total if cols is None else int(cols.size)
    run = pass_runner(frame)
    try:
        loop = fit_passes(run, p, fam, ctl, columns=cols, start=start, have_start=start is not None)
        return finish_passes(run, loop, fam, ctl, p_total=p_total, columns=cols, null=False)
    except KeyboardInterrupt:
        raise _interrupted(run, "the refit") from None


# -- per-row values, chunk by chunk ---------------------------------------------------------------------
ROW_COLUMNS = ("fitted", "linear_predictor", "resid_response", "resid_pearson", "resid_deviance", "resid_working",
               "working_weights", "prior_weights", "hat", "cooks_d")


def _rows_of(frame: pd.DataFrame, model: ChunkModel, m: Any) -> pd.DataFrame:
    """Per-row values of the fit on one raw chunk (rows dropped for missing values left out)."""
    chunk = _chunk(frame, model)
    fam = m.family
    fit = m.fit
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
            out = {"fitted": mu, "linear_predictor": rows.eta, "resid_response": y - mu,
                   "resid_pearson": resid_pearson, "resid_deviance": resid_dev,
                   "resid_working": (y - mu) / fam.link.mu_eta(rows.eta), "working_weights": ww,
                   "prior_weights": pw, "hat": hat, "cooks_d": cooks}
    return pd.DataFrame(out, index=chunk.labels)


def iter_rows(m: Any, columns: Any = None) -> Iterator[pd.DataFrame]:
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
        raise ArgumentError("iter_rows is for models fitted to chunked or Dask data; use the per-row attributes")
    cols = list(ROW_COLUMNS) if columns is None else ([columns] if isinstance(columns, str) else list(columns))
    unknown = [c for c in cols if c not in ROW_COLUMNS]
    if unknown:
        raise ArgumentError(f"unknown per-row value(s) {', '.join(map(repr, unknown))}; choose from "
                            f"{', '.join(ROW_COLUMNS)}")
    for raw in frame.executor.chunks("rows"):
        yield _rows_of(raw, frame.model, m)[cols]


def predict_to(m: Any, path: Any, source: Any = None, *, type: str = "response", chunksize: int | None = None,
               keep: Any = None) -> int:
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
        from rglm.backends.dask import DaskExecutor, is_dask

        ex = DaskExecutor(source) if is_dask(source) else LocalExecutor(as_source(source, chunksize))
        chunks = ex.chunks("predict")
    keep_cols = [] if keep is None else ([keep] if isinstance(keep, str) else list(keep))
    writer = None
    total = 0
    try:
        for raw in chunks:
            out = pd.DataFrame({"fit": np.asarray(m.predict(raw, type=type), dtype=np.float64)})
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
    saved = executor.columns
    executor.columns = None
    try:
        yield from executor.chunks("predict")
    finally:
        executor.columns = saved


def is_out_of_core(m: Any) -> bool:
    return isinstance(getattr(m, "model_frame", None), ChunkedFrame)

