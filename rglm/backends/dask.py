"""Passes over a Dask DataFrame: each partition's sums on the workers, only sums come back.

Every pass builds one task per partition (turn the partition into model rows, then
:func:`rglm.fit.accumulate.accumulate`) and a tree of merges, and computes it on whatever
scheduler is active: threads by default, or a ``distributed.Client`` (a ``LocalCluster`` or
a real cluster, ``distributed.Client("tcp://scheduler:8786")``).  What travels back to the
client is one :class:`rglm.fit.accumulate.Sums`: a few :math:`p \\times p` matrices and scalars.
Each pass recomputes the partitions from their source; ``ddf.persist()`` first keeps them in
the workers' memory between passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from rglm.backends.allocator import roomy_malloc
from rglm.backends.sources import require

__all__ = ["DaskExecutor", "is_dask"]

#: Partition results merged per task in the reduction tree.
FAN_IN = 8


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
        own, merged in partition order by a tree of tasks."""
        from dask.delayed import delayed

        tasks = [delayed(_apply)(part, fn, prepare) for part in self._frame().to_delayed()]
        while len(tasks) > 1:
            tasks = [delayed(_merge_many)(merge, tasks[i : i + FAN_IN]) for i in range(0, len(tasks), FAN_IN)]
        if not tasks:
            return empty
        return merge(empty, tasks[0].compute())

    def chunks(self, label: str = "") -> Iterator[pd.DataFrame]:
        for part in self._frame().to_delayed():
            yield part.compute()
