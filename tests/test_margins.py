"""marginaleffects on rglm models (rglm.margins) against closed forms and the delta method.

Oracles are analytic: for :math:`\\mu_i = g^{-1}(x_i^T\\beta + o_i)` an average comparison is
:math:`\\bar\\Delta = n^{-1}\\sum_i \\mu(x_{i1}) - \\mu(x_{i0})` with gradient
:math:`n^{-1}\\sum_i \\mu'(\\eta_{i1})x_{i1} - \\mu'(\\eta_{i0})x_{i0}`, an average slope
:math:`n^{-1}\\sum_i \\mu'(\\eta_i)\\,d_i^T\\beta` (:math:`d_i = \\partial x_i/\\partial z`)
with gradient :math:`n^{-1}\\sum_i \\mu''(\\eta_i)(d_i^T\\beta)x_i + \\mu'(\\eta_i)d_i`, and the
standard error :math:`\\sqrt{\\nabla^T V\\nabla}`.

Tolerances: predictions and comparisons are exact sums, 1e-9 relative.  Slopes are
marginaleffects' central difference with step 1e-4 (truncation error about 1e-9 relative),
held to 1e-7.  Standard errors come from marginaleffects' forward-difference Jacobian (step
:math:`\\sqrt{\\epsilon}|\\beta_j|`): 1e-6 relative for predictions and comparisons.  For
slopes (a difference of central differences) that default step divides the slopes' rounding
error, about 1e-12, by about 1e-8, and the standard errors are off by up to 3e-3 whatever
the model; the tests pass ``eps_vcov=1e-7`` and hold them to 2e-5, marginaleffects'
finite-difference accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import special

import rglm

me = pytest.importorskip("marginaleffects")

#: marginaleffects' Jacobian step for slopes' standard errors: its default (about 1.5e-8
#: |beta_j|) divides the slopes' rounding error (~1e-12) by ~1e-8 and is off by up to ~3e-3;
#: a step of 1e-7 brings the finite-difference error to ~1e-6.
EPS_VCOV = 1e-7
SLOPE_SE_RTOL = 2e-5


def delta_se(grad: np.ndarray, V: Any) -> float:
    V = np.asarray(V, dtype=float)
    return float(np.sqrt(grad @ V @ grad))


def frame(result: Any) -> pd.DataFrame:
    out: pd.DataFrame = result.to_pandas()
    return out


# ----------------------------------------------------------------------------- Poisson with an offset
@pytest.fixture(scope="module")
def insurance() -> tuple[Any, pd.DataFrame]:
    d = rglm.datasets.load("insurance")
    d["District"] = d["District"].astype(float)
    m = rglm.glm("Claims ~ Age + District + offset(np.log(Holders))", d, family=rglm.Poisson())
    return m, d


def poisson_parts(m: Any, d: pd.DataFrame, **changes: Any) -> tuple[np.ndarray, np.ndarray]:
    new = d.assign(**changes)
    X = m.model_frame.spec.design(new)
    eta = X @ m.params.to_numpy() + np.log(new["Holders"].to_numpy())
    return X, np.exp(eta)


def test_predictions_replay_the_offset_on_both_scales(insurance: tuple[Any, pd.DataFrame]) -> None:
    m, d = insurance
    resp = frame(me.predictions(rglm.margins(m)))
    link = frame(me.predictions(rglm.margins(m, type="link")))
    want = m.predict(se_fit=True)
    np.testing.assert_allclose(resp["estimate"], want["fit"], rtol=1e-9)
    np.testing.assert_allclose(resp["std_error"], want["se_fit"], rtol=1e-6)
    want_link = m.predict(type="link", se_fit=True)
    np.testing.assert_allclose(link["estimate"], want_link["fit"], rtol=1e-9)
    np.testing.assert_allclose(link["std_error"], want_link["se_fit"], rtol=1e-6)


def test_poisson_offset_average_slope(insurance: tuple[Any, pd.DataFrame]) -> None:
    m, d = insurance
    b = m.params.to_numpy()
    j = list(m.params.index).index("District")
    X, mu = poisson_parts(m, d)
    slope = np.mean(mu * b[j])
    grad = (mu * b[j]) @ X / len(d)
    grad[j] += mu.mean()
    got = frame(me.avg_slopes(rglm.margins(m), variables="District", eps_vcov=EPS_VCOV))
    assert got["estimate"].iloc[0] == pytest.approx(slope, rel=1e-7)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=SLOPE_SE_RTOL)


def test_poisson_offset_average_comparison_with_sandwich(insurance: tuple[Any, pd.DataFrame]) -> None:
    m, d = insurance
    X1, mu1 = poisson_parts(m, d, Age=">35")
    X0, mu0 = poisson_parts(m, d, Age="<25")
    est = np.mean(mu1 - mu0)
    grad = (mu1 @ X1 - mu0 @ X0) / len(d)
    mm = rglm.margins(m)
    got = frame(me.avg_comparisons(mm, variables={"Age": ["<25", ">35"]}))
    assert got["estimate"].iloc[0] == pytest.approx(est, rel=1e-9)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=1e-6)
    rob = frame(me.avg_comparisons(mm, variables={"Age": ["<25", ">35"]}, vcov="HC3"))
    assert rob["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.robust("HC3").cov_params()), rel=1e-6)


# ----------------------------------------------------------------------------- logistic, interaction, factor
@pytest.fixture(scope="module")
def budworm() -> tuple[Any, pd.DataFrame]:
    d = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", d, family=rglm.Binomial())
    return m, d


def test_logistic_interaction_average_slope(budworm: tuple[Any, pd.DataFrame]) -> None:
    m, d = budworm
    names = list(m.params.index)
    b = m.params.to_numpy()
    X = m.model_frame.spec.design(d)
    mu = special.expit(X @ b)
    D = np.zeros_like(X)
    D[:, names.index("ldose")] = 1.0
    D[:, names.index("sex[T.M]:ldose")] = (d["sex"] == "M").to_numpy(dtype=float)
    s = D @ b
    d1, d2 = mu * (1 - mu), mu * (1 - mu) * (1 - 2 * mu)
    est = np.mean(d1 * s)
    grad = ((d2 * s) @ X + d1 @ D) / len(d)
    got = frame(me.avg_slopes(rglm.margins(m), variables="ldose", eps_vcov=EPS_VCOV))
    assert got["estimate"].iloc[0] == pytest.approx(est, rel=1e-7)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=SLOPE_SE_RTOL)


def test_logistic_factor_average_comparison(budworm: tuple[Any, pd.DataFrame]) -> None:
    m, d = budworm
    b = m.params.to_numpy()
    X1 = m.model_frame.spec.design(d.assign(sex="M"))
    X0 = m.model_frame.spec.design(d.assign(sex="F"))
    mu1, mu0 = special.expit(X1 @ b), special.expit(X0 @ b)
    est = np.mean(mu1 - mu0)
    grad = ((mu1 * (1 - mu1)) @ X1 - (mu0 * (1 - mu0)) @ X0) / len(d)
    got = frame(me.avg_comparisons(rglm.margins(m), variables="sex"))
    assert got["contrast"].iloc[0] == "M - F"
    assert got["estimate"].iloc[0] == pytest.approx(est, rel=1e-9)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=1e-6)


# ----------------------------------------------------------------------------- Gamma with prior weights
@pytest.fixture(scope="module")
def clotting() -> tuple[Any, pd.DataFrame]:
    c = rglm.datasets.load("clotting")
    d = pd.DataFrame(
        {
            "conc": np.concatenate([c["lot1"], c["lot2"]]),
            "u": np.tile(c["u"].to_numpy(dtype=float), 2),
            "lot": ["lot1"] * len(c) + ["lot2"] * len(c),
            "w": np.tile([1.0, 2.0, 3.0], 6),
        }
    )
    m = rglm.glm("conc ~ lot + np.log(u)", d, family=rglm.Gamma(), weights="w")
    return m, d


def test_gamma_prior_weights_weighted_average_slope(clotting: tuple[Any, pd.DataFrame]) -> None:
    m, d = clotting
    names = list(m.params.index)
    b = m.params.to_numpy()
    X = m.model_frame.spec.design(d)
    eta = X @ b
    D = np.zeros_like(X)
    D[:, names.index("np.log(u)")] = 1.0 / d["u"].to_numpy()
    s = D @ b
    d1, d2 = -1.0 / eta**2, 2.0 / eta**3  # inverse link: mu = 1 / eta
    w = d["w"].to_numpy()
    est = np.sum(w * d1 * s) / w.sum()
    grad = ((w * d2 * s) @ X + (w * d1) @ D) / w.sum()
    mm = rglm.margins(m)
    got = frame(me.avg_slopes(mm, variables="u", wts="w", eps_vcov=EPS_VCOV))
    assert got["estimate"].iloc[0] == pytest.approx(est, rel=1e-7)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=SLOPE_SE_RTOL)
    unweighted = frame(me.avg_slopes(mm, variables="u"))
    assert unweighted["estimate"].iloc[0] == pytest.approx(np.mean(d1 * s), rel=1e-7)


def test_gamma_weighted_average_comparison(clotting: tuple[Any, pd.DataFrame]) -> None:
    m, d = clotting
    b = m.params.to_numpy()
    X1 = m.model_frame.spec.design(d.assign(lot="lot2"))
    X0 = m.model_frame.spec.design(d.assign(lot="lot1"))
    mu1, mu0 = 1 / (X1 @ b), 1 / (X0 @ b)
    w = d["w"].to_numpy()
    est = np.sum(w * (mu1 - mu0)) / w.sum()
    grad = ((w * -(mu1**2)) @ X1 - (w * -(mu0**2)) @ X0) / w.sum()
    got = frame(me.avg_comparisons(rglm.margins(m), variables="lot", wts="w"))
    assert got["estimate"].iloc[0] == pytest.approx(est, rel=1e-9)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=1e-6)


# ----------------------------------------------------------------------------- the adapter itself
def test_weights_and_offset_arrays_become_columns() -> None:
    d = rglm.datasets.load("insurance")
    off = np.log(d["Holders"].to_numpy())
    w = np.linspace(1, 2, len(d))
    m = rglm.glm("Claims ~ Age", d, family=rglm.Poisson(), offset=off, weights=w)
    mm = rglm.margins(m)
    data = mm.get_modeldata()
    assert "(weights)" in data.columns and "(offset)" in data.columns
    got = frame(me.predictions(mm))
    np.testing.assert_allclose(got["estimate"], m.fittedvalues, rtol=1e-9)


def test_errors() -> None:
    with pytest.raises(rglm.ArgumentError, match="type must be"):
        rglm.margins(rglm.glm("breaks ~ wool", rglm.datasets.load("warpbreaks")), type="prob")
    with pytest.raises(rglm.ArgumentError, match="needs a fitted rglm GLM"):
        rglm.margins("model")


def test_negative_binomial_average_comparison() -> None:
    d = rglm.datasets.load("quine")
    m = rglm.glm_nb("Days ~ Eth + Age", d)
    b = m.params.to_numpy()
    X1 = m.model_frame.spec.design(d.assign(Eth="N"))
    X0 = m.model_frame.spec.design(d.assign(Eth="A"))
    mu1, mu0 = np.exp(X1 @ b), np.exp(X0 @ b)
    mm = rglm.margins(m)
    got = frame(me.avg_comparisons(mm, variables="Eth"))
    assert got["estimate"].iloc[0] == pytest.approx(np.mean(mu1 - mu0), rel=1e-9)
    grad = (mu1 @ X1 - mu0 @ X0) / len(d)
    assert got["std_error"].iloc[0] == pytest.approx(delta_se(grad, m.cov_params()), rel=1e-6)
    np.testing.assert_allclose(frame(me.predictions(mm))["estimate"], m.fittedvalues, rtol=1e-9)


def test_factor_coded_from_numbers() -> None:
    d = rglm.datasets.load("mtcars")
    m = rglm.glm("mpg ~ C(cyl) + wt", d)
    got = frame(me.avg_comparisons(rglm.margins(m), variables="cyl"))
    # Gaussian identity: the average difference from cyl = 4 is the coefficient itself.
    want = m.params[["C(cyl)[T.6]", "C(cyl)[T.8]"]].to_numpy()
    np.testing.assert_allclose(got["estimate"], want, rtol=1e-9)
    np.testing.assert_allclose(got["std_error"], m.bse[["C(cyl)[T.6]", "C(cyl)[T.8]"]], rtol=1e-6)
