"""Dirichlet regression by maximum likelihood, as R's ``DirichletReg`` (Maier 2014).

Each row :math:`y_i = (y_{i1}, \\dots, y_{iK})`, with positive shares summing to one, is
:math:`\\mathrm{Dirichlet}(\\alpha_{i1}, \\dots, \\alpha_{iK})`; with prior weights :math:`w_i`

.. math:: \\ell = \\sum_i w_i \\Big[\\log\\Gamma(\\alpha_{i+}) - \\sum_k \\log\\Gamma(\\alpha_{ik})
          + \\sum_k (\\alpha_{ik} - 1)\\log y_{ik}\\Big],\\qquad \\alpha_{i+} = \\sum_k \\alpha_{ik}.

Two parametrizations:

* **common**: :math:`\\log\\alpha_{ik} = x_i^\\top\\beta_k` for every component;
* **alternative**: means :math:`\\mu_{ik} = e^{x_i^\\top\\beta_k}/\\sum_j e^{x_i^\\top\\beta_j}` with
  :math:`\\beta_1 = 0` (the first component is the base), precision
  :math:`\\phi_i = e^{z_i^\\top\\gamma}`, and :math:`\\alpha_{ik} = \\mu_{ik}\\phi_i`.

Per row, with local parameters :math:`\\theta_i` (the :math:`K` log-alphas, or the
:math:`K-1` mean predictors and the precision predictor), the score is :math:`J^\\top s` and the
observed Hessian
:math:`J^\\top H_\\alpha J + \\sum_k s_k\\,\\partial^2\\alpha_k/\\partial\\theta\\partial\\theta^\\top`,
where :math:`s_k = \\psi(\\alpha_+) - \\psi(\\alpha_k) + \\log y_k`,
:math:`H_\\alpha = \\psi'(\\alpha_+)\\mathbf{1}\\mathbf{1}^\\top - \\mathrm{diag}(\\psi'(\\alpha_k))` and
:math:`J = \\partial\\alpha/\\partial\\theta`.  The estimate is found by Newton-Raphson with step
halving (Fisher scoring, :math:`J^\\top H_\\alpha J`, where the Hessian is not negative definite);
the covariance is :math:`(-H)^{-1}` with the observed Hessian at the estimate, as
DirichletReg computes it.

Arrays in, arrays out: no pandas, no formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import ConvergenceWarning, FitError, warn
from rglm.fit.ascent import halved_step

FloatArray = npt.NDArray[np.float64]

__all__ = ["DirichletFit", "dirichlet_alpha", "dirichlet_loglik", "dirichlet_start", "fit_dirichlet"]


def _split(coef: FloatArray, p: int, K: int, alternative: bool) -> tuple[FloatArray, FloatArray]:
    """The mean coefficients as a p x (K or K-1) matrix, and the precision coefficients."""
    nb = p * (K - 1 if alternative else K)
    return coef[:nb].reshape(-1, p).T, coef[nb:]


def dirichlet_alpha(
    coef: FloatArray, X: FloatArray, Z: FloatArray | None, K: int, alternative: bool
) -> tuple[FloatArray, FloatArray]:
    """:math:`\\alpha` (n x K) and the local parameters (n x K for common: the log-alphas;
    n x K for alternative: the K-1 mean predictors then the precision predictor)."""
    B, g = _split(coef, X.shape[1], K, alternative)
    eta = X @ B
    if not alternative:
        with np.errstate(over="ignore"):
            return np.exp(eta), eta
    assert Z is not None
    full = np.column_stack([np.zeros(X.shape[0]), eta])
    mu = special.softmax(full, axis=1)
    zeta = Z @ g
    with np.errstate(over="ignore"):
        phi = np.exp(zeta)
    return mu * phi[:, None], np.column_stack([eta, zeta])


def dirichlet_loglik(A: FloatArray, logY: FloatArray, w: FloatArray) -> float:
    """:math:`\\ell` for alphas ``A``; NaN when an alpha is not positive and finite."""
    if not np.all(np.isfinite(A)) or np.any(A <= 0):
        return math.nan
    ll = special.gammaln(A.sum(axis=1)) - special.gammaln(A).sum(axis=1) + ((A - 1.0) * logY).sum(axis=1)
    return float(np.sum(w * ll))


def _local(A: FloatArray, logY: FloatArray, alternative: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per row: the local score (n x q), the observed local Hessian (n x q x q) and the
    expected one (n x q x q)."""
    n, K = A.shape
    ap = A.sum(axis=1)
    s = special.digamma(ap)[:, None] - special.digamma(A) + logY
    Ha = special.polygamma(1, ap)[:, None, None] * np.ones((1, K, K)) - np.einsum(
        "ik,kl->ikl", special.polygamma(1, A), np.eye(K)
    )
    if not alternative:
        J = np.einsum("ik,kl->ikl", A, np.eye(K))  # d alpha_k / d log alpha_l
        second = np.einsum("ik,kl->ikl", s * A, np.eye(K))
    else:
        mu = A / ap[:, None]
        q = K  # K-1 mean predictors, then the precision predictor
        J = np.zeros((n, K, q))
        # d alpha_k / d eta_l = phi mu_k (delta_kl - mu_l), l = 2..K; d alpha_k / d zeta = alpha_k
        J[:, :, : K - 1] = ap[:, None, None] * (
            np.einsum("ik,kl->ikl", mu, np.eye(K))[:, :, 1:] - mu[:, :, None] * mu[:, None, 1:]
        )
        J[:, :, K - 1] = A
        sbar = np.sum(mu * s, axis=1)
        m1, s1 = mu[:, 1:], s[:, 1:]
        second = np.zeros((n, q, q))
        # sum_k s_k d2 alpha_k / d eta_l d eta_m
        #   = phi [delta_lm mu_l (s_l - sbar) - mu_l mu_m (s_l + s_m - 2 sbar)]
        second[:, : K - 1, : K - 1] = ap[:, None, None] * (
            np.einsum("il,lm->ilm", m1 * (s1 - sbar[:, None]), np.eye(K - 1))
            - m1[:, :, None] * m1[:, None, :] * (s1[:, :, None] + s1[:, None, :] - 2 * sbar[:, None, None])
        )
        cross = ap[:, None] * m1 * (s1 - sbar[:, None])  # = sum_k s_k d alpha_k / d eta_l
        second[:, : K - 1, K - 1] = cross
        second[:, K - 1, : K - 1] = cross
        second[:, K - 1, K - 1] = np.sum(s * A, axis=1)
    score = np.einsum("ikq,ik->iq", J, s)
    expected = np.einsum("ikq,ikl,ilr->iqr", J, Ha, J)
    return score, expected + second, expected


def _blocks(X: FloatArray, Z: FloatArray | None, q: int, alternative: bool) -> list[FloatArray]:
    """The design of each local parameter."""
    if not alternative:
        return [X] * q
    assert Z is not None
    return [X] * (q - 1) + [Z]


def _assemble(w: FloatArray, local: FloatArray, designs: list[FloatArray]) -> FloatArray:
    """The global matrix :math:`\\sum_i w_i\\,D_{i,a}^\\top h_{i,ab} D_{i,b}` from per-row blocks."""
    sizes = [D.shape[1] for D in designs]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    out = np.zeros((offsets[-1], offsets[-1]))
    for a, Da in enumerate(designs):
        for b, Db in enumerate(designs):
            out[offsets[a] : offsets[a + 1], offsets[b] : offsets[b + 1]] = Da.T @ (
                (w * local[:, a, b])[:, None] * Db
            )
    return out


def dirichlet_start(
    Y: FloatArray, X: FloatArray, Z: FloatArray | None, w: FloatArray, alternative: bool
) -> FloatArray:
    """Starting values: weighted least squares of :math:`\\log(2K y_k)` on :math:`X` per
    component (common: :math:`\\alpha \\approx 2K\\mu`), or of :math:`\\log(y_k/y_1)` with
    :math:`\\gamma = (\\log 2K, 0, \\dots)` (alternative)."""
    K = Y.shape[1]
    sw = np.sqrt(w)[:, None]

    def wls(target: FloatArray) -> FloatArray:
        out: FloatArray = np.asarray(
            np.linalg.lstsq(X * sw, target * sw[:, 0], rcond=None)[0], dtype=np.float64
        )
        return out

    if not alternative:
        return np.concatenate([wls(np.log(Y[:, k] * 2 * K)) for k in range(K)])
    assert Z is not None
    b = [wls(np.log(Y[:, k] / Y[:, 0])) for k in range(1, K)]
    g = np.zeros(Z.shape[1])
    g[0] = math.log(2 * K)
    return np.concatenate([*b, g])


@dataclass(frozen=True)
class DirichletFit:
    """A Dirichlet regression fit: coefficients (component-major, precision last),
    covariance :math:`(-H)^{-1}`, log-likelihood, fitted alphas, Newton iterations."""

    coef: FloatArray
    vcov: FloatArray
    loglik: float
    alpha: FloatArray
    iterations: int
    converged: bool


def fit_dirichlet(
    Y: FloatArray,
    X: FloatArray,
    Z: FloatArray | None,
    w: FloatArray,
    *,
    alternative: bool = False,
    start: FloatArray | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> DirichletFit:
    """Maximise the Dirichlet log-likelihood by Newton-Raphson with step halving.

    Parameters
    ----------
    Y : ndarray, shape (n, K)
        Positive shares, each row summing to one.
    X : ndarray, shape (n, p)
        The mean model matrix (common: the model of every :math:`\\log\\alpha_k`).
    Z : ndarray, shape (n, m), or None
        The precision model matrix (alternative parametrization only).
    w : ndarray, shape (n,)
        Prior weights.
    alternative : bool
    start : ndarray, optional
    tol, max_iter : float, int
        Stop when every step is below ``tol`` :math:`\\max(1, |\\theta_j|)`.
    """
    K = Y.shape[1]
    logY = np.log(Y)
    theta = dirichlet_start(Y, X, Z, w, alternative) if start is None else np.asarray(start, dtype=np.float64)
    A, _ = dirichlet_alpha(theta, X, Z, K, alternative)
    ll = dirichlet_loglik(A, logY, w)
    if not math.isfinite(ll):
        raise FitError("the Dirichlet log-likelihood is not finite at the starting values")
    designs = _blocks(X, Z, K, alternative)
    converged, it = False, 0
    while it < max_iter:
        it += 1
        score_l, hess_l, exp_l = _local(A, logY, alternative)
        U = np.concatenate([D.T @ (w * score_l[:, a]) for a, D in enumerate(designs)])
        H = _assemble(w, hess_l, designs)
        try:
            np.linalg.cholesky(-H)
            step = np.linalg.solve(-H, U)
        except np.linalg.LinAlgError:
            step = np.linalg.solve(-_assemble(w, exp_l, designs), U)

        def at(t: FloatArray) -> tuple[FloatArray, float]:
            alpha, _ = dirichlet_alpha(t, X, Z, K, alternative)
            return alpha, dirichlet_loglik(alpha, logY, w)

        cand, cA, cll, done = halved_step(theta, step, ll, at, tol)
        if not math.isfinite(cll):
            break
        theta, A, ll = cand, cA, cll
        if done:
            converged = True
            break
    if not converged:
        warn(f"Dirichlet regression did not converge in {it} Newton iterations", ConvergenceWarning)
    _, hess_l, _ = _local(A, logY, alternative)
    H = _assemble(w, hess_l, designs)
    try:
        inv = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        raise FitError(
            "the Hessian is singular at the estimate: the model matrix has aliased columns"
        ) from None
    vcov: FloatArray = np.asarray((inv + inv.T) / 2, dtype=np.float64)
    return DirichletFit(theta, vcov, ll, A, it, converged)
