"""Iteratively reweighted least squares: R's ``glm.fit``, as a pure function of arrays.

Given a design :math:`X`, response :math:`y`, prior weights :math:`w`, offset :math:`o` and a
family (variance :math:`V`, link :math:`g`), each Fisher scoring iteration forms

.. math::

    z_i = \\eta_i - o_i + (y_i - \\mu_i)\\,\\frac{d\\eta}{d\\mu}, \\qquad
    W_i = \\frac{w_i\\,(d\\mu/d\\eta)^2}{V(\\mu_i)},

and solves the weighted least squares problem of :math:`z` on :math:`X` with weights
:math:`W`.  The loop stops when :math:`|D - D_{old}| / (|D| + 0.1) < \\text{tol}`, with
:math:`D` the deviance.  A step whose deviance is not finite, or whose :math:`\\eta` or
:math:`\\mu` leave the family's domain, is halved towards the previous coefficients.

Everything here follows ``glm.fit`` line by line (starting values from the family's
``initialize``, which rows take part, when the weights are evaluated), so iteration
counts, working weights and the covariance factor are R's.  Nothing here knows about data
frames or formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

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
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import Design, as_design
from rglm.numerics.format import format_real
from rglm.numerics.linalg import NormalEquations, WLSFit, WLSStep, choose_solver

FloatArray = npt.NDArray[np.float64]

__all__ = ["IRLSControl", "IRLSFit", "irls", "null_deviance"]

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class IRLSControl:
    """R's ``glm.control``: convergence tolerance ``tol`` (R's ``epsilon``), ``max_iter``
    (R's ``maxit``) and ``trace``, which prints the deviance at each iteration."""

    tol: float = 1e-8
    max_iter: int = 25
    trace: bool = False

    def __post_init__(self) -> None:
        if not (self.tol > 0 and math.isfinite(self.tol)):
            raise FitError(f"tol must be a positive number, got {self.tol!r}")
        if int(self.max_iter) != self.max_iter or self.max_iter < 1:
            raise FitError(f"max_iter must be a positive whole number, got {self.max_iter!r}")

    @property
    def rank_tol(self) -> float:
        """Tolerance of the rank decision, ``min(1e-7, tol / 1000)`` as in ``glm.fit``."""
        return min(1e-7, self.tol / 1000)


@dataclass(frozen=True)
class IRLSFit:
    """The converged (or last) state of IRLS.

    Attributes
    ----------
    coef : ndarray
        Coefficients, NaN for aliased columns.
    eta, mu : ndarray
        Linear predictor (offset included) and fitted means.
    y, prior_weights, trials : ndarray
        Response, prior weights and binomial trials as the family's ``initialize`` left them.
    working_weights : ndarray
        :math:`W_i` of the last least-squares step (0 for rows that took no part).
    working_residuals : ndarray
        :math:`(y_i - \\mu_i)\\, d\\eta/d\\mu` at the final :math:`\\mu`.
    wls : WLSFit or None
        The last least-squares solution (its R factor gives the covariance).
    deviance, aic : float
    iterations : int
    converged, boundary : bool
    """

    coef: FloatArray
    eta: FloatArray
    mu: FloatArray
    y: FloatArray
    prior_weights: FloatArray
    trials: FloatArray
    working_weights: FloatArray
    working_residuals: FloatArray
    wls: WLSFit | None
    deviance: float
    aic: float
    iterations: int
    converged: bool
    boundary: bool
    deviance_trace: tuple[float, ...] = field(default=())

    @property
    def rank(self) -> int:
        return 0 if self.wls is None else self.wls.rank

    @property
    def aliased(self) -> npt.NDArray[np.bool_]:
        return np.isnan(self.coef)

    @property
    def n_ok(self) -> int:
        """Rows with non-zero prior weight."""
        return int(np.sum(self.prior_weights != 0))

    @property
    def n_rows(self) -> int:
        """All rows of the fit, zero weights included."""
        return int(self.y.shape[0])

    @property
    def working_rss(self) -> float:
        """:math:`\\sum_{i: W_i > 0} W_i r_i^2`, working weights times squared working residuals
        (the numerator of R's dispersion estimate)."""
        w, r = self.working_weights, self.working_residuals
        return _rmath.rsum((w * r * r)[w > 0])


def _deviance(family: Family, y: FloatArray, mu: FloatArray, wt: FloatArray) -> float:
    # An overflowing deviance is handled by the loop (step halving, or an error), not warned.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _rmath.rsum(family.dev_resids(y, mu, wt))


def end_of_loop_warnings(family: Family, control: IRLSControl, *, conv: bool, iteration: int, change: float,
                         boundary: bool, mu_min: float, mu_max: float) -> None:
    """The warnings R's ``glm.fit`` gives once its loop ends: no convergence, a boundary
    stop, and fitted probabilities or rates numerically 0 (or 1), which point to separation
    or to cells the model fits exactly.  Shared by the array and the pass-based loops."""
    if not conv:
        warn(
            f"IRLS did not converge in {iteration} iterations (last relative deviance change {change:.3g}, "
            f"tolerance {control.tol:g}); raise max_iter, supply starting values, or try another link",
            ConvergenceWarning,
        )
    if boundary:
        warn("IRLS stopped at a boundary value: a step had to be halved to keep the fit valid", BoundaryWarning)
    eps10 = 10 * _EPS
    if family.name == "binomial" and (mu_max > 1 - eps10 or mu_min < eps10):
        warn("fitted probabilities numerically 0 or 1 occurred: the data may be (quasi-)separated, "
             "so some coefficients and standard errors are unreliable; check for a predictor or level "
             "that splits the outcomes perfectly, and remove or merge it, or use a penalized (Firth) fit",
             PerfectFitWarning)
    if family.name == "poisson" and mu_min < eps10:
        warn("fitted rates numerically 0 occurred: some cells have zero counts that the model fits "
             "exactly, so some coefficients tend to minus infinity; check for levels with no events "
             "and merge or remove them", PerfectFitWarning)


def irls(
    X: FloatArray | Design,
    y: FloatArray,
    family: Family,
    *,
    weights: FloatArray | None = None,
    offset: FloatArray | None = None,
    start: FloatArray | None = None,
    etastart: FloatArray | None = None,
    mustart: FloatArray | None = None,
    control: IRLSControl | None = None,
    solver: WLSStep | None = None,
) -> IRLSFit:
    """Fit a GLM by Fisher scoring, as R's ``glm.fit``.

    Parameters
    ----------
    X : ndarray of shape (n, p), or a :class:`rglm.numerics.design.Design`
        Model matrix.
    y : ndarray, shape (n,) or (n, 2)
        Response; two columns (successes, failures) for binomial counts.
    family : Family
    weights, offset : ndarray, optional
        Prior weights (default 1) and offset (default 0).
    start, etastart, mustart : ndarray, optional
        Starting coefficients, linear predictor or means, as in R.
    control : IRLSControl, optional
    solver : WLSStep, optional
        The weighted least-squares step; by default :func:`rglm.numerics.linalg.choose_solver`.

    Returns
    -------
    IRLSFit
    """
    control = control or IRLSControl()
    X = as_design(X)
    nobs, nvars = X.shape
    weights = np.ones(nobs) if weights is None else np.asarray(weights, dtype=np.float64)
    offset = np.zeros(nobs) if offset is None else np.asarray(offset, dtype=np.float64)
    have_start = start is not None or etastart is not None or mustart is not None
    y_given, weights_given = np.asarray(y, dtype=np.float64), weights
    init = family.initialize(y_given, weights, have_start=have_start)
    y, weights, n = init.y, init.weights, init.n
    mu_start = init.mustart if mustart is None else np.asarray(mustart, dtype=np.float64)
    link = family.link
    solve = solver or choose_solver(nobs, nvars)

    if nvars == 0:
        return _empty_fit(y, family, weights, offset, n)
    if start is not None and np.asarray(start).shape != (nvars,):
        raise FitError(f"length of 'start' should equal {nvars} and correspond to the coefficients, "
                       f"got {np.asarray(start).size} values")
    if solver is None and isinstance(solve, NormalEquations):
        # Beyond the R-exact size the loop runs as passes over row blocks: the same code that
        # fits chunked files and Dask data (rglm.fit.accumulate, rglm.fit.passes).
        from rglm.fit.passes import irls_in_memory

        as_float = (lambda v: None if v is None else np.asarray(v, dtype=np.float64))
        return irls_in_memory(X, y_given, family, weights=weights_given, offset=offset, init=init,
                              start=as_float(start), etastart=as_float(etastart), mustart=as_float(mustart),
                              control=control, error_hint=lambda: _scale_hint(y, X))

    coefold: FloatArray | None = None
    if etastart is not None:
        eta = np.asarray(etastart, dtype=np.float64)
    elif start is not None:
        start = np.asarray(start, dtype=np.float64)
        if start.shape != (nvars,):
            raise FitError(f"length of 'start' should equal {nvars} and correspond to the coefficients, "
                           f"got {start.size} values")
        coefold = start.copy()
        eta = offset + X.matvec(start)
    else:
        with np.errstate(all="ignore"):
            eta = link.link(mu_start)
    mu = link.inverse(eta)
    if not (family.valid_mu(mu) and family.valid_eta(eta)):
        raise FitError("cannot find valid starting values: please specify some (start, etastart or mustart)")
    devold = _deviance(family, y, mu, weights)
    coef = np.zeros(nvars) if start is None else start.copy()
    boundary = conv = False
    wls: WLSFit | None = None
    w = np.zeros(0)
    good = np.ones(nobs, dtype=bool)
    trace: list[float] = []
    change = math.nan
    iteration = 0
    for iteration in range(1, control.max_iter + 1):
        good = weights > 0
        variance = family.variance(mu)
        varmu = variance[good]
        if np.any(np.isnan(varmu)):
            raise FitError("NAs in V(mu): the variance function is undefined at the current fitted means")
        if np.any(varmu == 0):
            raise FitError("0s in V(mu): the variance function is zero at the current fitted means")
        mu_eta = link.mu_eta(eta)
        if np.any(np.isnan(mu_eta[good])):
            raise FitError("NAs in d(mu)/d(eta): the link's derivative is undefined at the current fit")
        good = (weights > 0) & (mu_eta != 0)
        if not np.any(good):
            conv = False
            warn(f"no observations informative at iteration {iteration}", ConvergenceWarning)
            break
        with np.errstate(all="ignore"):
            z = (eta - offset)[good] + (y - mu)[good] / mu_eta[good]
            mg = mu_eta[good]
            w = np.sqrt((weights[good] * (mg * mg)) / variance[good])
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(z))):
            # R's least-squares routine refuses such input ("NA/NaN/Inf in 'x'").
            raise FitError(f"NA/NaN/Inf in the weighted least-squares problem at iteration {iteration}: the "
                           "working weights or response are not finite (the variance is negative or undefined at "
                           "the current fitted means); try another link or starting values")
        step = solve(X, good, w, z, control.rank_tol)
        if not np.all(np.isfinite(step.coef)):
            conv = False
            warn(f"non-finite coefficients at iteration {iteration}", ConvergenceWarning)
            break
        wls = step
        coef = step.coef.copy()
        eta = X.matvec(coef) + offset
        mu = link.inverse(eta)
        dev = _deviance(family, y, mu, weights)
        if control.trace:
            print(f"Deviance = {format_real([dev], digits=7)[0].strip()} Iterations - {iteration}")
        boundary = False
        if not math.isfinite(dev):
            if coefold is None:
                raise FitError("no valid set of coefficients has been found: please supply starting values"
                               + _scale_hint(y, X))
            warn("step size truncated due to divergence", StepHalvingWarning)
            coef, eta, mu, dev = _halve(X, offset, coef, coefold, family, y, weights, control,
                                        lambda e, m, d: math.isfinite(d), "inner loop 1; cannot correct step size")
            boundary = True
        if not (family.valid_eta(eta) and family.valid_mu(mu)):
            if coefold is None:
                raise FitError("no valid set of coefficients has been found: please supply starting values")
            warn("step size truncated: out of bounds", StepHalvingWarning)
            coef, eta, mu, dev = _halve(X, offset, coef, coefold, family, y, weights, control,
                                        lambda e, m, d: family.valid_eta(e) and family.valid_mu(m),
                                        "inner loop 2; cannot correct step size")
            boundary = True
        trace.append(dev)
        change = abs(dev - devold) / (abs(dev) + 0.1)
        if change < control.tol:
            conv = True
            break
        devold = dev
        coefold = coef.copy()
    else:
        iteration = control.max_iter

    end_of_loop_warnings(family, control, conv=conv, iteration=iteration, change=change, boundary=boundary,
                         mu_min=float(np.min(mu, initial=np.inf)), mu_max=float(np.max(mu, initial=-np.inf)))

    if wls is None:
        raise FitError("IRLS could not take a single step: no least-squares solution was found")
    if wls.rank < nvars:
        coef = coef.copy()
        coef[wls.aliased] = np.nan
    with np.errstate(all="ignore"):
        working_resid = (y - mu) / link.mu_eta(eta)
    wt = np.zeros(nobs)
    wt[good] = w * w
    aic = family.aic(y, n, mu, weights, float(dev)) + 2 * wls.rank
    return IRLSFit(
        coef=coef, eta=eta, mu=mu, y=y, prior_weights=weights, trials=n, working_weights=wt,
        working_residuals=working_resid, wls=wls, deviance=float(dev), aic=float(aic),
        iterations=iteration, converged=conv, boundary=boundary, deviance_trace=tuple(trace),
    )


def _scale_hint(y: FloatArray, X: Design) -> str:
    """A hint for non-finite deviances caused by extreme magnitudes, which R leaves unexplained."""
    sample = X.rows(np.arange(min(X.shape[0], 10_000)))
    big = max(float(np.nanmax(np.abs(y), initial=0.0)), float(np.nanmax(np.abs(sample), initial=0.0)))
    if big > 1e150:
        return (f" (the deviance is not finite: values as large as {big:.3g} overflow when squared; "
                "rescale the response or predictors, e.g. divide by a power of ten)")
    return ""


def _halve(
    X: Design, offset: FloatArray, coef: FloatArray, coefold: FloatArray, family: Family,
    y: FloatArray, weights: FloatArray, control: IRLSControl,
    ok: Callable[[FloatArray, FloatArray, float], bool], message: str,
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Halve the step towards ``coefold`` until ``ok(eta, mu, dev)`` holds."""
    ii = 1
    while True:
        coef = (coef + coefold) / 2
        eta = X.matvec(coef) + offset
        mu = family.link.inverse(eta)
        dev = _deviance(family, y, mu, weights)
        if ok(eta, mu, dev):
            return coef, eta, mu, dev
        ii += 1
        if ii > control.max_iter:
            raise FitError(message)


def _empty_fit(y: FloatArray, family: Family, weights: FloatArray, offset: FloatArray,
               n: FloatArray) -> IRLSFit:
    """A model with no coefficients: :math:`\\eta` is the offset (R's ``EMPTY`` branch)."""
    eta = offset.copy()
    mu = family.link.inverse(eta)
    if not (family.valid_mu(mu) and family.valid_eta(eta)):
        raise FitError("invalid linear predictor values in empty model: the offset gives means outside "
                       "the family's range")
    dev = _deviance(family, y, mu, weights)
    mu_eta = family.link.mu_eta(eta)
    with np.errstate(all="ignore"):
        w = np.sqrt((weights * mu_eta * mu_eta) / family.variance(mu))
        resid = (y - mu) / mu_eta
    aic = family.aic(y, n, mu, weights, dev)
    return IRLSFit(
        coef=np.zeros(0), eta=eta, mu=mu, y=y, prior_weights=weights, trials=n, working_weights=w * w,
        working_residuals=resid, wls=WLSFit(np.zeros(0), 0, np.zeros(0, dtype=np.intp), np.zeros((0, 0))),
        deviance=dev, aic=aic, iterations=0, converged=True, boundary=False,
    )


def null_deviance(
    fit: IRLSFit,
    family: Family,
    offset: FloatArray,
    *,
    intercept: bool,
    control: IRLSControl | None = None,
    response: FloatArray | None = None,
    weights: FloatArray | None = None,
) -> float:
    """Deviance of the null model, as R's ``glm`` reports it.

    With an intercept and no offset the null model's mean is the weighted mean of
    :math:`y`; with an offset the intercept-only model is refitted by IRLS (starting from
    the full model's fitted means), on the ``response`` and prior ``weights`` as the caller
    gave them (a ``cbind`` response stays two columns, as in R); without an intercept the
    null model is :math:`\\mu = g^{-1}(o)`.
    """
    y, wt = fit.y, fit.prior_weights
    if intercept and np.any(offset != 0):
        ones = np.ones((y.size, 1))
        refit = irls(ones, y if response is None else response, family, weights=wt if weights is None else weights,
                     offset=offset, mustart=fit.mu, control=control)
        if not refit.converged:
            warn("fitting to calculate the null deviance did not converge -- increase max_iter?", ConvergenceWarning)
        return refit.deviance
    if intercept:
        wtdmu = np.full(y.size, _rmath.rsum(wt * y) / _rmath.rsum(wt))
    else:
        wtdmu = family.link.inverse(offset)
    return _deviance(family, y, wtdmu, wt)

