"""rglm.drop1, rglm.add1 and rglm.step against R's drop1.glm, add1.glm and step
(tests/r/make_anova_cases.R), plus their errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import _r_anova as R
import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.results.table import AnovaTable


def _scope(scope: Any) -> Any:
    if isinstance(scope, dict):
        return {k: v for k, v in scope.items() if v is not None}
    return scope


def _run(fn: Any, m: rglm.GLMResult, **kw: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(m, **kw)
    return out, R.anova_warnings(caught)


@pytest.mark.parametrize(("case_id", "test"), R.case_tests("drop1"))
def test_drop1_against_r(case_id: str, test: str) -> None:
    case = R.load(case_id)
    m = R.fit(case["models"][0])
    args = case["args"]
    got, warned = _run(rglm.drop1, m, scope=args.get("scope"), test=test, k=args["k"], scale=args["scale"])
    want = case["r"][test]
    R.assert_table(got, want)
    R.assert_printed(str(got), want["printed"], case["exact_print"])
    assert warned == R.r_anova_warnings(want["warnings"])


@pytest.mark.parametrize(("case_id", "test"), R.case_tests("add1"))
def test_add1_against_r(case_id: str, test: str) -> None:
    case = R.load(case_id)
    m = R.fit(case["models"][0])
    args = case["args"]
    got, warned = _run(rglm.add1, m, scope=args["scope"], test=test, k=args["k"])
    want = case["r"][test]
    R.assert_table(got, want)
    R.assert_printed(str(got), want["printed"], case["exact_print"])
    assert warned == R.r_anova_warnings(want["warnings"])


@pytest.mark.parametrize("case_id", R.case_ids("step"))
def test_step_against_r(case_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    case = R.load(case_id)
    m = R.fit(case["models"][0])
    args, want = case["args"], case["r"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = rglm.step(
            m,
            scope=_scope(args.get("scope")),
            direction=args.get("direction"),
            k=args["k"],
            test=args["test"],
        )
    trace = capsys.readouterr().out
    assert trace.rstrip("\n").splitlines() == want["trace"].splitlines()
    path = s.step_path
    assert isinstance(path, AnovaTable)
    R.assert_table(path, want["path"])
    assert str(path).splitlines()[-len(path) - 1 :] == want["path"]["printed"].splitlines()
    assert s.formula.replace(" ", "") == want["final_formula"].replace(" ", "")
    assert s.deviance == pytest.approx(want["final_deviance"], rel=R.RTOL)
    assert s.aic == pytest.approx(want["final_aic"], rel=R.RTOL)
    coef = want["final_coef"]
    assert [R.coef_key(n) for n in s.params.index] == [R.coef_key(n) for n in coef]
    np.testing.assert_allclose(s.params.to_numpy(), list(coef.values()), rtol=R.RTOL, atol=1e-10)


def test_step_without_trace_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    case = R.load("step_backward")
    s = rglm.step(R.fit(case["models"][0]), trace=False)
    assert capsys.readouterr().out == ""
    R.assert_table(s.step_path, case["r"]["path"])


def test_step_respects_steps() -> None:
    case = R.load("step_backward")
    s = rglm.step(R.fit(case["models"][0]), trace=False, steps=1)
    path = s.step_path
    assert len(path) == 2  # the start and one step
    R.assert_table(
        AnovaTable(path.iloc[:2]),
        {
            **case["r"]["path"],
            "rownames": ["1", "2"],
            "columns": {k: v[:2] for k, v in case["r"]["path"]["columns"].items()},
        },
    )


def test_step_path_is_kept_by_replace_and_absent_otherwise() -> None:
    m = rglm.glm("mpg ~ wt + hp + qsec", rglm.datasets.load("mtcars"))
    assert m.step_path is None
    s = rglm.step(m, trace=False)
    assert s._replace().step_path is not None
    pd.testing.assert_frame_equal(pd.DataFrame(s._replace().step_path), pd.DataFrame(s.step_path))
    p = s.step_path
    p.iloc[0, 4] = 99.0  # a copy: the model's path does not change
    assert s.step_path.iloc[0, 4] != 99.0
    assert s.update(". ~ . + disp").step_path is None


# -- errors and arguments --------------------------------------------------------------------------------
def _mtcars(formula: str, **kw: Any) -> rglm.GLMResult:
    return rglm.glm(formula, rglm.datasets.load("mtcars"), **kw)


def test_step_needs_the_data() -> None:
    m = _mtcars("mpg ~ wt + hp")._replace(data=None)
    with pytest.raises(rglm.ArgumentError, match="does not keep it"):
        rglm.step(m)


def test_step_needs_an_aic() -> None:
    m = rglm.glm("breaks ~ wool + tension", rglm.datasets.load("warpbreaks"), family="quasipoisson")
    with pytest.raises(rglm.FamilyError, match="AIC is not defined"):
        rglm.step(m)


def test_add1_needs_a_scope() -> None:
    m = _mtcars("mpg ~ wt")
    with pytest.raises(rglm.ArgumentError, match="add1 needs a scope"):
        rglm.add1(m)
    with pytest.raises(rglm.ArgumentError, match="no terms in scope"):
        rglm.add1(m, "~ .")
    with pytest.raises(rglm.ArgumentError, match="does not keep"):
        rglm.add1(m._replace(data=None), "~ . + hp")


@pytest.mark.parametrize("fn", [rglm.drop1, rglm.add1])
def test_unknown_test_is_refused(fn: Any) -> None:
    with pytest.raises(rglm.ArgumentError, match="unknown test 'Wald'"):
        fn(_mtcars("mpg ~ wt + hp"), scope="~ . + disp" if fn is rglm.add1 else None, test="Wald")


def test_add1_refuses_new_missing_values() -> None:
    d = rglm.datasets.load("mtcars")
    d = d.assign(z=np.where(np.arange(len(d)) % 5 == 0, np.nan, d["disp"]))
    before = d.copy()
    m = rglm.glm("mpg ~ wt", d)
    with pytest.raises(rglm.DataError, match="missing values in 7 of the model's 32 rows"):
        rglm.add1(m, "~ . + z")
    pd.testing.assert_frame_equal(d, before)


def test_step_refuses_rows_changing() -> None:
    d = rglm.datasets.load("mtcars")
    d = d.assign(z=np.where(np.arange(len(d)) % 5 == 0, np.nan, d["disp"]))
    m = rglm.glm("mpg ~ wt", d)
    with pytest.raises(rglm.DataError, match="rows"):
        rglm.step(m, scope="~ wt + z", trace=False)


def test_scope_errors() -> None:
    m = _mtcars("mpg ~ wt + hp")
    with pytest.raises(rglm.ArgumentError, match="not a subset"):
        rglm.drop1(m, scope="~ disp")
    with pytest.raises(rglm.ArgumentError, match="lower scope has term 'disp'"):
        rglm.step(m, scope={"lower": "~ disp", "upper": "~ wt + hp + disp"}, trace=False)
    with pytest.raises(rglm.ArgumentError, match="not included in the upper scope"):
        rglm.step(m, scope={"upper": "~ wt"}, trace=False)
    with pytest.raises(rglm.ArgumentError, match="keys"):
        rglm.step(m, scope={"upper": "~ wt + hp", "other": "~ 1"}, trace=False)
    with pytest.raises(rglm.ArgumentError, match="direction"):
        rglm.step(m, direction="sideways")
    with pytest.raises(rglm.ArgumentError, match="scale"):
        rglm.drop1(m, scale=-1.0)
    with pytest.raises(rglm.ArgumentError, match="scope must be a formula"):
        rglm.drop1(m, scope=3)


def test_drop1_respects_marginality_and_list_scope() -> None:
    m = rglm.glm("breaks ~ wool * tension", rglm.datasets.load("warpbreaks"), family="poisson")
    assert list(rglm.drop1(m).index) == ["<none>", "wool:tension"]
    # An explicit scope is used as given, as in R.
    assert list(rglm.drop1(m, scope=["wool", "tension:wool"]).index) == ["<none>", "wool", "wool:tension"]


def test_add1_respects_marginality() -> None:
    m = rglm.glm("breaks ~ wool", rglm.datasets.load("warpbreaks"), family="poisson")
    assert list(rglm.add1(m, "~ . + tension + wool:tension").index) == ["<none>", "tension"]
    m2 = m.update(". ~ . + tension")
    assert list(rglm.add1(m2, "~ wool * tension").index) == ["<none>", "wool:tension"]


def test_bic_penalty() -> None:
    """k = log(n) shifts each AIC by (k - 2) times its number of parameters."""
    m = _mtcars("mpg ~ wt + hp + qsec")
    a, b = rglm.drop1(m), rglm.drop1(m, k=math.log(32))
    p = m.rank - a["Df"].fillna(0).to_numpy()
    np.testing.assert_allclose(b["AIC"].to_numpy() - a["AIC"].to_numpy(), (math.log(32) - 2) * p, rtol=1e-10)


UPDATES = __import__("json").loads((R.HERE / "printing.json").read_text())["updates"]


@pytest.mark.parametrize("item", UPDATES, ids=lambda u: f"{u['old']} | {u['new']}")
def test_update_formula_as_r(item: dict[str, str]) -> None:
    """step refits through update(): offsets go last and an interaction names its variables
    in the order they first appear, as R's update.formula writes them."""
    from rglm.frame.formula import update_formula

    assert update_formula(item["old"], item["new"]) == item["r"]
