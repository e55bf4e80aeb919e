"""Elementwise maths that reproduces R's arithmetic bit for bit on small problems.

R evaluates ``exp`` and ``log`` with the C library, sums with an 80-bit ``long double``
accumulator, and solves least squares with LINPACK on the reference BLAS, which adds
dot products strictly left to right.  NumPy's vectorised ``exp``/``log`` may differ from
the C library in the last bit, and its ``sum`` is pairwise.  Those last-bit differences are
invisible in any real statistic, but R prints some of them: a coefficient whose exact value
is zero (a balanced design) is reported as rounding noise such as ``1.217e-15``, and an
analyst comparing printouts sees the difference.  For arrays up to :data:`EXACT_LIMIT`
elements rglm therefore evaluates these functions exactly as R does; beyond that it uses
NumPy's fast kernels, whose results agree to within one unit in the last place.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt

from rglm.numerics.jit_math import compiled_map

FloatArray = npt.NDArray[np.float64]

#: Largest array for which the C library's scalar functions are used elementwise.
EXACT_LIMIT = 100_000

#: Problems with n * p * p up to this size (and n up to EXACT_LIMIT) are solved with the
#: bit-for-bit replica of R's LINPACK QR and R's order of operations throughout.
R_EXACT_WORK = 2_000_000


_FAST: contextvars.ContextVar[bool] = contextvars.ContextVar("rglm_fast_kernels", default=False)


@contextmanager
def fast_kernels(on: bool = True) -> Iterator[None]:
    """Use NumPy's kernels whatever the array size, in this thread or task.

    Passes over row blocks (:mod:`rglm.fit.accumulate`) belong to large fits, where the
    bit-for-bit R path is not taken anyway: a small last block must not switch to the slow
    elementwise C-library path and make the fit depend on where the blocks end.
    """
    token = _FAST.set(on)
    try:
        yield
    finally:
        _FAST.reset(token)


def fast(n: int) -> bool:
    """Whether arrays of ``n`` values take NumPy's vectorized kernels (large fits) rather than
    R's arithmetic step for step: the rule of :func:`exp`, :func:`log` and :func:`rsum`."""
    return n > EXACT_LIMIT or _FAST.get()


def r_exact(n: int, p: int) -> bool:
    """The size rule: whether an ``n`` by ``p`` problem takes the bit-for-bit R path.

    A fit consults it once, through :meth:`rglm.fit.plan.FitPlan.for_problem`, and carries
    the answer in its plan; the model frame asks it to choose a design representation that
    the plan's path can use."""
    return n <= EXACT_LIMIT and n * p * p <= R_EXACT_WORK


#: Largest argument for which the C library's ``exp`` does not overflow (``math.exp`` raises).
_EXP_MAX = 709.78


def _apply(
    vectorized: np.ufunc,
    exact: np.ufunc,
    x: npt.ArrayLike,
    scalar: Callable[[float], float] | None = None,
    in_domain: Callable[[FloatArray], bool] | None = None,
) -> FloatArray:
    """Evaluate elementwise: NumPy's kernel for large arrays, else the C library's.

    ``exact`` is the C-library function wrapped to return R's values outside its domain
    (``inf`` on overflow, ``-inf``/``nan`` for the logarithm of zero or a negative number).
    When ``in_domain`` says that no value needs that care, the bare C-library ``scalar`` is
    mapped over the values instead: the same results, without a Python call per element.
    """
    a = np.asarray(x, dtype=np.float64)
    if a.size == 0 or fast(a.size):
        out: FloatArray = vectorized(a)
        return out
    if scalar is not None and in_domain is not None and a.ndim == 1 and in_domain(a):
        kernel = compiled_map(scalar)
        if kernel is not None:  # the same C-library function, called from a compiled loop
            out = np.empty(a.size)
            kernel(np.ascontiguousarray(a), out)
            return out
        return np.fromiter(map(scalar, a.tolist()), np.float64, count=a.size)
    with np.errstate(all="ignore"):
        return np.asarray(exact(a), dtype=np.float64)


def _below_exp_max(a: FloatArray) -> bool:
    return not bool(np.any(a > _EXP_MAX))


def _positive(a: FloatArray) -> bool:
    return not bool(np.any(a <= 0.0))


def _above_minus_one(a: FloatArray) -> bool:
    return not bool(np.any(a <= -1.0))


def _safe_exp(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _safe_log(v: float) -> float:
    if v > 0 or math.isnan(v):
        return math.log(v)
    return -math.inf if v == 0 else math.nan


def _safe_expm1(v: float) -> float:
    try:
        return math.expm1(v)
    except OverflowError:
        return math.inf


def _safe_log1p(v: float) -> float:
    if v > -1 or math.isnan(v):
        return math.log1p(v)
    return -math.inf if v == -1 else math.nan


_exact_exp = np.frompyfunc(_safe_exp, 1, 1)
_exact_log = np.frompyfunc(_safe_log, 1, 1)
_exact_expm1 = np.frompyfunc(_safe_expm1, 1, 1)
_exact_log1p = np.frompyfunc(_safe_log1p, 1, 1)


def exp(x: npt.ArrayLike) -> FloatArray:
    """:math:`e^x` elementwise, as the C library computes it (overflow gives ``inf``)."""
    return _apply(np.exp, _exact_exp, x, math.exp, _below_exp_max)


def log(x: npt.ArrayLike) -> FloatArray:
    """Natural logarithm elementwise; ``log(0) = -inf`` and ``log(x<0) = nan`` as in R."""
    return _apply(np.log, _exact_log, x, math.log, _positive)


def expm1(x: npt.ArrayLike) -> FloatArray:
    """:math:`e^x - 1` elementwise, accurate near zero."""
    return _apply(np.expm1, _exact_expm1, x, math.expm1, _below_exp_max)


def log1p(x: npt.ArrayLike) -> FloatArray:
    """:math:`\\log(1 + x)` elementwise, accurate near zero."""
    return _apply(np.log1p, _exact_log1p, x, math.log1p, _above_minus_one)


def rsum(x: npt.ArrayLike) -> float:
    """R's ``sum()``: a left-to-right sum in extended (``long double``) precision.

    Parameters
    ----------
    x : array_like
        Values to add; NaN propagates as in R.

    Returns
    -------
    float
        :math:`\\sum_i x_i`, rounded once to double precision.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        return 0.0
    if fast(a.size):
        # Large fits are not on R's bit-for-bit path: NumPy's pairwise sum in double
        # precision (error O(log n) ulps) is as accurate as needed and several times faster
        # than extended precision, which has no vector instructions.
        return float(np.sum(a))
    return float(np.cumsum(a, dtype=np.longdouble)[-1])


def seqdot(x: FloatArray, y: FloatArray) -> float:
    """Reference BLAS ``ddot``: :math:`\\sum_i x_i y_i` accumulated left to right in double."""
    if x.size == 0:
        return 0.0
    return float(np.cumsum(x * y)[-1])


_TSML = 2.0**-511
_TBIG = 2.0**486
_SSML = 2.0**537
_SBIG = 2.0**-538


def nrm2(x: FloatArray) -> float:
    """Reference BLAS (3.10+) ``dnrm2``: the Euclidean norm with Blue's three accumulators.

    Squares of values between :math:`2^{-511}` and :math:`2^{486}` are added left to right;
    tiny and huge values go to scaled accumulators so that nothing under- or overflows.
    """
    if x.size == 0:
        return 0.0
    ax = np.abs(x)
    big = ax > _TBIG
    small = ax < _TSML
    mid = ~(big | small)
    amed = float(np.cumsum(ax[mid] * ax[mid])[-1]) if mid.any() else 0.0
    if big.any():
        abig = float(np.cumsum((ax[big] * _SBIG) ** 2)[-1])
        if amed > 0 or math.isnan(amed):
            abig += (amed * _SBIG) * _SBIG
        return float(math.sqrt(abig) / _SBIG)
    if small.any() and ax[small].any():
        asml = float(np.cumsum((ax[small] * _SSML) ** 2)[-1])
        if amed > 0 or math.isnan(amed):
            amed_r = math.sqrt(amed)
            asml_r = math.sqrt(asml) / _SSML
            ymin, ymax = (amed_r, asml_r) if asml_r > amed_r else (asml_r, amed_r)
            return math.sqrt(ymax * ymax * (1.0 + (ymin / ymax) * (ymin / ymax)))
        return math.sqrt(asml) / _SSML
    return math.sqrt(amed)


def nrm2_columns(x: FloatArray) -> FloatArray:
    """:func:`nrm2` of every column of a 2-D array, each bit for bit as one ``dnrm2`` call.

    Where a column's values all lie in ``dnrm2``'s middle range (or are zero), its sum of
    squares is accumulated left to right, which is what ``cumsum`` down axis 0 does for all
    columns at once.  A column with tiny, huge or non-finite values goes through
    :func:`nrm2` alone.
    """
    n, p = x.shape
    if n == 0:
        return np.zeros(p)
    ax = np.abs(x)
    mid = ((ax >= _TSML) & (ax <= _TBIG)) | (ax == 0.0)
    norms: FloatArray = np.sqrt(np.cumsum(ax * ax, axis=0)[-1])
    for j in np.flatnonzero(~mid.all(axis=0)):
        norms[j] = nrm2(x[:, j])
    return norms


def seqdot_columns(v: FloatArray, a: FloatArray) -> FloatArray:
    r""":func:`seqdot` of ``v`` with every column of ``a``: :math:`\sum_i v_i a_{ij}` for each
    ``j``, each accumulated left to right in double precision as reference BLAS ``ddot``.

    NumPy reduces a C-ordered array along axis 0 by adding one row at a time into the
    running sums, so every column is summed in row order; pairwise summation is used only
    along a contiguous reduction axis, which here is the case of a single column, sent to
    :func:`seqdot`.  ``tests/test_linalg.py`` pins this order against :func:`seqdot`.
    """
    if a.shape[1] == 1:
        return np.array([seqdot(v, a[:, 0])])
    prod = np.multiply(v[:, None], a, order="C")
    out: FloatArray = np.add.reduce(prod, axis=0)
    return out
