"""rglm.betareg against R's betareg figures.

The cases in tests/data/betareg were made by the shared reference's R code for betareg's
likelihood, expected information, residuals and summary (tests/r/betareg_lib.R, a reading of
betareg 3.2's sources, checked against betareg's own output), with glmmTMB or VGAM fitting the
same MLE independently; tests/r/make_betareg_extra.R adds the cauchit and log links, offset()
terms in both parts, missing values, a subset, weights and a response with exact 0s and 1s.
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

HERE = Path(__file__).parent / "data" / "betareg"
CASES = sorted((HERE / "cases").glob("*.json"))
FITS = [p for p in CASES if "expect_error" not in json.loads(p.read_text())]
ERRORS = [p for p in CASES if p not in FITS]
RTOL = 1e-6


def _arr(x: object) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _canon(name: str) -> str:
    s = name.replace("(Intercept)", "Intercept").replace(" ", "")
    return re.sub(r"\[T\.([^\]]*)\]", r"\1", s)


def _fit(path: Path) -> tuple[rglm.api.BetaregResult, dict, pd.DataFrame]:
    case = json.loads(path.read_text())
    data = pd.read_csv(path.parent / case["python"]["data"])
    m = rglm.betareg(case["python"]["formula"], data, **case["python"]["kwargs"])
    return m, case, data


@pytest.mark.parametrize("path", FITS, ids=[p.stem for p in FITS])
def test_estimates_and_fit_figures(path: Path) -> None:
    m, case, _ = _fit(path)
    r = case["r"]
    assert [_canon(n) for n in m.param_names] == [_canon(n) for n in r["coef_names"]]
    np.testing.assert_allclose(m.params.to_numpy(), _arr(r["coef"]), rtol=RTOL)
    np.testing.assert_allclose(m.bse.to_numpy(), _arr(r["se"]), rtol=RTOL)
    np.testing.assert_allclose(m.tvalues.to_numpy(), _arr(r["z"]), rtol=RTOL)
    np.testing.assert_allclose(m.pvalues.to_numpy(), _arr(r["p"]), rtol=1e-4, atol=1e-300)
    np.testing.assert_allclose(m.cov_params().to_numpy(), _arr(r["vcov"]), rtol=RTOL, atol=1e-12)
    for attr, key in [("llf", "loglik"), ("aic", "aic"), ("bic", "bic")]:
        assert math.isclose(getattr(m, attr), r[key], rel_tol=RTOL), attr
    assert m.nobs == r["nobs"] and m.df_resid == r["df_resid"] and m.converged
    if r["pseudo_r2"] is None:
        assert math.isnan(m.pseudo_rsquared)
    else:
        assert math.isclose(m.pseudo_rsquared, r["pseudo_r2"], rel_tol=RTOL)
    np.testing.assert_allclose(m.fittedvalues.to_numpy(), _arr(r["fitted"]), rtol=RTOL)


@pytest.mark.parametrize("path", FITS, ids=[p.stem for p in FITS])
def test_residuals_predictions_summary(path: Path) -> None:
    m, case, _ = _fit(path)
    r = case["r"]
    for kind, want in r["resid"].items():
        got = m.resid(type=kind).to_numpy()
        np.testing.assert_allclose(got, _arr(want), rtol=RTOL, atol=1e-9 * np.max(np.abs(want)), err_msg=kind)
    np.testing.assert_allclose(m.resid().to_numpy(), _arr(r["resid"]["sweighted2"]), rtol=RTOL)
    quantile = m.resid(type="quantile").to_numpy()
    np.testing.assert_allclose(quantile, _arr(case["extra"]["resid_quantile"]), rtol=RTOL, atol=1e-9)
    new = pd.read_csv(path.parent / case["python"]["newdata"])
    for kind in ("response", "link", "precision", "variance"):
        np.testing.assert_allclose(m.predict(new, type=kind).to_numpy(), _arr(r["predict"][kind]), rtol=RTOL)
    np.testing.assert_allclose(
        m.predict(new, type="quantile").to_numpy(), _arr(r["predict"]["quantile_median"]), rtol=RTOL
    )
    at = case["python"]["quantile_at"]
    np.testing.assert_allclose(
        m.predict(new, type="quantile", at=at).to_numpy(), _arr(r["predict"]["quantile"]), rtol=RTOL
    )
    text = str(m.summary())
    for line in r["summary_text"].splitlines():
        if line.startswith(
            ("Coefficients (mean", "Phi coefficients", "Type of estimator", "Log-likelihood", "Pseudo R")
        ):
            assert line in text


@pytest.mark.parametrize("path", ERRORS, ids=[p.stem for p in ERRORS])
def test_zero_or_one_is_an_error_naming_the_rows(path: Path) -> None:
    case = json.loads(path.read_text())
    data = pd.read_csv(path.parent / case["python"]["data"])
    with pytest.raises(rglm.DataError) as err:
        rglm.betareg(case["python"]["formula"], data, **case["python"]["kwargs"])
    msg = str(err.value)
    assert "0.5" in msg
    assert all(re.search(rf"\b{r}\b", msg) for r in case["expect_error"]["rows"])


def test_likelihood_is_the_beta_density() -> None:
    """Closed form: the log-likelihood is the weighted sum of scipy's beta log-density at the fit."""
    from scipy import stats

    m, _, data = _fit(HERE / "cases" / "gen_cloglog_sqrt_weights_offset.json")
    mu, phi = m.fittedvalues.to_numpy(), m.precision.to_numpy()
    ll = np.sum(data["w"] * stats.beta.logpdf(data["y"], mu * phi, (1 - mu) * phi))
    assert math.isclose(m.llf, ll, rel_tol=1e-12)


def test_score_vanishes_and_lr_test_against_constant_precision() -> None:
    m, _, data = _fit(HERE / "cases" / "savings_probit_phi_log.json")
    small = rglm.betareg("savings ~ pop15 + log(dpi)", data, link="probit", link_phi="log")
    lr = m.lr_test(small)
    assert math.isclose(lr.statistic, 2 * (m.llf - small.llf), rel_tol=1e-12)
    assert small.param_names[-1] == "(phi)_Intercept"


def test_core_methods_work(tmp_path: Path) -> None:
    m, _, _ = _fit(HERE / "cases" / "swiss_exam_logit.json")
    assert list(m.tidy()["term"]) == m.param_names
    assert math.isclose(float(m.glance()["AIC"].iloc[0]), m.aic)
    m.save(tmp_path / "m.pkl")
    back = rglm.load(tmp_path / "m.pkl")
    np.testing.assert_array_equal(back.params.to_numpy(), m.params.to_numpy())
    assert "(phi)" in str(rglm.compare({"beta": m}))


def test_bad_arguments() -> None:
    data = pd.read_csv(HERE / "data" / "swiss.csv")
    with pytest.raises(rglm.ArgumentError, match="link"):
        rglm.betareg("exam ~ Education", data, link="identity")
    with pytest.raises(rglm.ArgumentError, match="link_phi"):
        rglm.betareg("exam ~ Education", data, link_phi="inverse")
    with pytest.raises(rglm.FormulaError, match="parts"):
        rglm.betareg("exam ~ Education | Catholic | Agriculture", data)
    m = rglm.betareg("exam ~ Education", data)
    with pytest.raises(rglm.ArgumentError, match="type"):
        m.resid(type="working")


def test_formula_parts_are_split_by_formulaic() -> None:
    from rglm.frame.parts import split_parts

    assert split_parts("y ~ x - 1 | z + offset(o)") == ("y", ["x - 1", "1 + z + offset(o)"])
    assert split_parts("y ~ a*b") == ("y", ["1 + a + b + a:b"])
    data = pd.read_csv(HERE / "data" / "swiss.csv")
    m = rglm.betareg("exam ~ Education - 1 | Catholic", data)
    assert m.param_names == ["Education", "(phi)_Intercept", "(phi)_Catholic"]
