"""One model frame for data seen a chunk at a time.

R's ``model.frame`` sees all rows at once: the levels of a factor are those present in the
rows used (after dropping rows with missing values), and every row is coded with them.  Over
chunks rglm does the same in two steps:

1. a scan pass (:func:`scan_chunk`, combined with :meth:`ScanPart.merge`) finds the rows with
   missing values (also those made missing by a transform such as ``log``), counts them,
   and collects every categorical variable's levels present in the complete rows, with the
   first row holding each level;
2. :func:`freeze` builds one formulaic model spec from a *level-complete sample* (the first
   rows plus one row per level) with :func:`rglm.frame.model_frame.build_frame`, and
   :func:`materialize` replays it on every chunk, with each categorical column given all the
   levels, so every chunk has the same columns, even a chunk lacking some level.

Levels are ordered as pandas and formulaic order them for the whole data: sorted, or in the
category order of a pandas Categorical column that has the same categories in every chunk.
Stateful transforms (``scale``, ``center``, ``poly``, splines) would learn their state from
the sample rather than the data and are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import model_matrix
from formulaic.errors import FormulaicError

from rglm.exceptions import ArgumentError, DataError, FormulaError
from rglm.fit.accumulate import Chunk
from rglm.frame.formula import ParsedFormula, formula_context, parse_formula
from rglm.frame.model_frame import (
    _BARE_NAME,
    FrameSpec,
    _evaluate,
    _numeric,
    _prepared,
    _to_float,
    _variables,
    _with_quoted_names,
    build_frame,
)
from rglm.frame.split_design import _variable
from rglm.numerics.design import DenseDesign

FloatArray = npt.NDArray[np.float64]

__all__ = ["ChunkModel", "Layout", "ScanPart", "freeze", "layout", "materialize", "scan_chunk"]

_HEAD = 256


@dataclass(frozen=True)
class Layout:
    """What the formula needs from a chunk, learnt from the first rows before the scan."""

    formula: str
    parsed: ParsedFormula
    variables: tuple[str, ...]
    categorical: tuple[str, ...]
    numeric_terms: tuple[str, ...]
    columns: tuple[str, ...]
    weights: str | None
    offset: str | None
    subset: str | None
    binomial: bool
    factor_response: str | None
    required: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()


def _column_arg(arg: Any, what: str) -> str | None:
    if arg is None or isinstance(arg, str):
        return arg
    raise ArgumentError(f"for chunked or Dask data, {what} must be a column name (a value per row cannot be matched "
                        "to rows that are never all in memory)")


def layout(formula: str, first: pd.DataFrame, *, weights: Any, offset: Any, subset: Any, binomial: bool) -> Layout:
    """The :class:`Layout` of ``formula`` from the first rows of the data."""
    w_col, o_col = _column_arg(weights, "weights"), _column_arg(offset, "offset")
    if subset is not None and not isinstance(subset, str):
        raise ArgumentError("for chunked or Dask data, subset must be a query string such as 'age > 30'")
    parsed = _with_quoted_names(parse_formula(formula), first)
    rhs_vars = _variables([parsed.rhs], first)
    used = sorted(set(rhs_vars) | set(_variables(list(parsed.offsets), first))
                  | set(_variables(list(parsed.response), first)))
    for col in (w_col, o_col):
        if col is not None and col not in first.columns:
            raise DataError(f"column {col!r} is not in the data")
    head = _prepared(first[used]).dropna()
    if len(head) == 0:
        head = _prepared(first[used])
    try:
        with np.errstate(all="ignore"):
            spec = model_matrix(parsed.rhs, head.iloc[:_HEAD], context=formula_context(), na_action="ignore").model_spec
    except FormulaicError as exc:
        raise FormulaError(f"cannot parse formula {formula!r}: {str(exc).splitlines()[0]}") from exc
    if spec.transform_state:
        raise ArgumentError(f"stateful transforms ({', '.join(spec.transform_state)}) cannot be fitted to chunked or "
                            "Dask data: they would learn their centre and scale from a sample; compute them "
                            "beforehand as plain columns")
    categorical, numeric = [], []
    for factor, (kind, _) in spec.encoder_state.items():
        if str(getattr(kind, "value", kind)) == "categorical":
            var = _variable(factor, first)
            if var is None:
                raise ArgumentError(f"the categorical term {factor!r} is not a column or C(column); for chunked "
                                    "data, compute it as a column beforehand")
            categorical.append(var)
        else:
            numeric.append(factor)
    factor_response = None
    if binomial and not parsed.is_cbind and re.match(_BARE_NAME, parsed.response[0]):
        name = parsed.response[0].strip("`")
        if name in first.columns and not (pd.api.types.is_numeric_dtype(first[name].dtype)
                                          or pd.api.types.is_bool_dtype(first[name].dtype)):
            factor_response = name
    columns = sorted(set(used) | {c for c in (w_col, o_col) if c is not None}
                     | (set(_subset_names(subset, first)) if subset else set()))
    required = sorted(set(used) | {c for c in (w_col, o_col) if c is not None})
    numeric_cols = [c for c in required if c not in categorical and c != factor_response]
    return Layout(formula, parsed, tuple(rhs_vars), tuple(dict.fromkeys(categorical)), tuple(numeric),
                  tuple(columns), w_col, o_col, subset, binomial, factor_response, tuple(required),
                  tuple(numeric_cols))


def _subset_names(subset: str, first: pd.DataFrame) -> list[str]:
    return [c for c in map(str, first.columns) if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", subset)]


@dataclass
class ScanPart:
    """What the scan learnt from some chunks (see the module docstring)."""

    n_rows: int = 0
    n_used: int = 0
    na_counts: dict[str, int] = field(default_factory=dict)
    levels: dict[str, dict[Any, pd.DataFrame]] = field(default_factory=dict)
    categories: dict[str, Any] = field(default_factory=dict)
    head: list[pd.DataFrame] = field(default_factory=list)
    n_head: int = 0
    n_chunks: int = 0
    n_empty: int = 0

    def merge(self, other: ScanPart) -> ScanPart:
        """``self``'s rows followed by ``other``'s."""
        out = ScanPart(self.n_rows + other.n_rows, self.n_used + other.n_used, dict(self.na_counts),
                       {k: dict(v) for k, v in self.levels.items()}, dict(self.categories), list(self.head),
                       self.n_head, self.n_chunks + other.n_chunks, self.n_empty + other.n_empty)
        for k, v in other.na_counts.items():
            out.na_counts[k] = out.na_counts.get(k, 0) + v
        for var, found in other.levels.items():
            mine = out.levels.setdefault(var, {})
            for level, row in found.items():
                mine.setdefault(level, row)
        for var, cats in other.categories.items():
            out.categories[var] = cats if var not in out.categories or out.categories[var] == cats else None
        if out.n_head < _HEAD:
            for h in other.head:
                out.head.append(h.iloc[: _HEAD - out.n_head])
                out.n_head += len(out.head[-1])
        return out


def _usable(chunk: pd.DataFrame, lay: Layout) -> tuple[npt.NDArray[np.bool_], dict[str, int]]:
    """Rows selected and free of missing values in every model column (before transforms)."""
    n = len(chunk)
    keep = np.ones(n, dtype=bool)
    na = np.zeros(n, dtype=bool)
    counts: dict[str, int] = {}
    if lay.subset is not None:
        try:
            sel = pd.Series(chunk.eval(lay.subset, engine="python")).reset_index(drop=True)
        except Exception as exc:  # pandas raises many kinds of errors for a bad expression
            raise DataError(f"cannot evaluate subset {lay.subset!r}: {exc}") from exc
        sub_na = sel.isna().to_numpy()
        keep = sel.where(~sub_na, False).astype(bool).to_numpy() | sub_na
        na |= sub_na
        if sub_na.any():
            counts["subset"] = int(sub_na.sum())
    for name in lay.required:
        col_na = chunk[name].isna().to_numpy()
        if np.any(col_na & keep):
            counts[name] = int(np.sum(col_na & keep))
        na |= col_na
    return keep & ~na, counts


def _check_numeric(chunk: pd.DataFrame, lay: Layout) -> None:
    """A clear error, naming the row, for text in a column that the model reads as numbers."""
    for name in lay.numeric_columns:
        col = chunk[name]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            values = pd.to_numeric(col, errors="coerce")
            bad = (values.isna() & col.notna()).to_numpy()
            if bad.any():
                row = chunk.index[int(np.flatnonzero(bad)[0])]
                raise DataError(f"column {name!r} holds the non-numeric value {col[row]!r} at row {row}; "
                                "fix that row, or make the column categorical if it is one")


def _complete(chunk: pd.DataFrame, lay: Layout) -> tuple[pd.DataFrame, dict[str, int]]:
    """The chunk's complete rows: selected, no missing value before or after transforms."""
    rows, counts = _usable(chunk, lay)
    sub = _prepared(chunk.loc[rows, list(lay.columns)]) if not rows.all() else _prepared(chunk[list(lay.columns)])
    if len(sub) == 0:
        return sub, counts
    bad = np.zeros(len(sub), dtype=bool)
    with np.errstate(all="ignore"):
        exprs = list(lay.numeric_terms) + list(lay.parsed.offsets)
        if lay.factor_response is None:
            exprs += list(lay.parsed.response)
        for expr in exprs:
            bad |= np.isnan(_evaluate(expr, sub, f"term {expr}"))
    if bad.any():
        counts["transforms"] = counts.get("transforms", 0) + int(bad.sum())
        sub = sub.iloc[np.flatnonzero(~bad)]
    return sub, counts


def scan_chunk(chunk: pd.DataFrame, lay: Layout) -> ScanPart:
    """The scan of one chunk (see the module docstring)."""
    _check_numeric(chunk, lay)
    sub, counts = _complete(chunk, lay)
    part = ScanPart(n_rows=len(chunk), n_used=len(sub), na_counts=counts, n_chunks=1, n_empty=int(len(sub) == 0))
    factors = list(lay.categorical) + ([lay.factor_response] if lay.factor_response else [])
    for var in factors:
        col = chunk[var]
        part.categories[var] = tuple(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else None
        if len(sub) == 0:
            part.levels[var] = {}
            continue
        values = sub[var]
        codes, uniques = pd.factorize(values, sort=False)
        firsts = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
        part.levels[var] = {_plain(uniques[i]): sub.iloc[[int(f)]] for i, f in enumerate(firsts)}
    if len(sub):
        part.head = [sub.iloc[:_HEAD]]
        part.n_head = len(part.head[0])
    return part


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class ChunkModel:
    """The frozen model frame recipe replayed on every chunk."""

    layout: Layout
    spec: FrameSpec
    levels: dict[str, list[Any]]
    response_first: Any = None


def _ordered_levels(var: str, found: dict[Any, pd.DataFrame], categories: Any) -> list[Any]:
    present = list(found)
    if categories is not None:
        return [c for c in categories if c in found]
    try:
        return list(pd.Categorical(pd.Series(present, dtype=object).infer_objects()).categories)
    except TypeError:
        return sorted(present, key=str)


def freeze(lay: Layout, scan: ScanPart, na_action: str) -> ChunkModel:
    """The :class:`ChunkModel` from the whole scan; raises where R's ``model.frame`` would."""
    if scan.n_rows == 0:
        raise DataError("data has no rows")
    if scan.na_counts and na_action == "fail":
        detail = ", ".join(f"'{k}' ({v} row{'s' if v != 1 else ''})" for k, v in scan.na_counts.items())
        raise DataError(f"missing values in {detail}; drop them or use na_action='omit'")
    if scan.n_used == 0:
        raise DataError(f"no rows left to fit: all {scan.n_rows} rows have missing values in "
                        f"{', '.join(scan.na_counts) or 'the model variables'} or are not selected")
    levels = {var: _ordered_levels(var, scan.levels.get(var, {}), scan.categories.get(var)) for var in
              list(lay.categorical) + ([lay.factor_response] if lay.factor_response else [])}
    rows = list(scan.head) + [frame for var in lay.categorical for frame in scan.levels.get(var, {}).values()]
    sample = pd.concat(rows).reset_index(drop=True)
    sample = _with_levels(sample, {v: levels[v] for v in lay.categorical})
    frame = build_frame(lay.formula, sample, weights=lay.weights, offset=lay.offset, na_action="omit",
                        binomial=lay.binomial)
    if frame.spec.rhs_spec.transform_state:
        raise ArgumentError("stateful transforms cannot be fitted to chunked or Dask data; compute them beforehand")
    first = levels[lay.factor_response][0] if lay.factor_response else None
    return ChunkModel(lay, frame.spec, levels, first)


def _with_levels(frame: pd.DataFrame, levels: dict[str, list[Any]]) -> pd.DataFrame:
    out = frame.copy(deep=False)
    for var, lv in levels.items():
        col = out[var]
        values = col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col
        cat = pd.Categorical(values, categories=lv)
        unseen = cat.isna() & col.notna().to_numpy()
        if unseen.any():
            i = int(np.flatnonzero(unseen)[0])
            raise DataError(f"column {var!r} has the level {col.iloc[i]!r} at row {frame.index[i]!r}, which the scan "
                            "of the data did not see: the data changed between passes")
        out[var] = cat
    return out


def materialize(chunk: pd.DataFrame, model: ChunkModel) -> tuple[Chunk, int]:
    """The model rows of one raw chunk, and how many of its rows were dropped."""
    lay = model.layout
    _check_numeric(chunk, lay)
    sub, _ = _complete(chunk, lay)
    dropped = len(chunk) - len(sub)
    if len(sub) == 0:
        return Chunk(DenseDesign(np.zeros((0, len(model.spec.column_names)))), np.zeros(0), np.zeros(0),
                     np.zeros(0), labels=sub.index), dropped
    sub = _with_levels(sub, {v: model.levels[v] for v in lay.categorical})
    try:
        with np.errstate(all="ignore"):
            mm = model.spec.rhs_spec.get_model_matrix(sub, context=formula_context(), na_action="ignore")
    except FormulaicError as exc:
        raise DataError(f"cannot build the model matrix for a chunk: {str(exc).splitlines()[0]}") from exc
    X = np.ascontiguousarray(_to_float(mm, "model matrix"))
    y = _response(sub, model)
    off = np.zeros(len(sub))
    for expr in lay.parsed.offsets:
        off = off + _evaluate(expr, sub, f"offset({expr})")
    if lay.offset is not None:
        off = off + _numeric(sub[lay.offset], f"offset column '{lay.offset}'")
    w = np.ones(len(sub)) if lay.weights is None else _numeric(sub[lay.weights], f"weights column '{lay.weights}'")
    _check_finite(sub.index, X, y, off, w, model.spec.column_names)
    return Chunk(DenseDesign(X), y, w, off, labels=sub.index), dropped


def _response(sub: pd.DataFrame, model: ChunkModel) -> FloatArray:
    lay = model.layout
    if lay.factor_response is not None:
        col = sub[lay.factor_response]
        return (col.astype(object) != model.response_first).to_numpy(dtype=np.float64)
    if lay.parsed.is_cbind:
        return np.column_stack([_evaluate(e, sub, f"cbind() column {e!r}") for e in lay.parsed.response])
    return _evaluate(lay.parsed.response[0], sub, f"the response {lay.parsed.response[0]!r}")


def _check_finite(index: pd.Index, X: FloatArray, y: FloatArray, off: FloatArray, w: FloatArray,
                  names: list[str]) -> None:
    for label, bad in (("response", ~np.isfinite(y).reshape(len(index), -1).all(axis=1)),
                       ("offset", ~np.isfinite(off)), ("model matrix", ~np.isfinite(X).all(axis=1)),
                       ("weights", ~np.isfinite(w))):
        if bad.any():
            raise DataError(f"the {label} has infinite values ({int(bad.sum())} rows, first at row "
                            f"{index[int(np.flatnonzero(bad)[0])]!r}); remove or recode them before fitting")
    if np.any(w < 0):
        i = int(np.flatnonzero(w < 0)[0])
        raise DataError(f"negative weights not allowed: {w[i]:g} at row {index[i]!r}")
