"""R's formula language against R itself.

Each case in ``tests/data/formula/cases`` was made by ``tests/data/formula/make_reference.R``
with R 4.2.2: the model matrix R's ``model.matrix`` built (column by column), R's coefficient
names and term labels, the fit, and predictions on new rows.  rglm must build the same
matrix, name it as R does under ``names="R"``, and fit the same model.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.frame.splines import ExtrapolationWarning

HERE = Path(__file__).parent / "data" / "formula"
CASES = sorted(p.stem for p in (HERE / "cases").glob("*.json"))


def _load(case_id: str) -> tuple[dict[str, Any], pd.DataFrame]:
    case = json.loads((HERE / "cases" / f"{case_id}.json").read_text())
    py = case["python"]
    data = pd.read_csv(HERE / py["data"])
    for col, levels in (py.get("ordered") or {}).items():
        data[col] = pd.Categorical(data[col], categories=levels, ordered=True)
    return case, data


def _fit(case: dict[str, Any], data: pd.DataFrame, **extra: Any) -> rglm.GLMResult:
    py = case["python"]
    kwargs: dict[str, Any] = {k: py[k] for k in ("weights", "contrasts") if py.get(k) is not None}
    family = getattr(rglm, py["family"])()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rglm.glm(py["formula"], data, family=family, **kwargs, **extra)


def _values(xs: list[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in xs], dtype=float)


@pytest.mark.parametrize("case_id", CASES)
def test_model_matrix_names_and_fit_equal_r(case_id: str) -> None:
    case, data = _load(case_id)
    r = case["r"]
    m = _fit(case, data, names="R")
    # R's names, exactly and in order
    assert list(m.params.index) == r["coef_names"]
    labels = r["term_labels"] or []
    labels = [labels] if isinstance(labels, str) else labels
    got = [t for t in m.model_frame.spec.term_labels if t != "1"]
    # term labels are the formula's own spelling (C(x) where R's formula says factor(x))
    assert [re.sub(r"\bC\(([^,()]+)\)", r"factor(\1)", t) for t in got] == labels
    # the model matrix, column by column
    X = np.asarray(m.model_frame.X, dtype=float)
    want = r["model_matrix"]
    assert X.shape[1] == len(want["colnames"])
    for j, col in enumerate(want["columns"]):
        np.testing.assert_allclose(X[:, j], _values(col), rtol=1e-9, atol=1e-11, err_msg=want["colnames"][j])
    # the fit: aliased coefficients where R has NA
    coef = _values(r["coef"])
    assert np.array_equal(np.isnan(m.params.to_numpy()), np.isnan(coef))
    ok = ~np.isnan(coef)
    np.testing.assert_allclose(m.params.to_numpy()[ok], coef[ok], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.bse.to_numpy()[ok], _values(r["se"])[ok], rtol=1e-6)
    assert m.deviance == pytest.approx(r["deviance"], rel=1e-8)
    assert m.df_resid == r["df_residual"]


@pytest.mark.parametrize("case_id", CASES)
def test_default_names_are_the_same_coefficients(case_id: str) -> None:
    case, data = _load(case_id)
    m = _fit(case, data)
    names = list(m.params.index)
    assert len(names) == len(case["r"]["coef_names"])
    assert not any("`" in n for n in names)  # formulaic's style: no backticks, even around `car weight`
    # [T.level] only for factor levels: a basis column is [1], [2], ...
    assert not any(re.match(r"(poly|ns|bs)\(.*\)\[T\.", part) for n in names for part in n.split(":"))


NEWDATA = [c for c in CASES if json.loads((HERE / "cases" / f"{c}.json").read_text())["r"].get("newdata")]


@pytest.mark.parametrize("case_id", NEWDATA)
def test_prediction_on_new_rows_equals_r(case_id: str) -> None:
    """ns, bs, poly, scale and I() replay their fitted state on new data, also outside the
    boundary knots (bs warns as R does)."""
    case, data = _load(case_id)
    r = case["r"]["newdata"]
    m = _fit(case, data)
    new = pd.DataFrame(r["rows"]).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = m.predict(new, type="link", se_fit=True)
    np.testing.assert_allclose(p["fit"], _values(r["predict_link"]), rtol=1e-8)
    np.testing.assert_allclose(p["se_fit"], _values(r["predict_link_se"]), rtol=1e-6)
    warned = any(issubclass(w.category, ExtrapolationWarning) for w in caught)
    r_warned = r["warnings"] if isinstance(r["warnings"], list) else [r["warnings"]]
    assert warned == any("beyond boundary knots" in w for w in r_warned)


def test_default_style_names() -> None:
    _, tooth = _load("no_margins_toothgrowth")
    m = rglm.glm("len ~ supp + factor(dose)", tooth)
    # an integral float level is written as an integer, as R does
    assert list(m.params.index) == ["Intercept", "supp[T.VC]", "factor(dose)[T.1]", "factor(dose)[T.2]"]
    _, cars = _load("poly_cars")
    m = rglm.glm("dist ~ poly(speed, 2) + I(speed > 15)", cars)
    assert list(m.params.index) == [
        "Intercept",
        "poly(speed, 2)[1]",
        "poly(speed, 2)[2]",
        "I(speed > 15)[T.TRUE]",
    ]
    _, air = _load("dotted_names_airquality")
    m = rglm.glm("Ozone ~ I(Temp^2) + log(Solar.R)", air)
    assert list(m.params.index) == ["Intercept", "I(Temp^2)", "log(Solar.R)"]


def test_dot_in_update_and_python_power() -> None:
    case, trees = _load("dot_minus_trees")
    m = rglm.glm("Volume ~ .", trees)
    assert list(m.params.index) == ["Intercept", "Girth", "Height"]
    smaller = m.update(". ~ . - Height")
    assert smaller.formula == "Volume ~ Girth"
    want = rglm.glm("log(Volume) ~ . - Height", trees, names="R")
    got = rglm.glm("log(Volume) ~ Girth", trees, names="R")
    np.testing.assert_allclose(got.params, want.params, rtol=1e-12)
    # I(x**2) is a power as I(x^2) is (R reads ** as ^), for integer columns too
    _, mt = _load("power_in_I_mtcars")
    a = rglm.glm("mpg ~ hp + I(hp**2)", mt)
    b = rglm.glm("mpg ~ hp + I(hp^2)", mt)
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)


def test_update_keeps_r_term_order_and_backticks() -> None:
    _, sp = _load("spaces_mtspace")
    m = rglm.glm("mpg ~ `car weight` * `horse power`", sp)
    smaller = m.update(". ~ . - `car weight`:`horse power`")
    assert smaller.formula == "mpg ~ `car weight` + `horse power`"
    assert rglm.drop1(smaller).index.tolist()[1:] == ["`car weight`", "`horse power`"]
    _, wb = _load("in_warpbreaks")
    m = rglm.glm("breaks ~ tension + wool", wb, family="poisson")
    assert m.update(". ~ . + wool:tension").formula == "breaks ~ tension + wool + tension:wool"


def test_cli_dot_formula_equals_r(capsys: pytest.CaptureFixture[str]) -> None:
    from rglm.cli import main

    case, _ = _load("dot_mtcars")
    path = str(HERE / case["python"]["data"])
    assert main(["fit", "mpg ~ .", "--data", path, "--format", "json", "--r-names"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["coefficients"]) == case["r"]["coef_names"]
    got = [doc["coefficients"][n]["estimate"] for n in case["r"]["coef_names"]]
    np.testing.assert_allclose(got, case["r"]["coef"], rtol=1e-6)
    case, _ = _load("contrasts_warpbreaks")
    path = str(HERE / case["python"]["data"])
    args = ["fit", "breaks ~ wool + tension", "--data", path, "--family", "poisson", "--format", "json"]
    assert main([*args, "--r-names", "--contrasts", "tension=contr.sum", "wool=contr.helmert"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["coefficients"]) == case["r"]["coef_names"]
    got = [doc["coefficients"][n]["estimate"] for n in case["r"]["coef_names"]]
    np.testing.assert_allclose(got, case["r"]["coef"], rtol=1e-6)


def test_r_warnings_for_nan_transforms_and_non_integer_counts() -> None:
    _, air = _load("dotted_names_airquality")
    air = air.assign(x=air["Wind"] - 5)
    # R: "In log(x) : NaNs produced", and the fit keeps 108 rows
    with pytest.warns(rglm.NaNProducedWarning, match="NaNs produced"):
        m = rglm.glm("Ozone ~ log(x) + Temp", air)
    assert m.nobs == 108
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6.5], "x": [1.0, 2, 3, 4, 5, 6]})
    # R: "In dpois(y, mu, log = TRUE) : non-integer x = 6.500000"
    with pytest.warns(rglm.NonIntegerWarning, match=r"non-integer x = 6\.500000"):
        rglm.glm("y ~ x", d, family="poisson")


def test_excluded_rows_have_hat_zero() -> None:
    # R: hatvalues(glm(Ozone ~ Wind + Temp, data = d, na.action = na.exclude))[1:6] and
    # influence(m)$sigma[5]: omitted rows have leverage 0 and the model's sigma (lm.influence)
    _, air = _load("dotted_names_airquality")
    m = rglm.glm("Ozone ~ Wind + Temp", air, na_action="exclude")
    infl = m.influence()
    want = [
        0.039157830516757988,
        0.020200987467524384,
        0.013724652995370575,
        0.034818080972542291,
        0.0,
        0.029211948203772181,
    ]
    np.testing.assert_allclose(infl["hat"].to_numpy()[:6], want, rtol=1e-9, atol=1e-15)
    assert infl["sigma"].iloc[4] == pytest.approx(21.854910489987319, rel=1e-9)
    assert np.isnan(infl["cooks_d"].iloc[4])


def test_polars_and_pyarrow_frames_equal_r() -> None:
    import polars as pl
    import pyarrow as pa

    case, wb = _load("nest_warpbreaks")
    for frame in (pl.from_pandas(wb), pa.Table.from_pandas(wb)):
        m = rglm.glm(case["python"]["formula"], frame, family="poisson", names="R")
        assert list(m.params.index) == case["r"]["coef_names"]
        np.testing.assert_allclose(m.params.to_numpy(), case["r"]["coef"], rtol=1e-6)
        rows = case["r"]["predict_rows"]
        p = m.predict(pl.from_pandas(wb.iloc[rows]), type="link")
        np.testing.assert_allclose(p.to_numpy(), case["r"]["predict_link"], rtol=1e-8)


def test_a_small_file_is_fitted_in_memory() -> None:
    case, _ = _load("dot_mtcars")
    path = str(HERE / case["python"]["data"])
    m = rglm.glm("mpg ~ .", path, names="R")
    assert "read into memory" in m.call["data_in_memory"]
    np.testing.assert_allclose(m.params.to_numpy(), case["r"]["coef"], rtol=1e-6)
    np.testing.assert_allclose(m.fittedvalues.to_numpy(), case["r"]["fitted"], rtol=1e-8)
    assert m.update(". ~ . - cyl").nobs == 32


def test_stateful_transforms_out_of_core_equal_in_memory(tmp_path: Path) -> None:
    """poly, ns, bs, scale and center learn their state from every row in the scan pass: a
    chunked Parquet fit and a Dask fit equal the in-memory one, which equals R's."""
    import dask.dataframe as dd

    case, cars = _load("ns_cars")
    path = tmp_path / "cars.parquet"
    cars.to_parquet(path, row_group_size=7)
    m0 = rglm.glm("dist ~ ns(speed, df = 3)", cars, names="R")
    np.testing.assert_allclose(m0.params.to_numpy(), case["r"]["coef"], rtol=1e-6)
    wide = cars.assign(g=np.where(np.arange(len(cars)) % 3 == 0, "a", "b"))
    wide_path = tmp_path / "wide.parquet"
    wide.to_parquet(wide_path, row_group_size=9)
    for formula, frame, file in (
        ("dist ~ ns(speed, df = 3)", cars, path),
        ("dist ~ poly(speed, 3) + bs(speed, df = 4):g + scale(speed) + center(speed)", wide, wide_path),
    ):
        mem = rglm.glm(formula, frame, family="poisson")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for data, kw in ((str(file), {"chunksize": 11}), (dd.from_pandas(frame, npartitions=3), {})):
                m = rglm.glm(formula, data, family="poisson", **kw)
                np.testing.assert_allclose(m.params, mem.params, rtol=1e-9, atol=1e-12)
                assert m.deviance == pytest.approx(mem.deviance, rel=1e-9)


def test_formulaic_contrast_objects_equal_r_names() -> None:
    from formulaic.transforms.contrasts import HelmertContrasts, SumContrasts

    case, wb = _load(
        "contrasts_warpbreaks"
    )  # R: contrasts = list(tension = "contr.sum", wool = "contr.helmert")
    want = np.array(case["r"]["coef"])
    by_object = rglm.glm(
        "breaks ~ wool + tension",
        wb,
        family="poisson",
        contrasts={"tension": SumContrasts(), "wool": HelmertContrasts()},
    )
    np.testing.assert_allclose(by_object.params.to_numpy(), want, rtol=1e-6)
    case, wb = _load("C_warpbreaks")  # R: breaks ~ C(tension, sum) + C(wool, helmert)
    for formula in (
        "breaks ~ C(tension, Sum) + C(wool, Helmert)",
        "breaks ~ C(tension, contr.sum) + C(wool, helmert)",
    ):
        m = rglm.glm(formula, wb, family="poisson")
        np.testing.assert_allclose(m.params.to_numpy(), case["r"]["coef"], rtol=1e-6)


def test_removed_variables_still_drop_their_missing_rows() -> None:
    """R's model frame holds every variable the formula names: ``Ozone ~ . - Solar.R`` drops
    the rows where Solar.R is missing (111 rows, where Ozone ~ Wind + Temp + Month + Day uses
    116), and update() writes the formula out without Solar.R (116 rows again)."""
    case, air = _load("dot_minus_keeps_rows_airquality")
    m = rglm.glm("Ozone ~ . - Solar.R", air)
    assert m.nobs == case["r"]["nobs"] == 111
    assert m.update(". ~ . - Wind").nobs == 116
    # R's print(formula(m)), which drop1 shows as its model
    assert "Ozone ~ (Solar.R + Wind + Temp + Month + Day) - Solar.R" in str(rglm.drop1(m))
