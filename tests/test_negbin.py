"""Negative binomial regression with theta estimated, against MASS::glm.nb.

The cases under tests/data/r_negbin are made by tests/r/make_negbin_cases.R with R 4.2.2
and MASS 7.3: several datasets, links, weights, offsets, subsets, missing values, a given
``init.theta``, a tiny ``maxit`` (MASS's warnings) and data without over-dispersion, where
theta runs off.  Every figure R reports is compared at a relative 1e-6, theta included.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rcases import r_key as _key

import rglm
from rglm.api import glm_nb
from rglm.fit.negbin import ThetaConvergenceWarning, theta_ml
from rglm.inference.negbin import anova_negbin

HERE = Path(__file__).parent / "data"
CASES = sorted(
    p for p in (HERE / "r_negbin" / "cases").glob("*.json") if not p.stem.startswith(("anova_", "trace_"))
)
ANOVA_CASES = sorted((HERE / "r_negbin" / "cases").glob("anova_*.json"))
RTOL = 1e-6
# When theta runs off to infinity (no over-dispersion), MASS stops at the iteration limit, at
# a theta decided by rounding in the differences of digamma values.  R's digamma and scipy's
# differ in the last bit, which moves that theta (and its SE) by up to ~1e-6; every other
# figure still agrees at RTOL.
RUNOFF_RTOL = 1e-5
THETA_WARNINGS = ("iteration limit reached", "alternation limit reached", "estimate truncated at zero")


def _close(got: Any, want: Any, rtol: float = RTOL) -> None:
    g = np.asarray(got, dtype=float)
    w = np.array([np.nan if v is None else v for v in np.ravel(want)], dtype=float).reshape(g.shape)
    atol = 1e-10 * float(np.nanmax(np.abs(w), initial=0.0))
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


def _fit(path: Path) -> tuple[rglm.GLMResult, dict, pd.DataFrame, list[warnings.WarningMessage]]:
    case = json.loads(path.read_text())
    py = case["python"]
    data = pd.read_csv(HERE / py["data"])
    fam = rglm.NegativeBinomial(link=py["link"] or "log", init_theta=py["init_theta"])
    kwargs = {
        k: py[k] for k in ("weights", "offset", "subset", "na_action", "max_iter") if py.get(k) is not None
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm(py["formula"], data, family=fam, **kwargs)
    return m, case["r"], data, caught


@pytest.fixture(scope="module", params=CASES, ids=[p.stem for p in CASES])
def case(request: pytest.FixtureRequest) -> tuple[rglm.GLMResult, dict, pd.DataFrame, list]:
    return _fit(request.param)


def _order(m: rglm.GLMResult, r: dict) -> list[int]:
    ours = {_key(n): i for i, n in enumerate(m.params.index)}
    assert set(ours) == {_key(n) for n in r["coef_names"]}, (list(m.params.index), r["coef_names"])
    return [ours[_key(n)] for n in r["coef_names"]]


def _runoff(r: dict) -> bool:
    return r["th_warn"] == "iteration limit reached" and r["theta"] > 1e4


def test_theta(case: tuple) -> None:
    m, r, _, _ = case
    tol = RUNOFF_RTOL if _runoff(r) else RTOL
    _close(m.theta, r["theta"], tol)
    _close(m.theta_se, r["se_theta"], tol)
    _close(m.twologlik, r["twologlik"])
    # The fit's family is that of the last IRLS fit: theta of the alternation before.
    assert isinstance(m.family, rglm.NegativeBinomial)
    _close(m.family.theta, r["family_theta"], tol)
    assert _masked(m.family.name)[0] == _masked(r["family_name"])[0]
    _close(_masked(m.family.name)[1], _masked(r["family_name"])[1], tol)
    assert (m.negbin.warning if m.negbin else None) == r["th_warn"]


def test_warnings(case: tuple) -> None:
    _, r, _, caught = case
    ours = [str(w.message) for w in caught if issubclass(w.category, ThetaConvergenceWarning)]
    for text in THETA_WARNINGS:
        assert sum(text in w for w in ours) == r["warnings"].count(text), (text, ours, r["warnings"])
    irls = [
        w
        for w in caught
        if issubclass(w.category, rglm.ConvergenceWarning)
        and not issubclass(w.category, ThetaConvergenceWarning)
    ]
    assert len(irls) == r["warnings"].count("glm.fit: algorithm did not converge")
    assert len(caught) == len(r["warnings"]), [str(w.message) for w in caught]


def test_coefficients(case: tuple) -> None:
    m, r, _, _ = case
    idx = _order(m, r)
    _close(m.params.to_numpy()[idx], r["coef"])
    _close(m.bse.to_numpy()[idx], r["se"])
    _close(m.tvalues.to_numpy()[idx], r["stat"])
    _close(m.pvalues.to_numpy()[idx], r["p"])
    assert list(m.aliased.to_numpy()[idx]) == r["aliased"]
    assert not m.use_t and r["stat_name"] == "z value"


def test_fit_figures(case: tuple) -> None:
    m, r, _, _ = case
    _close(m.deviance, r["deviance"])
    _close(m.null_deviance, r["null_deviance"])
    assert (m.df_resid, m.df_null, m.nobs) == (r["df_residual"], r["df_null"], r["nobs"])
    assert (m.iterations, m.converged) == (r["iter"], r["converged"])
    assert m.scale == r["dispersion"] == 1
    _close(m.aic, r["aic"])
    _close(m.bic, r["bic"])
    _close(m.llf, r["loglik"])
    assert m.rank + 1 == r["loglik_df"]


def test_residuals_and_fitted(case: tuple) -> None:
    m, r, _, _ = case
    _close(m.fittedvalues, r["fitted"])
    _close(m.linear_predictors, r["linear_predictors"])
    for kind in ("pearson", "working", "response"):
        _close(getattr(m, f"resid_{kind}"), r[f"resid_{kind}"])
    # Where y equals the fitted mean up to rounding, the unit deviance is a few ulps and its
    # square root ~1e-8: compare those on the vector's scale at sqrt(machine epsilon).
    dev = np.asarray(r["resid_deviance"], dtype=float)
    np.testing.assert_allclose(m.resid_deviance, dev, rtol=RTOL, atol=1.5e-8 * np.nanmax(np.abs(dev)))


def test_covariance_prediction_intervals(case: tuple) -> None:
    m, r, data, _ = case
    idx = _order(m, r)
    _close(
        m.cov_params().to_numpy()[np.ix_(idx, idx)],
        np.array([[np.nan if v is None else v for v in row] for row in r["vcov"]]),
    )
    new = data.iloc[r["predict_rows"]]
    for kind in ("link", "response"):
        p = m.predict(new, type=kind, se_fit=True)
        _close(p["fit"], r[f"predict_{kind}"])
        _close(p["se_fit"], r[f"predict_{kind}_se"])
    ci = m.conf_int().to_numpy()[idx]
    _close(ci[:, 0], r["confint_wald"]["lower"])
    _close(ci[:, 1], r["confint_wald"]["upper"])


def _sections(text: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The call, the coefficient rows (name -> figures) and the lines from the family line on."""
    lines = text.splitlines()
    c0 = lines.index("Call:") + 1
    call = lines[c0 : lines.index("", c0)]
    start = next(i for i, line in enumerate(lines) if line.startswith("Coefficients:"))
    width = len(lines[start + 1]) - len(lines[start + 1].lstrip())
    rows: dict[str, list[str]] = {}
    i = start + 2
    while i < len(lines) and lines[i].strip() and not lines[i].startswith("---"):
        rows[_key(lines[i][:width].strip())] = lines[i][width:].split()
        i += 1
    tail = next(j for j, line in enumerate(lines) if line.startswith("(Dispersion parameter"))
    return call, rows, [lines[start]] + lines[tail:]


_THETA_TEXT = re.compile(
    r"(?<=Negative Binomial\()[0-9.e+]+|(?<=init\.theta = )[0-9.e+]+"
    r"|(?<=Theta:  )[0-9.e+]+|(?<=Std\. Err\.:  )[0-9.e+]+"
)


def _masked(text: str) -> tuple[str, list[float]]:
    """``text`` with the printed theta (family name, ``init.theta =``, ``Theta:``) and its
    standard error replaced by "#", and those numbers."""
    return _THETA_TEXT.sub("#", text), [float(v) for v in _THETA_TEXT.findall(text)]


def test_summary_text(case: tuple) -> None:
    m, r, _, _ = case
    ours = str(m._replace(data_name="d").summary())
    if _runoff(r):
        (ours, got_theta), (want, want_theta) = _masked(ours), _masked(r["summary_text"])
        _close(got_theta, want_theta, RUNOFF_RTOL)
    else:
        want = r["summary_text"]
    want_call, want_rows, want_tail = _sections(want)
    got_call, got_rows, got_tail = _sections(ours)
    assert got_rows == want_rows
    # capture.output() drops R's final newline; everything else, MASS's theta lines included, is identical.
    assert got_tail == want_tail
    assert ours.endswith(want_tail[-1] + "\n")
    assert "Deviance Residuals" not in ours  # R >= 4.3 layout
    if "C(" not in m.formula and "control" not in r["call"]:  # formulaic's C() is R's factor()
        assert got_call == want_call


def test_fixed_theta_keeps_glm_behaviour() -> None:
    """negative.binomial(theta) in glm(): R's glm AIC and estimated dispersion, theta_se None."""
    path = HERE / "r_cases" / "cases" / "quine_negbin_fixed.json"
    r = json.loads(path.read_text())["r"]
    data = pd.read_csv(HERE / "r_cases" / "data" / "quine.csv")
    m = rglm.glm("Days ~ Eth + Sex + Lrn", data, family=rglm.NegativeBinomial(theta=2))
    assert m.theta == 2.0 and m.theta_se is None and m.twologlik is None and m.negbin is None
    _close(m.aic, r["aic"])
    _close(m.scale, r["dispersion"])
    assert m.use_t
    assert "Theta:" not in str(m.summary())


def test_other_families_have_no_theta() -> None:
    m = rglm.glm("count ~ spray", rglm.datasets.load("insectsprays"), family=rglm.Poisson())
    assert m.theta is None and m.theta_se is None and m.twologlik is None


@pytest.mark.parametrize("path", ANOVA_CASES, ids=[p.stem for p in ANOVA_CASES])
def test_anova_negbin(path: Path) -> None:
    case = json.loads(path.read_text())
    r, py = case["r"], case["python"]
    data = pd.read_csv(HERE / py["data"])
    models = [glm_nb(f, data) for f in py["formulas"]]
    a = anova_negbin(models)
    assert list(a.columns) == [
        "Model",
        "theta",
        "Resid. df",
        "2 x log-lik.",
        "Test",
        "df",
        "LR stat.",
        "Pr(Chi)",
    ]
    assert list(a["Model"]) == r["model"]
    assert list(a["Test"]) == r["test"]
    for col, key in (
        ("theta", "theta"),
        ("Resid. df", "resid_df"),
        ("2 x log-lik.", "twologlik"),
        ("df", "df"),
        ("LR stat.", "lr"),
        ("Pr(Chi)", "p"),
    ):
        _close(a[col], r[key])
    assert a.attrs["heading"] == r["heading"]
    assert list(a.index) == list(range(1, len(models) + 1))


def test_anova_negbin_rejects() -> None:
    data = rglm.datasets.load("quine")
    nb = glm_nb("Days ~ Eth", data)
    fixed = rglm.glm("Days ~ Eth + Age", data, family=rglm.NegativeBinomial(theta=1.2))
    with pytest.raises(rglm.ArgumentError, match="two or more"):
        anova_negbin([nb])
    with pytest.raises(rglm.ArgumentError, match="model 2 is not"):
        anova_negbin([nb, fixed])
    with pytest.warns(rglm.RGLMWarning, match="only Chi-squared"):
        anova_negbin([nb, glm_nb("Days ~ Eth + Age", data)], test="F")


def test_theta_ml_closed_form_checks() -> None:
    """At the estimate the score is zero and the SE is the inverse root of the information
    at the start of the last step; a constant-mean model agrees with the moment equation."""
    data = rglm.datasets.load("quine")
    m = glm_nb("Days ~ Eth + Sex + Age + Lrn", data)
    y, mu = m.fit.y, m.fittedvalues.to_numpy()
    est = theta_ml(y, mu, limit=25)
    from scipy import special

    th = est.theta
    score = np.sum(
        special.digamma(th + y)
        - special.digamma(th)
        + np.log(th)
        + 1
        - np.log(th + mu)
        - (y + th) / (mu + th)
    )
    assert abs(score) < 1e-8
    info = np.sum(
        -special.polygamma(1, th + y)
        + special.polygamma(1, th)
        - 1 / th
        + 2 / (mu + th)
        - (y + th) / (mu + th) ** 2
    )
    assert est.se == pytest.approx(1 / math.sqrt(info), rel=1e-4)
    # Weights of 2 are the data twice over: the same estimate.
    twice = theta_ml(np.concatenate([y, y]), np.concatenate([mu, mu]), limit=25)
    weighted = theta_ml(y, mu, weights=np.full_like(y, 2.0), limit=25)
    assert weighted.theta == pytest.approx(twice.theta, rel=1e-12)
    assert weighted.se == pytest.approx(twice.se, rel=1e-12)


def test_update_and_fixed_refit() -> None:
    """update() re-estimates theta; at a tight tolerance the coefficients are the MLE of
    beta given theta, so a fit with the estimated theta held fixed gives them too."""
    data = rglm.datasets.load("quine")
    m = glm_nb("Days ~ Eth + Sex + Age + Lrn", data, tol=1e-13)
    small = m.update(". ~ . - Lrn")
    direct = glm_nb("Days ~ Eth + Sex + Age", data, tol=1e-13)
    assert small.theta == direct.theta and small.negbin is not None
    fixed = rglm.glm(
        "Days ~ Eth + Sex + Age + Lrn", data, family=rglm.NegativeBinomial(theta=m.theta), tol=1e-13
    )
    # IRLS stops on the deviance, so coefficients are good to about sqrt(tol).
    _close(fixed.params, m.params.to_numpy(), rtol=1e-5)
    _close(fixed.deviance, m.deviance, rtol=1e-10)


def test_bad_input() -> None:
    data = rglm.datasets.load("quine")
    with pytest.raises(rglm.FamilyError, match="init_theta must be a positive number, got -1"):
        rglm.NegativeBinomial(init_theta=-1)
    with pytest.raises(rglm.FamilyError, match="init_theta must be a positive number"):
        rglm.NegativeBinomial(init_theta="a")
    with pytest.raises(rglm.FamilyError, match="not both"):
        rglm.NegativeBinomial(theta=1, init_theta=2)
    neg = data.assign(Days=data["Days"] - 3)
    with pytest.raises(
        rglm.DomainError, match="negative values not allowed for the negative binomial family"
    ):
        glm_nb("Days ~ Eth", neg)
    frac = data.assign(Days=data["Days"] + 0.5)
    with pytest.warns(rglm.NonIntegerWarning, match="non-integer x = 2.500000"):
        glm_nb("Days ~ Eth", frac)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with init.theta R does not fit a Poisson first, so does not warn
        glm_nb("Days ~ Eth", frac, init_theta=1.0)
    assert "Days" in data and data["Days"].min() == 0  # the caller's frame is untouched


def test_trace_messages(capsys: pytest.CaptureFixture[str]) -> None:
    """MASS's messages at control$trace = 3, line for line (IRLS's own deviance lines aside)."""
    case = json.loads((HERE / "r_negbin" / "cases" / "trace_quine.json").read_text())
    py = case["python"]
    glm_nb(py["formula"], pd.read_csv(HERE / py["data"]), trace=py["trace"])
    captured = capsys.readouterr()
    assert captured.err.splitlines() == case["r"]["messages"]


def test_runoff_warns_and_returns() -> None:
    """Counts without over-dispersion: theta grows without bound; MASS's warning, saying to fit a
    Poisson model, and a usable fit close to the Poisson one."""
    data = pd.read_csv(HERE / "r_negbin" / "data" / "poisson_like.csv")
    with pytest.warns(ThetaConvergenceWarning, match="iteration limit reached.*fit a Poisson model instead"):
        m = glm_nb("y ~ x + g", data)
    pois = rglm.glm("y ~ x + g", data, family=rglm.Poisson())
    assert m.theta is not None and m.theta > 1e4
    _close(m.params, pois.params.to_numpy(), rtol=1e-3)


def test_theta_ml_truncated_at_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """MASS's rule: a negative estimate after the last step becomes 0 with a warning; glm.nb
    cannot go on from theta = 0, which is a clear error."""
    import rglm.fit.negbin as nb

    monkeypatch.setattr(nb, "_score", lambda th, mu, y, w: -1e6)
    monkeypatch.setattr(nb, "_info", lambda th, mu, y, w: 1.0)
    y = np.array([1.0, 4.0, 0.0, 7.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = theta_ml(y, np.full(4, 3.0), limit=2)
    texts = [str(w.message) for w in caught if issubclass(w.category, ThetaConvergenceWarning)]
    assert len(texts) == 2 and "truncated at zero" in texts[0] and "iteration limit reached" in texts[1]
    assert est.theta == 0.0 and est.se == 1.0 and est.warning == "iteration limit reached"
    with pytest.raises(rglm.FitError, match="estimate of theta is 0.0"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm_nb("Days ~ Eth", rglm.datasets.load("quine"))
