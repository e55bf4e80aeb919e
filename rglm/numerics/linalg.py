"""Weighted least-squares steps for IRLS, with R's rule for aliased columns.

Each IRLS iteration solves :math:`\\min_\\beta \\lVert W^{1/2}(z - X\\beta)\\rVert^2`.
R does this with LINPACK's ``dqrdc2``: a Householder QR that walks the columns left to
right and moves a column to the end when the norm of what is left of it, after projecting
out the columns before it, falls below ``tol`` times its original norm.  Such a column is
*aliased*: its coefficient is reported as NA, and it is always the later of two collinear
columns.  Every solver here follows that rule:

* :func:`solve_r_exact` repeats ``dqrdc2``/``dqrsl`` operation by operation, so that on
  small problems every coefficient equals R's to the last bit (R prints rounding noise
  such as ``1.217e-15`` for coefficients that are exactly zero);
* :func:`solve_lapack` uses LAPACK's blocked QR and the same aliasing rule;
* :class:`NormalEquations` (the default for large data) uses Cholesky on :math:`X^T W X`,
  falling back to a blocked QR when that would lose digits.

A fit's plan (:class:`rglm.fit.plan.FitPlan`) chooses between them: the row evaluator of
the loop calls any :class:`WLSStep` ``(design, good, w, z, tol) -> WLSFit`` (R's LINPACK
replica by default), and the sums evaluator calls :meth:`NormalEquations.solve_sums`.
:func:`choose_solver` gives the step the size rule would pick, for callers outside a fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy import linalg as sla

from rglm.numerics.chol2inv import chol2inv
from rglm.numerics.design import BLOCK_ROWS, Design
from rglm.numerics.jit import compiled_qr
from rglm.numerics.rmath import nrm2, nrm2_columns, r_exact, seqdot, seqdot_columns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = [
    "NormalEquations",
    "QRStep",
    "WLSFit",
    "WLSSolver",
    "WLSStep",
    "choose_solver",
    "cov_unscaled",
    "solve_lapack",
    "solve_r_exact",
]


@dataclass(frozen=True)
class WLSFit:
    """One weighted least-squares solution.

    Attributes
    ----------
    coef : ndarray, shape (p,)
        Coefficients in the original column order; aliased columns hold 0.
    rank : int
        Number of columns judged linearly independent.
    pivot : ndarray of int, shape (p,)
        R's pivot (0-based): the kept columns in their original order, then the aliased ones.
    r_factor : ndarray, shape (rank, rank)
        Upper-triangular :math:`R` of the kept columns, :math:`X_k^T W X_k = R^T R`.
    """

    coef: FloatArray
    rank: int
    pivot: IntArray
    r_factor: FloatArray

    @property
    def aliased(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of aliased columns, in the original order."""
        mask = np.ones(self.coef.size, dtype=bool)
        mask[self.pivot[: self.rank]] = False
        return mask


WLSSolver = Callable[[FloatArray, FloatArray, float], WLSFit]


def _dqrdc2(x: FloatArray, tol: float) -> tuple[FloatArray, int, FloatArray, IntArray]:
    """Householder QR with R's limited pivoting, step for step as LINPACK ``dqrdc2``.

    LINPACK applies reflection ``c`` to the columns to its right one at a time, and each
    column's update depends only on that column.  Here the columns are updated together:
    the dot products ``v'x_j`` are accumulated left to right for all ``j`` at once
    (:func:`~rglm.numerics.rmath.seqdot_columns`, as reference BLAS ``ddot`` does), and the
    updates ``x_j + t_j v`` are the same products and sums.  Every value is therefore the
    one LINPACK computes, bit for bit, without a Python loop over column pairs.
    """
    n, p = x.shape
    qraux = nrm2_columns(x)
    orig = qraux.copy()
    orig[orig == 0.0] = 1.0
    jpvt = np.arange(p)
    k = p + 1
    for c in range(min(n, p)):
        # Move negligible columns to the right-hand edge until column c is usable.
        while c + 1 < k and qraux[c] < orig[c] * tol:
            order = np.r_[np.arange(c), np.arange(c + 1, p), c]
            x = x[:, order]
            jpvt, qraux, orig = jpvt[order], qraux[order], orig[order]
            k -= 1
        if c + 1 == n:
            continue
        nrmxl = nrm2(x[c:, c])
        if nrmxl == 0.0:
            continue
        if x[c, c] != 0.0:
            nrmxl = math.copysign(nrmxl, x[c, c])
        x[c:, c] = (1.0 / nrmxl) * x[c:, c]
        x[c, c] = 1.0 + x[c, c]
        if c + 1 < p:
            v = x[c:, c]
            rest = x[c:, c + 1 :]
            t = -seqdot_columns(v, rest) / x[c, c]
            rest += t[None, :] * v[:, None]
            _downdate_norms(x, qraux, c)
        qraux[c] = x[c, c]
        x[c, c] = -nrmxl
    return x, min(k - 1, n), qraux, jpvt


def _downdate_norms(x: FloatArray, qraux: FloatArray, c: int) -> None:
    r"""LINPACK's update of the remaining column norms after reflection ``c``, in place.

    Each norm is scaled by :math:`\sqrt{1 - (|x_{cj}|/q_j)^2}`, and recomputed from the
    rows below ``c`` once most of it is gone (``1 - ratio^2 < 10^{-6}``).
    """
    q = qraux[c + 1 :]
    live = q != 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(x[c, c + 1 :]) / q
    tt = np.maximum(1.0 - ratio * ratio, 0.0)
    scale = live & (np.abs(tt) >= 1e-6)
    q[scale] = q[scale] * np.sqrt(tt[scale])
    for j in np.flatnonzero(live & ~scale):
        q[j] = nrm2(x[c + 1 :, c + 1 + j])


def _dqrsl_coef(qr: FloatArray, k: int, qraux: FloatArray, y: FloatArray) -> FloatArray:
    """:math:`Q^T y` by the stored reflections, then back substitution (LINPACK ``dqrsl``)."""
    n = qr.shape[0]
    qty = y.copy()
    for j in range(min(k, n - 1)):
        if qraux[j] != 0.0:
            v = qr[j:, j].copy()
            v[0] = qraux[j]
            t = -seqdot(v, qty[j:]) / v[0]
            qty[j:] = qty[j:] + t * v
    b: FloatArray = qty[:k].copy()
    for j in range(k - 1, -1, -1):
        b[j] = b[j] / qr[j, j]
        if j > 0:
            b[:j] = b[:j] + (-b[j]) * qr[:j, j]
    return b


def solve_r_exact(xw: FloatArray, zw: FloatArray, tol: float) -> WLSFit:
    """Least squares of ``zw`` on ``xw`` exactly as R's ``Cdqrls`` computes it.

    Dot products and norms are accumulated left to right as the reference BLAS does, so
    the coefficients agree with R's bit for bit.  Cost :math:`O(np^2)` with a Python loop
    over column pairs: meant for small and medium problems.
    """
    n, p = xw.shape
    coef = np.zeros(p)
    kernel = compiled_qr()
    if kernel is not None and n > 0:
        # The same operations as the NumPy replica below, compiled (rglm.numerics.jit).
        qr = np.array(xw, dtype=np.float64, order="F")
        qraux, jpvt, first = np.zeros(p), np.zeros(p, dtype=np.int64), np.zeros(p)
        k = int(kernel(qr, np.array(zw, dtype=np.float64), float(tol), qraux, jpvt, first))
        piv = jpvt.astype(np.intp)
        coef[piv[:k]] = first[:k]
        return WLSFit(coef=coef, rank=k, pivot=piv, r_factor=np.triu(qr[:k, :k]))
    qr, k, qraux, piv = _dqrdc2(np.array(xw, dtype=np.float64, order="F"), tol)
    if k > 0:
        coef[piv[:k]] = _dqrsl_coef(qr, k, qraux, np.asarray(zw, dtype=np.float64))
    return WLSFit(coef=coef, rank=k, pivot=piv, r_factor=np.triu(qr[:k, :k]))


def solve_lapack(xw: FloatArray, zw: FloatArray, tol: float) -> WLSFit:
    """Least squares by LAPACK's Householder QR, aliasing columns by R's rule.

    A column :math:`j` is aliased when :math:`|R_{jj}| < \\text{tol}\\,\\lVert x_j\\rVert`
    with the columns before it (and not aliased) already projected out; the QR is then
    recomputed without it.  This is the criterion of ``dqrdc2``, evaluated with blocked
    LAPACK kernels instead of LINPACK.
    """
    n, p = xw.shape
    norms = np.sqrt(np.einsum("ij,ij->j", xw, xw))
    norms[norms == 0.0] = 1.0
    kept = list(range(p))
    aliased: list[int] = []
    while True:
        cols = kept[: min(len(kept), n)]
        if not cols:
            q = np.zeros((n, 0))
            r = np.zeros((0, 0))
            break
        q, r = sla.qr(xw[:, cols], mode="economic", check_finite=False)
        diag = np.abs(np.diag(r))
        bad = np.flatnonzero(diag < tol * norms[cols])
        if bad.size == 0:
            break
        drop = cols[int(bad[0])]
        kept.remove(drop)
        aliased.append(drop)
    rank = len(cols)
    overflow = kept[rank:]
    pivot = np.array(cols + sorted(aliased + overflow), dtype=np.intp)
    coef = np.zeros(p)
    if rank:
        coef[cols] = sla.solve_triangular(r, q.T @ zw, check_finite=False)
    return WLSFit(coef=coef, rank=rank, pivot=pivot, r_factor=np.triu(r))


class WLSStep(Protocol):
    """One IRLS least-squares step: minimise :math:`\\sum_{i \\in good} w_i^2 (z_i - x_i^T\\beta)^2`.

    ``w`` (square roots of the working weights) and ``z`` are given for the rows in ``good``.
    """

    def __call__(
        self, design: Design, good: npt.NDArray[np.bool_], w: FloatArray, z: FloatArray, tol: float
    ) -> WLSFit:
        raise NotImplementedError


@dataclass(frozen=True)
class QRStep(WLSStep):
    """A step by QR of the weighted rows :math:`\\sqrt{W}X` (R's way; ``solver`` is
    :func:`solve_r_exact` or :func:`solve_lapack`)."""

    solver: WLSSolver

    def __call__(
        self, design: Design, good: npt.NDArray[np.bool_], w: FloatArray, z: FloatArray, tol: float
    ) -> WLSFit:
        # Every row good (the usual case): the matrix itself, not a copy made by the mask.
        rows = design.rows() if good.all() else design.rows(good)
        return self.solver(rows * w[:, None], z * w, tol)


class NormalEquations(WLSStep):
    """A step by the normal equations :math:`X^T W X \\beta = X^T W z` and Cholesky.

    The Gram matrix costs one pass over the data and no n-by-p temporary, and with a
    :class:`rglm.numerics.design.SplitDesign` its categorical blocks are ``bincount`` s.  Cholesky's
    pivots are the diagonal of QR's :math:`R`, so R's aliasing rule reads the same:
    :math:`R_{jj}^2 < \\text{tol}^2 G_{jj}`.  But forming :math:`X^T W X` squares the condition
    number, so a pivot with :math:`R_{jj}^2 / G_{jj} < 10^{-6}` (a column nearly explained by the
    ones before it) is *trouble*: that step is redone as a blocked (TSQR) Householder QR of
    :math:`[\\sqrt{W}X, \\sqrt{W}z]`, whose small triangular factor then goes through R's
    own rank decision (:func:`solve_r_exact`).  The aliased columns found that way are kept for
    later steps, whose Cholesky runs on the remaining columns; any new trouble returns to QR.
    """

    TROUBLE = 1e-6

    def __init__(self) -> None:
        self.aliased: npt.NDArray[np.bool_] | None = None
        self.qr_steps = 0

    def __call__(
        self, design: Design, good: npt.NDArray[np.bool_], w: FloatArray, z: FloatArray, tol: float
    ) -> WLSFit:
        n = design.shape[0]
        wfull = np.zeros(n)
        wfull[good] = w * w
        zfull = np.zeros(n)
        zfull[good] = z
        g, rhs = design.normal_equations(wfull, zfull)
        return self.solve_sums(g, rhs, tol, lambda: self._tsqr_factor(design, good, w, z))

    def solve_sums(
        self, g: FloatArray, rhs: FloatArray, tol: float, qr_factor: Callable[[], FloatArray]
    ) -> WLSFit:
        """The step from :math:`X^T W X` and :math:`X^T W z`; ``qr_factor()`` gives the triangular
        factor of :math:`[\\sqrt{W}X, \\sqrt{W}z]` when Cholesky is in trouble (for data out of
        memory, another pass over the rows)."""
        p = g.shape[0]
        aliased = np.zeros(p, dtype=bool) if self.aliased is None else self.aliased
        fit = self._cholesky(g, rhs, aliased)
        if fit is None:
            acc = qr_factor()
            fit = solve_r_exact(acc[:, :p], acc[:, p], tol)
            self.aliased = fit.aliased
            self.qr_steps += 1
        return fit

    def _cholesky(self, g: FloatArray, rhs: FloatArray, aliased: npt.NDArray[np.bool_]) -> WLSFit | None:
        kept = np.flatnonzero(~aliased)
        gk = g[np.ix_(kept, kept)]
        diag = np.diag(gk)
        if kept.size == 0 or np.any(diag <= 0) or not np.all(np.isfinite(gk)):
            return None
        try:
            r = sla.cholesky(gk, lower=False, check_finite=False)
        except np.linalg.LinAlgError:
            return None
        if np.any(np.diag(r) ** 2 < self.TROUBLE * diag):
            return None
        coef = np.zeros(g.shape[0])
        coef[kept] = sla.cho_solve((r, False), rhs[kept], check_finite=False)
        pivot = np.r_[kept, np.flatnonzero(aliased)].astype(np.intp)
        return WLSFit(coef=coef, rank=int(kept.size), pivot=pivot, r_factor=r)

    @staticmethod
    def _tsqr_factor(design: Design, good: npt.NDArray[np.bool_], w: FloatArray, z: FloatArray) -> FloatArray:
        """QR of :math:`[\\sqrt{W}X, \\sqrt{W}z]` by blocks of rows; the triangular factor is an
        exact (orthogonally equivalent) stand-in for the full problem."""
        p = design.shape[1]
        rows = np.flatnonzero(good)
        acc = np.zeros((0, p + 1))
        for start in range(0, rows.size, BLOCK_ROWS):
            sel = slice(start, start + BLOCK_ROWS)
            blk = np.column_stack([design.rows(rows[sel]) * w[sel, None], z[sel] * w[sel]])
            acc = sla.qr(np.vstack([acc, blk]), mode="r", check_finite=False)[0][: p + 1]
        return acc


def choose_solver(n: int, p: int) -> WLSStep:
    """R's LINPACK replica for small problems (bit-identical to R), the normal equations with
    a QR fallback beyond the sizes of :func:`rglm.numerics.rmath.r_exact` (the choice a
    :class:`rglm.fit.plan.FitPlan` makes for a fit)."""
    if r_exact(n, p):
        return QRStep(solve_r_exact)
    return NormalEquations()


def cov_unscaled(fit: WLSFit) -> FloatArray:
    """:math:`(X^T W X)^{-1}` from the R factor, in the original column order, NaN where aliased.

    Computed as R's ``chol2inv`` does, by reference LAPACK's ``dpotri``: :math:`(R^T R)^{-1}`
    from the triangular factor (:mod:`rglm.numerics.chol2inv`, R's bits).
    """
    p = fit.coef.size
    out = np.full((p, p), np.nan)
    k = fit.rank
    if k == 0:
        return out
    inv = chol2inv(np.asarray(fit.r_factor[:k, :k], dtype=np.float64))
    if inv is None:  # a zero on R's diagonal: the triangular solve reports it as R would
        rinv = sla.solve_triangular(fit.r_factor, np.eye(k), check_finite=False)
        inv = rinv @ rinv.T
    idx = fit.pivot[:k]
    out[np.ix_(idx, idx)] = inv
    return out
