"""Better than R where R gives up: when R's starting values lead the first step outside the
family's domain (R: "no valid set of coefficients has been found"), the fit restarts from the
intercept-only mean, warns, and reaches the maximum likelihood estimate (statsmodels' figures);
wherever R's start works nothing changes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import rglm

DATA = Path(__file__).parent / "data"


def _statsmodels(d: pd.DataFrame, family: sm.families.Family) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' DomainWarning for the identity link
        fit = sm.GLM(d["y"], sm.add_constant(d["x"]), family=family).fit(tol=1e-14, maxiter=500)
    return np.asarray(fit.params)


@pytest.mark.parametrize(
    ("name", "family", "oracle", "tol"),
    [
        (
            "start_poisson_identity.csv",
            rglm.Poisson(link="identity"),
            sm.families.Poisson(sm.families.links.Identity()),
            1e-12,
        ),
        (
            "start_gamma_identity.csv",
            rglm.Gamma(link="identity"),
            sm.families.Gamma(sm.families.links.Identity()),
            1e-16,
        ),
    ],
)
def test_restart_reaches_the_mle_where_r_stops(
    name: str, family: rglm.Family, oracle: sm.families.Family, tol: float
) -> None:
    d = pd.read_csv(DATA / name)  # R stops on these (make_start.R checks that it does)
    with pytest.warns(rglm.StartWarning, match="no valid set of coefficients.*intercept-only"):
        m = rglm.glm("y ~ x", d, family=family, tol=tol, max_iter=100)
    assert m.start_method == "intercept-only" and m.converged
    assert np.all(m.fittedvalues > 0)
    np.testing.assert_allclose(m.params.to_numpy(), _statsmodels(d, oracle), rtol=1e-6)


def test_r_start_that_works_is_kept() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = rglm.glm(
            "counts ~ C(outcome) + C(treatment)", rglm.datasets.load("dobson"), family=rglm.Poisson()
        )
    assert m.start_method == "R" and m.fit.iterations == 4  # R: "Number of Fisher Scoring iterations: 4"


def test_given_start_is_never_replaced() -> None:
    d = pd.read_csv(DATA / "start_poisson_identity.csv")
    with pytest.raises(rglm.FitError, match="no valid set of coefficients"):
        rglm.glm("y ~ x", d, family=rglm.Poisson(link="identity"), mustart=d["y"] + 0.1)


def test_no_valid_restart_keeps_r_error() -> None:
    """Without an intercept the intercept-only mean cannot be matched: R's error stands."""
    d = pd.read_csv(DATA / "start_poisson_identity.csv").assign(x=lambda f: f["x"] - 5)
    with pytest.raises(rglm.FitError, match="no valid set of coefficients"):
        rglm.glm("y ~ 0 + x", d, family=rglm.Poisson(link="identity"))
