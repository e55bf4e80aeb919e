"""R's ``glm.fit`` loop, written once, generic over how a point is evaluated and a step solved.

Fisher scoring for a GLM repeats a few steps, each a function here:

1. :func:`start` -- evaluate R's starting point (``etastart``, ``start`` or ``mustart``, else
   the family's ``initialize``) and check that it is valid;
2. :func:`check_working` -- at the current point, R's checks of :math:`V(\\mu)`,
   :math:`d\\mu/d\\eta` and the working weights and response (:mod:`rglm.fit.working`);
3. :func:`solve` -- the weighted least-squares step, with R's rule for aliased columns;
4. evaluate the new coefficients (:meth:`Evaluator.at`);
5. :func:`keep_valid` -- halve the step towards the previous coefficients while the
   deviance is not finite, then while :math:`\\eta` or :math:`\\mu` leave the family's domain;
6. :func:`converged` -- :math:`|D - D_{old}| / (|D| + 0.1) < \\epsilon`;
7. :func:`finish` -- R's end-of-loop warnings, and the coefficients of aliased columns.

How a point is evaluated is an :class:`Evaluator`.  Two implement it:
:class:`rglm.fit.rows.RowEvaluator` (the rows held in memory, :math:`\\sqrt{W}X` and R's
LINPACK QR: R's digits) and :class:`rglm.fit.passes.SumsEvaluator` (sums of
:math:`X^T W X` over passes through row blocks, chunks or Dask partitions, solved by the
normal equations).  Which one a fit uses is its :class:`rglm.fit.plan.FitPlan`.

Every message of the loop is here, once.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from rglm.exceptions import (
    BoundaryWarning,
    ConvergenceWarning,
    FitError,
    PerfectFitWarning,
    StepHalvingWarning,
    warn,
)
from rglm.families.family import Family
from rglm.fit.plan import IRLSControl
from rglm.numerics.format import format_real
from rglm.numerics.linalg import WLSFit

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "Checks",
    "Evaluation",
    "Evaluator",
    "LoopResult",
    "NoValidCoefficients",
    "NullModel",
    "null_model",
    "run_loop",
]


class Evaluation(Protocol):
    """What the loop reads of an evaluated point."""

    @property
    def deviance(self) -> float: ...

    @property
    def valid(self) -> bool:
        """:math:`\\eta` and :math:`\\mu` inside the family's domain."""
        ...

    @property
    def mu_range(self) -> tuple[float, float]:
        """Smallest and largest :math:`\\mu` (for the warnings of fitted values at 0 or 1)."""
        ...


class Checks(Protocol):
    """R's checks at a point before its step (see :class:`rglm.fit.working.Working`)."""

    @property
    def nan_variance(self) -> bool: ...

    @property
    def zero_variance(self) -> bool: ...

    @property
    def nan_mu_eta(self) -> bool: ...

    @property
    def n_good(self) -> int: ...

    @property
    def finite(self) -> bool: ...


E = TypeVar("E", bound=Evaluation)


class Evaluator(Protocol[E]):
    """How a fit evaluates its points and solves its steps.

    ``n_coef`` is the number of coefficients.  ``start(coef)`` evaluates R's starting point
    (``coef`` the user's starting coefficients, or None) and returns it with R's ``coefold``
    (the coefficients it was evaluated at, or None); ``at(coef, label)`` evaluates
    :math:`\\eta = X\\beta + o`.  ``checks(e)`` gives R's checks at ``e``, and
    ``solve(e, tol, iteration)`` the least-squares step from the working weights and
    response at ``e``.  ``divergence_hint()`` adds to the error of a fit whose deviance is
    not finite from the first step.
    """

    @property
    def n_coef(self) -> int: ...

    def start(self, coef: FloatArray | None) -> tuple[E, FloatArray | None]: ...

    def at(self, coef: FloatArray, label: str) -> E: ...

    def checks(self, e: E) -> Checks: ...

    def solve(self, e: E, tol: float, iteration: int) -> WLSFit: ...

    def divergence_hint(self) -> str: ...


@dataclass(frozen=True, eq=False)
class LoopResult(Generic[E]):
    """The end of R's loop.

    Attributes
    ----------
    coef : ndarray
        Coefficients, NaN where aliased.
    beta : ndarray
        Coefficients with 0 where aliased (what :math:`\\eta` uses).
    wls : WLSFit
        The last least-squares step (its R factor gives the covariance).
    final : Evaluation
        The last point.
    weights_at : Evaluation
        The point whose working weights were formed last (R's ``w`` after the loop).
    deviance : float
    iterations : int
    converged, boundary : bool
    trace : tuple of float
        The deviance after each iteration.
    """

    coef: FloatArray
    beta: FloatArray
    wls: WLSFit
    final: E
    weights_at: E
    deviance: float
    iterations: int
    converged: bool
    boundary: bool
    trace: tuple[float, ...]


_EMPTY_WLS = WLSFit(np.zeros(0), 0, np.zeros(0, dtype=np.intp), np.zeros((0, 0)))


class NoValidCoefficients(FitError):
    """R's "no valid set of coefficients has been found": the first step from R's starting
    point left the family's domain (or gave an infinite deviance), with no earlier point to
    halve back to.  :func:`rglm.fit.irls.irls` catches it to restart from a valid point when
    the step left the domain (``outside_domain``), not when the deviance overflowed."""

    def __init__(self, message: str, *, outside_domain: bool) -> None:
        super().__init__(message)
        self.outside_domain = outside_domain


def run_loop(
    ev: Evaluator[E], family: Family, control: IRLSControl, *, start_coef: FloatArray | None = None
) -> LoopResult[E]:
    """Fit by Fisher scoring exactly as R's ``glm.fit``; the steps are in the module docstring."""
    p = ev.n_coef
    if p == 0:
        return empty_model(ev)
    e, coefold = start(ev, start_coef)
    devold = e.deviance
    coef = np.zeros(p) if start_coef is None else np.array(start_coef, dtype=np.float64)
    boundary = conv = False
    wls: WLSFit | None = None
    weights_at = e
    trace: list[float] = []
    change = math.nan
    iteration = 0
    for iteration in range(1, control.max_iter + 1):
        weights_at = e
        if not check_working(ev.checks(e), iteration):
            conv = False
            break
        step = solve(ev, e, control, iteration)
        if step is None:
            conv = False
            break
        wls = step
        coef = step.coef.copy()
        e = ev.at(coef, f"iteration {iteration}")
        if control.trace:
            print(f"Deviance = {format_real([e.deviance], digits=7)[0].strip()} Iterations - {iteration}")
        coef, e, boundary = keep_valid(ev, family, control, coef, coefold, e)
        dev = e.deviance
        trace.append(dev)
        change = abs(dev - devold) / (abs(dev) + 0.1)
        if converged(change, control):
            conv = True
            break
        devold = dev
        coefold = coef.copy()
    else:
        iteration = control.max_iter
    return finish(
        family,
        control,
        wls,
        coef,
        e,
        weights_at,
        iteration=iteration,
        conv=conv,
        boundary=boundary,
        change=change,
        trace=tuple(trace),
    )


def empty_model(ev: Evaluator[E]) -> LoopResult[E]:
    """A model with no coefficients: :math:`\\eta` is the offset (R's ``EMPTY`` branch)."""
    e = ev.at(np.zeros(0), "empty model")
    if not e.valid:
        raise FitError(
            "invalid linear predictor values in empty model: the offset gives means outside "
            "the family's range"
        )
    return LoopResult(np.zeros(0), np.zeros(0), _EMPTY_WLS, e, e, float(e.deviance), 0, True, False, ())


def start(ev: Evaluator[E], coef: FloatArray | None) -> tuple[E, FloatArray | None]:
    """Step 1: R's starting point, which must be valid."""
    e, coefold = ev.start(coef)
    if not e.valid:
        raise FitError("cannot find valid starting values: please specify some (start, etastart or mustart)")
    return e, coefold


def check_working(checks: Checks, iteration: int) -> bool:
    """Step 2: R's checks before a step; False (with R's warning) when no row is informative."""
    if checks.nan_variance:
        raise FitError("NAs in V(mu): the variance function is undefined at the current fitted means")
    if checks.zero_variance:
        raise FitError("0s in V(mu): the variance function is zero at the current fitted means")
    if checks.nan_mu_eta:
        raise FitError("NAs in d(mu)/d(eta): the link's derivative is undefined at the current fit")
    if checks.n_good == 0:
        warn(f"no observations informative at iteration {iteration}", ConvergenceWarning)
        return False
    if not checks.finite:
        # R's least-squares routine refuses such input ("NA/NaN/Inf in 'x'").
        raise FitError(
            f"NA/NaN/Inf in the weighted least-squares problem at iteration {iteration}: the "
            "working weights or response are not finite (the variance is negative or undefined at "
            "the current fitted means); try another link or starting values"
        )
    return True


def solve(ev: Evaluator[E], e: E, control: IRLSControl, iteration: int) -> WLSFit | None:
    """Step 3: the least-squares step; None (with R's warning) when its coefficients are not finite."""
    step = ev.solve(e, control.rank_tol, iteration)
    if not np.all(np.isfinite(step.coef)):
        warn(f"non-finite coefficients at iteration {iteration}", ConvergenceWarning)
        return None
    return step


def keep_valid(
    ev: Evaluator[E], family: Family, control: IRLSControl, coef: FloatArray, coefold: FloatArray | None, e: E
) -> tuple[FloatArray, E, bool]:
    """Step 5: R's two inner loops, which halve the step while the deviance is not finite,
    then while the point is outside the family's domain; returns the coefficients, the
    point and whether a step was halved (R's ``boundary``)."""
    boundary = False
    if not math.isfinite(e.deviance):
        if coefold is None:
            raise NoValidCoefficients(
                "no valid set of coefficients has been found: please supply starting values"
                + ev.divergence_hint(),
                outside_domain=not e.valid,
            )
        warn("step size truncated due to divergence", StepHalvingWarning)
        coef, e = halve(
            ev,
            control,
            coef,
            coefold,
            lambda t: math.isfinite(t.deviance),
            "inner loop 1; cannot correct step size",
        )
        boundary = True
    if not e.valid:
        if coefold is None:
            raise NoValidCoefficients(
                "no valid set of coefficients has been found: please supply starting values",
                outside_domain=True,
            )
        warn("step size truncated: out of bounds", StepHalvingWarning)
        coef, e = halve(
            ev, control, coef, coefold, lambda t: t.valid, "inner loop 2; cannot correct step size"
        )
        boundary = True
    return coef, e, boundary


def halve(
    ev: Evaluator[E],
    control: IRLSControl,
    coef: FloatArray,
    coefold: FloatArray,
    ok: Callable[[E], bool],
    message: str,
) -> tuple[FloatArray, E]:
    """Halve the step towards ``coefold`` until ``ok`` holds, at most ``max_iter`` times."""
    ii = 1
    while True:
        coef = (coef + coefold) / 2
        e = ev.at(coef, "step halving")
        if ok(e):
            return coef, e
        ii += 1
        if ii > control.max_iter:
            raise FitError(message)


def converged(change: float, control: IRLSControl) -> bool:
    """Step 6: R's relative change of the deviance below ``epsilon``."""
    return change < control.tol


def finish(
    family: Family,
    control: IRLSControl,
    wls: WLSFit | None,
    coef: FloatArray,
    e: E,
    weights_at: E,
    *,
    iteration: int,
    conv: bool,
    boundary: bool,
    change: float,
    trace: tuple[float, ...],
) -> LoopResult[E]:
    """Step 7: R's warnings once the loop ends, and the coefficients of aliased columns."""
    mu_min, mu_max = e.mu_range
    end_of_loop_warnings(
        family,
        control,
        conv=conv,
        iteration=iteration,
        change=change,
        boundary=boundary,
        mu_min=mu_min,
        mu_max=mu_max,
    )
    if wls is None:
        raise FitError("IRLS could not take a single step: no least-squares solution was found")
    beta = coef.copy()
    if wls.rank < coef.size:
        beta[wls.aliased] = 0.0  # as R's eta, which uses the zero the solver left there
        coef = coef.copy()
        coef[wls.aliased] = np.nan
    return LoopResult(coef, beta, wls, e, weights_at, float(e.deviance), iteration, conv, boundary, trace)


def end_of_loop_warnings(
    family: Family,
    control: IRLSControl,
    *,
    conv: bool,
    iteration: int,
    change: float,
    boundary: bool,
    mu_min: float,
    mu_max: float,
) -> None:
    """The warnings R's ``glm.fit`` gives once its loop ends: no convergence, a boundary
    stop, and the family's warning of fitted means at the edge of its range (probabilities
    or rates numerically 0 or 1), which point to separation or to cells fitted exactly."""
    if not conv:
        warn(
            f"IRLS did not converge in {iteration} iterations (last relative deviance change {change:.3g}, "
            f"tolerance {control.tol:g}); raise max_iter, supply starting values, or try another link",
            ConvergenceWarning,
        )
    if boundary:
        warn(
            "IRLS stopped at a boundary value: a step had to be halved to keep the fit valid", BoundaryWarning
        )
    extreme = family.extreme_fit_message(mu_min, mu_max)
    if extreme:
        warn(extreme, PerfectFitWarning)


# -- the null model ---------------------------------------------------------------------------------
class NullModel(enum.Enum):
    """R's null model: the weighted mean of :math:`y` (an intercept, no offset), an
    intercept-only refit (an intercept and an offset), or :math:`\\mu = g^{-1}(o)` (no intercept)."""

    MEAN = "mean"
    REFIT = "refit"
    OFFSET = "offset"


def null_model(*, intercept: bool, offset_nonzero: bool) -> NullModel:
    """R's rule for the null deviance (``glm.fit`` and ``MASS::glm.nb`` alike)."""
    if intercept and offset_nonzero:
        return NullModel.REFIT
    return NullModel.MEAN if intercept else NullModel.OFFSET


def warn_null_refit(converged: bool) -> None:
    """``glm.fit``'s warning when the intercept-only refit of the null deviance did not converge."""
    if not converged:
        warn(
            "fitting to calculate the null deviance did not converge -- increase max_iter?",
            ConvergenceWarning,
        )
