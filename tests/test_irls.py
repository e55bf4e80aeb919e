"""The IRLS loop: closed forms, R's iteration behaviour, step halving and warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.fit.irls import IRLSControl, irls

RNG = np.random.default_rng(11)


def test_gaussian_identity_is_least_squares() -> None:
    n = 60
    X = np.column_stack([np.ones(n), RNG.normal(size=(n, 3))])
    y = X @ [1.0, -2.0, 0.5, 3.0] + RNG.normal(size=n)
    w = RNG.uniform(0.5, 2.0, n)
    fit = irls(X, y, rglm.Gaussian(), weights=w)
    sw = np.sqrt(w)
    expected = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
    np.testing.assert_allclose(fit.coef, expected, rtol=1e-10)
    resid = y - X @ expected
    np.testing.assert_allclose(fit.deviance, np.sum(w * resid**2), rtol=1e-10)
    # R needs two passes: the second confirms the deviance no longer changes.
    assert fit.iterations == 2 and fit.converged


def test_poisson_saturated_one_way_layout_closed_form() -> None:
    # log-linear model with one factor: fitted means are the group means
    g = np.repeat([0, 1, 2], 5)
    y = RNG.poisson([2.0, 5.0, 9.0], size=(5, 3)).T.ravel().astype(float)
    X = np.column_stack([np.ones(15), g == 1, g == 2]).astype(float)
    fit = irls(X, y, rglm.Poisson(), control=IRLSControl(tol=1e-12))
    means = np.array([y[g == k].mean() for k in range(3)])
    np.testing.assert_allclose(fit.mu, means[g], rtol=1e-10)
    np.testing.assert_allclose(
        fit.coef, [np.log(means[0]), np.log(means[1] / means[0]), np.log(means[2] / means[0])], rtol=1e-10
    )


def test_starting_values_give_the_same_fit() -> None:
    d = rglm.datasets.load("budworm")
    base = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", d, family=rglm.Binomial(), tol=1e-12)
    for kw in (
        {"start": base.params.to_numpy()},
        {"etastart": base.linear_predictors.to_numpy()},
        {"mustart": base.fittedvalues.to_numpy()},
    ):
        m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", d, family=rglm.Binomial(), tol=1e-12, **kw)
        np.testing.assert_allclose(m.params, base.params, rtol=1e-9)
        assert m.iterations <= 2


def test_step_halving_matches_r() -> None:
    # R 4.2.2: glm(y ~ x, poisson(link = "identity"), start = c(0.5, 0.5)) with the data below
    # stops at the boundary after 25 iterations with coefficients -/+2.37781703271506 and
    # deviance 30.0508351720531, warning 28 times.
    d = pd.DataFrame({"y": [0, 0, 1, 2, 5, 12, 30.0], "x": np.arange(1.0, 8.0)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm("y ~ x", d, family=rglm.Poisson(link="identity"), start=[0.5, 0.5])
    np.testing.assert_allclose(m.params, [-2.37781703271506, 2.37781703271506], rtol=1e-12)
    np.testing.assert_allclose(m.deviance, 30.0508351720531, rtol=1e-12)
    assert (m.iterations, m.boundary, m.converged) == (25, True, False)
    kinds = {type(w.message) for w in caught}
    assert {rglm.StepHalvingWarning, rglm.BoundaryWarning, rglm.ConvergenceWarning} <= kinds
    assert len(caught) == 28
    # Without start R stops ("no valid set of coefficients has been found"); rglm restarts from
    # the intercept-only mean and reaches the MLE on the boundary mu(x = 1) = 0, where
    # mu = b (x - 1) and b = sum(y) / sum(x - 1) = 50/21 (closed form).
    with pytest.warns(rglm.StartWarning, match="no valid set of coefficients has been found"):
        m = rglm.glm("y ~ x", d, family=rglm.Poisson(link="identity"))
    assert m.start_method == "intercept-only"
    np.testing.assert_allclose(m.params, [-50 / 21, 50 / 21], rtol=1e-6)


def test_non_convergence_warns_with_a_hint() -> None:
    d = rglm.datasets.load("esoph")
    with pytest.warns(rglm.ConvergenceWarning, match=r"did not converge in 2 iterations.*raise max_iter"):
        m = rglm.glm("cbind(ncases, ncontrols) ~ agegp + alcgp", d, family=rglm.Binomial(), max_iter=2)
    assert not m.converged and m.iterations == 2
    assert "did not converge" in str(m.summary())


def test_separation_warns_but_returns_r_fit() -> None:
    d = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1.0], "x": [1, 2, 3, 4, 5, 6.0]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm("y ~ x", d, family=rglm.Binomial())
    kinds = [type(w.message) for w in caught]
    assert rglm.PerfectFitWarning in kinds and rglm.SeparationWarning in kinds
    assert "fitted probabilities numerically 0 or 1" in str(
        caught[kinds.index(rglm.PerfectFitWarning)].message
    )
    assert m.params.notna().all()
    assert m.deviance < 1e-8


def test_zero_fitted_rates_warn() -> None:
    # An all-zero group drives its rate towards 0; R stops at 5.6e-10 (19 iterations, no
    # warning), and only a much tighter tolerance pushes the rate below 10 * eps.
    d = pd.DataFrame({"y": [0, 0, 0, 3, 5, 4.0], "g": list("aaabbb")})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm("y ~ g", d, family=rglm.Poisson())
    assert m.iterations == 19 and not caught
    with pytest.warns(rglm.PerfectFitWarning, match="fitted rates numerically 0"):
        rglm.glm("y ~ g", d, family=rglm.Poisson(), tol=1e-300, max_iter=60)


def test_empty_model_uses_the_offset() -> None:
    d = pd.DataFrame({"y": [1.0, 3.0, 2.0, 6.0], "e": [1.0, 2.0, 2.0, 4.0]})
    m = rglm.glm("y ~ 0 + offset(log(e))", d, family=rglm.Poisson())
    assert len(m.params) == 0 and m.rank == 0 and m.iterations == 0
    mu = d.e.to_numpy()
    y = d.y.to_numpy()
    np.testing.assert_allclose(m.fittedvalues, mu, rtol=1e-15)
    np.testing.assert_allclose(m.deviance, 2 * np.sum(y * np.log(y / mu) - (y - mu)), rtol=1e-12)
    assert m.df_resid == 4 and m.df_null == 4
    assert "No Coefficients" in str(m.summary())


def test_zero_weights_take_no_part() -> None:
    d = rglm.datasets.load("mtcars")
    w = np.ones(len(d))
    w[:5] = 0
    m = rglm.glm("mpg ~ wt + hp", d, weights=w)
    sub = rglm.glm("mpg ~ wt + hp", d.iloc[5:])
    np.testing.assert_allclose(m.params, sub.params, rtol=1e-10)
    np.testing.assert_allclose(m.bse, sub.bse, rtol=1e-10)
    assert m.nobs == len(d) - 5 and m.df_resid == sub.df_resid
    # but zero-weight rows still get fitted values, as in R
    np.testing.assert_allclose(m.fittedvalues.iloc[:5], sub.predict(d.iloc[:5]), rtol=1e-10)


def test_control_validation() -> None:
    with pytest.raises(rglm.FitError, match="tol must be a positive number"):
        IRLSControl(tol=0)
    with pytest.raises(rglm.FitError, match="max_iter must be a positive whole number"):
        IRLSControl(max_iter=0)
    assert IRLSControl(tol=1e-8).rank_tol == 1e-8 / 1000  # min(1e-7, epsilon/1000)


def test_trace_prints_deviance(capsys: pytest.CaptureFixture[str]) -> None:
    rglm.glm("counts ~ C(outcome)", rglm.datasets.load("dobson"), family=rglm.Poisson(), trace=True)
    out = capsys.readouterr().out.splitlines()
    assert out and all(line.startswith("Deviance = ") for line in out)
