"""Data that does not fit in memory: executors that map a pass over chunks, and the model
frame of an out-of-core fit.

``rglm.glm(formula, data=SOURCE, ...)`` with SOURCE a Parquet or CSV path (or a list of
them), a callable returning a fresh iterator of DataFrames, or a Dask DataFrame, fits by
passes over the data (:func:`rglm.api.fit_out_of_core`):

1. a scan pass fixes the model frame (:mod:`rglm.frame.chunked`);
2. R's IRLS loop runs as passes (:mod:`rglm.fit.passes`), each pass turning every chunk
   into model rows and calling :func:`rglm.fit.accumulate.accumulate` on it, and summing;
3. the AIC, Pearson's statistic, the dispersion and the null deviance are summed on the
   same passes (:mod:`rglm.fit.riders`), so a fit of k iterations reads the data k + 2 times.

This module holds where the chunks come from and how a pass runs over them
(:class:`LocalExecutor`; Dask's is :class:`rglm.backends.dask.DaskExecutor`) and the frame of
such a fit (:class:`ChunkedFrame`: the recipe and the executor, no rows).  Memory is bounded
by one chunk and a few :math:`p \\times p` matrices; nothing per row is kept.  Per-row values
come chunk by chunk (:mod:`rglm.inference.rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from rglm.backends.dask import DaskExecutor, is_dask
from rglm.backends.sources import Source, as_source, require
from rglm.exceptions import DataError
from rglm.frame.chunked import ChunkedFrame, ScanPart

__all__ = ["ChunkedFrame", "LocalExecutor", "executor_for", "merge_scan"]


# -- executors: where the chunks are and how a pass runs over them ----------------------------------
class LocalExecutor:
    """Chunks read one after the other on this machine (files or a callable)."""

    def __init__(self, source: Source, progress: bool = False) -> None:
        self.source = source
        self.progress = progress
        self.columns: list[str] | None = None
        #: Text factor columns that may come as codes (see :meth:`rglm.backends.sources.Source.chunks`).
        self.coded: tuple[str, ...] = ()
        self.n_chunks: int | None = None
        #: Rows the scan read; every later pass must read as many (see :meth:`chunks`).
        self.n_rows: int | None = None

    def first(self) -> pd.DataFrame:
        frames = []
        for frame in self.source.chunks(None):
            frames.append(frame)
            if len(frame.dropna()) or sum(map(len, frames)) >= 10_000:
                break
        out: pd.DataFrame = pd.concat(frames) if frames else pd.DataFrame()
        return out

    def chunks(self, label: str = "") -> Iterator[pd.DataFrame]:
        it = self._counted(self.source.chunks(self.columns, self.coded), label)
        if not self.progress:
            return it
        tqdm = require("tqdm", "progress").tqdm
        return iter(tqdm(it, total=self.n_chunks, desc=label or "pass", unit="chunk", leave=False))

    def _counted(self, it: Iterator[pd.DataFrame], label: str) -> Iterator[pd.DataFrame]:
        """The chunks of ``it``; after the last, an error if they do not hold the rows the scan
        read (a file rewritten or a callable returning other data mid-fit would otherwise give
        sums over a mixture of data sets)."""
        n = 0
        for frame in it:
            n += len(frame)
            if self.n_rows is not None and n > self.n_rows:
                raise self._changed(f"more than the {self.n_rows}", label)
            yield frame
        if self.n_rows is not None and n != self.n_rows:
            raise self._changed(f"{n} rows where the scan read {self.n_rows}", label, exhausted=n == 0)

    def _changed(self, what: str, label: str, exhausted: bool = False) -> DataError:
        text = (
            f"the data changed between passes: the {label or 'a'} pass over "
            f"{self.source.describe()} read {what}"
            f"{' rows the scan read' if what.startswith('more') else ''}; the data must stay the same "
            "for the whole fit"
        )
        if exhausted and self.source.factory is not None:
            text += (
                " (a callable source must return a new iterator over all the data each time it is "
                "called; this one returned an exhausted iterator)"
            )
        return DataError(text)

    def map_reduce(
        self,
        fn: Callable[[Any], Any],
        merge: Callable[[Any, Any], Any],
        empty: Any,
        label: str = "",
        prepare: Callable[[pd.DataFrame], Any] | None = None,
    ) -> Any:
        """``merge`` of ``fn(prepare(chunk))`` over the chunks, in order, from ``empty``.

        (Reading and preparing the next chunk on a thread of its own while ``fn`` sums the last
        was measured on 2 shared cores: no faster, more CPU time and one chunk more in memory.)"""
        items: Iterator[Any] = self.chunks(label)
        if prepare is not None:
            items = map(prepare, items)
        out = empty
        for item in items:
            out = merge(out, fn(item))
        return out


def merge_scan(a: ScanPart, b: ScanPart) -> ScanPart:
    return a.merge(b)


def executor_for(
    data: Any, chunksize: int | None = None, progress: bool = False
) -> LocalExecutor | DaskExecutor:
    """The executor that runs passes over ``data``: Dask's for a Dask DataFrame, else chunks read
    one after the other from a file, a list of files, a callable or a DataFrame."""
    if is_dask(data):
        return DaskExecutor(data, progress=progress)
    return LocalExecutor(as_source(data, chunksize), progress=progress)
