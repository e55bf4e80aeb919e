"""The multinomial logit model on arrays: Newton-Raphson to the exact MLE (R's ``nnet::multinom``).

The model
---------
Row :math:`i` has covariates :math:`x_i \\in \\mathbb{R}^p`, counts :math:`y_{ik}` over
:math:`K` categories (one 1 and zeros for a factor response), :math:`m_i = \\sum_k y_{ik}` and a
case weight :math:`w_i`.  Category 0 is the baseline; the others have coefficients
:math:`\\beta_k \\in \\mathbb{R}^p` (:math:`k = 1..K-1`, stacked level-major into one vector
:math:`\\theta` of length :math:`(K-1)p`, R's ``vcov(multinom)`` order), and

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
1. ``start``: the caller's, or the intercept-only MLE from one cheap pass (:func:`constant_point`);
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
from rglm.fit.passes import single_threaded_blas, worker_threads
from rglm.numerics.design import Design, SplitDesign, as_design

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "MultinomControl",
    "MultinomFit",
    "MultinomSums",
    "SumsAt",
    "aliased_columns",
    "block_sums",
    "constant_point",
    "counts_of",
    "memory_sums",
    "newton_multinom",
    "probabilities",
    "softmax",
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

    A pass without coefficients (the *moments*, see :func:`block_sums`) gives instead
    ``score`` :math:`= \\sum_i w_i y_{ik} x_i`, ``xtv`` :math:`= \\sum_i w_i m_i x_i` and
    ``xtvx`` :math:`= \\sum_i w_i m_i x_i x_i^T`: at coefficients where every row has the same
    probabilities :math:`\bar\\pi` (an intercept only) the log-likelihood, score and
    information follow from them without another pass (:func:`constant_point`).
    """

    loglik: float
    score: FloatArray
    info: FloatArray
    gram: FloatArray | None = None
    rows: int = 0
    total: float = 0.0
    min_prob: float = 1.0
    totals: FloatArray | None = None
    xtv: FloatArray | None = None
    xtvx: FloatArray | None = None

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
            _add(self.xtv, other.xtv),
            _add(self.xtvx, other.xtvx),
        )

    @property
    def deviance(self) -> float:
        """:math:`-2\\ell`."""
        return -2.0 * self.loglik


def _add(a: FloatArray | None, b: FloatArray | None) -> FloatArray | None:
    if a is None:
        return b
    return a if b is None else a + b


#: A pass: the sums over all rows at the coefficients (K-1, p), or the moments (coefficients
#: None), with the Gram matrix if asked.
SumsAt = Callable[[FloatArray | None, bool], MultinomSums]


def counts_of(y: FloatArray, K: int) -> FloatArray:
    """The (n, K) counts of a response: category codes 0..K-1 (one per row) or counts already."""
    if y.ndim == 2:
        return y
    out = np.zeros((y.size, K))
    out[np.arange(y.size), y.astype(np.intp)] = 1.0
    return out


def probabilities(X: FloatArray, coef: FloatArray) -> tuple[FloatArray, FloatArray]:
    r""":math:`\pi` (n, K) and :math:`\log\pi` at ``coef`` (K-1, p; NaN entries count as 0)."""
    return softmax(X @ np.nan_to_num(coef, nan=0.0).T)


def softmax(eta: FloatArray) -> tuple[FloatArray, FloatArray]:
    r""":math:`\pi` and :math:`\log\pi` from the (n, K-1) log-odds against the baseline,
    computed from :math:`\eta - \max(0, \max_k \eta_k)` so that no exponential overflows."""
    top = np.maximum(eta.max(axis=1, initial=0.0), 0.0)
    logits = np.column_stack([-top, eta - top[:, None]])
    log_p = logits - np.log(np.exp(logits).sum(axis=1))[:, None]
    return np.exp(log_p), log_p


def block_sums(
    X: FloatArray | Design,
    y: FloatArray,
    w: FloatArray,
    coef: FloatArray | None,
    gram: bool = False,
    K: int = 0,
) -> MultinomSums:
    r""":math:`\ell`, :math:`U` and :math:`I` (module docstring) over one block of rows.

    ``X`` is the block's model matrix, dense or a :class:`rglm.numerics.design.SplitDesign`
    (factors kept as codes); ``y`` holds category codes (n,) or counts (n, K); ``coef`` is
    (K-1, p).  Dense, the information is :math:`\mathrm{blockdiag}_k(X^T D_{w m \pi_k} X) -
    Z^T Z` with :math:`Z = [\pi_1 x, \dots, \pi_{K-1} x]\sqrt{w m}`, by one symmetric
    rank-n update; split, it is :math:`K(K-1)/2` weighted Gram matrices
    :math:`X^T D_{w m \pi_k(\delta_{kl} - \pi_l)} X`, whose factor parts are ``bincount`` s.
    With ``coef=None`` it gives the moments instead (:class:`MultinomSums`; ``K`` categories).
    """
    design = as_design(X)
    n, p = design.shape
    q = K - 1 if coef is None else coef.shape[0]
    if n == 0:
        return MultinomSums.empty(q, p, gram)
    Y = counts_of(y, q + 1)
    m = Y.sum(axis=1)
    if coef is None:
        return _moments(design, Y, w, m, gram)
    B = np.nan_to_num(coef, nan=0.0)
    dense = None if isinstance(design, SplitDesign) else design.rows(None)
    if dense is not None:
        eta = dense @ B.T
    else:
        eta = np.column_stack([design.matvec(B[k], exact=False) for k in range(q)])
    prob, log_p = softmax(eta)
    with np.errstate(invalid="ignore"):  # 0 * log(0) for an unobserved category is 0
        ll_terms = np.where(Y > 0, Y * log_p, 0.0)
    loglik = float(np.sum(w * ll_terms.sum(axis=1)))
    v = w * m
    resid = (w[:, None] * Y[:, 1:]) - v[:, None] * prob[:, 1:]
    if dense is not None:
        score = resid.T @ dense
        info = _dense_information(dense, prob, v)
    else:
        score = np.vstack([design.rmatvec(resid[:, k]) for k in range(q)])
        info = _split_information(design, prob, v)
    g = None
    if gram:
        g = design.gram((w > 0).astype(np.float64))
    positive = w > 0
    min_prob = float(prob[positive].min()) if positive.any() else 1.0
    totals = (w[:, None] * Y).sum(axis=0)
    return MultinomSums(loglik, score, info, g, n, float(np.sum(v)), min_prob, totals)


def _moments(design: Design, Y: FloatArray, w: FloatArray, m: FloatArray, gram: bool) -> MultinomSums:
    q, p = Y.shape[1] - 1, design.shape[1]
    v = w * m
    xtwy = np.vstack([design.rmatvec(w * Y[:, k + 1]) for k in range(q)])
    g = design.gram((w > 0).astype(np.float64)) if gram else None
    totals = (w[:, None] * Y).sum(axis=0)
    return MultinomSums(
        0.0,
        xtwy,
        np.zeros((q * p, q * p)),
        g,
        design.shape[0],
        float(np.sum(v)),
        totals=totals,
        xtv=design.rmatvec(v),
        xtvx=design.gram(v),
    )


def constant_point(
    moments: MultinomSums, aliased: BoolArray, intercept: int | None
) -> tuple[FloatArray, MultinomSums]:
    """The starting point and its sums, from the moments alone.

    With an intercept, the start is the intercept-only MLE: :math:`\bar\\pi_k` = the weighted
    share of category :math:`k`, :math:`\beta_{k0} = \\log(\bar\\pi_k/\bar\\pi_0)` (else 0,
    :math:`\bar\\pi_k = 1/K`, nnet's start).  There :math:`\\ell = \\sum_k T_k\\log\bar\\pi_k`
    (:math:`T_k` the category totals), :math:`U_k = \\sum_i w_i y_{ik}x_i - \bar\\pi_k \\sum_i
    w_i m_i x_i` and :math:`I = (\\mathrm{diag}\\,\bar\\pi - \bar\\pi\bar\\pi^T) \\otimes
    \\sum_i w_i m_i x_i x_i^T` over the non-baseline categories.
    """
    assert moments.totals is not None and moments.xtv is not None and moments.xtvx is not None
    totals = moments.totals
    K, p = totals.size, moments.xtv.size
    coef = np.zeros((K - 1, p))
    if intercept is not None and not aliased[intercept] and np.all(totals > 0):
        pbar = totals / totals.sum()
        coef[:, intercept] = np.log(pbar[1:] / pbar[0])
    else:
        pbar = np.full(K, 1.0 / K)
    seen = totals > 0
    loglik = float(np.sum(totals[seen] * np.log(pbar[seen])))
    score = moments.score - pbar[1:, None] * moments.xtv[None, :]
    A = np.diag(pbar[1:]) - np.outer(pbar[1:], pbar[1:])
    info = np.kron(A, moments.xtvx)
    point = MultinomSums(
        loglik, score, info, None, moments.rows, moments.total, float(pbar.min()), totals.copy()
    )
    return coef, point


def _dense_information(X: FloatArray, prob: FloatArray, v: FloatArray) -> FloatArray:
    n, p = X.shape
    q = prob.shape[1] - 1
    root_v = np.sqrt(v)
    # Z = [pi_1 x, ..., pi_{K-1} x] sqrt(w m), written in one pass over memory.
    Z = np.einsum("ij,ik->ijk", prob[:, 1:] * root_v[:, None], X).reshape(n, q * p)
    # Z' Z by BLAS's symmetric rank-k update (half the work of a general product).
    outer = sla.blas.dsyrk(1.0, Z.T, trans=0, lower=0)
    info: FloatArray = -(np.triu(outer) + np.triu(outer, 1).T)
    # The diagonal blocks X' diag(w m pi_k) X, all at once: (sqrt(w m) x)' Z.
    diag = (X * root_v[:, None]).T @ Z
    for k in range(q):
        info[k * p : (k + 1) * p, k * p : (k + 1) * p] += diag[:, k * p : (k + 1) * p]
    return info


def _pair_weights(prob: FloatArray, v: FloatArray) -> tuple[list[tuple[int, int]], FloatArray]:
    r"""The pairs :math:`k \le l` of non-baseline levels and the weights of their information
    blocks, :math:`w m \pi_k(\delta_{kl} - \pi_l)`, one column per pair."""
    q = prob.shape[1] - 1
    pairs = [(k, m) for k in range(q) for m in range(k, q)]
    C = np.empty((prob.shape[0], len(pairs)))
    for j, (k, m) in enumerate(pairs):
        C[:, j] = v * prob[:, k + 1] * ((1.0 if k == m else 0.0) - prob[:, m + 1])
    return pairs, C


def _split_information(design: Design, prob: FloatArray, v: FloatArray) -> FloatArray:
    p = design.shape[1]
    q = prob.shape[1] - 1
    pairs, C = _pair_weights(prob, v)
    grams = _batched_grams(design, C)
    info = np.zeros((q * p, q * p))
    for j, (k, m) in enumerate(pairs):
        g = grams[j] if grams is not None else _signed_gram(design, C[:, j])
        info[k * p : (k + 1) * p, m * p : (m + 1) * p] = g
        info[m * p : (m + 1) * p, k * p : (k + 1) * p] = g.T
    return info


def _signed_gram(design: Design, c: FloatArray) -> FloatArray:
    r""":math:`X^T \mathrm{diag}(c) X` for weights of either sign (a design may take square
    roots of its weights)."""
    if np.all(c >= 0):
        return design.gram(c)
    if np.all(c <= 0):
        return -design.gram(-c)
    return design.gram(np.maximum(c, 0.0)) - design.gram(np.maximum(-c, 0.0))


def _batched_grams(design: Design, C: FloatArray) -> list[FloatArray] | None:
    r"""The Gram matrices :math:`X^T \mathrm{diag}(C_j) X` for every column of ``C`` at once,
    for a split design of an intercept, numeric columns :math:`X_d` and one plain factor.

    A factor's indicators are 0/1 and one per row, so every block of :math:`X^T D X` has a
    numeric side: :math:`X^T [C_1 X_d, \dots, C_r X_d]` (one matrix product) holds them all,
    and the indicators' own block is diagonal, their cross sums with the intercept.  None for
    other designs (then each is a Gram matrix of its own).
    """
    if not isinstance(design, SplitDesign) or len(design.blocks) != 1 or design.blocks[0].values is not None:
        return None
    block, dense, dc = design.blocks[0], design.dense, design.dense_columns
    if dc.size == 0 or not dense.intercept:
        return None
    n, p = design.shape
    r = C.shape[1]
    X = design.rows(None)
    Xd = X[:, dc]  # the intercept first, then the numeric columns
    md = dc.size
    W = np.einsum("ij,ik->ijk", C, Xd).reshape(n, r * md)
    full = X.T @ W
    ca = block.columns[block.columns >= 0]
    out = []
    for j in range(r):
        part = full[:, j * md : (j + 1) * md]
        g = np.zeros((p, p))
        g[:, dc] = part
        g[dc, :] = part.T
        g[ca, ca] = part[ca, 0]  # an indicator with itself: its cross sum with the intercept
        out.append(g)
    return out


def memory_sums(
    blocks: Sequence[tuple[FloatArray | Design, FloatArray, FloatArray]], K: int, threads: int | None = None
) -> SumsAt:
    """A pass over in-memory row blocks ``(X, y, w)``, on a pool of threads (NumPy and BLAS
    release the GIL) with one BLAS thread each, adding the blocks' sums in block order so
    that the result does not depend on the number of threads."""
    n_threads = min(worker_threads() if threads is None else threads, max(len(blocks), 1))

    def sums_at(coef: FloatArray | None, gram: bool) -> MultinomSums:
        q, p = (K - 1, blocks[0][0].shape[1]) if coef is None else coef.shape
        out = MultinomSums.empty(q, p, gram)
        # Each block's sums are added as they come, in block order, so that no more than a few
        # (K-1)p-square information matrices are held at once.
        with single_threaded_blas():
            if n_threads <= 1:
                for X, y, w in blocks:
                    out = out.merge(block_sums(X, y, w, coef, gram, K))
            else:
                with ThreadPoolExecutor(max_workers=n_threads) as pool:
                    for part in pool.map(lambda b: block_sums(b[0], b[1], b[2], coef, gram, K), blocks):
                        out = out.merge(part)
        return out

    return sums_at


def aliased_columns(gram: FloatArray, tol: float = RANK_TOL) -> BoolArray:
    """R's rank rule on :math:`G = X^T X`: column :math:`j` is aliased when the squared norm of
    its part orthogonal to the earlier kept columns, :math:`G_{jj} - g_j^T G_{KK}^{-1} g_j`, is
    below :math:`\\mathrm{tol}^2 G_{jj}` (LINPACK ``dqrdc2``, which R's ``qr`` uses)."""
    p = gram.shape[0]
    aliased = np.zeros(p, dtype=bool)
    # The Cholesky factor L of the kept columns' Gram matrix grows a row at a time: the residual
    # of column j is G_jj - |z|^2 with L z = g_j (a triangular solve, O(p^2) per column).
    L = np.zeros((p, p))
    k = 0
    for j in range(p):
        gjj = gram[j, j]
        if not gjj > 0:
            aliased[j] = True
            continue
        kept = np.flatnonzero(~aliased[:j])
        z = sla.solve_triangular(L[:k, :k], gram[kept, j], lower=True) if k else np.zeros(0)
        resid = gjj - float(z @ z)
        if resid < tol * tol * gjj:
            aliased[j] = True
            continue
        L[k, :k] = z
        L[k, k] = math.sqrt(resid)
        k += 1
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


def _check_rows(s: MultinomSums) -> None:
    if s.rows == 0 or not s.total > 0:
        raise FitError("no rows with positive weight to fit")


def newton_multinom(
    sums_at: SumsAt,
    K: int,
    p: int,
    control: MultinomControl,
    start: FloatArray | None = None,
    intercept: int | None = None,
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
        Starting coefficients, (K-1, p) or flat level-major; by default the intercept-only
        MLE (:func:`constant_point`).
    intercept : int, optional
        The model matrix's intercept column, if it has one.
    """
    q = K - 1
    if start is None:
        # One cheap pass (moments) gives the rank, the start and its score and information.
        moments = sums_at(None, True)
        _check_rows(moments)
        assert moments.gram is not None
        aliased = aliased_columns(moments.gram)
        coef, current = constant_point(moments, aliased, intercept)
    else:
        coef = np.array(start, dtype=np.float64).reshape(q, p)
        current = sums_at(coef, True)
        _check_rows(current)
        assert current.gram is not None
        aliased = aliased_columns(current.gram)
        if aliased.any():
            coef[:, aliased] = 0.0
            current = sums_at(coef, False)
    idx = _estimable(aliased, q)
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
        totals=np.zeros(K) if current.totals is None else current.totals,
        diverging=diverging,
        trace=tuple(trace),
    )
