"""The model frame follows R's ``model.frame``/``model.matrix`` semantics.

The expected values are computed independently: mostly by fitting the same model on a frame
cleaned or recoded by hand (so the comparison is to 1e-10), and in one place against R's
printed figures (R code quoted next to them).  R's rules checked here:

* ``subset`` is applied first, then ``na.omit`` over every model variable (response,
  predictors, weights, offset), then ``drop.unused.levels = TRUE``;
* transforms that give NaN (``log`` of a negative number) are missing values too;
* a factor response for the binomial family is "not the first level" (first level = failure);
* ``predict(newdata)`` replays transforms, factor levels and formula offsets.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm

RTOL = 1e-10
ATOL = 1e-12


def make_data(n: int = 36, seed: int = 7) -> pd.DataFrame:
    """Counts with an exposure, a numeric and a three-level string predictor, weights."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 3.0, n)
    g = np.tile(["a", "b", "c"], n // 3)
    expo = rng.uniform(1.0, 4.0, n)
    w = rng.uniform(0.5, 2.0, n)
    mu = expo * np.exp(0.2 + 0.3 * x + 0.5 * (g == "b") - 0.4 * (g == "c"))
    return pd.DataFrame(
        {
            "y": rng.poisson(mu).astype(float),
            "x": x,
            "g": g,
            "expo": expo,
            "lexpo": np.log(expo),
            "w": w,
            "z": rng.normal(size=n),
        }
    )


def make_binomial(n: int = 30, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    trials = rng.integers(1, 9, n).astype(float)
    succ = rng.binomial(trials.astype(int), 1 / (1 + np.exp(-(0.3 + 0.8 * x)))).astype(float)
    return pd.DataFrame(
        {
            "succ": succ,
            "fail": trials - succ,
            "trials": trials,
            "prop": succ / trials,
            "x": x,
            "b": rng.random(n) < 1 / (1 + np.exp(-x)),
        }
    )


def assert_same_fit(a: rglm.GLMResult, b: rglm.GLMResult, rtol: float = RTOL) -> None:
    """Two fits of the same model: every figure equal (names may differ)."""
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=rtol, atol=ATOL)
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=rtol, atol=ATOL)
    np.testing.assert_allclose(a.deviance, b.deviance, rtol=rtol, atol=ATOL)
    np.testing.assert_allclose(a.null_deviance, b.null_deviance, rtol=rtol, atol=ATOL)
    np.testing.assert_allclose(a.fittedvalues.to_numpy(), b.fittedvalues.to_numpy(), rtol=rtol, atol=ATOL)
    if not np.isnan(a.aic) or not np.isnan(b.aic):
        np.testing.assert_allclose(a.aic, b.aic, rtol=rtol, atol=ATOL)
    assert a.nobs == b.nobs
    assert a.df_resid == b.df_resid


def quiet_glm(*args: Any, **kwargs: Any) -> rglm.GLMResult:
    """glm() that must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return rglm.glm(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Missing values
# ---------------------------------------------------------------------------------------------


def _with_missing() -> pd.DataFrame:
    df = make_data()
    df.loc[1, "y"] = np.nan
    df.loc[4, "x"] = np.nan
    df.loc[7, "g"] = None
    df.loc[10, "w"] = np.nan
    df.loc[13, "lexpo"] = np.nan
    df.loc[16, "x"] = np.nan  # a second NA in x
    df.loc[16, "w"] = np.nan  # ... in the same row: one row dropped, not two
    return df


BAD_ROWS = [1, 4, 7, 10, 13, 16]


@pytest.mark.parametrize("how", ["names", "arrays", "formula_offset"])
def test_na_omit_drops_rows_with_na_in_any_model_variable(how: str) -> None:
    df = _with_missing()
    before = df.copy(deep=True)
    if how == "names":
        m = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo")
    elif how == "arrays":
        m = quiet_glm(
            "y ~ x + g", df, rglm.Poisson(), weights=df["w"].to_numpy(), offset=df["lexpo"].to_numpy()
        )
    else:
        m = quiet_glm("y ~ x + g + offset(lexpo)", df, rglm.Poisson(), weights="w")
    clean = df.drop(index=BAD_ROWS)
    ref = quiet_glm(
        "y ~ x + g", clean, rglm.Poisson(), weights=clean["w"].to_numpy(), offset=clean["lexpo"].to_numpy()
    )
    assert m.n_dropped == len(BAD_ROWS)
    assert m.nobs == len(df) - len(BAD_ROWS)
    assert_same_fit(m, ref)
    assert list(m.fittedvalues.index) == list(clean.index)
    pd.testing.assert_frame_equal(df, before)


def test_na_in_column_not_in_the_model_drops_nothing() -> None:
    df = make_data()
    df.loc[[0, 5, 9], "z"] = np.nan
    df["unused_str"] = None
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), offset="lexpo")
    ref = quiet_glm("y ~ x + g", df.drop(columns=["z", "unused_str"]), rglm.Poisson(), offset="lexpo")
    assert m.n_dropped == 0
    assert m.nobs == len(df)
    assert_same_fit(m, ref)
    assert "deleted due to missingness" not in str(m.summary())


def test_column_named_like_a_function_is_not_a_model_variable() -> None:
    # R: all.vars(y ~ log(x) + C(g)) is c("y", "x", "g"); columns called "log" or "C" are not
    # model variables, so their NAs drop nothing and they do not hide the functions.
    df = make_data()
    df["log"] = np.where(np.arange(len(df)) < 4, np.nan, 1.0)
    df["C"] = np.where(np.arange(len(df)) < 4, np.nan, 2.0)
    m = quiet_glm("y ~ log(x) + C(g)", df, rglm.Poisson())
    ref = quiet_glm("y ~ log(x) + C(g)", df.drop(columns=["log", "C"]), rglm.Poisson())
    assert m.n_dropped == 0
    assert_same_fit(m, ref)


def test_summary_reports_deleted_observations_in_r_wording() -> None:
    df = make_data()
    df.loc[[2, 3, 8], "x"] = np.nan
    m = quiet_glm("y ~ x + g", df, rglm.Poisson())
    assert m.n_dropped == 3
    text = str(m.summary())
    assert "\n  (3 observations deleted due to missingness)\n" in text
    # The line sits right after the residual deviance, as R prints it.
    lines = text.splitlines()
    i = lines.index("  (3 observations deleted due to missingness)")
    assert lines[i - 1].startswith("Residual deviance:")
    assert lines[i + 1].startswith("AIC:")


def test_summary_says_one_observation_singular() -> None:
    df = make_data()
    df.loc[5, "y"] = np.nan
    m = quiet_glm("y ~ x", df, rglm.Poisson())
    assert m.n_dropped == 1
    text = str(m.summary())
    assert "\n  (1 observation deleted due to missingness)\n" in text
    assert "1 observations" not in text


def test_airquality_against_r() -> None:
    # R 4.2.2:
    #   m <- glm(Ozone ~ Solar.R + Wind + log(Temp), family = poisson, data = airquality)
    #   print(coef(m), digits = 17); print(sqrt(diag(vcov(m))), digits = 17)
    #   print(c(deviance(m), AIC(m), nobs(m), length(m$na.action)), digits = 17)
    r_coef = [-10.7625684273668902335, 0.0022461225311041625, -0.0834384190877450610, 3.3803599281344394178]
    r_se = [0.74289312976759380724, 0.00020826503087207964, 0.00519625330141020025, 0.16453009548805783147]
    r_dev, r_aic, r_nobs, r_dropped = 753.14454090207403, 1345.28118021073146, 111, 42
    aq = rglm.datasets.load("airquality")
    before = aq.copy(deep=True)
    m = quiet_glm("Ozone ~ Solar.R + Wind + log(Temp)", aq, rglm.Poisson())
    np.testing.assert_allclose(m.params.to_numpy(), r_coef, rtol=1e-10)
    np.testing.assert_allclose(m.bse.to_numpy(), r_se, rtol=1e-10)
    np.testing.assert_allclose([m.deviance, m.aic], [r_dev, r_aic], rtol=1e-10)
    assert (m.nobs, m.n_dropped) == (r_nobs, r_dropped)
    assert "  (42 observations deleted due to missingness)" in str(m.summary())
    pd.testing.assert_frame_equal(aq, before)


def test_na_action_fail_names_every_column_with_missing_values() -> None:
    df = make_data().rename(columns={"w": "wt_col", "lexpo": "off_col"})
    df.loc[1, "y"] = np.nan
    df.loc[4, "x"] = np.nan
    df.loc[7, "g"] = None
    df.loc[10, "wt_col"] = np.nan
    df.loc[13, "off_col"] = np.nan
    df.loc[[3, 6], "z"] = np.nan  # not a model variable: not named
    before = df.copy(deep=True)
    with pytest.raises(rglm.DataError, match=r"(?i)missing") as info:
        rglm.glm("y ~ x + g", df, rglm.Poisson(), weights="wt_col", offset="off_col", na_action="fail")
    msg = str(info.value)
    for col in ["y", "x", "g", "wt_col", "off_col"]:
        assert re.search(rf"'{col}'", msg), (col, msg)
    assert "'z'" not in msg
    pd.testing.assert_frame_equal(df, before)


def test_na_action_fail_names_weights_and_offset_arrays() -> None:
    df = make_data()
    w = df["w"].to_numpy().copy()
    w[3] = np.nan
    o = df["lexpo"].to_numpy().copy()
    o[5] = np.nan
    with pytest.raises(rglm.DataError) as info:
        rglm.glm("y ~ x", df, rglm.Poisson(), weights=w, offset=o, na_action="fail")
    assert re.search(r"weights", str(info.value)) and re.search(r"offset", str(info.value)), str(info.value)


def test_na_action_fail_without_missing_values_equals_omit() -> None:
    df = make_data()
    assert_same_fit(
        quiet_glm("y ~ x + g", df, rglm.Poisson(), na_action="fail"),
        quiet_glm("y ~ x + g", df, rglm.Poisson(), na_action="omit"),
    )


def test_na_action_exclude_pads_like_r_or_is_rejected() -> None:
    # R's na.exclude fits as na.omit but pads fitted(), residuals() and predict() with NA at
    # the dropped rows.  Accepting "exclude" and behaving as "omit" would silently misalign
    # results with the caller's rows, so rglm must either pad or refuse the value.
    df = make_data()
    df.loc[[2, 5], "x"] = np.nan
    try:
        m = rglm.glm("y ~ x + g", df, rglm.Poisson(), na_action="exclude")
    except rglm.DataError as exc:
        assert "exclude" in str(exc)
        return
    omit = quiet_glm("y ~ x + g", df, rglm.Poisson())
    np.testing.assert_allclose(m.params.to_numpy(), omit.params.to_numpy(), rtol=RTOL)
    assert m.n_dropped == 2
    for name in ["fittedvalues", "resid_response", "resid_deviance", "resid_pearson"]:
        series = getattr(m, name)
        pd.testing.assert_index_equal(series.index, df.index, obj=name, exact="equiv")
        assert series.loc[[2, 5]].isna().all(), name
        np.testing.assert_allclose(
            series.drop(index=[2, 5]).to_numpy(), getattr(omit, name).to_numpy(), rtol=RTOL
        )
    pd.testing.assert_index_equal(m.predict().index, df.index, exact="equiv")


def test_na_action_fail_with_nan_from_a_transform() -> None:
    df = make_data()
    df.loc[2, "x"] = -1.0
    with pytest.raises(rglm.DataError, match=r"(?i)missing|NaN"):
        rglm.glm("y ~ log(x)", df, rglm.Poisson(), na_action="fail")


# ---------------------------------------------------------------------------------------------
# The caller's index
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "index",
    [
        pd.Index([f"obs{i:02d}" for i in range(36)]),
        pd.Index(np.arange(36) * 10 + 5),
        pd.Index(np.arange(36)[::-1]),
    ],
    ids=["strings", "gaps", "reversed"],
)
def test_per_row_results_carry_the_callers_index(index: pd.Index) -> None:
    df = make_data().set_axis(index, axis=0)
    df.iloc[[3, 20], df.columns.get_loc("x")] = np.nan
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo")
    used = index.delete([3, 20])
    for name in [
        "fittedvalues",
        "linear_predictors",
        "resid_response",
        "resid_pearson",
        "resid_deviance",
        "resid_working",
        "working_weights",
        "prior_weights",
    ]:
        series = getattr(m, name)
        assert isinstance(series, pd.Series), name
        pd.testing.assert_index_equal(series.index, used, obj=name)
    pd.testing.assert_index_equal(m.predict().index, used)
    pd.testing.assert_index_equal(m.predict(type="link", se_fit=True).index, used)
    # The values line up with the rows: the same fit on a default-index frame, row by row.
    ref = quiet_glm("y ~ x + g", df.reset_index(drop=True), rglm.Poisson(), weights="w", offset="lexpo")
    np.testing.assert_allclose(m.fittedvalues.to_numpy(), ref.fittedvalues.to_numpy(), rtol=RTOL)
    new = df.iloc[[30, 0, 12]]
    pred = m.predict(new)
    pd.testing.assert_index_equal(pred.index, new.index)
    np.testing.assert_allclose(pred.to_numpy(), m.fittedvalues.loc[new.index].to_numpy(), rtol=RTOL)


# ---------------------------------------------------------------------------------------------
# subset
# ---------------------------------------------------------------------------------------------


def test_subset_mask_and_query_equal_the_filtered_frame() -> None:
    df = make_data()
    mask = (df["x"] > 1.0).to_numpy()
    ref = quiet_glm("y ~ x + g", df[mask], rglm.Poisson(), weights="w", offset="lexpo")
    by_mask = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo", subset=mask)
    by_series = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo", subset=df["x"] > 1.0)
    by_query = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo", subset="x > 1.0")
    for m in (by_mask, by_series, by_query):
        assert_same_fit(m, ref)
        pd.testing.assert_index_equal(m.fittedvalues.index, df.index[mask])
        assert m.n_dropped == 0


def test_subset_with_array_weights_and_offset_picks_the_same_rows() -> None:
    df = make_data()
    mask = (df["g"] != "b").to_numpy()
    m = quiet_glm(
        "y ~ x + g",
        df,
        rglm.Poisson(),
        weights=df["w"].to_numpy(),
        offset=df["lexpo"].to_numpy(),
        subset=mask,
    )
    ref = quiet_glm("y ~ x + g", df[mask], rglm.Poisson(), weights="w", offset="lexpo")
    assert_same_fit(m, ref)


def test_subset_is_applied_before_na_removal() -> None:
    df = make_data()
    df.loc[[0, 3], "x"] = np.nan  # rows 0, 3 have g == "a"
    df.loc[[1, 4], "x"] = np.nan  # rows 1, 4 have g == "b"
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), subset="g != 'a'")
    # Only the NA rows inside the subset count as deleted.
    assert m.n_dropped == 2
    ref = quiet_glm("y ~ x + g", df[(df["g"] != "a") & df["x"].notna()], rglm.Poisson())
    assert_same_fit(m, ref)


def test_subset_drops_unused_levels() -> None:
    df = make_data()
    df["gc"] = pd.Categorical(df["g"], categories=["a", "b", "c"])
    for col in ["g", "gc"]:
        m = quiet_glm(f"y ~ x + {col}", df, rglm.Poisson(), subset=df["g"] != "c")
        assert not any(re.search(r"\bc\]", name) for name in m.exog_names), m.exog_names
        assert m.rank == 3 and len(m.params) == 3
        assert not m.params.isna().any()


def test_subset_with_missing_values_in_the_mask() -> None:
    # A nullable comparison gives pd.NA where x is missing.  R keeps such rows through
    # `subset` and na.omit then deletes them:
    #   d <- data.frame(y = c(NA, 1, 2, 3, 4, 5, 3, 2), x = c(1, NA, 3, 4, 5, 6, 2, 1))
    #   m <- glm(y ~ x, poisson, data = d, subset = x > -10); nobs(m); length(m$na.action)   # 6 2
    #   m <- glm(y ~ x, poisson, data = d, subset = x > 2); nobs(m); length(m$na.action)     # 4 1
    df = pd.DataFrame(
        {"y": [np.nan, 1, 2, 3, 4, 5, 3, 2], "x": pd.array([1, None, 3, 4, 5, 6, 2, 1], dtype="Float64")}
    )
    clean = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 3, 2], "x": [np.nan, 3, 4, 5, 6, 2, 1]}).dropna()
    for subset, nobs, dropped in [("x > -10", 6, 2), ("x > 2", 4, 1), (df["x"] > 2, 4, 1)]:
        m = quiet_glm("y ~ x", df, rglm.Poisson(), subset=subset)
        assert (m.nobs, m.n_dropped) == (nobs, dropped), subset
        threshold = -10 if isinstance(subset, str) and "-10" in subset else 2
        ref = quiet_glm("y ~ x", clean[clean["x"] > threshold], rglm.Poisson())
        assert_same_fit(m, ref)


# ---------------------------------------------------------------------------------------------
# weights and offsets
# ---------------------------------------------------------------------------------------------


def test_weights_and_offset_by_name_by_array_and_in_formula_are_identical() -> None:
    df = make_data()
    by_name = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo")
    by_array = quiet_glm(
        "y ~ x + g", df, rglm.Poisson(), weights=df["w"].to_numpy(), offset=df["lexpo"].to_numpy()
    )
    by_series = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights=df["w"], offset=df["lexpo"])
    by_list = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights=list(df["w"]), offset=list(df["lexpo"]))
    in_formula = quiet_glm("y ~ x + g + offset(lexpo)", df, rglm.Poisson(), weights="w")
    log_in_formula = quiet_glm("y ~ x + offset(log(expo)) + g", df, rglm.Poisson(), weights="w")
    for m in (by_array, by_series, by_list, in_formula, log_in_formula):
        assert_same_fit(m, by_name)
        np.testing.assert_allclose(
            m.linear_predictors.to_numpy(), by_name.linear_predictors.to_numpy(), rtol=RTOL
        )


def test_offset_column_and_formula_offset_add_up() -> None:
    df = make_data()
    df["half"] = df["lexpo"] / 2
    both = quiet_glm("y ~ x + g + offset(half)", df, rglm.Poisson(), offset="half")
    two_in_formula = quiet_glm("y ~ x + offset(half) + g + offset(half)", df, rglm.Poisson())
    total = quiet_glm("y ~ x + g", df, rglm.Poisson(), offset="lexpo")
    assert_same_fit(both, total)
    assert_same_fit(two_in_formula, total)
    # the offset is in the linear predictor, not in the coefficients
    np.testing.assert_allclose(
        (both.linear_predictors - both.predict(type="link")).to_numpy(), 0.0, atol=1e-12
    )
    new = df.head(5)
    np.testing.assert_allclose(both.predict(new).to_numpy(), total.predict(new).to_numpy(), rtol=RTOL)


def test_offset_changes_the_fit() -> None:
    # Guard for the tests above: without the offset the model is different.
    df = make_data()
    with_off = quiet_glm("y ~ x + g", df, rglm.Poisson(), offset="lexpo")
    without = quiet_glm("y ~ x + g", df, rglm.Poisson())
    assert abs(with_off.params.iloc[0] - without.params.iloc[0]) > 0.1


def test_gaussian_weights_equal_replicated_rows() -> None:
    # Integer prior weights in a Gaussian fit give the coefficients of repeating each row.
    df = make_data()
    df["iw"] = np.tile([1.0, 2.0, 3.0], len(df) // 3)
    m = quiet_glm("x ~ z + g", df, weights="iw")
    rep = df.loc[df.index.repeat(df["iw"].astype(int))].reset_index(drop=True)
    ref = quiet_glm("x ~ z + g", rep)
    np.testing.assert_allclose(m.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(m.deviance, ref.deviance, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Categorical predictors
# ---------------------------------------------------------------------------------------------


def test_unused_category_gives_the_same_fit() -> None:
    df = make_data()
    df["gc"] = pd.Categorical(df["g"], categories=["a", "b", "c", "never"])
    df["gplain"] = pd.Categorical(df["g"], categories=["a", "b", "c"])
    before = df.copy(deep=True)
    m = quiet_glm("y ~ x + gc", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + gplain", df, rglm.Poisson())
    assert_same_fit(m, ref)
    assert not m.params.isna().any()
    assert not any("never" in name for name in m.exog_names)
    assert list(df["gc"].cat.categories) == ["a", "b", "c", "never"]
    pd.testing.assert_frame_equal(df, before)


def test_unused_first_category_is_not_the_reference() -> None:
    df = make_data()
    df["gc"] = pd.Categorical(df["g"], categories=["never", "a", "b", "c"])
    m = quiet_glm("y ~ x + gc", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + g", df, rglm.Poisson())
    assert_same_fit(m, ref)


def _group_means(df: pd.DataFrame) -> pd.Series:
    return df.groupby("g")["y"].mean()


def test_categorical_level_order_sets_the_reference_level() -> None:
    # For a saturated Poisson model y ~ g the fit is the group means: the intercept is
    # log(mean of the reference group), the other coefficients log ratios to it.
    df = make_data()
    means = _group_means(df)
    df["gc"] = pd.Categorical(df["g"], categories=["c", "a", "b"])
    m = quiet_glm("y ~ gc", df, rglm.Poisson())
    expected = [np.log(means["c"]), np.log(means["a"] / means["c"]), np.log(means["b"] / means["c"])]
    np.testing.assert_allclose(m.params.to_numpy(), expected, rtol=1e-9)
    assert re.search(r"\ba\]", m.exog_names[1]) and re.search(r"\bb\]", m.exog_names[2]), m.exog_names


def test_string_column_uses_sorted_levels() -> None:
    df = make_data()
    order = np.argsort(-np.arange(len(df)))  # rows in reverse, so "c" is met first
    df = df.iloc[order].reset_index(drop=True)
    assert df["g"].iloc[0] == "c"
    means = _group_means(df)
    m = quiet_glm("y ~ g", df, rglm.Poisson())
    expected = [np.log(means["a"]), np.log(means["b"] / means["a"]), np.log(means["c"] / means["a"])]
    np.testing.assert_allclose(m.params.to_numpy(), expected, rtol=1e-9)
    assert re.search(r"\bb\]", m.exog_names[1]) and re.search(r"\bc\]", m.exog_names[2]), m.exog_names


def test_bool_predictor_is_a_zero_one_column() -> None:
    df = make_data()
    df["flag"] = df["z"] > 0
    df["flag01"] = df["flag"].astype(float)
    m = quiet_glm("y ~ x + flag", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + flag01", df, rglm.Poisson())
    assert_same_fit(m, ref)
    assert len(m.params) == 3


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean"])
@pytest.mark.parametrize("role", ["predictor", "response"])
def test_nullable_dtypes_with_pd_na_are_missing(dtype: str, role: str) -> None:
    df = make_data()
    if role == "predictor":
        values = {"Int64": np.round(df["x"] * 3), "Float64": df["x"], "boolean": df["z"] > 0}[dtype]
        df["v"] = pd.array(values, dtype=dtype)
        df.loc[[2, 9], "v"] = pd.NA
        formula, family, numeric = "y ~ v + g", rglm.Poisson(), values.astype(float)
        target = "v"
    else:
        values = {"Int64": df["y"], "Float64": df["y"], "boolean": df["y"] > df["y"].median()}[dtype]
        df["v"] = pd.array(values.astype("int64") if dtype == "Int64" else values, dtype=dtype)
        df.loc[[2, 9], "v"] = pd.NA
        family = rglm.Binomial() if dtype == "boolean" else rglm.Poisson()
        formula, numeric, target = "v ~ x + g", values.astype(float), "v"
    before = df.copy(deep=True)
    m = quiet_glm(formula, df, family)
    clean = df.drop(index=[2, 9]).assign(**{target: numeric.drop(index=[2, 9]).to_numpy()})
    ref = quiet_glm(formula, clean, family)
    assert m.n_dropped == 2
    assert_same_fit(m, ref)
    pd.testing.assert_frame_equal(df, before)


def test_string_predictor_with_missing_values() -> None:
    df = make_data()
    df.loc[[0, 4], "g"] = None
    m = quiet_glm("y ~ x + g", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + g", df.drop(index=[0, 4]), rglm.Poisson())
    assert m.n_dropped == 2
    assert_same_fit(m, ref)


def test_categorical_with_missing_values() -> None:
    df = make_data()
    df["gc"] = pd.Categorical(df["g"])
    df.loc[[0, 4], "gc"] = np.nan
    m = quiet_glm("y ~ x + gc", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + g", df.drop(index=[0, 4]), rglm.Poisson())
    assert m.n_dropped == 2
    assert_same_fit(m, ref)


# ---------------------------------------------------------------------------------------------
# Binomial responses
# ---------------------------------------------------------------------------------------------


def test_bool_response() -> None:
    df = make_binomial()
    df["b01"] = df["b"].astype(float)
    assert_same_fit(quiet_glm("b ~ x", df, rglm.Binomial()), quiet_glm("b01 ~ x", df, rglm.Binomial()))


def test_two_level_string_response_first_sorted_level_is_failure() -> None:
    df = make_binomial()
    df["s"] = np.where(df["b"], "alive", "dead")  # sorted: "alive" < "dead", so "alive" is failure
    df["is_dead"] = (~df["b"]).astype(float)
    m = quiet_glm("s ~ x", df, rglm.Binomial())
    assert_same_fit(m, quiet_glm("is_dead ~ x", df, rglm.Binomial()))
    assert m.params["x"] < 0  # successes ("dead") fall with x, since b rises with x


def test_string_response_with_missing_values() -> None:
    df = make_binomial()
    df["s"] = pd.Series(np.where(df["b"], "yes", "no"), dtype=object)
    df.loc[[1, 2], "s"] = None
    m = quiet_glm("s ~ x", df, rglm.Binomial())
    clean = df.drop(index=[1, 2])
    assert m.n_dropped == 2
    assert_same_fit(m, quiet_glm("b ~ x", clean, rglm.Binomial()))


def test_categorical_response_first_category_is_failure() -> None:
    df = make_binomial()
    labels = np.where(df["b"], "yes", "no")
    df["cat_yes_first"] = pd.Categorical(labels, categories=["yes", "no"])
    df["cat_no_first"] = pd.Categorical(labels, categories=["no", "yes"])
    df["cat_unused_first"] = pd.Categorical(labels, categories=["maybe", "no", "yes"])
    df["is_no"] = (~df["b"]).astype(float)
    is_no = quiet_glm("is_no ~ x", df, rglm.Binomial())
    is_yes = quiet_glm("b ~ x", df, rglm.Binomial())
    assert_same_fit(quiet_glm("cat_yes_first ~ x", df, rglm.Binomial()), is_no)
    assert_same_fit(quiet_glm("cat_no_first ~ x", df, rglm.Binomial()), is_yes)
    # R drops the unused level first (drop.unused.levels), so "no" is the first level.
    assert_same_fit(quiet_glm("cat_unused_first ~ x", df, rglm.Binomial()), is_yes)


def test_three_level_factor_response_is_not_first_level() -> None:
    df = make_binomial()
    df["s3"] = np.where(df["b"], np.where(df["x"] > 0, "hi", "mid"), "lo")
    df["cat"] = pd.Categorical(df["s3"], categories=["lo", "mid", "hi"])
    assert_same_fit(quiet_glm("cat ~ x", df, rglm.Binomial()), quiet_glm("b ~ x", df, rglm.Binomial()))


def test_proportion_with_weights_equals_cbind() -> None:
    df = make_binomial()
    cb = quiet_glm("cbind(succ, fail) ~ x", df, rglm.Binomial())
    pw = quiet_glm("prop ~ x", df, rglm.Binomial(), weights="trials")
    expr = quiet_glm("I(succ / trials) ~ x", df, rglm.Binomial(), weights="trials")
    cb_expr = quiet_glm("cbind(succ, trials - succ) ~ x", df, rglm.Binomial())
    for m in (pw, expr, cb_expr):
        np.testing.assert_allclose(m.params.to_numpy(), cb.params.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(m.bse.to_numpy(), cb.bse.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(
            [m.deviance, m.null_deviance, m.aic], [cb.deviance, cb.null_deviance, cb.aic], rtol=RTOL
        )
        assert m.nobs == cb.nobs == len(df)
        np.testing.assert_allclose(m.fittedvalues.to_numpy(), cb.fittedvalues.to_numpy(), rtol=RTOL)


# ---------------------------------------------------------------------------------------------
# Formula features
# ---------------------------------------------------------------------------------------------


def test_factor_is_c() -> None:
    df = make_data()
    df["k"] = np.tile([3, 1, 2], len(df) // 3)
    m_factor = quiet_glm("y ~ x + factor(k)", df, rglm.Poisson())
    m_c = quiet_glm("y ~ x + C(k)", df, rglm.Poisson())
    m_str = quiet_glm("y ~ x + ks", df.assign(ks=df["k"].astype(str)), rglm.Poisson())
    assert_same_fit(m_factor, m_c)
    assert_same_fit(m_factor, m_str)
    assert len(m_factor.params) == 4


@pytest.mark.parametrize(
    "fn, np_fn", [("log", np.log), ("sqrt", np.sqrt), ("exp", np.exp), ("log10", np.log10), ("abs", np.abs)]
)
def test_r_style_bare_functions(fn: str, np_fn: Any) -> None:
    df = make_data()
    df["t"] = np_fn(df["x"])
    m = quiet_glm(f"y ~ {fn}(x) + g", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ t + g", df, rglm.Poisson()))


def test_identity_function_power() -> None:
    df = make_data()
    df["x2"] = df["x"] ** 2
    m = quiet_glm("y ~ x + I(x**2)", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ x + x2", df, rglm.Poisson()))
    assert_same_fit(m, quiet_glm("y ~ x + I(x * x)", df, rglm.Poisson()))


def test_log_response_gaussian() -> None:
    df = make_data()
    df["ly"] = np.log(df["expo"])
    assert_same_fit(quiet_glm("log(expo) ~ x + g", df), quiet_glm("ly ~ x + g", df))


def test_interactions() -> None:
    df = make_data()
    manual = df.assign(gb=(df["g"] == "b").astype(float), gc=(df["g"] == "c").astype(float))
    manual["x_gb"] = manual["x"] * manual["gb"]
    manual["x_gc"] = manual["x"] * manual["gc"]
    star = quiet_glm("y ~ x * g", df, rglm.Poisson())
    assert_same_fit(star, quiet_glm("y ~ x + g + x:g", df, rglm.Poisson()))
    assert_same_fit(star, quiet_glm("y ~ x + gb + gc + x_gb + x_gc", manual, rglm.Poisson()))
    # x:g alone: x times the indicator of every level (R codes g by indicators here).
    manual["x_ga"] = manual["x"] * (df["g"] == "a")
    colon = quiet_glm("y ~ x:g", df, rglm.Poisson())
    assert len(colon.params) == 4
    assert_same_fit(colon, quiet_glm("y ~ x_ga + x_gb + x_gc", manual, rglm.Poisson()))
    # numeric:numeric is the product
    assert_same_fit(
        quiet_glm("y ~ x + z + x:z", df, rglm.Poisson()), quiet_glm("y ~ x * z", df, rglm.Poisson())
    )
    assert_same_fit(quiet_glm("y ~ x:z", df, rglm.Poisson()), quiet_glm("y ~ I(x * z)", df, rglm.Poisson()))


def test_column_with_a_dot_bare_and_backticked() -> None:
    aq = rglm.datasets.load("airquality")
    aq["SolarR"] = aq["Solar.R"]
    ref = quiet_glm("Ozone ~ SolarR + Wind", aq, rglm.Poisson())
    for formula in ["Ozone ~ Solar.R + Wind", "Ozone ~ `Solar.R` + Wind"]:
        m = quiet_glm(formula, aq, rglm.Poisson())
        assert_same_fit(m, ref)
        assert m.n_dropped == 42


def test_column_with_a_dot_inside_a_function() -> None:
    aq = rglm.datasets.load("airquality")
    aq["SolarR"] = aq["Solar.R"]
    ref = quiet_glm("Ozone ~ log(SolarR) + Wind", aq, rglm.Poisson())
    assert_same_fit(quiet_glm("Ozone ~ log(`Solar.R`) + Wind", aq, rglm.Poisson()), ref)
    assert_same_fit(quiet_glm("Ozone ~ log(Solar.R) + Wind", aq, rglm.Poisson()), ref)  # as in R


def test_column_with_a_space_via_backticks() -> None:
    df = make_data().rename(columns={"x": "dose level", "y": "dead count"})
    m = quiet_glm("`dead count` ~ `dose level` + g", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + g", make_data(), rglm.Poisson())
    assert_same_fit(m, ref)
    m.predict(df.head(3))


# ---------------------------------------------------------------------------------------------
# Transforms that give NaN
# ---------------------------------------------------------------------------------------------


def test_log_of_negative_values_drops_those_rows() -> None:
    df = make_data()
    df.loc[[3, 8], "x"] = [-1.0, -2.0]  # log gives NaN, which R's na.omit treats as NA
    df.loc[11, "y"] = np.nan
    before = df.copy(deep=True)
    m = rglm.glm("y ~ log(x) + g", df, rglm.Poisson())
    clean = df.drop(index=[3, 8, 11])
    ref = quiet_glm("y ~ log(x) + g", clean, rglm.Poisson())
    assert m.n_dropped == 3
    assert_same_fit(m, ref)
    pd.testing.assert_index_equal(m.fittedvalues.index, clean.index)
    assert "  (3 observations deleted due to missingness)" in str(m.summary())
    pd.testing.assert_frame_equal(df, before)


def test_nan_from_transform_then_drops_unused_levels() -> None:
    # R: model.frame drops unused levels after na.omit, so a level seen only in rows whose
    # log(x) is NaN disappears from the model matrix.
    df = make_data()
    df["h"] = df["g"].where(~df.index.isin([0, 1]), "only_bad")
    df.loc[[0, 1], "x"] = -1.0
    df["hc"] = pd.Categorical(df["h"], categories=["a", "b", "c", "only_bad"])
    clean = df.drop(index=[0, 1])
    for col in ["h", "hc"]:
        m = rglm.glm(f"y ~ log(x) + {col}", df, rglm.Poisson())
        assert not any("only_bad" in name for name in m.exog_names), m.exog_names
        assert m.n_dropped == 2
        assert not m.params.isna().any()
        assert_same_fit(m, quiet_glm("y ~ log(x) + g", clean, rglm.Poisson()))


def test_offset_transform_nan_drops_rows() -> None:
    df = make_data()
    df.loc[5, "expo"] = -1.0
    m = rglm.glm("y ~ x + offset(log(expo))", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + offset(log(expo))", df.drop(index=[5]), rglm.Poisson())
    assert m.n_dropped == 1
    assert_same_fit(m, ref)


# ---------------------------------------------------------------------------------------------
# predict(newdata)
# ---------------------------------------------------------------------------------------------


def test_predict_replays_transforms_levels_and_formula_offsets() -> None:
    df = make_data()
    m = quiet_glm("y ~ log(x) + C(g) + offset(log(expo))", df, rglm.Poisson())
    b = m.params.to_numpy()
    new = pd.DataFrame(
        {"x": [0.7, 2.5, 1.1], "g": ["c", "a", "b"], "expo": [2.0, 0.5, 10.0]}, index=["u", "v", "w"]
    )
    before = new.copy(deep=True)
    dummies = np.array([[0, 1], [0, 0], [1, 0]], dtype=float)  # b, c columns for c, a, b
    eta = b[0] + b[1] * np.log(new["x"].to_numpy()) + dummies @ b[2:] + np.log(new["expo"].to_numpy())
    link = m.predict(new, type="link")
    np.testing.assert_allclose(link.to_numpy(), eta, rtol=RTOL)
    np.testing.assert_allclose(m.predict(new).to_numpy(), np.exp(eta), rtol=RTOL)
    pd.testing.assert_index_equal(link.index, new.index)
    pd.testing.assert_frame_equal(new, before)
    # A single level in new data still uses the fitted levels.
    one = new.iloc[[0]]
    np.testing.assert_allclose(m.predict(one, type="link").to_numpy(), eta[:1], rtol=RTOL)


def test_predict_on_training_rows_reproduces_fitted_values() -> None:
    df = make_data()
    df.loc[2, "x"] = np.nan
    m = quiet_glm("y ~ sqrt(x) * g + offset(lexpo)", df, rglm.Poisson(), weights="w")
    used = df.drop(index=[2])
    np.testing.assert_allclose(m.predict(used).to_numpy(), m.fittedvalues.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        m.predict(used, type="link").to_numpy(), m.linear_predictors.to_numpy(), rtol=1e-12
    )


def test_predict_with_categorical_newdata_in_another_order() -> None:
    df = make_data()
    df["gc"] = pd.Categorical(df["g"], categories=["c", "a", "b", "unused"])
    m = quiet_glm("y ~ x + gc", df, rglm.Poisson())
    as_str = pd.DataFrame({"x": [1.0, 2.0, 1.5], "gc": ["a", "b", "c"]})
    as_cat = as_str.assign(gc=pd.Categorical(as_str["gc"], categories=["b", "a", "c"]))
    few = as_str.iloc[[1]].assign(gc=pd.Categorical(["b"], categories=["b"]))
    p_str, p_cat, p_few = m.predict(as_str), m.predict(as_cat), m.predict(few)
    np.testing.assert_allclose(p_cat.to_numpy(), p_str.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(p_few.to_numpy(), p_str.to_numpy()[[1]], rtol=RTOL)
    b = m.params
    # reference level "c": prediction for a "c" row is exp(b0 + b1 * x)
    np.testing.assert_allclose(p_str.iloc[2], np.exp(b.iloc[0] + b.iloc[1] * 1.5), rtol=RTOL)


def test_predict_with_named_offset_column_uses_newdata() -> None:
    df = make_data()
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), offset="lexpo")
    new = df.head(4).assign(lexpo=[0.0, 1.0, -1.0, 2.0])
    b = m.params.to_numpy()
    X = np.column_stack([np.ones(4), new["x"], new["g"] == "b", new["g"] == "c"]).astype(float)
    np.testing.assert_allclose(
        m.predict(new, type="link").to_numpy(), X @ b + new["lexpo"].to_numpy(), rtol=RTOL
    )


def test_predict_unseen_level_raises() -> None:
    df = make_data()
    m = quiet_glm("y ~ log(x) + C(g)", df, rglm.Poisson())
    new = pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "d"]})
    with pytest.raises(rglm.DataError, match=r"'g'.*'d'|'d'.*'g'"):
        m.predict(new)


def test_predict_level_dropped_by_subset_is_unseen() -> None:
    df = make_data()
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), subset="g != 'c'")
    with pytest.raises(rglm.DataError, match=r"'c'"):
        m.predict(pd.DataFrame({"x": [1.0], "g": ["c"]}))


def test_predict_with_missing_predictor_gives_nan() -> None:
    # R's predict.glm uses na.pass for newdata: a row with a missing predictor predicts NA.
    df = make_data()
    m = quiet_glm("y ~ x + g", df, rglm.Poisson())
    new = pd.DataFrame({"x": [1.0, np.nan, 2.0], "g": ["a", "b", "c"]})
    pred = m.predict(new)
    assert np.isnan(pred.iloc[1])
    assert np.isfinite(pred.iloc[[0, 2]]).all()


# ---------------------------------------------------------------------------------------------
# The caller's data is never modified
# ---------------------------------------------------------------------------------------------


def test_callers_frame_is_never_modified() -> None:
    df = make_data()
    df.index = pd.Index([f"r{i}" for i in range(len(df))], name="id")
    df["gc"] = pd.Categorical(df["g"], categories=["c", "b", "a", "unused"], ordered=False)
    df["ni"] = pd.array(np.round(df["x"] * 2).astype(int), dtype="Int64")
    df["nb"] = pd.array(df["z"] > 0, dtype="boolean")
    df.loc["r3", "ni"] = pd.NA
    df.loc["r4", "nb"] = pd.NA
    df.loc["r5", "x"] = -1.0  # NaN after log
    df.loc["r6", "y"] = np.nan
    df["flag"] = df["z"] > 0.5
    before = df.copy(deep=True)
    dtypes = df.dtypes.copy()
    m = rglm.glm(
        "y ~ log(x) + gc + ni + nb + flag + offset(lexpo)", df, rglm.Poisson(), weights="w", subset="z > -1.5"
    )
    assert m.n_dropped >= 3
    new = df.iloc[[0, 1, 2]].copy()
    new_before = new.copy(deep=True)
    m.predict(new)
    m.predict(new, type="link", se_fit=True)
    m.predict()
    str(m.summary())
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_series_equal(df.dtypes, dtypes)
    assert list(df["gc"].cat.categories) == ["c", "b", "a", "unused"]
    assert df.index.name == "id"
    pd.testing.assert_frame_equal(new, new_before)


def test_results_do_not_share_memory_with_the_callers_frame() -> None:
    df = make_data()
    before = df.copy(deep=True)
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", offset="lexpo")
    fitted = m.fittedvalues.to_numpy().copy()
    df.loc[:, "y"] = 0.0
    df.loc[:, "w"] = 100.0
    # The fit is a snapshot: changing the frame afterwards changes nothing.
    np.testing.assert_array_equal(m.fittedvalues.to_numpy(), fitted)
    np.testing.assert_array_equal(m.prior_weights.to_numpy(), before["w"].to_numpy())


def test_column_names_carry_levels_as_r_does() -> None:
    """Every indicator is named ``var[T.level]`` (R: ``varlevel``), also a full set of them, and
    a boolean predictor is ``var[T.TRUE]`` (R: ``varTRUE``)."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "y": rng.poisson(3, 60),
            "x": rng.normal(size=60),
            "sex": rng.choice(["F", "M"], 60),
            "flag": rng.choice([True, False], 60),
        }
    )
    cases = {
        "y ~ 0 + sex": ["sex[T.F]", "sex[T.M]"],
        "y ~ x:sex": ["Intercept", "x:sex[T.F]", "x:sex[T.M]"],
        "y ~ sex + sex:x": ["Intercept", "sex[T.M]", "sex[T.F]:x", "sex[T.M]:x"],
        "y ~ flag * x": ["Intercept", "flag[T.TRUE]", "x", "flag[T.TRUE]:x"],
        "y ~ C(sex, contr.poly)": ["Intercept", "C(sex, contr.poly)[.L]"],
    }
    for formula, names in cases.items():
        assert quiet_glm(formula, df, rglm.Poisson()).exog_names == names, formula


# -- the fast paths of the frame's steps, held to the slow readings they replace ----------------
def test_a_formula_read_once_is_reused_and_depends_on_the_columns() -> None:
    from rglm.frame.formula import parse_formula
    from rglm.frame.steps import resolve_variables

    d = make_data()
    first = resolve_variables("y ~ .", d)
    assert resolve_variables("y ~ .", d) is first
    assert first.parsed == parse_formula("y ~ .", list(d.columns))
    fewer = d.drop(columns=["z"])
    other = resolve_variables("y ~ .", fewer)
    assert other.parsed == parse_formula("y ~ .", list(fewer.columns))
    assert "z" not in other.rhs and "z" in first.rhs


def test_a_formula_that_warns_warns_at_every_fit() -> None:
    d = make_data()
    for _ in range(3):
        with pytest.warns(rglm.FormulaWarning, match="appeared on the right-hand side"):
            rglm.glm("y ~ y + x", d)


def test_fixed_levels_are_read_only_from_factor_calls() -> None:
    from formulaic import Formula

    from rglm.frame.columns import _factor_calls, _fixed_level_calls

    for rhs in (
        'x1 + C(g, levels = c("a", "b"))',
        'factor(g, levels = c("b", "a")):x1',
        "x1 + g",
        "Cx(g) + x1",
    ):
        exprs = [f.expr for term in Formula(rhs) for f in term.factors]
        slow = tuple((e, a, lv) for e, a, lv in _factor_calls(exprs) if lv is not None)
        assert _fixed_level_calls(rhs) == slow
    assert _fixed_level_calls("x1 + g") == ()


def test_rows_outside_given_levels_are_dropped_in_every_fit() -> None:
    d = pd.DataFrame({"y": np.arange(8.0), "g": list("abcdabcd")})
    for _ in range(2):
        m = rglm.glm('y ~ C(g, levels=["a", "b"])', d)
        assert m.nobs == 4


def test_model_columns_is_the_selection_by_names() -> None:
    from rglm.frame.columns import model_columns

    d = make_data()
    for used in ({"y", "x"}, set(d.columns), {"g", "y"}):
        pd.testing.assert_frame_equal(model_columns(d, used), d[[c for c in d.columns if c in used]])
    assert model_columns(d, set(d.columns)) is not d


def test_count_missing_reads_dtypes_as_isna_does() -> None:
    from rglm.frame.steps import count_missing

    d = pd.DataFrame(
        {
            "f": [1.0, np.nan, 3.0, 4.0],
            "i": np.arange(4),
            "b": [True, False, True, True],
            "s": ["a", None, "b", "c"],
            "n": pd.array([1, None, 3, None], dtype="Int64"),
            "ok": [1.0, 2.0, 3.0, 4.0],
        }
    )
    keep = np.array([True, True, True, False])
    finite: set[str] = set()
    na, counts = count_missing(d, list(d.columns), keep, finite=finite)
    np.testing.assert_array_equal(na, d.isna().any(axis=1).to_numpy())
    assert counts == {"f": 1, "s": 1, "n": 1}
    assert finite == {"ok"}


def test_infinite_and_missing_values_in_the_model_matrix_are_found() -> None:
    from rglm.frame.steps import bad_rows

    X = np.ones((4, 3))
    assert not bad_rows(X, np.isnan, ["a", "b", "c"])[0].any()
    X[2, 1] = np.inf
    rows, cols = bad_rows(X, np.isinf, ["a", "b", "c"])
    np.testing.assert_array_equal(rows, [False, False, True, False])
    assert cols == ["b"]
    big = np.full((2, 2), 1e308)  # the sum overflows although every value is finite
    assert not bad_rows(big, np.isinf, ["a", "b"])[0].any()
    d = make_data()
    d.loc[3, "x"] = np.inf
    with pytest.raises(rglm.DataError, match="infinite"):
        rglm.glm("y ~ x", d)
