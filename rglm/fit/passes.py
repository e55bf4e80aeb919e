"""R's ``glm.fit`` loop driven by passes over the data: the sums evaluator.

At each point of the fit the loop of :mod:`rglm.fit.loop` needs only the sums of
:func:`rglm.fit.accumulate.accumulate`: the deviance, R's checks, :math:`X^T W X` and
:math:`X^T W z`.  :class:`SumsEvaluator` gets them from a ``map_reduce(request) -> Sums``
callable and solves each step by the normal equations (with the QR fallback of
:class:`rglm.numerics.linalg.NormalEquations`), so the one loop fits

* in-memory data under a ``sums`` plan (:func:`fit_in_memory`, row blocks on threads),
* chunked files (:mod:`rglm.backends.chunked`), and
* Dask data frames (:mod:`rglm.backends.dask`).

One pass evaluates a point: its deviance and validity (for convergence and step halving)
and the normal equations of the next step.  A fit of :math:`k` iterations takes
:math:`k + 1` passes, plus one per halved step and per QR fallback.  With ``finish`` each
pass after the start also sums the end-of-fit values at its point (AIC, Pearson,
dispersion, a constant or offset-only null deviance), so that :func:`finish_passes` needs no
pass of its own; :mod:`rglm.fit.riders` also runs R's null refit on the same passes.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from rglm.exceptions import warn
from rglm.families.family import AICTotals, Family, Initialized
from rglm.fit.accumulate import (
    Chunk,
    Finish,
    PassRequest,
    Point,
    Sums,
    accumulate,
    forget,
)
from rglm.fit.block_rows import BlockRows, memory_chunks
from rglm.fit.loop import LoopResult, NullModel, null_model, run_loop, warn_null_refit
from rglm.fit.plan import FitPlan, IRLSControl
from rglm.fit.result import IRLSFit, PassFit
from rglm.numerics.design import Design
from rglm.numerics.linalg import NormalEquations, WLSFit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
MapReduce = Callable[[PassRequest], Sums]

__all__ = [
    "PassFit",
    "PassRunner",
    "SumsEvaluator",
    "SumsPoint",
    "finish_passes",
    "fit_in_memory",
    "fit_passes",
    "memory_chunks",
    "single_threaded_blas",
    "worker_threads",
]

logger = logging.getLogger("rglm.passes")


#: Rows per block when an in-memory fit goes through the pass loop.
MEMORY_BLOCK_ROWS = 262_144


class PassRunner:
    """Runs passes through ``map_reduce``: counts, times and logs them (logger
    ``rglm.passes``, level INFO), issues each warning of the family's ``initialize`` once, and
    remembers the last coefficients for an interrupted fit's message."""

    def __init__(self, map_reduce: MapReduce, *, emit_warnings: bool = True) -> None:
        self.map_reduce = map_reduce
        self.emit_warnings = emit_warnings
        self.passes = 0
        self.seconds: list[float] = []
        self.last_beta: FloatArray | None = None
        self.last_deviance = math.nan
        self._warned: set[tuple[type[Warning], str]] = set()

    def __call__(self, request: PassRequest) -> Sums:
        t0 = time.perf_counter()
        sums = self.map_reduce(request)
        elapsed = time.perf_counter() - t0
        self.passes += 1
        self.seconds.append(elapsed)
        if request.point.beta is not None:
            self.last_beta = request.point.beta
        self.last_deviance = sums.deviance
        logger.info(
            "pass %d (%s): deviance %.10g over %d rows in %.3f s",
            self.passes,
            request.label or "pass",
            sums.deviance,
            sums.n_rows,
            elapsed,
        )
        if self.emit_warnings:
            for category, message in sums.warnings:
                if (category, message) not in self._warned:
                    self._warned.add((category, message))
                    warn(message, category)
        return sums


@dataclass(eq=False)
class SumsPoint:
    """A point of a pass-based fit: where it was evaluated and the sums of its pass (the
    normal equations dropped once its step is solved, so that no old ``p x p`` matrix stays
    alive while the next pass forms a new one)."""

    point: Point
    sums: Sums
    finish: Finish | None = None

    @property
    def deviance(self) -> float:
        return self.sums.deviance

    @property
    def valid(self) -> bool:
        return self.sums.valid

    @property
    def mu_range(self) -> tuple[float, float]:
        return self.sums.mu_min, self.sums.mu_max


class SumsEvaluator:
    """Points of R's loop as passes of :func:`rglm.fit.accumulate.accumulate` over all rows.

    Parameters
    ----------
    run : callable
        ``run(request) -> Sums`` over all the rows (usually a :class:`PassRunner`).
    p : int
        Number of coefficients (of ``columns`` when given).
    family : Family
    columns : ndarray of int, optional
        The sub-model's columns (all by default).
    mu_beta : ndarray, optional
        Start from the fitted means of these coefficients over all columns (R's
        ``mustart = fit$fitted.values``).
    have_start : bool
        Whether the user supplied starting values (the family's ``initialize`` checks less).
    etastart : bool
        The rows carry R's ``etastart``, which comes before ``start``.
    error_hint : callable, optional
        Extra text for the "no valid set of coefficients" error.
    defer : bool
        ``run`` keeps per-row values on its blocks (in memory): each point's pass leaves out
        the normal equations, formed by a second pass only when the loop goes on (the last
        point of a fit never needs them).
    finish : FinishPlan, optional
        Compute the end-of-fit sums on every pass after the start, as if its point were the
        last (it is when the loop stops there), so that no pass follows the loop.
    first : Sums, optional
        The sums of R's own start point, already computed (a null refit riding on a fit
        whose start pass evaluated the same point: its means do not depend on the columns).
    on_start : callable, optional
        Called with the start point's sums once its pass is done.
    """

    def __init__(
        self,
        run: MapReduce,
        p: int,
        family: Family,
        *,
        columns: IntArray | None = None,
        mu_beta: FloatArray | None = None,
        have_start: bool = False,
        etastart: bool = False,
        error_hint: Callable[[], str] | None = None,
        defer: bool = False,
        finish: FinishPlan | None = None,
        first: Sums | None = None,
        on_start: Callable[[SumsPoint], None] | None = None,
    ) -> None:
        self.run, self.p, self.family, self.columns = run, p, family, columns
        self.mu_beta, self.have_start, self.etastart = mu_beta, have_start, etastart
        self.error_hint, self.defer = error_hint, defer
        self.finish_plan, self.first, self.on_start = finish, first, on_start
        self.solver = NormalEquations()
        self._start_sums: Sums | None = None
        self._solved: Point | None = None

    @property
    def n_coef(self) -> int:
        return self.p

    def request(self, point: Point, label: str, qr: bool = False) -> PassRequest:
        return PassRequest(
            self.family,
            point,
            self.columns,
            self.have_start,
            qr=qr,
            label=label,
            keep=self.defer,
            defer=self.defer,
        )

    def _pass(self, point: Point, label: str) -> SumsPoint:
        fin = self._finish()
        request = self.request(point, label)
        if fin is not None:
            request = replace(request, finish=fin)
        return SumsPoint(point, self.run(request), fin)

    def _finish(self) -> Finish | None:
        """The end-of-fit request of a pass after the start: the last step's weights are those
        of the point solved last; whole-data totals come from the start pass."""
        plan, s, solved = self.finish_plan, self._start_sums, self._solved
        if plan is None or s is None or solved is None or self.family.aic_rows_read_deviance:
            return None
        kind = null_model(intercept=plan.intercept_column is not None, offset_nonzero=s.offset_nonzero)
        totals = AICTotals(deviance=math.nan, n_rows=s.n_rows, sum_w=s.sum_w, any_trials=s.max_trials > 1)
        return Finish(
            totals=totals,
            weights_point=solved,
            null_mu=s.sum_wy / s.sum_w if plan.null and kind is NullModel.MEAN else None,
            null_at_offset=plan.null and kind is NullModel.OFFSET,
        )

    def start(self, coef: FloatArray | None) -> tuple[SumsPoint, FloatArray | None]:
        coefold = None
        if coef is not None and not self.etastart:
            coefold = np.array(coef, dtype=np.float64)
            e = self._pass(Point(beta=coefold.copy()), "start")
        elif self.first is not None and self.mu_beta is None:
            e = SumsPoint(Point(), self.first)
        else:
            e = self._pass(Point(mu_beta=self.mu_beta), "start")
        self._start_sums = e.sums
        if self.on_start is not None:
            self.on_start(e)
        return e, coefold

    def at(self, coef: FloatArray, label: str) -> SumsPoint:
        return self._pass(Point(beta=coef), label)

    def checks(self, e: SumsPoint) -> Sums:
        return e.sums

    def solve(self, e: SumsPoint, tol: float, iteration: int) -> WLSFit:
        label = f"iteration {iteration}"
        self._solved = e.point
        s = e.sums
        if s.deferred:
            request = replace(
                self.request(e.point, label), from_kept=True, label=f"{label}: normal equations"
            )
            ne = self.run(request)
            s = replace(s, xtwx=ne.xtwx, xtwz=ne.xtwz, deferred=False)

        def qr_factor() -> FloatArray:
            # The triangular factor of [sqrt(W) X, sqrt(W) z] by one more pass (QR fallback).
            r = self.run(self.request(e.point, f"QR at iteration {iteration}", qr=True)).r_factor
            assert r is not None
            return r

        step = self.solver.solve_sums(s.xtwx, s.xtwz, tol, qr_factor)
        e.sums = replace(s, xtwx=np.zeros((0, 0)), xtwz=np.zeros(0))
        return step

    def divergence_hint(self) -> str:
        return self.error_hint() if self.error_hint else ""


@dataclass(frozen=True)
class FinishPlan:
    """What the end-of-fit sums of a fit need to know before it starts: whether the null
    deviance is wanted and the intercept's column (R's rule, :func:`rglm.fit.loop.null_model`)."""

    null: bool = True
    intercept_column: int | None = None


def fit_passes(
    run: MapReduce,
    p: int,
    family: Family,
    control: IRLSControl,
    *,
    columns: IntArray | None = None,
    start: FloatArray | None = None,
    mu_beta: FloatArray | None = None,
    have_start: bool = False,
    etastart: bool = False,
    error_hint: Callable[[], str] | None = None,
    defer: bool = False,
    finish: FinishPlan | None = None,
    first: Sums | None = None,
    on_start: Callable[[SumsPoint], None] | None = None,
) -> LoopResult[SumsPoint]:
    """R's loop (:func:`rglm.fit.loop.run_loop`) over :class:`SumsEvaluator` passes; the
    parameters are the evaluator's, plus ``start`` (R's starting coefficients)."""
    ev = SumsEvaluator(
        run,
        p,
        family,
        columns=columns,
        mu_beta=mu_beta,
        have_start=have_start,
        etastart=etastart,
        error_hint=error_hint,
        defer=defer,
        finish=finish,
        first=first,
        on_start=on_start,
    )
    return run_loop(ev, family, control, start_coef=start)


def finish_passes(
    run: MapReduce,
    loop: LoopResult[SumsPoint],
    family: Family,
    control: IRLSControl,
    *,
    p_total: int,
    columns: IntArray | None = None,
    intercept_column: int | None = None,
    null: bool = True,
    have_start: bool = False,
    null_refit: LoopResult[SumsPoint] | None = None,
) -> PassFit:
    """The end-of-fit pass (AIC, Pearson's :math:`X^2`, R's dispersion sum) and the null
    deviance by R's rule (:func:`rglm.fit.loop.null_model`): the weighted mean of :math:`y`, a
    refit of the intercept started at the fitted means (its own passes), or :math:`g^{-1}(o)`.

    When the loop's last pass already computed the end-of-fit sums (``finish`` of
    :func:`fit_passes`) they are used as they are, and a null refit that rode on the loop's
    passes (``null_refit``) gives the null deviance, so no pass follows the loop."""
    last = loop.final.sums
    null_mu = None
    nulldev = math.nan
    kind = null_model(intercept=intercept_column is not None, offset_nonzero=last.offset_nonzero)
    if null and kind is NullModel.REFIT and null_refit is not None:
        warn_null_refit(null_refit.converged)
        nulldev = null_refit.deviance
    elif null and kind is NullModel.REFIT:
        assert intercept_column is not None
        full_beta = loop.beta if columns is None else _expand(loop.beta, columns, p_total)
        refit = fit_passes(
            run, 1, family, control, columns=np.array([intercept_column], dtype=np.intp), mu_beta=full_beta
        )
        warn_null_refit(refit.converged)
        nulldev = refit.deviance
    elif null and kind is NullModel.MEAN:
        null_mu = last.sum_wy / last.sum_w
    totals = AICTotals(
        deviance=loop.deviance, n_rows=last.n_rows, sum_w=last.sum_w, any_trials=last.max_trials > 1
    )
    fin = Finish(
        totals=totals,
        weights_point=loop.weights_at.point,
        null_mu=null_mu,
        null_at_offset=null and kind is NullModel.OFFSET,
    )
    rode = loop.final.finish
    at = loop.final.point.beta
    if (
        rode is not None
        and rode.weights_point is loop.weights_at.point
        and at is not None
        and np.array_equal(at, loop.beta)
    ):
        s = last
    else:
        s = run(
            PassRequest(family, Point(beta=loop.beta), columns, have_start, finish=fin, label="final sums")
        )
    if null and kind is not NullModel.REFIT:
        nulldev = s.null_deviance
    aic = family.aic_whole(s.aic_part, totals) + 2 * loop.wls.rank
    return PassFit(
        coef=loop.coef,
        wls=loop.wls,
        deviance=loop.deviance,
        aic=float(aic),
        iterations=loop.iterations,
        converged=loop.converged,
        boundary=loop.boundary,
        n_rows=s.n_rows,
        n_ok=s.n_ok,
        working_rss=float(s.working_rss),
        pearson_chi2=float(s.pearson),
        null_deviance=float(nulldev),
        deviance_trace=loop.trace,
        passes=getattr(run, "passes", 0),
        weights_point=loop.weights_at.point,
    )


def _expand(beta: FloatArray, columns: IntArray, p: int) -> FloatArray:
    out = np.zeros(p)
    out[columns] = beta
    return out


# -- in-memory data above the R-exact size -------------------------------------------------------------
def worker_threads() -> int:
    """Threads for the blocks of an in-memory pass: ``RGLM_NUM_THREADS`` if set, else the
    CPUs this process may use."""
    env = os.environ.get("RGLM_NUM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread per worker while the workers run (threadpoolctl, when installed):
    the workers already use every core, and nested BLAS threads would fight over them."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def memory_map_reduce(chunks: list[Chunk], p_total: int, threads: int | None = None) -> MapReduce:
    """``map_reduce`` over in-memory blocks.

    Blocks are accumulated on a pool of threads (NumPy and BLAS release the GIL in the
    heavy loops) and their sums are combined in block order, so the result does not depend
    on the number of threads or on which block finishes first.
    """
    threads = min(worker_threads() if threads is None else threads, len(chunks))
    # Passes that only form the normal equations run on one thread where threads contend.
    kept_threads = threads if not chunks or chunks[0].design.threads_pay() else 1

    def map_reduce(request: PassRequest) -> Sums:
        p = p_total if request.columns is None else len(request.columns)
        if (kept_threads if request.from_kept else threads) <= 1:
            parts = [accumulate(c, request) for c in chunks]
        else:
            with single_threaded_blas(), ThreadPoolExecutor(max_workers=threads) as pool:
                parts = list(pool.map(lambda c: accumulate(c, request), chunks))
        return Sums.total(parts, p, request.qr)

    return map_reduce


def fit_in_memory(
    X: Design,
    y: FloatArray,
    family: Family,
    *,
    weights: FloatArray,
    offset: FloatArray,
    init: Initialized,
    start: FloatArray | None,
    etastart: FloatArray | None,
    mustart: FloatArray | None,
    control: IRLSControl,
    plan: FitPlan,
    error_hint: Callable[[], str] | None = None,
) -> IRLSFit:
    """A fit of in-memory data under a ``sums`` plan: R's loop over passes through row blocks.
    The per-row arrays of the :class:`rglm.fit.result.IRLSFit` and its AIC are computed when
    asked (:class:`rglm.fit.block_rows.BlockRows`).

    ``y`` and ``weights`` are the caller's (before ``initialize``); ``init`` is the family's
    ``initialize`` already run on them (its warnings and errors issued once by the caller).
    """
    p = X.shape[1]
    have_start = start is not None or etastart is not None or mustart is not None
    block_rows = plan.block_rows or MEMORY_BLOCK_ROWS
    chunks = memory_chunks(X, y, weights, offset, etastart, mustart, block_rows=block_rows, init=init)
    run = PassRunner(memory_map_reduce(chunks, p, plan.threads), emit_warnings=False)
    loop = fit_passes(
        run,
        p,
        family,
        control,
        start=start,
        have_start=have_start,
        etastart=etastart is not None,
        error_hint=error_hint,
        defer=True,
    )
    for c in chunks:
        forget(c)  # what the last pass kept on the blocks is no longer needed
    # The per-row results are recomputed from the last two points when asked, as the
    # passes computed them: the fit holds no per-row array of its own.
    rows = BlockRows(
        X,
        y,
        weights,
        offset,
        family,
        final=loop.final.point,
        weights_at=loop.weights_at.point,
        deviance=loop.deviance,
        rank=loop.wls.rank,
        n_ok=int(np.count_nonzero(init.weights)),
        have_start=have_start,
        etastart=etastart,
        mustart=mustart,
        block_rows=block_rows,
    )
    return IRLSFit(
        coef=loop.coef,
        rows=rows,
        wls=loop.wls,
        deviance=loop.deviance,
        iterations=loop.iterations,
        converged=loop.converged,
        boundary=loop.boundary,
        deviance_trace=loop.trace,
    )


def null_refit_in_memory(rows: BlockRows, control: IRLSControl, plan: FitPlan) -> LoopResult[SumsPoint]:
    """R's refit of the intercept-only model (``glm.fit``'s null deviance with an offset),
    started at the full fit's means, over the row blocks of a large in-memory fit.

    As the out-of-core fits do (:func:`finish_passes`), the refit runs over the full design's
    blocks restricted to the intercept column, and its first pass computes the starting means
    :math:`g^{-1}(X\\hat\\beta + o)` block by block from the full fit's coefficients, so no
    array of the fitted means is held through the refit's passes.  The intercept is column 0
    of R's model matrix.
    """
    chunks = memory_chunks(
        rows.design, rows.y_given, rows.weights_given, rows.offset, block_rows=rows.block_rows
    )
    run = PassRunner(memory_map_reduce(chunks, rows.design.shape[1], plan.threads), emit_warnings=False)
    loop = fit_passes(
        run, 1, rows.family, control, columns=np.array([0], dtype=np.intp), mu_beta=rows.final.beta
    )
    for c in chunks:
        forget(c)
    return loop
