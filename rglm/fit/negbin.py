"""Negative binomial regression with :math:`\\theta` estimated: MASS's ``glm.nb`` and ``theta.ml``.

The model is :math:`Y_i \\sim \\mathrm{NB}(\\mu_i, \\theta)` with :math:`V(\\mu) = \\mu + \\mu^2/\\theta`
and :math:`g(\\mu_i) = x_i^T\\beta + o_i`.  As in MASS the coefficients and :math:`\\theta` are
estimated by alternation:

1. fit a Poisson GLM (or the negative binomial with ``init_theta``);
2. estimate :math:`\\theta` by maximum likelihood given the fitted means (:func:`theta_ml`);
3. refit the GLM with :math:`\\theta` held fixed, starting from the previous means; re-estimate
   :math:`\\theta` (from the means *before* this refit, as MASS does) and repeat until

.. math:: |L_{old} - L|/d_1 + |\\theta_{old} - \\theta|/d_2 \\le \\epsilon,

where :math:`L` is the log-likelihood, :math:`d_1 = \\sqrt{2\\max(1, \\nu)}` with :math:`\\nu` the
residual degrees of freedom of the first fit, :math:`d_2 = 1` and :math:`\\epsilon` the IRLS
tolerance.  Every step follows MASS 7.3 operation for operation, so the number of
alternations, the IRLS iteration count and the final figures are R's.

This module fits; the result (:class:`rglm.models.negbin.NegBinResult`, whose statistics are
:class:`rglm.results.negbin.NegBinStatistics`) carries :math:`\\hat\\theta`, its standard error
and :math:`2\\ell`, counts :math:`\\theta` in its AIC and prints MASS's extra summary lines
(:mod:`rglm.output.negbin`); :func:`rglm.inference.negbin.anova_negbin` compares such fits and
:func:`rglm.api.glm_nb` is the entry point.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import (
    ArgumentError,
    ConvergenceWarning,
    DomainError,
    FitError,
    NonIntegerWarning,
    warn,
)
from rglm.families.family import Family, NegativeBinomial, Poisson
from rglm.fit.irls import IRLSControl, IRLSFit, irls, null_deviance
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import Design
from rglm.numerics.format import signif

FloatArray = npt.NDArray[np.float64]

__all__ = ["ThetaConvergenceWarning", "ThetaEstimate", "ThetaML", "fit_glm_nb", "nb_loglik", "theta_ml"]

#: MASS's default ``eps`` of ``theta.ml``: ``.Machine$double.eps^0.25``.
THETA_EPS = float(np.finfo(np.float64).eps) ** 0.25


class ThetaConvergenceWarning(ConvergenceWarning):
    """The maximum likelihood estimate of :math:`\\theta` did not settle (MASS's "iteration
    limit reached" and "alternation limit reached")."""


@dataclass(frozen=True)
class ThetaML:
    """What ``MASS::theta.ml`` returns.

    Attributes
    ----------
    theta : float
        The estimate.
    se : float
        :math:`1/\\sqrt{I(\\theta)}` with :math:`I` the observed information evaluated where
        the last Newton step started (as MASS computes it).
    iterations : int
        MASS's iteration counter at exit (equal to ``limit`` when the limit was reached).
    warning : str or None
        MASS's ``attr(, "warn")``: "iteration limit reached" or "estimate truncated at zero".
    """

    theta: float
    se: float
    iterations: int
    warning: str | None = None


def _score(th: float, mu: FloatArray, y: FloatArray, w: FloatArray) -> float:
    """:math:`\\partial\\ell/\\partial\\theta = \\sum_i w_i[\\psi(\\theta+y_i) - \\psi(\\theta) +
    \\log\\theta + 1 - \\log(\\theta+\\mu_i) - (y_i+\\theta)/(\\mu_i+\\theta)]`."""
    terms = (
        special.digamma(th + y)
        - special.digamma(th)
        + math.log(th)
        + 1
        - _rmath.log(th + mu)
        - (y + th) / (mu + th)
    )
    return _rmath.rsum(w * terms)


def _info(th: float, mu: FloatArray, y: FloatArray, w: FloatArray) -> float:
    """:math:`-\\partial^2\\ell/\\partial\\theta^2 = \\sum_i w_i[-\\psi'(\\theta+y_i) + \\psi'(\\theta)
    - 1/\\theta + 2/(\\mu_i+\\theta) - (y_i+\\theta)/(\\mu_i+\\theta)^2]`."""
    mt = mu + th
    terms = (
        -special.polygamma(1, th + y)
        + float(special.polygamma(1, th))
        - 1 / th
        + 2 / mt
        - (y + th) / (mt * mt)
    )
    return _rmath.rsum(w * terms)


def theta_ml(
    y: Any,
    mu: Any,
    n: float | None = None,
    weights: Any = None,
    *,
    limit: int = 10,
    eps: float = THETA_EPS,
    trace: bool = False,
) -> ThetaML:
    """Maximum likelihood estimate of :math:`\\theta` given the means, as ``MASS::theta.ml``.

    Newton-Raphson on the score, started at the moment estimate
    :math:`\\theta_0 = n / \\sum_i w_i (y_i/\\mu_i - 1)^2`; each step replaces :math:`\\theta` by
    :math:`|\\theta|` and adds :math:`U(\\theta)/I(\\theta)`, while fewer than ``limit`` steps were
    counted and the last step exceeded ``eps`` in size.

    Parameters
    ----------
    y, mu : array_like
        Counts and fitted means.
    n : float, optional
        :math:`n` in the starting value; the sum of the weights by default.
    weights : array_like, optional
        Prior weights (ones by default).
    limit : int
        MASS's ``limit``: at most ``limit - 1`` Newton steps.
    eps : float
        Stop once a step is no larger than this.
    trace : bool
        Print :math:`\\theta` at each step (as MASS's messages, to stderr).

    Returns
    -------
    ThetaML

    Warns
    -----
    ThetaConvergenceWarning
        When the limit is reached ("iteration limit reached"), with a hint when
        :math:`\\theta` is running off to infinity; and when the estimate is negative and
        truncated at zero.
    """
    y = np.asarray(y, dtype=np.float64)
    mu = np.broadcast_to(np.asarray(mu, dtype=np.float64), y.shape)
    w = (
        np.ones_like(y)
        if weights is None
        else np.broadcast_to(np.asarray(weights, dtype=np.float64), y.shape)
    )
    if int(limit) != limit or limit < 1:
        raise ArgumentError(f"limit must be a positive whole number, got {limit!r}")
    n = _rmath.rsum(w) if n is None else float(n)
    with np.errstate(all="ignore"):
        resid = y / mu - 1
        ssr = _rmath.rsum(w * (resid * resid))
        if not ssr > 0:
            raise _no_theta("every count equals its fitted mean (no variation around the fit)")
        t0 = n / ssr
        it, step, info = 0, 1.0, math.nan
        if trace:
            print(f"theta.ml: iter {it} 'theta = {signif(t0, 6):f}'", file=sys.stderr)
        while True:
            it += 1
            if not (it < limit and abs(step) > eps):
                break
            t0 = abs(t0)
            info = _info(t0, mu, y, w)
            if not info != 0:
                raise _no_theta(
                    "the likelihood does not depend on theta (all counts 0?)"
                    if np.all(y == 0)
                    else "the information about theta is 0"
                )
            step = _score(t0, mu, y, w) / info
            t0 = t0 + step
            if trace:
                print(f"theta.ml: iter{it} theta ={signif(t0, 6):.15g}", file=sys.stderr)
            if not math.isfinite(t0):
                raise FitError(
                    f"theta.ml: the estimate of theta became {t0} at step {it} (the likelihood has no "
                    "finite maximum from this start); check the response, or fit a Poisson model"
                )
        if math.isnan(info):
            # limit = 1 takes no step; MASS then fails on an undefined information.  The
            # information at the starting value still gives a standard error.
            info = _info(abs(t0), mu, y, w)
        se = float(np.sqrt(1 / info))
    message: str | None = None
    if t0 < 0:
        t0 = 0.0
        message = "estimate truncated at zero"
        warn(
            "theta.ml: estimate truncated at zero: the counts are less dispersed than a negative binomial "
            "allows; fit a Poisson model instead",
            ThetaConvergenceWarning,
        )
    if it == limit:
        message = "iteration limit reached"
        hint = (
            f" (theta = {t0:.6g}, standard error {se:.3g}): theta is growing without bound, so the "
            "counts show no "
            "over-dispersion; fit a Poisson model instead"
            if _running_off(t0, step)
            else f" (theta = {t0:.6g}); raise max_iter or give init_theta"
        )
        steps = f"{limit - 1} Newton step" + ("" if limit == 2 else "s")
        warn(f"theta.ml: iteration limit reached after {steps}{hint}", ThetaConvergenceWarning)
    return ThetaML(theta=float(t0), se=se, iterations=it, warning=message)


def _no_theta(why: str) -> FitError:
    """The error for counts that carry no information about :math:`\\theta` (MASS fails on
    them with "missing value where TRUE/FALSE needed")."""
    return FitError(
        f"theta.ml: theta cannot be estimated: {why}; the counts show no over-dispersion, so fit a "
        "Poisson model (or give a fixed theta with NegativeBinomial(theta=...))"
    )


def _running_off(theta: float, step: float) -> bool:
    """Whether Newton's last step looks like theta diverging rather than converging: near a
    maximum the steps shrink quadratically, while for data without over-dispersion the
    score behaves like :math:`c/\\theta^2` and each step adds about half of :math:`\\theta`."""
    return step > 0.25 * (theta - step) > 0


def nb_loglik(theta: float, mu: FloatArray, y: FloatArray, w: FloatArray) -> float:
    """The negative binomial log-likelihood as ``glm.nb`` computes it:
    :math:`\\sum_i w_i[\\log\\Gamma(\\theta+y_i) - \\log\\Gamma(\\theta) - \\log y_i! + \\theta\\log\\theta
    + y_i\\log\\mu_i - (\\theta+y_i)\\log(\\theta+\\mu_i)]` (with :math:`0\\log\\mu = 0`)."""
    with np.errstate(all="ignore"):
        terms = (
            special.gammaln(theta + y)
            - special.gammaln(theta)
            - special.gammaln(y + 1)
            + theta * math.log(theta)
            + y * _rmath.log(mu + (y == 0))
            - (theta + y) * _rmath.log(theta + mu)
        )
        return _rmath.rsum(w * terms)


@dataclass(frozen=True)
class ThetaEstimate:
    """What the alternation of ``glm.nb`` found besides the last IRLS fit.

    Attributes
    ----------
    theta, theta_se : float
        :math:`\\hat\\theta` and its standard error (from the last ``theta.ml``).
    twologlik : float
        :math:`2\\ell(\\hat\\beta, \\hat\\theta)`.
    warning : str or None
        MASS's ``th.warn``: the last ``theta.ml`` warning or "alternation limit reached".
    alternations : int
        Rounds of (IRLS fit, :math:`\\theta` estimate) after the initial fit.
    init_theta : float or None
        The ``init_theta`` the fit was started from, if any.
    """

    theta: float
    theta_se: float
    twologlik: float
    warning: str | None
    alternations: int
    init_theta: float | None = None


class NegBinData(Protocol):
    """What the negative binomial fit reads of the model frame: arrays and two flags."""

    @property
    def y(self) -> FloatArray: ...
    @property
    def design(self) -> Design: ...
    @property
    def weights(self) -> FloatArray: ...
    @property
    def offset(self) -> FloatArray: ...
    @property
    def has_intercept(self) -> bool: ...
    @property
    def offset_in_model(self) -> bool:
        """Whether the model has an offset (an ``offset=`` argument or ``offset()`` terms)."""
        ...


def fit_glm_nb(
    data: NegBinData,
    family: NegativeBinomial,
    *,
    start: FloatArray | None = None,
    etastart: FloatArray | None = None,
    mustart: FloatArray | None = None,
    control: IRLSControl,
    trace: int = 0,
) -> tuple[IRLSFit, NegativeBinomial, float, ThetaEstimate]:
    """Alternate IRLS and :func:`theta_ml` as ``MASS::glm.nb``.

    Parameters
    ----------
    data : NegBinData
        The model's arrays (a model frame satisfies this protocol).
    family : NegativeBinomial
        With ``theta=None``; its link and ``init_theta`` are used.
    start, etastart, mustart : ndarray, optional
        Starting values for the initial fit only, as in MASS.
    control : IRLSControl
        ``tol`` is the tolerance of every IRLS fit and of the alternation; ``max_iter``
        limits IRLS, ``theta.ml`` and the alternation.
    trace : int
        MASS's ``control$trace``: 1 reports :math:`\\theta` and :math:`2(L_s - L)` per
        alternation, 2 adds IRLS's deviances, 3 also ``theta.ml``'s steps.

    Returns
    -------
    fit : IRLSFit
        The last IRLS fit.
    fit_family : NegativeBinomial
        The family of that fit (:math:`\\theta` of the previous alternation, as R's
        ``fit$family``).
    null_deviance : float
    info : ThetaEstimate
    """
    y = np.asarray(data.y, dtype=np.float64)
    if y.ndim != 1:
        raise DomainError(
            "a two-column response is only meaningful for the binomial family, not the negative binomial"
        )
    if np.any(y < 0):
        # R stops in the first fit's family: the Poisson's message without init.theta, this
        # one with it.  The negative binomial's message is the one that makes sense here.
        bad = np.flatnonzero(y < 0)
        raise DomainError(
            "negative values not allowed for the negative binomial family",
            int(bad.size),
            int(bad[0]),
            float(y[bad[0]]),
        )
    init_theta = family.init_theta
    if init_theta is None and np.any(y != np.floor(y)):
        # R's warning comes from dpois() in the initial Poisson fit's AIC, so only without init.theta.
        first = float(y[np.flatnonzero(y != np.floor(y))[0]])
        warn(
            f"non-integer x = {first:f}: the response should be counts (whole numbers); the negative "
            "binomial "
            "likelihood of other values is not a probability, so round or check the response",
            NonIntegerWarning,
        )
    link = family.link
    inner = IRLSControl(tol=control.tol, max_iter=control.max_iter, trace=trace > 1)
    X, w, offset = data.design, np.asarray(data.weights, dtype=np.float64), data.offset
    fam0: Family = Poisson(link=link) if init_theta is None else NegativeBinomial(theta=init_theta, link=link)
    if trace > 1:
        print("Initial fit:", file=sys.stderr)
    fit = irls(
        X, y, fam0, weights=w, offset=offset, start=start, etastart=etastart, mustart=mustart, control=inner
    )
    mu = fit.mu
    n_w = _rmath.rsum(w)
    th = theta_ml(y, mu, n_w, w, limit=control.max_iter, trace=trace > 2)
    if trace > 1:
        print(f"Initial value for 'theta': {signif(th.theta, 6):f}", file=sys.stderr)
    fam = _nb(th.theta, link)
    fit_family = fam
    d1 = math.sqrt(2 * max(1, fit.n_ok - fit.rank))
    d2 = delta = 1.0
    lm = nb_loglik(th.theta, mu, y, w)
    lm0 = lm + 2 * d1
    it = 0
    while True:
        it += 1
        if not (it <= control.max_iter and (abs(lm0 - lm) / d1 + abs(delta) / d2) > control.tol):
            break
        with np.errstate(all="ignore"):
            eta = link.link(mu)
        fit = irls(X, y, fam, weights=w, offset=offset, etastart=eta, control=inner)
        fit_family = fam
        t0 = th.theta
        # MASS estimates theta from the means of the previous fit, then takes the new ones.
        th = theta_ml(y, mu, n_w, w, limit=control.max_iter, trace=trace > 2)
        fam = _nb(th.theta, link)
        mu = fit.mu
        delta = t0 - th.theta
        lm0 = lm
        lm = nb_loglik(th.theta, mu, y, w)
        if trace:
            ls = nb_loglik(th.theta, y, y, w)
            print(
                f"Theta({it}) = {signif(th.theta, 6):f}, 2(Ls - Lm) = {signif(2 * (ls - lm), 6):f}",
                file=sys.stderr,
            )
    th_warn = th.warning
    if it > control.max_iter:
        th_warn = "alternation limit reached"
        warn(
            f"alternation limit reached: theta and the coefficients did not settle in {control.max_iter} "
            f"alternations (last theta {th.theta:.6g}, change {-delta:.3g}); raise max_iter",
            ThetaConvergenceWarning,
        )
    # R's null-deviance rule, as MASS applies it: with an offset given, the intercept is refitted
    # alone with the final theta from the family's own start; otherwise glm.fit's weighted mean
    # (with an intercept) or the offset alone.
    offset_given = data.offset_in_model
    refit = offset_given and data.has_intercept
    nulldev = null_deviance(
        fit,
        fam if refit else fit_family,
        offset,
        intercept=data.has_intercept,
        control=inner,
        response=y,
        weights=w,
        offset_given=offset_given,
        refit_from_fit=False,
    )
    twologlik = 2 * lm
    info = ThetaEstimate(
        theta=th.theta,
        theta_se=th.se,
        twologlik=twologlik,
        warning=th_warn,
        alternations=it - 1,
        init_theta=init_theta,
    )
    return fit, fit_family, nulldev, info


def _nb(theta: float, link: Any) -> NegativeBinomial:
    if not (theta > 0 and math.isfinite(theta)):
        raise FitError(
            f"the estimate of theta is {theta!r}, so no negative binomial fit is possible: the counts are "
            "under-dispersed or degenerate; fit a Poisson model instead"
        )
    return NegativeBinomial(theta=theta, link=link)
