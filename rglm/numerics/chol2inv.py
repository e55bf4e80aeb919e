"""R's ``chol2inv``: :math:`(R^T R)^{-1}` from an upper-triangular factor, bit for bit.

R computes the unscaled covariance of a GLM (``summary.glm``: ``chol2inv(Qr$qr[p1, p1])``)
with LAPACK's ``dpotri``, from the reference LAPACK and BLAS that R is built with.  For a
factor of fewer than 64 columns (LAPACK's block size for ``dtrtri`` and ``dlauum``) the
reference code is unblocked, and this module replays it operation for operation:

1. ``dtrti2`` inverts :math:`R` in place, column by column: for column :math:`j`,
   :math:`a_{jj} \\leftarrow 1/a_{jj}`, then the column above the diagonal is multiplied by
   the already inverted upper-left block (``dtrmv``: for each :math:`k < j` with
   :math:`x_k \\ne 0`, :math:`x_{1:k-1} \\mathrel{+}= x_k a_{1:k-1,k}` and
   :math:`x_k \\leftarrow x_k a_{kk}`) and scaled by :math:`-a_{jj}` (``dscal``);
2. ``dlauu2`` forms :math:`U U^T` of the inverse :math:`U` in place, row by row: for row
   :math:`i`, :math:`a_{ii} \\leftarrow \\sum_{k \\ge i} a_{ik}^2` (``ddot``, left to right), and
   the column above it :math:`a_{1:i-1,i} \\leftarrow a_{ii}^{old} a_{1:i-1,i} +
   \\sum_{k > i} a_{ik} a_{1:i-1,k}` (``dgemv``: scaled first, then one column at a time).

Each product and sum is an IEEE operation in that order, with no fused multiply-adds, so the
result equals R's to the last bit (``tests/test_chol2inv.py`` checks it against R 4.2.2's
``chol2inv`` with the reference LAPACK 3.11).  An optimized LAPACK (OpenBLAS, which SciPy
ships) orders these sums differently, differs in the last bits, and runs even a 31 x 31
inverse on its thread pool, which on a loaded machine can wait tens of milliseconds for
the scheduler.  From 64 columns on, reference LAPACK is blocked and this module calls
SciPy's ``dpotri``.

With Numba (``pip install "rglm[fast]"``) the loops are compiled (the same operations,
without ``fastmath``); without it, each column's update is a NumPy vector operation and each
``ddot`` a sequential cumulative sum, the same values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla

from rglm.numerics.jit import compiled_once

FloatArray = npt.NDArray[np.float64]

__all__ = ["UNBLOCKED_MAX", "chol2inv", "chol2inv_loops", "chol2inv_numpy"]

#: Largest order for which reference LAPACK's ``dpotri`` is unblocked (``ilaenv``'s block size
#: for ``dtrtri`` and ``dlauum`` is 64).
UNBLOCKED_MAX = 63


def chol2inv_loops(a: FloatArray) -> None:
    """Reference ``dtrti2`` then ``dlauu2`` on the upper triangle of ``a``, in place, one
    element at a time (the form Numba compiles)."""
    n = a.shape[0]
    for j in range(n):
        a[j, j] = 1.0 / a[j, j]
        ajj = -a[j, j]
        for k in range(j):  # dtrmv, upper, no transpose, non-unit, on x = a[:j, j]
            t = a[k, j]
            if t != 0.0:
                for i in range(k):
                    a[i, j] = a[i, j] + t * a[i, k]
                a[k, j] = a[k, j] * a[k, k]
        for i in range(j):  # dscal
            a[i, j] = ajj * a[i, j]
    for i in range(n):
        aii = a[i, i]
        if i < n - 1:
            s = 0.0
            for k in range(i, n):  # ddot with stride lda: left to right
                s = s + a[i, k] * a[i, k]
            a[i, i] = s
            for r in range(i):  # dgemv: y = beta * y first
                a[r, i] = aii * a[r, i]
            for k in range(i + 1, n):
                t = a[i, k]
                for r in range(i):
                    a[r, i] = a[r, i] + t * a[r, k]
        else:
            for r in range(i + 1):  # dscal
                a[r, i] = aii * a[r, i]


def chol2inv_numpy(a: FloatArray) -> None:
    """:func:`chol2inv_loops` with each inner loop a NumPy vector operation: elementwise
    products and sums are the same IEEE operations, and ``cumsum`` adds left to right."""
    n = a.shape[0]
    for j in range(n):
        a[j, j] = 1.0 / a[j, j]
        ajj = -a[j, j]
        x = a[:j, j]
        for k in range(j):
            t = x[k]
            if t != 0.0:
                x[:k] += t * a[:k, k]
                x[k] = x[k] * a[k, k]
        x *= ajj
    for i in range(n):
        aii = a[i, i]
        if i < n - 1:
            row = a[i, i:]
            a[i, i] = np.cumsum(row * row)[-1]
            y = a[:i, i]
            y *= aii
            for k in range(i + 1, n):
                y += a[i, k] * a[:i, k]
        else:
            a[: i + 1, i] *= aii


_compiled = compiled_once(lambda numba: numba.njit(cache=True, nogil=True)(chol2inv_loops))


def _kernel() -> Callable[[FloatArray], None]:
    compiled: Callable[[FloatArray], None] | None = _compiled()
    return chol2inv_numpy if compiled is None else compiled


def chol2inv(r: FloatArray) -> FloatArray | None:
    """:math:`(R^T R)^{-1}` of the upper-triangular ``r`` (k x k), symmetric, as R's
    ``chol2inv`` computes it; None when a diagonal element is zero (singular)."""
    k = r.shape[0]
    if not np.all(np.diag(r)):
        return None
    if k <= UNBLOCKED_MAX:
        a = np.triu(np.asarray(r, dtype=np.float64))
        _kernel()(a)
    else:
        a, info = sla.lapack.dpotri(np.asarray(r, dtype=np.float64), lower=False)
        if info != 0:
            return None
    upper = np.triu(a)
    out: FloatArray = upper + np.triu(upper, 1).T
    return out
