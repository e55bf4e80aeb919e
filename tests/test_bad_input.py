"""Bad input gives a clear error (or warning) of the right class, and never touches the caller's data.

Every error test checks three things:

* the exception class (``rglm.DataError``, ``FormulaError``, ``DomainError``, ``FamilyError``,
  ``FitError`` - all ``rglm.RGLMError`` and ``ValueError`` - or ``TypeError`` for data that is
  not numeric);
* the key words of the message: the column, the value or the row count at fault;
* that the caller's DataFrame is unchanged afterwards (values, dtypes, index).

The warning tests check the specific warning class, that the message says what to do, and
that a clean fit emits no warning at all.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm

N = 20


def make_data() -> pd.DataFrame:
    """Twenty rows: counts, a numeric and a string predictor, weights, an offset, a proportion."""
    rng = np.random.default_rng(20240601)
    x = rng.normal(size=N)
    return pd.DataFrame(
        {
            "y": rng.poisson(np.exp(1.0 + 0.3 * x)).astype(float),
            "x": x,
            "g": np.tile(["a", "b", "c", "d"], N // 4),
            "k": np.tile([1, 2], N // 2),
            "w": rng.uniform(1.0, 2.0, N),
            "o": rng.normal(scale=0.1, size=N),
            "p": np.tile([0.0, 1.0, 1.0, 0.0, 1.0], N // 5),
            "pos": rng.uniform(0.5, 3.0, N),
        }
    )


@pytest.fixture
def df() -> pd.DataFrame:
    return make_data()


def raises_unchanged(
    data: pd.DataFrame, exc: type[BaseException], words: list[str], call: Callable[[], Any]
) -> BaseException:
    """Run ``call``; it must raise ``exc`` whose message matches every regex in ``words``;
    ``data`` must be unchanged afterwards."""
    before = data.copy(deep=True)
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert re.search(word, message), f"{word!r} not in the message {message!r}"
    pd.testing.assert_frame_equal(data, before)
    if issubclass(exc, rglm.RGLMError):
        assert isinstance(info.value, ValueError)
    return info.value


# ---------------------------------------------------------------------------------------------
# The error classes themselves
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [rglm.DataError, rglm.FormulaError, rglm.DomainError, rglm.FamilyError, rglm.FitError]
)
def test_error_classes_are_rglm_errors_and_value_errors(cls: type[Exception]) -> None:
    assert issubclass(cls, rglm.RGLMError)
    assert issubclass(cls, ValueError)


# ---------------------------------------------------------------------------------------------
# Missing columns
# ---------------------------------------------------------------------------------------------


def test_missing_predictor_column(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        [r"\bdose\b", "not found|not in the data"],
        lambda: rglm.glm("y ~ x + dose", df, rglm.Poisson()),
    )


def test_missing_predictor_inside_a_transform(df: pd.DataFrame) -> None:
    raises_unchanged(
        df, rglm.DataError, [r"\bdose\b"], lambda: rglm.glm("y ~ x + log(dose)", df, rglm.Poisson())
    )


def test_missing_response_column(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        [r"\bcounts\b", "not found|not in the data"],
        lambda: rglm.glm("counts ~ x", df, rglm.Poisson()),
    )


def test_missing_cbind_column(df: pd.DataFrame) -> None:
    raises_unchanged(
        df, rglm.DataError, [r"\bfailures\b"], lambda: rglm.glm("cbind(y, failures) ~ x", df, rglm.Binomial())
    )


def test_missing_weights_column(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        ["weights", r"\bwts\b"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), weights="wts"),
    )


def test_missing_offset_column(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        ["offset", r"\bexposure\b"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), offset="exposure"),
    )


def test_missing_column_in_formula_offset(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        [r"\bexposure\b"],
        lambda: rglm.glm("y ~ x + offset(log(exposure))", df, rglm.Poisson()),
    )


# ---------------------------------------------------------------------------------------------
# Responses outside the family's domain
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "family",
    [rglm.Poisson(), rglm.QuasiPoisson(), rglm.NegativeBinomial(theta=2.0)],
    ids=["poisson", "quasipoisson", "negbin"],
)
def test_negative_counts(df: pd.DataFrame, family: rglm.Family) -> None:
    df.loc[3, "y"] = -3.0
    raises_unchanged(
        df, rglm.DomainError, ["(?i)negative", r"-3\b", r"\b1 row\b"], lambda: rglm.glm("y ~ x", df, family)
    )


@pytest.mark.parametrize("bad", [1.5, -0.5])
def test_binomial_response_outside_unit_interval(df: pd.DataFrame, bad: float) -> None:
    df.loc[2, "p"] = bad
    raises_unchanged(
        df,
        rglm.DomainError,
        [r"0 <= y <= 1", re.escape(f"{bad:g}")],
        lambda: rglm.glm("p ~ x", df, rglm.Binomial()),
    )


def test_binomial_counts_response_needs_weights_or_cbind(df: pd.DataFrame) -> None:
    # Counts above 1 with no weights are not proportions.
    df["y"] = df["y"] + 2.0  # every count is at least 2
    raises_unchanged(df, rglm.DomainError, [r"0 <= y <= 1"], lambda: rglm.glm("y ~ x", df, rglm.Binomial()))


def test_negative_cbind_counts(df: pd.DataFrame) -> None:
    df["succ"] = 3.0
    df["fail"] = 2.0
    df.loc[5, "fail"] = -2.0
    raises_unchanged(
        df,
        rglm.DomainError,
        ["(?i)non-negative|negative", r"-2\b"],
        lambda: rglm.glm("cbind(succ, fail) ~ x", df, rglm.Binomial()),
    )


@pytest.mark.parametrize("bad", [0.0, -1.0])
@pytest.mark.parametrize("family", [rglm.Gamma(), rglm.InverseGaussian()], ids=["gamma", "inverse_gaussian"])
def test_non_positive_response_for_gamma_and_inverse_gaussian(
    df: pd.DataFrame, family: rglm.Family, bad: float
) -> None:
    df.loc[7, "pos"] = bad
    value = rf"(?<![\w.]){re.escape(f'{bad:g}')}(?![\w.])"  # the offending value, as a whole number
    raises_unchanged(
        df, rglm.DomainError, ["(?i)positive", value, r"\b1 row\b"], lambda: rglm.glm("pos ~ x", df, family)
    )


# ---------------------------------------------------------------------------------------------
# Missing, empty and infinite data
# ---------------------------------------------------------------------------------------------


def test_all_na_column(df: pd.DataFrame) -> None:
    df["z"] = np.nan
    raises_unchanged(
        df, rglm.DataError, [r"'z'", "(?i)missing"], lambda: rglm.glm("y ~ x + z", df, rglm.Poisson())
    )


def test_empty_after_na_removal(df: pd.DataFrame) -> None:
    # Every row has a missing value in x or in z, none in both.
    df["z"] = np.where(np.arange(N) % 2 == 0, np.nan, 1.0)
    df["x"] = np.where(np.arange(N) % 2 == 1, np.nan, df["x"])
    raises_unchanged(
        df,
        rglm.DataError,
        ["(?i)no rows", r"\bx\b", r"\bz\b"],
        lambda: rglm.glm("y ~ x + z", df, rglm.Poisson()),
    )


def test_empty_input_frame(df: pd.DataFrame) -> None:
    empty = df.iloc[:0].copy()
    raises_unchanged(empty, rglm.DataError, ["(?i)no rows"], lambda: rglm.glm("y ~ x", empty, rglm.Poisson()))


def test_subset_selecting_no_rows(df: pd.DataFrame) -> None:
    # All of zero rows are "missing" vacuously; the message must say that no rows were selected.
    raises_unchanged(
        df,
        rglm.DataError,
        ["(?i)no rows|0 rows|selects no"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), subset=np.zeros(N, dtype=bool)),
    )


@pytest.mark.parametrize("arg", ["weights", "offset"])
def test_vector_argument_of_wrong_length(df: pd.DataFrame, arg: str) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        [arg, r"\b5\b", rf"\b{N}\b"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), **{arg: np.ones(5)}),
    )


@pytest.mark.parametrize("as_column", [True, False])
def test_negative_weights(df: pd.DataFrame, as_column: bool) -> None:
    w = np.ones(N)
    w[4] = -2.5
    df["wneg"] = w
    weights: Any = "wneg" if as_column else w
    raises_unchanged(
        df,
        rglm.DataError,
        ["(?i)negative weights", r"-2\.5"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), weights=weights),
    )


def test_infinite_predictor(df: pd.DataFrame) -> None:
    df.loc[6, "x"] = np.inf
    raises_unchanged(
        df, rglm.DataError, ["(?i)infinite", r"\b1 row"], lambda: rglm.glm("y ~ x", df, rglm.Poisson())
    )


def test_infinite_response(df: pd.DataFrame) -> None:
    df.loc[6, "y"] = np.inf
    raises_unchanged(
        df,
        rglm.DataError,
        ["(?i)infinite", "response", r"\b1 row"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson()),
    )


@pytest.mark.parametrize("as_column", [True, False])
def test_infinite_weights(df: pd.DataFrame, as_column: bool) -> None:
    w = np.ones(N)
    w[9] = np.inf
    df["winf"] = w
    weights: Any = "winf" if as_column else w
    raises_unchanged(
        df,
        rglm.DataError,
        ["(?i)infinite", "weights", r"\b1 row"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), weights=weights),
    )


def test_infinite_offset(df: pd.DataFrame) -> None:
    df.loc[6, "o"] = -np.inf
    raises_unchanged(
        df,
        rglm.DataError,
        ["(?i)infinite", "offset"],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), offset="o"),
    )


# ---------------------------------------------------------------------------------------------
# Data of the wrong type
# ---------------------------------------------------------------------------------------------


def test_string_response_for_poisson(df: pd.DataFrame) -> None:
    raises_unchanged(df, TypeError, [r"'g'", "numeric"], lambda: rglm.glm("g ~ x", df, rglm.Poisson()))


def test_string_weights_column(df: pd.DataFrame) -> None:
    raises_unchanged(
        df, TypeError, [r"'g'", "numeric"], lambda: rglm.glm("y ~ x", df, rglm.Poisson(), weights="g")
    )


def test_datetime_predictor(df: pd.DataFrame) -> None:
    df["when"] = pd.date_range("2024-01-01", periods=N, freq="D")
    raises_unchanged(
        df, TypeError, [r"'when'", "datetime|date"], lambda: rglm.glm("y ~ x + when", df, rglm.Poisson())
    )


def test_datetime_response(df: pd.DataFrame) -> None:
    df["when"] = pd.date_range("2024-01-01", periods=N, freq="D")
    raises_unchanged(df, TypeError, [r"'when'", "datetime|date"], lambda: rglm.glm("when ~ x", df))


def test_duplicate_column_names() -> None:
    dup = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["y", "x", "x"])
    raises_unchanged(dup, rglm.DataError, ["(?i)duplicate", r"\bx\b"], lambda: rglm.glm("y ~ x", dup))


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("formula", ["y ~ x +* g", "y ~ x + + ", "y ~ x ** ** 2"])
def test_formula_syntax_error(df: pd.DataFrame, formula: str) -> None:
    raises_unchanged(
        df, rglm.FormulaError, ["(?i)formula", re.escape(formula.strip())], lambda: rglm.glm(formula, df)
    )


@pytest.mark.parametrize(
    "formula, words",
    [
        ("y ~ log(x", ["(?i)unbalanced|parenthes", r"not closed|'\('"]),
        ("y ~ log(x))", ["(?i)unbalanced|parenthes", r"'\)'"]),
        ("y ~ (x + g", ["(?i)unbalanced|parenthes"]),
    ],
)
def test_unbalanced_parentheses(df: pd.DataFrame, formula: str, words: list[str]) -> None:
    raises_unchanged(df, rglm.FormulaError, words, lambda: rglm.glm(formula, df))


def test_formula_without_tilde(df: pd.DataFrame) -> None:
    raises_unchanged(df, rglm.FormulaError, ["~", re.escape("'y + x'")], lambda: rglm.glm("y + x", df))


def test_formula_with_two_tildes(df: pd.DataFrame) -> None:
    raises_unchanged(df, rglm.FormulaError, ["~"], lambda: rglm.glm("y ~ x ~ g", df))


def test_formula_with_empty_sides(df: pd.DataFrame) -> None:
    raises_unchanged(df, rglm.FormulaError, ["(?i)response"], lambda: rglm.glm(" ~ x", df))
    raises_unchanged(df, rglm.FormulaError, ["(?i)right"], lambda: rglm.glm("y ~ ", df))


def test_formula_not_a_string(df: pd.DataFrame) -> None:
    raises_unchanged(df, rglm.FormulaError, ["(?i)string"], lambda: rglm.glm(["y", "x"], df))  # type: ignore[arg-type]


@pytest.mark.parametrize("lhs", ["cbind(y)", "cbind(y, x, p)", "cbind(y, )"])
def test_cbind_needs_exactly_two_columns(df: pd.DataFrame, lhs: str) -> None:
    raises_unchanged(
        df, rglm.FormulaError, ["cbind", "(?i)two"], lambda: rglm.glm(f"{lhs} ~ x", df, rglm.Binomial())
    )


# ---------------------------------------------------------------------------------------------
# Families and links
# ---------------------------------------------------------------------------------------------


def test_unknown_family_name(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.FamilyError,
        ["(?i)unknown family", "'poison'", "Poisson"],
        lambda: rglm.glm("y ~ x", df, "poison"),
    )


def test_family_of_wrong_type(df: pd.DataFrame) -> None:
    raises_unchanged(df, rglm.FamilyError, ["(?i)family", "int"], lambda: rglm.glm("y ~ x", df, 42))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make, bad, allowed",
    [
        (lambda: rglm.Binomial(link="sqrt"), "sqrt", ["logit", "probit", "cloglog", "cauchit", "log"]),
        (lambda: rglm.Poisson(link="logit"), "logit", ["log", "identity", "sqrt"]),
        (lambda: rglm.Gamma(link="probit"), "probit", ["inverse", "log", "identity"]),
        (lambda: rglm.InverseGaussian(link="logit"), "logit", ["1/mu\\^2", "inverse", "log", "identity"]),
    ],
    ids=["binomial-sqrt", "poisson-logit", "gamma-probit", "invgauss-logit"],
)
def test_link_not_allowed_lists_allowed_links(
    make: Callable[[], rglm.Family], bad: str, allowed: list[str]
) -> None:
    with pytest.raises(rglm.FamilyError, match=rf"'{bad}'") as info:
        make()
    for link in allowed:
        assert re.search(rf"'{link}'", str(info.value)), (link, str(info.value))


def test_link_not_allowed_by_family_name(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.FamilyError,
        ["'sqrt'", "'logit'"],
        lambda: rglm.glm("p ~ x", df, rglm.families.get_family("binomial", link="sqrt")),
    )


def test_unknown_link_name() -> None:
    with pytest.raises(rglm.FamilyError, match=r"(?i)unknown link 'foo'") as info:
        rglm.Poisson(link="foo")
    assert "'log'" in str(info.value)


def test_tweedie_var_power_between_zero_and_one() -> None:
    with pytest.raises(rglm.FamilyError, match=r"var_power.*0\.5"):
        rglm.Tweedie(var_power=0.5)


@pytest.mark.parametrize("theta", [-1, 0, np.inf, np.nan])
def test_negative_binomial_bad_theta(theta: float) -> None:
    with pytest.raises(rglm.FamilyError, match=rf"theta.*{re.escape(repr(theta))}"):
        rglm.NegativeBinomial(theta=theta)


# ---------------------------------------------------------------------------------------------
# Arguments of glm()
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["drop", "OMIT", None])
def test_bad_na_action(df: pd.DataFrame, bad: Any) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        ["na_action", re.escape(repr(bad)), "omit"],
        lambda: rglm.glm("y ~ x", df, na_action=bad),
    )


def test_subset_of_wrong_length(df: pd.DataFrame) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        ["subset", rf"\b{N}\b"],
        lambda: rglm.glm("y ~ x", df, subset=np.ones(N - 3, dtype=bool)),
    )


@pytest.mark.parametrize(
    "subset", [np.ones(N), np.arange(N), np.array(["yes"] * N)], ids=["float", "int", "str"]
)
def test_subset_of_wrong_dtype(df: pd.DataFrame, subset: np.ndarray) -> None:
    raises_unchanged(
        df, rglm.DataError, ["subset", "(?i)bool|True/False"], lambda: rglm.glm("y ~ x", df, subset=subset)
    )


@pytest.mark.parametrize(
    "query, word", [("x >>> 2", r"x >>> 2"), ("nosuch > 2", r"nosuch"), ("x + 1", r"True/False|bool")]
)
def test_subset_invalid_query_string(df: pd.DataFrame, query: str, word: str) -> None:
    raises_unchanged(df, rglm.DataError, ["subset", word], lambda: rglm.glm("y ~ x", df, subset=query))


def test_start_of_wrong_length(df: pd.DataFrame) -> None:
    # y ~ x + g has 5 coefficients.
    raises_unchanged(
        df,
        rglm.DataError,
        ["start", r"\b5\b", r"\b2\b"],
        lambda: rglm.glm("y ~ x + g", df, rglm.Poisson(), start=[0.0, 0.1]),
    )


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"tol": 0.0}, "tol"),
        ({"tol": -1e-8}, "tol"),
        ({"tol": np.nan}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"max_iter": -3}, "max_iter"),
        ({"max_iter": 2.5}, "max_iter"),
    ],
)
def test_bad_control_values(df: pd.DataFrame, kwargs: dict[str, Any], word: str) -> None:
    value = next(iter(kwargs.values()))
    raises_unchanged(
        df,
        rglm.FitError,
        [word, re.escape(repr(value))],
        lambda: rglm.glm("y ~ x", df, rglm.Poisson(), **kwargs),
    )


@pytest.mark.parametrize("dispersion", [0.0, -1.0, np.inf])
def test_bad_dispersion(df: pd.DataFrame, dispersion: float) -> None:
    raises_unchanged(
        df,
        rglm.DataError,
        ["dispersion"],
        lambda: rglm.glm("y ~ x", df, rglm.Gaussian(), dispersion=dispersion),
    )


# ---------------------------------------------------------------------------------------------
# predict() on new data
# ---------------------------------------------------------------------------------------------


def test_predict_unseen_level_of_string_column(df: pd.DataFrame) -> None:
    m = rglm.glm("y ~ x + g", df, rglm.Poisson())
    new = pd.DataFrame({"x": [0.0, 0.5], "g": ["b", "zz"]})
    raises_unchanged(new, rglm.DataError, [r"'g'", r"'zz'"], lambda: m.predict(new))


def test_predict_unseen_level_of_c_numeric_column(df: pd.DataFrame) -> None:
    m = rglm.glm("y ~ x + C(k)", df, rglm.Poisson())
    new = pd.DataFrame({"x": [0.0, 0.5], "k": [1, 3]})
    raises_unchanged(new, rglm.DataError, [r"'k'", r"\b3(\.0)?\b"], lambda: m.predict(new))


def test_predict_unseen_level_of_categorical_column(df: pd.DataFrame) -> None:
    df["gc"] = pd.Categorical(df["g"])
    m = rglm.glm("y ~ x + gc", df, rglm.Poisson())
    new = pd.DataFrame({"x": [0.0], "gc": pd.Categorical(["e"], categories=["a", "e"])})
    raises_unchanged(new, rglm.DataError, [r"'gc'", r"'e'"], lambda: m.predict(new))


@pytest.mark.parametrize(
    "formula, missing", [("y ~ dose + g", "dose"), ("y ~ log(dose) + g", "dose"), ("y ~ x + group", "group")]
)
def test_predict_missing_column_in_newdata(df: pd.DataFrame, formula: str, missing: str) -> None:
    df = df.rename(columns={"pos": "dose", "g": "group" if "group" in formula else "g"})
    m = rglm.glm(formula, df, rglm.Poisson())
    new = df.drop(columns=missing).head(3)
    raises_unchanged(new, rglm.DataError, [rf"\b{missing}\b"], lambda: m.predict(new))


def test_predict_missing_offset_column_in_newdata(df: pd.DataFrame) -> None:
    m1 = rglm.glm("y ~ x + offset(log(pos))", df, rglm.Poisson())
    m2 = rglm.glm("y ~ x", df, rglm.Poisson(), offset="o")
    new = df[["x"]].head(3)
    raises_unchanged(new, rglm.DataError, [r"\bpos\b"], lambda: m1.predict(new))
    raises_unchanged(new, rglm.DataError, [r"'o'", "offset"], lambda: m2.predict(new))


def test_predict_offset_array_needed_for_array_offset(df: pd.DataFrame) -> None:
    m = rglm.glm("y ~ x", df, rglm.Poisson(), offset=df["o"].to_numpy())
    new = df[["x"]].head(3)
    raises_unchanged(new, rglm.DataError, ["offset"], lambda: m.predict(new))
    raises_unchanged(new, rglm.DataError, ["offset", r"\b3\b"], lambda: m.predict(new, offset=np.zeros(2)))


def test_predict_bad_type(df: pd.DataFrame) -> None:
    m = rglm.glm("y ~ x", df, rglm.Poisson())
    # The message lists the valid types, "terms" among them.
    with pytest.raises(ValueError, match="'terms'"):
        m.predict(df, type="probability")


# ---------------------------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------------------------


def _only(record: Any, cls: type[Warning]) -> list[warnings.WarningMessage]:
    return [w for w in record if issubclass(w.category, cls)]


def test_non_integer_binomial_successes_warn() -> None:
    data = pd.DataFrame({"y": [0.5, 0.5, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0], "x": np.arange(8.0)})
    before = data.copy(deep=True)
    with pytest.warns(rglm.NonIntegerWarning, match=r"(?i)non-integer") as rec:
        m = rglm.glm("y ~ x", data, rglm.Binomial(), weights=np.ones(8))
    msg = str(_only(rec, rglm.NonIntegerWarning)[0].message)
    assert re.search(r"QuasiBinomial", msg), msg  # says what to do
    assert np.isfinite(m.deviance)
    pd.testing.assert_frame_equal(data, before)


def test_quasibinomial_does_not_warn_about_non_integer_successes() -> None:
    data = pd.DataFrame({"y": [0.5, 0.5, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0], "x": np.arange(8.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rglm.glm("y ~ x", data, rglm.QuasiBinomial())


def test_non_integer_cbind_counts_warn() -> None:
    data = pd.DataFrame(
        {"s": [1.5, 2.0, 3.0, 1.0, 4.0], "f": [2.0, 2.0, 1.0, 3.0, 0.25], "x": np.arange(5.0)}
    )
    before = data.copy(deep=True)
    with pytest.warns(rglm.NonIntegerWarning, match=r"(?i)non-integer") as rec:
        rglm.glm("cbind(s, f) ~ x", data, rglm.Binomial())
    msg = str(_only(rec, rglm.NonIntegerWarning)[0].message)
    assert re.search(r"QuasiBinomial", msg), msg
    pd.testing.assert_frame_equal(data, before)


def test_perfect_separation_warns_and_says_what_to_do() -> None:
    data = pd.DataFrame({"y": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    before = data.copy(deep=True)
    with pytest.warns(rglm.RGLMWarning) as rec:
        rglm.glm("y ~ x", data, rglm.Binomial())
    assert _only(rec, rglm.SeparationWarning)
    found = _only(rec, rglm.PerfectFitWarning)
    assert re.search(r"(?i)fitted probabilities numerically 0 or 1", str(found[0].message))
    msg = str(found[0].message)
    assert re.search(r"(?i)separat", msg), msg
    # The message must suggest a remedy, not only state the symptom.
    assert re.search(r"(?i)\b(consider|check|remove|drop|use|try|penali[sz]ed|firth)\b", msg), msg
    pd.testing.assert_frame_equal(data, before)


def test_max_iter_one_warns_convergence(df: pd.DataFrame) -> None:
    before = df.copy(deep=True)
    with pytest.warns(rglm.ConvergenceWarning, match=r"(?i)converge") as rec:
        m = rglm.glm("y ~ x + g", df, rglm.Poisson(), max_iter=1)
    assert m.converged is False
    assert m.iterations == 1
    found = _only(rec, rglm.ConvergenceWarning)
    assert re.search(r"max_iter", str(found[0].message)), str(found[0].message)  # says what to do
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("case", ["non-integer", "separation", "convergence"])
def test_warnings_point_at_the_callers_line(case: str) -> None:
    """A warning is attributed to the user's call of glm(), not to a line inside rglm."""
    if case == "non-integer":
        data, family, kwargs = (
            pd.DataFrame({"y": [0.5, 0.0, 1.0, 1.0], "x": [1.0, 2.0, 3.0, 4.0]}),
            rglm.Binomial(),
            {},
        )
        cls: type[Warning] = rglm.NonIntegerWarning
    elif case == "separation":
        data, family, kwargs = (
            pd.DataFrame({"y": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0], "x": np.arange(6.0)}),
            rglm.Binomial(),
            {},
        )
        cls = rglm.PerfectFitWarning
    else:
        data, family, kwargs = make_data(), rglm.Poisson(), {"max_iter": 1}
        cls = rglm.ConvergenceWarning
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        rglm.glm("y ~ x", data, family, **kwargs)
    found = _only(rec, cls)
    assert found, [str(w.message) for w in rec]
    assert found[0].filename == __file__, found[0].filename


def test_warnings_are_rglm_warnings() -> None:
    for cls in (rglm.NonIntegerWarning, rglm.PerfectFitWarning, rglm.ConvergenceWarning):
        assert issubclass(cls, rglm.RGLMWarning)
        assert issubclass(cls, UserWarning)


@pytest.mark.parametrize(
    "formula, family, kwargs",
    [
        ("y ~ x + g", rglm.Poisson(), {"weights": "w", "offset": "o"}),
        ("p ~ x", rglm.Binomial(), {}),
        ("pos ~ x + g", rglm.Gamma(link="log"), {}),
        ("pos ~ x", rglm.InverseGaussian(), {}),
        ("y ~ x", rglm.NegativeBinomial(theta=3.0), {}),
        ("pos ~ x * g", rglm.Gaussian(), {}),
    ],
    ids=["poisson", "binomial", "gamma", "invgauss", "negbin", "gaussian"],
)
def test_clean_fit_emits_no_warnings(
    df: pd.DataFrame, formula: str, family: rglm.Family, kwargs: dict[str, Any]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = rglm.glm(formula, df, family, **kwargs)
        m.predict(df.head(4))
        str(m.summary())
    assert m.converged is True
