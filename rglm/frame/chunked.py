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
Stateful transforms (``scale``, ``center``, ``poly``, ``bs``, ``ns``) learn their state from
every row used: the scan keeps the values of the columns they read (8 bytes a row each, the
only per-row data it holds), and :func:`freeze` learns the centre, scale, polynomial
constants or quantile knots from them, exactly as the in-memory frame does.

Every step it shares with the in-memory frame (reading the formula's variables, the subset,
the missing values, the response and the offset) is the one of :mod:`rglm.frame.steps`.
The frame of such a fit, :class:`ChunkedFrame`, holds the recipe and where the data is, but
no rows (it is a :class:`rglm.frame.state.FrameState`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.errors import FormulaicError

from rglm.exceptions import (
    ArgumentError,
    DataError,
    FormulaError,
    NaNProducedWarning,
    OutOfCoreError,
    warn,
)
from rglm.frame.chunk_values import ChunkRows, ChunkValues, as_codes, with_levels
from rglm.frame.columns import (
    evaluate,
    numeric_values,
    outside_levels,
    plain_value,
    prepared,
    to_float,
)
from rglm.frame.formula import ParsedFormula, formula_context
from rglm.frame.model_frame import FrameSpec, build_frame, formulaic_rhs
from rglm.frame.rdesign import build_design
from rglm.frame.split_design import SplitPlan, split_plan
from rglm.frame.state import ChunkSource, FrozenMap
from rglm.frame.steps import (
    check_finite,
    count_missing,
    is_factor_response,
    offset_vector,
    refuse_missing,
    resolve_variables,
    response_vector,
    subset_mask,
)
from rglm.numerics.design import DenseDesign, Design, SplitDesign

if TYPE_CHECKING:
    from rglm.frame.state import FrameState

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "ChunkModel",
    "ChunkRows",
    "ChunkedFrame",
    "Layout",
    "ScanPart",
    "freeze",
    "layout",
    "materialize",
    "scan_chunk",
]

_HEAD = 256
#: Transforms whose state (centre, scale, polynomial constants, knots) is learnt from the data.
STATEFUL = frozenset({"poly", "scale", "center", "bs", "ns", "cr", "cs", "cc"})


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
    contrasts: dict[str, Any] | None = None
    names: str = "default"
    stateful: tuple[str, ...] = ()
    stateful_columns: tuple[str, ...] = ()
    #: Factor columns that are not pandas Categoricals in the first rows (text, mostly): their
    #: levels are sorted, and a chunk may hold them as codes (Categoricals in any category order;
    #: :mod:`rglm.frame.chunk_values`).  Columns a ``subset`` reads are left as they are.
    coded: tuple[str, ...] = ()


def _column_arg(arg: Any, what: str) -> str | None:
    if arg is None or isinstance(arg, str):
        return arg
    raise ArgumentError(
        f"for chunked or Dask data, {what} must be a column name (a value per row cannot be matched "
        "to rows that are never all in memory)"
    )


def layout(
    formula: str,
    first: pd.DataFrame,
    *,
    weights: Any,
    offset: Any,
    subset: Any,
    binomial: bool,
    contrasts: dict[str, Any] | None = None,
    names: str = "default",
) -> Layout:
    """The :class:`Layout` of ``formula`` from the first rows of the data."""
    w_col, o_col = _column_arg(weights, "weights"), _column_arg(offset, "offset")
    if subset is not None and not isinstance(subset, str):
        raise ArgumentError("for chunked or Dask data, subset must be a query string such as 'age > 30'")
    resolved = resolve_variables(formula, first)
    parsed, rhs_vars, used = resolved.parsed, resolved.rhs, list(resolved.used)
    for col in (w_col, o_col):
        if col is not None and col not in first.columns:
            raise DataError(f"column {col!r} is not in the data")
    head = prepared(first[used]).dropna()
    if len(head) == 0:
        head = prepared(first[used])
    assert parsed.terms is not None
    try:
        with np.errstate(all="ignore"):
            design, _ = build_design(parsed.terms, head.iloc[:_HEAD], formula_context(), contrasts)
    except FormulaicError as exc:
        raise FormulaError(f"cannot parse formula {formula!r}: {str(exc).splitlines()[0]}") from exc
    categorical, numeric = [], []
    stateful: list[str] = []
    stateful_cols: set[str] = set()
    for var, levels in zip(design.variables, design.factor_levels, strict=True):
        if STATEFUL & set(re.findall(r"([A-Za-z_][\w.]*)\s*\(", var.code)):
            # learnt from the whole column in the scan: its inputs' values are kept
            stateful.append(var.code)
            stateful_cols |= set(var.columns_used)
            continue
        if levels is not None:
            if var.column is None:
                raise ArgumentError(
                    f"the categorical term {var.label!r} is not a column or factor(column); for chunked "
                    "data, compute it as a column beforehand"
                )
            categorical.append(var.column)
        else:
            numeric.append(var.code)
    factor_response = is_factor_response(parsed, first, binomial)
    columns = sorted(
        set(used)
        | {c for c in (w_col, o_col) if c is not None}
        | (set(_subset_names(subset, first)) if subset else set())
    )
    required = sorted(set(used) | {c for c in (w_col, o_col) if c is not None})
    numeric_cols = [c for c in required if c not in categorical and c != factor_response]
    in_subset = set(_subset_names(subset, first)) if subset else set()
    coded = [
        c
        for c in dict.fromkeys(categorical)
        if c in first.columns
        and not isinstance(first[c].dtype, pd.CategoricalDtype)
        and c not in in_subset
        and c != factor_response
    ]
    return Layout(
        formula,
        parsed,
        rhs_vars,
        tuple(dict.fromkeys(categorical)),
        tuple(numeric),
        tuple(columns),
        w_col,
        o_col,
        subset,
        binomial,
        factor_response,
        tuple(required),
        tuple(numeric_cols),
        contrasts,
        names,
        tuple(stateful),
        tuple(sorted(stateful_cols)),
        tuple(coded),
    )


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
    values: dict[str, list[Any]] = field(default_factory=dict)

    def merge(self, other: ScanPart) -> ScanPart:
        """``self``'s rows followed by ``other``'s."""
        out = ScanPart(
            self.n_rows + other.n_rows,
            self.n_used + other.n_used,
            dict(self.na_counts),
            {k: dict(v) for k, v in self.levels.items()},
            dict(self.categories),
            list(self.head),
            self.n_head,
            self.n_chunks + other.n_chunks,
            self.n_empty + other.n_empty,
            {k: list(v) for k, v in self.values.items()},
        )
        for col, arrays in other.values.items():
            out.values.setdefault(col, []).extend(arrays)
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
    selected, sub_na = subset_mask(lay.subset, chunk)
    keep = selected | sub_na
    na, counts = count_missing(
        chunk, lay.required, keep, sub_na, {"subset": int(sub_na.sum())} if sub_na.any() else {}
    )
    # As in memory: values outside the levels of C(x, levels=[...]) are missing (R's factor()).
    na |= outside_levels(lay.parsed.rhs, chunk, lay.required, keep, counts)
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
                raise DataError(
                    f"column {name!r} holds the non-numeric value {col[row]!r} at row {row}; "
                    "fix that row, or make the column categorical if it is one"
                )


def _complete(chunk: pd.DataFrame, lay: Layout) -> tuple[pd.DataFrame, dict[str, int], ChunkValues]:
    """The chunk's complete rows: selected, no missing value before or after transforms; and
    the formula's expressions over them, each evaluated once (:class:`ChunkValues`).  Text
    factor columns come as codes (:func:`rglm.frame.chunk_values.as_codes`)."""
    rows, counts = _usable(chunk, lay)
    cols = list(lay.columns)
    if not rows.all():
        sub = chunk.loc[rows, cols]
    else:  # a chunk of exactly the model's columns (as the executors read them) is not copied
        sub = chunk.copy(deep=False) if list(chunk.columns) == cols else chunk[cols]
    for var in lay.coded:
        sub[var] = as_codes(sub[var])  # ``sub`` is a new frame: the chunk is not changed
    sub = prepared(sub)
    values = ChunkValues(sub)
    if len(sub) == 0:
        return sub, counts, values
    bad = np.zeros(len(sub), dtype=bool)
    with np.errstate(all="ignore"):
        exprs = list(lay.numeric_terms) + list(lay.parsed.offsets)
        if lay.factor_response is None:
            exprs += list(lay.parsed.response)
        for expr in exprs:
            bad |= np.isnan(values(expr, sub, f"term {expr}"))
    if bad.any():
        counts["transforms"] = counts.get("transforms", 0) + int(bad.sum())
        sub = sub.iloc[np.flatnonzero(~bad)]
        values = ChunkValues(sub)
    return sub, counts, values


def scan_chunk(chunk: pd.DataFrame, lay: Layout) -> ScanPart:
    """The scan of one chunk (see the module docstring)."""
    _check_numeric(chunk, lay)
    sub, counts, _ = _complete(chunk, lay)
    part = ScanPart(
        n_rows=len(chunk), n_used=len(sub), na_counts=counts, n_chunks=1, n_empty=int(len(sub) == 0)
    )
    factors = list(lay.categorical) + ([lay.factor_response] if lay.factor_response else [])
    for var in factors:
        col = chunk[var]
        # A coded column's categories are those of the chunk's codes, not an order of its levels.
        part.categories[var] = (
            tuple(col.cat.categories)
            if isinstance(col.dtype, pd.CategoricalDtype) and var not in lay.coded
            else None
        )
        if len(sub) == 0:
            part.levels[var] = {}
            continue
        values = sub[var]
        codes, uniques = pd.factorize(values, sort=False)
        firsts = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
        part.levels[var] = {plain_value(uniques[i]): sub.iloc[[int(f)]] for i, f in enumerate(firsts)}
    for name in lay.stateful_columns:
        part.values[name] = [sub[name].to_numpy()]
    if len(sub):
        part.head = [sub.iloc[:_HEAD]]
        part.n_head = len(part.head[0])
    return part


@dataclass(frozen=True)
class ChunkModel:
    """The frozen model frame recipe replayed on every chunk."""

    layout: Layout
    spec: FrameSpec
    levels: FrozenMap[str, tuple[Any, ...]]
    response_first: Any = None
    split: SplitPlan | None = None


def _ordered_levels(found: dict[Any, pd.DataFrame], categories: Any) -> tuple[Any, ...]:
    """The levels found in the scan in the order pandas and formulaic give them for the whole
    data: a Categorical's own order (the same in every chunk), else sorted."""
    present = list(found)
    if categories is not None:
        return tuple(c for c in categories if c in found)
    try:
        return tuple(pd.Categorical(pd.Series(present, dtype=object).infer_objects()).categories)
    except TypeError:
        return tuple(sorted(present, key=str))


def freeze(lay: Layout, scan: ScanPart, na_action: str) -> ChunkModel:
    """The :class:`ChunkModel` from the whole scan; raises where R's ``model.frame`` would."""
    if scan.n_rows == 0:
        raise DataError("data has no rows")
    refuse_missing(scan.na_counts, na_action)
    if scan.na_counts.get("transforms"):
        k = scan.na_counts["transforms"]
        warn(
            f"NaNs produced: a transform of the variables gave NaN in {k} row{'s' if k != 1 else ''}, "
            "dropped as missing",
            NaNProducedWarning,
        )
    if scan.n_used == 0:
        raise DataError(
            f"no rows left to fit: all {scan.n_rows} rows have missing values in "
            f"{', '.join(scan.na_counts) or 'the model variables'} or are not selected"
        )
    levels = FrozenMap(
        {
            var: _ordered_levels(scan.levels.get(var, {}), scan.categories.get(var))
            for var in list(lay.categorical) + ([lay.factor_response] if lay.factor_response else [])
        }
    )
    rows = list(scan.head) + [frame for var in lay.categorical for frame in scan.levels.get(var, {}).values()]
    sample = pd.concat(rows).reset_index(drop=True)
    sample = with_levels(sample, {v: levels[v] for v in lay.categorical}, lay.coded)
    frame = build_frame(
        lay.formula,
        sample,
        weights=lay.weights,
        offset=lay.offset,
        na_action="omit",
        binomial=lay.binomial,
        contrasts=lay.contrasts,
        names=lay.names,
    )
    spec = frame.spec
    if lay.stateful:
        # The stateful transforms learn from every row used, not from the sample.
        whole = pd.DataFrame({c: np.concatenate(scan.values.get(c, [])) for c in lay.stateful_columns})
        with np.errstate(all="ignore"):
            learnt = model_matrix(
                Formula("0 + " + " + ".join("{" + code + "}" for code in lay.stateful), _ordering="none"),
                whole,
                context=formula_context(),
                na_action="ignore",
                ensure_full_rank=False,
            ).model_spec.transform_state
        spec = dataclasses.replace(spec, rhs_spec=spec.rhs_spec.with_transform_state(learnt))
    first = levels[lay.factor_response][0] if lay.factor_response else None
    return ChunkModel(lay, spec, levels, first, _split_plan(spec, sample))


def _split_plan(spec: FrameSpec, sample: pd.DataFrame) -> SplitPlan | None:
    """Numeric columns and factor codes straight from each chunk, when every term allows it:
    formulaic's dense materialisation of every chunk would cost more than the pass itself.

    As for data in memory (:func:`rglm.frame.model_frame.formulaic_rhs`), the plan is made
    from formulaic's spec of the same terms, and used only where it gives R's design of the
    sample, column for column."""
    design = spec.rhs_spec
    rhs = formulaic_rhs(design)
    if rhs is None or design.transform_state:
        return None
    context = formula_context()
    try:
        with np.errstate(all="ignore"):
            probe = model_matrix(rhs, sample, context=context, na_action="ignore")
            plan = split_plan(probe.model_spec, sample, context, evaluate)
            if plan is None:
                return None
            want = design.get_model_matrix(sample, context=context, na_action="ignore")
            got = plan.design(sample, evaluate).rows(np.arange(len(sample), dtype=np.intp))
    except (FormulaicError, NameError, SyntaxError, DataError, ValueError, TypeError, KeyError):
        return None  # formulaic's path below builds each chunk, or raises the proper error
    return plan if np.array_equal(got, want, equal_nan=True) else None


def materialize(chunk: pd.DataFrame, model: ChunkModel) -> tuple[ChunkRows, int]:
    """The model rows of one raw chunk, and how many of its rows were dropped."""
    lay = model.layout
    _check_numeric(chunk, lay)
    sub, _, values = _complete(chunk, lay)
    dropped = len(chunk) - len(sub)
    if len(sub) == 0:
        return ChunkRows(
            DenseDesign(np.zeros((0, len(model.spec.column_names)))),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0),
            sub.index,
        ), dropped
    sub = values.rebind(with_levels(sub, {v: model.levels[v] for v in lay.categorical}, lay.coded))
    X: FloatArray | SplitDesign
    if model.split is not None:
        with np.errstate(all="ignore"):
            X = model.split.design(sub, values)
    else:
        try:
            with np.errstate(all="ignore"):
                mm = model.spec.rhs_spec.get_model_matrix(sub, context=formula_context(), na_action="ignore")
        except FormulaicError as exc:
            raise DataError(f"cannot build the model matrix for a chunk: {str(exc).splitlines()[0]}") from exc
        X = np.ascontiguousarray(to_float(mm, "model matrix"))
    y = response_vector(lay.parsed, sub, lay.binomial, first=model.response_first)
    off = offset_vector(lay.parsed, sub, lay.offset, values)
    w = (
        np.ones(len(sub))
        if lay.weights is None
        else numeric_values(sub[lay.weights], f"weights column '{lay.weights}'")
    )
    check_finite(X, y, off, w, list(model.spec.column_names), sub.index)
    return ChunkRows(X if isinstance(X, SplitDesign) else DenseDesign(X), y, w, off, sub.index), dropped


# -- the frame of an out-of-core fit ----------------------------------------------------------------------
def _not_held(name: str) -> OutOfCoreError:
    return OutOfCoreError(
        f"the model frame's {name} is not held for a model fitted to chunked or Dask data; "
        "use m.iter_rows() for per-row values, or m.predict_to(path) for predictions"
    )


@dataclass(frozen=True, eq=False)
class ChunkedFrame:
    """The model frame of an out-of-core fit: the recipe (``spec``) and where the data is,
    but no rows.  It is a :class:`rglm.frame.state.FrameState` whose per-row members raise
    :class:`rglm.exceptions.OutOfCoreError`.

    Attributes
    ----------
    model : ChunkModel
        The recipe replayed on every chunk.
    executor : ChunkSource
        Where the chunks come from.
    n_rows : int
        Rows in the data (used or not).
    n_dropped : int
        Rows dropped for missing values or by ``subset``.
    """

    model: ChunkModel
    executor: ChunkSource
    n_rows: int
    n_dropped: int
    weights_given: bool
    offset_given: bool
    na_action: str

    @property
    def spec(self) -> FrameSpec:
        return self.model.spec

    @property
    def n_used(self) -> int:
        return self.n_rows - self.n_dropped

    @property
    def y(self) -> FloatArray:
        raise _not_held("response")

    @property
    def X(self) -> FloatArray:
        raise _not_held("model matrix")

    @property
    def design(self) -> Design:
        raise _not_held("model matrix")

    @property
    def weights(self) -> FloatArray:
        raise _not_held("weights")

    @property
    def offset(self) -> FloatArray:
        raise _not_held("offset")

    @property
    def index(self) -> pd.Index:
        raise _not_held("row index")

    @property
    def dropped_index(self) -> pd.Index:
        raise _not_held("dropped rows")

    @property
    def full_index(self) -> pd.Index:
        raise _not_held("row index")

    @property
    def used_positions(self) -> npt.NDArray[np.intp]:
        raise _not_held("row positions")

    @property
    def data_positions(self) -> npt.NDArray[np.intp]:
        raise _not_held("row positions")

    def pad(self, values: FloatArray, name: str | None = None) -> pd.Series:
        raise OutOfCoreError(
            "per-row values are not held for a model fitted to chunked or Dask data; use m.iter_rows()"
        )


if TYPE_CHECKING:
    _chunked_is_frame_state: type[FrameState] = ChunkedFrame
