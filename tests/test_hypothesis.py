"""Linear hypotheses: Wald tests (joint and per restriction) and likelihood-ratio tests.

Oracles: R (tests/r/make_hypothesis_cases.R: W and p computed from vcov(), vcovHC() or
vcovCL() directly, car::linearHypothesis, and anova(m0, m1, test=)), and statsmodels'
wald_test / t_test on the same restriction matrix.
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
from rglm.inference.hypothesis import (
    LRTestResult,
    WaldTestResult,
    linear_restrictions,
    lr_test,
    t_test,
    wald_test,
)

HERE = Path(__file__).parent / "data" / "r_hypothesis"
WALD = [p for p in sorted(HERE.glob("*.json")) if json.loads(p.read_text())["kind"] == "wald"]
CAR = [p for p in WALD if "car" in json.loads(p.read_text())["r"]]
LR = [p for p in sorted(HERE.glob("*.json")) if json.loads(p.read_text())["kind"] == "lr"]
RTOL = 1e-6


def _fit(spec: dict[str, Any]) -> rglm.GLMResult:
    family = getattr(rglm, spec["pyfamily"])(**({"link": spec["link"]} if spec.get("link") else {}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return rglm.glm(spec["formula"], rglm.datasets.load(spec["data"]), family=family)


def _with_cov(m: rglm.GLMResult, how: dict[str, Any]) -> rglm.GLMResult:
    if how["kind"] == "hc":
        return m.robust(how["type"])
    if how["kind"] == "cluster":
        return m.robust("cluster", how["by"], type=how["type"])
    return m


def _close(got: Any, want: Any, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=rtol, atol=0)


@pytest.fixture(scope="module", params=WALD, ids=[p.stem for p in WALD])
def wald_case(request: pytest.FixtureRequest) -> tuple[rglm.GLMResult, dict[str, Any], dict[str, Any]]:
    case = json.loads(request.param.read_text())
    m = _with_cov(_fit(case["python"]), case["python"]["cov"])
    return m, case["r"], case["python"]


def _r_matrix(m: rglm.GLMResult, r: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """R's L with its columns put in rglm's coefficient order."""
    ours = {_key(n): i for i, n in enumerate(m.exog_names)}
    L_r = np.array(r["L"], dtype=float).reshape(len(r["q"]) if isinstance(r["q"], list) else 1, -1)
    L = np.zeros((L_r.shape[0], len(m.exog_names)))
    for j, name in enumerate(r["coef_names"]):
        L[:, ours[_key(name)]] = L_r[:, j]
    return L, np.atleast_1d(np.asarray(r["q"], dtype=float))


def test_wald_text_matches_r(wald_case: tuple) -> None:
    m, r, py = wald_case
    res = wald_test(m, py["hypothesis"])
    assert isinstance(res, WaldTestResult)
    _close(res.wald, r["wald"])
    assert res.df == r["df"]
    if r["use_f"]:
        assert (res.distribution, res.df_denom) == ("F", r["df_residual"])
        _close([res.statistic, res.p_value], [r["f"], r["f_p"]])
    else:
        assert (res.distribution, res.df_denom) == ("chi2", None)
        _close([res.statistic, res.p_value], [r["wald"], r["chisq_p"]])
    # The other reference distribution on request.
    other = wald_test(m, py["hypothesis"], use_f=not r["use_f"])
    _close(other.p_value, r["chisq_p"] if r["use_f"] else r["f_p"])


def test_text_and_matrix_forms_agree(wald_case: tuple) -> None:
    m, r, py = wald_case
    L, q = _r_matrix(m, r)
    L_text, q_text, _ = linear_restrictions(m, py["hypothesis"])
    np.testing.assert_array_equal(L_text, L)
    np.testing.assert_array_equal(q_text, q)
    res = wald_test(m, (L, q))
    _close(res.wald, r["wald"])
    frame = pd.DataFrame(L, columns=m.exog_names)[list(reversed(m.exog_names))]  # columns found by name
    _close(wald_test(m, (frame, q)).wald, r["wald"])


@pytest.mark.parametrize("path", CAR, ids=[p.stem for p in CAR])
def test_car_linear_hypothesis_agrees(path: Path) -> None:
    case = json.loads(path.read_text())
    py, car = case["python"], case["r"]["car"]
    m = _with_cov(_fit(py), py["cov"])
    chi = wald_test(m, py["hypothesis"], use_f=False)
    f = wald_test(m, py["hypothesis"], use_f=True)
    _close([chi.statistic, chi.p_value], [car["chisq"], car["chisq_p"]])
    _close([f.statistic, f.p_value, f.df_denom], [car["f"], car["f_p"], car["f_df_denom"]])


def test_t_test_matches_r(wald_case: tuple) -> None:
    m, r, py = wald_case
    tab = t_test(m, py["hypothesis"])
    assert list(tab.columns) == ["estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
    for col, key in (
        ("estimate", "t_estimate"),
        ("std_error", "t_se"),
        ("statistic", "t_stat"),
        ("p_value", "t_p"),
        ("conf_low", "t_low"),
        ("conf_high", "t_high"),
    ):
        _close(tab[col].to_numpy(), r[key])
    if len(tab) == 1:  # one restriction: the joint test is the square of the single one
        _close(wald_test(m, py["hypothesis"], use_f=False).wald, tab["statistic"].iloc[0] ** 2, rtol=1e-10)


def test_statsmodels_wald_and_t_tests_agree() -> None:
    """statsmodels on the same GLM and restriction matrix.  Its dispersion is Pearson's
    :math:`X^2/df` at the final fit while R's uses the last IRLS weights; they agree once both
    fits are converged tightly."""
    smf = pytest.importorskip("statsmodels.formula.api")
    sm = pytest.importorskip("statsmodels.api")
    for data, formula, fam, sm_fam, hyp in (
        (
            "mtcars",
            "mpg ~ wt + hp + C(cyl)",
            rglm.Gaussian(),
            sm.families.Gaussian(),
            "C(cyl)[T.6] = C(cyl)[T.8], wt = 0",
        ),
        (
            "infert",
            "case ~ spontaneous + induced + age",
            rglm.Binomial(),
            sm.families.Binomial(),
            "spontaneous - induced = 0.5, age = 0",
        ),
        (
            "quine",
            "Days ~ Eth + Sex + Age",
            rglm.QuasiPoisson(),
            sm.families.Poisson(),
            "Age[T.F1] = Age[T.F2]",
        ),
    ):
        d = rglm.datasets.load(data)
        m = rglm.glm(formula, d, family=fam, tol=1e-13)
        names = m.exog_names
        s = smf.glm(formula, d, family=sm_fam).fit(scale="X2" if m.use_t else 1.0, tol=1e-12)
        L, q, _ = linear_restrictions(m, hyp)
        L_sm = pd.DataFrame(L, columns=names)[list(s.params.index)].to_numpy()  # statsmodels' column order
        w = s.wald_test((L_sm, q), use_f=m.use_t, scalar=True)
        ours = wald_test(m, hyp)
        _close([ours.statistic, ours.p_value], [float(w.statistic), float(w.pvalue)], rtol=1e-6)
        t = s.t_test((L_sm, q), use_t=m.use_t)
        tab = t_test(m, hyp)
        _close(tab["estimate"], np.ravel(t.effect), rtol=1e-6)
        _close(tab["std_error"], np.ravel(t.sd), rtol=1e-6)
        _close(tab["p_value"], np.ravel(t.pvalue), rtol=1e-6)
        _close(tab[["conf_low", "conf_high"]].to_numpy(), t.conf_int(), rtol=1e-6)


# -- parsing and errors ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mt() -> rglm.GLMResult:
    return rglm.glm("mpg ~ wt + hp + C(cyl) + I(hp ** 2)", rglm.datasets.load("mtcars"))


@pytest.mark.parametrize(
    ("text", "row", "q"),
    [
        ("wt", {"wt": 1}, 0.0),
        ("wt == 2", {"wt": 1}, 2.0),
        ("-wt + 3 = hp - 1", {"wt": -1, "hp": -1}, -4.0),
        ("2*(wt - hp)/4 = 1e-1", {"wt": 0.5, "hp": -0.5}, 0.1),
        ("wt*3 + (Intercept)", {"wt": 3, "Intercept": 1}, 0.0),
        ("`C(cyl)[T.6]` - C(cyl)[T.8]", {"C(cyl)[T.6]": 1, "C(cyl)[T.8]": -1}, 0.0),
        ("I(hp**2) = 0", {"I(hp ** 2)": 1}, 0.0),
        ("`I(hp ** 2)` + 0.5 * hp", {"I(hp ** 2)": 1, "hp": 0.5}, 0.0),
    ],
)
def test_parser_reads_linear_expressions(
    mt: rglm.GLMResult, text: str, row: dict[str, float], q: float
) -> None:
    L, qs, labels = linear_restrictions(mt, text)
    want = np.array([row.get(n, 0.0) for n in mt.exog_names])
    np.testing.assert_allclose(L[0], want, rtol=1e-15)
    assert qs[0] == pytest.approx(q, rel=1e-15)
    assert labels[0].startswith(text.split("=")[0].strip().split()[0])


def test_several_restrictions_and_lists(mt: rglm.GLMResult) -> None:
    a = linear_restrictions(mt, "wt = 0, hp = 0; C(cyl)[T.6] = 1")
    b = linear_restrictions(mt, ["wt = 0", "hp = 0, C(cyl)[T.6] = 1"])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == ["wt = 0", "hp = 0", "C(cyl)[T.6] = 1"]


@pytest.mark.parametrize(
    ("hyp", "match"),
    [
        ("x9 = 0", "no coefficient named 'x9'"),
        ("wtx = 0", "no coefficient named 'wtx'"),
        ("wt * hp = 0", "product of coefficients is not linear"),
        ("1 / wt = 0", "division by a coefficient"),
        ("wt / 0", "division by zero"),
        ("wt = wt", "without coefficients"),
        ("(wt + hp", "missing ')'"),
        ("wt = 0 hp", "unexpected"),
        ("`wt", "unclosed backtick"),
        ("wt = 0, 2*wt = 0", "linearly dependent (rank 1)"),
        (np.ones((1, 3)), "must have 6 columns"),
        ((np.eye(6)[:2], [1.0]), "q must have one value per restriction (2)"),
        (np.zeros((0, 6)), "no restrictions"),
    ],
)
def test_bad_hypotheses_raise(mt: rglm.GLMResult, hyp: Any, match: str) -> None:
    with pytest.raises(rglm.ArgumentError, match=re.escape(match)):
        mt.wald_test(hyp)


def test_aliased_coefficients_cannot_be_tested() -> None:
    m = rglm.glm("mpg ~ wt + wt2 + hp", rglm.datasets.load("mtcars"))
    with pytest.raises(rglm.ArgumentError, match="aliased coefficient.*wt2"):
        m.wald_test("wt2 = 0")
    with pytest.raises(rglm.ArgumentError, match="aliased coefficient.*wt2"):
        m.t_test("wt + wt2 = 1")


def test_result_objects_print_and_tabulate(mt: rglm.GLMResult) -> None:
    res = mt.wald_test("wt = 0, hp = 0")
    text = str(res)
    assert text.splitlines()[:3] == ["Wald test of linear restrictions:", "  wt = 0", "  hp = 0"]
    assert re.search(r"^F = [\d.]+ on 2 and 26 DF, p-value [=<] ", text.splitlines()[-1])
    frame = res.to_frame()
    assert list(frame.columns) == ["statistic", "df", "df_denom", "p_value", "distribution"]
    assert frame["statistic"].iloc[0] == res.statistic
    with pytest.raises(AttributeError):
        res.statistic = 0.0  # type: ignore[misc]
    assert math.isclose(res.statistic, res.wald / 2, rel_tol=1e-15)


# -- likelihood-ratio tests ------------------------------------------------------------------------
@pytest.mark.parametrize("path", LR, ids=[p.stem for p in LR])
def test_lr_test_matches_anova(path: Path) -> None:
    case = json.loads(path.read_text())
    small, big = _fit(case["python"]["small"]), _fit(case["python"]["big"])
    r = case["r"]
    chi = lr_test(small, big, test="Chisq")
    assert isinstance(chi, LRTestResult)
    assert chi.df == r["Chisq"]["df"]
    _close(
        [chi.deviance, chi.dispersion, chi.p_value],
        [r["Chisq"]["deviance"], r["Chisq"]["dispersion"], r["Chisq"]["p"]],
    )
    _close(chi.statistic, r["Chisq"]["deviance"] / r["Chisq"]["dispersion"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = lr_test(big, small, test="F")  # either order
    _close([f.statistic, f.p_value], [r["F"]["f"], r["F"]["p"]])
    fixed = not big.dispersion_is_estimated
    assert any(issubclass(w.category, rglm.DispersionWarning) for w in caught) == fixed
    auto = big.lr_test(small)
    assert auto.distribution == ("chi2" if fixed else "F")
    assert auto.p_value == (chi.p_value if fixed else f.p_value)
    assert auto.formulas == (small.formula, big.formula)


def test_lr_test_errors() -> None:
    d = rglm.datasets.load("airquality")
    a = rglm.glm("Ozone ~ Temp", d)
    b = rglm.glm("Ozone ~ Temp + Solar.R", d)  # Solar.R has missing values of its own: fewer rows
    with pytest.raises(rglm.DataError, match="different rows"):
        a.lr_test(b)
    c = rglm.glm("Ozone ~ Temp + Wind", d)
    with pytest.raises(rglm.FamilyError, match="different families"):
        a.lr_test(rglm.glm("Ozone ~ Temp + Wind", d, family=rglm.Gamma()))
    with pytest.raises(rglm.ArgumentError, match="neither is nested"):
        c.lr_test(rglm.glm("Ozone ~ Temp + Month", d))
    with pytest.raises(rglm.DataError, match="different responses"):
        a.lr_test(rglm.glm("Temp ~ Ozone + Wind", d))
    with pytest.raises(rglm.ArgumentError, match="unknown test"):
        a.lr_test(c, test="Wald")
    with pytest.raises(rglm.ArgumentError, match="another fitted model"):
        a.lr_test("c")  # type: ignore[arg-type]
    text = str(a.lr_test(c))
    assert "Model 1: Ozone ~ Temp" in text and "Model 2: Ozone ~ Temp + Wind" in text
