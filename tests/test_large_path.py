"""The large-data path's shortcuts: a borrowed numeric block, kept per-row values and deferred
normal equations, and the in-place kernels.  Each is held against the plain computation."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import special

import rglm
import rglm.frame.model_frame
import rglm.numerics.rmath
from rglm.families.densities import lfactorial as _lfactorial
from rglm.families.variance import binomial_dev_resids
from rglm.fit import passes as driver
from rglm.numerics.design import NumericColumns, SplitDesign

RNG = np.random.default_rng(4242)


def _frame(n: int = 3000) -> pd.DataFrame:
    x = RNG.normal(size=(n, 4))
    d = pd.DataFrame(x, columns=["x1", "x2", "x3", "x4"])
    d["g"] = pd.Categorical(RNG.choice(list("abcd"), n))
    d["k"] = RNG.integers(0, 5, n)  # an integer column: converted, never borrowed
    eta = 0.3 + 0.2 * d.x1 - 0.1 * d.x2 + 0.15 * d.x3 + 0.1 * (d.g == "b")
    d["y"] = RNG.poisson(np.exp(eta)).astype(float)
    return d


@pytest.fixture
def large_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send small data down the large-data path (split design, passes over row blocks)."""
    monkeypatch.setattr(rglm.frame.model_frame, "SPLIT_MIN_ROWS", 0)
    monkeypatch.setattr(rglm.numerics.rmath, "R_EXACT_WORK", 0)
    monkeypatch.setattr(driver, "MEMORY_BLOCK_ROWS", 700)  # several blocks


def test_numeric_block_is_borrowed_from_the_data(large_path: None) -> None:
    d = _frame()
    m = rglm.glm("y ~ x1 + x2 + x3 + g", d, family=rglm.Poisson())
    X = m.model_frame.X
    assert isinstance(X, SplitDesign)
    assert X.dense.intercept
    assert np.shares_memory(X.dense.matrix, d["x1"].to_numpy())
    assert not X.dense.matrix.flags.writeable


@pytest.mark.parametrize("formula", ["y ~ x3 + x1 + g", "y ~ x1 + k + g", "y ~ x1 * x2 + log(x4 + 10) + g"])
def test_columns_not_laid_out_as_one_block_are_copied(large_path: None, formula: str) -> None:
    d = _frame()
    m = rglm.glm(formula, d, family=rglm.Poisson())
    assert not np.shares_memory(m.model_frame.X.dense.matrix, d.to_numpy())


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x1 + x2 + x3 + g",
        "y ~ x3 + x1 + g",
        "y ~ x1 + k + g",
        "y ~ x1 * x2 + log(x4 + 10) + g",
        "y ~ 0 + x1 + x2 + g",
    ],
)
def test_large_path_equals_dense_path(formula: str, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _frame()
    dense = rglm.glm(formula, d, family=rglm.Poisson(), tol=1e-10)
    monkeypatch.setattr(rglm.frame.model_frame, "SPLIT_MIN_ROWS", 0)
    monkeypatch.setattr(rglm.numerics.rmath, "R_EXACT_WORK", 0)
    monkeypatch.setattr(driver, "MEMORY_BLOCK_ROWS", 700)
    large = rglm.glm(formula, d, family=rglm.Poisson(), tol=1e-10)
    assert isinstance(large.model_frame.X, SplitDesign)
    assert list(large.params.index) == list(dense.params.index)
    for attr in ("params", "bse", "fittedvalues", "resid_working", "working_weights", "linear_predictors"):
        np.testing.assert_allclose(getattr(large, attr), getattr(dense, attr), rtol=1e-10, err_msg=attr)
    assert abs(large.deviance - dense.deviance) <= 1e-10 * dense.deviance
    assert abs(large.aic - dense.aic) <= 1e-10 * dense.aic


def test_later_changes_to_the_callers_frame_do_not_reach_the_model(large_path: None) -> None:
    d = _frame()
    formula = "y ~ x1 + x2 + x3 + g"
    m = rglm.glm(formula, d, family=rglm.Poisson())
    ref = rglm.glm(formula, d.copy(deep=True), family=rglm.Poisson())
    design_before = m.model_frame.X.rows()
    d.loc[0:50, "x1"] = 99.0
    d["x2"] *= 3.0
    d.iloc[5, 2] = -7.0
    np.testing.assert_array_equal(m.model_frame.X.rows(), design_before)
    np.testing.assert_array_equal(m.predict(se_fit=True), ref.predict(se_fit=True))
    np.testing.assert_array_equal(m.influence()["hat"], ref.influence()["hat"])
    np.testing.assert_allclose(
        rglm.drop1(m, test="Chisq").to_numpy(dtype=float),
        rglm.drop1(ref, test="Chisq").to_numpy(dtype=float),
        rtol=1e-12,
    )


def test_pickling_a_borrowed_block_stores_the_values_not_the_frame(
    large_path: None, tmp_path: object
) -> None:
    d = _frame()
    m = rglm.glm("y ~ x1 + x2 + x3 + g", d, family=rglm.Poisson())
    block = m.model_frame.X.dense
    state = block.__getstate__()
    assert state["owner"] is None
    again = pickle.loads(pickle.dumps(block))
    assert isinstance(again, NumericColumns)
    np.testing.assert_array_equal(again.matrix, block.matrix)
    assert not np.shares_memory(again.matrix, d["x1"].to_numpy())
    path = f"{tmp_path}/m.rglm"
    m.save(path)
    loaded = rglm.load(path)
    np.testing.assert_array_equal(loaded.params, m.params)
    np.testing.assert_array_equal(loaded.model_frame.X.rows(), m.model_frame.X.rows())


class _Passes(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.labels.append(str(record.args[1]))  # type: ignore[index]


def test_the_last_point_skips_the_normal_equations(large_path: None) -> None:
    d = _frame()
    handler = _Passes()
    log = logging.getLogger("rglm.passes")
    log.addHandler(handler)
    old = log.level
    log.setLevel(logging.INFO)
    try:
        m = rglm.glm("y ~ x1 + x2 + x3 + g", d, family=rglm.Poisson())
    finally:
        log.removeHandler(handler)
        log.setLevel(old)
    k = m.iterations
    normal = [lab for lab in handler.labels if lab.endswith("normal equations")]
    # A point's normal equations are formed only when a step is taken from it: from the start
    # and from each iterate but the last.
    assert len(normal) == k
    assert len(handler.labels) == 1 + k + k
    assert not handler.labels[-1].endswith("normal equations")


def test_per_row_results_do_not_depend_on_kept_values(
    large_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _frame()
    kept = rglm.glm("y ~ x1 + x2 + g", d, family=rglm.Poisson())
    # The fit keeps no per-row values: they are recomputed from its points when asked. The
    # same values from the whole design at once (not the passes' blocks):
    f = kept.fit
    design, offset = kept.model_frame.design, kept.model_frame.offset
    eta = design.matvec(f.coef, exact=False) + offset
    mu = np.exp(eta)
    w = np.exp(design.matvec(f.rows.weights_at.beta, exact=False) + offset)  # Poisson, log link
    again = {
        "linear_predictors": eta,
        "fittedvalues": mu,
        "working_weights": w,
        "resid_working": (f.y - mu) / mu,
    }
    for attr, values in again.items():
        np.testing.assert_allclose(getattr(kept, attr), values, rtol=1e-14, err_msg=attr)
        assert np.array_equal(getattr(kept, attr), getattr(kept, attr))


def test_log_factorial_table_is_gammaln() -> None:
    counts = RNG.poisson(30.0, 20_000).astype(float)
    np.testing.assert_array_equal(_lfactorial(counts), special.gammaln(counts + 1))
    halves = counts + 0.5  # not whole numbers: the special function itself
    np.testing.assert_array_equal(_lfactorial(halves), special.gammaln(halves + 1))
    small = np.array([0.0, 1.0, 5.0])
    np.testing.assert_array_equal(_lfactorial(small), special.gammaln(small + 1))


def _exact(f, *args):  # type: ignore[no-untyped-def]
    with rglm.numerics.rmath.fast_kernels(False):
        return f(*[a[:50_000] for a in args])


@pytest.mark.parametrize("mu_edge", [None, np.inf])
def test_in_place_poisson_deviance_matches_r_arithmetic(mu_edge: float | None) -> None:
    n = 150_000
    y = RNG.poisson(2.0, n).astype(float)
    mu = RNG.uniform(0.05, 6.0, n)
    wt = RNG.uniform(0.5, 2.0, n)
    if mu_edge is not None:
        mu[3] = mu_edge
    fam = rglm.Poisson()
    fast = fam.dev_resids(y, mu, wt)  # n > the exact limit: the in-place path
    exact = _exact(fam.dev_resids, y, mu, wt)
    # A unit deviance with y near mu is a cancelling difference: compare on the values' scale.
    np.testing.assert_allclose(fast[:50_000], exact, rtol=0, atol=1e-14 * np.nanmax(exact))


def test_in_place_binomial_deviance_matches_r_arithmetic() -> None:
    n = 150_000
    y = np.where(RNG.random(n) < 0.3, 0.0, np.where(RNG.random(n) < 0.5, 1.0, RNG.random(n)))
    mu = RNG.uniform(0.01, 0.99, n)
    wt = RNG.integers(1, 9, n).astype(float)
    fast = binomial_dev_resids(y, mu, wt)
    exact = _exact(binomial_dev_resids, y, mu, wt)
    np.testing.assert_allclose(fast[:50_000], exact, rtol=0, atol=1e-14 * np.max(exact))
    assert np.all(fast[y == 0] >= 0) and np.all(np.isfinite(fast))


def test_in_place_poisson_log_density_matches_the_special_functions() -> None:
    from rglm.families.densities import log_dpois as _log_dpois

    y = RNG.poisson(3.0, 20_000).astype(float)
    mu = RNG.uniform(0.1, 8.0, 20_000)
    fast = _log_dpois(y, mu)
    reference = special.xlogy(y, mu) - mu - special.gammaln(y + 1)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-13 * np.max(np.abs(reference)))
    y[7] = 2.5  # not a count: -inf there, as R's dpois gives 0
    assert _log_dpois(y, mu)[7] == -np.inf
