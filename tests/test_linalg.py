"""Weighted least-squares solvers: R's aliasing rule and agreement between the two paths."""

from __future__ import annotations

import numpy as np
import pytest

from rglm.numerics import linalg
from rglm.numerics.design import DenseDesign
from rglm.numerics.rmath import nrm2, rsum, seqdot

RNG = np.random.default_rng(7)
SOLVERS = [linalg.solve_r_exact, linalg.solve_lapack]


def _design(n: int = 50, p: int = 5) -> np.ndarray:
    return np.column_stack([np.ones(n), RNG.normal(size=(n, p - 1))])


@pytest.mark.parametrize("solve", SOLVERS, ids=["r_exact", "lapack"])
def test_full_rank_matches_lstsq(solve: linalg.WLSSolver) -> None:
    X = _design()
    z = RNG.normal(size=X.shape[0])
    fit = solve(X, z, 1e-11)
    expected = np.linalg.lstsq(X, z, rcond=None)[0]
    np.testing.assert_allclose(fit.coef, expected, rtol=1e-10)
    assert fit.rank == 5 and list(fit.pivot) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(linalg.cov_unscaled(fit), np.linalg.inv(X.T @ X), rtol=1e-10)


@pytest.mark.parametrize("solve", SOLVERS, ids=["r_exact", "lapack"])
def test_later_collinear_column_is_aliased(solve: linalg.WLSSolver) -> None:
    X = _design(40, 4)
    dup = 2.0 * X[:, 1]
    combo = X[:, 2] - 3.0 * X[:, 3]
    Xa = np.column_stack([X[:, 0], X[:, 1], dup, X[:, 2], X[:, 3], combo, np.zeros(40)])
    z = RNG.normal(size=40)
    fit = solve(Xa, z, 1e-11)
    assert fit.rank == 4
    assert list(fit.aliased) == [False, False, True, False, False, True, True]
    assert list(fit.pivot) == [0, 1, 3, 4, 2, 5, 6]
    np.testing.assert_allclose(fit.coef[~fit.aliased], np.linalg.lstsq(X, z, rcond=None)[0], rtol=1e-10)
    assert np.all(fit.coef[fit.aliased] == 0)
    cov = linalg.cov_unscaled(fit)
    assert np.isnan(cov[2]).all() and np.isnan(cov[:, 5]).all()
    np.testing.assert_allclose(cov[np.ix_(~fit.aliased, ~fit.aliased)], np.linalg.inv(X.T @ X), rtol=1e-9)


def test_paths_agree_on_weighted_problems() -> None:
    X = _design(200, 8)
    w = np.sqrt(RNG.uniform(0.1, 3.0, 200))
    z = RNG.normal(size=200)
    a = linalg.solve_r_exact(X * w[:, None], z * w, 1e-11)
    b = linalg.solve_lapack(X * w[:, None], z * w, 1e-11)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    np.testing.assert_allclose(linalg.cov_unscaled(a), linalg.cov_unscaled(b), rtol=1e-10)


def test_more_columns_than_rows() -> None:
    X = RNG.normal(size=(3, 5))
    z = RNG.normal(size=3)
    for solve in SOLVERS:
        fit = solve(X, z, 1e-11)
        assert fit.rank == 3
        assert list(fit.aliased) == [False, False, False, True, True]
        np.testing.assert_allclose(X[:, :3] @ fit.coef[:3], z, rtol=1e-10)


def test_choose_solver() -> None:
    assert linalg.choose_solver(100, 10) == linalg.QRStep(linalg.solve_r_exact)
    assert isinstance(linalg.choose_solver(10_000_000, 10), linalg.NormalEquations)


def _step_inputs(X: np.ndarray) -> tuple[DenseDesign, np.ndarray, np.ndarray, np.ndarray]:
    n = X.shape[0]
    good = np.ones(n, dtype=bool)
    good[::7] = False  # rows that take no part (zero weight) must not count
    w = np.sqrt(RNG.uniform(0.2, 3.0, good.sum()))
    z = RNG.normal(size=good.sum())
    return DenseDesign(X), good, w, z


def test_normal_equations_match_qr_when_well_conditioned() -> None:
    X = _design(300, 8)
    design, good, w, z = _step_inputs(X)
    ne = linalg.NormalEquations()
    a = ne(design, good, w, z, 1e-11)
    b = linalg.QRStep(linalg.solve_r_exact)(design, good, w, z, 1e-11)
    assert ne.qr_steps == 0
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    np.testing.assert_allclose(linalg.cov_unscaled(a), linalg.cov_unscaled(b), rtol=1e-10)


def test_normal_equations_fall_back_to_qr_for_aliasing_and_near_collinearity() -> None:
    X = _design(300, 5)
    near = X[:, 1] + 1e-7 * RNG.normal(size=300)  # R keeps it (residual 1e-7 > tol), Cholesky cannot
    Xa = np.column_stack([X, 3.0 * X[:, 2], near])
    design, good, w, z = _step_inputs(Xa)
    ne = linalg.NormalEquations()
    a = ne(design, good, w, z, 1e-11)
    b = linalg.QRStep(linalg.solve_r_exact)(design, good, w, z, 1e-11)
    assert ne.qr_steps == 1
    assert list(a.aliased) == list(b.aliased) == [False] * 5 + [True, False]
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-7)
    np.testing.assert_allclose(linalg.cov_unscaled(a), linalg.cov_unscaled(b), rtol=1e-7)
    # the next step reuses the aliasing found by QR but still meets the near-collinear column
    ne(design, good, w, z, 1e-11)
    assert ne.qr_steps == 2


def test_normal_equations_reuse_aliasing_when_rest_is_well_conditioned() -> None:
    X = _design(300, 5)
    Xa = np.column_stack([X, X[:, 1] - X[:, 3]])
    design, good, w, z = _step_inputs(Xa)
    ne = linalg.NormalEquations()
    first = ne(design, good, w, z, 1e-11)
    second = ne(design, good, w, z, 1e-11)
    assert ne.qr_steps == 1 and list(second.aliased) == list(first.aliased) == [False] * 5 + [True]
    np.testing.assert_allclose(second.coef, first.coef, rtol=1e-10)


def test_reference_blas_kernels() -> None:
    x = RNG.normal(size=1001)
    y = RNG.normal(size=1001)
    acc = 0.0
    for a, b in zip(x, y, strict=False):  # ddot adds left to right
        acc += a * b
    assert seqdot(x, y) == acc
    assert abs(nrm2(x) - np.linalg.norm(x)) <= 1e-14 * np.linalg.norm(x)
    assert nrm2(np.array([3e200, 4e200])) == pytest.approx(5e200, rel=1e-15)
    assert nrm2(np.array([3e-200, 4e-200])) == pytest.approx(5e-200, rel=1e-15)
    assert nrm2(np.zeros(3)) == 0.0
    # R's sum() accumulates in long double: 1 + 1e-17 + ... keeps the small terms
    small = np.array([1.0] + [1e-17] * 1000)
    assert rsum(small) == pytest.approx(1.0 + 1e-14, rel=1e-15)
