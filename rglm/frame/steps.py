"""The named steps of R's ``model.frame``, shared by the in-memory frame
(:func:`rglm.frame.model_frame.build_frame`) and the chunked one (:mod:`rglm.frame.chunked`).

In the order a frame is built:

1. :func:`resolve_variables`: the formula split into response, terms and offsets, and the
   data columns each part uses;
2. :func:`subset_mask` and :func:`vector_argument`: the ``subset=``, ``weights=`` and
   ``offset=`` arguments read against the data;
3. :func:`count_missing`, :func:`refuse_missing`, :func:`check_dtypes`: rows with a missing
   value in a variable the model uses, and R's ``na.fail``;
4. :func:`response_vector`, :func:`offset_vector`: the response and the total offset of the
   rows used; :func:`bad_rows` and :func:`check_finite`: rows made missing by a transform, and
   infinite values or negative weights refused;
5. :func:`term_columns`, :func:`factor_levels`: what the model matrix's recipe
   (:class:`rglm.frame.rdesign.RDesign`) says about it (the columns of each term, the levels
   of each factor).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic.transforms import TRANSFORMS

from rglm.exceptions import ArgumentError, DataError, DataTypeError, collect_warnings, warn
from rglm.frame.columns import (
    aligned,
    as_numbers,
    column_list,
    evaluate,
    is_bare_name,
    numeric_values,
)
from rglm.frame.formula import ParsedFormula, formula_context, parse_formula
from rglm.frame.rdesign import RDesign
from rglm.frame.rsyntax import Node, names_in, parse_r
from rglm.frame.state import FrozenMap, read_only
from rglm.numerics.design import SplitDesign

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

__all__ = [
    "FormulaVariables",
    "bad_rows",
    "check_dtypes",
    "check_finite",
    "count_missing",
    "factor_levels",
    "first_level",
    "is_factor_response",
    "model_factors",
    "offset_vector",
    "refuse_missing",
    "resolve_variables",
    "response_vector",
    "subset_mask",
    "term_columns",
    "vector_argument",
]


@dataclasses.dataclass(frozen=True)
class FormulaVariables:
    """A formula read against the data's columns.

    Attributes
    ----------
    parsed : ParsedFormula
        The formula read against the data (``.`` expanded, column names quoted in its Python code).
    rhs, offsets, response : tuple of str
        Data columns used by the right-hand side, by the ``offset()`` terms and by the
        response, each sorted.
    """

    parsed: ParsedFormula
    rhs: tuple[str, ...]
    offsets: tuple[str, ...]
    response: tuple[str, ...]

    @property
    def used(self) -> tuple[str, ...]:
        """Every data column the formula uses, sorted."""
        return tuple(sorted(set(self.rhs) | set(self.offsets) | set(self.response)))


_CONSTANTS = {"TRUE", "FALSE", "T", "F", "NULL", "Inf", "NA", "NaN", "pi", "np", "numpy", "."}
_CONTRAST_NAMES = {"treatment", "sum", "helmert", "poly", "SAS"}


def _quoted_columns(node: Node) -> set[str]:
    """Columns named by a string in ``Q("x.1")``, which a scan of names does not see."""
    out: set[str] = set()
    if node.kind == "call" and node.value == "Q" and node.args and node.args[0].kind == "str":
        out.add(node.args[0].value)
    for arg in node.args:
        out |= _quoted_columns(arg)
    return out


def _variables(nodes: Sequence[Node], data: pd.DataFrame) -> tuple[str, ...]:
    """Data columns that the expressions ``nodes`` use; raise for a name that is neither a
    column nor a constant, and for a column named like a function the formula calls."""
    values: set[str] = set()
    calls: set[str] = set()
    for node in nodes:
        v, c = names_in(node)
        values |= v | _quoted_columns(node)
        calls |= c
    columns = set(map(str, data.columns))
    clash = sorted(calls & values & columns)
    if clash:
        raise DataError(
            f"column {', '.join(repr(c) for c in clash)} has the name of a function the formula "
            "calls; rename the column"
        )
    ctx = formula_context()
    missing = sorted(
        n
        for n in values - columns
        if n not in ctx
        and n not in TRANSFORMS
        and n not in _CONSTANTS
        and n not in _CONTRAST_NAMES
        and not n.startswith("contr.")
    )
    if missing:
        raise DataError(
            f"the formula uses {', '.join(repr(m) for m in missing)}, not found in the data "
            f"({column_list(data)})"
        )
    return tuple(sorted((values & columns) - (calls - values)))


#: Formulas already read, keyed on the formula and the data's column names (all that the
#: reading depends on); the values are immutable.  Refitting a model (a loop of fits, update,
#: step, bootstraps) then skips the parse.  Bounded: cleared when full.
_RESOLVED: dict[tuple[str, tuple[str, ...]], FormulaVariables] = {}
_RESOLVED_MAX = 256


def resolve_variables(formula: str, data: pd.DataFrame) -> FormulaVariables:
    """Parse ``formula`` (``.`` standing for the data's columns not in the response) and find
    the data columns each of its parts uses.

    Raises :class:`rglm.exceptions.DataError` for a name that is neither a column of ``data``
    nor a function usable in formulas, and for a column named like a function it calls.
    The reading depends only on the formula's text and the data's column names, so it is
    kept for the next fit of the same formula on data with the same columns; a reading that
    warned is not kept, so that every fit warns.
    """
    columns = tuple(str(c) for c in data.columns)
    key = (formula, columns) if isinstance(formula, str) else None
    if key is not None:
        hit = _RESOLVED.get(key)
        if hit is not None:
            return hit
    with collect_warnings() as caught:
        resolved = _resolve_variables(formula, data, columns)
    for category, message in caught:
        warn(message, category)
    if key is not None and not caught:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[key] = resolved
    return resolved


def _resolve_variables(formula: str, data: pd.DataFrame, columns: tuple[str, ...]) -> FormulaVariables:
    parsed = parse_formula(formula, list(columns))
    terms = parsed.terms
    assert terms is not None
    return FormulaVariables(
        parsed,
        _variables(terms.mentioned or terms.variables, data),
        _variables(terms.offsets, data),
        _variables([parse_r(parsed.lhs)], data),
    )


def vector_argument(arg: Any, data: pd.DataFrame, what: str) -> tuple[FloatArray | None, str | None]:
    """A ``weights=``/``offset=`` argument: a column name or one value per row of data.

    Returns the values (NaN where missing; None if ``arg`` is None) and the column name if
    ``arg`` named one.
    """
    if arg is None:
        return None, None
    if isinstance(arg, str):
        if arg not in data.columns:
            raise DataError(f"{what} column '{arg}' is not in the data ({column_list(data)})")
        return numeric_values(data[arg], f"{what} column '{arg}'"), arg
    if isinstance(arg, pd.Series):
        values = aligned(arg, data, what)
    else:
        # A dict would be read by its keys and a scalar is not one value per row: refuse both
        # by name (R: "variable lengths differ").
        try:
            ndim = np.ndim(arg)
        except ValueError:  # ragged nested lists
            ndim = 2
        if isinstance(arg, (dict, set)) or ndim != 1:
            shape = f"an array of {ndim} dimensions" if ndim > 1 else f"a {type(arg).__name__}"
            raise ArgumentError(
                f"{what} must be a column name or one value per row of data ({len(data)} values), got {shape}"
            )
        values = pd.Series(list(arg) if not isinstance(arg, np.ndarray) else arg)
    if values.ndim != 1 or values.shape[0] != len(data):
        raise DataError(
            f"{what} must have one value per row of data: got {values.size} values for {len(data)} rows"
        )
    return numeric_values(as_numbers(values), what), None


def subset_mask(subset: Any, data: pd.DataFrame) -> tuple[BoolArray, BoolArray]:
    """Rows selected by ``subset`` (a mask, a Series matched by label, or a query string), and
    rows where the condition itself is missing.

    As in R, a row whose subset condition is NA is kept as a row of missing values, which
    the NA handling then drops (and counts).
    """
    n = len(data)
    if subset is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    what = f"subset {subset!r}" if isinstance(subset, str) else "subset"
    if isinstance(subset, str):
        try:
            # the python engine handles pandas' nullable dtypes, which numexpr refuses
            result = data.eval(subset, engine="python")
        except Exception as exc:  # pandas raises many kinds of errors for a bad expression
            raise DataError(f"cannot evaluate subset {subset!r}: {exc}") from exc
        if isinstance(result, pd.Series):
            result = result.reset_index(drop=True)
    elif isinstance(subset, pd.Series):
        result = aligned(subset, data, "subset")
    else:
        result = subset
    values = pd.Series(result) if not isinstance(result, pd.Series) else result
    if values.shape != (n,):
        raise DataError(f"{what} must give one True/False per row of data ({n}), got {values.size} values")
    missing = values.isna().to_numpy()
    if not (
        pd.api.types.is_bool_dtype(values.dtype)
        or (values.dtype == object and all(isinstance(v, (bool, np.bool_)) for v in values[~missing]))
    ):
        raise DataError(
            f"{what} must be a boolean mask or a query string, got values of dtype {values.dtype}"
        )
    mask = values.where(~missing, False).astype(bool).to_numpy()
    return mask, missing


def _missing(col: pd.Series, finite: set[str] | None) -> BoolArray:
    """``col.isna()`` as an array.  A float column whose sum is finite has no NaN and no
    infinity, found in one read without a temporary; its name is added to ``finite``."""
    if col.dtype == np.float64 and len(col) and np.isfinite(np.sum(col.to_numpy())):
        if finite is not None:
            finite.add(str(col.name))
        return np.zeros(len(col), dtype=bool)
    return np.asarray(col.isna().to_numpy(), dtype=bool)


def count_missing(
    data: pd.DataFrame,
    names: Iterable[str],
    keep: BoolArray,
    na: BoolArray | None = None,
    counts: dict[str, int] | None = None,
    finite: set[str] | None = None,
) -> tuple[BoolArray, dict[str, int]]:
    """Rows with a missing value in any of the columns ``names`` (R's ``complete.cases``).

    Parameters
    ----------
    data : DataFrame
    names : iterable of str
        The columns the model uses.
    keep : ndarray of bool
        Rows selected by ``subset`` (the counts are of those rows only).
    na, counts : optional
        Rows and counts already found missing (the subset condition's NAs); extended.
    finite : set of str, optional
        Filled with the float columns found free of NaN and infinities.

    Returns
    -------
    na : ndarray of bool
        Rows with a missing value (whether selected or not).
    counts : dict
        Column -> number of selected rows where it is missing (only columns with some).
    """
    na = np.zeros(len(data), dtype=bool) if na is None else na.copy()
    counts = {} if counts is None else dict(counts)
    dtypes = dict(zip(data.columns, data.dtypes, strict=True))
    for name in names:
        dtype = dtypes[name]
        if isinstance(dtype, np.dtype) and dtype.kind in "biu":
            continue  # NumPy booleans and integers cannot be missing
        col_na = _missing(data[name], finite)
        if not col_na.any():
            continue
        if np.any(col_na & keep):
            counts[name] = int(np.sum(col_na & keep))
        na |= col_na
    return na, counts


def refuse_missing(counts: dict[str, int], na_action: str) -> None:
    """R's ``na.fail``: raise, naming the columns, if ``na_action="fail"`` and any row is missing."""
    if counts and na_action == "fail":
        detail = ", ".join(f"'{k}' ({v} row{'s' if v != 1 else ''})" for k, v in counts.items())
        raise DataError(f"missing values in {detail}; drop them or use na_action='omit'")


def check_dtypes(data: pd.DataFrame, names: Iterable[str]) -> None:
    """Refuse dates and durations, which a formula cannot use directly."""
    dtypes = dict(zip(data.columns, data.dtypes, strict=True))
    for name in names:
        dtype = dtypes[name]
        if isinstance(dtype, np.dtype) and dtype.kind not in "mM":
            continue  # not a NumPy date or duration
        if pd.api.types.is_timedelta64_dtype(dtype):
            raise DataTypeError(
                f"column '{name}' has dtype {dtype}; a formula cannot use durations directly - "
                "convert them to numbers first (e.g. with .dt.total_seconds())"
            )
        if pd.api.types.is_datetime64_any_dtype(dtype):
            raise DataTypeError(
                f"column '{name}' has dtype {dtype}; a formula cannot use dates directly - convert "
                "them to numbers (e.g. days since a start date) or to a categorical first"
            )


def is_factor_response(parsed: ParsedFormula, data: pd.DataFrame, binomial: bool) -> str | None:
    """The response column if a binomial model reads it as a factor (not numbers or booleans)."""
    if not binomial or parsed.is_cbind or not is_bare_name(parsed.response[0]):
        return None
    name = parsed.response[0].strip("`")
    if name not in data.columns:
        return None
    dtype = data[name].dtype
    return None if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype) else name


def first_level(col: pd.Series) -> Any:
    """The first level of a factor response as R orders it: a Categorical's first category,
    else the first value sorted as text."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = list(col.cat.categories)
    else:
        levels = sorted(pd.unique(col.dropna()), key=str)
    if len(levels) < 1:
        raise DataError(f"the response column '{col.name}' has no values")
    return levels[0]


def response_vector(
    parsed: ParsedFormula, data: pd.DataFrame, binomial: bool, first: Any = None
) -> FloatArray:
    """The response of the rows in ``data``: one column, or two for ``cbind()``.

    For a binomial model, a factor response is R's "not the first level" (the first level is
    failure); ``first``, if given, is that level as known from all the data (chunks), else it
    is :func:`first_level` of ``data``.
    """
    if parsed.is_cbind:
        cols = [evaluate(e, data, f"cbind() column {e!r}") for e in parsed.response]
        return np.column_stack(cols)
    expr = parsed.response[0]
    if not is_bare_name(expr):
        return evaluate(expr, data, f"the response {expr!r}")
    name = expr.strip("`")
    if name not in data.columns:
        raise DataError(
            f"the response column '{name}' is not in the data "
            f"(columns: {', '.join(map(str, data.columns[:12]))})"
        )
    col = data[name]
    indicator: FloatArray
    if first is not None:  # a factor response whose first level the caller knows
        indicator = (col.astype(object) != first).to_numpy(dtype=np.float64)
        return indicator
    if is_factor_response(parsed, data, binomial):
        indicator = (col != first_level(col)).to_numpy(dtype=np.float64)
        return indicator
    return numeric_values(col, f"the response column '{name}'")


def offset_vector(
    parsed: ParsedFormula,
    data: pd.DataFrame,
    column: str | None = None,
    values: Callable[[str, pd.DataFrame, str], FloatArray] = evaluate,
) -> FloatArray:
    """The total offset of the rows in ``data``: the formula's ``offset()`` terms (evaluated
    by ``values``) plus the ``offset=`` column ``column``, if named."""
    total = np.zeros(len(data))
    for expr in parsed.offsets:
        total = total + values(expr, data, f"offset({expr})")
    if column is not None:
        total = total + numeric_values(data[column], f"offset column '{column}'")
    return total


def bad_rows(
    X: FloatArray | SplitDesign, test: Callable[[Any], Any], names: list[str]
) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Rows where ``test`` (``np.isnan``, ``np.isinf``) holds for some column of the design
    (dense or split), and those columns' names."""
    if isinstance(X, SplitDesign):
        checked = X.dense.finite
        parts = [
            (col, int(c))
            for col, c in zip(X.dense.data, X.dense_columns, strict=False)
            if col is not None and not checked
        ]
        parts += [(b.values, int(b.columns.max())) for b in X.blocks if b.values is not None]
        rows = np.zeros(X.n, dtype=bool)
        cols: list[str] = []
        for values, col in parts:
            if values.size and np.isfinite(np.sum(values)):
                continue  # a NaN or an infinity makes the sum non-finite: nothing to find, no temporary
            hit = test(values)
            if hit.any():
                rows |= hit
                cols.append(names[col])
        return rows, cols
    if X.size and _finite_sum(X):
        # a NaN or an infinity makes the sum non-finite: nothing to find, no n-by-p temporary
        return np.zeros(X.shape[0], dtype=bool), []
    hits = test(X)
    return hits.any(axis=1), [names[j] for j in np.flatnonzero(hits.any(axis=0))]


def _finite_sum(values: FloatArray) -> bool:
    """Whether the sum of ``values`` is finite, which it is not if a value is NaN or infinite
    (an overflow of finite values only sends the caller to its row-by-row test)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.sum(values)))


def _inf_rows(values: FloatArray, n: int) -> BoolArray | None:
    """Rows of ``values`` (one or two columns) holding an infinity; None when the sum is
    finite, which no infinity allows."""
    if _finite_sum(values):
        return None
    return np.asarray(np.isinf(values).reshape(n, -1).any(axis=1), dtype=bool)


def check_finite(
    X: FloatArray | SplitDesign,
    y: FloatArray,
    off: FloatArray,
    w: FloatArray,
    names: list[str],
    index: pd.Index,
) -> None:
    """Refuse infinite values in the response, offset or model matrix (``names`` are its
    columns), and weights that are negative or infinite (R's ``glm.fit`` would fail on them
    later, less clearly); ``index`` labels the rows in messages."""
    x_inf, x_inf_cols = bad_rows(X, np.isinf, names)
    for label, inf_rows in (
        ("response", _inf_rows(y, len(index))),
        ("offset", _inf_rows(off, len(index))),
        ("model matrix", x_inf),
    ):
        if inf_rows is not None and inf_rows.any():
            n_inf = int(inf_rows.sum())
            where = f" (column {', '.join(repr(c) for c in x_inf_cols)})" if label == "model matrix" else ""
            raise DataError(
                f"the {label} has infinite values in {n_inf} row{'s' if n_inf != 1 else ''}{where}; "
                "remove or recode them before fitting"
            )
    if np.any(w < 0):
        bad = np.flatnonzero(w < 0)
        raise DataError(
            f"negative weights not allowed: {bad.size} row{'s' if bad.size > 1 else ''} "
            f"(first: {w[bad[0]]:g} at row {index[bad[0]]!r})"
        )
    if np.isinf(w).any():
        k = int(np.isinf(w).sum())
        raise DataError(
            f"weights have infinite values in {k} row{'s' if k != 1 else ''}; remove or recode them "
            "before fitting"
        )


def term_columns(spec: RDesign) -> FrozenMap[str, IntArray]:
    """R's term label -> the indices of the term's columns (a read-only array), in model order
    (the intercept is ``"1"``)."""
    return FrozenMap({str(term): read_only(cols) for term, cols in spec.term_indices.items()})


def model_factors(spec: RDesign) -> tuple[tuple[str, bool], ...]:
    """The model's variables in R's order, as R writes them (``sex``, ``factor(dose)``,
    ``log(x)``), and whether each is a factor."""
    return tuple((v.label, lv is not None) for v, lv in zip(spec.variables, spec.factor_levels, strict=True))


def factor_levels(spec: RDesign, columns: Iterable[str]) -> FrozenMap[str, tuple[Any, ...]]:
    """Data column -> the levels seen in fitting, for each factor that is a column or a
    factor made of one (``factor(x)``, ``C(x, sum)``, ``relevel(x, ...)``)."""
    names = set(map(str, columns))
    return FrozenMap({k: v for k, v in spec.levels_by_column().items() if k in names})
