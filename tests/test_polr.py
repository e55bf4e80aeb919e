"""rglm.polr against R: MASS::polr evaluated at ordinal::clm's exact MLE.

The cases under tests/data/r_polr (the shared reference cases and those of
tests/r/make_polr_cases.R) hold clm's estimates and covariance (Newton with the analytic
Hessian, gradient below 1e-12: the tight oracle, matched here to 1e-6) and every figure MASS's
own methods give there: fitted probabilities, predictions, Wald and profile intervals, the
printed summary and the anova table.  Closed forms check the solver on its own.
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
from scipy import special

import rglm
from rglm.cli import main as cli_main
from rglm.fit.polr import METHODS, cell_probabilities, cumulative, fit_polr, quantile
from rglm.inference.polr import r_approx, r_spline

HERE = Path(__file__).parent / "data" / "r_polr"
CASES = sorted((HERE / "cases").glob("*.json"))
FIT_CASES = [p for p in CASES if "expect_error" not in json.loads(p.read_text())]
ERROR_CASES = [p for p in CASES if "expect_error" in json.loads(p.read_text())]


def _list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list) else [x]


def _arr(x: Any) -> np.ndarray:
    return np.array(
        [[np.nan if v is None else v for v in _list(r)] for r in x]
        if isinstance(x, list) and x and isinstance(x[0], list)
        else [np.nan if v is None else v for v in _list(x)],
        dtype=float,
    )


def _read(case: dict[str, Any], rel: str) -> pd.DataFrame:
    data = pd.read_csv(HERE / "cases" / rel)
    for col, spec in (case["python"].get("categorical") or {}).items():
        if col in data.columns:
            data[col] = pd.Categorical(
                data[col], categories=_list(spec["levels"]), ordered=bool(spec["ordered"])
            )
    return data


def _kwargs(case: dict[str, Any], data: pd.DataFrame) -> dict[str, Any]:
    py = case["python"]
    kw = dict(py.get("kwargs") or {})
    if py.get("subset"):
        kw["subset"] = (data[py["subset"]["column"]] == py["subset"]["equals"]).to_numpy()
    return kw


def _close(got: Any, want: Any, rtol: float = 1e-6) -> None:
    g, w = np.asarray(got, dtype=float), _arr(want) if not isinstance(want, np.ndarray) else want
    g = g.reshape(w.shape)
    scale = np.maximum(np.abs(w), 1e-3 * np.nanmax(np.abs(w)))
    assert np.all(np.abs(g - w) <= rtol * scale + 1e-12), f"max rel {np.nanmax(np.abs(g - w) / scale):.2e}"


def _numbers(text: str) -> list[str]:
    """The number tokens of the coefficient blocks and the deviance lines, in order."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(("Call:", "polr(", "    ")) and "=" in line:
            continue
        out += [t for t in line.split() if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", t)]
    return out


@pytest.fixture(scope="module", params=FIT_CASES, ids=[p.stem for p in FIT_CASES])
def fitted(request: pytest.FixtureRequest) -> tuple[dict[str, Any], pd.DataFrame, Any]:
    case = json.loads(request.param.read_text())
    data = _read(case, case["python"]["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean fit raises no warning
        m = rglm.polr(case["python"]["formula"], data, method=case["python"]["method"], **_kwargs(case, data))
    return case, data, m


def test_estimates_match_clm(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    case, _, m = fitted
    r = case["r"]
    assert m.converged and r["converged"]
    _close(m.params.to_numpy(), r["coef"])
    _close(m.zeta.to_numpy(), r["zeta"])
    _close(m.bse.to_numpy(), r["se"])
    _close(m.tvalues.to_numpy(), r["t"])
    _close(m.pvalues.to_numpy(), r["p"], 1e-4)
    _close(m.cov_params().to_numpy(), r["vcov"])
    assert list(m.zeta.index) == _list(r["zeta_names"])
    assert list(m.cov_params().index) == list(m.params.index) + list(m.zeta.index)


def test_fit_figures(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    case, _, m = fitted
    r = case["r"]
    for got, want in [
        (m.deviance, r["deviance"]),
        (m.llf, r["loglik"]),
        (m.aic, r["aic"]),
        (m.bic, r["bic"]),
    ]:
        assert got == pytest.approx(want, rel=1e-7)
    assert m.edf == r["edf"] and m.nobs == pytest.approx(r["nobs"], rel=1e-12)
    assert m.n_rows == r["n_used"]
    assert [str(v) for v in m.levels] == [str(v) for v in _list(r["levels"])]
    _close(m.linear_predictors.to_numpy(), r["lp"])
    _close(m.fittedvalues.to_numpy(), r["fitted"])
    np.testing.assert_allclose(m.fittedvalues.sum(axis=1), 1.0, rtol=1e-12)


def test_predict(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    case, _, m = fitted
    rp = case["r"]["predict"]
    new = _read(case, case["python"]["newdata"])
    _close(m.predict(new, type="probs").to_numpy(), rp["probs"])
    _close(m.predict(new, type="link").to_numpy(), rp["link"])
    got = [str(v) for v in m.predict(new, type="class")]
    assert got == [str(v) for v in _list(rp["class"])]
    # without newdata: the rows fitted
    _close(m.predict().to_numpy(), case["r"]["fitted"])


def test_wald_intervals(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    case, _, m = fitted
    rc = case["r"]["confint_wald"]
    ci = m.conf_int().loc[list(m.params.index)].to_numpy()
    want = np.column_stack([_arr(rc["lower"]), _arr(rc["upper"])])
    scale = np.max(np.abs(want), axis=1, keepdims=True)
    assert np.all(np.abs(ci - want) <= 1e-6 * scale)


def test_profile_intervals(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    """MASS's confint.polr, in units of each coefficient's SE (MASS's own refits are BFGS)."""
    case, _, m = fitted
    rc = case["r"].get("confint_profile")
    if rc is None:  # no profile reference for this case (see its description); the Wald check stands
        assert "confint_profile" not in case.get("tolerances", {})
        return
    got = m.conf_int(method="profile").to_numpy()
    want = np.column_stack([_arr(rc["lower"]), _arr(rc["upper"])])
    se = m.bse.to_numpy()[: len(m.params), None]
    assert np.max(np.abs(got - want) / se) <= case["tolerances"]["confint_profile"]
    exact = case["r"]["confint_profile_exact"]
    roots = np.column_stack([_arr(exact["lower"]), _arr(exact["upper"])])
    assert np.max(np.abs(got - roots) / se) < 0.01  # and near the exact roots


def test_summary_prints_mass_numbers(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    case, _, m = fitted
    r = case["r"]
    text = str(m.summary())
    assert text.startswith("Call:\npolr(")
    for head in ("Coefficients:", "Intercepts:", "Residual Deviance:", "AIC:"):
        assert head in text
    accepted = [_numbers(t) for t in [r["summary_text"], *_list(r.get("summary_text_alt", []))]]
    got = _numbers(text)
    assert any(got == a for a in accepted), f"{got} vs R {accepted[0]}"
    # the lines of the intercepts block are MASS's, label for label
    want_block = r["summary_text"].split("Intercepts:\n")[1].split("\n\n")[0]
    got_block = text.split("Intercepts:\n")[1].split("\n\n")[0]
    alts = [t.split("Intercepts:\n")[1].split("\n\n")[0] for t in _list(r.get("summary_text_alt", []))]
    assert got_block in [want_block, *alts]
    tails = [
        t.split("Residual Deviance:")[1] for t in [r["summary_text"], *_list(r.get("summary_text_alt", []))]
    ]
    assert text.split("Residual Deviance:")[1] in tails


def test_anova(fitted: tuple[dict[str, Any], pd.DataFrame, Any]) -> None:
    case, data, m = fitted
    ra = case["r"].get("anova")
    if ra is None:
        assert "anova" not in case["python"]
        return
    py = case["python"]
    other = rglm.polr(py["anova"]["formula"], data, method=py["method"], **_kwargs(case, data))
    pair = (m, other) if py["anova"]["position"] == "after" else (other, m)
    a = rglm.anova(*pair)
    _close(a["Resid. df"].to_numpy(), ra["resid_df"], 1e-12)
    _close(a["Resid. Dev"].to_numpy(), ra["resid_dev"])
    _close(a["LR stat."].to_numpy()[1:], _list(ra["lr_stat"])[1:])
    _close(a["Pr(Chi)"].to_numpy()[1:], _list(ra["p"])[1:], 1e-4)
    assert str(a) == ra["text"]  # MASS's print.Anova, character for character
    # the core's likelihood-ratio test agrees
    lr = m.lr_test(other)
    assert lr.statistic == pytest.approx(_list(ra["lr_stat"])[1], rel=1e-6)


@pytest.mark.parametrize("path", ERROR_CASES, ids=[p.stem for p in ERROR_CASES])
def test_refusals_as_r(path: Path) -> None:
    case = json.loads(path.read_text())
    py = case["python"]
    data = _read(case, py["data"])
    if case["expect_error"]["stage"] == "fit":
        with pytest.raises(rglm.DataError, match="at least 3 levels"):
            rglm.polr(py["formula"], data, method=py["method"])
    else:
        m = rglm.polr(py["formula"], data, method=py["method"])
        with pytest.raises(rglm.DataError, match="not seen"):
            m.predict(_read(case, py["newdata"]))


# -- the solver on its own ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_no_covariates_closed_form(method: str) -> None:
    """Without covariates the thresholds are F^{-1} of the cumulative shares, and the
    information of zeta_k is known in closed form (a multinomial)."""
    y = np.repeat(np.arange(4), [7, 12, 5, 9])
    w = np.linspace(0.5, 2.0, y.size)
    fit = fit_polr(np.zeros((y.size, 0)), y, 4, weights=w, method=method)
    shares = np.bincount(y, weights=w) / w.sum()
    np.testing.assert_allclose(fit.zeta, quantile(method, np.cumsum(shares)[:-1]), rtol=1e-10)
    np.testing.assert_allclose(cumulative(method, fit.zeta), np.cumsum(shares)[:-1], rtol=1e-12)
    assert fit.loglik == pytest.approx(float(np.sum(w * np.log(shares[y]))), rel=1e-12)
    assert fit.converged


def test_distributions_are_mass() -> None:
    z = np.array([-3.0, -0.5, 0.0, 1.2, 4.0])
    np.testing.assert_allclose(cumulative("logistic", z), special.expit(z), rtol=1e-15)
    np.testing.assert_allclose(cumulative("probit", z), special.ndtr(z), rtol=1e-15)
    np.testing.assert_allclose(cumulative("loglog", z), np.exp(-np.exp(-z)), rtol=1e-14)  # MASS::pgumbel
    np.testing.assert_allclose(cumulative("cloglog", z), 1 - np.exp(-np.exp(z)), rtol=1e-14)  # MASS:::pGumbel
    np.testing.assert_allclose(cumulative("cauchit", z), 0.5 + np.arctan(z) / math.pi, rtol=1e-15)
    for method in METHODS:
        p = cell_probabilities(method, np.array([-1.0, 0.5, 2.0]), np.array([-40.0, 0.0, 40.0]))
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
        assert np.all(p >= 0)


def test_r_spline_and_approx() -> None:
    """R 4.2.2's figures for spline() (FMM end conditions) and approx()."""
    # spline(c(0, 1, 2, 4, 7), c(0, 1, 4, 3, -1), n = 5)
    x, y = r_spline(np.array([0.0, 1, 2, 4, 7]), np.array([0.0, 1, 4, 3, -1]), n=5)
    np.testing.assert_allclose(x, [0, 1.75, 3.5, 5.25, 7], rtol=1e-15)
    np.testing.assert_allclose(y, [0, 3.357421875, 3.9453125, 0.330729166666667, -1], rtol=1e-13, atol=1e-14)
    # spline(c(0.3, 1, 2, 4, 7, 7.5), c(0, 1, 4, 3, -1, 2)): n = 18 points, entries 1, 4, 9, 17, 18
    x, y = r_spline(np.array([0.3, 1, 2, 4, 7, 7.5]), np.array([0.0, 1, 4, 3, -1, 2]))
    assert x.size == 18
    want = [0, 2.768857197202709, 3.783969892154574, -0.654033383600025, 2]
    np.testing.assert_allclose(y[[0, 3, 8, 16, 17]], want, rtol=1e-13, atol=1e-14)
    # approx(1:3, c(2, 4, 8), xout = c(0, 1.5, 3))
    got = r_approx(np.array([1.0, 2, 3]), np.array([2.0, 4, 8]), np.array([0, 1.5, 3]))
    np.testing.assert_allclose(got, [np.nan, 3, 8])


# -- behaviour ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def warp() -> pd.DataFrame:
    df = rglm.datasets.load("warpbreaks")
    df["tension"] = pd.Categorical(df["tension"], ["L", "M", "H"], ordered=True)
    return df


def test_aliased_column_is_dropped_as_mass(warp: pd.DataFrame) -> None:
    df = warp.assign(breaks2=2 * warp["breaks"])
    with pytest.warns(rglm.RGLMWarning, match="rank-deficient.*breaks2"):
        m = rglm.polr("tension ~ breaks + breaks2 + wool", df, method="probit")
    ref = rglm.polr("tension ~ breaks + wool", warp, method="probit")
    assert np.isnan(m.params["breaks2"]) and m.edf == ref.edf
    np.testing.assert_allclose(m.params.drop("breaks2"), ref.params, rtol=1e-12)
    np.testing.assert_allclose(m.bse.drop("breaks2"), ref.bse, rtol=1e-10)
    assert m.deviance == pytest.approx(ref.deviance, rel=1e-13)
    assert "breaks2" not in str(m.summary()).split("Coefficients:")[1]  # MASS drops it


def test_response_handling(warp: pd.DataFrame) -> None:
    before = warp.copy()
    m = rglm.polr("tension ~ breaks", warp)
    pd.testing.assert_frame_equal(warp, before)  # the caller's frame is untouched
    assert m.levels == ["L", "M", "H"]
    as_text = warp.assign(tension=warp["tension"].astype(str))  # sorted: H < L < M
    assert rglm.polr("tension ~ breaks", as_text).levels == ["H", "L", "M"]
    same = rglm.polr("factor(tension) ~ breaks", warp)
    assert same.deviance == m.deviance


def test_bad_input(warp: pd.DataFrame) -> None:
    with pytest.raises(rglm.DataError, match="no observations of level 'M'"):
        rglm.polr("tension ~ breaks", warp, subset=(warp["tension"] != "M").to_numpy())
    mixed = warp.assign(tension=warp["tension"].astype(object))
    mixed.loc[0, "tension"] = 3
    with pytest.raises(rglm.DataError, match="cannot be put in order"):
        rglm.polr("tension ~ breaks", mixed)
    with pytest.raises(rglm.DataError, match="weights"):
        rglm.polr("tension ~ breaks", warp, weights=np.ones(5))
    with pytest.raises(rglm.ArgumentError, match="method"):
        rglm.polr("tension ~ breaks", warp, method="logit")
    with pytest.raises(rglm.DataError, match="at least 3 levels"):
        rglm.polr("wool ~ breaks", warp)
    with pytest.raises(rglm.FormulaError):
        rglm.polr("log(breaks) ~ wool", warp)


def test_core_services(warp: pd.DataFrame, tmp_path: Path) -> None:
    m = rglm.polr("tension ~ breaks + wool", warp, method="logistic")
    small = rglm.polr("tension ~ breaks", warp, method="logistic")
    tidy = m.tidy(conf_int=True)
    assert list(tidy["term"]) == list(m.params.index) + list(m.zeta.index)
    np.testing.assert_allclose(tidy["std_error"], m.bse)
    g = m.glance()
    assert g.loc[0, "AIC"] == pytest.approx(m.aic) and g.loc[0, "edf"] == 4
    table = str(rglm.compare([small, m]))
    assert "L|M" in table and "woolB" in table.replace("[T.", "").replace("]", "")
    path = tmp_path / "m.rglm"
    m.save(path)
    back = rglm.load(path)
    pd.testing.assert_series_equal(back.params, m.params)
    pd.testing.assert_frame_equal(back.predict(warp.head()), m.predict(warp.head()))
    assert str(back.summary()) == str(m.summary())
    wt = m.wald_test("woolB = 0" if "woolB" in m.params.index else "wool[T.B] = 0")
    assert wt.statistic == pytest.approx(m.tvalues.iloc[1] ** 2, rel=1e-10)


def test_start_and_iterations(warp: pd.DataFrame) -> None:
    m = rglm.polr("tension ~ breaks + wool", warp, method="cloglog")
    again = rglm.polr(
        "tension ~ breaks + wool", warp, method="cloglog", start=np.r_[m.params.to_numpy(), m.zeta.to_numpy()]
    )
    assert again.iterations <= 2
    np.testing.assert_allclose(again.params, m.params, rtol=1e-10)
    with pytest.raises(rglm.ArgumentError, match="increasing"):
        rglm.polr("tension ~ breaks + wool", warp, start=[0.0, 0.0, 1.0, -1.0])
    with pytest.warns(rglm.ConvergenceWarning):
        short = rglm.polr("tension ~ breaks + wool", warp, max_iter=1)
    assert not short.converged


def test_split_design_equals_dense() -> None:
    """Large data keeps factors as codes; the fit equals the dense one to rounding."""
    rng = np.random.default_rng(3)
    n = 30_000
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abcdef"), n)})
    lat = 0.5 * df["x"] + df["g"].map(dict(zip("abcdef", [0, 0.3, -0.2, 0.5, 0.1, -0.4], strict=True)))
    df["y"] = np.digitize(lat + rng.logistic(size=n), [-1, 0, 1])
    m = rglm.polr("y ~ x + g", df)
    X = np.column_stack([df["x"], *(df["g"] == lv for lv in "bcdef")]).astype(float)
    dense = fit_polr(X, df["y"].to_numpy(), 4)
    np.testing.assert_allclose(m.params.to_numpy(), dense.beta, rtol=1e-9)
    np.testing.assert_allclose(m.cov_params().to_numpy(), dense.vcov, rtol=1e-8)


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "wb.csv"
    rglm.datasets.load("warpbreaks").to_csv(data, index=False)
    assert (
        cli_main(
            ["fit", "tension ~ breaks + wool", "--data", str(data), "--model", "polr", "--method", "probit"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Call:\npolr(") and 'method = "probit"' in out and "Intercepts:" in out
    assert (
        cli_main(["fit", "tension ~ breaks", "--data", str(data), "--model", "polr", "--format", "json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["model"] == "polr" and set(doc["zeta"]) == {"H|L", "L|M"}


def test_subset_query_reads_the_response_as_given(warp: pd.DataFrame) -> None:
    by_query = rglm.polr("tension ~ breaks", warp, subset="wool == 'A' or tension != 'L'")
    mask = ((warp["wool"] == "A") | (warp["tension"] != "L")).to_numpy()
    by_mask = rglm.polr("tension ~ breaks", warp, subset=mask)
    assert by_query.n_rows == 45 and by_query.deviance == by_mask.deviance
    assert "subset = wool == " in str(by_query.summary())


def test_missing_values_and_exclude(warp: pd.DataFrame) -> None:
    df = warp.assign(breaks=warp["breaks"].astype(float))
    df.loc[[3, 10], "breaks"] = np.nan
    df.loc[20, "tension"] = np.nan
    m = rglm.polr("tension ~ breaks", df, na_action="exclude")
    ref = rglm.polr("tension ~ breaks", df.dropna())
    assert m.n_rows == 51 and m.n_dropped == 3 and m.deviance == pytest.approx(ref.deviance, rel=1e-13)
    assert m.fittedvalues.shape == (54, 3) and m.fittedvalues.iloc[[3, 10, 20]].isna().all().all()
    assert "(3 observations deleted due to missingness)" in str(m.summary())
    with pytest.raises(rglm.DataError):
        rglm.polr("tension ~ breaks", df, na_action="fail")


def test_separation_warns() -> None:
    """x orders the levels perfectly: the likelihood has no maximum (deviance -> 0)."""
    df = pd.DataFrame({"x": np.arange(30.0), "y": np.repeat([0, 1, 2], 10)})
    with pytest.warns(rglm.SeparationWarning, match="numerically 0 or 1"):
        m = rglm.polr("y ~ x", df)
    assert m.deviance < 1e-6


def test_no_predictors_and_offset(warp: pd.DataFrame) -> None:
    """R 4.2.2, MASS 7.3-58 (reltol 1e-14): polr(tension ~ wool + offset(breaks/50), method =
    "probit") and polr(tension ~ 1, method = "loglog")."""
    m = rglm.polr("tension ~ wool + offset(z)", warp.assign(z=warp["breaks"] / 50), method="probit")
    assert m.deviance == pytest.approx(132.8551, abs=5e-5)
    assert m.params.iloc[0] == pytest.approx(0.09898, abs=5e-6)
    np.testing.assert_allclose(m.zeta, [0.2096, 1.0132], atol=5e-5)
    # new data: x'beta without the offset, as MASS's predict.polr
    np.testing.assert_allclose(
        m.predict(warp.head(2).assign(z=0.3)).iloc[0], [0.5830077, 0.261508, 0.1554843], atol=5e-7
    )
    none = rglm.polr("tension ~ 1", warp, method="loglog")
    assert len(none.params) == 0 and "No coefficients" in str(none.summary())
    np.testing.assert_allclose(none.predict(warp.head(2)), 1 / 3, rtol=1e-12)  # each level a third
    assert none.deviance == pytest.approx(-2 * 54 * math.log(1 / 3), rel=1e-12)


def test_fractional_weights_keep_their_sum(warp: pd.DataFrame) -> None:
    m = rglm.polr("tension ~ breaks", warp, weights=np.full(len(warp), 0.55))
    assert m.nobs == pytest.approx(54 * 0.55) and m.df_resid == pytest.approx(54 * 0.55 - 3)
    g = m.glance()
    assert g.loc[0, "nobs"] == pytest.approx(29.7) and g.loc[0, "df_residual"] == pytest.approx(26.7)
    assert m.bic == pytest.approx(m.deviance + 3 * math.log(29.7), rel=1e-12)


def test_anova_options_and_refusals(warp: pd.DataFrame) -> None:
    big = rglm.polr("tension ~ breaks + wool", warp)
    small = rglm.polr("tension ~ breaks", warp)
    plain = rglm.anova(small, big, test=False)
    assert "Pr(Chi)" not in plain.columns and plain["LR stat."].iloc[1] == pytest.approx(
        small.deviance - big.deviance
    )
    with pytest.raises(rglm.ArgumentError, match="single"):
        rglm.anova(big)
    fewer = rglm.polr("tension ~ breaks", warp, subset=(warp.index < 50))
    with pytest.raises(rglm.DataError):
        rglm.anova(fewer, big)
    with pytest.raises(rglm.ArgumentError, match="polr"):
        rglm.anova(big, rglm.glm("breaks ~ wool", warp, family="poisson"))
