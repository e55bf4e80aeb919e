"""Fits over chunked or Dask data: passes over a :class:`rglm.backends.chunked.ChunkedFrame`,
and the refits of such a model on its own data.

A pass maps every chunk to the sums of :func:`rglm.fit.accumulate.accumulate` (on the model
rows :func:`rglm.frame.chunked.materialize` makes of it) and merges them; the executor of the
frame (local chunks or Dask partitions) decides where that runs.  :func:`pass_runner` wraps
that map-reduce in :class:`rglm.fit.passes.PassRunner`, which R's IRLS loop
(:func:`rglm.fit.passes.fit_passes`) drives.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.backends.chunked import ChunkedFrame
from rglm.backends.dask import DaskExecutor
from rglm.exceptions import FitInterrupted
from rglm.families.family import Family
from rglm.fit.accumulate import Chunk, PassRequest, Sums, accumulate
from rglm.fit.irls import IRLSControl
from rglm.fit.passes import PassFit, PassRunner, single_threaded_blas, worker_threads
from rglm.fit.riders import fit_and_finish
from rglm.frame.chunked import ChunkModel, materialize
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["interrupted", "is_out_of_core", "model_chunk", "pass_runner", "refit_out_of_core", "release"]


def model_chunk(frame: pd.DataFrame, model: ChunkModel) -> Chunk:
    """The model rows of one raw chunk, as the fit layer's :class:`rglm.fit.accumulate.Chunk`."""
    rows, _ = materialize(frame, model)
    return Chunk(rows.design, rows.y, rows.weights, rows.offset, labels=rows.labels)


def _chunk_sums(
    chunk: Chunk, request: PassRequest, p: int, threads: int = 1, pool: ThreadPoolExecutor | None = None
) -> Sums:
    """The sums of one chunk's model rows: with ``threads`` > 1, in one block per thread on
    ``pool``, summed in block order, as an in-memory pass sums its blocks."""
    if chunk.n == 0:
        return Sums.empty(p, request.qr)
    if threads <= 1 or pool is None or chunk.n < 2 * _MIN_BLOCK_ROWS:
        return accumulate(chunk, request)
    size = -(-chunk.n // threads)
    blocks = [_rows(chunk, a, min(a + size, chunk.n)) for a in range(0, chunk.n, size)]
    return Sums.total(list(pool.map(lambda c: accumulate(c, request), blocks)), p, request.qr)


#: Fewest rows per thread worth splitting a chunk for.
_MIN_BLOCK_ROWS = 65_536


def _rows(chunk: Chunk, a: int, b: int) -> Chunk:
    labels = None if chunk.labels is None else chunk.labels[a:b]
    return Chunk(chunk.design.block(a, b), chunk.y[a:b], chunk.weights[a:b], chunk.offset[a:b], labels=labels)


def _merge_sums(a: Sums, b: Sums) -> Sums:
    return a.merge(b)


def pass_runner(frame: ChunkedFrame) -> PassRunner:
    """A pass runner over the data of ``frame``: each request's sums over every chunk."""
    model, executor = frame.model, frame.executor
    p = len(model.spec.column_names)
    # Chunks read here are summed on this machine's cores; a Dask worker runs one task per thread.
    threads = 1 if isinstance(executor, DaskExecutor) else worker_threads()

    prepare = functools.partial(model_chunk, model=model)

    def map_reduce(request: PassRequest) -> Sums:
        pc = p if request.columns is None else len(request.columns)
        empty = Sums.empty(pc, request.qr)
        if threads <= 1:
            fn = functools.partial(_chunk_sums, request=request, p=pc)
            sums: Sums = executor.map_reduce(fn, _merge_sums, empty, request.label, prepare=prepare)
            return sums
        # One pool and one BLAS limit for the whole pass: threadpoolctl's costs milliseconds.
        with single_threaded_blas(), ThreadPoolExecutor(max_workers=threads) as pool:
            fn = functools.partial(_chunk_sums, request=request, p=pc, threads=threads, pool=pool)
            sums = executor.map_reduce(fn, _merge_sums, empty, request.label, prepare=prepare)
        return sums

    return PassRunner(map_reduce)


def release(executor: Any) -> None:
    """Free what ``executor`` kept between the passes of a fit (a Dask fit's model rows)."""
    if isinstance(executor, DaskExecutor):
        executor.release()


def interrupted(run: PassRunner, what: str) -> FitInterrupted:
    """The error for a fit stopped by the user (Ctrl-C), carrying the last coefficients."""
    coef = run.last_beta
    hint = "; pass start=exc.coef to resume from the last coefficients" if coef is not None else ""
    return FitInterrupted(
        f"{what} interrupted after {run.passes} pass{'es' if run.passes != 1 else ''} (last deviance "
        f"{run.last_deviance:.10g}); no result was produced{hint}",
        coef,
    )


def is_out_of_core(m: GLMStatistics) -> bool:
    """Whether ``m`` was fitted to chunked or Dask data (its frame holds no rows)."""
    return isinstance(m.model_frame, ChunkedFrame)


def refit_out_of_core(
    m: GLMStatistics,
    columns: Any = None,
    *,
    family: Family | None = None,
    control: IRLSControl | None = None,
    start: FloatArray | None = None,
) -> PassFit:
    """:func:`rglm.inference.refit.refit` for an out-of-core model: the sub-model's own passes."""
    frame = m.model_frame
    assert isinstance(frame, ChunkedFrame)
    fam = family or m.family
    ctl = control or m.control
    p_total = len(frame.spec.column_names)
    cols = None if columns is None else np.asarray(columns, dtype=np.intp)
    p = p_total if cols is None else int(cols.size)
    run = pass_runner(frame)
    try:
        return fit_and_finish(run, p, fam, ctl, p_total=p_total, columns=cols, start=start, null=False)
    except KeyboardInterrupt:
        raise interrupted(run, "the refit") from None
    finally:
        release(frame.executor)
