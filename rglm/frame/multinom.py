"""The model frame of a multinomial response, in memory and chunk by chunk.

A multinomial response is either a factor-like column (text, bool, integer codes or a
pandas Categorical) or ``cbind(n_a, n_b, ...)``: counts per category, as ``nnet::multinom``
takes a matrix.  Everything else about the frame (subset, missing values, factor levels of
the predictors, the model matrix and its recipe) is :func:`rglm.frame.model_frame.build_frame`'s
(or, for chunked data, :mod:`rglm.frame.chunked`'s), run on a formula whose response is a
stand-in column holding each row's position; the positions of the rows used then pick the
categories or counts of those rows.  A row with a missing response has a missing stand-in, so
it is dropped (or refused) exactly as a row with a missing predictor.

Levels are those of R's ``factor()``: a Categorical's categories in their order, else the
sorted values present in the rows used; the first is the baseline.  ``cbind`` columns are the
categories in the order written, named by their expressions.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import DataError, FormulaError
from rglm.frame.categorical import level_label
from rglm.frame.chunked import ChunkModel, ChunkRows, Layout, materialize
from rglm.frame.columns import evaluate, is_bare_name, plain_value, to_frame
from rglm.frame.formula import call_argument, split_top_level
from rglm.frame.model_frame import ModelFrame, build_frame

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "ROW",
    "MultinomResponse",
    "check_levels",
    "chunk_levels",
    "chunk_response",
    "level_label",
    "multinom_frame",
    "response_parts",
    "source_columns",
    "with_row_column",
]

#: The stand-in response column: each row's position in its data frame or chunk.
ROW = "_rglm_row_"


@dataclass(frozen=True)
class MultinomResponse:
    """The response of a multinomial model.

    Attributes
    ----------
    label : str
        As written on the left of ``~`` (R's ``Response:`` line).
    exprs : tuple of str
        The column (one) or the ``cbind`` expressions (two or more).
    levels : tuple
        The categories, baseline first: level values, or the ``cbind`` expressions.
    categorical : bool
        Whether the levels come from a Categorical's categories (all must occur).
    ref : str, optional
        ``relevel(column, ref = "level")``: that level (as R writes it) goes first.
    """

    label: str
    exprs: tuple[str, ...]
    levels: tuple[Any, ...] = ()
    categorical: bool = False
    ref: str | None = None

    @property
    def is_counts(self) -> bool:
        return len(self.exprs) > 1

    @property
    def labels(self) -> tuple[str, ...]:
        """The levels as text (integral floats as integers, as R prints them)."""
        return tuple(level_label(v) for v in self.levels)


def response_parts(formula: str) -> tuple[MultinomResponse, str]:
    """The response of ``formula`` and the formula with the stand-in response :data:`ROW`."""
    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {formula!r}")
    lhs, rhs = formula.split("~", 1)
    lhs = lhs.strip()
    inner = call_argument(lhs, "cbind")
    if inner is not None:
        exprs = tuple(a.strip() for _, a in split_top_level(inner, ","))
        if len(exprs) < 2 or not all(exprs):
            raise FormulaError(f"cbind() in a multinom response needs two or more count columns, got {lhs!r}")
        return MultinomResponse(lhs, exprs, exprs), f"{ROW} ~ {rhs.strip()}"
    if not lhs:
        raise FormulaError(f"formula {formula!r} has no response on the left of '~'")
    inner = call_argument(lhs, "relevel")
    if inner is not None:
        return _relevel(lhs, inner), f"{ROW} ~ {rhs.strip()}"
    for call in ("factor", "as.factor", "C"):  # the column read as a factor, which it is here anyway
        inner = call_argument(lhs, call)
        if inner is not None and is_bare_name(inner.strip()):
            return MultinomResponse(lhs, (inner.strip().strip("`"),)), f"{ROW} ~ {rhs.strip()}"
    if not is_bare_name(lhs):
        raise FormulaError(
            f"the response {lhs!r} must be a column (or cbind() of count columns); compute it as a "
            "column first"
        )
    return MultinomResponse(lhs, (lhs.strip("`"),)), f"{ROW} ~ {rhs.strip()}"


def _relevel(lhs: str, inner: str) -> MultinomResponse:
    """``relevel(column, ref = "level")`` (or ``relevel(column, "level")``): R's relevel."""
    args = [a.strip() for _, a in split_top_level(inner, ",")]
    ref = args[1].split("=", 1)[1].strip() if len(args) == 2 and re.match(r"^ref\s*=", args[1]) else None
    if ref is None and len(args) == 2:
        ref = args[1]
    if len(args) != 2 or not is_bare_name(args[0]) or not ref:
        raise FormulaError(f"write the response as relevel(column, ref = 'level'), got {lhs!r}")
    if len(ref) >= 2 and ref[0] == ref[-1] and ref[0] in "'\"":
        ref = ref[1:-1]
    # The label as R deparses the call (R's Response: line), whichever quotes were written.
    label = f'relevel({args[0]}, ref = "{ref}")'
    return MultinomResponse(label, (args[0].strip("`"),), ref=ref)


def _with_ref_first(response: MultinomResponse, levels: tuple[Any, ...]) -> tuple[Any, ...]:
    """R's ``relevel``: the reference level first, the others in their order."""
    if response.ref is None:
        return levels
    labels = [level_label(v) for v in levels]
    if response.ref not in labels:
        raise DataError(
            f"relevel: ref = {response.ref!r} is not a level of '{response.exprs[0]}' "
            f"(levels: {', '.join(labels)})"
        )
    i = labels.index(response.ref)
    return (levels[i], *levels[:i], *levels[i + 1 :])


def _levels_of(col: pd.Series) -> tuple[tuple[Any, ...], bool]:
    """R's ``levels(factor(col))``: a Categorical's categories, else the sorted values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return tuple(plain_value(c) for c in col.cat.categories), True
    values = pd.unique(col.dropna())
    try:
        ordered = sorted(values)
    except TypeError:
        ordered = sorted(values, key=str)
    return tuple(plain_value(v) for v in ordered), False


def _codes(col: pd.Series, levels: tuple[Any, ...]) -> FloatArray:
    """Each value's position in ``levels`` (NaN where missing or not a level)."""
    values = col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col
    if pd.api.types.is_bool_dtype(values.dtype) or all(isinstance(v, bool) for v in levels):
        values = values.astype(object)
    codes = pd.Categorical(values, categories=list(levels)).codes.astype(np.float64)
    codes[codes < 0] = np.nan
    return codes


def with_row_column(data: pd.DataFrame, response: MultinomResponse) -> pd.DataFrame:
    """``data`` (not copied) plus the stand-in :data:`ROW`: the row positions, NaN where the
    response is missing (a missing count or category)."""
    pos = np.arange(len(data), dtype=np.float64)
    if response.is_counts:
        with np.errstate(all="ignore"):
            for e in response.exprs:
                pos[np.isnan(evaluate(e, data, f"cbind() column {e!r}"))] = np.nan
    else:
        name = response.exprs[0]
        if name not in data.columns:
            raise DataError(f"the response column '{name}' is not in the data")
        pos[data[name].isna().to_numpy()] = np.nan
    out: pd.DataFrame = data.assign(**{ROW: pos})
    return out


def _counts(data: pd.DataFrame, response: MultinomResponse, rows: npt.NDArray[np.intp]) -> FloatArray:
    """The ``cbind`` counts of ``rows``, checked as nnet checks them."""
    part = data.iloc[rows]
    Y = np.column_stack([evaluate(e, part, f"cbind() column {e!r}") for e in response.exprs])
    if not np.all(np.isfinite(Y)) or np.any(Y < 0):
        bad = int(np.flatnonzero(~(np.isfinite(Y) & (Y >= 0)).all(axis=1))[0])
        raise DataError(
            f"the cbind() counts must be finite and non-negative; row {part.index[bad]!r} has "
            f"{', '.join(f'{e} = {v:g}' for e, v in zip(response.exprs, Y[bad], strict=True))}"
        )
    empty = Y.sum(axis=1) == 0
    if empty.any():
        raise DataError(
            f"{int(empty.sum())} row(s) have no observations (all cbind() counts 0), e.g. row "
            f"{part.index[int(np.flatnonzero(empty)[0])]!r}; drop them (nnet: 'some case has no "
            "observations')"
        )
    return Y


def check_levels(response: MultinomResponse, present: FloatArray) -> None:
    """Refuse a response with fewer than two categories or with a category never observed
    (``present``: the total count or weight of each category in the rows used)."""
    empty = [response.labels[k] for k in range(len(response.levels)) if not present[k] > 0]
    seen = len(response.levels) - len(empty)
    if seen < 2:
        only = [lab for k, lab in enumerate(response.labels) if present[k] > 0]
        has = f"only the level {only[0]!r}" if only else "no levels"
        raise DataError(
            f"the response {response.label!r} has {has} in the rows used; a multinomial model needs "
            "two or more categories"
        )
    if empty:
        hint = (
            "drop the unused categories (Series.cat.remove_unused_categories())"
            if response.categorical
            else "drop that column from cbind()"
        )
        raise DataError(
            f"the response {response.label!r} has no observations of level(s) "
            f"{', '.join(repr(e) for e in empty)} in the rows used; {hint}"
        )


def multinom_frame(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
) -> tuple[ModelFrame, MultinomResponse, FloatArray]:
    """The model frame of a multinomial model, its response, and the response of the rows used:
    category codes 0..K-1 (n,) or counts (n, K)."""
    frame = to_frame(data)
    response, coded_formula = response_parts(formula)
    if not response.is_counts and response.exprs[0] not in frame.columns:
        raise DataError(
            f"the response column '{response.exprs[0]}' is not in the data "
            f"(columns: {', '.join(map(str, frame.columns[:12]))})"
        )
    if ROW in frame.columns:
        raise DataError(f"data has a column named {ROW!r}, which rglm reserves; rename it")
    mf = build_frame(
        coded_formula, with_row_column(frame, response), weights=weights, subset=subset, na_action=na_action
    )
    rows = mf.y.astype(np.intp)
    y: FloatArray
    if response.is_counts:
        y = _counts(frame, response, rows)
        present = (y * mf.weights[:, None]).sum(axis=0)
    else:
        col = frame[response.exprs[0]]
        levels, categorical = _levels_of(col.iloc[rows])
        if categorical:
            levels, _ = _levels_of(col)
        levels = _with_ref_first(response, levels)
        response = dataclasses.replace(response, levels=levels, categorical=categorical)
        y = _codes(col.iloc[rows], levels)
        present = np.bincount(y.astype(np.intp), minlength=len(levels)).astype(np.float64)
    check_levels(response, present)
    return mf, response, y


# -- chunks ---------------------------------------------------------------------------------------------
def source_columns(lay: Layout, response: MultinomResponse, columns: Any) -> list[str]:
    """The columns to read from the source: the layout's, without the stand-in (made per
    chunk by :func:`with_row_column`), with the response's own."""
    extra = {response.exprs[0]} if not response.is_counts else set()
    if response.is_counts:
        for e in response.exprs:
            extra |= {n for n in re.findall(r"[A-Za-z_.][\w.]*", e) if n in set(columns)}
    return sorted((set(lay.columns) - {ROW}) | extra)


def chunk_response(
    chunk: pd.DataFrame, model: ChunkModel, response: MultinomResponse
) -> tuple[ChunkRows, FloatArray, tuple[Any, ...]]:
    """The model rows of one raw chunk, their response (codes on ``response.levels``, or
    counts), and the response values seen (to find the levels in a first pass)."""
    coded = with_row_column(chunk, response)
    rows, _ = materialize(coded, model)
    pos = rows.y.astype(np.intp)
    if response.is_counts:
        return rows, _counts(chunk, response, pos), ()
    col = chunk[response.exprs[0]].iloc[pos]
    if not response.levels:
        return rows, np.zeros(0), tuple(plain_value(v) for v in pd.unique(col))
    codes = _codes(col, response.levels)
    if np.isnan(codes).any():
        raise DataError(
            f"the response column '{response.exprs[0]}' has a level the scan did not see: the data "
            "changed between passes"
        )
    return rows, codes, ()


def chunk_levels(
    response: MultinomResponse, values: set[Any], categories: Any
) -> tuple[tuple[Any, ...], bool]:
    """The levels from the values seen in all chunks: a Categorical's categories, else sorted
    (with ``relevel``'s reference first)."""
    if categories is not None:
        return _with_ref_first(response, tuple(plain_value(c) for c in categories)), True
    levels, categorical = _levels_of(pd.Series(list(values), dtype=object).infer_objects())
    return _with_ref_first(response, levels), categorical
