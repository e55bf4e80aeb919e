"""The Exponential family against R: glm with Gamma's IRLS and the exponential likelihood.

The cases in tests/data/exponential come from ``stats::glm`` with ``Gamma(link)`` given the
exponential AIC (tests/r/exponential_lib.R, tests/r/make_exponential_extra.R), summarised with
``dispersion = 1``, and cross-checked there against ``survival::survreg(dist = "exponential")``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rglm

HERE = Path(__file__).parent / "data" / "exponential"
CASES = sorted((HERE / "cases").glob("*.json"))
RTOL = 1e-6


def _arr(x: object) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(x)], dtype=float)  # type: ignore[arg-type]


def _fit(path: Path) -> tuple[rglm.GLMResult, dict, pd.DataFrame]:
    case = json.loads(path.read_text())
    py = case["python"]
    data = pd.read_csv(path.parent / py["data"])
    m = rglm.glm(py["formula"], data, family=rglm.Exponential(**py["family_args"]), **py["kwargs"])
    return m, case, data


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_matches_r(path: Path) -> None:
    m, case, _ = _fit(path)
    r = case["r"]
    np.testing.assert_allclose(m.params.to_numpy(), _arr(r["coef"]), rtol=RTOL)
    np.testing.assert_allclose(m.bse.to_numpy(), _arr(r["se"]), rtol=RTOL)
    np.testing.assert_allclose(m.tvalues.to_numpy(), _arr(r["z"]), rtol=RTOL)
    np.testing.assert_allclose(m.pvalues.to_numpy(), _arr(r["p"]), rtol=1e-4, atol=1e-300)
    np.testing.assert_allclose(m.cov_params().to_numpy(), np.array(r["vcov"]), rtol=RTOL, atol=1e-14)
    for attr, key in [("llf", "loglik"), ("aic", "aic"), ("bic", "bic"), ("deviance", "deviance")]:
        assert math.isclose(getattr(m, attr), r[key], rel_tol=RTOL), attr
    assert m.scale == 1.0 and not m.use_t
    assert m.df_resid == r["df_resid"] and m.nobs == r["nobs"]
    np.testing.assert_allclose(np.asarray(m.fittedvalues), _arr(r["fitted"]), rtol=RTOL)
    np.testing.assert_allclose(np.asarray(m.resid_deviance), _arr(r["resid_deviance"]), rtol=RTOL, atol=1e-9)
    new = pd.read_csv(path.parent / case["python"]["newdata"])
    p = m.predict(new, type="response", se_fit=True)
    np.testing.assert_allclose(p["fit"].to_numpy(), _arr(r["predict_response"]), rtol=RTOL)
    np.testing.assert_allclose(p["se_fit"].to_numpy(), _arr(r["predict_response_se"]), rtol=RTOL)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_summary_anova_drop1(path: Path) -> None:
    m, case, _ = _fit(path)
    r = case["r"]
    text = str(m.summary())
    assert "(Dispersion parameter for Exponential family taken to be 1)" in text
    for line in r["summary_text"].splitlines():
        if line.startswith(("Residual deviance:", "AIC:", "Number of Fisher")):
            assert line in text
    if "anova" in r:
        a = rglm.anova(m, test="Chisq")
        np.testing.assert_allclose(a["Resid. Dev"].to_numpy(), _arr(r["anova"]["resid_dev"]), rtol=RTOL)
        np.testing.assert_allclose(a["Pr(>Chi)"].to_numpy(), _arr(r["anova"]["p"]), rtol=1e-4)
        d = rglm.drop1(m, test="Chisq")
        np.testing.assert_allclose(d["AIC"].to_numpy(), _arr(r["drop1"]["aic"]), rtol=RTOL)
        np.testing.assert_allclose(d["LRT"].to_numpy(), _arr(r["drop1"]["lrt"]), rtol=RTOL)


def test_loglik_is_the_exponential_density() -> None:
    """Closed form: at any fit, llf = sum(w * log dexp(y; 1/mu)), with scipy's density."""
    from scipy import stats

    m, case, data = _fit(HERE / "cases" / "gen_weights_offset_log.json")
    w = data["w"].to_numpy()
    ll = np.sum(w * stats.expon.logpdf(data["y"].to_numpy(), scale=np.asarray(m.fittedvalues)))
    assert math.isclose(m.llf, ll, rel_tol=1e-12)
    assert math.isclose(m.aic, -2 * ll + 2 * len(m.params), rel_tol=1e-12)


def test_rejects_non_positive_response() -> None:
    d = pd.DataFrame({"y": [1.0, 0.0, 2.0, 3.0], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(rglm.DomainError, match="Exponential"):
        rglm.glm("y ~ x", d, family=rglm.Exponential())


def test_family_by_name() -> None:
    m, _, data = _fit(HERE / "cases" / "veteran_log_factor.json")
    by_name = rglm.glm("time ~ karno + celltype", data, family="exponential")
    assert by_name.family == rglm.Exponential() and math.isclose(by_name.llf, m.llf, rel_tol=1e-12)
