"""R's ``glm.fit`` loop driven by passes over the data.

The loop of :func:`rglm.fit.irls.irls` needs, at each point of the fit, only the sums of
:func:`rglm.fit.accumulate.accumulate`.  :func:`irls_passes` runs that loop given a
``map_reduce(request) -> Sums`` callable, so the same loop fits

* in-memory data above the R-exact size (:func:`irls_in_memory`, row blocks),
* chunked files (:mod:`rglm.backends.chunked`), and
* Dask data frames (:mod:`rglm.backends.dask`).

One pass evaluates a point: its deviance and validity (for convergence and step halving)
and the normal equations of the next step.  A fit of :math:`k` iterations takes
:math:`k + 1` passes, plus one per halved step and per QR fallback, plus the end-of-fit pass
of :func:`finish_passes` (AIC, Pearson, dispersion, null deviance) and, with an offset and
an intercept, the null model's own loop.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from rglm.exceptions import (
    ConvergenceWarning,
    FitError,
    OutOfCoreError,
    StepHalvingWarning,
    warn,
)
from rglm.families.family import Family, Initialized
from rglm.fit.accumulate import (
    Chunk,
    Finish,
    PassRequest,
    Point,
    Sums,
    accumulate,
    aic_total,
    evaluate_rows,
    kept,
    working_weights,
)
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import Design, as_design
from rglm.numerics.format import format_real
from rglm.numerics.linalg import NormalEquations, WLSFit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
MapReduce = Callable[[PassRequest], Sums]

__all__ = ["LoopResult", "PassFit", "PassRunner", "finish_passes", "irls_in_memory", "irls_passes"]

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
        logger.info("pass %d (%s): deviance %.10g over %d rows in %.3f s", self.passes, request.label or "pass",
                    sums.deviance, sums.n_rows, elapsed)
        if self.emit_warnings:
            for category, message in sums.warnings:
                if (category, message) not in self._warned:
                    self._warned.add((category, message))
                    warn(message, category)
        return sums


@dataclass(frozen=True)
class LoopResult:
    """The end of R's loop: ``coef`` (NaN where aliased), ``beta`` (0 where aliased, what
    :math:`\\eta` uses), the last least-squares step, and the sums at the final point."""

    coef: FloatArray
    beta: FloatArray
    wls: WLSFit
    deviance: float
    iterations: int
    converged: bool
    boundary: bool
    trace: tuple[float, ...]
    last: Sums
    weights_point: Point
    point: Point | None = None


def irls_passes(
    run: Callable[[PassRequest], Sums],
    p: int,
    family: Family,
    control: Any,
    *,
    columns: IntArray | None = None,
    start: FloatArray | None = None,
    mu_beta: FloatArray | None = None,
    have_start: bool = False,
    error_hint: Callable[[], str] | None = None,
    defer: bool = False,
) -> LoopResult:
    """R's ``glm.fit`` loop, one :func:`rglm.fit.accumulate.accumulate` pass per point.

    Parameters
    ----------
    run : callable
        ``run(request) -> Sums`` over all the rows (usually a :class:`PassRunner`).
    p : int
        Number of coefficients (of ``columns`` when given).
    family : Family
    control : IRLSControl
    columns : ndarray of int, optional
        The sub-model's columns (all by default).
    start : ndarray, optional
        Starting coefficients; otherwise R's start (or ``mu_beta``'s fitted means).
    mu_beta : ndarray, optional
        Start from the fitted means of these coefficients over all columns (R's
        ``mustart = fit$fitted.values``).
    have_start : bool
        Whether the user supplied starting values (the family's ``initialize`` checks less).
    error_hint : callable, optional
        Extra text for the "no valid set of coefficients" error.
    defer : bool
        ``run`` keeps per-row values on its blocks (in memory): each point's pass leaves out
        the normal equations, formed by a second pass only when the loop goes on (the last
        point of a fit never needs them).
    """

    def request(point: Point, label: str, qr: bool = False) -> PassRequest:
        return PassRequest(family, point, columns, have_start, qr=qr, label=label, keep=defer, defer=defer)

    def complete(s: Sums, point: Point, label: str) -> Sums:
        if not s.deferred:
            return s
        ne = run(replace(request(point, label), from_kept=True, label=f"{label}: normal equations"))
        return replace(s, xtwx=ne.xtwx, xtwz=ne.xtwz, deferred=False)

    if p == 0:
        point = Point(beta=np.zeros(0))
        s = run(request(point, "empty model"))
        if not s.valid:
            raise FitError("invalid linear predictor values in empty model: the offset gives means outside "
                           "the family's range")
        empty = WLSFit(np.zeros(0), 0, np.zeros(0, dtype=np.intp), np.zeros((0, 0)))
        return LoopResult(np.zeros(0), np.zeros(0), empty, s.deviance, 0, True, False, (), s, point, point)

    coefold: FloatArray | None = None
    if start is not None:
        coefold = np.array(start, dtype=np.float64)
        point = Point(beta=coefold.copy())
    else:
        point = Point(mu_beta=mu_beta)
    s = run(request(point, "start"))
    if not s.valid:
        raise FitError("cannot find valid starting values: please specify some (start, etastart or mustart)")
    devold = s.deviance
    coef = np.zeros(p) if start is None else np.array(start, dtype=np.float64)
    solver = NormalEquations()
    boundary = conv = False
    wls: WLSFit | None = None
    weights_point = point
    trace: list[float] = []
    change = math.nan
    iteration = 0
    for iteration in range(1, control.max_iter + 1):
        if s.nan_variance:
            raise FitError("NAs in V(mu): the variance function is undefined at the current fitted means")
        if s.zero_variance:
            raise FitError("0s in V(mu): the variance function is zero at the current fitted means")
        if s.nan_mu_eta:
            raise FitError("NAs in d(mu)/d(eta): the link's derivative is undefined at the current fit")
        if s.n_good == 0:
            conv = False
            warn(f"no observations informative at iteration {iteration}", ConvergenceWarning)
            break
        if not s.finite:
            raise FitError(f"NA/NaN/Inf in the weighted least-squares problem at iteration {iteration}: the "
                           "working weights or response are not finite (the variance is negative or undefined at "
                           "the current fitted means); try another link or starting values")
        s = complete(s, point, f"iteration {iteration}")
        qr_pass = functools.partial(_qr_pass, run, request(point, f"QR at iteration {iteration}", qr=True))
        step = solver.solve_sums(s.xtwx, s.xtwz, control.rank_tol, qr_pass)
        if not np.all(np.isfinite(step.coef)):
            conv = False
            warn(f"non-finite coefficients at iteration {iteration}", ConvergenceWarning)
            break
        wls = step
        weights_point = point
        coef = step.coef.copy()
        point = Point(beta=coef)
        s = run(request(point, f"iteration {iteration}"))
        dev = s.deviance
        if control.trace:
            print(f"Deviance = {format_real([dev], digits=7)[0].strip()} Iterations - {iteration}")
        boundary = False
        if not math.isfinite(dev):
            if coefold is None:
                raise FitError("no valid set of coefficients has been found: please supply starting values"
                               + (error_hint() if error_hint else ""))
            warn("step size truncated due to divergence", StepHalvingWarning)
            coef, point, s = _halve(run, request, coef, coefold, control.max_iter,
                                    lambda t: math.isfinite(t.deviance), "inner loop 1; cannot correct step size")
            boundary = True
        if not s.valid:
            if coefold is None:
                raise FitError("no valid set of coefficients has been found: please supply starting values")
            warn("step size truncated: out of bounds", StepHalvingWarning)
            coef, point, s = _halve(run, request, coef, coefold, control.max_iter, lambda t: t.valid,
                                    "inner loop 2; cannot correct step size")
            boundary = True
        dev = s.deviance
        trace.append(dev)
        change = abs(dev - devold) / (abs(dev) + 0.1)
        if change < control.tol:
            conv = True
            break
        devold = dev
        coefold = coef.copy()
    else:
        iteration = control.max_iter

    from rglm.fit.irls import end_of_loop_warnings  # irls imports this module for its large-data path

    end_of_loop_warnings(family, control, conv=conv, iteration=iteration, change=change, boundary=boundary,
                         mu_min=s.mu_min, mu_max=s.mu_max)
    if wls is None:
        raise FitError("IRLS could not take a single step: no least-squares solution was found")
    beta = coef.copy()
    if wls.rank < p:
        beta[wls.aliased] = 0.0  # as R's eta, which uses the zero the solver left there
        coef = coef.copy()
        coef[wls.aliased] = np.nan
    return LoopResult(coef, beta, wls, float(s.deviance), iteration, conv, boundary, tuple(trace), s, weights_point,
                      point)


def _qr_pass(run: Callable[[PassRequest], Sums], request: PassRequest) -> FloatArray:
    """The triangular factor of :math:`[\\sqrt{W}X, \\sqrt{W}z]` by one more pass (QR fallback)."""
    s = run(request)
    assert s.r_factor is not None
    return s.r_factor


def _halve(run: Callable[[PassRequest], Sums], request: Callable[..., PassRequest], coef: FloatArray,
           coefold: FloatArray, max_iter: int, ok: Callable[[Sums], bool],
           message: str) -> tuple[FloatArray, Point, Sums]:
    """Halve the step towards ``coefold`` (one pass each) until ``ok`` holds."""
    ii = 1
    while True:
        coef = (coef + coefold) / 2
        point = Point(beta=coef)
        s = run(request(point, "step halving"))
        if ok(s):
            return coef, point, s
        ii += 1
        if ii > max_iter:
            raise FitError(message)


# -- out-of-core results ----------------------------------------------------------------------------
def _not_held(name: str) -> Any:
    def getter(self: PassFit) -> Any:
        raise OutOfCoreError(
            f"{name} is not held for a model fitted to chunked or Dask data: its rows were never all in memory. "
            "Per-row values are available chunk by chunk with m.iter_rows(...) (fitted values, residuals, "
            "working weights) or written to Parquet with m.predict_to(path)")

    return property(getter)


@dataclass(frozen=True)
class PassFit:
    """The fit of :func:`irls_passes` plus the end-of-fit sums: what :class:`rglm.GLMResult`
    needs from an :class:`rglm.fit.irls.IRLSFit`, without the per-row arrays (asking for those
    raises :class:`rglm.exceptions.OutOfCoreError`)."""

    coef: FloatArray
    wls: WLSFit
    deviance: float
    aic: float
    iterations: int
    converged: bool
    boundary: bool
    n_rows: int
    n_ok: int
    working_rss: float
    pearson_chi2: float
    null_deviance: float = math.nan
    deviance_trace: tuple[float, ...] = field(default=())
    passes: int = 0
    weights_point: Point | None = None

    eta = _not_held("eta (the linear predictors)")
    mu = _not_held("mu (the fitted values)")
    y = _not_held("y (the response)")
    prior_weights = _not_held("prior_weights")
    trials = _not_held("trials")
    working_weights = _not_held("working_weights")
    working_residuals = _not_held("working_residuals")

    @property
    def rank(self) -> int:
        return self.wls.rank

    @property
    def aliased(self) -> npt.NDArray[np.bool_]:
        return np.isnan(self.coef)


def finish_passes(run: Callable[[PassRequest], Sums], loop: LoopResult, family: Family, control: Any, *,
                  p_total: int, columns: IntArray | None = None, intercept_column: int | None = None,
                  null: bool = True, have_start: bool = False) -> PassFit:
    """The end-of-fit pass (AIC, Pearson's :math:`X^2`, R's dispersion sum) and the null
    deviance by R's rule: the weighted mean of :math:`y` with an intercept and no offset; a
    refit of the intercept with the offset, started at the fitted means (its own passes); or
    :math:`g^{-1}(o)` without an intercept."""
    last = loop.last
    intercept = intercept_column is not None
    null_mu = None
    nulldev = math.nan
    if null and intercept and last.offset_nonzero:
        full_beta = loop.beta if columns is None else _expand(loop.beta, columns, p_total)
        refit = irls_passes(run, 1, family, control, columns=np.array([intercept_column], dtype=np.intp),
                            mu_beta=full_beta)
        if not refit.converged:
            warn("fitting to calculate the null deviance did not converge -- increase max_iter?", ConvergenceWarning)
        nulldev = refit.deviance
    elif null and intercept:
        null_mu = last.sum_wy / last.sum_w
    fin = Finish(deviance=loop.deviance, n_rows=last.n_rows, sum_w=last.sum_w, any_trials=last.max_trials > 1,
                 weights_point=loop.weights_point, null_mu=null_mu, null_at_offset=null and not intercept)
    s = run(PassRequest(family, Point(beta=loop.beta), columns, have_start, finish=fin, label="final sums"))
    if null and (null_mu is not None or not intercept):
        nulldev = s.null_deviance
    aic = aic_total(family, s.aic_part, fin) + 2 * loop.wls.rank
    return PassFit(coef=loop.coef, wls=loop.wls, deviance=loop.deviance, aic=float(aic), iterations=loop.iterations,
                   converged=loop.converged, boundary=loop.boundary, n_rows=s.n_rows, n_ok=s.n_ok,
                   working_rss=float(s.working_rss), pearson_chi2=float(s.pearson), null_deviance=float(nulldev),
                   deviance_trace=loop.trace, passes=getattr(run, "passes", 0),
                   weights_point=loop.weights_point)


def _expand(beta: FloatArray, columns: IntArray, p: int) -> FloatArray:
    out = np.zeros(p)
    out[columns] = beta
    return out


# -- in-memory data above the R-exact size -------------------------------------------------------------
def memory_chunks(X: FloatArray | Design, y: FloatArray, weights: FloatArray, offset: FloatArray,
                  etastart: FloatArray | None = None, mustart: FloatArray | None = None,
                  block_rows: int | None = None, init: Initialized | None = None) -> list[Chunk]:
    """Row blocks of in-memory arrays (views, not copies, where the design allows); with
    ``init`` (the family's ``initialize`` on all rows) each block carries its share of it."""
    block_rows = block_rows or MEMORY_BLOCK_ROWS
    design = as_design(X)
    n = design.shape[0]
    out = []
    for a in range(0, max(n, 1), block_rows):
        b = min(a + block_rows, n)
        part = None if init is None else Initialized(init.y[a:b], init.weights[a:b], init.mustart[a:b],
                                                     init.n[a:b])
        out.append(Chunk(design if (a, b) == (0, n) else design.block(a, b), y[a:b], weights[a:b], offset[a:b],
                         None if etastart is None else etastart[a:b], None if mustart is None else mustart[a:b],
                         init=part))
    return out


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
def _single_threaded_blas() -> Iterator[None]:
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
            with _single_threaded_blas(), ThreadPoolExecutor(max_workers=threads) as pool:
                parts = list(pool.map(lambda c: accumulate(c, request), chunks))
        return Sums.total(parts, p, request.qr)

    return map_reduce


def _kept_rows(chunks: list[Chunk], point: Point, name: Literal["eta", "w"]) -> FloatArray | None:
    """``eta`` or ``w`` at ``point`` over all blocks, from their kept values; None when some
    block no longer holds them."""
    parts = []
    for c in chunks:
        k = kept(c)
        at = None if k is None else k.at(point)
        part = None if at is None else getattr(at, name)
        if part is None:
            return None
        parts.append(part)
    return np.concatenate(parts) if parts else None


def irls_in_memory(X: Design, y: FloatArray, family: Family, *, weights: FloatArray, offset: FloatArray,
                   init: Any, start: FloatArray | None, etastart: FloatArray | None, mustart: FloatArray | None,
                   control: Any, error_hint: Callable[[], str] | None = None) -> Any:
    """:func:`rglm.fit.irls.irls` for in-memory data through the pass loop over row blocks, with
    the per-row arrays of :class:`rglm.fit.irls.IRLSFit` computed once at the end.

    ``y`` and ``weights`` are the caller's (before ``initialize``); ``init`` is the family's
    ``initialize`` already run on them (its warnings and errors issued once by the caller).
    """
    with _rmath.fast_kernels():
        return _irls_in_memory(X, y, family, weights=weights, offset=offset, init=init, start=start,
                               etastart=etastart, mustart=mustart, control=control, error_hint=error_hint)


def _irls_in_memory(X: Design, y: FloatArray, family: Family, *, weights: FloatArray, offset: FloatArray,
                    init: Any, start: FloatArray | None, etastart: FloatArray | None, mustart: FloatArray | None,
                    control: Any, error_hint: Callable[[], str] | None) -> Any:
    from rglm.fit.irls import IRLSFit

    p = X.shape[1]
    have_start = start is not None or etastart is not None or mustart is not None
    chunks = memory_chunks(X, y, weights, offset, etastart, mustart, init=init)
    run = PassRunner(memory_map_reduce(chunks, p), emit_warnings=False)
    loop = irls_passes(run, p, family, control, start=start, have_start=have_start, error_hint=error_hint,
                       defer=True)
    whole = Chunk(X, y, weights, offset, etastart, mustart)
    # The per-row results come from what the last passes kept on the blocks (eta at the final
    # point, the working weights of the last least-squares step); recomputed if they are gone.
    eta = None if loop.point is None else _kept_rows(chunks, loop.point, "eta")
    if eta is None:
        rows, _ = evaluate_rows(whole, PassRequest(family, Point(beta=loop.beta), have_start=have_start), init=init)
        eta = rows.eta
    w2 = _kept_rows(chunks, loop.weights_point, "w")
    if w2 is None:
        prev, _ = evaluate_rows(whole, PassRequest(family, loop.weights_point, have_start=have_start), init=init)
        w, _ = working_weights(family, prev)
        w2 = w * w
    with np.errstate(all="ignore"):
        mu = family.link.inverse(eta)
        working_resid = (init.y - mu) / family.link.mu_eta(eta)
    aic = family.aic(init.y, init.n, mu, init.weights, loop.deviance) + 2 * loop.wls.rank
    return IRLSFit(
        coef=loop.coef, eta=eta, mu=mu, y=init.y, prior_weights=init.weights, trials=init.n,
        working_weights=w2, working_residuals=working_resid, wls=loop.wls, deviance=loop.deviance,
        aic=float(aic), iterations=loop.iterations, converged=loop.converged, boundary=loop.boundary,
        deviance_trace=loop.trace,
    )
