"""Bias-reduced and penalized GLM fits: R's ``brglm2::brglmFit`` (version 0.9), on arrays.

A GLM with coefficients :math:`\\beta` and dispersion :math:`\\phi` is fitted by solving the
adjusted score equations :math:`s(\\theta) + A(\\theta) = 0`, where :math:`s` is the score and
:math:`A` an adjustment chosen by ``type`` (Kosmidis and Firth 2009, 2021; Kosmidis, Kenne
Pagui and Sartori 2020).  With :math:`W = \\mathrm{diag}(w_i\\mu_i'^2/V(\\mu_i))`, hat values
:math:`h_i` of :math:`W^{1/2}X` and :math:`F = X^T W X`:

* ``AS_mean`` (mean bias reduction) and ``AS_mixed``:
  :math:`A_\\beta = \\tfrac12 \\sum_i h_i (\\mu_i''/\\mu_i') x_i`;
* ``MPL_Jeffreys`` (maximum penalized likelihood, penalty :math:`a\\log|i(\\beta)|`; Firth's for
  :math:`a = 1/2` and a canonical link):
  :math:`A_\\beta = a \\sum_i h_i (2\\mu_i''/\\mu_i' - V'(\\mu_i)\\mu_i'/V(\\mu_i)) x_i`;
* ``AS_median`` (median bias reduction): :math:`A_\\beta` of ``AS_mean`` plus :math:`F b` with
  :math:`b_j = e_j^T F^{-1} \\sum_i h_{ij} (\\mu_i' V'(\\mu_i)/(6V(\\mu_i)) - \\mu_i''/(2\\mu_i')) x_i`,
  :math:`h_{ij} = w_i\\mu_i'^2/V(\\mu_i)\\,(x_i^T F^{-1} e_j)^2 / (F^{-1})_{jj}`;
* ``correction``: the ML estimate plus one ``AS_mean`` step; ``ML``: :math:`A = 0`.

The dispersion has its own adjusted score, :math:`\\tfrac12\\phi^{-2}\\sum_i (d_i - w_i
a'(\\zeta_i)) + A_\\phi` with :math:`\\zeta_i = -w_i/\\phi` and :math:`d_i` the unit deviances
(:func:`rglm.families.derivatives.dispersion_cumulants`); :math:`A_\\phi` is
:math:`(p-2)/(2\\phi) + s_3/(2\\phi^2 s_2)` for ``AS_mean``, :math:`p/(2\\phi) + s_3/(6\\phi^2 s_2)`
for ``AS_median`` and ``AS_mixed``, and :math:`2a(-(p+4)/(2\\phi) + s_3/(2\\phi^2 s_2))` for
``MPL_Jeffreys``, with :math:`s_k = \\sum_i w_i^k a^{(k)}(\\zeta_i)`.

**The iteration** is brglm2's quasi Fisher scoring, not R's ``glm.fit`` loop (it stops on the
size of the step, not on the deviance), so it is written here rather than run through
:mod:`rglm.fit.loop`: from a start :math:`\\theta_0`, each iteration adds
``slowit`` :math:`\\cdot 2^{-k}` times the step :math:`\\delta = i(\\theta)^{-1}(s + A)` (for
:math:`\\phi` without ``slowit``), starting with :math:`k = 0` and adding halved steps from the new
point while :math:`\\sum|\\delta|` grows (always once more in the first iteration), at most
``max_step_factor`` times; it stops when :math:`\\sum|\\delta| <` ``tol``.  The start is R's
``glm.fit`` (:mod:`rglm.fit.loop`) on a response moved towards the middle by
:math:`p/(2n)` (binomial and Poisson), with the dispersion solved from its ML score by Brent's
method.  Its warnings are dropped, as brglm2 runs it under ``options(warn = -1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from rglm.exceptions import ArgumentError, ConvergenceWarning, PerfectFitWarning, muted, warn
from rglm.families.derivatives import has_dispersion, supports
from rglm.families.family import Binomial, Family, Poisson
from rglm.fit.brglm_terms import Failed, Point, Problem
from rglm.fit.loop import run_loop
from rglm.fit.plan import FitPlan, IRLSControl
from rglm.fit.result import IRLSFit, RowArrays
from rglm.fit.rows import RowEvaluator
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import as_design
from rglm.numerics.linalg import QRStep, WLSFit, solve_lapack, solve_r_exact
from rglm.numerics.roots import zeroin

FloatArray = npt.NDArray[np.float64]

__all__ = ["BRGLM_TYPES", "BrglmControl", "BrglmFit", "brglm_fit", "brglm_null_deviance", "zeroin"]

#: brglm2's estimators and the words its summary prints for them (``get_type_description``).
BRGLM_TYPES: dict[str, str] = {
    "AS_mixed": "mixed bias-reducing adjusted score equations",
    "AS_mean": "mean bias-reducing adjusted score equations",
    "AS_median": "median bias-reducing adjusted score equations",
    "correction": "bias correction",
    "MPL_Jeffreys": "maximum penalized likelihood with Jeffreys'-prior penalty",
    "ML": "maximum likelihood",
}


@dataclass(frozen=True)
class BrglmControl:
    """brglm2's ``brglmControl`` (its defaults): the estimator ``type``, ``tol`` (R's
    ``epsilon``, compared with :math:`\\sum|\\delta|`), ``max_iter`` (``maxit``), ``a`` (the power
    of the Jeffreys prior of ``MPL_Jeffreys``), ``slowit`` (a factor on every coefficient step),
    ``max_step_factor`` (most step halvings per iteration) and ``response_adjustment`` (the
    amount added to the response of the starting fit; None: :math:`p/n`)."""

    type: str = "AS_mixed"
    tol: float = 1e-6
    max_iter: int = 100
    a: float = 0.5
    slowit: float = 1.0
    max_step_factor: int = 12
    response_adjustment: float | None = None

    def __post_init__(self) -> None:
        if self.type not in BRGLM_TYPES:
            known = ", ".join(repr(t) for t in BRGLM_TYPES)
            raise ArgumentError(f"unknown brglm type {self.type!r}; the types are {known}")
        if not (self.tol > 0 and math.isfinite(self.tol)):
            raise ArgumentError(f"tol must be a positive number, got {self.tol!r}")
        if int(self.max_iter) != self.max_iter or self.max_iter < 0:
            raise ArgumentError(f"max_iter must be a whole number >= 0, got {self.max_iter!r}")
        object.__setattr__(self, "max_iter", int(self.max_iter))
        if self.type == "MPL_Jeffreys" and not (self.a > 0 and math.isfinite(self.a)):
            raise ArgumentError(
                f"type='MPL_Jeffreys' needs a > 0 (a positive power of Jeffreys' prior), got a={self.a!r}"
            )
        if not (self.slowit > 0 and math.isfinite(self.slowit)):
            raise ArgumentError(f"slowit must be a positive number, got {self.slowit!r}")
        if int(self.max_step_factor) != self.max_step_factor or self.max_step_factor < 1:
            raise ArgumentError(f"max_step_factor must be a whole number >= 1, got {self.max_step_factor!r}")
        object.__setattr__(self, "max_step_factor", int(self.max_step_factor))

    @property
    def description(self) -> str:
        """What brglm2's summary prints after the type, e.g. ``mean bias-reducing adjusted
        score equations``."""
        return BRGLM_TYPES[self.type]


@dataclass(frozen=True)
class BrglmFit:
    """A fitted bias-reduced GLM.

    Attributes
    ----------
    fit : IRLSFit
        Coefficients (NaN where aliased), means, working weights and the R factor of
        :math:`W^{1/2}X` at the estimate, deviance, AIC (the family's at the fitted means, plus
        twice the rank), iterations and convergence, as a GLM result reads them.
    dispersion : float
        brglm2's estimate of :math:`\\phi` (1 for binomial and Poisson, NaN without residual
        degrees of freedom).
    dispersion_ml : float
        The ML estimate of :math:`\\phi` at the starting coefficients (brglm2's ``dispersion_ML``).
    info_dispersion : float
        Fisher information of :math:`\\phi` at the estimate (NaN for binomial and Poisson).
    adjusted_score : ndarray
        The adjusted score at the estimate: the coefficients' (NaN where aliased), then the
        dispersion's.
    control : BrglmControl
    """

    fit: IRLSFit
    dispersion: float
    dispersion_ml: float
    info_dispersion: float
    adjusted_score: FloatArray
    control: BrglmControl


def _start_glm(prob: Problem, mustart: FloatArray, adjust: float, plan: FitPlan) -> FloatArray:
    """brglm2's starting coefficients: R's ``glm.fit`` (up to 10000 iterations, brglm2's
    ``epsilon``) from the family's starting means, on the response moved by ``adjust``
    (binomial: :math:`(wy + a/2)/(w + a)` with weights :math:`w + a`; Poisson: :math:`y + a/2`)."""
    y, w = prob.y, prob.w
    if isinstance(prob.family, Binomial):
        w_adj = w + adjust
        y_adj = (w * y + 0.5 * adjust) / w_adj
    elif isinstance(prob.family, Poisson):
        w_adj, y_adj = w, y + 0.5 * adjust
    else:
        w_adj, y_adj = w, y
    design = as_design(prob.X)
    ev = RowEvaluator(
        design,
        y_adj,
        w_adj,
        prob.offset,
        prob.family,
        mustart=mustart,
        solver=None if plan.exact else QRStep(solve_lapack),
        exact=plan.exact,
    )
    control = IRLSControl(tol=prob.control.tol, max_iter=10000)
    with muted(), plan.kernels():  # brglm2 runs this fit under options(warn = -1)
        loop = run_loop(ev, prob.family, control)
    return np.nan_to_num(loop.coef, nan=0.0)


def _kept_columns(X: FloatArray) -> tuple[npt.NDArray[np.intp], int]:
    """R's ``qr(x)`` (tolerance 1e-7) pivot and rank: brglm2 drops the aliased columns."""
    n, p = X.shape
    solver = solve_r_exact if _rmath.r_exact(n, p) else solve_lapack
    qr = solver(X, np.zeros(n), 1e-7)
    return qr.pivot, qr.rank


def brglm_fit(
    X: FloatArray,
    y: FloatArray,
    family: Family,
    *,
    weights: FloatArray | None = None,
    offset: FloatArray | None = None,
    control: BrglmControl | None = None,
    start: FloatArray | None = None,
) -> BrglmFit:
    """Fit a GLM by brglm2's adjusted score equations (see the module docstring).

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Model matrix; columns aliased by R's ``qr`` rule get NaN coefficients.
    y : ndarray, shape (n,) or (n, 2)
        Response (two columns of successes and failures for a binomial ``cbind``).
    family : Family
        Binomial, Poisson, Gamma, InverseGaussian or Gaussian with one of R's named links.
    weights, offset : ndarray, optional
        Prior weights (default 1) and offset (default 0).
    control : BrglmControl, optional
    start : ndarray, optional
        Starting coefficients (one per column), optionally followed by the dispersion.

    Returns
    -------
    BrglmFit
    """
    supports(family)
    control = control or BrglmControl()
    X = np.asarray(X, dtype=np.float64)
    n_all, p_all = X.shape
    weights = np.ones(n_all) if weights is None else np.asarray(weights, dtype=np.float64)
    offset = np.zeros(n_all) if offset is None else np.asarray(offset, dtype=np.float64)
    if p_all == 0:
        raise ArgumentError("a brglm fit needs at least one coefficient; the model has none")
    init = family.initialize(np.asarray(y, dtype=np.float64), weights)
    pivot, rank = _kept_columns(X)
    kept = np.sort(pivot[:rank])
    prob = Problem(X[:, kept], init.y, init.weights, offset, family, control)
    correction = control.type == "correction"
    if start is None:
        adjust = prob.p / n_all if control.response_adjustment is None else control.response_adjustment
        plan = FitPlan.for_problem(n_all, prob.p)
        assert init.mustart is not None  # initialize on all rows keeps them
        beta = _start_glm(prob, init.mustart, 0.0 if correction else adjust, plan)
        phi, phi_ml = prob.ml_dispersion(beta)
    else:
        start = np.asarray(start, dtype=np.float64)
        if start.size not in (p_all, p_all + 1):
            raise ArgumentError(
                f"start must hold {p_all} coefficients, or {p_all + 1} with the dispersion last; "
                f"got {start.size} values"
            )
        beta = start[:p_all][kept]
        if start.size == p_all:
            phi, phi_ml = prob.ml_dispersion(beta)
        else:
            phi, phi_ml = float(start[p_all]), math.nan
    if math.isnan(phi):
        wmean = _rmath.rsum(init.weights * init.y) / _rmath.rsum(init.weights)
        phi = float(np.var(init.y, ddof=1) / family.variance(np.array([wmean]))[0])
    if correction:  # brglm2: the ML estimate plus one full step
        control = replace(control, max_iter=min(control.max_iter, 1), slowit=1.0, max_step_factor=1)
        prob.control = control
    return _iterate(prob, control, beta, phi, phi_ml, kept, p_all, init.n)


def _steps(prob: Problem, pt: Point) -> tuple[FloatArray, FloatArray, float, float]:
    """(adjusted score and step of the coefficients, adjusted score and step of :math:`\\phi`)."""
    grad_b, step_b = prob.step_beta(pt)
    grad_z, step_z, _ = prob.step_phi(pt)
    return grad_b, step_b, grad_z, step_z


def _size(step_b: FloatArray, step_z: float) -> float:
    """:math:`\\sum|\\delta|`, NaN ignored (R's ``sum(abs(c(step_beta, step_zeta)), na.rm = TRUE)``)."""
    s = float(np.nansum(np.abs(step_b)))
    return s if math.isnan(step_z) else s + abs(step_z)


def _iterate(
    prob: Problem,
    control: BrglmControl,
    beta: FloatArray,
    phi: float,
    phi_ml: float,
    kept: npt.NDArray[np.intp],
    p_all: int,
    trials: FloatArray,
) -> BrglmFit:
    """brglm2's quasi Fisher scoring from :math:`(\\beta, \\phi)`, and the fit at its end."""
    update_phi = prob.dispersion and prob.df_resid > 0
    failed = False
    grad_b = step_b = np.full(prob.p, np.nan)
    grad_z = step_z = math.nan
    try:
        pt = prob.point(beta, phi)
        grad_b, step_b, grad_z, step_z = _steps(prob, pt)
    except Failed as exc:  # brglm2 warns here and tries the iteration regardless
        warn(f"brglm: {exc} at the starting values", ConvergenceWarning)
    iteration = 0
    for it in range(1, control.max_iter + 1):
        iteration = it
        factor = 0
        halve = True
        while halve and factor < control.max_step_factor:
            beta0, phi0 = beta, phi
            previous = _size(step_b, step_z)
            beta = beta + control.slowit * 2.0**-factor * step_b
            if update_phi:
                phi = phi + 2.0**-factor * step_z
            try:
                pt = prob.point(beta, phi)
            except Failed as exc:  # the point itself cannot be evaluated: step back
                beta, phi = beta0, phi0
                warn(f"brglm: {exc}; stopping", ConvergenceWarning)
                failed = True
                break
            try:
                grad_b, step_b, grad_z, step_z = _steps(prob, pt)
            except Failed as exc:
                warn(f"brglm: {exc}; stopping", ConvergenceWarning)
                failed = True
                break
            # The first iteration always takes a second, halved step; later ones halve while
            # the step grows.  A step is never undone: the halved step starts from the new point.
            halve = True if (factor == 0 and it == 1) else _size(step_b, step_z) > previous
            factor += 1
        if failed or _size(step_b, step_z) < control.tol:
            break
    correction = control.type == "correction"
    converged = correction or not (failed or iteration >= control.max_iter)
    if not converged:
        warn(
            f"brglm did not converge in {iteration} iterations (sum of absolute steps "
            f"{_size(step_b, step_z):.3g}, tol {control.tol:g}); raise max_iter or tol, or lower slowit",
            ConvergenceWarning,
        )
    return _finish(prob, control, beta, phi, phi_ml, kept, p_all, trials, iteration, converged)


def _finish(
    prob: Problem,
    control: BrglmControl,
    beta: FloatArray,
    phi: float,
    phi_ml: float,
    kept: npt.NDArray[np.intp],
    p_all: int,
    trials: FloatArray,
    iteration: int,
    converged: bool,
) -> BrglmFit:
    """The fit at the last point: means, working weights and R factor, deviance and AIC."""
    family = prob.family
    pt = prob.point(beta, phi)
    try:
        grad_b, _ = prob.step_beta(pt)
    except Failed:  # already warned about by the iteration
        grad_b = np.full(prob.p, np.nan)
    try:
        grad_z, _, info_z = prob.step_phi(pt)
    except Failed:
        grad_z = info_z = math.nan
    boundary = False
    mu_range = float(np.min(pt.mu, initial=np.inf)), float(np.max(pt.mu, initial=-np.inf))
    message = family.extreme_fit_message(*mu_range)
    if message:
        warn(message, PerfectFitWarning)
        boundary = True
    if prob.dispersion and prob.df_resid == 0:
        phi = math.nan
    coef = np.full(p_all, np.nan)
    coef[kept] = beta
    beta0 = np.nan_to_num(coef, nan=0.0)
    aliased = np.setdiff1d(np.arange(p_all), kept)
    pivot = np.concatenate([kept, aliased]).astype(np.intp)
    wls = WLSFit(coef=beta0, rank=prob.p, pivot=pivot, r_factor=pt.r_factor)
    with np.errstate(all="ignore"):
        dev_rows = family.dev_resids(prob.y, pt.mu, prob.w)
        resid = (prob.y - pt.mu) / pt.d1
    deviance = _rmath.rsum(dev_rows)
    aic = family.aic(prob.y, trials, pt.mu, prob.w, deviance) + 2 * prob.p
    rows = RowArrays(
        eta=pt.eta,
        mu=pt.mu,
        y=prob.y,
        prior_weights=prob.w,
        trials=trials,
        working_weights=np.where(prob.keep, pt.ww, 0.0),
        working_residuals=resid,
        aic=float(aic),
    )
    fit = IRLSFit(
        coef=coef,
        rows=rows,
        wls=wls,
        deviance=float(deviance),
        iterations=iteration,
        converged=converged,
        boundary=boundary,
    )
    score = np.full(p_all + 1, np.nan)
    score[kept] = grad_b
    score[p_all] = grad_z
    return BrglmFit(fit, phi, phi_ml, info_z, score, control)


def brglm_null_deviance(
    result: BrglmFit,
    family: Family,
    *,
    y: FloatArray,
    weights: FloatArray | None,
    offset: FloatArray | None,
    intercept: bool,
) -> float:
    """The null deviance as brglm2 and R's ``glm()`` compute it for a brglm fit.

    * With an intercept and no offset: the deviance of an intercept-only fit of the same
      type started at :math:`g(\\bar y)` (the unweighted mean of the response after the
      family's ``initialize``) and dispersion 1, with brglm2's defaults but for ``tol``,
      ``type`` and ``slowit``, and at most 1000 iterations (``a`` is not passed on: 1/2).
    * With an intercept and an offset (``offset`` given): R's ``glm()`` refits intercept and
      offset with the same control, from the usual start, on the response and ``weights`` as
      given (``y`` may be a ``cbind``).
    * Without an intercept: the deviance of :math:`\\mu = g^{-1}(o)`.
    """
    fit, control = result.fit, result.control
    n = fit.y.size
    if not intercept:
        off = np.zeros(n) if offset is None else offset
        with np.errstate(all="ignore"):
            mu0 = family.link.inverse(off)
        return _rmath.rsum(family.dev_resids(fit.y, mu0, fit.prior_weights))
    ones = np.ones((n, 1))
    if offset is not None:
        refit = brglm_fit(ones, y, family, weights=weights, offset=offset, control=control)
        if not refit.fit.converged:
            warn(
                "fitting to calculate the null deviance did not converge -- increase max_iter?",
                ConvergenceWarning,
            )
        return refit.fit.deviance
    null_control = BrglmControl(type=control.type, tol=control.tol, max_iter=1000, slowit=control.slowit)
    with np.errstate(all="ignore"):
        eta0 = float(family.link.link(np.array([np.mean(fit.y)]))[0])
    start = np.array([eta0, 1.0]) if has_dispersion(family) else np.array([eta0])
    null = brglm_fit(ones, fit.y, family, weights=fit.prior_weights, control=null_control, start=start)
    return null.fit.deviance
