"""Data frame columns as the numbers a model needs: dtypes read as R reads them, numeric
expressions evaluated, factor levels tidied, and the column names shown to users.

Used by the model frame (:mod:`rglm.frame.model_frame`) when fitting and when encoding new data.
"""

from __future__ import annotations

import re
from typing import Any

import narwhals.stable.v1 as nw
import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import model_matrix
from formulaic.errors import FormulaicError

from rglm.exceptions import DataError, DataTypeError, FormulaError
from rglm.frame.formula import call_argument, formula_context, split_top_level

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "BARE_NAME",
    "aligned",
    "as_numbers",
    "categorical_variable",
    "column_list",
    "display_name",
    "evaluate",
    "is_bare_name",
    "numeric_values",
    "plain_value",
    "prepared",
    "to_float",
    "to_frame",
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


def without_unused_levels(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with unused categories dropped (R's ``drop.unused.levels``); no copy if none."""
    cats = [c for c in data.columns if isinstance(data[c].dtype, pd.CategoricalDtype)]
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
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in present):
        numbers: pd.Series = pd.to_numeric(values.where(values.notna(), np.nan), errors="coerce")
        return numbers.astype("float64")
    return values


def prepared(data: pd.DataFrame) -> pd.DataFrame:
    """The model's columns in the dtypes formulaic reads as R would: text of any string dtype
    as strings, numbers stored as objects as floats; unusable types are refused by name."""
    changed: dict[str, Any] = {}
    for name in data.columns:
        col = data[name]
        dtype = col.dtype
        if pd.api.types.is_complex_dtype(dtype):
            raise DataTypeError(f"column '{name}' holds complex numbers; a GLM needs real values")
        if isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype)):
            raise DataTypeError(
                f"column '{name}' has dtype {dtype}; convert it to numbers or to a categorical first"
            )
        if isinstance(dtype, pd.StringDtype) and getattr(dtype, "na_value", None) is pd.NA:
            changed[name] = col.astype(object).where(col.notna(), None)
        elif dtype == np.dtype(object):
            converted = as_numbers(col)
            if converted is not col:
                changed[name] = converted
    if not changed:
        return data  # no copy: large frames pass through untouched
    out: pd.DataFrame = data.copy(deep=False)
    for name, col in changed.items():
        out[name] = col
    return out
