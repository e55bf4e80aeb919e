"""tidy / glance / augment against the figures broom reports for the same R fits.

broom is not needed: tests/r/make_influence_cases.R computes what broom's ``tidy.glm``,
``glance.glm`` and ``augment.glm`` return from base R (``coef(summary())``, ``confint``,
``confint.default``, ``logLik``, ``AIC``, ``BIC``, ``predict``, ``residuals``,
``hatvalues``, ``influence()$sigma``, ``cooks.distance``, ``rstandard``), with broom's
placement of the influence columns on zero-weight rows.  Tolerance: relative 1e-6 (profile
intervals 2e-3, the accuracy of R's own spline interpolation of the profile, as the shared
reference checker).
"""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rcases import fit_spec
from rcases import r_key as _key

import rglm
from rglm.exceptions import ArgumentError, DataError

HERE = Path(__file__).parent / "data" / "r_influence"
IDS = [p.stem for p in sorted((HERE / "cases").glob("*.json"))]
RTOL = 1e-6


@functools.cache
def load(name: str) -> dict[str, Any]:
    return json.loads((HERE / "cases" / f"{name}.json").read_text())


def read_data(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / load(name)["python"]["data"])


def fit_case(name: str, data: pd.DataFrame | None = None) -> rglm.GLMResult:
    return fit_spec(load(name)["python"], read_data(name) if data is None else data)


@functools.cache
def fitted(name: str) -> rglm.GLMResult:
    return fit_case(name)


def values(v: list[Any] | None) -> np.ndarray:
    """R's vector: null (NA) as NaN, and "NaN", "Inf", "-Inf" as those numbers."""
    return np.array([np.nan if x is None else float(x) for x in (v or [])], dtype=float)


def close(got: Any, want: Any, what: str, rtol: float = RTOL) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs R {want.shape}"
    np.testing.assert_array_equal(
        np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN pattern differs from R"
    )
    ok = ~np.isnan(want)
    floor = 1e-10 * float(np.max(np.abs(want[ok]), initial=0.0))
    np.testing.assert_allclose(got[ok], want[ok], rtol=rtol, atol=floor, err_msg=what)


def r_order(m: rglm.GLMResult, name: str) -> list[int]:
    """Positions of R's coefficients among rglm's."""
    where = {_key(n): i for i, n in enumerate(m.exog_names)}
    r_names = load(name)["r"]["coef_names"] or []
    assert sorted(where) == sorted(_key(n) for n in r_names)
    return [where[_key(n)] for n in r_names]


# -- tidy ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", IDS)
def test_tidy_matches_r(name: str) -> None:
    m = fitted(name)
    t = m.tidy()
    assert list(t.columns) == ["term", "estimate", "std_error", "statistic", "p_value"]
    assert list(t["term"]) == m.exog_names
    idx = r_order(m, name)
    r = load(name)["r"]["tidy"]
    for col in ["estimate", "std_error", "statistic", "p_value"]:
        close(t[col].to_numpy()[idx], values(r[col]), f"{name} {col}")


@pytest.mark.parametrize("name", IDS)
@pytest.mark.parametrize("level", [0.95, 0.90])
def test_tidy_wald_intervals_match_r(name: str, level: float) -> None:
    m = fitted(name)
    t = m.tidy(conf_int=True, level=level, conf_method="wald")
    assert list(t.columns[-2:]) == ["conf_low", "conf_high"]
    idx = r_order(m, name)
    want = load(name)["r"][f"confint_wald_{round(level * 100)}"]
    close(t["conf_low"].to_numpy()[idx], values(want["lower"]), f"{name} conf_low")
    close(t["conf_high"].to_numpy()[idx], values(want["upper"]), f"{name} conf_high")


@pytest.mark.parametrize(
    "name", ["budworm_cbind", "insurance_poisson_offset", "mtcars_aliased", "trees_gamma_log"]
)
def test_tidy_exponentiate(name: str) -> None:
    """broom exponentiates the estimate and the interval ends, not the standard error."""
    m = fitted(name)
    t = m.tidy(conf_int=True, level=0.9, exponentiate=True, conf_method="wald")
    idx = r_order(m, name)
    r = load(name)["r"]
    close(t["estimate"].to_numpy()[idx], np.exp(values(r["tidy"]["estimate"])), f"{name} exp(estimate)")
    for col in ["std_error", "statistic", "p_value"]:
        close(t[col].to_numpy()[idx], values(r["tidy"][col]), f"{name} {col}")
    close(t["conf_low"].to_numpy()[idx], np.exp(values(r["confint_wald_90"]["lower"])), f"{name} conf_low")
    close(t["conf_high"].to_numpy()[idx], np.exp(values(r["confint_wald_90"]["upper"])), f"{name} conf_high")


def test_tidy_keeps_aliased_rows() -> None:
    m = fitted("mtcars_aliased")
    t = m.tidy(conf_int=True, conf_method="wald")
    row = t.set_index("term").loc["wt2"]
    assert row.isna().all()
    assert t.drop(columns="term").drop(index=t.index[t["term"] == "wt2"]).notna().all().all()


PROFILE_CASES = [n for n in IDS if load(n)["r"]["confint_profile_95"] and load(n)["r"]["coef_names"]]


@pytest.mark.parametrize("name", PROFILE_CASES)
def test_tidy_profile_intervals(name: str) -> None:
    """broom's default: profile-likelihood intervals at the requested level.

    The interval ends are ``conf_int(method="profile")``'s, whose accuracy is held against
    exact roots of R's profile in tests/test_profile.py.  R's ``confint`` interpolates a
    spline through a grid, which is off by up to a few parts in a thousand (0.35% on one
    end of esoph_quasibinomial), so it is only a loose check here.
    """
    m = fitted(name)
    idx = r_order(m, name)
    r = load(name)["r"]
    for level in (0.95, 0.90):
        t = m.tidy(conf_int=True, level=level)
        ci = m.conf_int(level=level, method="profile")
        np.testing.assert_array_equal(t["conf_low"].to_numpy(), ci["lower"].to_numpy())
        np.testing.assert_array_equal(t["conf_high"].to_numpy(), ci["upper"].to_numpy())
        want = r[f"confint_profile_{round(level * 100)}"]
        close(t["conf_low"].to_numpy()[idx], values(want["lower"]), f"{name} profile low", rtol=5e-3)
        close(t["conf_high"].to_numpy()[idx], values(want["upper"]), f"{name} profile high", rtol=5e-3)


# -- glance ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", IDS)
def test_glance_matches_r(name: str) -> None:
    g = fitted(name).glance()
    want = load(name)["r"]["glance"]
    assert list(g.columns) == [
        "null_deviance",
        "df_null",
        "logLik",
        "AIC",
        "BIC",
        "deviance",
        "df_residual",
        "nobs",
    ]
    assert len(g) == 1
    for col in ["df_null", "df_residual", "nobs"]:
        assert g[col].dtype == np.int64 and g[col].iloc[0] == want[col], col
    for col in ["null_deviance", "logLik", "AIC", "BIC", "deviance"]:
        got, expected = g[col].iloc[0], values([want[col]])
        if np.isinf(expected[0]):  # R's Gaussian likelihood with zero weights
            assert got == expected[0], f"{name} {col}: {got} vs R {expected[0]}"
        else:
            close([got], expected, f"{name} {col}")


# -- augment ---------------------------------------------------------------------------------------
AUGMENT_COLS = [".fitted", ".se_fit", ".resid", ".hat", ".sigma", ".cooksd", ".std_resid"]


@pytest.mark.parametrize("name", IDS)
@pytest.mark.parametrize("type_predict", ["link", "response"])
@pytest.mark.parametrize("type_residuals", ["deviance", "pearson"])
def test_augment_matches_r(name: str, type_predict: str, type_residuals: str) -> None:
    m = fitted(name)
    a = m.augment(type_predict=type_predict, type_residuals=type_residuals, se_fit=True)
    r = load(name)["r"]["augment"]
    assert list(a.index) == r["rows"]  # the rows the model used, on the caller's labels
    assert list(a.columns[-len(AUGMENT_COLS) :]) == AUGMENT_COLS
    close(a[".fitted"], values(r[f"fitted_{type_predict}"]), f"{name} .fitted")
    if m.rank:  # R's predict.glm gives NA standard errors for a model without coefficients
        close(a[".se_fit"], values(r[f"se_{type_predict}"]), f"{name} .se_fit")
    close(a[".resid"], values(r[f"resid_{type_residuals}"]), f"{name} .resid")
    close(a[".hat"], values(r["hat"]), f"{name} .hat")
    close(a[".sigma"], values(r["sigma"]), f"{name} .sigma")
    close(a[".cooksd"], values(r["cooksd"]), f"{name} .cooksd")
    close(a[".std_resid"], values(r[f"std_resid_{type_residuals}"]), f"{name} .std_resid")


@pytest.mark.parametrize(
    "name", ["mtcars_gaussian", "budworm_cbind", "insurance_poisson_offset", "trees_invgauss"]
)
def test_augment_newdata_matches_r(name: str) -> None:
    """Predicting the fitted rows as new data gives R's fitted values and standard errors;
    with newdata broom adds nothing else."""
    m = fitted(name)
    r = load(name)["r"]["augment"]
    new = read_data(name).iloc[r["rows"]]
    before = new.copy()
    for kind in ("link", "response"):
        a = m.augment(new, type_predict=kind, se_fit=True)
        assert list(a.columns) == list(new.columns) + [".fitted", ".se_fit"]
        assert a.index.equals(new.index)
        close(a[".fitted"], values(r[f"fitted_{kind}"]), f"{name} newdata .fitted")
        close(a[".se_fit"], values(r[f"se_{kind}"]), f"{name} newdata .se_fit")
    plain = m.augment(new)
    assert list(plain.columns) == list(new.columns) + [".fitted"]
    pd.testing.assert_frame_equal(new, before)


def test_augment_columns_and_no_mutation() -> None:
    data = read_data("insurance_poisson_offset")
    before = data.copy()
    m = fit_case("insurance_poisson_offset", data)
    a = m.augment()
    # broom's default model.frame: the variables the model uses, in the data's order.
    assert list(a.columns[:-6]) == ["District", "Group", "Age", "Holders", "Claims"]
    full = m.augment(data=m.data)
    assert list(full.columns[:-6]) == list(data.columns)
    pd.testing.assert_frame_equal(full[a.columns], a)
    pd.testing.assert_frame_equal(data, before)
    a.iloc[0, 0] = -99
    pd.testing.assert_frame_equal(data, before)

    titanic = fit_case("titanic_weights_zero")
    assert list(titanic.augment().columns[:-6]) == ["Class", "Sex", "Age", "Survived", "Freq"]


def test_augment_zero_weight_rows_follow_broom() -> None:
    m = fitted("mtcars_gaussian_weights_zero")
    a = m.augment()
    zero = read_data("mtcars_gaussian_weights_zero")["w"].to_numpy() == 0
    assert zero.sum() == 2
    assert (a.loc[zero, [".hat", ".sigma", ".cooksd"]] == 0).all().all()
    assert a.loc[zero, ".std_resid"].isna().all()
    assert a.loc[~zero, [".hat", ".sigma", ".cooksd", ".std_resid"]].notna().all().all()


def test_augment_na_rows() -> None:
    data = read_data("airquality_gaussian_exclude")
    complete = data[["Ozone", "Solar.R", "Wind", "Temp"]].notna().all(axis=1)
    for action in ("exclude", "omit"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = rglm.glm("Ozone ~ Solar.R + Wind + Temp", data, na_action=action)
        a = m.augment(se_fit=True)
        assert a.index.equals(data.index[complete])
        assert a[AUGMENT_COLS].notna().all().all()


def test_augment_subset_and_unique_labels() -> None:
    data = read_data("mtcars_gaussian").set_index("car")
    m = rglm.glm("mpg ~ wt + hp", data, subset="cyl != 6")
    a = m.augment()
    assert a.index.equals(data.index[data["cyl"] != 6])
    np.testing.assert_array_equal(a["mpg"], data.loc[data["cyl"] != 6, "mpg"])
    dup = data.reset_index(drop=True)
    dup.index = np.zeros(len(dup), dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        all_rows = rglm.glm("mpg ~ wt + hp", dup)
    assert len(all_rows.augment()) == len(dup)
    sub = rglm.glm("mpg ~ wt + hp", dup, subset="cyl != 6")
    with pytest.raises(DataError, match="duplicate row labels"):
        sub.augment()


def test_bad_arguments() -> None:
    m = fitted("budworm_cbind")
    with pytest.raises(ArgumentError, match="type_predict"):
        m.augment(type_predict="terms")
    with pytest.raises(ArgumentError, match="type_residuals"):
        m.augment(type_residuals="response")
    with pytest.raises(ArgumentError, match="level must be a number between 0 and 1"):
        m.tidy(conf_int=True, level=95)
    with pytest.raises(ArgumentError, match="newdata"):
        m.augment(read_data("budworm_cbind"), data=read_data("budworm_cbind"))
    with pytest.raises(ArgumentError, match="data="):
        m._replace(data=None).augment()
    with pytest.raises(DataError, match="no rows labelled"):
        m.augment(data=read_data("budworm_cbind").iloc[:3])
