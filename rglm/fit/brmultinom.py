"""Mean bias-reduced multinomial logit (``brglm2::brmultinom(type = "AS_mean")``) on arrays.

The estimates solve the adjusted score equations of Firth (1993) and Kosmidis & Firth (2011),

.. math::  U^*_t(\\theta) = U_t(\\theta) + \\tfrac12 \\operatorname{tr}\\{I(\\theta)^{-1}
           \\partial I(\\theta)/\\partial\\theta_t\\} = 0,

which for the multinomial logit (a canonical link) are the score equations of the
Jeffreys-prior penalised likelihood :math:`\\ell + \\tfrac12\\log|I|`.  With
:math:`I = \\sum_i w_i m_i W_i \\otimes x_i x_i^T`, :math:`W_i = \\mathrm{diag}(\\pi_i) -
\\pi_i\\pi_i^T` (non-baseline categories) and :math:`H = I^{-1}` in blocks :math:`H_{kk'}`, let
:math:`h_{ikk'} = x_i^T H_{kk'} x_i` and :math:`g_{ik} = h_{ikk} - 2 (h_i\\pi_i)_k`.  Then

.. math::  A_{lb} = \\tfrac12 \\sum_i w_i m_i\\, x_{ib}\\, \\pi_{il}\\,
           (g_{il} - \\textstyle\\sum_k \\pi_{ik} g_{ik}),

since :math:`\\partial W_i/\\partial\\eta_l` has entries :math:`d_k\\delta_{kk'} - d_k\\pi_{k'} -
\\pi_k d_{k'}` with :math:`d_k = \\pi_k(\\delta_{kl} - \\pi_l)`.

The iteration is brglm2's quasi Fisher scoring: :math:`\\theta \\leftarrow \\theta +
I^{-1}U^*`, until the sum of the absolute step is below ``tol`` (brglm2's ``epsilon``).  Each
iteration is two passes over the rows: :math:`\\ell`, :math:`U` and :math:`I` at
:math:`\\theta`, then :math:`A` with :math:`H = I^{-1}` known.  The estimates are finite even
under separation, which is what the method is for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla

from rglm.exceptions import ConvergenceWarning, FitError, warn
from rglm.fit.multinom import (
    MultinomControl,
    MultinomFit,
    MultinomSums,
    aliased_columns,
    block_sums,
    counts_of,
    probabilities,
)

FloatArray = npt.NDArray[np.float64]

__all__ = ["adjustment", "br_multinom"]

Block = tuple[FloatArray, FloatArray, FloatArray]


def adjustment(X: FloatArray, y: FloatArray, w: FloatArray, coef: FloatArray, H: FloatArray) -> FloatArray:
    """:math:`A` (K-1, p) of the module docstring over one block of rows, given
    :math:`H = I^{-1}` ((K-1)p square, level-major; zero rows and columns for aliased entries)."""
    q, p = coef.shape
    prob, _ = probabilities(X, coef)
    pi = prob[:, 1:]
    v = w * counts_of(y, q + 1).sum(axis=1)
    h = np.empty((X.shape[0], q, q))
    for k in range(q):
        for m in range(k, q):
            val = np.einsum("ij,jl,il->i", X, H[k * p : (k + 1) * p, m * p : (m + 1) * p], X)
            h[:, k, m] = h[:, m, k] = val
    g = np.einsum("ikk->ik", h) - 2.0 * np.einsum("ikm,im->ik", h, pi)
    T = v[:, None] * pi * (g - np.sum(pi * g, axis=1, keepdims=True))
    out: FloatArray = 0.5 * T.T @ X
    return out


def _sums(blocks: Sequence[Block], coef: FloatArray, gram: bool = False) -> MultinomSums:
    q, p = coef.shape
    out = MultinomSums.empty(q, p, gram)
    for X, y, w in blocks:
        out = out.merge(block_sums(X, y, w, coef, gram))
    return out


def br_multinom(
    blocks: Sequence[Block], K: int, p: int, control: MultinomControl, start: FloatArray | None = None
) -> MultinomFit:
    """Mean bias-reduced estimates (module docstring) from in-memory row blocks ``(X, y, w)``.

    ``control.tol`` bounds the sum of the absolute step (brglm2's ``epsilon``) and
    ``control.max_iter`` the iterations (``maxit``).
    """
    q = K - 1
    coef = np.zeros((q, p)) if start is None else np.array(start, dtype=np.float64).reshape(q, p)
    current = _sums(blocks, coef, gram=True)
    if current.rows == 0 or not current.total > 0:
        raise FitError("no rows with positive weight to fit")
    assert current.gram is not None
    aliased = aliased_columns(current.gram)
    coef[:, aliased] = 0.0
    kept = np.flatnonzero(~aliased)
    idx = (np.arange(q)[:, None] * p + kept[None, :]).ravel()
    converged = False
    iterations = 0
    trace = []
    for iterations in range(1, control.max_iter + 1):
        info = current.info[np.ix_(idx, idx)]
        factor = sla.cho_factor(info, lower=False)
        H = np.zeros((q * p, q * p))
        H[np.ix_(idx, idx)] = sla.cho_solve(factor, np.eye(idx.size))
        adj = sum((adjustment(X, y, w, coef, H) for X, y, w in blocks), np.zeros((q, p)))
        score = (current.score + adj).ravel()[idx]
        step = sla.cho_solve(factor, score)
        flat = coef.ravel().copy()
        flat[idx] += step
        coef = flat.reshape(q, p)
        current = _sums(blocks, coef)
        trace.append(current.deviance)
        if control.trace:
            print(f"iter {iterations:3d} deviance {current.deviance:.6f}")
        if float(np.sum(np.abs(step))) < control.tol:
            converged = True
            break
    if not converged:
        warn(
            f"brmultinom: the adjusted-score iterations did not converge in {control.max_iter} steps; "
            "increase max_iter",
            ConvergenceWarning,
        )
    cov = np.full((q * p, q * p), np.nan)
    info = current.info[np.ix_(idx, idx)]
    inv = sla.cho_solve(sla.cho_factor(info, lower=False), np.eye(idx.size))
    cov[np.ix_(idx, idx)] = (inv + inv.T) / 2
    out_coef = coef.copy()
    out_coef[:, aliased] = np.nan
    return MultinomFit(
        coef=out_coef,
        cov=cov,
        deviance=current.deviance,
        iterations=iterations,
        converged=converged,
        aliased=aliased,
        rank=int(kept.size),
        rows=current.rows,
        nobs=current.total,
        min_prob=current.min_prob,
        totals=np.zeros(K) if current.totals is None else current.totals,
        trace=tuple(trace),
    )
