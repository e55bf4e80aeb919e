"""Build a :class:`rglm.numerics.design.SplitDesign` straight from the data, for large problems.

formulaic materializes every categorical term as dense indicator columns, and converting
those to a float array costs more than the whole fit.  For large data rglm instead

1. lets formulaic work out the model on a small sample that contains every level of every
   factor (so the levels, their order, the contrasts and the column names are exactly
   formulaic's);
2. fills in numeric columns from the data and keeps each factor as integer codes;
3. checks the result against formulaic's own matrix on the sample rows.

Anything it does not handle (stateful transforms such as ``poly``, contrasts other than
treatment, terms with two factors) returns None, and the caller materializes densely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import model_matrix
from formulaic.transforms.contrasts import TreatmentContrasts

from rglm.frame.columns import categorical_variable
from rglm.numerics.design import CategoricalBlock, NumericColumns, SplitDesign

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["SplitPlan", "level_codes", "split_design", "split_plan"]

_HEAD = 256


def _views_are_safe() -> bool:
    """Whether a NumPy view of a frame's column is protected from later changes to the
    frame by pandas' copy-on-write (always from pandas 3; an option in pandas 2)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def _position(factors: list[str], position: dict[Any, int]) -> int:
    """Where a single-variable factor's column lies in the data (products and transforms last)."""
    return position.get(factors[0].strip("`"), len(position)) if len(factors) == 1 else len(position)


def _borrowed_block(data: pd.DataFrame, factors: list[list[str]]) -> tuple[FloatArray | None, Any]:
    """The data's own float64 columns for single-variable ``factors``, as one column-major
    view, and the frame it belongs to; ``(None, None)`` when they are not laid out as one."""
    names = [f[0].strip("`") for f in factors if len(f) == 1]
    if not names or len(names) != len(factors) or len(set(names)) != len(names) or not _views_are_safe():
        return None, None
    if any(name not in data.columns or data[name].dtype != np.float64 for name in names):
        return None, None
    block = data[names]
    matrix = block.to_numpy()
    if (
        matrix.dtype != np.float64
        or not matrix.flags.f_contiguous
        or not np.shares_memory(matrix[:, 0], data[names[0]].to_numpy())
    ):
        return None, None
    return matrix, block


def _categorical(spec: Any) -> set[str]:
    """formulaic's categorical factors of ``spec`` (``ModelSpec.factor_contrasts``)."""
    return {str(f) for f in spec.factor_contrasts}


def _sample_rows(data: pd.DataFrame, variables: list[str]) -> npt.NDArray[np.intp]:
    """The first rows, plus a row holding each level of each factor variable."""
    rows = [np.arange(min(_HEAD, len(data)))]
    for v in variables:
        col = data[v]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes, n_codes = col.cat.codes.to_numpy(), len(col.cat.categories)
        else:
            codes, uniques = pd.factorize(col, sort=False)
            n_codes = len(uniques)
        # One scatter: each level's slot ends up holding one of its rows (which one does
        # not matter), in one pass and without sorting.
        where = np.full(n_codes, -1, dtype=np.intp)
        valid = codes >= 0
        if valid.all():
            where[codes] = np.arange(codes.size)
        else:
            where[codes[valid]] = np.flatnonzero(valid)
        rows.append(where[where >= 0])
    return np.unique(np.concatenate(rows))


def split_design(
    rhs: str,
    data: pd.DataFrame,
    context: dict[str, object],
    evaluate: Callable[[str, pd.DataFrame, str], FloatArray],
    finite: frozenset[str] = frozenset(),
) -> tuple[SplitDesign, Any] | None:
    """A split design for ``rhs`` on ``data`` and formulaic's model spec, or None.

    Parameters
    ----------
    rhs : str
        The right-hand side of the formula (offsets already removed).
    data : DataFrame
        The rows used, with no missing values in the model's variables.
    context : dict
        Names available in formulas.
    evaluate : callable
        ``evaluate(expr, data, what)``: one numeric expression over the data.
    finite : frozenset of str
        Columns of ``data`` known to hold only finite values (a borrowed block made of them
        needs no further check).
    """
    head = data.iloc[: min(_HEAD, len(data))]
    probe = model_matrix(rhs, head, context=context, na_action="ignore")
    spec = probe.model_spec
    cat_vars = {}
    for factor in sorted(_categorical(spec)):
        var = categorical_variable(factor, data.columns)
        if var is None:
            return None
        cat_vars[factor] = var
    sample_idx = _sample_rows(data, sorted(set(cat_vars.values())))
    sample = data.iloc[sample_idx]
    mm = model_matrix(rhs, sample, context=context, na_action="ignore")
    spec = mm.model_spec
    if spec.transform_state:
        return None  # a stateful transform learned from the sample, not the data
    names = list(spec.column_names)
    sample_x = np.asarray(mm.to_numpy(dtype=np.float64), dtype=np.float64)
    n = len(data)
    dense_cols: list[int] = []
    dense_factors: list[list[str]] = []  # [] is the intercept; else a product of numeric factors
    blocks: list[CategoricalBlock] = []
    numeric_cache: dict[str, FloatArray] = {}

    def numeric(factor: str) -> FloatArray:
        if factor not in numeric_cache:
            numeric_cache[factor] = evaluate(factor, data, f"term {factor}")
        return numeric_cache[factor]

    categorical = _categorical(spec)
    for term, term_cols in spec.term_indices.items():
        cols = [int(c) for c in term_cols]
        factors = [str(f) for f in term.factors]
        cats = [f for f in factors if f in categorical]
        nums = [f for f in factors if f not in categorical]
        if str(term) == "1":
            dense_cols.append(cols[0])
            dense_factors.append([])
        elif not cats and len(cols) == 1 and len(nums) == len(factors):
            dense_cols.append(cols[0])
            dense_factors.append(nums)
        elif len(cats) == 1 and len(nums) + 1 == len(factors):
            block = _categorical_block(
                spec, cats[0], cat_vars[cats[0]], nums, cols, data, sample_idx, sample_x, numeric
            )
            if block is None:
                return None
            blocks.append(block)
        else:
            return None
    # The intercept is implicit, and the other numeric columns are borrowed from the data
    # when they are adjacent float64 columns of one pandas block (a read-only view), instead
    # of being copied into a new n x k block: at a million rows the copy and its page faults
    # cost more than a pass of the fit.
    # Intercept first, then (for borrowing) the columns in the data's own order.
    position = {name: i for i, name in enumerate(data.columns)}
    order = sorted(
        range(len(dense_factors)),
        key=lambda j: (bool(dense_factors[j]), _position(dense_factors[j], position)),
    )
    dense_cols = [dense_cols[j] for j in order]
    dense_factors = [dense_factors[j] for j in order]
    intercept = bool(dense_factors) and not dense_factors[0]
    rest = dense_factors[int(intercept) :]
    matrix, owner = _borrowed_block(data, rest)
    checked = owner is not None and all(f[0].strip("`") in finite for f in rest)
    if matrix is None:
        # Column-major, each column written in place: a row-major fill strides through memory,
        # and temporaries of n values would each cost a fresh allocation and its page faults.
        matrix = np.empty((n, len(rest)), order="F")
        for j, factors_j in enumerate(rest):
            matrix[:, j] = numeric(factors_j[0])
            for f in factors_j[1:]:
                np.multiply(matrix[:, j], numeric(f), out=matrix[:, j])
    dense = NumericColumns(matrix, intercept, owner, finite=checked)
    design = SplitDesign(
        n=n,
        p=len(names),
        dense=dense,
        dense_columns=np.array(dense_cols, dtype=np.intp),
        blocks=tuple(blocks),
    )
    # The promise is formulaic's matrix; check it on the sample rows before relying on it.
    if not np.array_equal(design.rows(sample_idx), sample_x, equal_nan=True):
        return None
    return design, spec


def _code_type(n_levels: int) -> type[np.integer[Any]]:
    """The narrowest integer type of codes ``0 .. n_levels - 1`` (pandas' rule for a
    Categorical's codes): a factor of up to 126 levels costs one byte a row."""
    for t in (np.int8, np.int16, np.int32):
        if n_levels < np.iinfo(t).max:
            return t
    return np.int64


def level_codes(col: pd.Series, levels: list[Any]) -> npt.NDArray[np.integer[Any]] | None:
    """The code of each row's level among ``levels``, as ``pd.Categorical(col,
    categories=levels).codes``; None when some row is missing or not among the levels.

    A column that is not categorical is factorized first and its few distinct values
    matched to the levels: pandas' Categorical would hash every row's value against the
    levels, which for a text column of two million rows allocates about 130 MB, where
    factorizing (Arrow's dictionary encoding for Arrow strings) needs the codes only."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes: npt.NDArray[np.integer[Any]] = pd.Categorical(col, categories=levels).codes
        return None if np.any(codes < 0) else codes
    found, uniques = pd.factorize(col, sort=False)
    if np.any(found < 0):
        return None
    table = np.asarray(pd.Index(levels).get_indexer(uniques))
    if np.any(table < 0):
        return None
    codes = table.astype(_code_type(len(levels)))[found]
    return codes


def _categorical_block(
    spec: Any,
    factor: str,
    var: str,
    nums: list[str],
    cols: list[int],
    data: pd.DataFrame,
    sample_idx: npt.NDArray[np.intp],
    sample_x: FloatArray,
    numeric: Callable[[str], FloatArray],
) -> CategoricalBlock | None:
    """Codes of ``factor`` over its fitted levels, and which column each level's indicator is."""
    state = {str(f): c for f, c in spec.factor_contrasts.items()}[factor]
    if type(state.contrasts) is not TreatmentContrasts:  # not a subclass (SAS: the last level is the base)
        return None
    levels = list(state.levels)
    codes = level_codes(data[var], levels)
    if codes is None:
        return None
    values = None
    if nums:
        values = np.ones(len(data))
        for f in nums:
            values = values * numeric(f)
    sample_codes = codes[sample_idx]
    sample_vals = np.ones(sample_idx.size) if values is None else values[sample_idx]
    # One sample row per level (with a nonzero multiplier) shows which column the level's
    # indicator went to: none (the reference level) or exactly one.
    present = np.flatnonzero(sample_vals != 0)
    row_of = np.full(len(levels), -1, dtype=np.intp)
    row_of[sample_codes[present]] = present
    if np.any(row_of < 0):
        return None
    nonzero = sample_x[np.ix_(row_of, np.asarray(cols, dtype=np.intp))] != 0
    counts = nonzero.sum(axis=1)
    if np.any(counts > 1):
        return None
    column_of = np.where(counts == 1, np.asarray(cols, dtype=np.intp)[np.argmax(nonzero, axis=1)], -1)
    return CategoricalBlock(codes=codes, columns=column_of.astype(np.intp), values=values)


@dataclass(frozen=True)
class SplitPlan:
    """How to build a :class:`SplitDesign` of a frozen model spec on any rows, without
    formulaic: each numeric column is a product of numeric factors evaluated on the rows, and
    each categorical term is a factor's codes over its frozen levels (times numeric factors).

    Made once by :func:`split_plan` and checked there against formulaic's own matrix; used
    for every chunk of an out-of-core fit, where formulaic's dense materialisation of each
    chunk would cost more than the pass's arithmetic."""

    p: int
    dense_columns: IntArray
    intercept: bool
    products: tuple[tuple[str, ...], ...]
    blocks: tuple[tuple[str, tuple[Any, ...], tuple[str, ...], IntArray], ...]

    def design(
        self, data: pd.DataFrame, evaluate: Callable[[str, pd.DataFrame, str], FloatArray]
    ) -> SplitDesign:
        """The split design of ``data`` (rows with no missing values, factors holding only
        the frozen levels)."""
        n = len(data)
        cache: dict[str, FloatArray] = {}

        def numeric(factor: str) -> FloatArray:
            if factor not in cache:
                cache[factor] = evaluate(factor, data, f"term {factor}")
            return cache[factor]

        matrix = np.empty((n, len(self.products)), order="F")
        for j, factors in enumerate(self.products):
            matrix[:, j] = numeric(factors[0])
            for f in factors[1:]:
                np.multiply(matrix[:, j], numeric(f), out=matrix[:, j])
        blocks = []
        for var, levels, nums, columns in self.blocks:
            col = data[var]
            if isinstance(col.dtype, pd.CategoricalDtype) and tuple(col.cat.categories) == levels:
                codes = col.cat.codes.to_numpy().astype(np.intp)
            else:
                codes = pd.Categorical(col, categories=list(levels)).codes.astype(np.intp)
            if np.any(codes < 0):
                unseen = col.iloc[int(np.flatnonzero(codes < 0)[0])]
                raise ValueError(f"column {var!r} has the level {unseen!r}, not among the model's levels")
            values = None
            for f in nums:
                values = numeric(f).copy() if values is None else values * numeric(f)
            blocks.append(CategoricalBlock(codes=codes, columns=columns, values=values))
        return SplitDesign(
            n=n,
            p=self.p,
            dense=NumericColumns(matrix, self.intercept),
            dense_columns=self.dense_columns,
            blocks=tuple(blocks),
        )


def split_plan(
    spec: Any,
    sample: pd.DataFrame,
    context: dict[str, object],
    evaluate: Callable[[str, pd.DataFrame, str], FloatArray],
) -> SplitPlan | None:
    """The :class:`SplitPlan` of formulaic's model spec ``spec`` (a right-hand side), or None
    when some term is not a product of numeric factors or one treatment-coded factor times
    numeric factors, or the spec has a stateful transform.

    ``sample`` must hold a row with each level of each factor (the level-complete sample of
    the scan, with the frozen levels as categories): the plan's design of the sample must
    equal formulaic's matrix of it exactly, or there is no plan."""
    if spec.transform_state:
        return None
    mm = spec.get_model_matrix(sample, context=context, na_action="ignore")
    sample_x = np.asarray(mm.to_numpy(dtype=np.float64), dtype=np.float64)
    categorical = _categorical(spec)
    idx = np.arange(len(sample), dtype=np.intp)
    dense: list[tuple[int, tuple[str, ...]]] = []
    blocks = []
    cache: dict[str, FloatArray] = {}

    def numeric(factor: str) -> FloatArray:
        if factor not in cache:
            cache[factor] = evaluate(factor, sample, f"term {factor}")
        return cache[factor]

    for term, term_cols in spec.term_indices.items():
        cols = [int(c) for c in term_cols]
        factors = [str(f) for f in term.factors]
        cats = [f for f in factors if f in categorical]
        nums = [f for f in factors if f not in categorical]
        if str(term) == "1":
            dense.append((cols[0], ()))
        elif not cats and len(cols) == 1:
            dense.append((cols[0], tuple(nums)))
        elif len(cats) == 1:
            var = categorical_variable(cats[0], sample.columns)
            if var is None:
                return None
            block = _categorical_block(spec, cats[0], var, nums, cols, sample, idx, sample_x, numeric)
            if block is None:
                return None
            levels = tuple({str(f): c for f, c in spec.factor_contrasts.items()}[cats[0]].levels)
            blocks.append((var, levels, tuple(nums), block.columns))
        else:
            return None
    dense.sort(key=lambda d: bool(d[1]))  # the intercept first
    intercept = bool(dense) and not dense[0][1]
    plan = SplitPlan(
        p=len(spec.column_names),
        dense_columns=np.array([c for c, _ in dense], dtype=np.intp),
        intercept=intercept,
        products=tuple(f for _, f in dense[int(intercept) :]),
        blocks=tuple(blocks),
    )
    if not np.array_equal(plan.design(sample, evaluate).rows(idx), sample_x, equal_nan=True):
        return None
    return plan
