"""Coordinate descent for one penalized quadratic: the inner problem of glmnet.

Every glmnet fit, Gaussian or not, comes down to problems of the form

.. math::

    \\min_\\beta \\; \\tfrac12 \\beta^T H \\beta - c^T \\beta
    + \\sum_j \\big(l_{1j} |\\beta_j| + \\tfrac12 l_{2j} \\beta_j^2\\big),
    \\qquad lo_j \\le \\beta_j \\le hi_j,

with :math:`H = \\tilde X^T V \\tilde X` the (intercept-eliminated) weighted Gram matrix of
the standardized columns, :math:`l_{1j} = \\lambda\\alpha v_j` and
:math:`l_{2j} = \\lambda(1-\\alpha) v_j`.  This is glmnet's "covariance" formulation
(Friedman, Hastie and Tibshirani 2010, section 2.2): the residual correlations
:math:`r = c - H\\beta` are kept up to date, so one coordinate update costs O(m) for m
columns in the working set, whatever the number of rows.

The coordinate update is the soft-thresholding rule

.. math::

    \\beta_j \\leftarrow \\operatorname{clip}\\Big(
      \\frac{S(r_j + H_{jj}\\beta_j,\\; l_{1j})}{H_{jj} + l_{2j}},\\; lo_j,\\; hi_j\\Big),
    \\qquad S(u, t) = \\operatorname{sign}(u)\\max(|u| - t, 0).

Coordinate descent converges linearly; glmnet stops it when the largest
:math:`H_{jj}\\,\\Delta\\beta_j^2` of a sweep falls below its threshold, which leaves it a
little short of the optimum.  Here, once the signs and the bounds in use stop changing, the
optimum on that support is solved for exactly (a linear system, :func:`polish`) and accepted
when it satisfies every coordinate's optimality condition, so the result is the optimum to
rounding error rather than to the threshold.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rglm.exceptions import ConvergenceWarning, warn

FloatArray = npt.NDArray[np.float64]

__all__ = ["coordinate_map", "polish", "solve_quadratic"]


def coordinate_map(
    H: FloatArray,
    c: FloatArray,
    b: FloatArray,
    l1: FloatArray,
    l2: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
) -> FloatArray:
    """Every coordinate's update from ``b`` at once; ``b`` is optimal iff it is a fixed point.

    Columns with :math:`H_{jj} + l_{2j} = 0` (no information, no ridge) are left where they are.
    """
    d = np.diag(H)
    u = c - H @ b + d * b
    den = d + l2
    ok = den > 0
    s = np.sign(u) * np.maximum(np.abs(u) - l1, 0.0)
    out = np.where(ok, s / np.where(ok, den, 1.0), b)
    return np.clip(out, lo, hi)


def polish(
    H: FloatArray,
    c: FloatArray,
    b: FloatArray,
    l1: FloatArray,
    l2: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
) -> FloatArray | None:
    """The exact optimum on the support and signs of ``b``, or None when it is not optimal.

    With :math:`A` the free nonzero coordinates (signs :math:`s_A`) and :math:`B` those held at
    a bound, the stationarity conditions on :math:`A` are the linear system
    :math:`(H_{AA} + \\mathrm{diag}(l_{2A}))\\beta_A = c_A - H_{AB}\\beta_B - l_{1A} s_A`.
    The solution is accepted when it keeps the signs and bounds and is a fixed point of
    :func:`coordinate_map` (to rounding), i.e. satisfies the optimality condition of every
    coordinate.
    """
    at_bound = (b != 0) & ((b <= lo) | (b >= hi))
    free = (b != 0) & ~at_bound
    out = np.where(at_bound, b, 0.0)
    A = np.flatnonzero(free)
    if A.size:
        s = np.sign(b[A])
        rhs = c[A] - H[np.ix_(A, np.flatnonzero(at_bound))] @ b[at_bound] - l1[A] * s
        M = H[np.ix_(A, A)] + np.diag(l2[A])
        try:
            sol = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(sol)) or np.any(np.sign(sol) != s):
            return None
        if np.any(sol < lo[A]) or np.any(sol > hi[A]):
            return None
        out[A] = sol
    step = coordinate_map(H, c, out, l1, l2, lo, hi)
    scale = max(float(np.max(np.abs(out), initial=0.0)), 1e-12)
    if float(np.max(np.abs(step - out), initial=0.0)) > 1e-10 * scale:
        return None
    return out


def solve_quadratic(
    H: FloatArray,
    c: FloatArray,
    b: FloatArray,
    l1: FloatArray,
    l2: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    thr: float,
    max_sweeps: int,
) -> tuple[FloatArray, int]:
    """Minimise the penalized quadratic of the module docstring from ``b``.

    Parameters
    ----------
    H, c : the quadratic, shape (m, m) and (m,)
    b : starting coefficients (a warm start), shape (m,)
    l1, l2 : the lasso and ridge weights of each coordinate
    lo, hi : box constraints
    thr : stop coordinate descent when the largest :math:`H_{jj}\\Delta\\beta_j^2` of a sweep
        is below this
    max_sweeps : the most sweeps over the coordinates

    Returns
    -------
    beta : the optimum (exact on its support when :func:`polish` succeeds)
    sweeps : the number of coordinate-descent sweeps made
    """
    m = c.size
    b = np.clip(np.array(b, dtype=np.float64), lo, hi)
    if m == 0:
        return b, 0
    if np.any(b != 0):  # a warm start usually has the right support already: try it first
        exact = polish(H, c, b, l1, l2, lo, hi)
        if exact is not None:
            return exact, 0
    d = np.diag(H).copy()
    den = d + l2
    r = c - H @ b
    bl = b.tolist()
    dl, denl, l1l, lol, hil = d.tolist(), den.tolist(), l1.tolist(), lo.tolist(), hi.tolist()
    rows = [H[j] for j in range(m)]
    pattern_old: tuple[int, ...] | None = None
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):
        dlx = 0.0
        for j in range(m):
            if denl[j] <= 0.0:
                continue
            bj = bl[j]
            u = float(r[j]) + dl[j] * bj
            au = abs(u) - l1l[j]
            new = 0.0 if au <= 0.0 else (au if u > 0 else -au) / denl[j]
            new = min(max(new, lol[j]), hil[j])
            delta = new - bj
            if delta != 0.0:
                bl[j] = new
                r -= delta * rows[j]
                dlx = max(dlx, dl[j] * delta * delta)
        cur = np.array(bl)
        # the sign pattern, with bounds in use marked apart: when it repeats, try the exact solve
        pattern = tuple((np.sign(cur) * (1 + ((cur <= lo) | (cur >= hi)) * (cur != 0))).astype(int).tolist())
        if dlx < thr or pattern == pattern_old:
            exact = polish(H, c, cur, l1, l2, lo, hi)
            if exact is not None:
                return exact, sweeps
            if dlx < thr:
                return cur, sweeps
        pattern_old = pattern
    warn(
        f"coordinate descent did not converge in max_iter={max_sweeps} sweeps over {m} columns; "
        "the path is short of the optimum here (raise max_iter or thresh)",
        ConvergenceWarning,
    )
    return np.array(bl), sweeps
