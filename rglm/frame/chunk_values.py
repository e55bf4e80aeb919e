"""What one chunk of out-of-core data gives the model, computed once per chunk and cheaply.

Every pass of an out-of-core fit turns each chunk into model rows again
(:func:`rglm.frame.chunked.materialize`), so what costs per row there costs on every pass:

* **Factors as codes.**  A text column the model reads as a factor is turned into integer codes
  over its distinct values once (:func:`as_codes`: Arrow's dictionary encoding, or the
  dictionary pages of a Parquet file read as they are), and those codes are mapped onto the
  model's frozen levels by looking up each distinct value once (:func:`with_levels`), never a
  string per row.  The values, and which rows are missing, are the column's own.
* **Each expression once.**  The formula's numeric expressions (``log(t)`` of an offset, a
  numeric term) are read for the missing-value check and again for the model rows;
  :class:`ChunkValues` evaluates each once per chunk.  A call of one of the formula's NumPy
  functions on a numeric column (``log(t)``, ``sqrt(x)``) is evaluated by NumPy directly: it is
  the ufunc formulaic would call on the same values, so the result is the same to the bit,
  without formulaic's per-call parsing (and the reference cycles it leaves, which would keep
  the chunk's memory alive until the garbage collector's next full sweep).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import DataError
from rglm.frame.columns import evaluate
from rglm.frame.formula import formula_context
from rglm.numerics.design import Design

FloatArray = npt.NDArray[np.float64]

__all__ = ["ChunkRows", "ChunkValues", "as_codes", "quick_evaluate", "with_levels"]

_NAME = re.compile(r"\s*([A-Za-z_]\w*)\s*")
_CALL = re.compile(r"\s*([A-Za-z_]\w*)\s*\((.*)\)\s*", re.DOTALL)


def _ufuncs() -> tuple[dict[str, np.ufunc], frozenset[str]]:
    """The formula context's functions of one argument that are NumPy ufuncs (R's ``log`` of
    one argument is ``np.log``), and every name of the context."""
    ctx = formula_context()
    table = {name: f for name, f in ctx.items() if isinstance(f, np.ufunc)}
    table["log"] = np.log
    return table, frozenset(ctx)


_UFUNCS, _CONTEXT = _ufuncs()
#: How the R design reads a variable; for a numeric (not logical) one, the values as they are.
_RVAR = "_rvar"


def _calls(expr: str) -> tuple[list[str], str] | None:
    """``(["f", "g"], "x")`` for ``f(g(x))``; None for anything else (several arguments, an
    operator, a number)."""
    names: list[str] = []
    while True:
        m = _NAME.fullmatch(expr)
        if m is not None:
            return names, m.group(1)
        m = _CALL.fullmatch(expr)
        if m is None:
            return None
        names.append(m.group(1))
        expr = m.group(2)


def quick_evaluate(expr: str, data: pd.DataFrame, what: str) -> FloatArray:
    """:func:`rglm.frame.columns.evaluate`, computed by NumPy directly for ``f(g(x))``: a
    NumPy numeric column ``x`` under ufuncs of the formula context (and the R design's
    ``_rvar``, which leaves numbers as they are).  formulaic would call the same ufuncs on the
    same values, so the result is the same; anything else goes through ``evaluate``."""
    parsed = _calls(expr)
    if parsed is not None and parsed[0]:
        names, arg = parsed
        known = all((n in _UFUNCS or n == _RVAR) and n not in data.columns for n in names)
        if known and arg in data.columns and arg not in _CONTEXT:
            col = data[arg]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iuf":
                values: Any = col.to_numpy()
                with np.errstate(all="ignore"):  # log of a negative value: NaN, as formulaic gives
                    for name in reversed(names):
                        if name != _RVAR:
                            values = _UFUNCS[name](values)
                # a new array, as formulaic's: the caller's column is never handed out
                return np.array(values, dtype=np.float64)
    return evaluate(expr, data, what)


class ChunkValues:
    """:func:`quick_evaluate` over the rows of one frame, each expression evaluated once.

    Called as ``evaluate(expr, data, what)``; for any other frame than its own it evaluates
    without keeping the result."""

    def __init__(self, data: pd.DataFrame) -> None:
        self.data = data
        self._values: dict[str, FloatArray] = {}

    def __call__(self, expr: str, data: pd.DataFrame, what: str) -> FloatArray:
        if data is not self.data:
            return quick_evaluate(expr, data, what)
        key = expr.strip()
        if key not in self._values:
            self._values[key] = quick_evaluate(expr, data, what)
        return self._values[key]

    def rebind(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``, from now on the frame of these values: it must hold the same rows with the
        same numeric columns (the factor columns recoded, say)."""
        self.data = frame
        return frame


@dataclass(frozen=True)
class ChunkRows:
    """The model rows of one chunk: what a pass of the fit reads.

    Attributes
    ----------
    design : Design
        The model-matrix rows.
    y : ndarray, shape (n,) or (n, 2)
    weights, offset : ndarray, shape (n,)
        Prior weights and the total offset.
    labels : pandas.Index
        The rows' labels in the source (to name an offending row).
    """

    design: Design
    y: FloatArray
    weights: FloatArray
    offset: FloatArray
    labels: pd.Index

    @property
    def n(self) -> int:
        return self.design.shape[0]


def _arrow_text(col: pd.Series) -> Any:
    """The Arrow array behind a text column, or None if it is not one."""
    if not isinstance(col.dtype, pd.StringDtype) or getattr(col.dtype, "storage", None) != "pyarrow":
        return None
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas' pyarrow storage needs pyarrow
        return None
    arr = pa.array(col.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def as_codes(col: pd.Series) -> pd.Series:
    """A text column of Arrow strings as a Categorical of its distinct values in order of
    appearance (the same values, the same missing rows); any other column as it is."""
    arr = _arrow_text(col)
    if arr is None:
        return col
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(arr)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    categories = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    cat = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))
    out: pd.Series = pd.Series(cat, index=col.index, name=col.name)
    return out


def _unseen(var: str, col: pd.Series, i: int) -> DataError:
    return DataError(
        f"column {var!r} has the level {col.iloc[i]!r} at row {col.index[i]!r}, which the scan "
        "of the data did not see: the data changed between passes"
    )


def with_levels(
    frame: pd.DataFrame, levels: dict[str, tuple[Any, ...]], coded: tuple[str, ...] = ()
) -> pd.DataFrame:
    """``frame`` with each column of ``levels`` a Categorical over exactly those levels.

    A column of ``coded`` (text read as a factor) that is already a Categorical has its codes
    mapped through its categories; a text column's distinct values are looked up once
    (:func:`_coded`).  A value outside the levels is an error: the scan saw every value."""
    out: pd.DataFrame = frame.copy(deep=False)
    for var, lv in levels.items():
        col = out[var]
        cat: pd.Categorical
        if isinstance(col.dtype, pd.CategoricalDtype) and var not in coded:
            cat = pd.Categorical(col.astype(object), categories=lv)
        elif isinstance(col.dtype, pd.CategoricalDtype):
            cat = _recoded(col.cat.codes.to_numpy(), col.cat.categories, lv)
        else:
            cat = _coded(col, lv)
        unseen = cat.isna() & col.notna().to_numpy()
        if unseen.any():
            raise _unseen(var, col, int(np.flatnonzero(unseen)[0]))
        out[var] = cat
    return out


def _recoded(codes: npt.NDArray[Any], values: Any, levels: tuple[Any, ...]) -> Any:
    """The Categorical over ``levels`` of rows whose value is ``values[codes]`` (-1: missing),
    each distinct value looked up once."""
    where = pd.Index(list(levels), dtype=object).get_indexer(pd.Index(np.asarray(values, dtype=object)))
    # One gather: the table's last entry, -1, is what a missing row's code -1 picks.
    coded = np.append(where, -1).astype(np.intp)[codes]
    return pd.Categorical.from_codes(coded, dtype=pd.CategoricalDtype(categories=list(levels)))


def _coded(col: pd.Series, levels: tuple[Any, ...]) -> pd.Categorical:
    """``pd.Categorical(col, categories=levels)``, matching each distinct value once instead of
    every row: pandas would turn a whole column of Arrow strings into Python objects first."""
    codes, uniques = pd.factorize(col)
    cat: pd.Categorical = _recoded(codes, uniques, levels)
    return cat
