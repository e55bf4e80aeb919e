"""The multinomial logit model on arrays: Newton-Raphson to the exact MLE (R's ``nnet::multinom``).

The model
---------
Row :math:`i` has covariates :math:`x_i \\in \\mathbb{R}^p`, counts :math:`y_{ik}` over
:math:`K` categories (one 1 and zeros for a factor response), :math:`m_i = \\sum_k y_{ik}` and a
case weight :math:`w_i`.  Category 0 is the baseline; the others have coefficients
:math:`\\beta_k \\in \\mathbb{R}^p` (:math:`k = 1..K-1`, stacked level-major into one vector
:math:`\\theta` of length :math:`q = (K-1)p`, R's ``vcov(multinom)`` order), and

.. math::  \\pi_{ik} = \\frac{e^{\\eta_{ik}}}{1 + \\sum_{l \\ge 1} e^{\\eta_{il}}}, \\quad
           \\eta_{ik} = x_i^T\\beta_k, \\quad \\eta_{i0} = 0.

The log-likelihood (nnet's fitting criterion, without the multinomial coefficient) is
:math:`\\ell = \\sum_i w_i \\sum_k y_{ik} \\log \\pi_{ik}`; the deviance is :math:`-2\\ell`.
Its score and (observed = expected, the link is canonical) information are

.. math::  U_k = \\sum_i w_i (y_{ik} - m_i\\pi_{ik})\\, x_i, \\qquad
           I_{kl} = \\sum_i w_i m_i (\\pi_{ik}\\delta_{kl} - \\pi_{ik}\\pi_{il})\\, x_i x_i^T .

Both are sums over rows, so :func:`block_sums` computes them for a block of rows and blocks
are added (:meth:`MultinomSums.merge`): a fit over row blocks in memory, chunks of a file or
Dask partitions is the same fit.

The solver, :func:`newton_multinom`, as documented steps
--------------------------------------------------------
1. ``start``: :math:`\\theta = 0` (nnet's start: equal probabilities) or the caller's;
   the first pass also gives :math:`X^T X` over rows with positive weight, from which
   :func:`aliased_columns` applies R's rank rule (a column is aliased when its part not
   explained by the earlier columns has squared norm below :math:`10^{-14}` of its own, the
   criterion of LINPACK's ``dqrdc2`` with ``tol = 1e-7``).  Aliased columns get no
   coefficients (NaN in the result, as ``glm`` reports them).
2. ``solve``: the Newton step :math:`s = I^{-1}U` by Cholesky on the estimable entries.
3. ``evaluate``: one pass gives :math:`\\ell`, :math:`U` and :math:`I` at :math:`\\theta + s`.
4. ``halve``: while the deviance is not finite or has increased, halve the step (at most
   30 times).
5. ``converged``: the step's predicted decrease of the deviance (the Newton decrement
   :math:`U^T I^{-1} U`) is below ``tol`` :math:`\\times (|D| + 0.1)`.  That step has already
   been taken, so the estimates are at the MLE to about the square of that accuracy, and the
   information of the last pass (at the reported estimates) gives the covariance
   :math:`I^{-1}`.
6. ``finish``: the coefficients that were still moving by a unit step when the deviance had
   settled are reported as diverging (separation: the MLE does not exist).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla

from rglm.exceptions import ArgumentError, ConvergenceWarning, FitError, warn
from rglm.fit.passes import _single_threaded_blas, worker_threads

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "MultinomControl",
    "MultinomFit",
    "MultinomSums",
    "SumsAt",
    "aliased_columns",
    "block_sums",
    "memory_sums",
    "newton_multinom",
    "probabilities",
]

#: R's tolerance for ``qr(X)$rank`` (LINPACK ``dqrdc2``).
RANK_TOL = 1e-7
#: At most this many halvings of one Newton step.
MAX_HALVINGS = 30


@dataclass(frozen=True)
class MultinomControl:
    """``tol``: the Newton decrement relative to :math:`|D| + 0.1` that stops the iteration;
    ``max_iter``: the iteration limit; ``trace``: print the deviance at each iteration."""

    tol: float = 1e-10
    max_iter: int = 100
    trace: bool = False

    def __post_init__(self) -> None:
        if not (self.tol > 0 and math.isfinite(self.tol)):
            raise ArgumentError(f"tol must be a positive number, got {self.tol!r}")
        if int(self.max_iter) != self.max_iter or self.max_iter < 1:
            raise ArgumentError(f"max_iter must be a whole number >= 1, got {self.max_iter!r}")


@dataclass
class MultinomSums:
    """What one pass over some rows gives (see the module docstring).

    ``loglik``: :math:`\\ell`; ``score``: :math:`U` (K-1, p); ``info``: :math:`I`
    ((K-1)p, (K-1)p), level-major; ``gram``: :math:`X^T X` over rows with positive weight
    (only when asked for); ``rows``: rows seen; ``total``: :math:`\\sum_i w_i m_i`;
    ``min_prob``: the smallest fitted probability (rows with positive weight); ``totals``: the
    weighted count of each category.
    """

    loglik: float
    score: FloatArray
    info: FloatArray
    gram: FloatArray | None = None
    rows: int = 0
    total: float = 0.0
    min_prob: float = 1.0
    totals: FloatArray | None = None

    @classmethod
    def empty(cls, q: int, p: int, gram: bool = False) -> MultinomSums:
        """The sums over no rows."""
        return cls(0.0, np.zeros((q, p)), np.zeros((q * p, q * p)), np.zeros((p, p)) if gram else None)

    def merge(self, other: MultinomSums) -> MultinomSums:
        """The sums over ``self``'s rows and ``other``'s."""
        gram = None if self.gram is None or other.gram is None else self.gram + other.gram
        return MultinomSums(
            self.loglik + other.loglik,
            self.score + other.score,
            self.info + other.info,
            gram,
            self.rows + other.rows,
            self.total + other.total,
            min(self.min_prob, other.min_prob),
            _add(self.totals, other.totals),
        )

    @property
    def deviance(self) -> float:
        """:math:`-2\\ell`."""
        return -2.0 * self.loglik


def _add(a: FloatArray | None, b: FloatArray | None) -> FloatArray | None:
    if a is None:
        return b
    return a if b is None else a + b


#: A pass: the sums over all rows at the coefficients (K-1, p), with the Gram matrix if asked.
SumsAt = Callable[[FloatArray, bool], MultinomSums]


def counts_of(y: FloatArray, K: int) -> FloatArray:
    """The (n, K) counts of a response: category codes 0..K-1 (one per row) or counts already."""
    if y.ndim == 2:
        return y
    out = np.zeros((y.size, K))
    out[np.arange(y.size), y.astype(np.intp)] = 1.0
    return out


def probabilities(X: FloatArray, coef: FloatArray) -> tuple[FloatArray, FloatArray]:
    """:math:`\\pi` (n, K) and :math:`\\log\\pi` at ``coef`` (K-1, p; NaN entries count as 0),
    computed from :math:`\\eta - \\max(0, \\max_k \\eta_k)` so that no exponential overflows."""
    B = np.nan_to_num(coef, nan=0.0)
    eta = X @ B.T
    top = np.maximum(eta.max(axis=1, initial=0.0), 0.0)
    logits = np.column_stack([-top, eta - top[:, None]])
    log_norm = np.log(np.exp(logits).sum(axis=1))
    log_p = logits - log_norm[:, None]
    return np.exp(log_p), log_p


def block_sums(
    X: FloatArray, y: FloatArray, w: FloatArray, coef: FloatArray, gram: bool = False
) -> MultinomSums:
    """:math:`\\ell`, :math:`U` and :math:`I` (module docstring) over one block of rows.

    ``y`` holds category codes (n,) or counts (n, K); ``coef`` is (K-1, p).  The information
    is formed as :math:`\\mathrm{blockdiag}_k(X^T D_{w m \\pi_k} X) - Z^T D_{wm} Z` with
    :math:`Z = [\\pi_1 x, \\dots, \\pi_{K-1} x]`, the second term by one symmetric rank-n update.
    """
    q, p = coef.shape
    n = X.shape[0]
    if n == 0:
        return MultinomSums.empty(q, p, gram)
    Y = counts_of(y, q + 1)
    m = Y.sum(axis=1)
    prob, log_p = probabilities(X, coef)
    with np.errstate(invalid="ignore"):  # 0 * log(0) for an unobserved category is 0
        ll_terms = np.where(Y > 0, Y * log_p, 0.0)
    loglik = float(np.sum(w * ll_terms.sum(axis=1)))
    v = w * m
    score = ((w[:, None] * Y[:, 1:]) - v[:, None] * prob[:, 1:]).T @ X
    Z = np.empty((n, q * p))
    root_v = np.sqrt(v)
    for k in range(q):
        Z[:, k * p : (k + 1) * p] = X * (prob[:, k + 1] * root_v)[:, None]
    # Z' Z by BLAS's symmetric rank-k update (half the work of a general product).
    outer = sla.blas.dsyrk(1.0, Z.T, trans=0, lower=0)
    outer = np.triu(outer) + np.triu(outer, 1).T
    info = -outer
    for k in range(q):
        blk = (X * (v * prob[:, k + 1])[:, None]).T @ X
        info[k * p : (k + 1) * p, k * p : (k + 1) * p] += blk
    g = None
    if gram:
        pos = X[w > 0]
        g = pos.T @ pos
    positive = w > 0
    min_prob = float(prob[positive].min()) if positive.any() else 1.0
    totals = (w[:, None] * Y).sum(axis=0)
    return MultinomSums(loglik, score, info, g, n, float(np.sum(v)), min_prob, totals)


def memory_sums(
    blocks: Sequence[tuple[FloatArray, FloatArray, FloatArray]], threads: int | None = None
) -> SumsAt:
    """A pass over in-memory row blocks ``(X, y, w)``, on a pool of threads (NumPy and BLAS
    release the GIL), adding the blocks' sums in block order so that the result does not
    depend on the number of threads."""
    n_threads = min(worker_threads() if threads is None else threads, max(len(blocks), 1))

    def sums_at(coef: FloatArray, gram: bool) -> MultinomSums:
        q, p = coef.shape
        if n_threads <= 1:
            parts = [block_sums(X, y, w, coef, gram) for X, y, w in blocks]
        else:
            with _single_threaded_blas(), ThreadPoolExecutor(max_workers=n_threads) as pool:
                parts = list(pool.map(lambda b: block_sums(b[0], b[1], b[2], coef, gram), blocks))
        out = MultinomSums.empty(q, p, gram)
        for part in parts:
            out = out.merge(part)
        return out

    return sums_at


def aliased_columns(gram: FloatArray, tol: float = RANK_TOL) -> BoolArray:
    """R's rank rule on :math:`G = X^T X`: column :math:`j` is aliased when the squared norm of
    its part orthogonal to the earlier kept columns, :math:`G_{jj} - g_j^T G_{KK}^{-1} g_j`, is
    below :math:`\\mathrm{tol}^2 G_{jj}` (LINPACK ``dqrdc2``, which R's ``qr`` uses)."""
    p = gram.shape[0]
    aliased = np.zeros(p, dtype=bool)
    kept: list[int] = []
    for j in range(p):
        gjj = gram[j, j]
        if gjj <= 0:
            aliased[j] = True
            continue
        if kept:
            gk = gram[np.ix_(kept, kept)]
            gj = gram[kept, j]
            resid = gjj - gj @ np.linalg.solve(gk, gj)
        else:
            resid = gjj
        if resid < tol * tol * gjj:
            aliased[j] = True
        else:
            kept.append(j)
    return aliased


@dataclass(frozen=True)
class MultinomFit:
    """The result of :func:`newton_multinom`.

    ``coef``: (K-1, p), NaN for aliased columns; ``cov``: ((K-1)p, (K-1)p) level-major,
    :math:`I^{-1}` with NaN rows and columns for aliased entries; ``deviance``:
    :math:`-2\\ell`; ``rank``: estimable columns; ``nobs``: :math:`\\sum_i w_i m_i`;
    ``diverging``: flat indices of coefficients still moving at the end (separation).
    """

    coef: FloatArray
    cov: FloatArray
    deviance: float
    iterations: int
    converged: bool
    aliased: BoolArray
    rank: int
    rows: int
    nobs: float
    min_prob: float
    totals: FloatArray = field(default_factory=lambda: np.zeros(0))
    diverging: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    trace: tuple[float, ...] = ()


def _estimable(aliased: BoolArray, q: int) -> npt.NDArray[np.intp]:
    """Flat (level-major) positions of the coefficients of the columns not aliased."""
    p = aliased.size
    kept = np.flatnonzero(~aliased)
    return (np.arange(q)[:, None] * p + kept[None, :]).ravel().astype(np.intp)


def _newton_step(s: MultinomSums, idx: npt.NDArray[np.intp]) -> FloatArray:
    """:math:`I^{-1}U` on the estimable entries (least squares if :math:`I` is singular, as it
    becomes numerically when coefficients diverge)."""
    info = s.info[np.ix_(idx, idx)]
    u = s.score.ravel()[idx]
    try:
        factor = sla.cho_factor(info, lower=False, check_finite=True)
        step: FloatArray = sla.cho_solve(factor, u)
    except (np.linalg.LinAlgError, ValueError):
        step = np.asarray(np.linalg.lstsq(info, u, rcond=None)[0], dtype=np.float64)
    return step


def _covariance(s: MultinomSums, idx: npt.NDArray[np.intp], size: int) -> FloatArray:
    out = np.full((size, size), np.nan)
    info = s.info[np.ix_(idx, idx)]
    try:
        inv = sla.cho_solve(sla.cho_factor(info, lower=False), np.eye(idx.size))
    except (np.linalg.LinAlgError, ValueError):
        inv = np.linalg.pinv(info)  # nnet's vcov is a generalised inverse as well
    out[np.ix_(idx, idx)] = (inv + inv.T) / 2
    return out


def newton_multinom(
    sums_at: SumsAt,
    K: int,
    p: int,
    control: MultinomControl,
    start: FloatArray | None = None,
    printer: Callable[[str], None] = print,
) -> MultinomFit:
    """Fit the multinomial logit model by Newton-Raphson with step halving (module docstring).

    Parameters
    ----------
    sums_at : callable
        ``sums_at(coef, gram)``: :class:`MultinomSums` over all rows at ``coef`` (K-1, p).
    K, p : int
        Categories and model-matrix columns.
    control : MultinomControl
    start : ndarray, optional
        Starting coefficients, (K-1, p) or flat level-major; zero by default.
    """
    q = K - 1
    coef = np.zeros((q, p)) if start is None else np.array(start, dtype=np.float64).reshape(q, p)
    first = sums_at(coef, True)
    if first.rows == 0 or not first.total > 0:
        raise FitError("no rows with positive weight to fit")
    assert first.gram is not None
    aliased = aliased_columns(first.gram)
    coef[:, aliased] = 0.0
    if aliased.any() and start is not None:
        first = sums_at(coef, False)
    idx = _estimable(aliased, q)
    current = first
    if not math.isfinite(current.deviance):
        raise FitError("the deviance is not finite at the starting values; try start=None")
    trace = [current.deviance]
    converged = False
    last_step = np.zeros(idx.size)
    iterations = 0
    for iterations in range(1, control.max_iter + 1):
        step = _newton_step(current, idx)
        decrement = float(current.score.ravel()[idx] @ step)
        flat = coef.ravel().copy()
        t = 1.0
        for _ in range(MAX_HALVINGS + 1):
            trial = flat.copy()
            trial[idx] += t * step
            nxt = sums_at(trial.reshape(q, p), False)
            slack = 1e-12 * (abs(current.deviance) + 0.1)
            if math.isfinite(nxt.deviance) and nxt.deviance <= current.deviance + slack:
                break
            t /= 2
        else:
            warn(
                f"multinom: the step could not reduce the deviance after {MAX_HALVINGS} halvings at "
                f"iteration {iterations}; the fit stops at deviance {current.deviance:.10g}",
                ConvergenceWarning,
            )
            break
        coef, current, last_step = trial.reshape(q, p), nxt, t * step
        trace.append(current.deviance)
        if control.trace:
            printer(f"iter {iterations:3d} value {current.deviance / 2:.6f}")
        if decrement < control.tol * (abs(current.deviance) + 0.1):
            converged = True
            break
    if not converged:
        warn(
            f"multinom: the Newton iterations did not converge in {control.max_iter} steps "
            f"(deviance {current.deviance:.10g}); increase max_iter",
            ConvergenceWarning,
        )
    # Coefficients still moving by a sizeable step when the deviance has settled diverge.
    moving = np.abs(last_step) > 1e-3 * np.maximum(1.0, np.abs(coef.ravel()[idx]))
    diverging = idx[moving] if current.min_prob < 1e-6 else np.zeros(0, dtype=np.intp)
    out_coef = coef.copy()
    out_coef[:, aliased] = np.nan
    return MultinomFit(
        coef=out_coef,
        cov=_covariance(current, idx, q * p),
        deviance=current.deviance,
        iterations=iterations,
        converged=converged,
        aliased=aliased,
        rank=int(p - aliased.sum()),
        rows=current.rows,
        nobs=current.total,
        min_prob=current.min_prob,
        totals=np.zeros(K) if first.totals is None else first.totals,
        diverging=diverging,
        trace=tuple(trace),
    )
