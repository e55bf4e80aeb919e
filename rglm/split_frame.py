"""Build a :class:`rglm.design.SplitDesign` straight from the data, for large problems.

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

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import model_matrix

from .design import CategoricalBlock, SplitDesign

FloatArray = npt.NDArray[np.float64]

__all__ = ["split_design"]

_FACTOR_VAR = re.compile(r"^(?:C|factor)\(\s*`?([^`,()]+?)`?\s*(?:\)|,)")
_HEAD = 256


def _variable(factor: str, data: pd.DataFrame) -> str | None:
    name = factor.strip("`")
    if name in data.columns:
        return name
    m = _FACTOR_VAR.match(factor)
    return m.group(1).strip() if m and m.group(1).strip() in data.columns else None


def _kind(spec: Any, factor: str) -> str:
    kind, _ = spec.encoder_state.get(factor, ("numerical", {}))
    return str(getattr(kind, "value", kind))


def _sample_rows(data: pd.DataFrame, variables: list[str]) -> npt.NDArray[np.intp]:
    """The first rows, plus the first row holding each level of each factor variable."""
    rows = [np.arange(min(_HEAD, len(data)))]
    for v in variables:
        # factorize numbers levels in order of appearance, so a level's first row is where
        # the running maximum of the codes steps up.
        codes, _ = pd.factorize(data[v], sort=False)
        running = np.maximum.accumulate(codes)
        rows.append(np.flatnonzero(np.diff(running, prepend=-1) > 0))
    return np.unique(np.concatenate(rows))


def split_design(
    rhs: str,
    data: pd.DataFrame,
    context: dict[str, object],
    evaluate: Callable[[str, pd.DataFrame, str], FloatArray],
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
    """
    head = data.iloc[: min(_HEAD, len(data))]
    probe = model_matrix(rhs, head, context=context, na_action="ignore")
    spec = probe.model_spec
    cat_vars = {}
    for factor in spec.encoder_state:
        if _kind(spec, factor) == "categorical":
            var = _variable(factor, data)
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

    for s in spec.structure:
        cols = [names.index(c) for c in s.columns]
        factors = [str(f) for f in s.term.factors]
        cats = [f for f in factors if _kind(spec, f) == "categorical"]
        nums = [f for f in factors if _kind(spec, f) == "numerical"]
        if str(s.term) == "1":
            dense_cols.append(cols[0])
            dense_factors.append([])
        elif not cats and len(cols) == 1 and len(nums) == len(factors):
            dense_cols.append(cols[0])
            dense_factors.append(nums)
        elif len(cats) == 1 and len(nums) + 1 == len(factors):
            block = _categorical_block(spec, cats[0], cat_vars[cats[0]], nums, cols, data, sample_idx, sample_x,
                                       numeric)
            if block is None:
                return None
            blocks.append(block)
        else:
            return None
    # Column-major: filling it is one contiguous copy per column (a row-major fill strides
    # through memory and costs ten times more), and a row block is still one contiguous
    # run per column.
    # Each column is written in place: temporaries of n values would each cost a fresh
    # allocation and its page faults, more than the arithmetic.
    dense = np.empty((n, len(dense_factors)), order="F")
    for j, factors_j in enumerate(dense_factors):
        if not factors_j:
            dense[:, j] = 1.0
            continue
        dense[:, j] = numeric(factors_j[0])
        for f in factors_j[1:]:
            np.multiply(dense[:, j], numeric(f), out=dense[:, j])
    design = SplitDesign(n=n, p=len(names), dense=dense, dense_columns=np.array(dense_cols, dtype=np.intp),
                         blocks=tuple(blocks))
    # The promise is formulaic's matrix; check it on the sample rows before relying on it.
    if not np.array_equal(design.rows(sample_idx), sample_x, equal_nan=True):
        return None
    return design, spec


def _categorical_block(spec: Any, factor: str, var: str, nums: list[str], cols: list[int], data: pd.DataFrame,
                       sample_idx: npt.NDArray[np.intp], sample_x: FloatArray,
                       numeric: Callable[[str], FloatArray]) -> CategoricalBlock | None:
    """Codes of ``factor`` over its fitted levels, and which column each level's indicator is."""
    state = spec.encoder_state[factor][1]
    contrasts = state.get("contrasts")
    if contrasts is not None and type(getattr(contrasts, "contrasts", None)).__name__ != "TreatmentContrasts":
        return None
    levels = list(state.get("categories", []))
    codes = pd.Categorical(data[var], categories=levels).codes.astype(np.intp)
    if np.any(codes < 0):
        return None
    values = None
    if nums:
        values = np.ones(len(data))
        for f in nums:
            values = values * numeric(f)
    sample_codes = codes[sample_idx]
    sample_vals = np.ones(sample_idx.size) if values is None else values[sample_idx]
    column_of = np.full(len(levels), -1, dtype=np.intp)
    block = sample_x[:, cols]
    for level in range(len(levels)):
        rows = np.flatnonzero((sample_codes == level) & (sample_vals != 0))
        if rows.size == 0:
            return None
        hits = np.flatnonzero(block[rows[0]] != 0)
        if hits.size > 1:
            return None
        if hits.size == 1:
            column_of[level] = cols[hits[0]]
    return CategoricalBlock(codes=codes, columns=column_of, values=values)
