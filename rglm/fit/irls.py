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

:func:`irls` is the entry for data held in memory: it runs the family's ``initialize`` (which
rows take part, the starting means), then the one loop of :mod:`rglm.fit.loop` with the
evaluator its :class:`rglm.fit.plan.FitPlan` names: the rows and R's LINPACK QR
(:mod:`rglm.fit.rows`, R's digits), or sums over row blocks (:mod:`rglm.fit.passes`).
Nothing here knows about data frames or formulas.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from rglm.exceptions import ExactFitWarning, FitError, StartWarning, warn
from rglm.families.family import Family
from rglm.fit.block_rows import BlockRows
from rglm.fit.loop import NoValidCoefficients, NullModel, null_model, run_loop, warn_null_refit
from rglm.fit.passes import fit_in_memory, null_refit_in_memory
from rglm.fit.plan import FitPlan, IRLSControl
from rglm.fit.result import GLMFit, IRLSFit, RowArrays
from rglm.fit.rows import RowEvaluator, deviance, scale_hint
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import Design, as_design
from rglm.numerics.linalg import WLSStep

FloatArray = npt.NDArray[np.float64]

__all__ = ["FitPlan", "GLMFit", "IRLSControl", "IRLSFit", "irls", "null_deviance", "warn_if_exact"]


def _as_float(v: npt.ArrayLike | None) -> FloatArray | None:
    return None if v is None else np.asarray(v, dtype=np.float64)


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
    plan: FitPlan | None = None,
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
        A least-squares step for the row evaluator (R's LINPACK QR by default); giving one
        fits over the rows whatever the plan.
    plan : FitPlan, optional
        How to evaluate the fit; by default :meth:`FitPlan.for_problem` of the size of ``X``.

    Returns
    -------
    IRLSFit
    """
    control = control or IRLSControl()
    X = as_design(X)
    nobs, nvars = X.shape
    plan = plan or FitPlan.for_problem(nobs, nvars)
    weights = np.ones(nobs) if weights is None else np.asarray(weights, dtype=np.float64)
    offset = np.zeros(nobs) if offset is None else np.asarray(offset, dtype=np.float64)
    start, etastart, mustart = _as_float(start), _as_float(etastart), _as_float(mustart)
    have_start = start is not None or etastart is not None or mustart is not None
    y_given = np.asarray(y, dtype=np.float64)
    init = family.initialize(y_given, weights, have_start=have_start)
    if mustart is not None:
        # R's glm.fit keeps the given means over initialize's ("mustart <- mukeep"): holding
        # the family's own as well would cost an array of n for nothing.
        init = dataclasses.replace(init, mustart=mustart)
    elif not (plan.exact or solver is not None or nvars == 0):
        # A fit over row blocks needs the starting means only in its first pass, block by
        # block: they are recomputed there (the same values), not held for every row through
        # the passes, where the fit's memory peaks.
        init = dataclasses.replace(init, mustart=None)
    if nvars > 0 and start is not None and start.shape != (nvars,):
        raise FitError(
            f"length of 'start' should equal {nvars} and correspond to the coefficients, "
            f"got {start.size} values"
        )
    try:
        return _fit(
            X, y_given, family, weights, offset, init, start, etastart, mustart, control, solver, plan
        )
    except NoValidCoefficients as exc:
        retry = (
            None
            if have_start or not exc.outside_domain
            else _valid_start(X, init.y, init.weights, offset, family)
        )
        if retry is None:
            raise
    # Better than R, which stops here: restart from the intercept-only mean, inside the
    # domain, so that R's step halving keeps every later step inside it too.
    warn(
        "R's starting values lead outside the family's domain (R's glm stops with 'no valid set of "
        "coefficients has been found'); the fit was restarted from the intercept-only mean "
        "(start_method='intercept-only')",
        StartWarning,
    )
    init = family.initialize(y_given, weights, have_start=True)
    fit = _fit(X, y_given, family, weights, offset, init, retry, None, None, control, solver, plan)
    return dataclasses.replace(fit, start_method="intercept-only")


def _means(mustart: FloatArray | None) -> FloatArray:
    """The starting means of a fit over rows, which ``initialize`` on all rows always gives."""
    assert mustart is not None
    return mustart


def _valid_start(
    X: Design, y: FloatArray, weights: FloatArray, offset: FloatArray, family: Family
) -> FloatArray | None:
    """Coefficients whose linear predictor is closest (least squares) to the intercept-only
    model's, :math:`g(\bar y) - o`; None unless they give valid means for every row."""
    ybar = _rmath.rsum(weights * y) / _rmath.rsum(weights)
    with np.errstate(all="ignore"):
        target = family.link.link(np.full(y.shape[0], ybar)) - offset
        if not np.all(np.isfinite(target)):
            return None
        coef: FloatArray = np.asarray(np.linalg.lstsq(X.rows(), target, rcond=None)[0], dtype=np.float64)
        eta = X.matvec(coef) + offset
        mu = family.link.inverse(eta)
    if not (np.all(np.isfinite(coef)) and family.valid_eta(eta) and family.valid_mu(mu)):
        return None
    return coef


def _fit(
    X: Design,
    y_given: FloatArray,
    family: Family,
    weights: FloatArray,
    offset: FloatArray,
    init: Any,
    start: FloatArray | None,
    etastart: FloatArray | None,
    mustart: FloatArray | None,
    control: IRLSControl,
    solver: WLSStep | None,
    plan: FitPlan,
) -> IRLSFit:
    """The fit over rows (R's digits) or over row blocks, as ``plan`` says."""
    weights_given = weights
    nvars = X.shape[1]
    with plan.kernels():
        if plan.exact or solver is not None or nvars == 0:
            return _fit_rows(
                X,
                init.y,
                init.weights,
                init.n,
                offset,
                family,
                control,
                start=start,
                etastart=etastart,
                mustart=_means(init.mustart if mustart is None else mustart),
                solver=solver,
                exact=plan.exact,
            )
        return fit_in_memory(
            X,
            y_given,
            family,
            weights=weights_given,
            offset=offset,
            init=init,
            start=start,
            etastart=etastart,
            mustart=mustart,
            control=control,
            plan=plan,
            error_hint=lambda: scale_hint(init.y, X),
        )


def _fit_rows(
    X: Design,
    y: FloatArray,
    weights: FloatArray,
    n: FloatArray,
    offset: FloatArray,
    family: Family,
    control: IRLSControl,
    *,
    start: FloatArray | None,
    etastart: FloatArray | None,
    mustart: FloatArray,
    solver: WLSStep | None,
    exact: bool,
) -> IRLSFit:
    """The loop over :class:`rglm.fit.rows.RowEvaluator`, and its per-row results."""
    ev = RowEvaluator(
        X, y, weights, offset, family, mustart=mustart, etastart=etastart, solver=solver, exact=exact
    )
    loop = run_loop(ev, family, control, start_coef=start)
    e = loop.final
    aic = family.aic(y, n, e.mu, weights, loop.deviance) + 2 * loop.wls.rank
    rows = RowArrays(
        eta=e.eta,
        mu=e.mu,
        y=y,
        prior_weights=weights,
        trials=n,
        working_weights=ev.working_weights(loop.weights_at),
        working_residuals=ev.working_residuals(e),
        aic=float(aic),
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


def null_deviance(
    fit: IRLSFit,
    family: Family,
    offset: FloatArray,
    *,
    intercept: bool,
    control: IRLSControl | None = None,
    response: FloatArray | None = None,
    weights: FloatArray | None = None,
    plan: FitPlan | None = None,
    offset_given: bool | None = None,
    refit_from_fit: bool = True,
) -> float:
    """Deviance of the null model, by R's rule (:func:`rglm.fit.loop.null_model`).

    With an intercept and no offset the null model's mean is the weighted mean of
    :math:`y`; with an offset the intercept-only model is refitted by IRLS, on the
    ``response`` and prior ``weights`` as the caller gave them (a ``cbind`` response stays two
    columns, as in R); without an intercept the null model is :math:`\\mu = g^{-1}(o)`.

    ``glm.fit`` starts the refit from the full model's fitted means and warns when it does
    not converge; ``MASS::glm.nb`` (``refit_from_fit=False``) starts it from the family's own
    start, whenever an offset is given (``offset_given``; by default: some offset is not 0).
    """
    y, wt = fit.y, fit.prior_weights
    has_offset = bool(np.any(offset != 0)) if offset_given is None else offset_given
    kind = null_model(intercept=intercept, offset_nonzero=has_offset)
    if kind is NullModel.REFIT:
        rows = fit.rows
        if (
            refit_from_fit
            and intercept
            and isinstance(rows, BlockRows)
            and rows.final.beta is not None
            and (response is None or response is rows.y_given)
            and (weights is None or weights is rows.weights_given)
            and offset is rows.offset
        ):
            # A large in-memory fit: the refit's passes start from the fitted means block by
            # block, without an array of them (R's mustart = fitted values).
            loop = null_refit_in_memory(
                rows, control or IRLSControl(), plan or FitPlan.for_problem(y.size, 1)
            )
            warn_null_refit(loop.converged)
            return loop.deviance
        # A large fit's intercept column is a read-only view of one 1.0 (the same values).
        exact = (plan or FitPlan.for_problem(y.size, 1)).exact
        ones = np.ones((y.size, 1)) if exact else np.broadcast_to(1.0, (y.size, 1))
        refit = irls(
            ones,
            y if response is None else response,
            family,
            weights=wt if weights is None else weights,
            offset=offset,
            mustart=fit.mu if refit_from_fit else None,
            control=control,
            plan=plan,
        )
        if refit_from_fit:
            warn_null_refit(refit.converged)
        return refit.deviance
    if kind is NullModel.MEAN:
        wtdmu = np.full(y.size, _rmath.rsum(wt * y) / _rmath.rsum(wt))
    else:
        wtdmu = family.link.inverse(offset)
    return deviance(family, y, wtdmu, wt)


def warn_if_exact(deviance: float, family: Family) -> None:
    """Warn (:class:`~rglm.exceptions.ExactFitWarning`) when a family whose likelihood has a
    dispersion parameter fits the response exactly: R returns such a fit, with a zero
    dispersion, AIC :math:`-\\infty` (Gaussian, inverse Gaussian) or NaN (Gamma) and
    infinite or undefined t values, which the caller should know are not an ordinary result."""
    if deviance == 0 and family.ll_extra_params:
        warn(
            f"the residual deviance is 0: the model fits the response exactly (a constant or "
            f"noiseless response?), so the dispersion is 0 and AIC and log-likelihood are "
            f"{'NaN' if family.name == 'Gamma' else '-Inf'}; standard errors and tests are meaningless",
            ExactFitWarning,
        )
