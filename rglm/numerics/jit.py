"""LINPACK's ``dqrdc2``/``dqrsl`` as scalar loops, compiled by Numba when it is installed.

The bit-for-bit solver (:func:`rglm.numerics.linalg.solve_r_exact`) spends most of a small
fit in Python overhead: one reflection per column, each a handful of NumPy calls.  These
loops are the same arithmetic written the way LINPACK writes it, one element at a time, so
that a compiler can run them without that overhead.  They give the NumPy replica's values
bit for bit, because they do the same IEEE operations in the same order:

* every dot product and sum of squares is accumulated left to right (Numba compiles without
  ``fastmath``, so LLVM neither reorders additions nor fuses multiply-adds);
* ``dnrm2`` keeps Blue's three accumulators, as the reference BLAS does.

Numba is an optional extra (``pip install "rglm[fast]"``).  Without it, or with the
environment variable ``RGLM_JIT=0``, :func:`compiled_qr` returns ``None`` and rglm uses the
NumPy replica.  The first call compiles the loops (a few seconds, once: the machine code is
cached on disk next to this file when that is writable).  ``tests/test_linalg_linpack.py``
holds the two paths to the same bits.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["compiled_once", "compiled_qr", "qr_solve_loops"]

T = TypeVar("T")

_TSML = 2.0**-511
_TBIG = 2.0**486
_SSML = 2.0**537
_SBIG = 2.0**-538


def _nrm2(x: FloatArray) -> float:
    """Reference BLAS ``dnrm2`` (Blue's algorithm) of a vector, one element at a time."""
    amed = 0.0
    abig = 0.0
    asml = 0.0
    nbig = 0
    for i in range(x.shape[0]):
        a = abs(x[i])
        if a > _TBIG:
            abig += (a * _SBIG) * (a * _SBIG)
            nbig += 1
        elif a < _TSML:
            asml += (a * _SSML) * (a * _SSML)
        else:
            amed += a * a
    if nbig > 0:
        if amed > 0.0 or math.isnan(amed):
            abig += (amed * _SBIG) * _SBIG
        return math.sqrt(abig) / _SBIG
    if asml > 0.0:
        if amed > 0.0 or math.isnan(amed):
            amed_r = math.sqrt(amed)
            asml_r = math.sqrt(asml) / _SSML
            ymin, ymax = (amed_r, asml_r) if asml_r > amed_r else (asml_r, amed_r)
            return math.sqrt(ymax * ymax * (1.0 + (ymin / ymax) * (ymin / ymax)))
        return math.sqrt(asml) / _SSML
    return math.sqrt(amed)


def qr_solve_loops(
    x: FloatArray, y: FloatArray, tol: float, qraux: FloatArray, jpvt: IntArray, coef: FloatArray
) -> int:
    """``dqrdc2`` on ``x`` (Fortran order, overwritten by the QR) and ``dqrsl`` for ``y``.

    Fills ``qraux``, the pivot ``jpvt`` (0-based) and the first ``k`` entries of ``coef``
    (in pivoted order) and returns the rank ``k``.  Steps, as in LINPACK:

    1. column norms :math:`q_j = \\lVert x_j\\rVert`;
    2. for each column ``c``: move columns whose remaining norm is below ``tol`` times the
       original to the end (:func:`_move_negligible`), then reflect column ``c`` and update
       the columns to its right (:func:`_reflect`);
    3. :math:`Q^T y` by the stored reflections, then back substitution in :math:`R`
       (:func:`_solve`).
    """
    n, p = int(x.shape[0]), int(x.shape[1])
    for j in range(p):
        qraux[j] = _nrm2(x[:, j])
        jpvt[j] = j
    orig = qraux.copy()
    for j in range(p):
        if orig[j] == 0.0:
            orig[j] = 1.0
    k = p + 1
    for c in range(min(n, p)):
        k = _move_negligible(x, c, k, tol, qraux, orig, jpvt)
        if c + 1 < n:
            _reflect(x, c, qraux)
    k = min(k - 1, n)
    _solve(x, y, k, qraux, coef)
    return k


def _move_negligible(
    x: FloatArray, c: int, k: int, tol: float, qraux: FloatArray, orig: FloatArray, jpvt: IntArray
) -> int:
    """Rotate column ``c`` to the end while its remaining norm is negligible; the new ``k``."""
    p = x.shape[1]
    while c + 1 < k and qraux[c] < orig[c] * tol:
        col = x[:, c].copy()
        qc, oc, jc = qraux[c], orig[c], jpvt[c]
        for j in range(c, p - 1):
            x[:, j] = x[:, j + 1]
            qraux[j], orig[j], jpvt[j] = qraux[j + 1], orig[j + 1], jpvt[j + 1]
        x[:, p - 1] = col
        qraux[p - 1], orig[p - 1], jpvt[p - 1] = qc, oc, jc
        k -= 1
    return k


def _reflect(x: FloatArray, c: int, qraux: FloatArray) -> None:
    """Householder reflection of column ``c``, applied to every column ``j > c``.

    :math:`x_j \\leftarrow x_j - (v^T x_j / v_c)\\, v`, and the norm :math:`q_j` of what is
    left of :math:`x_j` is downdated by :math:`\\sqrt{1 - (x_{cj}/q_j)^2}`, or recomputed
    once most of it has gone.
    """
    n, p = x.shape
    nrmxl = _nrm2(x[c:, c])
    if nrmxl == 0.0:
        return
    if x[c, c] != 0.0:
        nrmxl = math.copysign(nrmxl, x[c, c])
    s = 1.0 / nrmxl
    for i in range(c, n):
        x[i, c] = s * x[i, c]
    x[c, c] = 1.0 + x[c, c]
    for j in range(c + 1, p):
        d = 0.0
        for i in range(c, n):
            d += x[i, c] * x[i, j]
        t = -d / x[c, c]
        for i in range(c, n):
            x[i, j] = x[i, j] + t * x[i, c]
        if qraux[j] != 0.0:
            ratio = abs(x[c, j]) / qraux[j]
            tt = max(1.0 - ratio * ratio, 0.0)  # Fortran's **2: a product
            if abs(tt) >= 1e-6:
                qraux[j] = qraux[j] * math.sqrt(tt)
            else:
                qraux[j] = _nrm2(x[c + 1 :, j])
    qraux[c] = x[c, c]
    x[c, c] = -nrmxl


def _solve(x: FloatArray, y: FloatArray, k: int, qraux: FloatArray, coef: FloatArray) -> None:
    """``dqrsl``: :math:`Q^T y`, then :math:`R b = (Q^T y)_{1..k}` by back substitution."""
    n = x.shape[0]
    qty = y.copy()
    for j in range(min(k, n - 1)):
        if qraux[j] != 0.0:
            d = qraux[j] * qty[j]
            for i in range(j + 1, n):
                d += x[i, j] * qty[i]
            t = -d / qraux[j]
            qty[j] = qty[j] + t * qraux[j]
            for i in range(j + 1, n):
                qty[i] = qty[i] + t * x[i, j]
    for j in range(k):
        coef[j] = qty[j]
    for j in range(k - 1, -1, -1):
        coef[j] = coef[j] / x[j, j]
        for i in range(j):
            coef[i] = coef[i] + (-coef[j]) * x[i, j]


def compiled_once(build: Callable[[Any], T]) -> Callable[[], T | None]:
    """A getter of what ``build(numba)`` compiles, built on first use (once, under a lock,
    whichever thread asks first) and kept; the getter gives ``None`` without Numba or with
    ``RGLM_JIT=0`` (read at each call, so the switch works in a running process).  Every
    optional compiled kernel of rglm is made this way."""
    lock = threading.Lock()
    built: list[T | None] = []

    def get() -> T | None:
        if os.environ.get("RGLM_JIT", "1") == "0":
            return None
        with lock:
            if not built:
                try:
                    import numba
                except ImportError:
                    built.append(None)
                else:
                    built.append(build(numba))
            return built[0]

    return get


def _compile(numba: Any) -> Callable[..., int]:
    # Compiled code resolves the helpers from this module's globals when it is compiled, so
    # each is replaced by its compiled version, callees first, before the solver itself.
    names = ("_nrm2", "_move_negligible", "_reflect", "_solve", "qr_solve_loops")
    for name in names:
        globals()[name] = numba.njit(cache=True, nogil=True)(globals()[name])
    kernel: Callable[..., int] = globals()["qr_solve_loops"]
    return kernel


#: The compiled :func:`qr_solve_loops`, or ``None`` without Numba or with ``RGLM_JIT=0``.
compiled_qr: Callable[[], Callable[..., int] | None] = compiled_once(_compile)
