"""The proportional-odds (cumulative link) model of ``MASS::polr``, fitted by Newton's method.

Row :math:`i` falls in one of :math:`K` ordered categories :math:`y_i \\in \\{1, \\dots, K\\}`.
With thresholds :math:`\\zeta_1 < \\dots < \\zeta_{K-1}` (and :math:`\\zeta_0 = -\\infty`,
:math:`\\zeta_K = \\infty`) and :math:`\\eta_i = o_i + x_i^T\\beta`,

.. math:: P(y_i \\le k) = F(\\zeta_k - \\eta_i), \\qquad \\pi_i = F(z_{i1}) - F(z_{i2}),

with :math:`z_{i1} = \\zeta_{y_i} - \\eta_i` and :math:`z_{i2} = \\zeta_{y_i - 1} - \\eta_i`,

and the log-likelihood is :math:`\\ell = \\sum_i w_i \\log \\pi_i`.  :math:`F` is MASS's
``method``:

============  ===============================================  ===============
method        :math:`F(z)`                                     MASS's function
============  ===============================================  ===============
logistic      :math:`1/(1 + e^{-z})`                            ``plogis``
probit        :math:`\\Phi(z)`                                  ``pnorm``
loglog        :math:`\\exp(-e^{-z})` (Gumbel, maximum)          ``pgumbel``
cloglog       :math:`1 - \\exp(-e^{z})` (Gumbel, minimum)       ``pGumbel``
cauchit       :math:`1/2 + \\arctan(z)/\\pi`                     ``pcauchy``
============  ===============================================  ===============

With :math:`f = F'`, :math:`g = f'`, :math:`r_j = f(z_{ij})/\\pi_i` and :math:`d = r_1 - r_2`
(a term is 0 where its threshold is infinite), each row contributes

* to the score: :math:`-w d\\, x_i` for :math:`\\beta`, :math:`w r_1` for
  :math:`\\zeta_{y_i}` and :math:`-w r_2` for :math:`\\zeta_{y_i - 1}`;
* to the Hessian: :math:`w[(g_1 - g_2)/\\pi - d^2]\\, x_i x_i^T` for :math:`\\beta\\beta`,
  :math:`w[r_1 d - g_1/\\pi]\\, x_i` and :math:`w[g_2/\\pi - r_2 d]\\, x_i` for
  :math:`\\beta\\zeta_{y_i}` and :math:`\\beta\\zeta_{y_i-1}`, and :math:`w[g_1/\\pi - r_1^2]`,
  :math:`-w[g_2/\\pi + r_2^2]` and :math:`w r_1 r_2` for the thresholds (a tridiagonal block).

:func:`fit_polr` maximises :math:`\\ell` by Newton's method on :math:`(\\beta, \\zeta)`:

1. start from :math:`\\beta = 0` and the thresholds of the model without covariates,
   :math:`\\zeta_k = F^{-1}(\\text{weighted share of } y \\le k)` (or from ``start``);
2. solve :math:`(-H)\\,\\delta = \\nabla\\ell` by Cholesky; where :math:`-H` is not positive
   definite (possible only away from the optimum, and only for cauchit, whose likelihood is
   not concave) a multiple of the identity is added until it is (Levenberg);
3. halve the step until the thresholds stay strictly increasing, every :math:`\\pi_i > 0`
   and :math:`\\ell` does not decrease (the ordering constraint is never violated, so no
   reparametrisation is needed; for the four log-concave :math:`F` the likelihood is concave
   and the full step is taken near the optimum);
4. stop when every component of the step taken is below ``tol`` standard errors; Newton's
   quadratic convergence leaves the estimates at the maximum to rounding.

The covariance is the inverse of the observed information :math:`-H` at the estimate, in
the order :math:`\\beta` then :math:`\\zeta` (R's ``vcov(polr)``; MASS approximates it by
finite differences).  Probabilities use both tails (:math:`\\pi = S(z_2) - S(z_1)` when
both ends lie above 0, :math:`S = 1 - F`), so none is lost to cancellation; unlike MASS no
argument is clipped at :math:`\\pm 100` (which costs cauchit 0.3 % of probability per tail).

The design is a :class:`rglm.numerics.design.Design` (dense, or with factors kept as codes):
the score needs :math:`X^T v`, the Hessian one weighted Gram matrix and :math:`K - 1`
products :math:`X^T c_k`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import linalg as sla
from scipy import special

from rglm.exceptions import ArgumentError, DataError
from rglm.numerics.design import DenseDesign, Design

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["METHODS", "PolrFit", "cell_probabilities", "cumulative", "fit_polr", "quantile"]

METHODS = ("logistic", "probit", "loglog", "cloglog", "cauchit")


# -- the five distributions -------------------------------------------------------------------------
def _parts_finite(method: str, z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """:math:`F, S = 1 - F, f, f'` at finite ``z``."""
    if method == "logistic":
        F = special.expit(z)
        S = special.expit(-z)
        f = F * S
        return F, S, f, f * (S - F)
    if method == "probit":
        F, S = special.ndtr(z), special.ndtr(-z)
        f = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return F, S, f, -z * f
    if method == "loglog":  # F = exp(-exp(-z))
        with np.errstate(over="ignore"):
            e = np.exp(-z)
        F = np.exp(-e)
        S = -np.expm1(-e)
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.where(np.isinf(e), 0.0, e * F)
            g = np.where(f > 0, f * (e - 1.0), 0.0)
        return F, S, f, g
    if method == "cloglog":  # F = 1 - exp(-exp(z))
        with np.errstate(over="ignore"):
            e = np.exp(z)
        S = np.exp(-e)
        F = -np.expm1(-e)
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.where(np.isinf(e), 0.0, e * S)
            g = np.where(f > 0, f * (1.0 - e), 0.0)
        return F, S, f, g
    if method == "cauchit":
        F = 0.5 + np.arctan(z) / math.pi
        S = 0.5 - np.arctan(z) / math.pi
        # The far tails as 1/(pi |z|) series terms, where 0.5 - atan(z)/pi cancels.
        big = np.abs(z) > 1e4
        if np.any(big):
            tail = np.arctan(1.0 / np.abs(z[big])) / math.pi
            F[big] = np.where(z[big] < 0, tail, 1.0 - tail)
            S[big] = np.where(z[big] > 0, tail, 1.0 - tail)
        den = 1.0 + z * z
        f = 1.0 / (math.pi * den)
        return F, S, f, -2.0 * z * f / den
    raise ArgumentError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


def _parts(method: str, z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """:math:`F, S, f, f'` at ``z``, which may hold :math:`\\pm\\infty` (the outer thresholds)."""
    inf = np.isinf(z)
    if not inf.any():
        return _parts_finite(method, z)
    F, S, f, g = _parts_finite(method, np.where(inf, 0.0, z))
    up = inf & (z > 0)
    down = inf & (z < 0)
    F[up], S[up], F[down], S[down] = 1.0, 0.0, 0.0, 1.0
    f[inf] = 0.0
    g[inf] = 0.0
    return F, S, f, g


def cumulative(method: str, z: FloatArray) -> FloatArray:
    """:math:`F(z)`, MASS's ``pfun`` for ``method``."""
    return _parts(method, np.asarray(z, dtype=np.float64))[0]


def quantile(method: str, p: FloatArray) -> FloatArray:
    """:math:`F^{-1}(p)`."""
    p = np.asarray(p, dtype=np.float64)
    if method == "logistic":
        out: FloatArray = special.logit(p)
    elif method == "probit":
        out = special.ndtri(p)
    elif method == "loglog":
        out = -np.log(-np.log(p))
    elif method == "cloglog":
        out = np.log(-np.log1p(-p))
    elif method == "cauchit":
        out = np.tan(math.pi * (p - 0.5))
    else:
        raise ArgumentError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    return np.asarray(out, dtype=np.float64)


def cell_probabilities(method: str, zeta: FloatArray, eta: FloatArray) -> FloatArray:
    """The :math:`n \\times K` probabilities :math:`F(\\zeta_k - \\eta_i) - F(\\zeta_{k-1} - \\eta_i)`,
    each from the tail where it is small (R's ``fitted(polr)`` and ``predict(type="probs")``)."""
    ext = np.r_[-np.inf, np.asarray(zeta, dtype=np.float64), np.inf]
    z = ext[None, :] - np.asarray(eta, dtype=np.float64)[:, None]
    F, S, _, _ = _parts(method, z.ravel())
    F, S = F.reshape(z.shape), S.reshape(z.shape)
    upper = z[:, :-1] >= 0  # both ends of the cell above 0: difference of survival probabilities
    out: FloatArray = np.where(upper, S[:, :-1] - S[:, 1:], F[:, 1:] - F[:, :-1])
    return out


# -- one evaluation ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Point:
    """The log-likelihood at :math:`(\\beta, \\zeta)` and, if asked for, its score and Hessian."""

    loglik: float
    eta: FloatArray
    score: FloatArray | None = None
    hessian: FloatArray | None = None
    #: the largest probability of an observed cell (1 to rounding: the fit is at a boundary)
    max_prob: float = 0.0


def _gram(design: Design, v: FloatArray, concave: bool) -> FloatArray:
    """:math:`X^T \\mathrm{diag}(v) X`.  A Gram matrix needs :math:`v \\ge 0`: for a log-concave
    :math:`F` that holds but for rounding (clipped); otherwise (cauchit) the positive and negative
    parts are summed separately."""
    if concave or np.all(v >= 0):
        return design.normal_equations(np.maximum(v, 0.0))[0]
    pos, neg = np.maximum(v, 0.0), np.maximum(-v, 0.0)
    out: FloatArray = design.normal_equations(pos)[0] - design.normal_equations(neg)[0]
    return out


#: Stands for the outer thresholds -inf and +inf inside the fit: every F, S, f and f' there is
#: exactly that of the infinite threshold (F = 0 or 1, f = f' = 0; cauchit's tail 1/(pi z)
#: underflows to 3e-301), so no row needs a special case and the outer cells' terms vanish.
_BIG = 1e300


class _Problem:
    """The data of one fit: design, codes 0..K-1, weights, offset and the distribution."""

    def __init__(
        self, design: Design, y: IntArray, n_levels: int, w: FloatArray, offset: FloatArray, method: str
    ) -> None:
        self.design, self.y, self.K, self.w, self.offset, self.method = design, y, n_levels, w, offset, method
        self.p = design.shape[1]
        self.q = n_levels - 1
        self.positive = w > 0
        self.all_positive = bool(np.all(self.positive))
        n = y.size
        # Flat positions in a (K + 1) x n array: row i's upper-threshold term goes to line y_i + 1,
        # its lower-threshold term to line y_i (lines 1..q are the thresholds).
        self.at_upper = (y + 1) * n + np.arange(n)
        self.at_lower = y * n + np.arange(n)
        self.concave = method != "cauchit"  # log-concave F: the likelihood is concave

    def at(self, theta: FloatArray, derivatives: bool) -> _Point | None:
        """The point ``theta`` = (beta, zeta); None if a probability is 0 or not finite."""
        p, q, y, w, K = self.p, self.q, self.y, self.w, self.K
        beta, zeta = theta[:p], theta[p:]
        eta = self.offset + self.design.matvec(beta) if p else self.offset.copy()
        ext = np.r_[-_BIG, zeta, _BIG]
        z1 = ext[y + 1] - eta
        z2 = ext[y] - eta
        with np.errstate(over="ignore", under="ignore"):
            F1, S1, f1, g1 = _parts_finite(self.method, z1)
            F2, S2, f2, g2 = _parts_finite(self.method, z2)
        prob = np.where(z2 >= 0, S2 - S1, F1 - F2)
        if self.all_positive:
            if not np.all(prob > 0) or not np.all(np.isfinite(prob)):
                return None
            loglik = float(np.sum(w * np.log(prob)))
            max_prob = float(np.max(prob))
        else:
            used = self.positive
            if not np.all(prob[used] > 0) or not np.all(np.isfinite(prob[used])):
                return None
            loglik = float(np.sum(w[used] * np.log(prob[used])))
            max_prob = float(np.max(prob[used]))
            prob = np.where(used, prob, 1.0)  # rows of weight 0 add nothing below
        if not derivatives:
            return _Point(loglik, eta)
        inv = 1.0 / prob
        r1, r2 = f1 * inv, f2 * inv
        d = r1 - r2
        score = np.zeros(p + q)
        hess = np.zeros((p + q, p + q))
        # Row i's upper threshold is y_i (bin y_i of a bincount), its lower one y_i - 1 (bin y_i,
        # shifted by one); the outer cells' terms are 0, so no row is excluded.
        score[p:] = (
            np.bincount(y, weights=w * r1, minlength=K)[:q] - np.bincount(y, weights=w * r2, minlength=K)[1:]
        )
        diag = np.bincount(y, weights=w * (g1 * inv - r1 * r1), minlength=K)[:q]
        diag -= np.bincount(y, weights=w * (g2 * inv + r2 * r2), minlength=K)[1:]
        off = np.bincount(y, weights=w * r1 * r2, minlength=K)[1:q]  # rows between thresholds k, k+1
        k = np.arange(q)
        hess[p + k, p + k] = diag
        hess[p + k[:-1], p + k[1:]] = off
        hess[p + k[1:], p + k[:-1]] = off
        if p:
            score[:p] = self.design.rmatvec(-w * d)
            hess[:p, :p] = -_gram(self.design, w * (d * d - (g1 - g2) * inv), self.concave)
            # beta-zeta block: X^T c_j, c_j holding the rows' terms for threshold j
            C = np.zeros((K + 1) * y.size)
            C[self.at_upper] = w * (r1 * d - g1 * inv)
            C[self.at_lower] = w * (g2 * inv - r2 * d)
            lines = C.reshape(K + 1, y.size)
            for j in range(q):
                hess[:p, p + j] = self.design.rmatvec(lines[j + 1])
            hess[p:, :p] = hess[:p, p:].T
        return _Point(loglik, eta, score, hess, max_prob)


# -- the Newton iteration ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PolrFit:
    """A fitted cumulative link model (arrays only).

    Attributes
    ----------
    beta : ndarray, shape (p,)
        Coefficients of the design's columns.
    zeta : ndarray, shape (K - 1,)
        Thresholds, increasing.
    loglik : float
        :math:`\\ell = \\sum_i w_i \\log \\pi_i` at the estimate.
    vcov : ndarray, shape (p + K - 1, p + K - 1)
        Inverse observed information, :math:`\\beta` then :math:`\\zeta`.
    eta : ndarray, shape (n,)
        :math:`o_i + x_i^T\\beta`.
    iterations : int
        Newton steps taken.
    converged : bool
    max_score : float
        Largest absolute component of the score at the estimate.
    message : str
        Why the iteration stopped short, if it did.
    max_prob : float
        The largest fitted probability of an observed category: 1 to rounding when the
        estimates run off to infinity (separation).
    """

    beta: FloatArray
    zeta: FloatArray
    loglik: float
    vcov: FloatArray
    eta: FloatArray
    iterations: int
    converged: bool
    max_score: float
    message: str = ""
    max_prob: float = 0.0

    @property
    def deviance(self) -> float:
        """:math:`-2\\ell` (MASS's residual deviance)."""
        return -2.0 * self.loglik


def _start(prob: _Problem) -> FloatArray:
    """:math:`\\beta = 0` and the thresholds of the model without covariates."""
    shares = np.bincount(prob.y, weights=prob.w, minlength=prob.K)
    cum = np.cumsum(shares)[:-1] / np.sum(shares)
    zeta = quantile(prob.method, np.clip(cum, 1e-10, 1 - 1e-10)) + float(
        np.average(prob.offset, weights=prob.w)
    )
    for k in range(1, zeta.size):  # a level of zero weight: keep the order strict
        zeta[k] = max(zeta[k], zeta[k - 1] + 1e-3)
    out: FloatArray = np.r_[np.zeros(prob.p), zeta]
    return out


def _newton_step(score: FloatArray, hessian: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The step :math:`(-H)^{-1}\\nabla\\ell` and :math:`\\mathrm{diag}((-H)^{-1})`, with a
    Levenberg shift of :math:`-H` where it is not positive definite."""
    info = -hessian
    scale = np.sqrt(np.maximum(np.abs(np.diag(info)), 1e-300))
    a = info / scale[:, None] / scale[None, :]  # equilibrated, so the shift is relative
    shift = 0.0
    for _ in range(40):
        try:
            c = sla.cho_factor(a + shift * np.eye(a.shape[0]), check_finite=False)
            break
        except (np.linalg.LinAlgError, ValueError):
            shift = max(1e-10, 10 * shift)
    else:
        raise DataError("the information matrix is not finite; the model cannot be fitted")
    step = sla.cho_solve(c, score / scale, check_finite=False) / scale
    inv_diag = np.diag(sla.cho_solve(c, np.eye(a.shape[0]), check_finite=False)) / scale**2
    return step, inv_diag


def _ordered(zeta: FloatArray) -> bool:
    return bool(np.all(np.diff(zeta) > 0)) and bool(np.all(np.isfinite(zeta)))


def fit_polr(
    design: Design | FloatArray,
    y: IntArray,
    n_levels: int,
    *,
    weights: FloatArray | None = None,
    offset: FloatArray | None = None,
    method: str = "logistic",
    start: FloatArray | None = None,
    tol: float = 1e-8,
    max_iter: int = 100,
    trace: Callable[[int, float], None] | None = None,
) -> PolrFit:
    """Maximum likelihood for the cumulative link model (see the module docstring).

    Parameters
    ----------
    design : Design or ndarray, shape (n, p)
        The columns of :math:`x_i` (no intercept: the thresholds take its place).
    y : ndarray of int, shape (n,)
        Categories coded 0 .. ``n_levels`` - 1.
    n_levels : int
        :math:`K \\ge 2`.
    weights, offset : ndarray, shape (n,), optional
        Case weights (default 1) and a known part of :math:`\\eta` (default 0).
    method : {"logistic", "probit", "loglog", "cloglog", "cauchit"}
    start : ndarray, shape (p + K - 1,), optional
        Starting :math:`(\\beta, \\zeta)`; the thresholds must increase.
    tol : float
        Stop when every component of a step is below ``tol`` standard errors.
    max_iter : int
        Newton steps allowed.
    trace : callable, optional
        Called with the iteration and the deviance after each step.

    Returns
    -------
    PolrFit
    """
    if method not in METHODS:
        raise ArgumentError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    X = design if isinstance(design, Design) else DenseDesign(np.asarray(design, dtype=np.float64))
    n = X.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    prob = _Problem(X, np.asarray(y, dtype=np.intp), n_levels, w, off, method)
    theta = _start(prob) if start is None else np.asarray(start, dtype=np.float64).copy()
    if theta.shape != (prob.p + prob.q,):
        raise ArgumentError(
            f"start must have {prob.p + prob.q} values (coefficients, then thresholds), got {theta.size}"
        )
    if not _ordered(theta[prob.p :]):
        raise ArgumentError(
            "the starting thresholds (the last values of start) must be finite and increasing"
        )
    point = prob.at(theta, True)
    if point is None:
        raise DataError("the starting values give an observation probability 0; choose other starting values")
    converged, message, it = False, "", 0
    for it in range(1, max_iter + 1):
        assert point.score is not None and point.hessian is not None
        step, inv_diag = _newton_step(point.score, point.hessian)
        t, new = 1.0, None
        for _ in range(60):  # step halving: keep the order, positive probabilities, no loss
            cand = theta + t * step
            if _ordered(cand[prob.p :]):
                new = prob.at(cand, True)
                if new is not None and new.loglik >= point.loglik - 1e-11 * (abs(point.loglik) + 1.0):
                    break
            new = None
            t *= 0.5
        if new is None:
            message = "step halving could not increase the likelihood"
            break
        theta, point = cand, new
        if trace is not None:
            trace(it, -2.0 * point.loglik)
        se = np.sqrt(np.maximum(inv_diag, 0.0))
        if np.all(np.abs(t * step) <= tol * np.where(se > 0, se, 1.0)):
            converged = True
            break
    else:
        message = f"no convergence in {max_iter} iterations"
    assert point.score is not None and point.hessian is not None
    info = -point.hessian
    try:
        vcov = np.linalg.inv(info)
    except (np.linalg.LinAlgError, ValueError):
        vcov = np.full_like(info, np.nan)
    vcov = 0.5 * (vcov + vcov.T)
    return PolrFit(
        beta=theta[: prob.p].copy(),
        zeta=theta[prob.p :].copy(),
        loglik=point.loglik,
        vcov=vcov,
        eta=point.eta,
        iterations=it,
        converged=converged,
        max_score=float(np.max(np.abs(point.score))) if point.score.size else 0.0,
        message=message,
        max_prob=point.max_prob,
    )
