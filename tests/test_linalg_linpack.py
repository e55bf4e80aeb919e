"""The LINPACK replica, column-batched, against a column-by-column transcription of dqrdc2.

``rglm.numerics.linalg`` applies each Householder reflection to all remaining columns at
once.  The oracle below is LINPACK's ``dqrdc2``/``dqrsl`` written out one column and one
dot product at a time with :func:`seqdot` and :func:`nrm2` (the reference BLAS kernels,
themselves tested in ``test_linalg.py``); the two must agree bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rglm.numerics import jit, linalg, rmath
from rglm.numerics.rmath import nrm2, seqdot


def _dqrdc2_by_column(x: np.ndarray, tol: float) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    n, p = x.shape
    qraux = np.array([nrm2(x[:, j]) for j in range(p)])
    orig = qraux.copy()
    orig[orig == 0.0] = 1.0
    jpvt = np.arange(p)
    k = p + 1
    for c in range(min(n, p)):
        while c + 1 < k and qraux[c] < orig[c] * tol:
            order = np.r_[np.arange(c), np.arange(c + 1, p), c]
            x, jpvt, qraux, orig = x[:, order], jpvt[order], qraux[order], orig[order]
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
        for j in range(c + 1, p):
            t = -seqdot(x[c:, c], x[c:, j]) / x[c, c]
            x[c:, j] = x[c:, j] + t * x[c:, c]
            if qraux[j] != 0.0:
                ratio = abs(x[c, j]) / qraux[j]
                tt = max(1.0 - ratio * ratio, 0.0)  # Fortran's **2 is a product, not pow()
                qraux[j] = qraux[j] * math.sqrt(tt) if abs(tt) >= 1e-6 else nrm2(x[c + 1 :, j])
        qraux[c] = x[c, c]
        x[c, c] = -nrmxl
    return x, min(k - 1, n), qraux, jpvt


def _problem(rng: np.random.Generator, trial: int) -> np.ndarray:
    n, p = int(rng.integers(2, 200)), int(rng.integers(1, 20))
    x = rng.normal(size=(n, p)) * rng.choice([1e-3, 1.0, 1e3], size=p)
    if p > 2 and trial % 3 == 0:
        x[:, -1] = 2.0 * x[:, 0] + x[:, 1]  # exactly collinear: aliased and pivoted
    if trial % 5 == 0:
        x[:, 0] = 1.0
    if p > 1 and trial % 7 == 0:
        x[:, 1] = 0.0
    if trial % 11 == 0:
        x[0, 0] = 1e-200  # a tiny value: dnrm2's scaled accumulator
    return x


def test_batched_qr_equals_column_by_column_linpack() -> None:
    rng = np.random.default_rng(20261203)
    for trial in range(300):
        x = _problem(rng, trial)
        got = linalg._dqrdc2(np.array(x, order="F"), 1e-11)
        want = _dqrdc2_by_column(np.array(x, order="F"), 1e-11)
        assert got[1] == want[1]
        for a, b in zip((got[0], got[2], got[3]), (want[0], want[2], want[3]), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("n", "m"), [(2, 2), (5, 3), (1000, 2), (1000, 31), (4999, 64), (7, 1)])
def test_seqdot_columns_adds_in_row_order(n: int, m: int) -> None:
    # Values of very different sizes make a pairwise or blocked sum differ from the
    # left-to-right one, so this fails if NumPy ever changes the order of the reduction.
    rng = np.random.default_rng(n * m)
    v = rng.normal(size=n) * rng.choice([1e-8, 1.0, 1e8], size=n)
    a = rng.normal(size=(n, m))
    want = np.array([seqdot(v, a[:, j]) for j in range(m)])
    np.testing.assert_array_equal(rmath.seqdot_columns(v, a), want)


def test_nrm2_columns_equals_nrm2() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 6))
    x[:, 1] = 0.0
    x[3, 2] = 1e-300  # tiny: scaled accumulator
    x[4, 3] = 1e300  # huge: scaled accumulator
    x[5, 4] = np.nan
    want = np.array([nrm2(x[:, j]) for j in range(x.shape[1])])
    np.testing.assert_array_equal(rmath.nrm2_columns(x), want)


def test_exact_exp_and_log_take_r_values_outside_the_domain() -> None:
    x = np.array([-np.inf, -1.0, 0.0, 1.0, np.inf, np.nan, 800.0, -800.0])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(
            rmath.log(x), [np.nan, np.nan, -np.inf, 0.0, np.inf, np.nan, math.log(800.0), np.nan]
        )
        np.testing.assert_array_equal(
            rmath.exp(x), [0.0, math.exp(-1.0), 1.0, math.e, np.inf, np.nan, np.inf, 0.0]
        )
        np.testing.assert_array_equal(
            rmath.log1p(x), [np.nan, -np.inf, 0.0, math.log1p(1.0), np.inf, np.nan, math.log1p(800.0), np.nan]
        )


def test_exact_exp_and_log_are_the_c_library_values() -> None:
    x = np.random.default_rng(3).normal(0.0, 20.0, 2000)
    np.testing.assert_array_equal(rmath.exp(x), [math.exp(v) for v in x])
    np.testing.assert_array_equal(rmath.log(np.abs(x)), [math.log(abs(v)) for v in x])
    np.testing.assert_array_equal(rmath.expm1(x), [math.expm1(v) for v in x])


def _fit_fields(fit: linalg.WLSFit) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    return fit.coef, fit.rank, fit.pivot, fit.r_factor


def _assert_same_fit(a: linalg.WLSFit, b: linalg.WLSFit) -> None:
    assert a.rank == b.rank
    for u, v in zip((a.coef, a.pivot, a.r_factor), (b.coef, b.pivot, b.r_factor), strict=True):
        np.testing.assert_array_equal(u, v)


def test_scalar_loops_equal_the_numpy_replica() -> None:
    # The loops that Numba compiles, run here as plain Python.
    rng = np.random.default_rng(11)
    for trial in range(40):
        x = _problem(rng, trial)[:60]
        n, p = x.shape
        y = rng.normal(size=n)
        qr = np.array(x, order="F")
        qraux, jpvt, first = np.zeros(p), np.zeros(p, dtype=np.int64), np.zeros(p)
        loops = getattr(jit.qr_solve_loops, "py_func", jit.qr_solve_loops)  # Python, even once compiled
        k = loops(qr, y, 1e-11, qraux, jpvt, first)
        want = linalg._dqrdc2(np.array(x, order="F"), 1e-11)
        assert k == want[1]
        np.testing.assert_array_equal(qr, want[0])
        np.testing.assert_array_equal(qraux, want[2])
        np.testing.assert_array_equal(jpvt, want[3])
        if k:
            np.testing.assert_array_equal(first[:k], linalg._dqrsl_coef(want[0], k, want[2], y))


def test_compiled_kernel_equals_the_numpy_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    assert jit.compiled_qr() is not None  # numba is part of the test extra
    rng = np.random.default_rng(12)
    for trial in range(200):
        x = _problem(rng, trial)
        y = rng.normal(size=x.shape[0])
        compiled = linalg.solve_r_exact(x, y, 1e-11)
        monkeypatch.setenv("RGLM_JIT", "0")
        _assert_same_fit(compiled, linalg.solve_r_exact(x, y, 1e-11))
        monkeypatch.delenv("RGLM_JIT")
