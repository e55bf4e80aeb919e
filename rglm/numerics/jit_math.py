"""Elementwise loops of R's small-problem arithmetic, compiled by Numba when it is installed:
the C library's ``exp``, ``log``, ``expm1`` and ``log1p`` over an array, and :math:`X\\beta`
in the reference BLAS's order.

R evaluates these functions with the C library, one element at a time, and on small problems
rglm must give the same bits (:mod:`rglm.numerics.rmath`).  NumPy's own vectorized kernels
may differ in the last bit, so rglm maps the C library's scalar function over the values
(``math.exp`` is the C library's ``exp``), which costs a Python call per element: about
1.8 ms for 10,000 values, a large part of a small fit.

With Numba (``pip install "rglm[fast]"``) the same map runs as a compiled loop,
``out[i] = exp(x[i])``: Numba compiles ``math.exp`` to a call of the same C library function,
without ``fastmath`` (so no approximation), about ten times faster.  A vectorizing compiler
could substitute a vector math library (Intel's SVML, when Numba finds it), whose results may
differ in the last bit; so the compiled loops are used only when, on a fixed set of values
across the whole range, they give exactly the bits of the ``math`` module.  Otherwise, without
Numba, or with ``RGLM_JIT=0``, :func:`compiled_map` returns ``None`` and the caller maps the
Python function.  Only values inside each function's domain are passed (no overflow, no
logarithm of zero or a negative number: the caller checks that).

R's ``dgemv`` forms :math:`X\\beta` one column at a time (``out = out + beta_j x_j``); NumPy
does the same as a loop of whole-column operations, and the compiled loop
(:func:`compiled_matvec`) does it row by row with the same additions in the same order, which
gives the same bits (no fused multiply-add without ``fastmath``); it too is used only after it
reproduced :func:`column_order_matvec` on a fixed problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from rglm.numerics.jit import compiled_once

FloatArray = npt.NDArray[np.float64]
Kernel = Callable[[FloatArray, FloatArray], None]

__all__ = ["column_order_matvec", "compiled_map", "compiled_matvec"]


def _exp_loop(x: FloatArray, out: FloatArray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])


def _log_loop(x: FloatArray, out: FloatArray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.log(x[i])


def _expm1_loop(x: FloatArray, out: FloatArray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.expm1(x[i])


def _log1p_loop(x: FloatArray, out: FloatArray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.log1p(x[i])


def _matvec_loop(x: FloatArray, beta: FloatArray, out: FloatArray) -> None:
    # Per row, the columns in order from 0: the sums of the NumPy loop over columns
    # (out = out + beta[j] * x[:, j]), element by element, with no fused multiply-add.
    for i in range(x.shape[0]):
        acc = 0.0
        for j in range(x.shape[1]):
            acc = acc + beta[j] * x[i, j]
        out[i] = acc


def column_order_matvec(x: FloatArray, beta: FloatArray) -> FloatArray:
    """:math:`X\\beta` as R's reference ``dgemv`` forms it, one column at a time:
    ``out = out + beta[j] * x[:, j]`` for ``j = 0, 1, ...``, from zeros."""
    out = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        out = out + beta[j] * x[:, j]
    return out


_LOOPS: dict[Callable[[float], float], Callable[[FloatArray, FloatArray], None]] = {
    math.exp: _exp_loop,
    math.log: _log_loop,
    math.expm1: _expm1_loop,
    math.log1p: _log1p_loop,
}

MatvecKernel = Callable[[FloatArray, FloatArray, FloatArray], None]


def _compile_matvec(numba: Any) -> MatvecKernel | None:
    kernel: Callable[[FloatArray, FloatArray, FloatArray], None] = numba.njit(cache=True, nogil=True)(
        _matvec_loop
    )
    rng = np.random.default_rng(20261203)
    x = rng.standard_normal((500, 13)) * 10.0 ** rng.integers(-8, 9, 13)
    x[:, 3] = 1.0
    x[7, :] = -0.0
    beta = rng.standard_normal(13) * 10.0 ** rng.integers(-8, 9, 13)
    for layout in (np.ascontiguousarray(x), np.asfortranarray(x)):
        out = np.empty(layout.shape[0])
        kernel(layout, beta, out)
        if not np.array_equal(out.view(np.int64), column_order_matvec(layout, beta).view(np.int64)):
            return None
    return kernel


_matvec = compiled_once(_compile_matvec)


def compiled_matvec() -> MatvecKernel | None:
    """The compiled :func:`column_order_matvec` (``kernel(x, beta, out)``), or ``None``
    without Numba, with ``RGLM_JIT=0``, or if it does not give that function's bits."""
    return _matvec()


def compiled_map(scalar: Callable[[float], float]) -> Kernel | None:
    """The compiled loop ``out[i] = scalar(x[i])`` for ``scalar`` one of ``math.exp``,
    ``math.log``, ``math.expm1``, ``math.log1p``; ``None`` without Numba, with
    ``RGLM_JIT=0``, or if the compiled function is not the C library's to the last bit."""
    kernels = _maps()
    return None if kernels is None else kernels.get(scalar)


def check_values() -> FloatArray:
    """Values across the range where each function is evaluated: tiny, around 1, large,
    up to the edges of ``exp``'s range (a fixed sequence, the same in every process)."""
    rng = np.random.default_rng(20261203)
    scales = 10.0 ** np.arange(-300, 3, 6, dtype=np.float64)
    out: FloatArray = np.concatenate(
        [rng.standard_normal(200) * s for s in scales] + [rng.uniform(-745.0, 709.0, 2000)]
    )
    return out


def _same_bits(kernel: Kernel, scalar: Callable[[float], float], x: FloatArray) -> bool:
    out = np.empty(x.size)
    kernel(x, out)
    ref = np.fromiter(map(scalar, x.tolist()), np.float64, count=x.size)
    return bool(np.array_equal(out.view(np.int64), ref.view(np.int64)))


def _compile_maps(numba: Any) -> dict[Callable[[float], float], Kernel]:
    values = check_values()
    special = np.array([math.nan, -math.nan, math.inf, -math.inf, 0.0, -0.0, 709.78, -745.2])
    domains: dict[Callable[[float], float], FloatArray] = {
        math.exp: np.r_[values[values < 709.0], special[special != math.inf]],
        math.log: np.r_[np.abs(values[values != 0.0]), special[:3]],
        math.expm1: np.r_[values[values < 709.0], special[special != math.inf]],
        math.log1p: np.r_[values[values > -1.0], special[:3], 0.0, -0.0],
    }
    kernels: dict[Callable[[float], float], Kernel] = {}
    for scalar, loop in _LOOPS.items():
        kernel: Kernel = numba.njit(cache=True, nogil=True)(loop)
        x = np.ascontiguousarray(domains[scalar])
        if _same_bits(kernel, scalar, x):
            kernels[scalar] = kernel
    return kernels


_maps = compiled_once(_compile_maps)
