"""Input hygiene: pandas data as users really have it.

Each test checks rglm against an independent expectation: the same model fitted on an
equivalent plain float64 / object-string frame, or R's own numbers (R 4.2.2 code quoted next
to them).  This file extends ``tests/test_frame.py`` and ``tests/test_bad_input.py``; what those
already cover (omit with nullable dtypes, the bool predictor, two-level string responses,
string/gap/reversed indexes under na.omit, ...) is not repeated here.

Covered here:

* numeric dtypes (int8 .. uint64, float32, nullable Int64/Float64/boolean) against float64;
* string-like predictors (object, ``str``, ``string``, Categorical) against object strings;
* ordered Categoricals, compared with R's ``factor(..., ordered = TRUE)`` (``contr.poly``);
* nullable dtypes with ``pd.NA`` under ``na_action="fail"`` / ``"exclude"``, and NaN / pd.NA /
  None mixtures;
* datetime, timedelta, period, interval and complex columns -> :class:`rglm.DataTypeError`
  naming the column; an object column holding numbers is numeric, not a factor;
* column names that need backticks, and R's dotted names used bare;
* factor and string responses for the binomial family, against R;
* Inf (and -Inf) in every role: an error with a row count, never silently dropped as NA;
* duplicate / MultiIndex columns, a MultiIndex on rows, and non-default row indexes;
* pandas Series arguments whose index does not line up with the data;
* no mutation of the caller's frame, arrays and Categoricals, and no mutation of a fitted
  model through the Series it returns;
* data as a dict of lists / arrays or a list of records.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm

RTOL = 1e-10
ATOL = 1e-12
N = 24
REPO = Path(__file__).resolve().parents[2]


def make_data(n: int = N, seed: int = 20240611) -> pd.DataFrame:
    """Counts, a numeric and a three-level string predictor, an integer, weights, an exposure."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    g = np.tile(["a", "b", "c"], n // 3)
    expo = rng.uniform(1.0, 3.0, n)
    mu = expo * np.exp(0.4 + 0.5 * x + 0.3 * (g == "b") - 0.2 * (g == "c"))
    return pd.DataFrame(
        {
            "y": rng.poisson(mu).astype(float),
            "x": x,
            "g": pd.Series(g, dtype=object),
            "k": np.tile([1, 2, 3, 4], n // 4),
            "w": rng.uniform(0.5, 2.0, n),
            "lexpo": np.log(expo),
            "z": rng.normal(size=n),
        }
    )


def assert_same_fit(a: rglm.GLMResult, b: rglm.GLMResult, rtol: float = RTOL, bse: bool = False) -> None:
    """Two fits of the same model: coefficients, deviances, AIC, fitted values and degrees of
    freedom equal (standard errors too with ``bse=True``; they cost a QR inversion each)."""
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=rtol, atol=ATOL)
    if bse:
        np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=rtol, atol=ATOL)
    np.testing.assert_allclose(
        [a.deviance, a.null_deviance], [b.deviance, b.null_deviance], rtol=rtol, atol=ATOL
    )
    np.testing.assert_allclose(a.fittedvalues.to_numpy(), b.fittedvalues.to_numpy(), rtol=rtol, atol=ATOL)
    if not (np.isnan(a.aic) and np.isnan(b.aic)):
        np.testing.assert_allclose(a.aic, b.aic, rtol=rtol, atol=ATOL)
    assert (a.nobs, a.df_resid) == (b.nobs, b.df_resid)


def quiet_glm(*args: Any, **kwargs: Any) -> rglm.GLMResult:
    """glm() that must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return rglm.glm(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Numeric dtypes
# ---------------------------------------------------------------------------------------------

NUMERIC_DTYPES = ["int8", "int32", "int64", "uint8", "uint64", "float32", "Int64", "Float64"]


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
def test_numeric_predictor_dtypes_equal_the_float64_fit(dtype: str) -> None:
    df = make_data()
    values = df["k"] * 3 if dtype[0] in "iuI" else df["x"]
    df["v"] = pd.array(values.to_numpy(), dtype=dtype) if dtype[0].isupper() else values.astype(dtype)
    # The reference holds exactly the values the column holds (float32 rounding included).
    ref = df.assign(v=df["v"].to_numpy(dtype=np.float64))
    m = quiet_glm("y ~ v + g", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ v + g", ref, rglm.Poisson()), bse=True)
    assert m.exog_names == ["Intercept", "v", "g[T.b]", "g[T.c]"]
    # predict() accepts the same dtype, and a plain float column, for new data.
    np.testing.assert_allclose(
        m.predict(df.head(5)).to_numpy(), m.fittedvalues.iloc[:5].to_numpy(), rtol=RTOL
    )
    np.testing.assert_allclose(
        m.predict(ref.head(5)).to_numpy(), m.fittedvalues.iloc[:5].to_numpy(), rtol=RTOL
    )


@pytest.mark.parametrize("dtype", ["int64", "uint16", "Int64", "Float64"])
def test_numeric_response_dtypes_equal_the_float64_fit(dtype: str) -> None:
    df = make_data()
    counts = df["y"].astype("int64")
    df["yy"] = pd.array(counts.to_numpy(), dtype=dtype) if dtype[0].isupper() else counts.astype(dtype)
    m = quiet_glm("yy ~ x + g", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ x + g", df, rglm.Poisson()))


@pytest.mark.parametrize("dtype", ["bool", "boolean"])
def test_logical_predictor_is_zero_one_in_interactions_and_predict(dtype: str) -> None:
    df = make_data()
    df["flag"] = pd.array(df["z"].to_numpy() > 0, dtype=dtype)
    df["f01"] = (df["z"] > 0).astype(float)
    m = quiet_glm("y ~ x * flag + g", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ x * f01 + g", df, rglm.Poisson()))
    new = df.head(4)
    np.testing.assert_allclose(m.predict(new).to_numpy(), m.fittedvalues.iloc[:4].to_numpy(), rtol=RTOL)


# ---------------------------------------------------------------------------------------------
# String-like predictors
# ---------------------------------------------------------------------------------------------


def _as(col: pd.Series, kind: str) -> Any:
    if kind == "object":
        return col.astype(object)
    if kind == "str":  # pandas' default string dtype (NaN as missing value)
        return col.astype("str")
    if kind == "string":  # pandas' nullable string dtype (pd.NA as missing value)
        return col.astype("string")
    if kind == "category":
        return pd.Categorical(col)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["object", "str", "string", "category"])
def test_string_like_predictor_dtypes_equal_the_object_fit(kind: str) -> None:
    df = make_data()
    df["h"] = _as(df["g"], kind)
    m = quiet_glm("y ~ x + h", df, rglm.Poisson())
    ref = quiet_glm("y ~ x + h", df.assign(h=df["g"].astype(object)), rglm.Poisson())
    assert_same_fit(m, ref, bse=True)
    assert m.exog_names == ["Intercept", "x", "h[T.b]", "h[T.c]"]


@pytest.mark.parametrize("kind", ["object", "str", "string", "category"])
def test_string_like_predictor_with_missing_values(kind: str) -> None:
    df = make_data()
    df["h"] = _as(df["g"], kind)
    df.loc[[2, 7], "h"] = None  # pandas stores its own missing marker for each dtype
    m = quiet_glm("y ~ x + h", df, rglm.Poisson())
    clean = df.drop(index=[2, 7]).assign(h=lambda d: d["g"].astype(object))
    ref = quiet_glm("y ~ x + h", clean, rglm.Poisson())
    assert m.n_dropped == 2
    np.testing.assert_allclose(m.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL)
    with pytest.raises(rglm.DataError, match=r"'h' \(2 rows\)"):
        rglm.glm("y ~ x + h", df, rglm.Poisson(), na_action="fail")


@pytest.mark.parametrize("kind", ["object", "str", "string", "category"])
def test_predict_accepts_every_string_like_dtype_in_newdata(kind: str) -> None:
    df = make_data()
    m = quiet_glm("y ~ x + g", df, rglm.Poisson())
    new = df.head(6)
    pred = m.predict(new.assign(g=_as(new["g"], kind)))
    np.testing.assert_allclose(pred.to_numpy(), m.fittedvalues.iloc[:6].to_numpy(), rtol=RTOL)


def test_categorical_of_integers_equals_c_of_the_integer_column() -> None:
    df = make_data()
    df["kc"] = pd.Categorical(df["k"])
    m = quiet_glm("y ~ x + kc", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ x + C(k)", df, rglm.Poisson()))
    new = df.head(4)
    np.testing.assert_allclose(m.predict(new).to_numpy(), m.fittedvalues.iloc[:4].to_numpy(), rtol=RTOL)


# ---------------------------------------------------------------------------------------------
# Ordered categoricals: R codes an ordered factor with contr.poly
# ---------------------------------------------------------------------------------------------
#
# R 4.2.2:
#   y <- c(2,4,7,9, 3,5,6,11, 1,6,8,10, 3,4,9,12)
#   x <- c(0.3,-0.2,0.5,1.1, -0.7,0.4,0.0,0.9, -1.2,0.8,0.2,0.6, 0.1,-0.5,1.3,0.7)
#   g <- rep(c("low","mid","high","top"), 4)
#   lev <- c("low","mid","high","top")
#   d <- data.frame(y = y, x = x, go = factor(g, levels = lev, ordered = TRUE),
#                   gu = factor(g, levels = lev))
#   m <- glm(y ~ go + x, poisson, data = d)           # go.L, go.Q, go.C (contr.poly)
#   print(coef(m), digits = 17); print(c(deviance(m), m$null.deviance, AIC(m)), digits = 17)
#   print(unname(fitted(m)), digits = 17)
#   print(coef(glm(y ~ gu + x, poisson, data = d)), digits = 17)  # treatment contrasts

ORD_Y = [2, 4, 7, 9, 3, 5, 6, 11, 1, 6, 8, 10, 3, 4, 9, 12]
ORD_X = [0.3, -0.2, 0.5, 1.1, -0.7, 0.4, 0.0, 0.9, -1.2, 0.8, 0.2, 0.6, 0.1, -0.5, 1.3, 0.7]
ORD_LEVELS = ["low", "mid", "high", "top"]
R_ORD_POLY_COEF = [
    1.616669332604735221,
    0.938574260454509091,
    -0.184002161263786379,
    0.036017736619508682,
    0.227971584186942328,
]
R_ORD_TREATMENT_COEF = [
    0.88699968673278784,
    0.63596057391612359,
    1.00738087909155616,
    1.27533713048010622,
    0.22797158418694258,
]
R_ORD_DEV, R_ORD_NULLDEV, R_ORD_AIC = 2.1700798264563099, 28.7740085944403781, 68.6920226525520832
R_ORD_FITTED = [
    2.5996872829073903,
    4.3813896414724605,
    7.4511349116070971,
    11.1685920737957147,
    2.0697329262165947,
    5.0236104800536241,
    6.6484288648194356,
    10.6708021758645017,
    1.8467619084027129,
    5.5032428523128942,
    6.9585761875302783,
    9.9654067204108134,
    2.4838178824797548,
    4.0917570261610301,
    8.9418600360431988,
    10.1951990299289772,
]


def _ordered_frame() -> pd.DataFrame:
    g = np.tile(ORD_LEVELS, 4)
    return pd.DataFrame(
        {
            "y": np.array(ORD_Y, dtype=float),
            "x": ORD_X,
            "go": pd.Categorical(g, categories=ORD_LEVELS, ordered=True),
            "gu": pd.Categorical(g, categories=ORD_LEVELS, ordered=False),
        }
    )


def test_ordered_categorical_fit_matches_r_up_to_the_coding() -> None:
    """Whatever the contrasts, the model space is the same as R's: deviance, AIC and fitted
    values must equal R's ordered-factor fit; the coefficients must be R's contr.poly ones
    or (rglm's current, undocumented choice) the treatment-coded ones."""
    df = _ordered_frame()
    m = quiet_glm("y ~ go + x", df, rglm.Poisson())
    np.testing.assert_allclose(
        [m.deviance, m.null_deviance, m.aic], [R_ORD_DEV, R_ORD_NULLDEV, R_ORD_AIC], rtol=1e-9
    )
    np.testing.assert_allclose(m.fittedvalues.to_numpy(), R_ORD_FITTED, rtol=1e-9)
    coef = m.params.to_numpy()
    as_r = np.allclose(coef, R_ORD_POLY_COEF, rtol=1e-8)
    as_treatment = np.allclose(coef, R_ORD_TREATMENT_COEF, rtol=1e-8)
    assert as_r or as_treatment, m.params
    # Consistent with itself: predictions from ordered new data reproduce the fitted values.
    np.testing.assert_allclose(m.predict(df.head(5)).to_numpy(), R_ORD_FITTED[:5], rtol=1e-9)


def test_contr_poly_reproduces_r_ordered_factor_coefficients() -> None:
    """The way to get R's ordered-factor numbers: C(go, contr.poly)."""
    df = _ordered_frame()
    for col in ["go", "gu"]:
        m = quiet_glm(f"y ~ C({col}, contr.poly) + x", df, rglm.Poisson())
        np.testing.assert_allclose(m.params.to_numpy(), R_ORD_POLY_COEF, rtol=1e-9)
        np.testing.assert_allclose(m.deviance, R_ORD_DEV, rtol=1e-9)
        # R: predict(m, data.frame(x = c(0, 1), go = factor(c("top", "low"), lev, ordered = TRUE)))
        new = pd.DataFrame(
            {"x": [0.0, 1.0], col: pd.Categorical(["top", "low"], categories=ORD_LEVELS, ordered=col == "go")}
        )
        np.testing.assert_allclose(
            m.predict(new, type="link").to_numpy(), [2.1623368172128949, 1.1149712709197315], rtol=1e-9
        )


def test_ordered_categorical_coding_is_documented() -> None:
    """R codes an ordered factor with polynomial contrasts; rglm codes a pandas ordered
    Categorical like an unordered one.  That difference must at least be documented where
    users look (README, docs/ or glm's docstring), with the C(x, contr.poly) way to get R's
    coefficients."""
    texts = [rglm.glm.__doc__ or ""]
    texts += [
        p.read_text(encoding="utf-8")
        for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
        if p.exists()
    ]
    joined = "\n".join(texts).lower()
    assert "ordered" in joined and "contr.poly" in joined, (
        "ordered Categorical coding (treatment vs R's contr.poly) is not documented"
    )


# ---------------------------------------------------------------------------------------------
# Nullable dtypes and missing-value markers
# ---------------------------------------------------------------------------------------------


def _nullable_column(df: pd.DataFrame, dtype: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Column v of dtype with pd.NA at rows 3 and 10, and its float64 reading."""
    values = {
        "Int64": (df["k"] * 2).to_numpy(),
        "Float64": df["x"].to_numpy(),
        "boolean": df["z"].to_numpy() > 0,
    }[dtype]
    df = df.assign(v=pd.array(values, dtype=dtype))
    df.loc[[3, 10], "v"] = pd.NA
    as_float = values.astype(float)
    as_float[[3, 10]] = np.nan
    return df, as_float


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean"])
def test_pd_na_raises_under_na_action_fail(dtype: str) -> None:
    df, _ = _nullable_column(make_data(), dtype)
    before = df.copy(deep=True)
    with pytest.raises(rglm.DataError, match=r"'v' \(2 rows\)") as info:
        rglm.glm("y ~ x + v", df, rglm.Poisson(), na_action="fail")
    assert isinstance(info.value, rglm.RGLMError) and isinstance(info.value, ValueError)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean"])
def test_pd_na_under_na_action_exclude_pads_in_place(dtype: str) -> None:
    df, as_float = _nullable_column(make_data(), dtype)
    m = quiet_glm("y ~ x + v", df, rglm.Poisson(), na_action="exclude")
    ref = quiet_glm("y ~ x + v", df.assign(v=as_float), rglm.Poisson(), na_action="exclude")
    np.testing.assert_allclose(m.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL)
    for name in ["fittedvalues", "resid_response", "resid_deviance", "resid_pearson"]:
        s = getattr(m, name)
        pd.testing.assert_index_equal(s.index, df.index, obj=name)
        assert s.isna().to_numpy().nonzero()[0].tolist() == [3, 10], name
        np.testing.assert_allclose(s.to_numpy(), getattr(ref, name).to_numpy(), rtol=RTOL, equal_nan=True)


@pytest.mark.parametrize("role", ["weights", "offset"])
@pytest.mark.parametrize("how", ["column", "array", "series"])
def test_nullable_weights_and_offset_with_pd_na_are_missing(role: str, how: str) -> None:
    df = make_data()
    src = "w" if role == "weights" else "lexpo"
    arr = pd.array(df[src].to_numpy(), dtype="Float64")
    arr[[4, 9]] = pd.NA
    df["nv"] = arr
    arg: Any = {"column": "nv", "array": arr, "series": df["nv"]}[how]
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), **{role: arg})
    clean = df.drop(index=[4, 9])
    ref = quiet_glm("y ~ x + g", clean, rglm.Poisson(), **{role: clean[src].to_numpy()})
    assert m.n_dropped == 2
    assert_same_fit(m, ref)
    with pytest.raises(rglm.DataError, match=r"\(2 rows\)"):
        rglm.glm("y ~ x + g", df, rglm.Poisson(), na_action="fail", **{role: arg})


def test_nan_none_and_pd_na_mixtures_are_all_missing() -> None:
    """The three missing-value markers, mixed in one column, all mean R's NA."""
    df = make_data()
    g = df["g"].astype(object).copy()
    g[[1, 4, 7]] = [None, np.nan, pd.NA]
    xf = pd.array(df["x"].to_numpy(), dtype="Float64")
    xf[[11, 14]] = [pd.NA, None]
    df = df.assign(g=g, x=xf)
    df.loc[17, "y"] = None  # a float64 column stores None as NaN
    assert df["g"].dtype == object and df["y"].dtype == np.float64
    m = quiet_glm("y ~ x + g", df, rglm.Poisson())
    bad = [1, 4, 7, 11, 14, 17]
    clean = make_data().drop(index=bad)
    assert m.n_dropped == 6
    assert_same_fit(m, quiet_glm("y ~ x + g", clean, rglm.Poisson()))
    pd.testing.assert_index_equal(m.fittedvalues.index, clean.index)
    with pytest.raises(rglm.DataError, match=r"'g' \(3 rows\), 'x' \(2 rows\), 'y' \(1 row\)"):
        rglm.glm("y ~ x + g", df, rglm.Poisson(), na_action="fail")


def test_object_column_of_numbers_is_numeric_not_a_factor() -> None:
    """pd.Series([0.5, pd.NA, ...]) has dtype object although every value is a number (the
    same happens with JSON input or after .astype(object)).  R would read such a column as
    numeric; rglm must fit it as numeric or refuse it by name - not silently make it a
    factor with one level per distinct value."""
    df = make_data()
    x = pd.Series(df["x"].tolist(), dtype=object)
    x[[3, 8]] = [pd.NA, None]
    df = df.assign(x=x)
    try:
        m = rglm.glm("y ~ x + g", df, rglm.Poisson())
    except rglm.DataTypeError as exc:
        assert "'x'" in str(exc), str(exc)
        return
    assert m.exog_names == ["Intercept", "x", "g[T.b]", "g[T.c]"], m.exog_names
    assert_same_fit(m, quiet_glm("y ~ x + g", make_data().drop(index=[3, 8]), rglm.Poisson()))


@pytest.mark.parametrize("role", ["weights", "offset"])
def test_list_with_none_is_a_missing_value_like_r_na(role: str) -> None:
    # R: glm(y ~ x, weights = c(1, NA, ...)) drops the NA row.  A Python list with None is the
    # natural spelling; it must not be refused as "not numeric".
    df = make_data()
    src = "w" if role == "weights" else "lexpo"
    values: list[Any] = df[src].tolist()
    values[5] = None
    m = quiet_glm("y ~ x", df, rglm.Poisson(), **{role: values})
    clean = df.drop(index=[5])
    assert m.n_dropped == 1
    assert_same_fit(m, quiet_glm("y ~ x", clean, rglm.Poisson(), **{role: clean[src].to_numpy()}))


def test_dict_of_lists_with_none_equals_the_dataframe_fit() -> None:
    df = make_data()
    df.loc[[2, 6], "x"] = np.nan
    df.loc[9, "g"] = None
    as_lists = {
        c: [None if (isinstance(v, float) and np.isnan(v)) else v for v in df[c].tolist()] for c in df.columns
    }
    assert as_lists["x"][2] is None
    m = quiet_glm("y ~ x + g", as_lists, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ x + g", df, rglm.Poisson()))


# ---------------------------------------------------------------------------------------------
# Dates and durations are refused with the column named
# ---------------------------------------------------------------------------------------------

DATE_COLUMNS = {
    "datetime": lambda n: pd.date_range("2024-01-01", periods=n, freq="D"),
    "datetime_tz": lambda n: pd.date_range("2024-01-01", periods=n, freq="h", tz="Europe/Paris"),
    "timedelta": lambda n: pd.to_timedelta(np.arange(n), unit="D"),
    "period": lambda n: pd.period_range("2024-01", periods=n, freq="M"),
}


@pytest.mark.parametrize("kind", list(DATE_COLUMNS))
@pytest.mark.parametrize("where", ["predictor", "transform", "interaction", "formula_offset", "response"])
def test_dates_in_a_formula_raise_a_type_error_naming_the_column(kind: str, where: str) -> None:
    df = make_data().assign(when=DATE_COLUMNS[kind](N))
    before = df.copy(deep=True)
    formula = {
        "predictor": "y ~ x + when",
        "transform": "y ~ log(when)",
        "interaction": "y ~ x * when",
        "formula_offset": "y ~ x + offset(when)",
        "response": "when ~ x",
    }[where]
    with pytest.raises(rglm.DataTypeError) as info:
        rglm.glm(formula, df, rglm.Poisson() if where != "response" else rglm.Gaussian())
    assert isinstance(info.value, rglm.RGLMError) and isinstance(info.value, TypeError)
    msg = str(info.value)
    assert "'when'" in msg, msg
    assert str(df["when"].dtype) in msg, msg
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("kind", list(DATE_COLUMNS))
@pytest.mark.parametrize("role", ["weights", "offset"])
def test_dates_as_weights_or_offset_raise_a_type_error_naming_the_column(kind: str, role: str) -> None:
    df = make_data().assign(when=DATE_COLUMNS[kind](N))
    with pytest.raises(rglm.DataTypeError) as info:
        kwargs: dict[str, Any] = {role: "when"}
        rglm.glm("y ~ x", df, rglm.Poisson(), **kwargs)
    assert isinstance(info.value, rglm.RGLMError) and isinstance(info.value, TypeError)
    assert "'when'" in str(info.value) and role in str(info.value), str(info.value)


def test_unused_date_column_is_ignored() -> None:
    df = make_data()
    df["when"] = pd.date_range("2024-01-01", periods=N, freq="D")
    df["span"] = pd.to_timedelta(np.arange(N), unit="h")
    assert_same_fit(
        quiet_glm("y ~ x + g", df, rglm.Poisson()),
        quiet_glm("y ~ x + g", df.drop(columns=["when", "span"]), rglm.Poisson()),
    )


@pytest.mark.filterwarnings("ignore:Casting complex values")
@pytest.mark.parametrize(
    "make", [lambda: pd.interval_range(0, N), lambda: np.arange(N) + 1j], ids=["interval", "complex"]
)
def test_other_unusable_column_types_raise_a_data_type_error_naming_the_column(make: Any) -> None:
    """Intervals and complex numbers have no meaning as a numeric predictor: rglm.DataTypeError
    naming the column - not an error without the column's name, and never a silent cast (pandas
    drops the imaginary part of a complex column when it is made float)."""
    df = make_data().assign(t=make())
    with pytest.raises(rglm.DataTypeError) as info:
        rglm.glm("y ~ x + t", df, rglm.Poisson())
    assert "'t'" in str(info.value), str(info.value)


# ---------------------------------------------------------------------------------------------
# Column names that need quoting; R's dotted names used bare
# ---------------------------------------------------------------------------------------------

QUOTED_NAMES = {
    "space": ("dose level", "my group", "my expo"),
    "leading_digit": ("2nd dose", "1group", "3expo"),
    "unicode": ("größe", "gruppe β", "exposição"),
    "operators": ("dose-mg", "grp+1", "expo*2"),
    "brackets": ("dose (mg)", "grp[1]", "expo{t}"),
    "quotes": ("it's", 'say "g"', "e'x"),
    "dots": ("dose.mg", "grp.id", "expo.t"),
}


@pytest.mark.parametrize("case", list(QUOTED_NAMES))
def test_backticked_column_names_equal_the_plain_fit(case: str) -> None:
    xn, gn, en = QUOTED_NAMES[case]
    plain = make_data().assign(expo=lambda d: np.exp(d["lexpo"]))
    df = plain.rename(columns={"x": xn, "g": gn, "expo": en})
    before = df.copy(deep=True)
    m = quiet_glm(f"y ~ `{xn}` * `{gn}` + offset(log(`{en}`))", df, rglm.Poisson(), weights="w")
    ref = quiet_glm("y ~ x * g + offset(log(expo))", plain, rglm.Poisson(), weights="w")
    assert_same_fit(m, ref, bse=True)
    assert m.exog_names[1] == xn and m.exog_names[2].startswith(gn), m.exog_names
    np.testing.assert_allclose(
        m.predict(df.head(5)).to_numpy(), ref.predict(plain.head(5)).to_numpy(), rtol=RTOL
    )
    pd.testing.assert_frame_equal(df, before)


def test_unicode_names_work_bare() -> None:
    plain = make_data()
    df = plain.rename(columns={"x": "größe", "g": "β", "y": "zählung"})
    m = quiet_glm("zählung ~ größe + β", df, rglm.Poisson())
    assert_same_fit(m, quiet_glm("y ~ x + g", plain, rglm.Poisson()))
    assert m.exog_names == ["Intercept", "größe", "β[T.b]", "β[T.c]"]


def test_backticked_response_with_a_space_in_a_transform() -> None:
    plain = make_data()
    df = plain.rename(columns={"y": "dead count"})
    m = quiet_glm("log(`dead count` + 1) ~ x + g", df)
    assert_same_fit(m, quiet_glm("log(y + 1) ~ x + g", plain))


@pytest.mark.parametrize("keyword", ["if", "class"])
def test_python_keyword_column_inside_a_function_call(keyword: str) -> None:
    """R accepts log(`if`); a column named like a Python keyword must either work inside a
    function call or give an rglm.FormulaError naming it - never a bare SyntaxError."""
    plain = make_data()
    df = plain.rename(columns={"x": keyword}).assign(**{keyword: np.exp(plain["x"])})
    try:
        m = rglm.glm(f"y ~ log(`{keyword}`) + g", df, rglm.Poisson())
    except rglm.RGLMError as exc:
        assert isinstance(exc, rglm.FormulaError) and keyword in str(exc), repr(exc)
        return
    except SyntaxError as exc:  # pragma: no cover - the bug this test guards against
        pytest.fail(f"bare SyntaxError leaked for log(`{keyword}`): {exc!r}")
    assert_same_fit(m, quiet_glm("y ~ x + g", plain, rglm.Poisson()))


def test_r_style_dotted_names_bare_in_every_role() -> None:
    """R's dotted names (Solar.R) used without backticks: response, cbind(), offset(),
    C(), interactions, I(), weights= and predict()."""
    plain = make_data().assign(s=lambda d: d["k"], f=lambda d: 5 - d["k"])
    df = plain.rename(
        columns={
            "y": "n.dead",
            "x": "dose.mg",
            "g": "grp.id",
            "lexpo": "log.expo",
            "w": "wt.col",
            "s": "n.s",
            "f": "n.f",
            "k": "k.int",
        }
    )
    pairs = [
        ("n.dead ~ dose.mg * grp.id + offset(log.expo)", "y ~ x * g + offset(lexpo)", rglm.Poisson(), {}),
        ("n.dead ~ C(k.int) + I(dose.mg ** 2)", "y ~ C(k) + I(x ** 2)", rglm.Poisson(), {}),
        ("n.dead ~ dose.mg", "y ~ x", rglm.Poisson(), {"weights": "wt.col", "offset": "log.expo"}),
        ("cbind(n.s, n.f) ~ dose.mg + grp.id", "cbind(s, f) ~ x + g", rglm.Binomial(), {}),
    ]
    for dotted, ref_formula, family, kwargs in pairs:
        ref_kwargs = {k: {"wt.col": "w", "log.expo": "lexpo"}[v] for k, v in kwargs.items()}
        m = quiet_glm(dotted, df, family, **kwargs)
        ref = quiet_glm(ref_formula, plain, family, **ref_kwargs)
        assert_same_fit(m, ref)
        np.testing.assert_allclose(
            m.predict(df.head(4)).to_numpy(), ref.predict(plain.head(4)).to_numpy(), rtol=RTOL
        )


# ---------------------------------------------------------------------------------------------
# Binomial responses that are not numbers, against R
# ---------------------------------------------------------------------------------------------
#
# R 4.2.2 (a factor response: first level = failure, every other level = success):
#   x <- c(-1.2,-0.8,-0.3,0.1,0.4,0.9,1.3,-0.5,0.2,0.7,-1.0,1.1)
#   s <- c("lo","lo","mid","hi","lo","hi","hi","mid","lo","hi","mid","lo")
#   m <- glm(s ~ x, binomial, data = data.frame(x = x, s = factor(s)))   # levels hi, lo, mid
#   print(coef(m), digits = 17); print(c(deviance(m), m$null.deviance, AIC(m)), digits = 17)
#   s[3] <- NA; m <- glm(s ~ x, binomial, data = data.frame(x = x, s = factor(s)))
#   print(coef(m), digits = 17); print(c(deviance(m), nobs(m), length(m$na.action)))
# (R >= 4.0 refuses a *character* response - "y values must be 0 <= y <= 1" - because it is
# not turned into a factor; rglm reads text as a factor, as it does for predictors and as R
# did with stringsAsFactors = TRUE.)

BIN_X = [-1.2, -0.8, -0.3, 0.1, 0.4, 0.9, 1.3, -0.5, 0.2, 0.7, -1.0, 1.1]
BIN_S = ["lo", "lo", "mid", "hi", "lo", "hi", "hi", "mid", "lo", "hi", "mid", "lo"]
R_BIN_COEF = [1.3734971791605577, -2.2949595698854970]
R_BIN_DEV, R_BIN_NULLDEV, R_BIN_AIC = 10.247552197140079, 15.276340039075507, 14.247552197140079
R_BIN_NA_COEF = [1.2175048755576841, -2.1225780293422507]
R_BIN_NA_DEV = 9.9839445067551083


@pytest.mark.parametrize("kind", ["object", "str", "string", "category"])
def test_three_level_text_response_follows_r_factor_rule(kind: str) -> None:
    df = pd.DataFrame({"x": BIN_X, "s": _as(pd.Series(BIN_S), kind)})
    before = df.copy(deep=True)
    m = quiet_glm("s ~ x", df, rglm.Binomial())
    np.testing.assert_allclose(m.params.to_numpy(), R_BIN_COEF, rtol=1e-9)
    np.testing.assert_allclose(
        [m.deviance, m.null_deviance, m.aic], [R_BIN_DEV, R_BIN_NULLDEV, R_BIN_AIC], rtol=1e-9
    )
    # the response used is "not the first level" ("hi" is first in sorted order)
    np.testing.assert_array_equal(m.fit.y, [float(s != "hi") for s in BIN_S])
    df.loc[2, "s"] = None
    m_na = quiet_glm("s ~ x", df, rglm.Binomial())
    assert (m_na.nobs, m_na.n_dropped) == (11, 1)
    np.testing.assert_allclose(m_na.params.to_numpy(), R_BIN_NA_COEF, rtol=1e-9)
    np.testing.assert_allclose(m_na.deviance, R_BIN_NA_DEV, rtol=1e-9)
    with pytest.raises(rglm.DataError, match=r"'s' \(1 row\)"):
        rglm.glm("s ~ x", df, rglm.Binomial(), na_action="fail")
    pd.testing.assert_frame_equal(df.drop(index=2), before.drop(index=2))


def test_categorical_response_level_order_beats_sorted_order() -> None:
    # R: factor(s, levels = c("mid", "lo", "hi")) makes "mid" the failure.
    df = pd.DataFrame({"x": BIN_X, "s": pd.Categorical(BIN_S, categories=["mid", "lo", "hi"])})
    m = quiet_glm("s ~ x", df, rglm.Binomial())
    ref = quiet_glm("b ~ x", pd.DataFrame({"x": BIN_X, "b": [s != "mid" for s in BIN_S]}), rglm.Binomial())
    assert_same_fit(m, ref)


@pytest.mark.parametrize("dtype", ["bool", "boolean"])
def test_logical_response_with_missing_values_under_exclude(dtype: str) -> None:
    b = np.array([s != "hi" for s in BIN_S])
    df = pd.DataFrame({"x": BIN_X, "b": pd.array(b, dtype=dtype)})
    if dtype == "boolean":
        df.loc[2, "b"] = pd.NA
    m = quiet_glm("b ~ x", df, rglm.Binomial(), na_action="exclude")
    if dtype == "boolean":
        np.testing.assert_allclose(m.params.to_numpy(), R_BIN_NA_COEF, rtol=1e-9)
        assert np.isnan(m.fittedvalues.iloc[2]) and m.fittedvalues.drop(index=2).notna().all()
    else:
        np.testing.assert_allclose(m.params.to_numpy(), R_BIN_COEF, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Inf is an error with a row count, never a missing value
# ---------------------------------------------------------------------------------------------

INF_ROLES = [
    "predictor",
    "Float64_predictor",
    "response",
    "weights_column",
    "weights_array",
    "offset_column",
    "offset_array",
    "formula_offset",
    "cbind",
]


def _inf_case(role: str, value: float) -> tuple[str, pd.DataFrame, rglm.Family, dict[str, Any], str]:
    df = make_data().assign(s=lambda d: d["k"].astype(float), f=lambda d: 5.0 - d["k"])
    rows = [3, 11]
    kwargs: dict[str, Any] = {}
    formula, word = "y ~ x + g", ""
    family: rglm.Family = rglm.Poisson()
    if role == "predictor":
        df.loc[rows, "x"] = value
        word = "model matrix"
    elif role == "Float64_predictor":
        df["x"] = pd.array(df["x"].to_numpy(), dtype="Float64")
        df.loc[rows, "x"] = value
        word = "model matrix"
    elif role == "response":
        df.loc[rows, "y"] = value
        word = "response"
    elif role in ("weights_column", "weights_array"):
        df.loc[rows, "w"] = value
        kwargs["weights"] = "w" if role == "weights_column" else df["w"].to_numpy().copy()
        word = "weights"
    elif role in ("offset_column", "offset_array"):
        df.loc[rows, "lexpo"] = value
        kwargs["offset"] = "lexpo" if role == "offset_column" else df["lexpo"].to_numpy().copy()
        word = "offset"
    elif role == "formula_offset":
        df.loc[rows, "lexpo"] = value
        formula, word = "y ~ x + g + offset(lexpo)", "offset"
    elif role == "cbind":
        df.loc[rows, "f"] = value
        formula, family, word = "cbind(s, f) ~ x + g", rglm.Binomial(), "response"
    return formula, df, family, kwargs, word


@pytest.mark.parametrize("value", [np.inf, -np.inf], ids=["inf", "-inf"])
@pytest.mark.parametrize("role", INF_ROLES)
def test_infinite_values_raise_with_the_row_count(role: str, value: float) -> None:
    formula, df, family, kwargs, word = _inf_case(role, value)
    before = df.copy(deep=True)
    with pytest.raises(rglm.DataError) as info:
        rglm.glm(formula, df, family, **kwargs)
    msg = str(info.value)
    if role.startswith("weights") and value < 0:
        assert msg.startswith("negative weights not allowed: 2 rows"), msg
    elif role == "cbind" and value < 0:
        assert "non-negative" in msg or "infinite" in msg, msg
    else:
        assert "infinite" in msg and word in msg and "2 rows" in msg, msg
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("na_action", ["omit", "exclude"])
def test_inf_is_not_dropped_as_missing(na_action: str) -> None:
    # R: glm(y ~ x) with x = Inf stops with "NA/NaN/Inf in 'x'" whatever na.action is.
    df = make_data()
    df.loc[5, "x"] = np.inf
    df.loc[8, "x"] = np.nan  # a genuine NA in the same column is dropped, the Inf is not
    with pytest.raises(rglm.DataError, match=r"infinite values in 1 row") as info:
        rglm.glm("y ~ x + g", df, rglm.Poisson(), na_action=na_action)
    assert "missing" not in str(info.value)


def test_inf_produced_by_a_transform_raises() -> None:
    # log(0) = -Inf: an error, as in R ("NA/NaN/Inf in 'x'"), not a dropped row.
    df = make_data().assign(pos=lambda d: np.exp(d["x"]))
    df.loc[[4, 6], "pos"] = 0.0
    with pytest.raises(rglm.DataError, match=r"infinite values in 2 rows"):
        rglm.glm("y ~ log(pos) + g", df, rglm.Poisson())


# ---------------------------------------------------------------------------------------------
# Column and row indexes
# ---------------------------------------------------------------------------------------------


def test_multiindex_columns_raise_a_clear_error() -> None:
    df = make_data()
    wide = df.copy()
    wide.columns = pd.MultiIndex.from_product([["data"], df.columns])
    before = wide.copy(deep=True)
    with pytest.raises(rglm.DataError, match=r"MultiIndex columns"):
        rglm.glm("y ~ x", wide, rglm.Poisson())
    pd.testing.assert_frame_equal(wide, before)


def test_duplicate_column_names_are_all_listed() -> None:
    df = make_data()
    dup = pd.concat([df[["y", "x", "g"]], df[["x", "g"]]], axis=1)
    with pytest.raises(rglm.DataError, match=r"duplicate column names: g, x;"):
        rglm.glm("y ~ x + g", dup, rglm.Poisson())


def test_multiindex_rows_carry_through_every_per_row_output() -> None:
    df = make_data()
    df.index = pd.MultiIndex.from_product([["site1", "site2"], range(N // 2)], names=["site", "obs"])
    df.iloc[[2, 15], df.columns.get_loc("x")] = np.nan
    flat = quiet_glm("y ~ x + g", df.reset_index(drop=True), rglm.Poisson(), weights="w")
    for na_action in ["omit", "exclude"]:
        m = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w", na_action=na_action)
        if na_action == "omit":
            assert_same_fit(m, flat)
        expected = df.index if na_action == "exclude" else df.index.delete([2, 15])
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
            s = getattr(m, name)
            pd.testing.assert_index_equal(s.index, expected, obj=name)
        pd.testing.assert_index_equal(m.predict().index, expected)
        pd.testing.assert_index_equal(m.predict(type="link", se_fit=True).index, expected)
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), weights="w")
    new = df.loc[[("site2", 4), ("site1", 0)]]
    pred = m.predict(new)
    pd.testing.assert_index_equal(pred.index, new.index)
    np.testing.assert_allclose(pred.to_numpy(), m.fittedvalues.loc[new.index].to_numpy(), rtol=RTOL)


INDEXES = {
    "strings": pd.Index([f"id-{i:02d}" for i in range(N)]),
    "gaps": pd.Index(np.arange(N) * 7 + 100),
    "duplicates": pd.Index(np.repeat(np.arange(N // 2), 2)),
    "descending": pd.Index(np.arange(N)[::-1]),
    "dates": pd.date_range("2023-06-01", periods=N, freq="W", name="week"),
}


@pytest.mark.parametrize("na_action", ["omit", "exclude"])
@pytest.mark.parametrize("kind", list(INDEXES))
def test_per_row_outputs_use_the_callers_index(kind: str, na_action: str) -> None:
    index = INDEXES[kind]
    df = make_data().set_axis(index, axis=0)
    bad = [4, 17]
    df.iloc[bad, df.columns.get_loc("x")] = np.nan
    m = quiet_glm("y ~ x + g", df, rglm.Poisson(), offset="lexpo", na_action=na_action)
    ref = quiet_glm("y ~ x + g", make_data().drop(index=bad), rglm.Poisson(), offset="lexpo")
    kept = np.setdiff1d(np.arange(N), bad)
    for name in [
        "fittedvalues",
        "resid_response",
        "resid_pearson",
        "resid_deviance",
        "resid_working",
        "linear_predictors",
    ]:
        s = getattr(m, name)
        if na_action == "exclude":
            pd.testing.assert_index_equal(s.index, index, obj=name)
            assert s.iloc[bad].isna().all(), name
            np.testing.assert_allclose(s.iloc[kept].to_numpy(), getattr(ref, name).to_numpy(), rtol=RTOL)
        else:
            pd.testing.assert_index_equal(s.index, index[kept], obj=name)
            np.testing.assert_allclose(s.to_numpy(), getattr(ref, name).to_numpy(), rtol=RTOL)
    pred = m.predict()
    se = m.predict(type="link", se_fit=True)
    expected = index if na_action == "exclude" else index[kept]
    pd.testing.assert_index_equal(pred.index, expected)
    pd.testing.assert_index_equal(se.index, expected)
    if na_action == "exclude":
        assert se.iloc[bad].isna().all().all()
    # predict(newdata) keeps newdata's rows (NaN where a predictor is missing), in its order.
    new = df.iloc[[20, 4, 0]]
    p_new = m.predict(new)
    pd.testing.assert_index_equal(p_new.index, new.index)
    assert np.isnan(p_new.iloc[1])
    np.testing.assert_allclose(
        p_new.iloc[[0, 2]].to_numpy(), ref.fittedvalues.iloc[[18, 0]].to_numpy(), rtol=RTOL
    )


@pytest.mark.parametrize("role", ["weights", "offset", "subset"])
def test_series_argument_with_another_row_order_is_aligned_or_refused(role: str) -> None:
    """weights=/offset=/subset= given as a pandas Series indexed like the data but in another
    row order: rglm must align it on the index or refuse it - never pair values with rows by
    position, which silently fits the wrong model."""
    df = make_data()
    src = {"weights": df["w"], "offset": df["lexpo"], "subset": df["x"] > 0}[role]
    shuffled: dict[str, Any] = {role: src.iloc[np.random.default_rng(1).permutation(N)]}
    try:
        m = rglm.glm("y ~ x + g", df, rglm.Poisson(), **shuffled)
    except rglm.DataError as exc:
        assert role in str(exc) and "index" in str(exc), str(exc)
        return
    aligned: dict[str, Any] = {role: src}
    assert_same_fit(m, quiet_glm("y ~ x + g", df, rglm.Poisson(), **aligned))


# ---------------------------------------------------------------------------------------------
# No mutation
# ---------------------------------------------------------------------------------------------


def _rich_frame() -> pd.DataFrame:
    df = make_data()
    df.index = pd.Index([f"r{i}" for i in range(N)], name="row_id")
    df["go"] = pd.Categorical(
        np.tile(["lo", "mid", "hi"], N // 3), categories=["lo", "mid", "hi", "never"], ordered=True
    )
    df["gu"] = pd.Categorical(df["g"], categories=["c", "a", "b", "unused"])
    df["ni"] = pd.array(df["k"].to_numpy(), dtype="Int64")
    df.loc["r3", "ni"] = pd.NA
    df["nb"] = pd.array(df["z"].to_numpy() > 0, dtype="boolean")
    df.loc["r6", "nb"] = pd.NA
    df["flag"] = df["z"] > 0.5
    df["s"] = df["g"].astype("str")
    df["when"] = pd.date_range("2024-01-01", periods=N, freq="D")  # not used by the model
    df.loc["r9", "x"] = np.nan
    return df[["when", "y", "x", "go", "gu", "ni", "nb", "flag", "s", "k", "w", "lexpo", "z", "g"]]


def test_glm_predict_summary_never_modify_the_callers_data() -> None:
    df = _rich_frame()
    before = df.copy(deep=True)
    go_cat = df["go"].array.copy()
    w = df["w"].to_numpy().copy()
    off = df["lexpo"].to_numpy().copy()
    w_before, off_before = w.copy(), off.copy()
    formula = "y ~ x + go + gu + ni + nb + flag + s + C(k)"
    fits = []
    for na_action in ["omit", "exclude", "omit"]:
        m = quiet_glm(
            formula, df, rglm.Poisson(), weights=w, offset=off, na_action=na_action, subset=df["z"] > -2
        )
        new = df.iloc[[0, 1, 2, 5]]
        new_before = new.copy(deep=True)
        m.predict(new, offset=off[:4])
        m.predict(new, type="link", se_fit=True, offset=off[:4])
        m.predict()
        str(m.summary())
        m.conf_int()
        pd.testing.assert_frame_equal(new, new_before)
        fits.append(m)
    start = np.zeros(len(fits[0].params))
    start_before = start.copy()
    m_start = quiet_glm(formula, df, rglm.Poisson(), weights=w, offset=off, start=start, subset=df["z"] > -2)
    np.testing.assert_allclose(m_start.deviance, fits[0].deviance, rtol=1e-8)
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_series_equal(df.dtypes, before.dtypes)
    assert list(df.columns) == list(before.columns)
    pd.testing.assert_index_equal(df.index, before.index)
    assert df.index.name == "row_id"
    for col in ["go", "gu"]:
        assert list(df[col].cat.categories) == list(before[col].cat.categories)
        assert df[col].cat.ordered == before[col].cat.ordered
    pd.testing.assert_extension_array_equal(df["go"].array, go_cat)
    np.testing.assert_array_equal(w, w_before)
    np.testing.assert_array_equal(off, off_before)
    np.testing.assert_array_equal(start, start_before)
    # Repeated calls give the same fit.
    assert_same_fit(fits[0], fits[2], rtol=0)


def test_categorical_objects_passed_in_a_dict_are_not_modified() -> None:
    df = make_data()
    cat = pd.Categorical(df["g"], categories=["c", "b", "a", "zz"], ordered=True)
    cat_before = cat.copy()
    x = df["x"].to_numpy().copy()
    x_before = x.copy()
    data = {"y": df["y"].to_numpy(), "x": x, "h": cat}
    m = quiet_glm("y ~ x + h", data, rglm.Poisson())
    m.predict({"x": x[:3], "h": cat[:3]})
    pd.testing.assert_extension_array_equal(cat, cat_before)
    assert list(cat.categories) == ["c", "b", "a", "zz"] and cat.ordered
    np.testing.assert_array_equal(x, x_before)


def test_caller_mutating_returned_series_does_not_change_the_model() -> None:
    """GLMResult is documented as immutable: a caller editing a Series it got back (a common
    pandas habit, e.g. rounding in place) must not change the model's later answers."""
    df = make_data()
    m = quiet_glm("y ~ x + g", df, rglm.Poisson())
    twin = quiet_glm("y ~ x + g", df, rglm.Poisson())
    # Each Series is held in a variable and edited in place: under pandas 3 (copy on write),
    # ``m.params.iloc[:] = ...`` would edit a temporary and test nothing.
    edits = [
        (m.params, 99.0),
        (m.bse, 1.0),
        (m.fittedvalues, -1.0),
        (m.resid_deviance, 0.0),
        (m.aliased, True),
    ]
    for series, value in edits:
        series.iloc[:] = value
        assert (series == value).all()  # the caller's copy did change
    np.testing.assert_array_equal(m.params.to_numpy(), twin.params.to_numpy())
    np.testing.assert_array_equal(m.bse.to_numpy(), twin.bse.to_numpy())
    np.testing.assert_array_equal(m.tvalues.to_numpy(), twin.tvalues.to_numpy())
    np.testing.assert_array_equal(m.fittedvalues.to_numpy(), twin.fittedvalues.to_numpy())
    np.testing.assert_array_equal(m.predict(df.head(3)).to_numpy(), twin.predict(df.head(3)).to_numpy())
    assert str(m.summary()) == str(twin.summary())


# ---------------------------------------------------------------------------------------------
# Data containers other than a DataFrame
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["dict_of_lists", "dict_of_arrays", "dict_of_series", "records"])
def test_other_containers_equal_the_dataframe_fit(container: str) -> None:
    df = make_data()
    data: Any = {
        "dict_of_lists": {c: df[c].tolist() for c in df.columns},
        "dict_of_arrays": {c: df[c].to_numpy() for c in df.columns},
        "dict_of_series": {c: df[c] for c in df.columns},
        "records": df.to_dict("records"),
    }[container]
    ref = quiet_glm("y ~ x * g + offset(lexpo)", df, rglm.Poisson(), weights="w")
    m = quiet_glm("y ~ x * g + offset(lexpo)", data, rglm.Poisson(), weights="w")
    assert_same_fit(m, ref, bse=True)
    assert m.exog_names == ref.exog_names
    new: Any = {
        "dict_of_lists": {c: df[c].head(3).tolist() for c in df.columns},
        "dict_of_arrays": {c: df[c].head(3).to_numpy() for c in df.columns},
        "dict_of_series": {c: df[c].head(3) for c in df.columns},
        "records": df.head(3).to_dict("records"),
    }[container]
    np.testing.assert_allclose(m.predict(new).to_numpy(), ref.predict(df.head(3)).to_numpy(), rtol=RTOL)


def test_records_with_a_missing_key_are_missing_values() -> None:
    df = make_data()
    records = df.to_dict("records")
    del records[5]["x"]
    m = quiet_glm("y ~ x + g", records, rglm.Poisson())
    assert m.n_dropped == 1
    assert_same_fit(m, quiet_glm("y ~ x + g", df.drop(index=[5]), rglm.Poisson()))
