"""Numerical extremes: rglm gives R's answer, or a clear error saying what to rescale."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rglm

DATA = Path(__file__).parent / "data"
R = json.loads((DATA / "extremes.json").read_text())


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    return pd.read_csv(DATA / "extremes.csv")


CASES = {
    "scales_gaussian": ("y ~ x1 + x2 + x3", rglm.Gaussian(), {}),
    "scales_poisson": ("cnt ~ x1 + x2 + x3", rglm.Poisson(), {}),
    "near_collinear": ("yc ~ z1 + z2", rglm.Gaussian(), {}),
    "tiny_gamma_log": ("ysmall ~ x1", rglm.Gamma(link="log"), {}),
    "logit_extreme_start": ("I(cnt > 1) ~ x1", rglm.Binomial(), {"start": [0.0, 60.0]}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_r(d: pd.DataFrame, name: str) -> None:
    formula, family, kw = CASES[name]
    r = R[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm(formula, d, family=family, **kw)
    # Coefficients spanning 1e-8 .. 1e7 agree with R's to the last bits.
    np.testing.assert_allclose(m.params, r["coef"], rtol=1e-12)
    np.testing.assert_allclose(m.bse, r["se"], rtol=1e-10)
    np.testing.assert_allclose(m.deviance, r["deviance"], rtol=1e-12)
    assert (m.iterations, m.converged, m.boundary) == (r["iter"], r["converged"], r["boundary"])
    assert bool(caught) == bool(r["warnings"])


def test_overflowing_response_says_what_to_rescale(d: pd.DataFrame) -> None:
    assert R["huge_gaussian"]["error"].startswith("no valid set of coefficients")
    with pytest.raises(
        rglm.FitError, match=r"no valid set of coefficients has been found.*rescale the response"
    ):
        rglm.glm("ybig ~ x1", d)


def test_eta_overflow_at_the_start_is_rs_error(d: pd.DataFrame) -> None:
    assert R["eta_overflow"]["error"] == "cannot find valid starting values: please specify some"
    with pytest.raises(rglm.FitError, match="cannot find valid starting values: please specify some"):
        rglm.glm("cnt ~ x1", d, family=rglm.Poisson(), start=[0.0, 800.0])


def test_link_clamps_keep_extreme_eta_finite() -> None:
    eta = np.array([-800.0, 800.0])
    assert np.all(np.isfinite(rglm.families.links.Logit().inverse(eta)))
    assert np.all(np.isfinite(rglm.families.links.Logit().mu_eta(eta)))
    assert rglm.families.links.Log().inverse(np.array([-800.0]))[0] > 0
    assert np.all(np.isfinite(rglm.families.links.CLogLog().mu_eta(eta)))
    assert np.all(np.isfinite(rglm.families.links.Probit().inverse(eta)))


def test_no_nan_coefficients_without_a_word() -> None:
    # Every NaN coefficient is an aliased one, and the summary says so.
    d = rglm.datasets.load("mtcars")
    m = rglm.glm("mpg ~ wt + wt2 + hp", d)
    assert m.params.isna().to_dict() == m.aliased.to_dict()
    assert "(1 not defined because of singularities)" in str(m.summary())
