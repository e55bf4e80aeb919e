"""rglm.dirichlet against R's DirichletReg figures.

The cases in tests/data/dirichlet come from the shared reference's R maximisation of the
Dirichlet likelihood with DirichletReg's observed-information covariance (tests/r/dirichlet_lib.R,
checked against DirichletReg's own test values, and against VGAM for the common
parametrization's coefficients); tests/r/make_dirichlet_extra.R adds the alternative
parametrization with a constant precision, a subset and zero shares with transform=True.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rglm

HERE = Path(__file__).parent / "data" / "dirichlet"
CASES = sorted((HERE / "cases").glob("*.json"))
RTOL = 1e-6


def _arr(x: object) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _canon(name: str) -> str:
    s = name.replace("(Intercept)", "Intercept").replace(" ", "")
    return re.sub(r"\[T\.([^\]]*)\]", r"\1", s)


def _fit(path: Path) -> tuple[rglm.api.DirichletResult, dict]:
    case = json.loads(path.read_text())
    data = pd.read_csv(path.parent / case["python"]["data"])
    return rglm.dirichlet(case["python"]["formula"], data, **case["python"]["kwargs"]), case


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_matches_r(path: Path) -> None:
    m, case = _fit(path)
    r = case["r"]
    assert [_canon(n) for n in m.param_names] == [_canon(n) for n in r["coef_names"]]
    np.testing.assert_allclose(m.params.to_numpy(), _arr(r["coef"]), rtol=RTOL)
    np.testing.assert_allclose(m.bse.to_numpy(), _arr(r["se"]), rtol=RTOL)
    np.testing.assert_allclose(m.pvalues.to_numpy(), _arr(r["p"]), rtol=1e-4, atol=1e-300)
    np.testing.assert_allclose(m.cov_params().to_numpy(), _arr(r["vcov"]), rtol=RTOL, atol=1e-12)
    for attr, key in [("llf", "loglik"), ("aic", "aic"), ("bic", "bic"), ("nobs", "nobs")]:
        assert math.isclose(getattr(m, attr), r[key], rel_tol=RTOL), attr
    assert list(m.fittedvalues.columns) == r["components"]
    np.testing.assert_allclose(m.fittedvalues.to_numpy(), _arr(r["fitted"]), rtol=RTOL)
    new = pd.read_csv(path.parent / case["python"]["newdata"])
    for kind in ("response", "alpha", "precision"):
        np.testing.assert_allclose(m.predict(new, type=kind).to_numpy(), _arr(r["predict"][kind]), rtol=RTOL)
    text = str(m.summary())
    keep = (
        "Beta-Coefficients",
        "Coefficients for variable",
        "AIC:",
        "Number of Observations",
        "Link",
        "Parametrization",
    )
    for line in r["summary_text"].splitlines():
        if line.startswith(keep):
            assert line in text, line
    table = m.params_table
    assert (
        list(table.index)[: len(r["components"]) - 1]
        == [c for c in r["components"] if c in table.index][: len(r["components"]) - 1]
    )


def test_standardized_residual_quantiles() -> None:
    m, case = _fit(HERE / "cases" / "sediment_common.json")
    q = np.quantile(m.resid().to_numpy(), [0, 0.25, 0.5, 0.75, 1], axis=0).T
    np.testing.assert_allclose(np.round(q, 4), _arr(case["r"]["resid_quantiles"]), atol=1e-12)


def test_likelihood_is_the_dirichlet_density() -> None:
    from scipy import stats

    m, case = _fit(HERE / "cases" / "sediment_common.json")
    data = pd.read_csv(HERE / "data" / "sediment.csv")
    Y = data[["sand", "silt", "clay"]].to_numpy()
    A = m.alpha.to_numpy()
    ll = sum(stats.dirichlet.logpdf(Y[i] / Y[i].sum(), A[i]) for i in range(len(Y)))
    assert math.isclose(m.llf, ll, rel_tol=1e-9)


def test_bad_shares() -> None:
    data = pd.read_csv(HERE / "data" / "sediment_zero.csv")
    with pytest.raises(rglm.DataError, match=r"rows 4, 11\).*transform=True"):
        rglm.dirichlet("cbind(sand, silt, clay) ~ depth", data)
    iris = pd.read_csv(HERE / "data" / "iris_parts.csv")
    with pytest.raises(rglm.DataError, match="normalize=True"):
        rglm.dirichlet("cbind(sepal_length, sepal_width, petal_length, petal_width) ~ species", iris)
    sed = pd.read_csv(HERE / "data" / "sediment.csv")
    with pytest.raises(rglm.FormulaError, match="alternative"):
        rglm.dirichlet("cbind(sand, silt, clay) ~ depth | depth", sed)
    with pytest.raises(rglm.FormulaError, match="cbind"):
        rglm.dirichlet("sand ~ depth", sed)


def test_core_methods_work() -> None:
    m, _ = _fit(HERE / "cases" / "budget_alternative_weights.json")
    small = rglm.dirichlet(
        "cbind(food, housing, transport, other) ~ log(income) + urban",
        pd.read_csv(HERE / "data" / "budget.csv"),
        parametrization="alternative",
        weights="w",
    )
    lr = m.lr_test(small)
    assert math.isclose(lr.statistic, 2 * (m.llf - small.llf), rel_tol=1e-12)
    assert list(m.tidy()["term"]) == m.param_names
    assert m.params_table.loc["(phi)", "hhsize"] == m.params["(phi):hhsize"]
