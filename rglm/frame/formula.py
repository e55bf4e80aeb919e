"""R formulas: the response, R's terms and offsets of a formula, R's ``update.formula``, and
the functions formulas may call.

:func:`parse_formula` reads a formula as R does (:mod:`rglm.frame.rsyntax`): the response may
be ``cbind(successes, failures)``, the right-hand side is expanded into R's terms
(:mod:`rglm.frame.rterms`: ``.``, ``^``, ``%in%``, ``/``, ``-``, offsets) and ``offset()``
terms are kept apart, because an offset is not a column of the model matrix.  Expressions
are handed to formulaic as Python code (``^`` as ``**``).  :func:`formula_context` holds
R's functions (``log(x, base)``, ``factor``, ``ordered``, ``relevel``, ``c``, ``ns``, ``bs``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from formulaic.transforms import stateful_transform

from rglm.exceptions import ArgumentError, FormulaError
from rglm.frame.rsyntax import Node, deparse, parse_r, to_python
from rglm.frame.rterms import RTerms, expand_rhs, response_symbols
from rglm.frame.splines import bs, ns

__all__ = [
    "ParsedFormula",
    "call_argument",
    "formula_context",
    "formula_names",
    "parse_formula",
    "quote_dotted_names",
    "response_label",
    "rhs_terms",
    "split_top_level",
    "update_formula",
]

_OPEN = "([{"
_CLOSE = ")]}"


def _scan(text: str) -> list[tuple[int, str, int]]:
    """(position, character, depth) for characters outside quotes and backticks."""
    out: list[tuple[int, str, int]] = []
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`":
            quote = ch
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                raise FormulaError(
                    f"unbalanced parentheses in formula {text!r}: a ')' at position {i} closes nothing"
                )
        out.append((i, ch, depth))
    if quote:
        raise FormulaError(f"unterminated quote {quote} in formula {text!r}")
    if depth != 0:
        raise FormulaError(f"unbalanced parentheses in formula {text!r}: {depth} '(' not closed")
    return out


def split_top_level(text: str, seps: str) -> list[tuple[str, str]]:
    """Split ``text`` at characters of ``seps`` that are outside brackets and quotes.

    Returns (separator before the piece, piece) pairs; the first separator is ``""``.
    """
    pieces: list[tuple[str, str]] = []
    last, sep = 0, ""
    for i, ch, depth in _scan(text):
        if depth == 0 and ch in seps:
            # A sign in scientific notation (1e-3) is not an operator.
            if ch in "+-" and i > 1 and text[i - 1] in "eE" and text[i - 2].isdigit():
                continue
            pieces.append((sep, text[last:i]))
            sep, last = ch, i + 1
    pieces.append((sep, text[last:]))
    return pieces


_CALL = re.compile(r"^\s*([A-Za-z_.][\w.]*)\s*\((.*)\)\s*$", re.DOTALL)


def call_argument(text: str, name: str) -> str | None:
    """The argument text if ``text`` is exactly ``name(...)``, else None."""
    m = _CALL.match(text)
    if not m or m.group(1) != name:
        return None
    inner = m.group(2)
    # "offset(a) + offset(b)" also matches the pattern; make sure the parentheses pair up.
    try:
        scan = _scan(inner)
    except FormulaError:
        return None
    if any(d < 0 for _, _, d in scan):
        return None
    return inner


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into the parts R treats differently.

    Attributes
    ----------
    text : str
        The formula as given.
    response : tuple of str
        One expression, or two for ``cbind(successes, failures)``, as Python code.
    rhs : str
        The right-hand side's terms in R's order, without ``offset()`` terms and with ``.``
        expanded (R's text, :meth:`RTerms.rhs_text`).
    offsets : tuple of str
        Expressions inside ``offset()`` terms, as Python code.
    terms : RTerms or None
        R's terms of the right-hand side.
    lhs : str
        The response as R writes it.
    """

    text: str
    response: tuple[str, ...]
    rhs: str
    offsets: tuple[str, ...]
    terms: RTerms | None = None
    lhs: str = ""
    shown: str = ""

    @property
    def is_cbind(self) -> bool:
        return len(self.response) == 2

    @property
    def response_label(self) -> str:
        if self.lhs:
            return self.lhs
        return f"cbind({', '.join(self.response)})" if self.is_cbind else self.response[0]

    @property
    def display(self) -> str:
        """The formula as R's ``formula(object)`` prints it: as written, with ``.`` replaced
        by the columns it stands for (``Ozone ~ (Solar.R + Wind) - Solar.R``)."""
        return self.shown or self.text

    @property
    def expanded(self) -> str:
        """The formula with ``.`` expanded and the terms in R's order (R's ``formula(terms)``)."""
        if self.terms is None:
            return self.text
        return f"{self.lhs} ~ {self.terms.rhs_text()}"


def parse_formula(formula: str, columns: Sequence[str] | None = None) -> ParsedFormula:
    """Split an R formula into response, R's terms and offsets.

    ``columns`` are the data's columns: ``.`` stands for those not in the response, and
    columns that are not Python names are quoted in the Python code.

    Examples
    --------
    >>> p = parse_formula("cbind(dead, alive) ~ sex * log(dose) + offset(log(n))")
    >>> p.response, p.rhs, p.offsets
    (('dead', 'alive'), 'sex + log(dose) + sex:log(dose)', ('log(n)',))
    """
    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {type(formula).__name__}")
    parts = split_top_level(formula, "~")
    if len(parts) != 2:
        if len(parts) == 1:
            raise FormulaError(f"formula {formula!r} has no '~': write it as 'response ~ predictors'")
        raise FormulaError(f"formula {formula!r} has more than one '~'")
    lhs, rhs = parts[0][1].strip(), parts[1][1].strip()
    if not lhs:
        raise FormulaError(f"formula {formula!r} has no response on the left of '~'")
    if not rhs:
        raise FormulaError(
            f"formula {formula!r} has nothing on the right of '~' (use '1' for an intercept-only model)"
        )
    try:
        return _parse(formula, lhs, rhs, columns)
    except FormulaError as exc:
        if not str(exc).startswith("cannot read"):
            raise
        raise FormulaError(f"cannot parse formula {formula!r}: {exc}") from None


def _parse(formula: str, lhs: str, rhs: str, columns: Sequence[str] | None) -> ParsedFormula:
    cols = frozenset(map(str, columns)) if columns is not None else frozenset()
    lhs_node = parse_r(lhs)
    if lhs_node.kind == "call" and lhs_node.value == "cbind":
        if len(lhs_node.args) != 2:
            raise FormulaError(
                f"cbind() in the response takes exactly two columns (successes, failures), got {lhs!r}"
            )
        response = tuple(to_python(a, cols) for a in lhs_node.args)
    else:
        response = (to_python(lhs_node, cols),)
    dot = None
    if columns is not None:
        drop = response_symbols(lhs_node)
        dot = [str(c) for c in columns if str(c) not in drop]
    terms = expand_rhs(rhs, dot, lhs_node)
    offsets = tuple(to_python(o, cols) for o in terms.offsets)
    body = dataclasses.replace(terms, offsets=()).rhs_text()
    shown = ""
    if dot is not None and any(n.kind == "name" and n.value == "." for n in _walk(parse_r(rhs))):
        value = parse_r(" + ".join(deparse(Node("name", c)) for c in dot)) if dot else Node("num", "1")
        shown = f"{deparse(lhs_node)} ~ {deparse(_expand_dots(parse_r(rhs), value))}"
    return ParsedFormula(formula, response, body, offsets, terms, deparse(lhs_node), shown)


def _walk(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.args)
    return out


def _expand_dots(node: Node, value: Node) -> Node:
    """R's ``ExpandDots``: ``.`` replaced by ``value``, in parentheses where it is an operand of
    an operator other than ``+`` and ``value`` is a sum."""
    if node.kind == "name" and node.value == ".":
        return value
    if not node.args:
        return node
    wrap = node.kind in ("binop", "unary") and node.value != "+" and value.kind == "binop"
    args = tuple(
        Node("paren", args=(value,))
        if wrap and a.kind == "name" and a.value == "."
        else _expand_dots(a, value)
        for a in node.args
    )
    return dataclasses.replace(node, args=args)


def response_label(formula: str) -> str:
    """The response of ``formula`` as R writes it (``cbind(dead, alive)``, ``log(y)``)."""
    parts = split_top_level(formula, "~")
    if len(parts) != 2 or not parts[0][1].strip():
        raise FormulaError(f"formula {formula!r} has no response on the left of '~'")
    return deparse(parse_r(parts[0][1].strip()))


def _series(x: object, values: object) -> pd.Series:
    index = x.index if isinstance(x, pd.Series) else None
    out: pd.Series = pd.Series(values, index=index)
    return out


def factor(x: object, levels: object = None, ordered: bool = False) -> pd.Series:
    """R's ``factor(x, levels)``: the values as a pandas Categorical; levels sorted (numbers as
    numbers), or a Categorical's own order, or ``levels``; levels that do not occur are
    dropped unless given."""
    s = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x))
    if levels is not None:
        cats = list(np.atleast_1d(np.asarray(levels)).tolist())
    elif isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna().unique())
        cats = [c for c in s.cat.categories if c in present]
        ordered = ordered or bool(s.cat.ordered)
    else:
        cats = sorted(s.dropna().unique().tolist())
    values = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
    return _series(s, pd.Categorical(values, categories=cats, ordered=ordered))


def ordered(x: object, levels: object = None) -> pd.Series:
    """R's ``ordered(x, levels)``: an ordered factor (coded by ``contr.poly`` by default)."""
    return factor(x, levels, ordered=True)


@stateful_transform  # type: ignore[untyped-decorator]
def relevel(x: object, ref: object, _state: dict[str, Any] = {}) -> pd.Series:  # noqa: B006
    """R's ``relevel(x, ref)``: the factor with ``ref`` as its first level; new data get the
    levels found in fitting (a stateful transform)."""
    if "levels" in _state:
        s = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x))
        values = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        return _series(s, pd.Categorical(values, categories=_state["levels"]))
    f = factor(x)
    cats = list(f.cat.categories)
    match = [c for c in cats if c == ref or str(c) == str(ref)]
    if not match:
        raise ArgumentError(f"relevel(): 'ref' = {ref!r} is not a level ({', '.join(map(str, cats))})")
    order = match + [c for c in cats if c != match[0]]
    _state["levels"] = order
    return _series(f, f.cat.reorder_categories(order).array)


def _c(*values: object) -> list[object]:
    """R's ``c()`` of numbers or strings."""
    out: list[object] = []
    for v in values:
        out.extend(np.atleast_1d(np.asarray(v)).tolist())
    return out


def _as_numeric(x: object) -> object:
    return np.asarray(x, dtype=np.float64)


def _rvar(x: object) -> object:
    """A model variable as R's ``model.matrix`` reads it: a logical is a factor with levels
    FALSE, TRUE."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and str(dtype) in ("bool", "boolean"):
        return _series(x, pd.Categorical(np.asarray(x, dtype=object), categories=[False, True]))
    return x


def _log(x: object, base: float | None = None) -> object:
    """R's ``log(x, base)``: ``log10``/``log2`` for bases 10 and 2, else log(x)/log(base)."""
    if base is None:
        return np.log(x)  # type: ignore[call-overload]
    if base == 10:
        return np.log10(x)  # type: ignore[call-overload]
    if base == 2:
        return np.log2(x)  # type: ignore[call-overload]
    return np.log(x) / np.log(base)  # type: ignore[call-overload]


def _r_round(x: object, digits: int = 0) -> object:
    return np.round(x, digits)  # type: ignore[call-overload]


def formula_context() -> dict[str, object]:
    """Names usable in formulas as in R: ``log``, ``exp``, ``sqrt``, ``abs``, trigonometric
    functions, ``factor`` (an alias of formulaic's ``C``), ``np`` and ``numpy``."""
    ctx: dict[str, object] = {
        "np": np,
        "numpy": np,
        "log": _log,
        "log2": np.log2,
        "log10": np.log10,
        "log1p": np.log1p,
        "exp": np.exp,
        "expm1": np.expm1,
        "sqrt": np.sqrt,
        "abs": np.abs,
        "sign": np.sign,
        "sin": np.sin,
        "cos": np.cos,
        "tan": np.tan,
        "asin": np.arcsin,
        "acos": np.arccos,
        "atan": np.arctan,
        "sinh": np.sinh,
        "cosh": np.cosh,
        "tanh": np.tanh,
        "floor": np.floor,
        "ceiling": np.ceil,
        "trunc": np.trunc,
        "round": _r_round,
        "pi": math.pi,
        "factor": factor,
        "as_factor": factor,
        "ordered": ordered,
        "relevel": relevel,
        "c": _c,
        "_rvar": _rvar,
        "ns": ns,
        "bs": bs,
        "as_numeric": _as_numeric,
        "pmin": np.minimum,
        "pmax": np.maximum,
        "ifelse": np.where,
        "as_integer": _as_numeric,
    }
    return ctx


_TOKEN = re.compile(r"(`[^`]*`|'[^']*'|\"[^\"]*\")|([A-Za-z_.][\w.]*)(\s*\()?")


def formula_names(text: str) -> tuple[set[str], set[str]]:
    """Names used as variables and names used as functions in ``text``."""
    variables: set[str] = set()
    calls: set[str] = set()
    for m in _TOKEN.finditer(text):
        quoted, name, call = m.group(1), m.group(2), m.group(3)
        if quoted is not None:
            if quoted.startswith("`"):
                variables.add(quoted.strip("`"))
        elif call:
            calls.add(name)
        else:
            variables.add(name)
    return variables, calls


def quote_dotted_names(text: str, columns: set[str]) -> str:
    """Backtick column names that contain dots (R's ``Solar.R``), so that Python code inside
    formulaic's terms (``log(Solar.R)``) reads them as one name."""

    def repl(m: re.Match[str]) -> str:
        quoted, name, call = m.group(1), m.group(2), m.group(3)
        if quoted is None and not call and "." in name and name in columns:
            return f"`{name}`"
        return m.group(0)

    return _TOKEN.sub(repl, text)


def rhs_terms(rhs: str, formula: str | None = None) -> list[tuple[str, frozenset[str]]]:
    """R's terms of the right-hand side ``rhs`` in R's order: each term's label and the set of
    its variables (as R writes them).  The intercept is ``("1", {"1"})``; offsets are left out."""
    try:
        terms = expand_rhs(rhs, None)
    except FormulaError as exc:
        raise FormulaError(f"cannot parse {formula or rhs!r}: {exc}") from exc
    names = [deparse(v) for v in terms.variables]
    out = [("1", frozenset({"1"}))] if terms.intercept else []
    out += [(lab, frozenset(names[i] for i in t)) for lab, t in zip(terms.labels, terms.terms, strict=True)]
    return out


def _sides(formula: str) -> tuple[str, str]:
    parts = [p for _, p in split_top_level(formula, "~")]
    if len(parts) == 1:
        return "", parts[0].strip()
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    raise FormulaError(f"formula {formula!r} has more than one '~'")


def _substitute(node: Node, by: Node, wrap: bool = True) -> Node:
    if node.kind == "name" and node.value == ".":
        return Node("paren", args=(by,)) if wrap else by
    if not node.args:
        return node
    return dataclasses.replace(node, args=tuple(_substitute(a, by, wrap) for a in node.args))


def update_formula(old: str, new: str) -> str:
    """R's ``update.formula``: ``.`` in ``new`` stands for the same side of ``old`` (which must
    not itself hold a ``.``); the result is simplified as R's ``terms.formula(simplify =
    TRUE)``: terms in R's order, an interaction's variables in the order they first appear,
    offsets last, ``- 1`` when there is no intercept.

    >>> update_formula("y ~ a * b", ". ~ . - a:b")
    'y ~ a + b'
    """
    old_l, old_r = _sides(old)
    new_l, new_r = _sides(new)
    lhs = (
        deparse(_substitute(parse_r(new_l), parse_r(old_l), wrap=False))
        if new_l and old_l
        else (new_l or old_l)
    )
    rhs_node = _substitute(parse_r(new_r), parse_r(old_r))
    return f"{lhs} ~ {expand_rhs(deparse(rhs_node), None).rhs_text()}"
