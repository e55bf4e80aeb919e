"""rglm.inference.anova against R's anova.glm and anova.glmlist (tests/r/make_anova_cases.R), and the
behaviour of the tables it returns."""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

import _r_anova as R
import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.results.table import AnovaTable, deparse_formula


def _anova(models: list[rglm.GLMResult], test: str, dispersion: float | None) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a = rglm.anova(*models, test=None if test == "none" else test, dispersion=dispersion)
    return a, R.anova_warnings(caught)


@pytest.mark.parametrize(("case_id", "test"), R.case_tests("anova") + R.case_tests("anova_multi"))
def test_against_r(case_id: str, test: str) -> None:
    case = R.load(case_id)
    models = [R.fit(spec) for spec in case["models"]]
    if case_id == "anova_negbin_estimated":
        models = [_EstimatedTheta(models[0])]
    want = case["r"][test]
    got, warned = _anova(models, test, case["args"].get("dispersion"))
    if test == "none":
        # R 4.2 prints no test by default; rglm follows R >= 4.4 (F for an estimated dispersion).
        got = got.iloc[:, :4]
        got = AnovaTable(got, heading=rglm.anova(models[0], test=False).heading)
    R.assert_table(got, want)
    R.assert_printed(str(got), want["printed"], case["exact_print"])
    assert warned == R.r_anova_warnings(want["warnings"])


class _EstimatedTheta(rglm.GLMResult):
    """A negative binomial fit that looks like one whose theta was estimated (MASS's glm.nb):
    what rglm's theta estimation returns, a fit with NegativeBinomial(theta=estimate)."""

    def __init__(self, m: rglm.GLMResult) -> None:
        super().__init__(
            m.fit,
            m.model_frame,
            m.family,
            null_deviance=m.null_deviance,
            control=m.control,
            dispersion=1.0,
            formula=m.formula,
            data=m.data,
            call=m._call,
        )

    @property
    def theta_se(self) -> float:
        return 0.1


def test_negbin_estimated_theta_default_is_chisq() -> None:
    case = R.load("anova_negbin_estimated")
    m = _EstimatedTheta(R.fit(case["models"][0]))
    with pytest.warns(rglm.AnovaWarning, match="tests made without re-estimating 'theta'"):
        a = rglm.anova(m)
    R.assert_table(a, case["r"]["Chisq"])


def test_negbin_estimated_theta_several_models_go_to_anova_negbin(monkeypatch: pytest.MonkeyPatch) -> None:
    case = R.load("anova_negbin_estimated")
    m1 = _EstimatedTheta(R.fit(case["models"][0]))
    m2 = _EstimatedTheta(m1.update(". ~ . - Lrn"))
    seen: list[Any] = []
    fake = types.ModuleType("rglm.inference.negbin")
    fake.anova_negbin = lambda models, test: seen.append((models, test)) or "table"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rglm.inference.negbin", fake)
    assert rglm.anova(m1, m2, test="Chisq") == "table"
    assert seen[0][0] == [m1, m2] and seen[0][1] == "Chisq"
    monkeypatch.setitem(sys.modules, "rglm.inference.negbin", None)  # not installed: a clear error
    with pytest.raises(rglm.ArgumentError, match="anova_negbin"):
        rglm.anova(m1, m2)
    with pytest.raises(rglm.ArgumentError, match="not all"):
        rglm.anova(m1, R.fit(case["models"][0]))


def _mtcars(formula: str, **kw: Any) -> rglm.GLMResult:
    return rglm.glm(formula, rglm.datasets.load("mtcars"), **kw)


def test_default_test_follows_r_4_4() -> None:
    g = _mtcars("mpg ~ wt + hp")
    assert list(rglm.anova(g).columns)[-2:] == ["F", "Pr(>F)"]
    b = rglm.glm("cbind(numdead, numalive) ~ sex + ldose", rglm.datasets.load("budworm"), family="binomial")
    assert rglm.anova(b).columns[-1] == "Pr(>Chi)"
    fixed = _mtcars("mpg ~ wt + hp", dispersion=7.0)
    assert rglm.anova(fixed).columns[-1] == "Pr(>Chi)"
    assert rglm.anova(g, dispersion=7.0).columns[-1] == "Pr(>Chi)"
    pd.testing.assert_frame_equal(pd.DataFrame(rglm.anova(g)), pd.DataFrame(rglm.anova(g, test="F")))
    for none in (False, "none"):
        assert list(rglm.anova(g, test=none).columns) == ["Df", "Deviance", "Resid. Df", "Resid. Dev"]


def test_fixed_dispersion_in_the_model_is_used() -> None:
    """glm(dispersion=) fixes the dispersion as anova(dispersion=) does."""
    a = rglm.anova(_mtcars("mpg ~ wt + hp", dispersion=7.0), test="Chisq")
    b = rglm.anova(_mtcars("mpg ~ wt + hp"), test="Chisq", dispersion=7.0)
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    dev = a["Deviance"].to_numpy()[1:]
    from scipy import stats

    np.testing.assert_allclose(a["Pr(>Chi)"].to_numpy()[1:], stats.chi2.sf(dev / 7.0, 1), rtol=1e-12)


def test_models_on_different_rows_are_refused() -> None:
    d = rglm.datasets.load("mtcars")
    full = rglm.glm("mpg ~ wt + hp", d)
    fewer = rglm.glm("mpg ~ wt", d, subset=d["cyl"] != 8)
    with pytest.raises(rglm.DataError, match="same size of dataset"):
        rglm.anova(full, fewer)
    other = rglm.glm("mpg ~ wt", d.iloc[::-1].reset_index(drop=True).set_axis(d.index + 100))
    with pytest.raises(rglm.DataError, match="different rows"):
        rglm.anova(full, other)


def test_models_with_another_response_are_left_out() -> None:
    a = _mtcars("mpg ~ wt + hp")
    with pytest.warns(rglm.AnovaWarning, match="models with response 'qsec' removed"):
        t = rglm.anova(a, _mtcars("qsec ~ wt"), test="F")
    pd.testing.assert_frame_equal(pd.DataFrame(t), pd.DataFrame(rglm.anova(a, test="F")))


@pytest.mark.parametrize("bad", ["chisq", "Wald", True, 3])
def test_unknown_test_is_refused(bad: Any) -> None:
    with pytest.raises(rglm.ArgumentError, match="test"):
        rglm.anova(_mtcars("mpg ~ wt"), test=bad)


def test_bad_arguments() -> None:
    m = _mtcars("mpg ~ wt")
    with pytest.raises(rglm.ArgumentError, match="GLMResult"):
        rglm.anova(m, "mpg ~ hp")  # type: ignore[arg-type]
    with pytest.raises(rglm.ArgumentError, match="dispersion"):
        rglm.anova(m, dispersion=-1.0)


def test_f_test_needs_residual_df() -> None:
    """R (>= 4.4) drops an F test whose dispersion has no degrees of freedom."""
    d = rglm.datasets.load("mtcars").iloc[:3]
    m = rglm.glm("mpg ~ wt + hp", d)
    assert m.df_resid == 0
    assert list(rglm.anova(m).columns) == ["Df", "Deviance", "Resid. Df", "Resid. Dev"]


# -- the table ------------------------------------------------------------------------------------------
def _table() -> AnovaTable:
    b = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", rglm.datasets.load("budworm"), family="binomial")
    return rglm.anova(b)


def test_slices_are_plain_frames() -> None:
    a = _table()
    assert isinstance(a, pd.DataFrame) and isinstance(a, AnovaTable)
    for part in (a.iloc[1:], a[["Df", "Deviance"]], a.copy(), a.head(2), a.sort_values("Resid. Dev")):
        assert type(part) is pd.DataFrame
        str(part)
    assert isinstance(a.iloc[:, -1], pd.Series) and a.iloc[:, -1].name == "Pr(>Chi)"
    assert np.isnan(a.iloc[0, -1]) and a.iloc[1:, -1].notna().all()


def test_report_formats() -> None:
    case = R.load("anova_binomial_cbind")
    a = rglm.anova(R.fit(case["models"][0]), test="Chisq")
    md = a.to_markdown()
    assert md.startswith("Analysis of Deviance Table")
    rows = [line for line in md.splitlines() if line.startswith("| ")][1:]
    printed = case["r"]["Chisq"]["printed"].splitlines()
    body = printed[printed.index(next(line for line in printed if line.lstrip().startswith("Df"))) + 1 :]
    for md_row, r_line in zip(rows, body, strict=False):
        cells = [c.strip().replace("\\*", "*").replace("\\_", "_") for c in md_row.strip("|").split("|")]
        assert [c for c in cells if c] == r_line.split()
    assert "Signif. codes" in md
    tex = a.to_latex()
    assert "\\toprule" in tex and "sex:ldose" in tex and "Pr(\\ensuremath{>}Chi)" in tex
    html = a.to_html()
    assert html.startswith('<div class="rglm-anova">') and "<table>" in html and "sex:ldose" in html
    assert a._repr_html_() == html
    assert repr(a) == str(a) and str(a).startswith("Analysis of Deviance Table\n")


PRINTING = __import__("json").loads((R.HERE / "printing.json").read_text())


def test_r_na_and_nan_print_differently() -> None:
    """Structural blanks are R's NA (printed blank); a NaN from arithmetic prints NaN, as in R."""
    case = PRINTING["na_nan"]
    cols = {
        k: np.array([rglm.numerics.format.NA_REAL if v is None else float(v) for v in vals])
        for k, vals in case["columns"].items()
    }
    t = AnovaTable(cols, index=case["rownames"], heading=["A heading"])
    assert str(t) == case["printed"]


@pytest.mark.parametrize("item", PRINTING["deparse"], ids=lambda item: item["formula"][:30])
def test_deparse_wraps_as_r(item: dict[str, Any]) -> None:
    lines = item["lines"]
    assert deparse_formula(item["formula"]) == ([lines] if isinstance(lines, str) else lines)


def test_shared_quine_reference_with_theta_at_its_estimate() -> None:
    """The shared reference's glm.nb case: once theta is estimated, the fit is a negative
    binomial GLM with theta at its estimate and dispersion 1, and R's anova follows."""
    import json

    case = json.loads((R.HERE.parent / "r_shared" / "cases" / "quine_negbin.json").read_text())
    data = pd.read_csv(R.HERE.parent / "r_shared" / case["python"]["data"])
    r = case["r"]
    m = rglm.glm(
        case["python"]["formula"], data, family=rglm.NegativeBinomial(theta=r["theta"]), dispersion=1.0
    )
    with pytest.warns(rglm.AnovaWarning, match="re-estimating 'theta'"):
        a = rglm.anova(_EstimatedTheta(m), test=r["anova"]["test"])
    assert list(a.index) == r["anova"]["terms"]
    for col, key in [
        ("Df", "df"),
        ("Deviance", "deviance"),
        ("Resid. Df", "resid_df"),
        ("Resid. Dev", "resid_dev"),
        ("Pr(>Chi)", "p"),
    ]:
        want = np.array([np.nan if v is None else v for v in r["anova"][key]], dtype=float)
        np.testing.assert_allclose(a[col].to_numpy(dtype=float), want, rtol=1e-6, err_msg=col)
