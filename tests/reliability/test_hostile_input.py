"""Hostile input: each is R's answer or one RGLMError naming the column, value or count,
never a silently different model and never a bare numpy/pandas error."""

from __future__ import annotations

import datetime
import decimal
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import rglm


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    k = np.arange(20)
    return pd.DataFrame(
        {
            "k": k,
            "x": k / 7.0,
            "y": k % 3 + 0.5 * k,
            "g": list("abcd") * 5,
            "b": [True, False] * 10,
        }
    )


# -- factor levels -------------------------------------------------------------------------------
def test_levels_omitting_present_values_drop_those_rows(d: pd.DataFrame) -> None:
    """R: factor(g, levels = c("a", "b")) makes "c" and "d" NA and na.omit drops them."""
    m = rglm.glm('y ~ C(g, levels=["a", "b"])', d)
    sub = rglm.glm("y ~ g", d[d["g"].isin(["a", "b"])])
    np.testing.assert_allclose(m.params.to_numpy(), sub.params.to_numpy(), rtol=1e-12)
    assert m.nobs == 10 and m.model_frame.n_dropped == 10
    with pytest.raises(rglm.DataError, match=r"missing values in .*C\(g, levels=.*\(10 rows\)"):
        rglm.glm('y ~ C(g, levels=["a", "b"])', d, na_action="fail")


def test_levels_covering_the_data_change_nothing(d: pd.DataFrame) -> None:
    m = rglm.glm('y ~ C(g, levels=["d", "c", "b", "a"])', d)
    assert m.nobs == 20 and m.params.index[1].endswith("[T.c]")


def test_unseen_level_of_an_expression_factor_is_an_error(d: pd.DataFrame) -> None:
    m = rglm.glm("y ~ C(k // 5)", d)
    with pytest.raises(
        rglm.DataError,
        match=r"factor (?:C|factor)\(k // 5\) has level 5.0 in 1 row.*known levels: 0, 1, 2, 3",
    ):
        m.predict(pd.DataFrame({"k": [3, 27]}))
    np.testing.assert_allclose(
        m.predict(pd.DataFrame({"k": [3, 17]})).to_numpy(), m.fittedvalues.to_numpy()[[3, 17]], rtol=1e-12
    )


def test_unseen_level_of_a_fixed_level_factor_is_an_error(d: pd.DataFrame) -> None:
    m = rglm.glm('y ~ C(g, levels=["a", "b"])', d)
    with pytest.raises(rglm.DataError, match="'c'"):
        m.predict(pd.DataFrame({"g": ["a", "c"]}))


# -- column types --------------------------------------------------------------------------------
def test_decimal_columns_are_numbers(d: pd.DataFrame) -> None:
    dec = d.assign(
        x=[decimal.Decimal(int(v)) / 7 for v in d["k"]], y=[decimal.Decimal(str(v)) for v in d["y"]]
    )
    m = rglm.glm("y ~ x", dec)
    ref = rglm.glm("y ~ x", d)
    assert list(m.params.index) == ["Intercept", "x"]
    np.testing.assert_allclose(m.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)
    dec.loc[3, "x"] = None
    assert rglm.glm("y ~ x", dec).nobs == 19


@pytest.mark.parametrize(
    "values",
    [
        [datetime.date(2020, 1, i + 1) for i in range(20)],
        [datetime.datetime(2020, 1, i + 1, 12) for i in range(20)],
        [datetime.timedelta(days=i) for i in range(20)],
    ],
)
def test_date_objects_are_refused_by_name(d: pd.DataFrame, values: list) -> None:  # type: ignore[type-arg]
    frame = d.assign(when=pd.Series(values, dtype=object))
    with pytest.raises(rglm.DataTypeError, match="column 'when' holds .*dates or durations"):
        rglm.glm("y ~ when", frame)


def test_number_for_a_logical_predictor_in_newdata_is_an_error(d: pd.DataFrame) -> None:
    m = rglm.glm("y ~ b", d)
    with pytest.raises(rglm.DataTypeError, match=r"column 'b' was logical .* dtype int64 \(e.g. 1\)"):
        m.predict(pd.DataFrame({"b": [1, 0]}))
    np.testing.assert_allclose(
        m.predict(pd.DataFrame({"b": [True, False]})).to_numpy(), m.fittedvalues.to_numpy()[:2], rtol=1e-12
    )


def test_dates_and_text_in_a_numeric_column_of_newdata(d: pd.DataFrame) -> None:
    m = rglm.glm("y ~ x", d)
    with pytest.raises(rglm.DataTypeError, match="column 'x' holds dtype datetime64"):
        m.predict(pd.DataFrame({"x": pd.to_datetime(["2020-01-01"])}))
    many = pd.DataFrame({"x": [f"value{i}" for i in range(2000)]})
    with pytest.raises(rglm.DataTypeError) as info:
        m.predict(many)
    text = str(info.value)
    assert "2000 of 2000 rows" in text and "'value0', 'value1', 'value2' and 1997 other values" in text
    assert len(text) < 300


def test_dict_of_scalars_is_one_row(d: pd.DataFrame) -> None:
    m = rglm.glm("y ~ x", d)
    np.testing.assert_allclose(
        m.predict({"x": 1.5}).to_numpy(), m.predict(pd.DataFrame({"x": [1.5]})).to_numpy()
    )


# -- arguments -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weights", "got"),
    [
        ({i: 1.0 for i in range(20)}, "a dict"),
        (2.0, "a float"),
        (np.ones((20, 2)), "an array of 2 dimensions"),
    ],
)
def test_weights_of_the_wrong_shape(d: pd.DataFrame, weights: object, got: str) -> None:
    with pytest.raises(
        rglm.ArgumentError,
        match=f"weights must be a column name or one value per row of data \\(20 values\\), got {got}",
    ):
        rglm.glm("y ~ x", d, weights=weights)


@pytest.mark.parametrize(
    ("start", "message"),
    [(["a", "b"], "must be numbers"), ({"Intercept": 0}, "got a dict"), ("ab", "got a str")],
)
def test_start_of_the_wrong_type(d: pd.DataFrame, start: object, message: str) -> None:
    with pytest.raises(rglm.ArgumentError, match=f"start .*{message}"):
        rglm.glm("y ~ x", d, start=start)


@pytest.mark.parametrize("dispersion", ["two", True, [1.0], -1.0, float("nan")])
def test_dispersion_must_be_a_positive_number(d: pd.DataFrame, dispersion: object) -> None:
    with pytest.raises(rglm.DataError, match="dispersion must be a positive number"):
        rglm.glm("y ~ x", d, dispersion=dispersion)


# -- rank-deficient predictions ------------------------------------------------------------------
def test_prediction_from_a_rank_deficient_fit_warns_as_r(d: pd.DataFrame) -> None:
    """R 4.2: predict(glm(y ~ x + z), newdata) warns; without newdata it does not."""
    frame = d.assign(z=2 * d["x"])
    m = rglm.glm("y ~ x + z", frame)
    with pytest.warns(
        rglm.RankDeficientWarning, match="prediction from a rank-deficient fit may be misleading.*z"
    ):
        m.predict(frame.head(3))
    with pytest.warns(rglm.RankDeficientWarning):
        m.predict(frame.head(3), type="terms")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.predict()
        rglm.glm("y ~ x", frame).predict(frame.head(3))


@pytest.mark.parametrize("test", ["Rao", "LRT", "F", "Chisq"])
def test_add1_drop1_tests_under_warnings_as_errors(test: str) -> None:
    """The <none> row holds R's NA (a signalling NaN): no arithmetic may touch it."""
    dobson = rglm.datasets.load("dobson")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", rglm.AnovaWarning)  # "F test assumes 'quasipoisson' family"
        for fam in (rglm.Poisson(), rglm.QuasiPoisson()):
            m = rglm.glm("counts ~ C(outcome) + C(treatment)", dobson, family=fam)
            dropped = rglm.drop1(m, test=test)
            added = rglm.add1(
                rglm.glm("counts ~ 1", dobson, family=fam), scope="~ C(outcome) + C(treatment)", test=test
            )
            assert str(dropped) and str(added)
    # R: drop1(glm(counts ~ outcome + treatment, poisson), test = "Rao"): 5.5600073 and 0
    m = rglm.glm("counts ~ C(outcome) + C(treatment)", dobson, family=rglm.Poisson())
    np.testing.assert_allclose(
        rglm.drop1(m, test="Rao")["Rao score"].to_numpy()[1:], [5.5600073, 0.0], atol=1e-7
    )


# -- names ---------------------------------------------------------------------------------------
def test_response_on_the_right_hand_side_is_dropped_with_a_warning(d: pd.DataFrame) -> None:
    """R: glm(y ~ y + x) warns and fits y ~ x."""
    with pytest.warns(rglm.FormulaWarning, match="response y appeared on the right-hand side"):
        m = rglm.glm("y ~ y + x", d)
    np.testing.assert_array_equal(m.params.to_numpy(), rglm.glm("y ~ x", d).params.to_numpy())
    with pytest.warns(rglm.FormulaWarning):
        only = rglm.glm("y ~ y", d)
    assert list(only.params.index) == ["Intercept"]


@pytest.mark.parametrize("name", ["True", "None", "if", "class"])
def test_keyword_named_column_inside_a_call(d: pd.DataFrame, name: str) -> None:
    frame = d.assign(**{name: d["x"] + 1})
    ref = rglm.glm("y ~ log(x1)", d.assign(x1=d["x"] + 1))
    for formula in (f"y ~ log({name})", f"y ~ log(`{name}`)"):
        np.testing.assert_allclose(
            rglm.glm(formula, frame).params.to_numpy(), ref.params.to_numpy(), rtol=1e-12
        )


@pytest.mark.parametrize(
    ("column", "formula"), [("Intercept", "y ~ x + Intercept"), ("g[T.b]", "y ~ g + `g[T.b]`")]
)
def test_data_column_named_like_a_model_column(d: pd.DataFrame, column: str, formula: str) -> None:
    with pytest.raises(
        rglm.DataError, match=f"two columns of the model matrix are named '{re.escape(column)}'"
    ):
        rglm.glm(formula, d.assign(**{column: d["x"] ** 2}))


def test_integer_column_names(d: pd.DataFrame) -> None:
    frame = pd.DataFrame(d[["y", "x"]].to_numpy())
    m = rglm.glm('Q("0") ~ Q("1")', frame, weights="1")
    ref = rglm.glm("y ~ x", d, weights=d["x"].to_numpy())
    np.testing.assert_allclose(m.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        m.predict(frame.head(3)).to_numpy(), ref.fittedvalues.to_numpy()[:3], rtol=1e-12
    )
    assert list(frame.columns) == [0, 1]


def test_q_of_a_dotted_name(d: pd.DataFrame) -> None:
    m = rglm.glm('y ~ Q("x.1")', d.assign(**{"x.1": d["x"]}))
    np.testing.assert_allclose(m.params.to_numpy(), rglm.glm("y ~ x", d).params.to_numpy(), rtol=1e-12)


def test_r_conversion_functions_work_as_in_r(d: pd.DataFrame) -> None:
    # R's as.factor(g) is factor(g): the same model as C(g), not a message about keywords.
    np.testing.assert_allclose(
        rglm.glm("y ~ as.factor(g)", d).params.to_numpy(),
        rglm.glm("y ~ C(g)", d).params.to_numpy(),
        rtol=1e-12,
    )


def test_fixed_levels_drop_the_same_rows_in_chunks(d: pd.DataFrame) -> None:
    m = rglm.glm('y ~ C(g, levels=["a", "b"])', d, chunksize=7)
    whole = rglm.glm('y ~ C(g, levels=["a", "b"])', d)
    assert m.nobs == whole.nobs == 10
    np.testing.assert_allclose(m.params.to_numpy(), whole.params.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m, d: m.predict(d, offset="x"), rglm.DataError, "offset for predict"),
        (lambda m, d: rglm.glm("y ~ x", d, tol="a"), rglm.FitError, "tol must be a positive number"),
        (lambda m, d: rglm.glm("y ~ x", d, max_iter="10"), rglm.FitError, "max_iter must be a positive"),
        (lambda m, d: rglm.glm("y ~ x", d, chunksize="a"), rglm.ArgumentError, "chunksize must be"),
        (lambda m, d: rglm.load(3), rglm.DataError, "needs the path of a saved model"),
    ],
)
def test_arguments_of_the_wrong_type_are_named(d: pd.DataFrame, call, error, message) -> None:  # type: ignore[no-untyped-def]
    m = rglm.glm("y ~ x", d)
    with pytest.raises(error, match=message):
        call(m, d)
