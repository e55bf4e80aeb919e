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

The result is an ordinary :class:`rglm.GLMResult` whose family is the negative binomial of
the last IRLS fit, carrying :math:`\\hat\\theta`, its standard error and :math:`2\\ell` in a
:class:`NegBinInfo`.  Its AIC counts :math:`\\theta` as a parameter and its summary prints
MASS's extra lines.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import (
    ArgumentError,
    ConvergenceWarning,
    DomainError,
    FitError,
    NonIntegerWarning,
    RGLMWarning,
    warn,
)
from rglm.families.family import Family, NegativeBinomial, Poisson
from rglm.fit.irls import IRLSControl, IRLSFit, irls, null_deviance
from rglm.numerics import rmath as _rmath
from rglm.numerics.format import format_real, r_round, signif

if TYPE_CHECKING:
    from rglm.frame.model_frame import ModelFrame
    from rglm.output.summary import Summary
    from rglm.results.glm import GLMResult

FloatArray = npt.NDArray[np.float64]

__all__ = ["NegBinInfo", "ThetaConvergenceWarning", "ThetaML", "anova_negbin", "fit_glm_nb", "glm_nb", "theta_ml"]

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
    terms = (special.digamma(th + y) - special.digamma(th) + math.log(th) + 1 - _rmath.log(th + mu)
             - (y + th) / (mu + th))
    return _rmath.rsum(w * terms)


def _info(th: float, mu: FloatArray, y: FloatArray, w: FloatArray) -> float:
    """:math:`-\\partial^2\\ell/\\partial\\theta^2 = \\sum_i w_i[-\\psi'(\\theta+y_i) + \\psi'(\\theta)
    - 1/\\theta + 2/(\\mu_i+\\theta) - (y_i+\\theta)/(\\mu_i+\\theta)^2]`."""
    mt = mu + th
    terms = (-special.polygamma(1, th + y) + float(special.polygamma(1, th)) - 1 / th + 2 / mt
             - (y + th) / (mt * mt))
    return _rmath.rsum(w * terms)


def theta_ml(y: Any, mu: Any, n: float | None = None, weights: Any = None, *, limit: int = 10,
             eps: float = THETA_EPS, trace: bool = False) -> ThetaML:
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
    w = np.ones_like(y) if weights is None else np.broadcast_to(np.asarray(weights, dtype=np.float64), y.shape)
    if int(limit) != limit or limit < 1:
        raise ArgumentError(f"limit must be a positive whole number, got {limit!r}")
    n = _rmath.rsum(w) if n is None else float(n)
    with np.errstate(all="ignore"):
        resid = y / mu - 1
        t0 = n / _rmath.rsum(w * (resid * resid))
        it, step, info = 0, 1.0, math.nan
        if trace:
            print(f"theta.ml: iter {it} 'theta = {signif(t0, 6):f}'", file=sys.stderr)
        while True:
            it += 1
            if not (it < limit and abs(step) > eps):
                break
            t0 = abs(t0)
            info = _info(t0, mu, y, w)
            step = _score(t0, mu, y, w) / info
            t0 = t0 + step
            if trace:
                print(f"theta.ml: iter{it} theta ={signif(t0, 6):.15g}", file=sys.stderr)
            if not math.isfinite(t0):
                raise FitError(f"theta.ml: the estimate of theta became {t0} at step {it} (the likelihood has no "
                               "finite maximum from this start); check the response, or fit a Poisson model")
        if math.isnan(info):
            # limit = 1 takes no step; MASS then fails on an undefined information.  The
            # information at the starting value still gives a standard error.
            info = _info(abs(t0), mu, y, w)
        se = float(np.sqrt(1 / info))
    message: str | None = None
    if t0 < 0:
        t0 = 0.0
        message = "estimate truncated at zero"
        warn("theta.ml: estimate truncated at zero: the counts are less dispersed than a negative binomial "
             "allows; fit a Poisson model instead", ThetaConvergenceWarning)
    if it == limit:
        message = "iteration limit reached"
        hint = (f" (theta = {t0:.6g}, standard error {se:.3g}): theta is growing without bound, so the counts show no "
                "over-dispersion; fit a Poisson model instead" if _running_off(t0, step) else
                f" (theta = {t0:.6g}); raise max_iter or give init_theta")
        steps = f"{limit - 1} Newton step" + ("" if limit == 2 else "s")
        warn(f"theta.ml: iteration limit reached after {steps}{hint}", ThetaConvergenceWarning)
    return ThetaML(theta=float(t0), se=se, iterations=it, warning=message)


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
        terms = (special.gammaln(theta + y) - special.gammaln(theta) - special.gammaln(y + 1)
                 + theta * math.log(theta) + y * _rmath.log(mu + (y == 0)) - (theta + y) * _rmath.log(theta + mu))
        return _rmath.rsum(w * terms)


@dataclass(frozen=True)
class NegBinInfo:
    """What ``glm.nb`` adds to a GLM fit.

    Attributes
    ----------
    theta, theta_se : float
        :math:`\\hat\\theta` and its standard error (from the last ``theta.ml``).
    twologlik : float
        :math:`2\\ell(\\hat\\beta, \\hat\\theta)`.
    aic : float
        :math:`-2\\ell + 2\\,\\mathrm{rank} + 2` (:math:`\\theta` counts as a parameter).
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
    aic: float
    warning: str | None
    alternations: int
    init_theta: float | None = None


def fit_glm_nb(
    frame: ModelFrame,
    family: NegativeBinomial,
    *,
    start: FloatArray | None = None,
    etastart: FloatArray | None = None,
    mustart: FloatArray | None = None,
    control: IRLSControl,
    trace: int = 0,
) -> tuple[IRLSFit, NegativeBinomial, float, NegBinInfo]:
    """Alternate IRLS and :func:`theta_ml` as ``MASS::glm.nb``.

    Parameters
    ----------
    frame : ModelFrame
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
    info : NegBinInfo
    """
    y = np.asarray(frame.y, dtype=np.float64)
    if y.ndim != 1:
        raise DomainError("a two-column response is only meaningful for the binomial family, not the negative binomial")
    if np.any(y < 0):
        # R stops in the first fit's family: the Poisson's message without init.theta, this
        # one with it.  The negative binomial's message is the one that makes sense here.
        bad = np.flatnonzero(y < 0)
        raise DomainError("negative values not allowed for the negative binomial family", int(bad.size), int(bad[0]),
                          float(y[bad[0]]))
    init_theta = family.init_theta
    if init_theta is None and np.any(y != np.floor(y)):
        # R's warning comes from dpois() in the initial Poisson fit's AIC, so only without init.theta.
        first = float(y[np.flatnonzero(y != np.floor(y))[0]])
        warn(f"non-integer x = {first:f}: the response should be counts (whole numbers); the negative binomial "
             "likelihood of other values is not a probability, so round or check the response", NonIntegerWarning)
    link = family.link
    inner = IRLSControl(tol=control.tol, max_iter=control.max_iter, trace=trace > 1)
    X, w, offset = frame.design, np.asarray(frame.weights, dtype=np.float64), frame.offset
    fam0: Family = Poisson(link=link) if init_theta is None else NegativeBinomial(theta=init_theta, link=link)
    if trace > 1:
        print("Initial fit:", file=sys.stderr)
    fit = irls(X, y, fam0, weights=w, offset=offset, start=start, etastart=etastart, mustart=mustart, control=inner)
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
            print(f"Theta({it}) = {signif(th.theta, 6):f}, 2(Ls - Lm) = {signif(2 * (ls - lm), 6):f}", file=sys.stderr)
    th_warn = th.warning
    if it > control.max_iter:
        th_warn = "alternation limit reached"
        warn(f"alternation limit reached: theta and the coefficients did not settle in {control.max_iter} "
             f"alternations (last theta {th.theta:.6g}, change {-delta:.3g}); raise max_iter", ThetaConvergenceWarning)
    # R's null-deviance rule, as MASS applies it: with an offset given, the intercept is refitted
    # alone with the final theta from the family's own start; otherwise glm.fit's weighted mean
    # (with an intercept) or the offset alone.
    offset_given = bool(frame.offset_given or frame.spec.parsed.offsets)
    refit = offset_given and frame.spec.has_intercept
    nulldev = null_deviance(fit, fam if refit else fit_family, offset, intercept=frame.spec.has_intercept,
                            control=inner, response=y, weights=w, offset_given=offset_given, refit_from_fit=False)
    twologlik = 2 * lm
    info = NegBinInfo(theta=th.theta, theta_se=th.se, twologlik=twologlik, aic=-twologlik + 2 * fit.rank + 2,
                      warning=th_warn, alternations=it - 1, init_theta=init_theta)
    return fit, fit_family, nulldev, info


def _nb(theta: float, link: Any) -> NegativeBinomial:
    if not (theta > 0 and math.isfinite(theta)):
        raise FitError(f"the estimate of theta is {theta!r}, so no negative binomial fit is possible: the counts are "
                       "under-dispersed or degenerate; fit a Poisson model instead")
    return NegativeBinomial(theta=theta, link=link)


def glm_nb(formula: str, data: Any, *, link: str = "log", init_theta: float | None = None,
           **kwargs: Any) -> GLMResult:
    """``MASS::glm.nb``: :func:`rglm.glm` with ``family=NegativeBinomial(link=link,
    init_theta=init_theta)``; other keywords go to :func:`rglm.glm`."""
    from rglm.api import glm

    return glm(formula, data, family=NegativeBinomial(link=link, init_theta=init_theta), **kwargs)


# -- presentation ------------------------------------------------------------------------------------
def _r_number(x: float) -> str:
    """A number as R's ``deparse`` writes it (15 significant digits)."""
    return format_real([x], digits=15)[0].strip()


def negbin_call(m: GLMResult) -> str:
    """The call as R records it, e.g. ``glm.nb(formula = y ~ x, data = data, init.theta =
    1.27, link = log)``: arguments in ``glm.nb``'s order (``offset`` among the dots, then
    MASS's ``init.theta``, the final :math:`\\theta` to 10 digits, and ``link``)."""
    from rglm.output.summary import deparse_call

    info = m.negbin
    assert info is not None
    given: dict[str, Any] = getattr(m, "_call", {})

    def named(key: str) -> str:
        value = given.get(key)
        return value if isinstance(value, str) else key

    frame, control = m.model_frame, m.control
    args = [f"formula = {m.formula}", f"data = {m.data_name}"]
    if frame.weights_given:
        args.append(f"weights = {named('weights')}")
    if given.get("subset") is not None:
        args.append(f"subset = {named('subset')}")
    if frame.na_action != "omit":
        args.append(f"na.action = na.{frame.na_action}")
    settings = [f"epsilon = {_r_number(control.tol)}"] if control.tol != 1e-8 else []
    settings += [f"maxit = {control.max_iter}"] if control.max_iter != 25 else []
    if settings:
        args.append(f"control = glm.control({', '.join(settings)})")
    if frame.offset_given:
        args.append(f"offset = {named('offset')}")
    init = f"init.theta = {_r_number(signif(info.theta, 10))}"
    link = f"link = {m.family.link.name}"
    # MASS sets Call$init.theta and Call$link: an argument the caller gave keeps its place
    # (init.theta before link), one they did not is appended.  A link other than log was given.
    given_link = m.family.link.name != NegativeBinomial.default_link
    args += [link, init] if given_link and info.init_theta is None else [init, link]
    return deparse_call("glm.nb", args)


def negbin_trailer(info: NegBinInfo) -> tuple[str, ...]:
    """The lines ``print.summary.negbin`` adds after ``print.summary.glm``'s."""
    se = info.theta_se
    dp = max(2 - math.floor(math.log10(se)), 0) if se > 0 and math.isfinite(se) else 0
    theta = format_real([r_round(info.theta, dp)], nsmall=dp)[0]
    se_txt = format_real([r_round(se, dp)], nsmall=dp)[0]
    lines = ["", f"              Theta:  {theta} ", f"          Std. Err.:  {se_txt} "]
    if info.warning is not None:
        lines.append(f"Warning while fitting theta: {info.warning} ")
    ll = format_real([r_round(info.twologlik, 3)], nsmall=dp)[0]
    lines += ["", f" 2 x log-likelihood:  {ll} "]
    return tuple(lines)


def negbin_summary(m: GLMResult) -> Summary:
    """``summary()`` of a ``glm.nb`` fit: ``summary.glm`` with the dispersion 1, printed with
    MASS's call and its :math:`\\theta` lines."""
    from rglm.output.summary import Summary

    info = m.negbin
    assert info is not None
    s = Summary.from_result(m)
    return dataclasses.replace(s, call=negbin_call(m), trailer=negbin_trailer(info))


# -- likelihood-ratio tests between fits ------------------------------------------------------------
def anova_negbin(models: Sequence[GLMResult], test: str = "Chisq") -> pd.DataFrame:
    """Likelihood-ratio tests between negative binomial fits, as MASS's ``anova.negbin``.

    The models are ordered by decreasing residual degrees of freedom; each row after the
    first tests it against the previous one with :math:`X^2 = 2\\ell_k - 2\\ell_{k-1}` on
    :math:`\\nu_{k-1} - \\nu_k` degrees of freedom, :math:`p = 1 - F_{\\chi^2}(X^2)`.  Each model
    has its own :math:`\\hat\\theta`.

    Parameters
    ----------
    models : sequence of GLMResult
        Two or more fits with :math:`\\theta` estimated (``NegativeBinomial()`` without theta).
    test : str
        Only ``"Chisq"`` is implemented; anything else warns and is ignored, as in MASS.

    Returns
    -------
    DataFrame
        Columns ``Model``, ``theta``, ``Resid. df``, ``2 x log-lik.``, ``Test``, ``df``,
        ``LR stat.`` and ``Pr(Chi)``, rows numbered from 1; ``attrs["heading"]`` holds
        MASS's heading.  A single model's analysis of deviance (with :math:`\\theta` held
        fixed) is ``rglm.inference.anova``'s job.
    """
    from scipy.stats import chi2

    models = list(models)
    if len(models) < 2:
        raise ArgumentError("anova_negbin compares two or more negative binomial fits; for the terms of one fit "
                            "use rglm.inference.anova (tests then hold theta fixed)")
    for i, m in enumerate(models):
        if getattr(m, "negbin", None) is None:
            raise ArgumentError(f"model {i + 1} is not a negative binomial fit with theta estimated; fit every model "
                                "with family=NegativeBinomial() (no theta)")
    if test != "Chisq":
        warn(f"only Chi-squared LR tests are implemented; test={test!r} is ignored", RGLMWarning)
    order = sorted(range(len(models)), key=lambda i: -models[i].df_resid)
    ms = [models[i] for i in order]
    dfs = [m.df_resid for m in ms]
    lls = [m.negbin.twologlik for m in ms]  # type: ignore[union-attr]
    df = [math.nan] + [float(dfs[k - 1] - dfs[k]) for k in range(1, len(ms))]
    x2 = [math.nan] + [lls[k] - lls[k - 1] for k in range(1, len(ms))]
    pr = [math.nan]
    for k in range(1, len(ms)):
        # R's pchisq puts all its mass at 0 when df is 0.
        cdf = (1.0 if x2[k] >= 0 else 0.0) if df[k] == 0 else float(chi2.cdf(x2[k], df[k]))
        pr.append(1 - cdf)
    out = pd.DataFrame({
        "Model": [_rhs(m.formula) for m in ms],
        "theta": [m.negbin.theta for m in ms],  # type: ignore[union-attr]
        "Resid. df": dfs,
        "2 x log-lik.": lls,
        "Test": [""] + [f"{k} vs {k + 1}" for k in range(1, len(ms))],
        "df": df,
        "LR stat.": x2,
        "Pr(Chi)": pr,
    }, index=pd.RangeIndex(1, len(ms) + 1))
    responses = list(dict.fromkeys(m.model_frame.spec.parsed.response_label for m in ms))
    out.attrs["heading"] = ["Likelihood ratio tests of Negative Binomial Models\n", "Response: " + " ".join(responses)]
    return out


def _rhs(formula: str) -> str:
    """The right-hand side of a formula with its spacing folded, as R deparses ``formula[3]``."""
    return " ".join(formula.split("~", 1)[1].split())
