"""Beta regression by maximum likelihood, as R's ``betareg`` (Ferrari & Cribari-Neto 2004).

The model is :math:`y_i \\sim \\mathrm{Beta}(\\mu_i\\phi_i, (1-\\mu_i)\\phi_i)` with
:math:`g(\\mu_i) = x_i^\\top\\beta + o_i` and :math:`h(\\phi_i) = z_i^\\top\\gamma + o^z_i`, so that
:math:`E y = \\mu` and :math:`\\mathrm{Var}\\,y = \\mu(1-\\mu)/(1+\\phi)`.  With prior weights
:math:`w_i` the log-likelihood is

.. math:: \\ell = \\sum_i w_i [\\log\\Gamma(\\phi_i) - \\log\\Gamma(\\mu_i\\phi_i)
          - \\log\\Gamma((1-\\mu_i)\\phi_i)
           + (\\mu_i\\phi_i - 1)\\log y_i + ((1-\\mu_i)\\phi_i - 1)\\log(1-y_i)].

With :math:`y^* = \\mathrm{logit}\\,y`, :math:`\\mu^* = \\psi(\\mu\\phi) - \\psi((1-\\mu)\\phi)`,
the score is :math:`X^\\top w\\phi(y^*-\\mu^*)\\,d\\mu/d\\eta` and
:math:`Z^\\top w[\\mu(y^*-\\mu^*) + \\log(1-y) - \\psi((1-\\mu)\\phi) + \\psi(\\phi)]\\,d\\phi/d\\zeta`,
and the expected (Fisher) information :math:`K` has the blocks of betareg's ``hessfun``
(:func:`beta_information`).  The estimate is found by Fisher scoring,
:math:`\\theta \\leftarrow \\theta + K^{-1}U`, with the step halved while the likelihood does
not increase, from betareg's starting values (:func:`beta_start`), until every step is below
``tol``: this is the exact MLE, where betareg's BFGS + Fisher scoring also ends (to about 1e-7).

Arrays in, arrays out: no pandas, no formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import ArgumentError, ConvergenceWarning, FitError, warn
from rglm.families.links import Link, get_link
from rglm.fit.ascent import halved_step

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "MEAN_LINKS",
    "PRECISION_LINKS",
    "BetaFit",
    "BetaParts",
    "LogLog",
    "beta_information",
    "beta_link",
    "beta_loglik",
    "beta_parts",
    "beta_score",
    "beta_start",
    "fit_betareg",
]

MEAN_LINKS = ("logit", "probit", "cloglog", "cauchit", "log", "loglog")
PRECISION_LINKS = ("identity", "log", "sqrt")

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class LogLog(Link):
    """betareg's ``loglog`` link, :math:`\\eta = -\\log(-\\log\\mu)`: :math:`\\mu = e^{-e^{-\\eta}}`
    kept inside :math:`[\\epsilon, 1-\\epsilon]`, :math:`d\\mu/d\\eta = e^{-\\eta - e^{-\\eta}}`
    (with :math:`\\eta \\le 700`) floored at :math:`\\epsilon`, as betareg writes it."""

    name: str = "loglog"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        m = np.asarray(mu, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = -np.log(-np.log(m))
        return out

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        e = np.asarray(eta, dtype=np.float64)
        with np.errstate(over="ignore"):
            out: FloatArray = np.maximum(np.minimum(np.exp(-np.exp(-e)), 1.0 - _EPS), _EPS)
        return out

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        e = np.minimum(np.asarray(eta, dtype=np.float64), 700.0)
        with np.errstate(over="ignore"):
            out: FloatArray = np.maximum(np.exp(-e - np.exp(-e)), _EPS)
        return out


def beta_link(spec: str | Link, allowed: tuple[str, ...], what: str) -> Link:
    """The link named ``spec`` (one of ``allowed``), or a link object as given."""
    if isinstance(spec, Link):
        return spec
    if spec not in allowed:
        raise ArgumentError(f"{what} must be one of {', '.join(repr(a) for a in allowed)}, got {spec!r}")
    return LogLog() if spec == "loglog" else get_link(spec)


@dataclass(frozen=True)
class BetaParts:
    """The linear predictors and parameters at one coefficient vector."""

    eta: FloatArray
    zeta: FloatArray
    mu: FloatArray
    phi: FloatArray


def beta_parts(
    coef: FloatArray, X: FloatArray, Z: FloatArray, ox: FloatArray, oz: FloatArray, link: Link, link_phi: Link
) -> BetaParts:
    """:math:`\\eta = X\\beta + o`, :math:`\\zeta = Z\\gamma + o^z`, :math:`\\mu = g^{-1}(\\eta)`,
    :math:`\\phi = h^{-1}(\\zeta)`."""
    k = X.shape[1]
    eta = X @ coef[:k] + ox
    zeta = Z @ coef[k:] + oz
    return BetaParts(eta, zeta, link.inverse(eta), link_phi.inverse(zeta))


def beta_loglik(y: FloatArray, w: FloatArray, mu: FloatArray, phi: FloatArray) -> float:
    """:math:`\\sum_i w_i \\log f(y_i; \\mu_i\\phi_i, (1-\\mu_i)\\phi_i)` (R's ``dbeta(log = TRUE)``);
    NaN when a term is not finite, as betareg's ``loglikfun``."""
    if not np.all(np.isfinite(phi)) or np.any(phi <= 0):
        return math.nan
    a, b = mu * phi, (1.0 - mu) * phi
    with np.errstate(all="ignore"):
        ll = (a - 1.0) * np.log(y) + (b - 1.0) * np.log1p(-y) - special.betaln(a, b)
    if not np.all(np.isfinite(ll)):
        return math.nan
    return float(np.sum(w * ll))


def _mustar(mu: FloatArray, phi: FloatArray) -> FloatArray:
    out: FloatArray = special.digamma(mu * phi) - special.digamma((1.0 - mu) * phi)
    return out


def beta_score(
    y: FloatArray, w: FloatArray, X: FloatArray, Z: FloatArray, p: BetaParts, link: Link, link_phi: Link
) -> FloatArray:
    """The score :math:`U = \\partial\\ell/\\partial(\\beta, \\gamma)` (betareg's ``gradfun``)."""
    mu, phi = p.mu, p.phi
    ystar = special.logit(y)
    res = ystar - _mustar(mu, phi)
    s_mu = phi * res * link.mu_eta(p.eta) * w
    s_phi = (
        (mu * res + np.log1p(-y) - special.digamma((1.0 - mu) * phi) + special.digamma(phi))
        * link_phi.mu_eta(p.zeta)
        * w
    )
    out: FloatArray = np.concatenate([X.T @ s_mu, Z.T @ s_phi])
    return out


def beta_information(
    w: FloatArray, X: FloatArray, Z: FloatArray, p: BetaParts, link: Link, link_phi: Link
) -> FloatArray:
    """The expected information :math:`K` (betareg's ``hessfun``), with
    :math:`a = \\psi'(\\mu\\phi) + \\psi'((1-\\mu)\\phi)`,
    :math:`b = \\psi'(\\mu\\phi)\\mu^2 + \\psi'((1-\\mu)\\phi)(1-\\mu)^2 - \\psi'(\\phi)`:

    .. math:: K_{\\beta\\beta} = X^\\top \\mathrm{diag}(w\\phi^2 a\\,\\dot\\mu^2) X,\\quad
              K_{\\gamma\\gamma} = Z^\\top \\mathrm{diag}(w b\\,\\dot\\phi^2) Z,\\quad
              K_{\\beta\\gamma} = X^\\top \\mathrm{diag}(w\\phi(\\mu a - \\psi'((1-\\mu)\\phi))
              \\dot\\mu\\dot\\phi) Z.
    """
    mu, phi = p.mu, p.phi
    psi1 = special.polygamma(1, mu * phi)
    psi2 = special.polygamma(1, (1.0 - mu) * phi)
    a = psi1 + psi2
    b = psi1 * mu**2 + psi2 * (1.0 - mu) ** 2 - special.polygamma(1, phi)
    dmu = link.mu_eta(p.eta)
    dphi = link_phi.mu_eta(p.zeta)
    wbb = w * phi**2 * a * dmu**2
    wgg = w * b * dphi**2
    wbg = w * phi * (mu * a - psi2) * dmu * dphi
    kbb = X.T @ (wbb[:, None] * X)
    kgg = Z.T @ (wgg[:, None] * Z)
    kbg = X.T @ (wbg[:, None] * Z)
    out: FloatArray = np.block([[kbb, kbg], [kbg.T, kgg]])
    return out


def beta_start(
    y: FloatArray, X: FloatArray, w: FloatArray, ox: FloatArray, m: int, link: Link, link_phi: Link
) -> FloatArray:
    """betareg's starting values: weighted least squares of :math:`g(y)` on :math:`X` for
    :math:`\\beta`; for the precision intercept :math:`h(\\sum_i \\tilde\\phi_i)` with
    :math:`\\tilde\\phi_i = w_i\\hat y_i(1-\\hat y_i)/(\\sum w\\,\\sigma^2_i) - 1/n`,
    :math:`\\sigma^2_i = \\sum w e^2 / ((\\sum w - k)(1/\\dot\\mu_i)^2)` (the fixed-precision
    start of Ferrari & Cribari-Neto 2004); the other precision coefficients start at 0."""
    n, k = X.shape
    gy = link.link(y) - ox
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(X * sw[:, None], gy * sw, rcond=None)[0] if k else np.zeros(0)
    fitted = X @ beta + ox
    yhat = link.inverse(fitted)
    dlink = 1.0 / link.mu_eta(link.link(yhat))
    res = np.where(w > 0, link.link(y) - fitted, 0.0)
    sigma2 = float(np.sum(w * res**2)) / ((float(np.sum(w)) - k) * dlink**2)
    phi_y = w * yhat * (1.0 - yhat) / (float(np.sum(w)) * sigma2) - 1.0 / n
    gamma = np.zeros(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = float(link_phi.link(np.array([np.sum(phi_y)]))[0])
        ok = math.isfinite(g1) and float(link_phi.inverse(np.array([g1]))[0]) > 0
    gamma[0] = g1 if ok else float(link_phi.link(np.array([1.0]))[0])
    out: FloatArray = np.concatenate([beta, gamma])
    return out


@dataclass(frozen=True)
class BetaFit:
    """A beta regression fit.

    Attributes
    ----------
    coef : ndarray
        :math:`(\\beta, \\gamma)`.
    vcov : ndarray
        :math:`K^{-1}` at the estimate (betareg's default covariance).
    loglik : float
    parts : BetaParts
        :math:`\\eta, \\zeta, \\mu, \\phi` at the estimate.
    iterations : int
        Fisher scoring iterations.
    converged : bool
    """

    coef: FloatArray
    vcov: FloatArray
    loglik: float
    parts: BetaParts
    iterations: int
    converged: bool


def _solve(K: FloatArray, u: FloatArray) -> FloatArray:
    # Scaled to unit diagonal first, as the information mixes scales (phi ~ 100, beta ~ 1).
    d = np.sqrt(np.abs(np.diag(K)))
    d = np.where(d > 0, d, 1.0)
    out: FloatArray = np.linalg.solve(K / np.outer(d, d), u / d) / d
    return out


def fit_betareg(
    y: FloatArray,
    X: FloatArray,
    Z: FloatArray,
    w: FloatArray,
    ox: FloatArray,
    oz: FloatArray,
    link: Link,
    link_phi: Link,
    *,
    start: FloatArray | None = None,
    tol: float = 1e-10,
    max_iter: int = 500,
) -> BetaFit:
    """Maximise the beta log-likelihood by Fisher scoring with step halving.

    Parameters
    ----------
    y : ndarray, shape (n,)
        Responses strictly inside (0, 1).
    X, Z : ndarray, shapes (n, k) and (n, m)
        Mean and precision model matrices (full column rank).
    w, ox, oz : ndarray, shape (n,)
        Prior weights and the mean and precision offsets.
    link, link_phi : Link
    start : ndarray, optional
        Starting :math:`(\\beta, \\gamma)`; betareg's (:func:`beta_start`) by default.
    tol : float
        Convergence when every :math:`|\\Delta\\theta_j| \\le` ``tol`` :math:`\\max(1, |\\theta_j|)`.
    max_iter : int
        At most this many scoring steps; a :class:`~rglm.exceptions.ConvergenceWarning` if reached.
    """
    k, m = X.shape[1], Z.shape[1]
    if start is None:
        theta = beta_start(y, X, w, ox, m, link, link_phi)
    else:
        theta = np.asarray(start, dtype=np.float64).copy()
        if theta.shape != (k + m,):
            raise ArgumentError(f"start must have {k + m} values (mean then precision), got {theta.size}")
    parts = beta_parts(theta, X, Z, ox, oz, link, link_phi)
    ll = beta_loglik(y, w, parts.mu, parts.phi)
    if not math.isfinite(ll):
        raise FitError("the log-likelihood is not finite at the starting values; give start= values")
    converged, it = False, 0
    while it < max_iter:
        it += 1
        K = beta_information(w, X, Z, parts, link, link_phi)
        try:
            step = _solve(K, beta_score(y, w, X, Z, parts, link, link_phi))
        except np.linalg.LinAlgError:
            raise FitError(
                "the information matrix is singular: the mean or precision model has aliased columns"
            ) from None

        def at(t: FloatArray) -> tuple[BetaParts, float]:
            p = beta_parts(t, X, Z, ox, oz, link, link_phi)
            return p, beta_loglik(y, w, p.mu, p.phi)

        cand, cparts, cll, done = halved_step(theta, step, ll, at, tol)
        if not math.isfinite(cll):
            break
        theta, parts, ll = cand, cparts, cll
        if done:
            converged = True
            break
    if not converged:
        warn(
            f"beta regression did not converge in {it} Fisher scoring iterations; "
            "raise max_iter or give start= values",
            ConvergenceWarning,
        )
    K = beta_information(w, X, Z, parts, link, link_phi)
    inv = np.linalg.inv(K)
    vcov: FloatArray = np.asarray((inv + inv.T) / 2, dtype=np.float64)
    return BetaFit(theta, vcov, ll, parts, it, converged)
