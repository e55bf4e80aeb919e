"""Data frame columns as the numbers a model needs: dtypes read as R reads them, numeric
expressions evaluated, factor levels tidied, and the column names shown to users.

Used by the model frame (:mod:`rglm.frame.model_frame`) when fitting and when encoding new data.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import functools
import re
from collections.abc import Iterator
from typing import Any

import narwhals.stable.v1 as nw
import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.errors import FormulaicError

from rglm.exceptions import DataError, DataTypeError, FormulaError
from rglm.frame.formula import call_argument, formula_context, split_top_level

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "BARE_NAME",
    "aligned",
    "as_numbers",
    "categorical_variable",
    "check_new_types",
    "check_factor_levels",
    "outside_levels",
    "column_list",
    "display_name",
    "evaluate",
    "is_bare_name",
    "model_columns",
    "numeric_values",
    "plain_value",
    "prepared",
    "to_float",
    "to_frame",
    "unique_names",
    "without_unused_levels",
]

BARE_NAME = r"^(?:[A-Za-z_][\w.]*|`[^`]+`)$"


_CONTRAST_PREFIX = re.compile(r"^[A-Z]?\.")
_LEVEL = re.compile(r"^(.*)\[(.*)\]$", re.DOTALL)


def display_name(name: str, bool_vars: set[str]) -> str:
    """The column name shown to users: formulaic's, with two changes that make every name
    carry its level the way R's does.

    A full set of indicators (a factor without an intercept, or inside an interaction whose
    main effect is absent) is named ``sex[F]`` by formulaic and ``sexF`` by R; rglm writes
    ``sex[T.F]`` as for treatment contrasts, so that every indicator reads the same way.  A
    boolean predictor is a 0/1 column named ``flag`` by formulaic and ``flagTRUE`` by R; rglm
    writes ``flag[T.TRUE]``.
    """
    parts = []
    for part in name.split(":"):
        m = _LEVEL.match(part)
        if m and not _CONTRAST_PREFIX.match(m.group(2)):
            part = f"{m.group(1)}[T.{m.group(2)}]"
        elif part in bool_vars or part.strip("`") in bool_vars:
            part = f"{part}[T.TRUE]"
        parts.append(part)
    return ":".join(parts)


def unique_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` if no two model columns share a name; else an error naming the clash (a data
    column named ``Intercept``, or like an indicator such as ``g[T.b]``), which would make
    every per-coefficient result ambiguous."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            what = "the intercept" if name == "Intercept" else "another column of the model matrix"
            raise DataError(
                f"two columns of the model matrix are named {name!r}: a data column has the name of "
                f"{what}; rename the data column"
            )
        seen.add(name)
    return names


def plain_value(v: Any) -> Any:
    """A NumPy scalar as the Python value it holds (for messages and level lists)."""
    return v.item() if isinstance(v, np.generic) else v


def is_bare_name(expr: str) -> bool:
    """Whether ``expr`` is a plain column name (possibly in backticks), not an expression."""
    return re.match(BARE_NAME, expr) is not None


def categorical_variable(factor: str, columns: Any) -> str | None:
    """The data column a categorical factor of formulaic's codes: the factor itself (``sex``)
    or the first argument of ``C(...)``/``factor(...)``; None for anything else (a factor of
    an expression, such as ``C(x > 2)``)."""
    name = factor.strip("`")
    if name in columns:
        return name
    for call in ("C", "factor"):
        inner = call_argument(factor, call)
        if inner is not None:
            first = split_top_level(inner, ",")[0][1].strip().strip("`").strip()
            return first if first in columns else None
    return None


def column_list(data: pd.DataFrame) -> str:
    """The first columns of ``data``, for messages."""
    cols = ", ".join(map(str, list(data.columns[:15])))
    return f"columns: {cols}{', ...' if len(data.columns) > 15 else ''}"


def aligned(arg: pd.Series, data: pd.DataFrame, what: str) -> pd.Series:
    """A Series argument matched to the data's rows by index label, as pandas aligns."""
    if arg.index.equals(data.index):
        return arg.reset_index(drop=True)
    if (
        arg.index.is_unique
        and data.index.is_unique
        and len(arg) == len(data)
        and arg.index.isin(data.index).all()
    ):
        return arg.reindex(data.index).reset_index(drop=True)
    raise DataError(
        f"{what} is a Series whose index does not match the data's index; pass the same row labels, "
        "or a plain array (matched by position)"
    )


def to_frame(data: Any) -> pd.DataFrame:
    """``data`` as a DataFrame with unique, flat column names (no copy of a DataFrame)."""
    if isinstance(data, pd.DataFrame):
        frame = data
    elif (native := _narwhals_frame(data)) is not None:
        frame = native
    else:
        try:
            frame = pd.DataFrame(data)
        except Exception as exc:  # pandas raises many types here
            raise DataError(f"data must be a pandas DataFrame or convertible to one: {exc}") from exc
    if isinstance(frame.columns, pd.MultiIndex):
        raise DataError("data has MultiIndex columns; flatten them to strings (e.g. '_'.join) before fitting")
    if not all(isinstance(c, str) for c in frame.columns):
        # Integer names (pd.DataFrame(array)) are used as text: Q("0") in a formula, "0" in
        # weights=; a shallow copy, the caller's frame keeps its names.
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    if frame.columns.has_duplicates:
        dups = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(f"data has duplicate column names: {', '.join(dups)}; rename them before fitting")
    if isinstance(frame.columns, pd.MultiIndex):
        raise DataError("data has MultiIndex columns; flatten them to strings (e.g. '_'.join) before fitting")
    return frame


def _narwhals_frame(data: Any) -> pd.DataFrame | None:
    """A polars or pyarrow (or any narwhals-supported eager) data frame as pandas; None for
    anything else (a dict, an array), which pandas reads itself."""
    try:
        frame = nw.from_native(data, eager_only=True)
    except TypeError:
        return None
    if not isinstance(frame, nw.DataFrame):
        return None
    out: pd.DataFrame = frame.to_pandas()
    return out


def numeric_values(values: Any, what: str) -> FloatArray:
    """Values as float64, NA as NaN; a clear TypeError for anything not numeric."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype) and values.dtype.kind in "iuf":
        # NumPy numbers (NaN stays NaN, integers hold no NA): float64 data is not copied, a
        # large response or weight column costs no memory of its own (read-only under
        # pandas' copy-on-write)
        as_float: FloatArray = np.asarray(values.to_numpy(), dtype=np.float64)
        return as_float
    s = as_numbers(values if isinstance(values, pd.Series) else pd.Series(np.asarray(values)))
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_complex_dtype(s.dtype):
        raise DataTypeError(f"{what} holds complex numbers; a GLM needs real values")
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s.dtype):
        raise DataTypeError(
            f"{what} has dtype {s.dtype}; convert dates to numbers (e.g. days since an origin) first"
        )
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise DataTypeError(
            f"{what} must be numeric, but has dtype {s.dtype} (e.g. {s.dropna().iloc[0]!r})"
            if s.notna().any()
            else f"{what} must be numeric, but has dtype {s.dtype}"
        )
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def to_float(mm: Any, what: str) -> FloatArray:
    """A model matrix (or any array-like) as float64, with a clear error if it is not numeric."""
    try:
        return np.asarray(mm.to_numpy(dtype=np.float64) if hasattr(mm, "to_numpy") else mm, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataTypeError(f"the {what} could not be converted to numbers: {exc}") from exc


def model_columns(frame: pd.DataFrame, used: Any) -> pd.DataFrame:
    """The columns of ``frame`` named in ``used``, in the frame's order (a new frame sharing
    the caller's data: pandas copies on write).  ``frame`` has unique column names.

    ``DataFrame.take`` on positions makes the same frame as ``frame[names]`` at a fraction of
    the cost of its label checks, and when every column is used a shallow copy does."""
    positions = [i for i, c in enumerate(frame.columns) if c in used]
    if len(positions) == frame.shape[1]:
        whole: pd.DataFrame = frame.copy(deep=False)
        return whole
    selected: pd.DataFrame = frame.take(positions, axis=1)
    return selected


def without_unused_levels(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with unused categories dropped (R's ``drop.unused.levels``); no copy if none."""
    cats = [
        c
        for c, dtype in zip(data.columns, data.dtypes, strict=True)
        if isinstance(dtype, pd.CategoricalDtype)
    ]
    if not cats:
        return data
    out = None
    for c in cats:
        col = data[c]
        ncat = len(col.cat.categories)
        codes = col.cat.codes.to_numpy()
        # A count per level is one pass over the codes; pandas' own check sorts them.
        used = np.bincount(codes[codes >= 0], minlength=ncat) > 0 if ncat else np.zeros(0, dtype=bool)
        if used.all():
            continue
        if out is None:
            out = data.copy(deep=False)
        out[c] = col.cat.remove_unused_categories()
    return data if out is None else out


def evaluate(expr: str, data: pd.DataFrame, what: str) -> FloatArray:
    """One numeric expression over ``data``: a bare column name, or any formulaic expression."""
    if is_bare_name(expr):
        name = expr.strip("`")
        if name not in data.columns:
            raise DataError(f"{what}: data has no column '{name}'")
        return numeric_values(data[name], f"column '{name}'")
    try:
        with np.errstate(all="ignore"):  # log of a negative value gives NaN, dropped like R's na.omit
            mm = model_matrix(f"0 + I({expr})", data, context=formula_context(), na_action="ignore")
    except FormulaicError as exc:
        raise FormulaError(f"cannot evaluate {what}: {str(exc).splitlines()[0]}") from exc
    except NameError as exc:
        raise DataError(f"cannot evaluate {what}: {exc}") from exc
    except SyntaxError as exc:
        raise FormulaError(f"cannot evaluate {what}: {exc.msg}") from exc
    return to_float(mm, what)[:, 0]


def as_numbers(values: pd.Series) -> pd.Series:
    """Object columns holding only numbers and missing values (from JSON, or lists with None)
    as floats; anything else unchanged."""
    if values.dtype != object:
        return values
    present = values[values.notna()]
    if all(isinstance(v, _NUMBER) and not isinstance(v, bool) for v in present):
        # Decimal (what read_sql gives for NUMERIC columns) is a number: as float, NaN for NA.
        numbers = [
            np.nan if v is None or v is pd.NA else float(v) for v in values.where(values.notna(), None)
        ]
        converted: pd.Series = pd.Series(numbers, index=values.index, name=values.name, dtype="float64")
        return converted
    return values


_NUMBER = (int, float, np.integer, np.floating, decimal.Decimal)
_DATE = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64)


def _refuse_dates(name: Any, col: pd.Series) -> None:
    """Dates and durations (as dtypes or as Python objects) are refused by name: a formula
    would otherwise make each distinct date a factor level."""
    dtype = col.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        kind = f"dtype {dtype}"
    elif dtype == np.dtype(object):
        first = next((v for v in col[col.notna()] if isinstance(v, _DATE)), None)
        if first is None:
            return
        kind = f"{type(first).__name__} values (e.g. {first!s})"
    else:
        return
    raise DataTypeError(
        f"column '{name}' holds {kind}; a formula cannot use dates or durations directly - convert "
        "them to numbers (e.g. days since a start date) or to a categorical first"
    )


def prepared(data: pd.DataFrame) -> pd.DataFrame:
    """The model's columns in the dtypes formulaic reads as R would: text of any string dtype
    as strings, numbers stored as objects as floats; unusable types are refused by name."""
    changed: dict[str, Any] = {}
    for name, dtype in zip(data.columns, data.dtypes, strict=True):
        if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
            continue  # NumPy booleans and real numbers are read as they are
        col = data[name]
        if pd.api.types.is_complex_dtype(dtype):
            raise DataTypeError(f"column '{name}' holds complex numbers; a GLM needs real values")
        if isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype)):
            raise DataTypeError(
                f"column '{name}' has dtype {dtype}; convert it to numbers or to a categorical first"
            )
        if isinstance(dtype, pd.StringDtype) and getattr(dtype, "na_value", None) is pd.NA:
            changed[name] = col.astype(object).where(col.notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            _refuse_dates(name, col)
        elif dtype == np.dtype(object):
            _refuse_dates(name, col)
            converted = as_numbers(col)
            if converted is not col:
                changed[name] = converted
    if not changed:
        return data  # no copy: large frames pass through untouched
    out: pd.DataFrame = data.copy(deep=False)
    for name, col in changed.items():
        out[name] = col
    return out


# -- factors whose levels are fixed: C(x, levels=[...]) and factors of expressions ---------------
def _factor_calls(exprs: Any) -> Iterator[tuple[str, str, tuple[Any, ...] | None]]:
    """(factor expression, its data argument, the ``levels=`` given or None) of every
    ``C(...)``/``factor(...)`` factor among ``exprs``."""
    for expr in exprs:
        for call in ("C", "factor"):
            inner = call_argument(expr, call)
            if inner is None:
                continue
            arg = split_top_level(inner, ",")[0][1].strip()
            given: tuple[Any, ...] | None = None
            try:
                node = ast.parse(expr.strip(), mode="eval").body
                for kw in getattr(node, "keywords", []):
                    if kw.arg == "levels":
                        value = kw.value
                        # The formula is deparsed the R way: levels=["a", "b"] reads c("a", "b").
                        if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "c":
                            value = ast.List(elts=list(value.args), ctx=ast.Load())
                        given = tuple(ast.literal_eval(value))
            except (SyntaxError, ValueError, TypeError):
                given = None
            yield expr, arg, given


def _factor_values(arg: str, data: pd.DataFrame) -> pd.Series | None:
    """The values a factor is made of: a column, or a numeric expression; None if it cannot be
    evaluated here (formulaic then reports the problem)."""
    name = arg.strip("`")
    if name in data.columns:
        return prepared(data[[name]])[name]
    try:
        return pd.Series(evaluate(arg, data, f"factor {arg}"), index=data.index)
    except (DataError, FormulaError, DataTypeError, ValueError, TypeError):
        return None


def _outside(values: pd.Series, levels: tuple[Any, ...]) -> npt.NDArray[np.bool_]:
    """Rows of ``values`` (not missing) that are none of ``levels``."""
    present = values.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numeric = [
            float(v) for v in levels if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
        ]
        known = np.isin(values.to_numpy(dtype=np.float64, na_value=np.nan), numeric)
    else:
        allowed = set(levels)
        known = np.array([v in allowed for v in values.astype(object)], dtype=bool)
    return present & ~known


# A factor call anywhere in the text; without one no factor of the formula can have fixed levels.
_FACTOR_CALL = re.compile(r"(?<![\w.])(?:C|factor)\s*\(")


@functools.lru_cache(maxsize=256)
def _fixed_level_calls(rhs: str) -> tuple[tuple[str, str, tuple[Any, ...]], ...]:
    """The ``C(...)``/``factor(...)`` factors of the right-hand side ``rhs`` that are given
    ``levels=``: (factor expression, its data argument, the levels), as formulaic reads the
    terms.  Depends on the text alone, so it is read once per formula (an immutable tuple)."""
    if not _FACTOR_CALL.search(rhs):
        return ()
    try:
        exprs = [f.expr for term in Formula(rhs) for f in term.factors]
    except Exception:  # noqa: BLE001 - formulaic reports an unparsable formula when fitting
        return ()
    return tuple((expr, arg, given) for expr, arg, given in _factor_calls(exprs) if given is not None)


def outside_levels(
    rhs: str, frame: pd.DataFrame, used: Any, keep: npt.NDArray[np.bool_], na_cols: dict[str, int]
) -> npt.NDArray[np.bool_]:
    """The rows of ``data`` whose value of a ``C(x, levels=[...])`` of the formula's right-hand
    side ``rhs`` is not one of the given levels; ``na_cols`` gets their count among the rows
    ``keep`` under the factor's name.  R's ``factor(x, levels=)`` makes such values NA, so the
    model frame drops those rows as missing (formulaic would code them as the reference level).
    ``used``: the data columns the model uses (only they are read)."""
    out = np.zeros(len(frame), dtype=bool)
    calls = _fixed_level_calls(rhs)
    if not calls:
        return out
    data = model_columns(frame, set(used))
    for expr, arg, given in calls:
        values = _factor_values(arg, data)
        if values is not None:
            bad = _outside(values, given)
            if np.any(bad & keep):
                na_cols[expr] = int(np.sum(bad & keep))
            out |= bad
    return out


def _unwrap_rvar(expr: str) -> str:
    return expr[len("_rvar(") : -1] if expr.startswith("_rvar(") and expr.endswith(")") else expr


def check_factor_levels(rhs_spec: Any, data: pd.DataFrame) -> None:
    """Raise if new ``data`` gives a factor of an expression (``C(k // 5)``) or a factor with
    fixed levels a value not among the levels it had in fitting (formulaic would code it as the
    reference level: a silently wrong prediction).  Factors of plain columns are checked by
    :meth:`rglm.frame.model_frame.FrameSpec.check_levels`."""
    # The R design keeps formulaic's spec of its variables, where the factor states live.
    spec = getattr(rhs_spec, "spec", rhs_spec)
    if spec is None:
        return
    # Each variable is evaluated as _rvar(<expression>); the factor call is inside it.
    states = {_unwrap_rvar(f.expr): state for f, state in spec.factor_contrasts.items()}
    for expr, arg, given in _factor_calls(states):
        if arg.strip("`") in data.columns and given is None:
            continue
        values = _factor_values(arg, data)
        levels = tuple(plain_value(v) for v in (getattr(states[expr], "levels", None) or ()))
        if values is None or not levels:
            continue
        bad = _outside(values, levels)
        if bad.any():
            unseen = pd.unique(values[bad])
            shown = ", ".join(repr(plain_value(v)) for v in unseen[:5])
            more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
            raise DataError(
                f"factor {expr} has {'level' if len(unseen) == 1 else 'levels'} {shown}{more} in "
                f"{int(bad.sum())} row{'s' if bad.sum() != 1 else ''} of the new data, not seen when the "
                f"model was fitted (known levels: {', '.join(repr(v) for v in levels)})"
            )


def _is_logical(col: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(col.dtype):
        return True
    if col.dtype == np.dtype(object):
        return all(isinstance(v, (bool, np.bool_)) for v in col[col.notna()])
    return False


def _refuse_text(name: str, col: pd.Series) -> None:
    """The error for values that are not numbers in a column that was numeric in fitting: a few
    of them and how many rows hold such values (never every value)."""
    bad = col.notna().to_numpy() & np.array(
        [not isinstance(v, _NUMBER) for v in col.astype(object)], dtype=bool
    )
    if not bad.any():
        return
    values = pd.unique(col[bad].astype(object))
    shown = ", ".join(repr(plain_value(v)) for v in values[:3])
    more = f" and {len(values) - 3} other values" if len(values) > 3 else ""
    raise DataTypeError(
        f"column '{name}' was numeric when the model was fitted, but {int(bad.sum())} of {len(col)} "
        f"rows of the new data are not numbers (dtype {col.dtype}): {shown}{more}"
    )


def check_new_types(variables: Any, column_names: Any, data: pd.DataFrame) -> None:
    """Raise if new ``data`` gives text for a variable that was a numeric column of the model
    (naming a few values and the count, not all of them), or something other than True/False
    for a variable that was logical (its model column is ``b[T.TRUE]``): R refuses a number
    there, where the formula would silently extrapolate the 0/1 coefficient."""
    parts = {part for name in column_names for part in name.split(":")}
    for v in variables:
        if v not in data.columns:
            continue
        col = data[v]
        if (v in parts or f"`{v}`" in parts) and not (
            pd.api.types.is_numeric_dtype(col.dtype) or col.isna().all()
        ):
            _refuse_text(v, col)
        if f"{v}[T.TRUE]" not in parts and f"`{v}`[T.TRUE]" not in parts:
            continue
        if _is_logical(col):
            continue
        example = col[col.notna()]
        shown = f" (e.g. {plain_value(example.iloc[0])!r})" if len(example) else ""
        raise DataTypeError(
            f"column '{v}' was logical (True/False) when the model was fitted, but the new data gives "
            f"dtype {col.dtype}{shown}; give True or False"
        )
