"""The model frame: formula + data -> plain arrays, and the recipe to do it again on new data.

This is the only layer that knows about pandas and formulas.  It follows R's
``model.frame``/``model.matrix``:

1. ``subset`` picks rows;
2. rows with a missing value in any variable the model uses (response, predictors,
   weights, offset) are dropped (``na_action="omit"``) or reported (``"fail"``);
3. factor levels that no longer occur are dropped (R's ``drop.unused.levels = TRUE``);
4. formulaic builds the model matrix, and the response and offsets are evaluated.

The :class:`FrameSpec` it returns keeps formulaic's ``ModelSpec``, so new data is encoded
with the same transforms, levels and contrasts; a level not seen in fitting is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.errors import FormulaicError
from formulaic.model_spec import ModelSpec

from rglm.exceptions import DataError, DataTypeError, FormulaError
from rglm.frame.columns import (
    _BARE_NAME,
    _as_numbers,
    _display_name,
    _evaluate,
    _numeric,
    _plain,
    _prepared,
    _to_float,
    _to_frame,
    _without_unused_levels,
)
from rglm.frame.formula import (
    ParsedFormula,
    formula_context,
    formula_names,
    parse_formula,
    quote_dotted_names,
)
from rglm.frame.split_design import split_design
from rglm.numerics.design import Design, SplitDesign, as_design
from rglm.numerics.rmath import r_exact

FloatArray = npt.NDArray[np.float64]

__all__ = ["NA_ACTIONS", "FrameSpec", "ModelFrame", "build_frame"]

NA_ACTIONS = ("omit", "exclude", "fail")

#: From this many rows on, factors are kept as codes (rglm.numerics.design.SplitDesign) when the
#: problem is too large for the bit-for-bit R path anyway.
SPLIT_MIN_ROWS = 20_000



@dataclass(frozen=True)
class FrameSpec:
    """Everything needed to rebuild the design for new data.

    Attributes
    ----------
    parsed : ParsedFormula
    rhs_spec : formulaic.ModelSpec
        The right-hand side's spec: transforms, factor levels and contrasts.
    column_names : list of str
    term_labels : list of str
        formulaic's term labels, intercept included as ``"1"``.
    term_columns : dict
        Term label -> indices of its columns in the model matrix.
    has_intercept : bool
    levels : dict
        Categorical variable -> the levels seen in fitting.
    offset_column : str or None
        Name of the ``offset=`` column, if the offset was given by name.
    """

    parsed: ParsedFormula
    rhs_spec: ModelSpec
    column_names: list[str]
    term_columns: dict[str, list[int]]
    has_intercept: bool
    levels: dict[str, list[Any]]
    offset_column: str | None = None
    variables: tuple[str, ...] = ()

    offset_variables: tuple[str, ...] = ()

    @property
    def term_labels(self) -> list[str]:
        """formulaic's term labels in model order, intercept included as ``"1"``."""
        return list(self.term_columns)

    def _columns(self, data: pd.DataFrame, names: tuple[str, ...], what: str) -> pd.DataFrame:
        missing = [n for n in names if n not in data.columns]
        if missing:
            raise DataError(f"new data has no column {', '.join(repr(m) for m in missing)}, which the model's "
                            f"{what} uses")
        # Only the model's own columns: an unrelated column named like a function (log, C)
        # must not hide that function from the formula.
        return data[list(names)]

    def design(self, data: pd.DataFrame) -> FloatArray:
        """The model matrix for ``data``; rows with a missing value give a row of NaN
        (R's ``predict`` with ``na.pass``).

        Unseen factor levels are rejected before formulaic sees the data (formulaic would map
        them to the reference level with only a warning, a silently wrong prediction).
        """
        data = _prepared(self._columns(data, self.variables, "formula"))
        self.check_levels(data)
        complete = ~data.isna().any(axis=1).to_numpy()
        out = np.full((len(data), len(self.column_names)), np.nan)
        if not complete.any():
            return out
        rows = data if complete.all() else data.iloc[np.flatnonzero(complete)]
        try:
            with np.errstate(all="ignore"):
                mm = self.rhs_spec.get_model_matrix(_without_unused_levels(rows), context=formula_context(),
                                                    na_action="ignore")
        except FormulaicError as exc:
            raise DataError(f"cannot build the model matrix for new data: {str(exc).splitlines()[0]}") from exc
        out[complete] = _to_float(mm, "model matrix")
        return out

    def offset(self, data: pd.DataFrame) -> FloatArray:
        """The total offset for ``data``: formula offsets plus the named ``offset=`` column."""
        total = np.zeros(len(data))
        if self.parsed.offsets:
            sub = self._columns(data, self.offset_variables, "offset")
            for expr in self.parsed.offsets:
                total = total + _evaluate(expr, sub, f"offset({expr})")
        if self.offset_column is not None:
            if self.offset_column not in data.columns:
                raise DataError(f"new data has no column '{self.offset_column}', which the model uses as its offset")
            total = total + _numeric(data[self.offset_column], f"offset column '{self.offset_column}'")
        return total

    def check_levels(self, data: pd.DataFrame) -> None:
        """Raise if a categorical column of ``data`` holds a level not seen in fitting."""
        for name, levels in self.levels.items():
            if name not in data.columns:
                continue
            col = data[name]
            if not isinstance(col.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(col.dtype):
                col = col.astype("float64")
                levels = [float(v) for v in levels if isinstance(v, (int, float, np.number))] or levels
            present = pd.unique(col[col.notna()])
            known = set(levels)
            unseen = [v for v in present if v not in known]
            if unseen:
                shown = ", ".join(repr(_plain(v)) for v in unseen[:5])
                noun = "level" if len(unseen) == 1 else "levels"
                raise DataError(
                    f"column '{name}' has {noun} {shown} not seen when the model was fitted "
                    f"(known levels: {', '.join(repr(_plain(v)) for v in levels)})"
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
    used_positions: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    #: Positions in the caller's data of the rows used (for variables read after the fit,
    #: such as cluster columns, whatever the data's index).
    data_positions: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def design(self) -> Design:
        """The model matrix as a :class:`rglm.numerics.design.Design` (dense or split)."""
        return as_design(self.X)

    def pad(self, values: FloatArray, name: str | None = None) -> pd.Series:
        """Per-row values as a Series on the caller's index; with ``na_action="exclude"``
        the rows dropped for missing values are included as NaN (R's ``na.exclude``)."""
        if self.na_action != "exclude" or self.n_dropped == 0:
            return pd.Series(values, index=self.index, name=name)
        full = np.full(len(self.full_index), np.nan)
        full[self.used_positions] = values
        return pd.Series(full, index=self.full_index, name=name)


def _response(parsed: ParsedFormula, data: pd.DataFrame, binomial: bool) -> FloatArray:
    if parsed.is_cbind:
        cols = [_evaluate(e, data, f"cbind() column {e!r}") for e in parsed.response]
        return np.column_stack(cols)
    expr = parsed.response[0]
    if re.match(_BARE_NAME, expr):
        name = expr.strip("`")
        if name not in data.columns:
            raise DataError(f"the response column '{name}' is not in the data "
                            f"(columns: {', '.join(map(str, data.columns[:12]))})")
        col = data[name]
        if binomial and not pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            # R turns a factor response into "not the first level"; the first level is failure.
            if isinstance(col.dtype, pd.CategoricalDtype):
                levels = list(col.cat.categories)
            else:
                levels = sorted(pd.unique(col.dropna()), key=str)
            if len(levels) < 1:
                raise DataError(f"the response column '{name}' has no values")
            return (col != levels[0]).to_numpy(dtype=np.float64)
        return _numeric(col, f"the response column '{name}'")
    return _evaluate(expr, data, f"the response {expr!r}")


def _vector_arg(arg: Any, data: pd.DataFrame, what: str) -> tuple[FloatArray | None, str | None]:
    """A ``weights=``/``offset=`` argument: a column name or one value per row of data."""
    if arg is None:
        return None, None
    if isinstance(arg, str):
        if arg not in data.columns:
            raise DataError(f"{what} column '{arg}' is not in the data ({_column_list(data)})")
        return _numeric(data[arg], f"{what} column '{arg}'"), arg
    if isinstance(arg, pd.Series):
        values = _aligned(arg, data, what)
    else:
        values = pd.Series(list(arg) if not isinstance(arg, np.ndarray) else arg)
    if values.ndim != 1 or values.shape[0] != len(data):
        raise DataError(f"{what} must have one value per row of data: got {values.size} values for {len(data)} rows")
    return _numeric(_as_numbers(values), what), None


def _column_list(data: pd.DataFrame) -> str:
    cols = ", ".join(map(str, list(data.columns[:15])))
    return f"columns: {cols}{', ...' if len(data.columns) > 15 else ''}"


def _aligned(arg: pd.Series, data: pd.DataFrame, what: str) -> pd.Series:
    """A Series argument matched to the data's rows by index label, as pandas aligns."""
    if arg.index.equals(data.index):
        return arg.reset_index(drop=True)
    if arg.index.is_unique and data.index.is_unique and len(arg) == len(data) and arg.index.isin(data.index).all():
        return arg.reindex(data.index).reset_index(drop=True)
    raise DataError(f"{what} is a Series whose index does not match the data's index; pass the same row labels, "
                    "or a plain array (matched by position)")


def _subset_mask(subset: Any, data: pd.DataFrame) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Rows selected by ``subset``, and rows where the condition itself is missing.

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
        result = _aligned(subset, data, "subset")
    else:
        result = subset
    values = pd.Series(result) if not isinstance(result, pd.Series) else result
    if values.shape != (n,):
        raise DataError(f"{what} must give one True/False per row of data ({n}), got {values.size} values")
    missing = values.isna().to_numpy()
    if not (pd.api.types.is_bool_dtype(values.dtype) or (values.dtype == object and
            all(isinstance(v, (bool, np.bool_)) for v in values[~missing]))):
        raise DataError(f"{what} must be a boolean mask or a query string, got values of dtype {values.dtype}")
    mask = values.where(~missing, False).astype(bool).to_numpy()
    return mask, missing


def _with_quoted_names(parsed: ParsedFormula, data: pd.DataFrame) -> ParsedFormula:
    import dataclasses

    columns = {str(c) for c in data.columns if "." in str(c)}
    if not columns:
        return parsed
    return dataclasses.replace(
        parsed,
        rhs=quote_dotted_names(parsed.rhs, columns),
        offsets=tuple(quote_dotted_names(o, columns) for o in parsed.offsets),
        response=tuple(quote_dotted_names(r, columns) for r in parsed.response),
    )


def _variables(texts: list[str], data: pd.DataFrame) -> list[str]:
    """Data columns that ``texts`` use as variables; raise for names that are neither a
    column nor a function available in formulas."""
    variables: set[str] = set()
    calls: set[str] = set()
    for text in texts:
        v, c = formula_names(text)
        variables |= v
        calls |= c
    formulaic_names: set[str] = set()
    for text in texts:
        try:
            formulaic_names |= set(Formula(text).required_variables)
        except FormulaicError:
            pass
        except SyntaxError as exc:
            raise FormulaError(f"cannot read {text!r}: {exc.msg} (a column named like a Python keyword cannot be "
                               "used inside a function; rename it)") from exc
    columns = set(map(str, data.columns))
    used = ((variables | formulaic_names) & columns) - (calls - variables)
    clash = sorted(calls & variables & columns)
    if clash:
        raise DataError(f"column {', '.join(repr(c) for c in clash)} has the name of a function the formula "
                        "calls; rename the column")
    ctx = formula_context()
    missing = sorted(n for n in formulaic_names - columns - calls
                     if n not in ctx and not any(t.startswith(n + ".") and t in columns for t in variables))
    if missing:
        cols = ", ".join(map(str, list(data.columns[:15])))
        raise DataError(f"the formula uses {', '.join(repr(m) for m in missing)}, not found in the data "
                        f"(columns: {cols}{', ...' if len(data.columns) > 15 else ''})")
    return sorted(used)


def build_frame(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    offset: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    binomial: bool = False,
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
    """
    if na_action not in NA_ACTIONS:
        raise DataError(f"na_action must be one of {', '.join(NA_ACTIONS)}, got {na_action!r}")
    frame = _to_frame(data)
    if len(frame) == 0:
        raise DataError("data has no rows")
    parsed = _with_quoted_names(parse_formula(formula), frame)
    w_all, w_col = _vector_arg(weights, frame, "weights")
    o_all, offset_col = _vector_arg(offset, frame, "offset")
    selected, subset_na = _subset_mask(subset, frame)
    keep = selected | subset_na
    if not np.any(keep):
        raise DataError(f"subset selects no rows (0 of {len(frame)})")
    rhs_vars = _variables([parsed.rhs], frame)
    offset_vars = _variables(list(parsed.offsets), frame)
    used = sorted(set(rhs_vars) | set(offset_vars) | set(_variables(list(parsed.response), frame)))

    used_set = set(used)
    na = subset_na.copy()
    na_cols: dict[str, int] = {"subset": int(subset_na.sum())} if subset_na.any() else {}
    n_keep = int(np.sum(keep))
    all_na: list[str] = []
    finite: set[str] = set()
    for name in used:
        col_na = _missing(frame[name], finite)
        if np.any(col_na & keep):
            na_cols[name] = int(np.sum(col_na & keep))
            if na_cols[name] == n_keep:
                all_na.append(name)
        na |= col_na
    for label, arr in ((w_col or "weights", w_all), (offset_col or "offset", o_all)):
        if arr is not None:
            bad = np.isnan(arr)
            if np.any(bad & keep):
                na_cols[label] = int(np.sum(bad & keep))
            na |= bad
    for name in used:
        dtype = frame[name].dtype
        if pd.api.types.is_timedelta64_dtype(dtype):
            raise DataTypeError(f"column '{name}' has dtype {dtype}; a formula cannot use durations directly - "
                                "convert them to numbers first (e.g. with .dt.total_seconds())")
        if pd.api.types.is_datetime64_any_dtype(dtype):
            raise DataTypeError(f"column '{name}' has dtype {dtype}; a formula cannot use dates directly - convert "
                                "them to numbers (e.g. days since a start date) or to a categorical first")
    if all_na:
        raise DataError(f"column {', '.join(repr(c) for c in all_na)} has only missing values in the rows used")
    if na_cols and na_action == "fail":
        detail = ", ".join(f"'{k}' ({v} row{'s' if v != 1 else ''})" for k, v in na_cols.items())
        raise DataError(f"missing values in {detail}; drop them or use na_action='omit'")
    rows = keep & ~na
    if not np.any(rows):
        raise DataError(f"no rows left to fit: {int(np.sum(keep))} rows selected, all have missing values in "
                        f"{', '.join(na_cols) or 'the model variables'}")
    # Transforms such as log(x) can produce NaN; R's na.omit drops those rows as well, and
    # the factor levels are then taken from the rows that remain, so materialize again.
    for _ in range(2):
        sub_rows = np.flatnonzero(rows)
        # Select the model's columns first, so that only they are copied when rows are dropped.
        # In the frame's own order: a slice of its blocks is a view (copy-on-write), a reordering a copy.
        cols = frame[[c for c in frame.columns if c in used_set]]
        sub = _without_unused_levels(_prepared(cols if sub_rows.size == len(frame) else cols.iloc[sub_rows]))
        rhs_spec, X, y, off = _materialize(parsed, formula, sub, binomial, frozenset(finite))
        names = list(rhs_spec.column_names)
        w = np.ones(len(sub)) if w_all is None else w_all[sub_rows]
        if o_all is not None:
            off = off + o_all[sub_rows]
        x_na, x_na_cols = _bad_rows(X, np.isnan, names)
        derived_na = x_na | np.isnan(y).reshape(len(sub), -1).any(axis=1) | np.isnan(off)
        if not np.any(derived_na):
            break
        if na_action == "fail":
            k = int(derived_na.sum())
            where = f" in {', '.join(repr(c) for c in x_na_cols)}" if x_na_cols else ""
            raise DataError(f"{k} row{' gives' if k == 1 else 's give'} missing values{where} after transforming "
                            f"the variables (e.g. log of a negative number); drop {'it' if k == 1 else 'them'} "
                            "or use na_action='omit'")
        rows[sub_rows[derived_na]] = False
        if not np.any(rows):
            raise DataError("no rows left to fit: every row has a missing value after transforming the variables")
    x_inf, x_inf_cols = _bad_rows(X, np.isinf, names)
    for label, inf_rows in (("response", np.isinf(y).reshape(len(sub), -1).any(axis=1)),
                            ("offset", np.isinf(off)), ("model matrix", x_inf)):
        if inf_rows.any():
            n_inf = int(inf_rows.sum())
            where = f" (column {', '.join(repr(c) for c in x_inf_cols)})" if label == "model matrix" else ""
            raise DataError(f"the {label} has infinite values in {n_inf} row{'s' if n_inf != 1 else ''}{where}; "
                            "remove or recode them before fitting")
    if np.any(w < 0):
        bad = np.flatnonzero(w < 0)
        raise DataError(f"negative weights not allowed: {bad.size} row{'s' if bad.size > 1 else ''} "
                        f"(first: {w[bad[0]]:g} at row {sub.index[bad[0]]!r})")
    if np.isinf(w).any():
        k = int(np.isinf(w).sum())
        raise DataError(f"weights have infinite values in {k} row{'s' if k != 1 else ''}; remove or recode them "
                        "before fitting")

    term_columns: dict[str, list[int]] = {}
    position = {c: i for i, c in enumerate(names)}
    for s in rhs_spec.structure:
        label = str(s.term)
        term_columns[label] = [position[c] for c in s.columns]
    bool_vars = {c for c in sub.columns if pd.api.types.is_bool_dtype(sub[c].dtype)}
    names = [_display_name(n, bool_vars) for n in names]
    levels: dict[str, list[Any]] = {}
    for key, (kind, state) in rhs_spec.encoder_state.items():
        if str(getattr(kind, "value", kind)) != "categorical":
            continue
        inner = re.match(r"^(?:C|factor)\(\s*`?([^`,()]+?)`?\s*[,)]", key)
        var = key.strip("`") if key.strip("`") in sub.columns else (inner.group(1).strip() if inner else None)
        if var is not None and var in sub.columns:
            levels[var] = list(state.get("categories", []))
    spec = FrameSpec(
        parsed=parsed,
        rhs_spec=rhs_spec,
        column_names=names,
        term_columns=term_columns,
        has_intercept="1" in term_columns,
        levels=levels,
        offset_column=offset_col,
        variables=tuple(rhs_vars),
        offset_variables=tuple(offset_vars),
    )
    dropped = frame.index[keep & ~rows]
    return ModelFrame(
        y=y, X=X if isinstance(X, SplitDesign) else np.ascontiguousarray(X), weights=w, offset=off, index=sub.index, n_dropped=len(dropped),
        dropped_index=dropped, spec=spec, weights_given=weights is not None, offset_given=offset is not None,
        full_index=frame.index[keep], na_action=na_action,
        used_positions=np.flatnonzero(rows[keep]), data_positions=sub_rows,
    )


def _missing(col: pd.Series, finite: set[str]) -> npt.NDArray[np.bool_]:
    """``col.isna()`` as an array.  A float column whose sum is finite has no NaN and no
    infinity, found in one read without a temporary; its name is added to ``finite``."""
    if col.dtype == np.float64 and len(col) and np.isfinite(np.sum(col.to_numpy())):
        finite.add(str(col.name))
        return np.zeros(len(col), dtype=bool)
    return np.asarray(col.isna().to_numpy(), dtype=bool)


def _bad_rows(X: FloatArray | SplitDesign, test: Callable[[Any], Any],
              names: list[str]) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Rows where ``test`` holds for some column of the design, and those columns' names."""
    if isinstance(X, SplitDesign):
        checked = X.dense.finite
        parts = [(col, int(c)) for col, c in zip(X.dense.data, X.dense_columns) if col is not None and not checked]
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
    hits = test(X)
    return hits.any(axis=1), [names[j] for j in np.flatnonzero(hits.any(axis=0))]


def _materialize(parsed: ParsedFormula, formula: str, sub: pd.DataFrame, binomial: bool,
                 finite: frozenset[str] = frozenset()) -> tuple[Any, FloatArray | SplitDesign, FloatArray, FloatArray]:
    y = _response(parsed, sub, binomial)
    off = np.zeros(len(sub))
    for expr in parsed.offsets:
        off = off + _evaluate(expr, sub, f"offset({expr})")
    if len(sub) >= SPLIT_MIN_ROWS:
        try:
            with np.errstate(all="ignore"):
                split = split_design(parsed.rhs, sub, formula_context(), _evaluate, finite)
        except (FormulaicError, NameError, SyntaxError, DataError, ValueError, TypeError):
            split = None  # the dense path below raises the proper error, if there is one
        if split is not None and not r_exact(len(sub), split[0].p):
            return split[1], split[0], y, off
    try:
        with np.errstate(all="ignore"):  # NaN from transforms is dropped below, as R's na.omit does
            mm = model_matrix(parsed.rhs, sub, context=formula_context(), na_action="ignore")
    except FormulaicError as exc:
        raise FormulaError(f"cannot parse formula {formula!r}: {str(exc).splitlines()[0]}") from exc
    except NameError as exc:
        raise DataError(f"cannot evaluate formula {formula!r}: {exc}") from exc
    except SyntaxError as exc:
        raise FormulaError(f"cannot evaluate formula {formula!r}: {exc.msg} (a column named like a Python "
                           "keyword cannot be used inside a function; rename it)") from exc
    return mm.model_spec, _to_float(mm, "model matrix"), y, off
