"""Word-for-word error messages for the most common mistakes.

Each case pins the exact text (string equality), the rglm class, and the built-in class the
error also derives from (``ValueError`` or ``TypeError``), so that every change of wording
is deliberate.  ``tests/test_bad_input.py`` checks the same mistakes by key words; this file
freezes the full sentences.

A good message names the column, value or row count at fault and says what to do.  Where the
current text fell short, the expected string below is the proposed wording, marked
``PROPOSED`` with the current text next to it:

* domain errors give the caller's row label (as the negative-weights message does) instead
  of a 0-based position among the rows left after dropping NAs;
* the binomial "0 <= y <= 1" error says how to give counts;
* a missing weights/offset column lists the columns, as a missing formula variable does;
* "1 rows" -> "1 row"; an infinite model-matrix value names its column; the weights message
  says what to do;
* several unseen levels -> "has levels";
* a timedelta column is called a duration, not a date;
* a transform that gives NaN under na_action="fail" names the term.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm

INDEX = pd.Index([f"r{i}" for i in range(6)])


def make_data() -> pd.DataFrame:
    """Six rows labelled r0..r5: counts, a numeric and a string predictor, a 0/1 outcome."""
    return pd.DataFrame(
        {
            "y": [2.0, 0.0, 3.0, 1.0, 4.0, 2.0],
            "x": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
            "g": ["a", "b", "c", "a", "b", "c"],
            "p": [0.0, 1.0, 1.0, 0.0, 1.0, 0.0],
        },
        index=INDEX,
    )


def _with(**cols: Any) -> pd.DataFrame:
    return make_data().assign(**cols)


def _fitted(formula: str = "y ~ x + g", **kwargs: Any) -> rglm.GLMResult:
    return rglm.glm(formula, make_data(), rglm.Poisson(), **kwargs)


def _dtype(values: Any) -> str:
    return str(pd.Series(values).dtype)


DATES = pd.date_range("2024-01-01", periods=6, freq="D")
SPANS = pd.to_timedelta(np.arange(6), unit="D")
STR_DTYPE = str(make_data()["g"].dtype)  # "str" on pandas >= 3, "object" before

# (id, call, rglm class, built-in base, exact message)
CASES: list[tuple[str, Callable[[], Any], type[rglm.RGLMError], type[Exception], str]] = [
    # -- missing columns ----------------------------------------------------------------------
    (
        "missing_predictor",
        lambda: rglm.glm("y ~ x + dose", make_data(), rglm.Poisson()),
        rglm.DataError,
        ValueError,
        "the formula uses 'dose', not found in the data (columns: y, x, g, p)",
    ),
    (
        "missing_predictor_in_transform",
        lambda: rglm.glm("y ~ log(dose)", make_data(), rglm.Poisson()),
        rglm.DataError,
        ValueError,
        "the formula uses 'dose', not found in the data (columns: y, x, g, p)",
    ),
    (
        "missing_response",
        lambda: rglm.glm("counts ~ x", make_data(), rglm.Poisson()),
        rglm.DataError,
        ValueError,
        "the formula uses 'counts', not found in the data (columns: y, x, g, p)",
    ),
    (
        "missing_cbind_column",
        lambda: rglm.glm("cbind(y, fail) ~ x", make_data(), rglm.Binomial()),
        rglm.DataError,
        ValueError,
        "the formula uses 'fail', not found in the data (columns: y, x, g, p)",
    ),
    # PROPOSED; current: "weights column 'wts' is not in the data"
    (
        "missing_weights_column",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), weights="wts"),
        rglm.DataError,
        ValueError,
        "weights column 'wts' is not in the data (columns: y, x, g, p)",
    ),
    # PROPOSED; current: "offset column 'expo' is not in the data"
    (
        "missing_offset_column",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), offset="expo"),
        rglm.DataError,
        ValueError,
        "offset column 'expo' is not in the data (columns: y, x, g, p)",
    ),
    (
        "predict_missing_column",
        lambda: _fitted().predict(pd.DataFrame({"x": [1.0]})),
        rglm.DataError,
        ValueError,
        "new data has no column 'g', which the model's formula uses",
    ),
    # -- responses outside the family's domain --------------------------------------------------
    # PROPOSED (all domain errors): "(first: <value> at row <label>)" as for negative weights;
    # current: "(first at position 1 of the rows used: -1)" - a 0-based position among the rows
    # left after NA removal, which the caller cannot map back to a row without recomputing.
    (
        "poisson_negative",
        lambda: rglm.glm("y ~ x", _with(y=[2.0, -1.0, 3.0, 1.0, -2.5, 2.0]), rglm.Poisson()),
        rglm.DomainError,
        ValueError,
        "negative values not allowed for the 'Poisson' family: 2 rows (first: -1 at row 'r1')",
    ),
    (
        "poisson_negative_after_na",
        lambda: rglm.glm(
            "y ~ x",
            _with(x=[np.nan, 1.0, 1.5, 2.0, 2.5, 3.0], y=[2.0, 0.0, -3.0, 1.0, 4.0, 2.0]),
            rglm.Poisson(),
        ),
        rglm.DomainError,
        ValueError,
        "negative values not allowed for the 'Poisson' family: 1 row (first: -3 at row 'r2')",
    ),
    (
        "quasipoisson_negative",
        lambda: rglm.glm("y ~ x", _with(y=[2.0, -1.0, 3.0, 1.0, 4.0, 2.0]), rglm.QuasiPoisson()),
        rglm.DomainError,
        ValueError,
        "negative values not allowed for the 'quasiPoisson' family: 1 row (first: -1 at row 'r1')",
    ),
    # PROPOSED also: when some y > 1, say how to give counts (current text ends after the value).
    (
        "binomial_above_one",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Binomial()),
        rglm.DomainError,
        ValueError,
        (
            "y values must be 0 <= y <= 1 for the binomial family: 4 rows (first: 2 at row 'r0'); "
            "for counts use "
            "cbind(successes, failures) or a proportion with weights=trials"
        ),
    ),
    (
        "binomial_below_zero",
        lambda: rglm.glm("p ~ x", _with(p=[0.0, 1.0, -0.5, 0.0, 1.0, 0.0]), rglm.Binomial()),
        rglm.DomainError,
        ValueError,
        "y values must be 0 <= y <= 1 for the binomial family: 1 row (first: -0.5 at row 'r2')",
    ),
    (
        "binomial_negative_cbind",
        lambda: rglm.glm(
            "cbind(s, f) ~ x", _with(s=[1.0, 2, 3, 1, 2, 3], f=[2.0, 1, -1, 2, 1, 0]), rglm.Binomial()
        ),
        rglm.DomainError,
        ValueError,
        "binomial counts must be non-negative: 1 row (first: -1 at row 'r2')",
    ),
    (
        "gamma_zero",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Gamma()),
        rglm.DomainError,
        ValueError,
        "non-positive values not allowed for the 'Gamma' family: 1 row (first: 0 at row 'r1')",
    ),
    (
        "gamma_negative",
        lambda: rglm.glm("y ~ x", _with(y=[2.0, 1.0, -3.0, 1.0, 4.0, 2.0]), rglm.Gamma()),
        rglm.DomainError,
        ValueError,
        "non-positive values not allowed for the 'Gamma' family: 1 row (first: -3 at row 'r2')",
    ),
    (
        "inverse_gaussian_zero",
        lambda: rglm.glm("y ~ x", make_data(), rglm.InverseGaussian()),
        rglm.DomainError,
        ValueError,
        "positive values only are allowed for the 'inverse.gaussian' family: 1 row (first: 0 at row 'r1')",
    ),
    # -- families and links ---------------------------------------------------------------------
    (
        "link_not_allowed_binomial",
        lambda: rglm.Binomial(link="sqrt"),
        rglm.FamilyError,
        ValueError,
        (
            "link 'sqrt' not available for binomial family; available links are 'logit', 'probit', "
            "'cloglog', "
            "'cauchit', 'log'"
        ),
    ),
    (
        "link_not_allowed_poisson",
        lambda: rglm.Poisson(link="logit"),
        rglm.FamilyError,
        ValueError,
        "link 'logit' not available for poisson family; available links are 'log', 'identity', 'sqrt'",
    ),
    (
        "link_not_allowed_gamma",
        lambda: rglm.Gamma(link="probit"),
        rglm.FamilyError,
        ValueError,
        "link 'probit' not available for Gamma family; available links are 'inverse', 'log', 'identity'",
    ),
    (
        "link_not_allowed_by_name",
        lambda: rglm.glm("p ~ x", make_data(), rglm.families.get_family("binomial", link="sqrt")),
        rglm.FamilyError,
        ValueError,
        (
            "link 'sqrt' not available for binomial family; available links are 'logit', 'probit', "
            "'cloglog', "
            "'cauchit', 'log'"
        ),
    ),
    (
        "unknown_link",
        lambda: rglm.Poisson(link="foo"),
        rglm.FamilyError,
        ValueError,
        (
            "unknown link 'foo'; known links are 'logit', 'probit', 'cauchit', 'cloglog', "
            "'identity', 'log', 'sqrt', "
            "'1/mu^2', 'inverse' and 'power(lambda)'"
        ),
    ),
    (
        "unknown_family",
        lambda: rglm.glm("y ~ x", make_data(), "poison"),
        rglm.FamilyError,
        ValueError,
        (
            "unknown family 'poison'; known families are Binomial, Exponential, Gamma, Gaussian, "
            "InverseGaussian, NegativeBinomial, "
            "Poisson, Quasi, QuasiBinomial, QuasiPoisson, Tweedie"
        ),
    ),
    # -- formulas -------------------------------------------------------------------------------
    (
        "formula_without_tilde",
        lambda: rglm.glm("y + x", make_data()),
        rglm.FormulaError,
        ValueError,
        "formula 'y + x' has no '~': write it as 'response ~ predictors'",
    ),
    (
        "formula_two_tildes",
        lambda: rglm.glm("y ~ x ~ g", make_data()),
        rglm.FormulaError,
        ValueError,
        "formula 'y ~ x ~ g' has more than one '~'",
    ),
    (
        "formula_without_response",
        lambda: rglm.glm("~ x", make_data()),
        rglm.FormulaError,
        ValueError,
        "formula '~ x' has no response on the left of '~'",
    ),
    (
        "formula_without_rhs",
        lambda: rglm.glm("y ~ ", make_data()),
        rglm.FormulaError,
        ValueError,
        "formula 'y ~ ' has nothing on the right of '~' (use '1' for an intercept-only model)",
    ),
    (
        "formula_not_a_string",
        lambda: rglm.glm(["y", "x"], make_data()),  # type: ignore[arg-type]
        rglm.FormulaError,
        ValueError,
        "formula must be a string such as 'y ~ x1 + x2', got list",
    ),
    (
        "cbind_three_columns",
        lambda: rglm.glm("cbind(y, x, p) ~ g", make_data(), rglm.Binomial()),
        rglm.FormulaError,
        ValueError,
        "cbind() in the response takes exactly two columns (successes, failures), got 'cbind(y, x, p)'",
    ),
    (
        "unbalanced_parenthesis",
        lambda: rglm.glm("y ~ log(x", make_data()),
        rglm.FormulaError,
        ValueError,
        "unbalanced parentheses in formula 'y ~ log(x': 1 '(' not closed",
    ),
    # -- weights and offsets ----------------------------------------------------------------------
    (
        "weights_too_short",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), weights=np.ones(4)),
        rglm.DataError,
        ValueError,
        "weights must have one value per row of data: got 4 values for 6 rows",
    ),
    (
        "weights_too_long",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), weights=[1.0] * 7),
        rglm.DataError,
        ValueError,
        "weights must have one value per row of data: got 7 values for 6 rows",
    ),
    (
        "offset_too_short",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), offset=np.zeros(5)),
        rglm.DataError,
        ValueError,
        "offset must have one value per row of data: got 5 values for 6 rows",
    ),
    (
        "negative_weights",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), weights=[1.0, 1.0, 1.0, -2.5, -1.0, 1.0]),
        rglm.DataError,
        ValueError,
        "negative weights not allowed: 2 rows (first: -2.5 at row 'r3')",
    ),
    (
        "negative_weight_column",
        lambda: rglm.glm("y ~ x", _with(wt=[1.0, -0.5, 1.0, 1.0, 1.0, 1.0]), rglm.Poisson(), weights="wt"),
        rglm.DataError,
        ValueError,
        "negative weights not allowed: 1 row (first: -0.5 at row 'r1')",
    ),
    # -- predict() with an unseen level -----------------------------------------------------------
    (
        "unseen_level",
        lambda: _fitted().predict(pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "d"]})),
        rglm.DataError,
        ValueError,
        "column 'g' has level 'd' not seen when the model was fitted (known levels: 'a', 'b', 'c')",
    ),
    (
        "unseen_level_inside_c",
        lambda: _fitted("y ~ x + C(g)").predict(pd.DataFrame({"x": [1.0], "g": ["zz"]})),
        rglm.DataError,
        ValueError,
        "column 'g' has level 'zz' not seen when the model was fitted (known levels: 'a', 'b', 'c')",
    ),
    # PROPOSED; current: "column 'g' has level 'e', 'd' not seen ..."
    (
        "unseen_levels",
        lambda: _fitted().predict(pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["e", "d", "a"]})),
        rglm.DataError,
        ValueError,
        "column 'g' has levels 'e', 'd' not seen when the model was fitted (known levels: 'a', 'b', 'c')",
    ),
    # -- missing values -------------------------------------------------------------------------
    (
        "na_fail",
        lambda: rglm.glm(
            "y ~ x + g",
            _with(x=[0.5, np.nan, 1.5, 2.0, 2.5, 3.0], g=["a", "b", None, "a", None, "c"]),
            rglm.Poisson(),
            na_action="fail",
        ),
        rglm.DataError,
        ValueError,
        "missing values in 'g' (2 rows), 'x' (1 row); drop them or use na_action='omit'",
    ),
    (
        "na_fail_weights_array",
        lambda: rglm.glm(
            "y ~ x", make_data(), rglm.Poisson(), weights=[1.0, np.nan, 1.0, 1.0, 1.0, 1.0], na_action="fail"
        ),
        rglm.DataError,
        ValueError,
        "missing values in 'weights' (1 row); drop them or use na_action='omit'",
    ),
    # PROPOSED; current: "1 rows give missing values after transforming the variables (e.g. log of a
    # negative number); drop them or use na_action='omit'"
    (
        "na_fail_after_transform",
        lambda: rglm.glm("y ~ log(x - 0.75)", make_data(), rglm.Poisson(), na_action="fail"),
        rglm.DataError,
        ValueError,
        (
            "1 row gives missing values in 'log(x - 0.75)' after transforming the variables (e.g. "
            "log of a negative "
            "number); drop it or use na_action='omit'"
        ),
    ),
    (
        "all_missing_column",
        lambda: rglm.glm("y ~ z", _with(z=np.nan)),
        rglm.DataError,
        ValueError,
        "column 'z' has only missing values in the rows used",
    ),
    (
        "bad_na_action",
        lambda: rglm.glm("y ~ x", make_data(), na_action="drop"),
        rglm.DataError,
        ValueError,
        "na_action must be one of omit, exclude, fail, got 'drop'",
    ),
    # -- infinite values ------------------------------------------------------------------------
    # PROPOSED; current: "the model matrix has infinite values in 1 rows; remove or recode them before
    # fitting"
    (
        "inf_predictor",
        lambda: rglm.glm("y ~ x + g", _with(x=[np.inf, 1.0, 1.5, 2.0, 2.5, 3.0]), rglm.Poisson()),
        rglm.DataError,
        ValueError,
        "the model matrix has infinite values in 1 row (column 'x'); remove or recode them before fitting",
    ),
    (
        "inf_from_transform",
        lambda: rglm.glm("y ~ log(z) + x", _with(z=[0.0, 1.0, 0.0, 2.0, 2.5, 3.0]), rglm.Poisson()),
        rglm.DataError,
        ValueError,
        "the model matrix has infinite values in 2 rows (column 'log(z)'); remove or recode them "
        "before fitting",
    ),
    # PROPOSED; current: "the response has infinite values in 1 rows; ..."
    (
        "inf_response",
        lambda: rglm.glm("y ~ x", _with(y=[np.inf, 0.0, 3.0, 1.0, 4.0, 2.0]), rglm.Poisson()),
        rglm.DataError,
        ValueError,
        "the response has infinite values in 1 row; remove or recode them before fitting",
    ),
    (
        "inf_offset",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), offset=[0.0, -np.inf, np.inf, 0, 0, 0]),
        rglm.DataError,
        ValueError,
        "the offset has infinite values in 2 rows; remove or recode them before fitting",
    ),
    # PROPOSED; current: "weights have infinite values in 1 rows"
    (
        "inf_weights",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), weights=[np.inf, 1, 1, 1, 1, 1]),
        rglm.DataError,
        ValueError,
        "weights have infinite values in 1 row; remove or recode them before fitting",
    ),
    # -- data of the wrong type or shape -----------------------------------------------------------
    (
        "text_response_poisson",
        lambda: rglm.glm("g ~ x", make_data(), rglm.Poisson()),
        rglm.DataTypeError,
        TypeError,
        f"the response column 'g' must be numeric, but has dtype {STR_DTYPE} (e.g. 'a')",
    ),
    (
        "text_weights",
        lambda: rglm.glm("y ~ x", make_data(), rglm.Poisson(), weights="g"),
        rglm.DataTypeError,
        TypeError,
        f"weights column 'g' must be numeric, but has dtype {STR_DTYPE} (e.g. 'a')",
    ),
    (
        "datetime_predictor",
        lambda: rglm.glm("y ~ x + t", _with(t=DATES), rglm.Poisson()),
        rglm.DataTypeError,
        TypeError,
        (
            f"column 't' has dtype {_dtype(DATES)}; a formula cannot use dates directly - convert "
            "them to numbers "
            "(e.g. days since a start date) or to a categorical first"
        ),
    ),
    # PROPOSED; current: the datetime text ("cannot use dates directly ... days since a start date")
    (
        "timedelta_predictor",
        lambda: rglm.glm("y ~ x + t", _with(t=SPANS), rglm.Poisson()),
        rglm.DataTypeError,
        TypeError,
        (
            f"column 't' has dtype {_dtype(SPANS)}; a formula cannot use durations directly - convert "
            "them to "
            "numbers first (e.g. with .dt.total_seconds())"
        ),
    ),
    (
        "datetime_weights",
        lambda: rglm.glm("y ~ x", _with(t=DATES), rglm.Poisson(), weights="t"),
        rglm.DataTypeError,
        TypeError,
        f"weights column 't' has dtype {_dtype(DATES)}; convert dates to numbers (e.g. days since an "
        "origin) first",
    ),
    (
        "duplicate_columns",
        lambda: rglm.glm("y ~ x", pd.DataFrame(np.ones((3, 3)), columns=["y", "x", "x"])),
        rglm.DataError,
        ValueError,
        "data has duplicate column names: x; rename them before fitting",
    ),
    (
        "multiindex_columns",
        lambda: rglm.glm(
            "y ~ x",
            pd.DataFrame(np.ones((3, 2)), columns=pd.MultiIndex.from_tuples([("a", "y"), ("a", "x")])),
        ),
        rglm.DataError,
        ValueError,
        "data has MultiIndex columns; flatten them to strings (e.g. '_'.join) before fitting",
    ),
    (
        "no_rows",
        lambda: rglm.glm("y ~ x", make_data().iloc[:0]),
        rglm.DataError,
        ValueError,
        "data has no rows",
    ),
    (
        "subset_selects_nothing",
        lambda: rglm.glm("y ~ x", make_data(), subset="x > 100"),
        rglm.DataError,
        ValueError,
        "subset selects no rows (0 of 6)",
    ),
    (
        "start_wrong_length",
        lambda: rglm.glm("y ~ x + g", make_data(), rglm.Poisson(), start=[0.0, 0.1]),
        rglm.DataError,
        ValueError,
        "start (one per coefficient) must have 4 values, got 2",
    ),
    (
        "predict_bad_type",
        lambda: _fitted().predict(type="probability"),
        rglm.ArgumentError,
        ValueError,
        "type must be 'link', 'response' or 'terms', got 'probability'",
    ),
]


@pytest.mark.parametrize("call, cls, base, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_message_word_for_word(
    call: Callable[[], Any], cls: type[rglm.RGLMError], base: type[Exception], message: str
) -> None:
    with pytest.raises(Exception) as info:
        call()
    err = info.value
    assert str(err) == message
    assert isinstance(err, rglm.RGLMError), f"{type(err).__name__} is not an rglm.RGLMError"
    assert isinstance(err, base), f"{type(err).__name__} is not a {base.__name__}"
    assert type(err) is cls, f"{type(err).__name__} raised, {cls.__name__} expected"


def test_case_ids_are_unique() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "cls, base",
    [
        (rglm.DataError, ValueError),
        (rglm.FormulaError, ValueError),
        (rglm.DomainError, ValueError),
        (rglm.FamilyError, ValueError),
        (rglm.FitError, ValueError),
        (rglm.ArgumentError, ValueError),
        (rglm.DataTypeError, TypeError),
    ],
)
def test_error_classes_derive_from_rglm_error_and_a_builtin(
    cls: type[Exception], base: type[Exception]
) -> None:
    assert issubclass(cls, rglm.RGLMError) and issubclass(cls, base)
