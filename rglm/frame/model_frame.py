"""The model frame: formula + data -> plain arrays, and the recipe to do it again on new data.

This is the only layer that knows about pandas and formulas.  It follows R's
``model.frame``/``model.matrix``:

1. ``subset`` picks rows;
2. rows with a missing value in any variable the model uses (response, predictors,
   weights, offset) are dropped (``na_action="omit"``) or reported (``"fail"``);
3. factor levels that no longer occur are dropped (R's ``drop.unused.levels = TRUE``);
4. R's model matrix is built (:mod:`rglm.frame.rdesign`: R's terms and coding, formulaic
   evaluating the variables), and the response and offsets are evaluated; rows a transform
   made NaN are dropped with R's "NaNs produced" warning.

Each step is a public function of :mod:`rglm.frame.steps` (shared with the chunked frame,
:mod:`rglm.frame.chunked`); :func:`build_frame` runs them in R's order, and
:func:`materialize_design` and :func:`frame_spec` build the model matrix and its recipe.
A frame's :class:`FrameSpec` keeps the recipe (:class:`rglm.frame.rdesign.RDesign`, with
formulaic's ``ModelSpec`` of the variables), so new data is encoded with the same
transforms, levels and contrasts; a level not seen in fitting is an error.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic.errors import FormulaicError

from rglm.exceptions import ArgumentError, DataError, FormulaError, NaNProducedWarning, warn
from rglm.frame.columns import (
    check_factor_levels,
    check_new_types,
    display_name,
    evaluate,
    model_columns,
    numeric_values,
    outside_levels,
    plain_value,
    prepared,
    to_float,
    to_frame,
    unique_names,
    without_unused_levels,
)
from rglm.frame.formula import ParsedFormula, formula_context
from rglm.frame.rdesign import RDesign, build_design
from rglm.frame.rsyntax import Node, deparse
from rglm.frame.rterms import RTerms
from rglm.frame.split_design import split_design
from rglm.frame.state import FrozenMap
from rglm.frame.steps import (
    bad_rows,
    check_dtypes,
    check_finite,
    count_missing,
    factor_levels,
    offset_vector,
    refuse_missing,
    resolve_variables,
    response_vector,
    subset_mask,
    term_columns,
    vector_argument,
)
from rglm.numerics.design import Design, SplitDesign, as_design
from rglm.numerics.rmath import r_exact

FloatArray = npt.NDArray[np.float64]

__all__ = ["NA_ACTIONS", "FrameSpec", "ModelFrame", "build_frame", "frame_spec", "materialize_design"]

NA_ACTIONS = ("omit", "exclude", "fail")
NAMES = ("default", "R")

#: From this many rows on, factors are kept as codes (rglm.numerics.design.SplitDesign) when the
#: problem is too large for the bit-for-bit R path anyway.
SPLIT_MIN_ROWS = 20_000


@dataclass(frozen=True)
class FrameSpec:
    """Everything needed to rebuild the design for new data.

    Attributes
    ----------
    parsed : ParsedFormula
    rhs_spec : RDesign
        The right-hand side's recipe: R's terms, formulaic's spec of the variables
        (transforms, factor levels) and each factor's coding.
    column_names : tuple of str
        The model matrix's column names as shown: formulaic's style (``sex[T.M]``), or R's
        (``sexM``) with ``names="R"``.
    term_columns : FrozenMap
        R's term label (intercept ``"1"``) -> indices of its columns in the model matrix (a
        read-only array), in model order.
    has_intercept : bool
    levels : FrozenMap
        Categorical variable -> the levels seen in fitting (``ModelSpec.factor_contrasts``).
    offset_column : str or None
        Name of the ``offset=`` column, if the offset was given by name.
    variables, offset_variables : tuple of str
        Data columns used by the right-hand side and by the ``offset()`` terms.
    """

    parsed: ParsedFormula
    rhs_spec: RDesign
    column_names: tuple[str, ...]
    term_columns: FrozenMap[str, npt.NDArray[np.intp]]
    has_intercept: bool
    levels: FrozenMap[str, tuple[Any, ...]]
    offset_column: str | None = None
    variables: tuple[str, ...] = ()
    offset_variables: tuple[str, ...] = ()

    @property
    def intercept_column(self) -> int | None:
        """The intercept's column in the model matrix, None without an intercept."""
        cols = self.term_columns.get("1")
        return None if cols is None or cols.size == 0 else int(cols[0])

    @property
    def term_labels(self) -> list[str]:
        """formulaic's term labels in model order, intercept included as ``"1"``."""
        return list(self.term_columns)

    def _columns(self, data: pd.DataFrame, names: tuple[str, ...], what: str) -> pd.DataFrame:
        missing = [n for n in names if n not in data.columns]
        if missing:
            raise DataError(
                f"new data has no column {', '.join(repr(m) for m in missing)}, which the model's {what} uses"
            )
        # Only the model's own columns: an unrelated column named like a function (log, C)
        # must not hide that function from the formula.
        selected: pd.DataFrame = data[list(names)]
        return selected

    def design(self, data: pd.DataFrame) -> FloatArray:
        """The model matrix for ``data``; rows with a missing value give a row of NaN
        (R's ``predict`` with ``na.pass``).

        Unseen factor levels are rejected before formulaic sees the data (formulaic would map
        them to the reference level with only a warning, a silently wrong prediction).
        """
        data = prepared(self._columns(data, self.variables, "formula"))
        self.check_levels(data)
        check_new_types(self.variables, self.column_names, data)
        check_factor_levels(self.rhs_spec, data)
        # R's predict: a missing value matters only in a column the model matrix reads (a
        # variable named in the formula but in no term, as x in ". - x", does not).
        read = [c for c in data.columns if c in self.rhs_spec.columns_read]
        complete = ~data[read].isna().any(axis=1).to_numpy()
        out = np.full((len(data), len(self.column_names)), np.nan)
        if not complete.any():
            return out
        rows = data if complete.all() else data.iloc[np.flatnonzero(complete)]
        try:
            with np.errstate(all="ignore"):
                mm = self.rhs_spec.get_model_matrix(
                    without_unused_levels(rows), context=formula_context(), na_action="ignore"
                )
        except FormulaicError as exc:
            raise DataError(
                f"cannot build the model matrix for new data: {str(exc).splitlines()[0]}"
            ) from exc
        out[complete] = to_float(mm, "model matrix")
        return out

    def offset(self, data: pd.DataFrame) -> FloatArray:
        """The total offset for ``data``: formula offsets plus the named ``offset=`` column."""
        if self.parsed.offsets:
            data_used = self._columns(data, self.offset_variables, "offset")
            total = offset_vector(self.parsed, data_used)
        else:
            total = np.zeros(len(data))
        if self.offset_column is not None:
            if self.offset_column not in data.columns:
                raise DataError(
                    f"new data has no column '{self.offset_column}', which the model uses as its offset"
                )
            total = total + numeric_values(data[self.offset_column], f"offset column '{self.offset_column}'")
        return total

    def check_levels(self, data: pd.DataFrame) -> None:
        """Raise if a categorical column of ``data`` holds a level not seen in fitting."""
        for name, levels in self.levels.items():
            if name not in data.columns:
                continue
            col = data[name]
            if not isinstance(col.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(col.dtype):
                col = col.astype("float64")
                levels = tuple(float(v) for v in levels if isinstance(v, (int, float, np.number))) or levels
            present = pd.unique(col[col.notna()])
            known = set(levels)
            unseen = [v for v in present if v not in known]
            if unseen:
                shown = ", ".join(repr(plain_value(v)) for v in unseen[:5])
                shown += f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
                noun = "level" if len(unseen) == 1 else "levels"
                raise DataError(
                    f"column '{name}' has {noun} {shown} not seen when the model was fitted "
                    f"(known levels: {', '.join(repr(plain_value(v)) for v in levels)})"
                )


@dataclass(frozen=True)
class ModelFrame:
    """Arrays ready for IRLS plus the metadata to interpret them.

    Attributes
    ----------
    y : ndarray, shape (n,) or (n, 2)
    X : ndarray, shape (n, p)
    weights, offset : ndarray, shape (n,)
    index : pandas.Index
        The caller's row labels of the rows used.
    n_dropped : int
        Rows dropped for missing values.
    dropped_index : pandas.Index
        Labels of those rows.
    spec : FrameSpec
    """

    y: FloatArray
    X: FloatArray | Design
    weights: FloatArray
    offset: FloatArray
    index: pd.Index
    n_dropped: int
    dropped_index: pd.Index
    spec: FrameSpec
    weights_given: bool = False
    offset_given: bool = False
    full_index: pd.Index = field(default_factory=lambda: pd.RangeIndex(0))
    na_action: str = "omit"
    #: Positions of the rows used among the rows selected (None: all of them, in order).
    used_rows: npt.NDArray[np.intp] | None = None
    #: Positions in the caller's data of the rows used (for variables read after the fit,
    #: such as cluster columns, whatever the data's index; None: every row, in order).
    data_rows: npt.NDArray[np.intp] | None = None

    @property
    def used_positions(self) -> npt.NDArray[np.intp]:
        """Positions of the rows used among the rows selected (``subset``), for padding
        per-row values with ``na_action="exclude"``."""
        return np.arange(len(self.index)) if self.used_rows is None else self.used_rows

    @property
    def data_positions(self) -> npt.NDArray[np.intp]:
        """Positions in the caller's data of the rows used."""
        return np.arange(len(self.index)) if self.data_rows is None else self.data_rows

    @property
    def design(self) -> Design:
        """The model matrix as a :class:`rglm.numerics.design.Design` (dense or split)."""
        return as_design(self.X)

    @property
    def n_used(self) -> int:
        """Rows used in the fit."""
        return len(self.index)

    @property
    def has_intercept(self) -> bool:
        """Whether the model matrix has an intercept column."""
        return self.spec.has_intercept

    @property
    def offset_in_model(self) -> bool:
        """Whether the model has an offset: an ``offset=`` argument or ``offset()`` terms."""
        return bool(self.offset_given or self.spec.parsed.offsets)

    def pad(self, values: FloatArray, name: str | None = None) -> pd.Series:
        """Per-row values as a Series on the caller's index; with ``na_action="exclude"``
        the rows dropped for missing values are included as NaN (R's ``na.exclude``)."""
        if self.na_action != "exclude" or self.n_dropped == 0:
            return pd.Series(values, index=self.index, name=name)
        full = np.full(len(self.full_index), np.nan)
        full[self.used_positions] = values
        padded: pd.Series = pd.Series(full, index=self.full_index, name=name)
        return padded


if TYPE_CHECKING:
    from rglm.frame.state import FrameState

    _model_frame_is_frame_state: type[FrameState] = ModelFrame


def build_frame(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    offset: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    binomial: bool = False,
    contrasts: dict[str, Any] | None = None,
    names: str = "default",
) -> ModelFrame:
    """Evaluate ``formula`` on ``data`` into arrays, as R's ``model.frame`` + ``model.matrix``.

    Parameters
    ----------
    formula : str
        ``response ~ terms``; the response may be ``cbind(successes, failures)`` and the
        terms may include ``offset(expr)``.
    data : DataFrame or convertible
    weights, offset : str or array_like, optional
        A column name or one value per row of ``data``.
    subset : array of bool or str, optional
        A mask or a ``DataFrame.query`` string.
    na_action : {"omit", "exclude", "fail"}
    binomial : bool
        Whether a non-numeric response should be read as a factor (first level = failure).
    contrasts : dict, optional
        Variable (as written, or its column) -> R's contrasts name or a formulaic contrasts
        object, as R's ``contrasts.arg``.
    names : {"default", "R"}
        Column names in formulaic's style or exactly as R's.
    """
    if names not in NAMES:
        raise ArgumentError(f"names must be one of {', '.join(NAMES)}, got {names!r}")
    if na_action not in NA_ACTIONS:
        raise DataError(f"na_action must be one of {', '.join(NA_ACTIONS)}, got {na_action!r}")
    frame = to_frame(data)
    if len(frame) == 0:
        raise DataError("data has no rows")
    resolved = resolve_variables(formula, frame)
    parsed = resolved.parsed
    w_all, w_col = vector_argument(weights, frame, "weights")
    o_all, offset_col = vector_argument(offset, frame, "offset")
    selected, subset_na = subset_mask(subset, frame)
    keep = selected | subset_na
    if not np.any(keep):
        raise DataError(f"subset selects no rows (0 of {len(frame)})")
    used = resolved.used
    finite: set[str] = set()
    na, na_cols = count_missing(
        frame, used, keep, subset_na, {"subset": int(subset_na.sum())} if subset_na.any() else {}, finite
    )
    n_keep = int(np.sum(keep))
    all_na = [name for name in used if na_cols.get(name) == n_keep]
    for label, arr in ((w_col or "weights", w_all), (offset_col or "offset", o_all)):
        if arr is not None:
            bad = np.isnan(arr)
            if np.any(bad & keep):
                na_cols[label] = int(np.sum(bad & keep))
            na |= bad
    check_dtypes(frame, used)
    # R's factor(x, levels=) makes values outside the levels NA: those rows are missing.
    na |= outside_levels(parsed.rhs, frame, used, keep, na_cols)
    if all_na:
        raise DataError(
            f"column {', '.join(repr(c) for c in all_na)} has only missing values in the rows used"
        )
    refuse_missing(na_cols, na_action)
    rows = keep & ~na
    if not np.any(rows):
        raise DataError(
            f"no rows left to fit: {int(np.sum(keep))} rows selected, all have missing values in "
            f"{', '.join(na_cols) or 'the model variables'}"
        )
    used_set = set(used)
    # Transforms such as log(x) can produce NaN; R's na.omit drops those rows as well, and
    # the factor levels are then taken from the rows that remain, so materialize again.
    for _ in range(2):
        # The positions of the rows used (n of them), only when some rows are left out.
        sub_rows = None if rows.all() else np.flatnonzero(rows)
        # Select the model's columns first, so that only they are copied when rows are dropped.
        # In the frame's own order: a slice of its blocks is a view (copy-on-write), a reordering a copy.
        cols = model_columns(frame, used_set)
        sub = without_unused_levels(prepared(cols if sub_rows is None else cols.iloc[sub_rows]))
        rhs_spec, X = materialize_design(parsed, formula, sub, frozenset(finite), contrasts)
        y = response_vector(parsed, sub, binomial)
        col_names = list(rhs_spec.r_names if names == "R" else rhs_spec.py_names)
        # A large frame without weights or offsets holds no column of ones or zeros: a
        # read-only view of one value serves every row (the values, and every result, are
        # the same).
        large = len(sub) >= SPLIT_MIN_ROWS
        off = _offset(parsed, sub) if large else offset_vector(parsed, sub)
        ones = np.broadcast_to(1.0, len(sub)) if large else np.ones(len(sub))
        w = ones if w_all is None else (w_all.copy() if sub_rows is None else w_all[sub_rows])
        if o_all is not None:
            off = off + (o_all if sub_rows is None else o_all[sub_rows])
        x_na, x_na_cols = bad_rows(X, np.isnan, col_names)
        derived_na = x_na | np.isnan(y).reshape(len(sub), -1).any(axis=1) | np.isnan(off)
        if not np.any(derived_na):
            break
        k_nan = int(derived_na.sum())
        where_nan = f" in {', '.join(repr(c) for c in x_na_cols)}" if x_na_cols else ""
        warn(
            f"NaNs produced{where_nan}: a transform of the variables gave NaN in {k_nan} "
            f"row{'s' if k_nan != 1 else ''}, dropped as missing",
            NaNProducedWarning,
        )
        if na_action == "fail":
            k = int(derived_na.sum())
            where = f" in {', '.join(repr(c) for c in x_na_cols)}" if x_na_cols else ""
            raise DataError(
                f"{k} row{' gives' if k == 1 else 's give'} missing values{where} after transforming "
                f"the variables (e.g. log of a negative number); drop {'it' if k == 1 else 'them'} "
                "or use na_action='omit'"
            )
        rows[np.flatnonzero(rows)[derived_na]] = False
        if not np.any(rows):
            raise DataError(
                "no rows left to fit: every row has a missing value after transforming the variables"
            )
    check_finite(X, y, off, w, col_names, sub.index)
    spec = frame_spec(
        parsed,
        rhs_spec,
        sub,
        offset_column=offset_col,
        variables=resolved.rhs,
        offset_variables=resolved.offsets,
        names=names,
    )
    all_rows = sub_rows is None
    dropped = frame.index[:0] if all_rows else frame.index[keep & ~rows]
    return ModelFrame(
        y=y,
        X=X if isinstance(X, SplitDesign) else np.ascontiguousarray(X),
        weights=w,
        offset=off,
        index=sub.index,
        n_dropped=len(dropped),
        dropped_index=dropped,
        spec=spec,
        weights_given=weights is not None,
        offset_given=offset is not None,
        full_index=frame.index if keep.all() else frame.index[keep],  # a RangeIndex stays one
        na_action=na_action,
        # n positions each, stored only when some rows are left out.
        used_rows=None if rows[keep].all() else np.flatnonzero(rows[keep]),
        data_rows=sub_rows,
    )


def _offset(parsed: ParsedFormula, data: pd.DataFrame) -> FloatArray:
    """The offset of a large frame: :func:`rglm.frame.steps.offset_vector` without arrays of
    n that hold nothing new.  No offset is a read-only view of one 0.0; one ``offset()`` term
    is its values as evaluated (``0 + v`` is ``v``, but for the sign of a zero), so neither a
    column of zeros nor a copy of the values is made."""
    if not parsed.offsets:
        return np.broadcast_to(0.0, len(data))
    if len(parsed.offsets) > 1:
        return offset_vector(parsed, data)
    expr = parsed.offsets[0]
    v = evaluate(expr, data, f"offset({expr})")
    # formulaic leaves a reference cycle holding its own copy of the values (n of them) for
    # the cycle collector; collecting the young generations now frees it, at little cost.
    gc.collect(1)
    if v.dtype != np.float64 or v.ndim != 1 or np.any(np.signbit(v) & (v == 0)):
        return offset_vector(parsed, data)  # -0.0 is 0.0 in the sum: as offset_vector makes it
    return v


def frame_spec(
    parsed: ParsedFormula,
    rhs_spec: RDesign,
    data: pd.DataFrame,
    *,
    offset_column: str | None = None,
    variables: tuple[str, ...] = (),
    offset_variables: tuple[str, ...] = (),
    names: str = "default",
) -> FrameSpec:
    """The :class:`FrameSpec` of a model matrix built from ``data`` (the rows used): the
    column names as shown, each term's columns and each factor's levels."""
    columns = term_columns(rhs_spec)
    return FrameSpec(
        parsed=parsed,
        rhs_spec=rhs_spec,
        column_names=unique_names(tuple(rhs_spec.r_names if names == "R" else rhs_spec.py_names)),
        term_columns=columns,
        has_intercept="1" in columns,
        levels=factor_levels(rhs_spec, data.columns),
        offset_column=offset_column,
        variables=variables,
        offset_variables=offset_variables,
    )


def deparse_name(name: str) -> str:
    """A column name as R writes it in a term (backticked unless syntactic)."""
    return deparse(Node("name", name))


_PY_SAFE = re.compile(r"^[A-Za-z_][\w]*\([\w\s()+\-*/,]*\)$")


def formulaic_rhs(design: RDesign) -> str | None:
    """formulaic's right-hand side for the model's terms when they are plain columns or
    ``factor``/``C`` of one with treatment contrasts (the split design's reach), else None."""
    if any(c != "contr.treatment" for c in design.contrasts.values()):
        return None
    codes = []
    for v, levels in zip(design.variables, design.factor_levels, strict=True):
        if v.column is None:
            # a numeric expression written the same in Python (log(x + 1)); the names check
            # in _split_first catches any difference in formulaic's reading
            if levels is not None or not _PY_SAFE.match(v.label):
                return None
            codes.append(v.label)
            continue
        name = v.column if v.column.isidentifier() else f"`{v.column}`"
        if v.label in (f"factor({v.column})", f"C({v.column})"):
            codes.append(f"{v.label.split('(')[0]}({name})")
        elif v.label == deparse_name(v.column):
            codes.append(name)
        else:
            return None
    terms = [":".join(codes[i] for i in t) for t in design.terms.terms]
    return ("1" if design.terms.intercept else "0") + "".join(f" + {t}" for t in terms)


def materialize_design(
    parsed: ParsedFormula,
    formula: str,
    sub: pd.DataFrame,
    finite: frozenset[str] = frozenset(),
    contrasts: dict[str, Any] | None = None,
) -> tuple[RDesign, FloatArray | SplitDesign]:
    """The model matrix of the rows ``sub`` (no missing values in the model's variables) and
    its recipe: R's ``model.matrix`` (:mod:`rglm.frame.rdesign`), or for large data a split
    design (factors kept as codes) when formulaic's matrix is the same.  ``finite`` names
    float columns known to hold no NaN or infinity."""
    assert parsed.terms is not None
    try:
        if len(sub) >= SPLIT_MIN_ROWS:
            split = _split_first(parsed.terms, sub, finite, contrasts)
            if split is not None:
                return split
        with np.errstate(all="ignore"):  # NaN from transforms is dropped below, as R's na.omit does
            design, X = build_design(parsed.terms, sub, formula_context(), contrasts)
    except FormulaicError as exc:
        raise FormulaError(f"cannot parse formula {formula!r}: {str(exc).splitlines()[0]}") from exc
    except NameError as exc:
        raise DataError(f"cannot evaluate formula {formula!r}: {exc}") from exc
    except SyntaxError as exc:
        raise FormulaError(
            f"cannot evaluate formula {formula!r}: {exc.msg} (a column named like a Python "
            "keyword cannot be used inside a function; rename it)"
        ) from exc
    return design, X


def _first_rows(codes: npt.NDArray[np.intp], block: int = 65_536) -> npt.NDArray[np.intp]:
    """The row where each code first occurs (``np.unique(codes, return_index=True)[1]``), a
    block of rows at a time: sorting all the codes at once would take several arrays of n."""
    first: dict[int, int] = {}
    for a in range(0, codes.size, block):
        values, where = np.unique(codes[a : a + block], return_index=True)
        for v, i in zip(values.tolist(), where.tolist(), strict=True):
            first.setdefault(v, a + i)
    return np.array([first[v] for v in sorted(first)], dtype=np.intp)


def _split_first(
    terms: RTerms, sub: pd.DataFrame, finite: frozenset[str], contrasts: dict[str, Any] | None
) -> tuple[RDesign, SplitDesign] | None:
    """For large data: the recipe learnt on a sample holding every level, and a split design
    (factors kept as codes) when formulaic's matrix of the same terms is R's; else None."""
    if any(pd.api.types.is_bool_dtype(sub[c].dtype) for c in sub.columns):
        return None
    factors = [c for c in sub.columns if not pd.api.types.is_numeric_dtype(sub[c].dtype)]
    factors += [
        v.args[0].value
        for v in terms.variables
        if v.kind == "call" and v.value in ("factor", "C") and v.args and v.args[0].kind == "name"
    ]
    rows = set(range(min(len(sub), 256)))
    for c in dict.fromkeys(factors):
        if c in sub.columns:
            rows |= set(_first_rows(pd.factorize(sub[c])[0]).tolist())
    with np.errstate(all="ignore"):
        design, _ = build_design(terms, sub.iloc[sorted(rows)], formula_context(), contrasts)
    rhs = formulaic_rhs(design)
    if rhs is None or design.transform_state or r_exact(len(sub), len(design.py_names)):
        return None
    try:
        with np.errstate(all="ignore"):
            split = split_design(rhs, sub, formula_context(), evaluate, finite)
    except (FormulaicError, NameError, SyntaxError, DataError, ValueError, TypeError):
        return None
    # formulaic's matrix is R's when its columns, named as rglm names them, are R's columns.
    if split is None or tuple(display_name(str(n), set()) for n in split[1].column_names) != design.py_names:
        return None
    return design, split[0]
