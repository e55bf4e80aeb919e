"""GLMResult: immutability, derived figures, prediction and the summary's exports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import rglm


@pytest.fixture(scope="module")
def budworm() -> rglm.GLMResult:
    return rglm.glm(
        "cbind(numdead, numalive) ~ sex * ldose", rglm.datasets.load("budworm"), family=rglm.Binomial()
    )


@pytest.fixture(scope="module")
def clotting() -> rglm.GLMResult:
    return rglm.glm("lot1 ~ log(u)", rglm.datasets.load("clotting"), family=rglm.Gamma())


def test_result_is_immutable(budworm: rglm.GLMResult) -> None:
    with pytest.raises(AttributeError, match="immutable"):
        budworm.params = None  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del budworm.family
    before = budworm.params.copy()
    got = budworm.params
    got.iloc[0] = 99.0  # the caller may edit what they got back ...
    pd.testing.assert_series_equal(budworm.params, before)  # ... but not the model


def test_cbind_equals_proportion_with_weights() -> None:
    d = rglm.datasets.load("budworm")
    a = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", d, family=rglm.Binomial())
    b = rglm.glm("prop ~ sex * ldose", d, family=rglm.Binomial(), weights="total")
    for attr in ("params", "bse", "fittedvalues", "resid_deviance", "resid_pearson", "resid_working"):
        np.testing.assert_allclose(getattr(a, attr), getattr(b, attr), rtol=1e-10)
    for attr in ("deviance", "null_deviance", "aic", "bic", "llf", "pearson_chi2"):
        assert math.isclose(getattr(a, attr), getattr(b, attr), rel_tol=1e-10), attr
    assert (a.nobs, a.df_resid, a.iterations) == (b.nobs, b.df_resid, b.iterations)


def test_statistics_are_consistent(clotting: rglm.GLMResult) -> None:
    m = clotting
    np.testing.assert_allclose(m.bse, np.sqrt(np.diag(m.cov_params())), rtol=1e-15)
    np.testing.assert_allclose(m.tvalues, m.params / m.bse, rtol=1e-15)
    assert m.use_t
    np.testing.assert_allclose(m.pvalues, 2 * stats.t.sf(np.abs(m.tvalues), m.df_resid), rtol=1e-10)
    # R evaluates the dispersion with the working weights of the last IRLS step, so it equals
    # Pearson's X^2 / df only up to the convergence error (1e-5 here, at R's default tol) ...
    assert math.isclose(m.scale, m.pearson_chi2 / m.df_resid, rel_tol=1e-4)
    tight = rglm.glm("lot1 ~ log(u)", rglm.datasets.load("clotting"), family=rglm.Gamma(), tol=1e-14)
    # ... and exactly once the fit is converged to machine precision.
    assert math.isclose(tight.scale, tight.pearson_chi2 / tight.df_resid, rel_tol=1e-10)
    assert math.isclose(m.llf, (m.rank + 1) - m.aic / 2, rel_tol=1e-15)
    assert math.isclose(m.bic, -2 * m.llf + math.log(m.nobs) * (m.rank + 1), rel_tol=1e-15)
    assert m.df_model == 1 and m.df_null == 8


def test_fixed_dispersion_uses_z(clotting: rglm.GLMResult) -> None:
    d = rglm.datasets.load("clotting")
    m = rglm.glm("lot1 ~ log(u)", d, family=rglm.Gamma(), dispersion=0.002)
    assert m.scale == 0.002 and not m.use_t
    np.testing.assert_allclose(m.bse, clotting.bse * math.sqrt(0.002 / clotting.scale), rtol=1e-12)
    np.testing.assert_allclose(m.pvalues, 2 * stats.norm.sf(np.abs(m.tvalues)), rtol=1e-10)
    assert "z value" in str(m.summary())
    with pytest.raises(rglm.DataError, match="dispersion must be a positive number"):
        rglm.glm("lot1 ~ log(u)", d, family=rglm.Gamma(), dispersion=-1)


def test_quasi_has_no_likelihood() -> None:
    m = rglm.glm("breaks ~ wool * tension", rglm.datasets.load("warpbreaks"), family=rglm.QuasiPoisson())
    assert math.isnan(m.aic) and math.isnan(m.llf) and math.isnan(m.bic)
    p = rglm.glm("breaks ~ wool * tension", rglm.datasets.load("warpbreaks"), family=rglm.Poisson())
    np.testing.assert_allclose(m.params, p.params, rtol=1e-12)
    np.testing.assert_allclose(m.bse, p.bse * math.sqrt(m.scale), rtol=1e-12)


def test_predict_defaults_to_fitted(budworm: rglm.GLMResult) -> None:
    pd.testing.assert_series_equal(budworm.predict(), budworm.fittedvalues.rename("fit"))
    np.testing.assert_allclose(budworm.predict(type="link"), budworm.linear_predictors, rtol=1e-15)
    link = budworm.predict(type="link", se_fit=True)
    resp = budworm.predict(se_fit=True)
    mu_eta = budworm.family.link.mu_eta(link["fit"].to_numpy())
    np.testing.assert_allclose(resp["se_fit"], link["se_fit"] * np.abs(mu_eta), rtol=1e-14)
    X = budworm.model_frame.X
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, budworm.cov_params().to_numpy(), X))
    np.testing.assert_allclose(link["se_fit"], se, rtol=1e-12)


def test_predict_replays_formula_offset() -> None:
    d = rglm.datasets.load("ships")
    m = rglm.glm("incidents ~ type + C(period) + offset(log(service))", d, family=rglm.Poisson())
    new = d.iloc[:4].assign(service=d.service.iloc[:4] * 10)
    np.testing.assert_allclose(m.predict(new), 10 * m.fittedvalues.iloc[:4], rtol=1e-12)


def test_predict_with_array_offset_needs_offset() -> None:
    d = rglm.datasets.load("ships")
    off = np.log(d.service.to_numpy())
    m = rglm.glm("incidents ~ type", d, family=rglm.Poisson(), offset=off)
    with pytest.raises(rglm.DataError, match="pass offset="):
        m.predict(d.iloc[:3])
    np.testing.assert_allclose(m.predict(d.iloc[:3], offset=off[:3]), m.fittedvalues.iloc[:3], rtol=1e-12)


def test_predict_rank_deficient_uses_estimable_part() -> None:
    d = rglm.datasets.load("mtcars")
    m = rglm.glm("mpg ~ wt + wt2 + hp", d)
    ref = rglm.glm("mpg ~ wt + hp", d)
    assert m.aliased.to_dict() == {"Intercept": False, "wt": False, "wt2": True, "hp": False}
    np.testing.assert_allclose(
        m.predict(d.iloc[:5], se_fit=True), ref.predict(d.iloc[:5], se_fit=True), rtol=1e-10
    )
    assert m.cov_params().loc["wt2"].isna().all()
    assert "(1 not defined because of singularities)" in str(m.summary())


def test_conf_int(clotting: rglm.GLMResult) -> None:
    ci = clotting.conf_int(level=0.9)
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(ci["lower"], clotting.params - z * clotting.bse, rtol=1e-14)
    np.testing.assert_allclose(ci["upper"], clotting.params + z * clotting.bse, rtol=1e-14)
    with pytest.raises(ValueError, match="level must be a number between 0 and 1"):
        clotting.conf_int(level=1.5)


def test_index_of_per_row_results() -> None:
    d = rglm.datasets.load("dobson")
    d.index = [f"r{i}" for i in range(len(d))]
    m = rglm.glm("counts ~ C(outcome)", d, family=rglm.Poisson())
    for attr in (
        "fittedvalues",
        "linear_predictors",
        "resid_deviance",
        "resid_pearson",
        "resid_working",
        "resid_response",
        "working_weights",
        "prior_weights",
    ):
        assert list(getattr(m, attr).index) == list(d.index), attr


def test_summary_object(budworm: rglm.GLMResult) -> None:
    s = budworm.summary()
    text = str(s)
    # R's deparse breaks the call after the argument that takes the line past 60 characters
    assert text.startswith(
        "\nCall:\nglm(formula = cbind(numdead, numalive) ~ sex * ldose, family = binomial(), \n"
        "    data = data)\n"
    )
    assert list(s.coefficients.columns) == ["Estimate", "Std. Error", "z value", "Pr(>|z|)"]
    np.testing.assert_allclose(s.coefficients["Estimate"], budworm.params, rtol=0)
    md = s.to_markdown()
    assert (
        "| sex[T.M]:ldose" in md
        and "\\*\\*\\*" in md
        and "Residual deviance: 4.9937 on 8 degrees of freedom" in md
    )
    tex = s.to_latex()
    assert "\\toprule" in tex and "sex[T.M]:ldose" in tex and "Pr(\\ensuremath{>}|z|)" in tex
    html = s.to_html()
    assert html == s._repr_html_() and "<table>" in html and "sex[T.M]:ldose" in html
    assert "AIC: 43.104" in html


def test_exports_escape_special_characters() -> None:
    d = rglm.datasets.load("mtcars").rename(columns={"wt": "w_t"})
    s = rglm.glm("mpg ~ w_t", d).summary()
    assert "w\\_t" in s.to_markdown()
    assert "w\\_t" in s.to_latex()


def test_zero_weights_warn_in_summary_as_r() -> None:
    # R 4.2.2: glm(mpg ~ wt, data = mtcars, weights = w) with w[1:3] = 0 gives AIC = Inf
    # (gaussian()$aic subtracts sum(log(wt))), nobs = 29, and summary() warns.
    d = rglm.datasets.load("mtcars")
    w = np.ones(len(d))
    w[:3] = 0
    m = rglm.glm("mpg ~ wt", d, weights=w)
    assert m.nobs == 29 and m.aic == math.inf and m.llf == -math.inf
    with pytest.warns(
        rglm.RGLMWarning, match="observations with zero weight not used for calculating dispersion"
    ):
        m.summary()


def test_call_names_the_data_variable() -> None:
    """As R's deparse(substitute(data)): the caller's variable, kept through update()."""
    budworm = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", budworm, family=rglm.Binomial())
    assert "    data = budworm)" in str(m.summary())
    assert "    data = budworm)" in str(m.update(". ~ . - sex:ldose").summary())
    anonymous = rglm.glm("y ~ x", pd.DataFrame({"y": [1.0, 2.0, 3.5, 4.0], "x": [1.0, 2.0, 3.0, 5.0]}))
    assert "data = data)" in str(anonymous.summary())


def test_covariance_and_table_are_the_dataframe_forms_to_the_bit(clotting: rglm.GLMResult) -> None:
    """The covariance is the unscaled one times the dispersion, the standard errors the roots
    of its diagonal, and the coefficient table those columns, whatever form they are read in."""
    m = clotting
    scaled = (m.normalized_cov_params * m.scale).to_numpy()
    np.testing.assert_array_equal(m.cov_params().to_numpy(), scaled)
    np.testing.assert_array_equal(m.bse.to_numpy(), np.sqrt(np.diag(scaled)))
    table = m.summary().coefficients
    np.testing.assert_array_equal(table.iloc[:, 0].to_numpy(), m.params.to_numpy())
    np.testing.assert_array_equal(table.iloc[:, 1].to_numpy(), m.bse.to_numpy())
    np.testing.assert_array_equal(table.iloc[:, 2].to_numpy(), m.tvalues.to_numpy())
    np.testing.assert_array_equal(table.iloc[:, 3].to_numpy(), m.pvalues.to_numpy())
    assert list(table.index) == list(m.params.index) == m.param_names
    # what a caller gets is a copy: editing it changes nothing in the model
    edited = m.coef_table()
    edited.iloc[:, :] = 99.0
    np.testing.assert_array_equal(m.coef_table().to_numpy(), table.to_numpy())
    assert m.params.iloc[0] != 99.0 and m.bse.iloc[0] != 99.0 and m.pvalues.iloc[0] != 99.0
    cov = m.normalized_cov_params
    cov.iloc[0, 0] = 123.0
    assert m.normalized_cov_params.iloc[0, 0] != 123.0
    assert m.cov_params().iloc[0, 0] != 123.0 * m.scale
