"""Parsing R's formula forms: cbind() responses and offset() terms."""

from __future__ import annotations

import pytest

from rglm.exceptions import FormulaError
from rglm.frame.formula import formula_context, parse_formula, split_top_level


@pytest.mark.parametrize(
    ("formula", "response", "rhs", "offsets"),
    [
        ("y ~ x", ("y",), "x", ()),
        ("cbind(dead, alive) ~ sex * log(dose)", ("dead", "alive"), "sex + log(dose) + sex:log(dose)", ()),
        ("cbind(s, n - s) ~ x", ("s", "(n - s)"), "x", ()),
        ("y ~ x + offset(log(n))", ("y",), "x", ("log(n)",)),
        ("y ~ offset(log(n)) + x", ("y",), "x", ("log(n)",)),
        ("y ~ offset(a) + x + offset(b)", ("y",), "x", ("a", "b")),
        ("y ~ offset(log(x))", ("y",), "1", ("log(x)",)),
        ("y ~ offset(x) - 1", ("y",), "-1", ("x",)),
        ("y ~ a*b + I(c - 1e-3) - 1", ("y",), "a + b + I(c - 0.001) + a:b - 1", ()),
        ("log(y) ~ x", ("log(y)",), "x", ()),
        ("y ~ x + offset(I(a + b))", ("y",), "x", ("I((a + b))",)),
        ("y ~ `a b` + x", ("y",), "`a b` + x", ()),
    ],
)
def test_parse(formula: str, response: tuple[str, ...], rhs: str, offsets: tuple[str, ...]) -> None:
    p = parse_formula(formula)
    assert (p.response, p.rhs, p.offsets) == (response, rhs, offsets)
    assert p.is_cbind == (len(response) == 2)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y", "has no '~'"),
        ("y ~ x ~ z", "more than one '~'"),
        (" ~ x", "no response"),
        ("y ~ ", "nothing on the right"),
        ("cbind(a) ~ x", "exactly two columns"),
        ("cbind(a, b, c) ~ x", "exactly two columns"),
        ("y ~ x - offset(z)", "cannot be subtracted"),
        ("y ~ offset() + x", "needs an expression"),
        ("y ~ (x", "not closed"),
        ("y ~ x)", "closes nothing"),
        ("y ~ 'x", "unterminated quote"),
    ],
)
def test_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula(formula)


def test_not_a_string() -> None:
    with pytest.raises(FormulaError, match="must be a string"):
        parse_formula(3)  # type: ignore[arg-type]


def test_split_respects_brackets_and_quotes() -> None:
    assert split_top_level("a + f(b + c) - 'd + e'", "+-") == [
        ("", "a "),
        ("+", " f(b + c) "),
        ("-", " 'd + e'"),
    ]


def test_context_has_r_function_names() -> None:
    ctx = formula_context()
    for name in (
        "log",
        "exp",
        "sqrt",
        "abs",
        "log10",
        "log2",
        "log1p",
        "expm1",
        "sin",
        "cos",
        "floor",
        "ceiling",
        "factor",
        "np",
    ):
        assert name in ctx
