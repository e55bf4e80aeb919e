"""What a fit is told before it starts: R's ``glm.control`` and the plan of how to evaluate.

:class:`FitPlan` is the one place where rglm decides between its two ways of running
R's ``glm.fit`` loop (:mod:`rglm.fit.loop`):

* ``exact``: row by row, the weighted rows :math:`\\sqrt{W}X` solved by the replica of R's
  LINPACK QR, with R's order of operations and R's arithmetic (:mod:`rglm.numerics.rmath`),
  so that every digit is R's (:mod:`rglm.fit.rows`);
* ``sums``: each point evaluated as sums over blocks of rows, :math:`X^T W X` and
  :math:`X^T W z`, solved by the normal equations with a QR fallback, and NumPy's fast
  kernels (:mod:`rglm.fit.passes`): the same code as chunked files and Dask partitions.

The caller (:func:`rglm.glm`) builds the plan once from the size of the problem
(:meth:`FitPlan.for_problem`) and hands it down; nothing below it consults the size again.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rglm.exceptions import FitError
from rglm.numerics import rmath as _rmath

__all__ = ["FitPlan", "IRLSControl"]


@dataclass(frozen=True)
class IRLSControl:
    """R's ``glm.control``: convergence tolerance ``tol`` (R's ``epsilon``), ``max_iter``
    (R's ``maxit``) and ``trace``, which prints the deviance at each iteration."""

    tol: float = 1e-8
    max_iter: int = 25
    trace: bool = False

    def __post_init__(self) -> None:
        if (
            isinstance(self.tol, bool)
            or not isinstance(self.tol, (int, float, np.integer, np.floating))
            or not (self.tol > 0 and math.isfinite(self.tol))
        ):
            raise FitError(f"tol must be a positive number, got {self.tol!r}")
        if (
            isinstance(self.max_iter, bool)
            or not isinstance(self.max_iter, (int, float, np.integer, np.floating))
            or int(self.max_iter) != self.max_iter
            or self.max_iter < 1
        ):
            raise FitError(f"max_iter must be a positive whole number, got {self.max_iter!r}")

    @property
    def rank_tol(self) -> float:
        """Tolerance of the rank decision, ``min(1e-7, tol / 1000)`` as in ``glm.fit``."""
        return min(1e-7, self.tol / 1000)


@dataclass(frozen=True)
class FitPlan:
    """How a fit evaluates its points and solves its steps.

    Attributes
    ----------
    exact : bool
        R's digits: rows, LINPACK QR and R's arithmetic; otherwise sums over row blocks,
        the normal equations and NumPy's kernels.
    block_rows : int or None
        Rows per block of an in-memory ``sums`` fit (None: :data:`rglm.fit.passes.MEMORY_BLOCK_ROWS`).
    threads : int or None
        Threads over the blocks of an in-memory ``sums`` fit (None: ``RGLM_NUM_THREADS`` or
        the CPUs this process may use).
    """

    exact: bool
    block_rows: int | None = None
    threads: int | None = None

    @classmethod
    def for_problem(cls, n: int, p: int) -> FitPlan:
        """The plan for an ``n`` by ``p`` problem held in memory: exact within the sizes of
        :func:`rglm.numerics.rmath.r_exact` (R's results to the last bit at a cost
        :math:`O(np^2)` in Python loops), sums beyond."""
        return cls(exact=_rmath.r_exact(n, p))

    @contextlib.contextmanager
    def kernels(self) -> Iterator[None]:
        """R's elementwise arithmetic for an exact plan, NumPy's kernels for a sums plan,
        while the fit runs (:func:`rglm.numerics.rmath.fast_kernels`).  The fit's entry sets the
        switch here; a pass of :func:`rglm.fit.accumulate.accumulate`, which may run on a worker
        thread or a Dask worker where this context does not travel, sets it for itself (a pass
        belongs to a sums plan by definition)."""
        if self.exact:
            yield
            return
        with _rmath.fast_kernels():
            yield
