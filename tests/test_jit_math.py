"""The compiled maps of the C library's exp/log (rglm.numerics.jit_math) give the bits of the
``math`` module, which is the C library; rmath gives the same values with and without them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rglm.numerics import jit_math, rmath
from rglm.numerics.design import NumericColumns

FUNCTIONS = {"exp": math.exp, "log": math.log, "expm1": math.expm1, "log1p": math.log1p}


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_compiled_map_is_the_c_library(name: str) -> None:
    scalar = FUNCTIONS[name]
    kernel = jit_math.compiled_map(scalar)
    assert kernel is not None  # numba is part of the test extra
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.standard_normal(20_000) * s for s in (1e-12, 1e-3, 1.0, 20.0, 300.0)])
    x = x[x < 709.0] if name in ("exp", "expm1") else x[x > -1.0] if name == "log1p" else np.abs(x)
    out = np.empty(x.size)
    kernel(x, out)
    want = np.fromiter(map(scalar, x.tolist()), np.float64, count=x.size)
    np.testing.assert_array_equal(_bits(out), _bits(want))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_rmath_gives_the_same_bits_with_and_without_compiled_loops(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(4)
    edge = [0.0, -0.0, 1e-310, 709.78, -745.0, math.nan]
    x = np.r_[rng.normal(0.0, 5.0, 5000), edge]
    if name in ("log", "log1p"):
        x = np.abs(x)
    f = getattr(rmath, name)
    compiled = f(x)
    strided = f(np.repeat(x, 2)[::2])  # a view that is not contiguous
    monkeypatch.setenv("RGLM_JIT", "0")
    plain = f(x)
    np.testing.assert_array_equal(_bits(compiled), _bits(plain))
    np.testing.assert_array_equal(_bits(strided), _bits(plain))
    # outside the domain (overflow, log of 0 or of a negative number): R's values, by the wrapper
    monkeypatch.delenv("RGLM_JIT")
    outside = {"exp": [800.0], "expm1": [800.0], "log": [0.0, -1.0], "log1p": [-1.0, -2.0]}[name]
    want = {
        "exp": [math.inf],
        "expm1": [math.inf],
        "log": [-math.inf, math.nan],
        "log1p": [-math.inf, math.nan],
    }
    np.testing.assert_array_equal(f(np.r_[outside, 0.5]), np.r_[want[name], FUNCTIONS[name](0.5)])


def test_normal_equations_of_row_and_column_major_blocks_are_the_same() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((10_000, 30))
    w, z = rng.uniform(0.1, 2.0, 10_000), rng.standard_normal(10_000)
    for intercept in (True, False):
        by_rows = NumericColumns(np.ascontiguousarray(x), intercept).normal_equations(w, z)
        by_cols = NumericColumns(np.asfortranarray(x), intercept).normal_equations(w, z)
        for a, b in zip(by_rows[:2], by_cols[:2], strict=True):
            np.testing.assert_array_equal(_bits(a), _bits(b))


def test_compiled_matvec_is_the_column_order_loop() -> None:
    from rglm.numerics.jit_math import column_order_matvec, compiled_matvec

    kernel = compiled_matvec()
    assert kernel is not None
    rng = np.random.default_rng(6)
    for trial in range(20):
        n, p = int(rng.integers(1, 400)), int(rng.integers(1, 40))
        x = rng.standard_normal((n, p)) * 10.0 ** rng.integers(-10, 10, p)
        x[rng.random((n, p)) < 0.05] = 0.0
        if trial % 5 == 0:
            x[0, 0] = np.inf
        beta = rng.standard_normal(p) * 10.0 ** rng.integers(-10, 10, p)
        for layout in (np.ascontiguousarray(x), np.asfortranarray(x), x[:, ::-1]):
            out = np.empty(n)
            kernel(layout, beta, out)
            np.testing.assert_array_equal(_bits(out), _bits(column_order_matvec(layout, beta)))
