"""Passes over a Dask DataFrame: each partition's sums on the workers, only sums come back.

Every pass builds one task per partition (turn the partition into model rows, then
:func:`rglm.fit.accumulate.accumulate`) and a tree of merges, and computes it on whatever
scheduler is active: threads by default, or a ``distributed.Client`` (a ``LocalCluster`` or
a real cluster, ``distributed.Client("tcp://scheduler:8786")``).  What travels back to the
client is one :class:`rglm.fit.accumulate.Sums`: a few :math:`p \\times p` matrices and scalars.

The first pass that turns partitions into model rows (``prepare``, fixed once the scan has
frozen the model) reads every partition and also reports the bytes of the rows it made.  When
their total is small (at most a quarter of the workers' total ``memory_limit`` on a
``distributed.Client``; at most :data:`LOCAL_KEEP_BYTES` on the threaded or synchronous
scheduler, whose pieces sit in this process), the next pass keeps those model rows where they
were made (``dask.persist``: on the workers, only sums come back) and every later pass with the
same ``prepare`` sums the kept rows instead of reading and converting the partitions again.  The
sums are computed from the same rows in the same order, so the fit is bit-identical; a fit still
counts one pass per map-reduce.  :meth:`DaskExecutor.release` drops the kept rows (the fit calls
it when it ends).  ``dask.config.set({"rglm.persist": False})`` turns the keeping off (``True``
keeps whatever the size).  Without keeping, each pass recomputes the partitions from their
source; ``ddf.persist()`` first keeps the raw partitions in the workers' memory instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from rglm.backends.allocator import roomy_malloc
from rglm.backends.sources import require

__all__ = ["DaskExecutor", "is_dask"]

#: Partition results merged per task in the reduction tree.
FAN_IN = 8

#: Most bytes of model rows kept between passes on a scheduler without workers (in this process).
LOCAL_KEEP_BYTES = 512 * 2**20

#: Largest share of the workers' total ``memory_limit`` the kept model rows may take.
WORKER_KEEP_SHARE = 0.25


def is_dask(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (without importing Dask)."""
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(data, "to_delayed")


def _apply(
    part: pd.DataFrame, fn: Callable[[Any], Any], prepare: Callable[[pd.DataFrame], Any] | None
) -> Any:
    """One partition's task: ``fn`` of the partition as ``prepare`` makes it (with the
    worker's allocator made roomy: :mod:`rglm.backends.allocator`)."""
    with roomy_malloc():
        return fn(part if prepare is None else prepare(part))


def _prepared(part: pd.DataFrame, prepare: Callable[[pd.DataFrame], Any]) -> Any:
    with roomy_malloc():
        return prepare(part)


def _applied(piece: Any, fn: Callable[[Any], Any]) -> Any:
    with roomy_malloc():
        return fn(piece)


def _nbytes(piece: Any, depth: int = 0) -> int:
    """Bytes of the arrays one partition's model rows hold (their dataclass fields, attributes,
    lists, tuples and dicts, walked a few levels down; other objects count as nothing)."""
    if isinstance(piece, np.ndarray):
        return int(piece.nbytes)
    if isinstance(piece, pd.DataFrame):
        return int(piece.memory_usage(deep=True).sum())
    if isinstance(piece, (pd.Series, pd.Index)):
        return int(piece.memory_usage(deep=True))
    if depth > 6:
        return 0
    if isinstance(piece, (list, tuple)):
        return sum(_nbytes(v, depth + 1) for v in piece)
    if isinstance(piece, dict):
        return sum(_nbytes(v, depth + 1) for v in piece.values())
    if dataclasses.is_dataclass(piece) and not isinstance(piece, type):
        return sum(_nbytes(getattr(piece, f.name), depth + 1) for f in dataclasses.fields(piece))
    if hasattr(piece, "__dict__"):
        return sum(_nbytes(v, depth + 1) for v in vars(piece).values())
    return 0


def _keep_limit() -> float | None:
    """Most bytes of model rows to keep between passes: ``None`` for no keeping."""
    import dask

    setting = dask.config.get("rglm.persist", None)
    if setting is False:
        return None
    if setting is True:
        return float("inf")
    try:
        from distributed import get_client

        client = get_client()
    except (ImportError, ValueError):
        return float(LOCAL_KEEP_BYTES)
    workers = client.scheduler_info().get("workers", {}).values()
    limits = [float(w.get("memory_limit") or 0) for w in workers]
    if not limits or min(limits) <= 0:  # no limit known: keep nothing rather than guess
        return None
    return WORKER_KEEP_SHARE * sum(limits)


def _merge_many(merge: Callable[[Any, Any], Any], parts: list[Any]) -> Any:
    out = parts[0]
    for p in parts[1:]:
        out = merge(out, p)
    return out


class DaskExecutor:
    """Runs :func:`rglm.backends.chunked` passes as Dask tasks, one per partition."""

    def __init__(self, ddf: Any, progress: bool = False) -> None:
        require("dask.dataframe", "dask")
        self.ddf = ddf
        self.progress = progress
        self.columns: list[str] | None = None
        self.coded: tuple[str, ...] = ()  # the partitions come as Dask reads them
        self.n_chunks: int | None = int(ddf.npartitions)
        # The prepare whose model rows may be kept, and the kept rows (Delayed, one per partition).
        self._keep_for: Callable[[pd.DataFrame], Any] | None = None
        self._kept: list[Any] | None = None
        self.kept_passes = 0  # passes that summed kept rows instead of reading the partitions

    def _frame(self) -> Any:
        return self.ddf if self.columns is None else self.ddf[self.columns]

    def first(self) -> pd.DataFrame:
        head: pd.DataFrame = self.ddf.head(1000, npartitions=1, compute=True)
        if len(head.dropna()) == 0 and self.ddf.npartitions > 1:
            head = self.ddf.head(1000, npartitions=-1, compute=True)
        return head

    def map_reduce(
        self,
        fn: Callable[[Any], Any],
        merge: Callable[[Any, Any], Any],
        empty: Any,
        label: str = "",
        prepare: Callable[[pd.DataFrame], Any] | None = None,
    ) -> Any:
        """``merge`` of ``fn(prepare(partition))`` over the partitions, each in a task of its
        own, merged in partition order by a tree of tasks (on kept model rows when there are)."""
        import dask as dask_module
        from dask.delayed import delayed

        dask: Any = dask_module  # compute and persist are untyped
        if prepare is None:
            tasks = [delayed(_apply)(part, fn, None) for part in self._frame().to_delayed()]
            return self._reduce(tasks, merge, empty)
        if self._kept is not None and self._keep_for is prepare:
            self.kept_passes += 1
            return self._reduce([delayed(_applied)(k, fn) for k in self._kept], merge, empty)
        pieces = [delayed(_prepared)(part, prepare) for part in self._frame().to_delayed()]
        if self._keep_for is prepare:  # the sizes were measured and fit: keep the rows from now on
            self._kept = list(dask.persist(*pieces))
            return self._reduce([delayed(_applied)(k, fn) for k in self._kept], merge, empty)
        self.release()
        # First pass with this prepare: its sums and the size of every partition's model rows.
        root = self._root([delayed(_applied)(k, fn) for k in pieces], merge)
        if root is None:
            return empty
        limit = _keep_limit()
        if limit is None:
            return merge(empty, root.compute())
        sums, sizes = dask.compute(root, [delayed(_nbytes)(k) for k in pieces])
        if sum(sizes) <= limit:
            self._keep_for = prepare
        return merge(empty, sums)

    def release(self) -> None:
        """Drop the kept model rows (their futures, so the workers free them)."""
        self._kept = None
        self._keep_for = None

    @staticmethod
    def _root(tasks: list[Any], merge: Callable[[Any, Any], Any]) -> Any:
        from dask.delayed import delayed

        while len(tasks) > 1:
            tasks = [delayed(_merge_many)(merge, tasks[i : i + FAN_IN]) for i in range(0, len(tasks), FAN_IN)]
        return tasks[0] if tasks else None

    def _reduce(self, tasks: list[Any], merge: Callable[[Any, Any], Any], empty: Any) -> Any:
        root = self._root(tasks, merge)
        return empty if root is None else merge(empty, root.compute())

    def chunks(self, label: str = "") -> Iterator[pd.DataFrame]:
        for part in self._frame().to_delayed():
            yield part.compute()
