"""The split design (factors as codes, normal equations) against the dense R-exact path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rglm
import rglm.frame.columns
import rglm.frame.model_frame
import rglm.numerics.rmath
from rglm.frame.split_design import split_design
from rglm.numerics.design import CategoricalBlock, DenseDesign, SplitDesign

RNG = np.random.default_rng(2026)


def _split_from_dense(n: int = 400) -> tuple[SplitDesign, np.ndarray]:
    dense = RNG.normal(size=(n, 3))
    g = RNG.integers(0, 4, n)
    h = RNG.integers(0, 3, n)
    v = RNG.normal(size=n)
    # columns: 0,1,2 dense; g levels 1..3 -> 3,4,5 (level 0 reference); h levels -> 6,7,8 (full);
    # g:v levels 1..3 -> 9,10,11
    blocks = (
        CategoricalBlock(codes=g, columns=np.array([-1, 3, 4, 5])),
        CategoricalBlock(codes=h, columns=np.array([6, 7, 8])),
        CategoricalBlock(codes=g, columns=np.array([-1, 9, 10, 11]), values=v),
    )
    split = SplitDesign(n=n, p=12, dense=dense, dense_columns=np.array([0, 1, 2]), blocks=blocks)
    X = np.zeros((n, 12))
    X[:, :3] = dense
    for lvl, col in enumerate([-1, 3, 4, 5]):
        if col >= 0:
            X[:, col] = g == lvl
            X[:, col + 6] = (g == lvl) * v
    for lvl in range(3):
        X[:, 6 + lvl] = h == lvl
    return split, X


def test_split_design_algebra_matches_dense() -> None:
    split, X = _split_from_dense()
    dense = DenseDesign(X)
    beta = RNG.normal(size=12)
    w = RNG.uniform(0, 2, X.shape[0])
    np.testing.assert_array_equal(split.rows(), X)
    np.testing.assert_allclose(split.matvec(beta), X @ beta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(split.rmatvec(w), X.T @ w, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(split.gram(w), X.T @ (w[:, None] * X), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(dense.gram(w), X.T @ (w[:, None] * X), rtol=1e-12, atol=1e-10)
    cov = np.cov(RNG.normal(size=(12, 40)))
    np.testing.assert_allclose(split.quad_form(cov), np.einsum("ij,jk,ik->i", X, cov, X), rtol=1e-12)
    idx = np.array([5, 0, 17])
    np.testing.assert_array_equal(split.rows(idx), X[idx])


def _data(n: int = 2500) -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "x1": RNG.normal(size=n),
            "x2": RNG.uniform(-1, 1, n),
            "g": RNG.choice(list("abcde"), n),
            "h": pd.Categorical(RNG.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"]),
            "w": RNG.uniform(0.5, 2.0, n),
            "t": RNG.uniform(0.5, 3.0, n),
        }
    )
    d["x3"] = 2.0 * d["x1"]  # aliased with x1
    gi = pd.factorize(d["g"], sort=True)[0]
    eta = 0.2 + 0.3 * d.x1 - 0.2 * d.x2 + 0.1 * gi + 0.15 * d.x1 * (gi == 2)
    mu = np.exp(eta) * d.t
    d["count"] = RNG.poisson(mu)
    d["pos"] = RNG.gamma(4.0, np.exp(eta) / 4.0)
    d["gauss"] = eta + RNG.normal(size=n)
    p = 1 / (1 + np.exp(-eta))
    d["succ"] = RNG.binomial(8, p)
    d["fail"] = 8 - d["succ"]
    return d


CASES = [
    ("gauss ~ x1 + x2 + g + h + g:x1", rglm.Gaussian(), {"weights": "w"}),
    ("count ~ x1 + x2 + g * x1 + h + offset(log(t))", rglm.Poisson(), {}),
    ("count ~ x1 + x3 + x2 + g + h", rglm.QuasiPoisson(), {"weights": "w"}),
    ("cbind(succ, fail) ~ x1 + x2 + g + h:x2", rglm.Binomial(), {}),
    ("cbind(succ, fail) ~ x1 + g", rglm.Binomial(link="probit"), {"weights": "w"}),
    ("pos ~ x1 + x2 + g + h", rglm.Gamma(link="log"), {"weights": "w"}),
    ("pos ~ x1 + g", rglm.InverseGaussian(link="log"), {}),
    (
        "count ~ x1 + x2 + g + h",
        rglm.NegativeBinomial(theta=3.0),
        {"offset": np.log(RNG.uniform(0.5, 3.0, 2500))},
    ),
    ("count ~ x1 + g + x2:h", rglm.Tweedie(1.5), {}),
    ("gauss ~ 0 + g + x1", rglm.Gaussian(), {}),
]


@pytest.mark.parametrize(("formula", "family", "kw"), CASES, ids=[c[0] for c in CASES])
def test_split_path_equals_dense_path(
    formula: str, family: rglm.Family, kw: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _data()
    dense = rglm.glm(formula, d, family=family, tol=1e-10, **kw)
    assert not isinstance(dense.model_frame.X, SplitDesign)
    monkeypatch.setattr(rglm.frame.model_frame, "SPLIT_MIN_ROWS", 0)
    monkeypatch.setattr(rglm.numerics.rmath, "R_EXACT_WORK", 0)
    split = rglm.glm(formula, d, family=family, tol=1e-10, **kw)
    assert isinstance(split.model_frame.X, SplitDesign)
    assert list(split.params.index) == list(dense.params.index)
    assert split.aliased.equals(dense.aliased)
    for attr in ("params", "bse", "fittedvalues", "resid_working", "working_weights", "linear_predictors"):
        np.testing.assert_allclose(
            getattr(split, attr), getattr(dense, attr), rtol=1e-10, atol=1e-12, err_msg=attr
        )
    # A deviance residual for y close to mu is the root of a cancelling difference, so its
    # relative error grows as it shrinks; compare on the scale of the residuals instead.
    np.testing.assert_allclose(
        split.resid_deviance,
        dense.resid_deviance,
        rtol=0,
        atol=1e-10 * float(np.max(np.abs(dense.resid_deviance))),
    )
    for attr in ("deviance", "null_deviance", "scale", "aic"):
        a, b = getattr(split, attr), getattr(dense, attr)
        assert (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-10 * abs(b), attr
    assert split.iterations == dense.iterations
    new = d.head(7)
    extra = {"offset": kw["offset"][:7]} if isinstance(kw.get("offset"), np.ndarray) else {}
    np.testing.assert_allclose(
        split.predict(new, se_fit=True, **extra), dense.predict(new, se_fit=True, **extra), rtol=1e-10
    )
    np.testing.assert_allclose(split.predict(se_fit=True), dense.predict(se_fit=True), rtol=1e-10)
    assert str(split.summary()) == str(dense.summary())


def test_split_design_declines_what_it_cannot_represent() -> None:
    d = _data(300)
    ctx = rglm.frame.formula.formula_context()
    ev = rglm.frame.columns.evaluate
    assert split_design("x1 + g", d, ctx, ev) is not None
    assert split_design("poly(x1, 2) + g", d, ctx, ev) is None  # stateful transform
    assert split_design("g:h", d, ctx, ev) is None  # two factors in one term
    assert split_design("C(g, contr.sum) + x1", d, ctx, ev) is None  # not treatment contrasts
