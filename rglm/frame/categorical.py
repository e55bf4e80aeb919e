"""A categorical response: its levels in order, and each row's level as a code.

R's ordinal and multinomial models take a factor response.  In pandas the same information
is a column of labels, optionally a Categorical:

* a Categorical keeps its categories in their order (an *ordered* Categorical is R's
  ``ordered()``; an unordered one is R's ``factor()`` with the levels given), and every
  category must occur in the rows used;
* any other column (text, integers, floats, booleans) takes its distinct values sorted, as
  R's ``factor()`` does; values that cannot be compared with each other (say text mixed
  with numbers) cannot be ordered and are refused.

:func:`categorical_response` reads the column once; :func:`with_codes` swaps it for the
codes (in a shallow copy: the caller's frame is never changed), so that the rest of the model
frame (subset, missing values, the model matrix) is built as for any numeric response; and
:func:`used_levels` checks the levels of the rows that remain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import DataError, FormulaError
from rglm.frame.columns import is_bare_name, plain_value

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = [
    "CategoricalResponse",
    "categorical_response",
    "level_label",
    "response_column",
    "used_levels",
    "with_codes",
]

#: Calls a formula's left-hand side may wrap a column in, all meaning "this column as a factor".
_FACTOR_CALL = re.compile(r"^\s*(?:factor|ordered|as\.factor|as\.ordered|C)\(\s*(`?[^()`,]+`?)\s*\)\s*$")


@dataclass(frozen=True)
class CategoricalResponse:
    """A factor response.

    Attributes
    ----------
    name : str
        The data column.
    levels : tuple
        The levels in order (values as they appear in the data).
    categorical : bool
        Whether the levels are a Categorical's categories (then each must occur).
    """

    name: str
    levels: tuple[Any, ...]
    categorical: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        """The levels as R prints them (``2`` for 2.0, ``TRUE`` for True)."""
        return tuple(level_label(v) for v in self.levels)


def level_label(v: Any) -> str:
    """A level as R's ``factor`` writes it: ``2`` for 2.0, ``TRUE`` for True."""
    v = plain_value(v)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def response_column(formula: str) -> tuple[str, str]:
    """The response column of ``formula`` and the formula with that column bare on the left.

    The left-hand side is a column name, or one wrapped in ``factor()``, ``ordered()`` or
    ``C()`` (R users write ``factor(y) ~ x``).
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {formula!r}")
    lhs, rhs = formula.split("~", 1)
    lhs = lhs.strip()
    m = _FACTOR_CALL.match(lhs)
    name = m.group(1).strip() if m else lhs
    if not name:
        raise FormulaError(f"formula {formula!r} has no response on the left of '~'")
    if not is_bare_name(name):
        raise FormulaError(
            f"the response {lhs!r} must be a column of the data (optionally in factor()); "
            "compute it as a column first"
        )
    return name.strip("`"), f"{name} ~ {rhs.strip()}"


def categorical_response(data: pd.DataFrame, name: str) -> CategoricalResponse:
    """The levels of column ``name`` of ``data``: a Categorical's categories in order, else
    its distinct non-missing values sorted."""
    if name not in data.columns:
        raise DataError(
            f"the response column '{name}' is not in the data "
            f"(columns: {', '.join(map(str, data.columns[:12]))})"
        )
    col = data[name]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return CategoricalResponse(name, tuple(plain_value(c) for c in col.cat.categories), True)
    values = [plain_value(v) for v in pd.unique(col.dropna())]
    try:
        levels = sorted(values)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in values})
        raise DataError(
            f"the response column '{name}' mixes values of types {', '.join(kinds)}, which cannot be put "
            "in order; make it a pandas Categorical with the categories in the order wanted"
        ) from None
    return CategoricalResponse(name, tuple(levels), False)


def with_codes(data: pd.DataFrame, response: CategoricalResponse) -> pd.DataFrame:
    """A shallow copy of ``data`` whose response column holds each row's level position
    (0, 1, ...) as a float, NaN where the response is missing."""
    col = data[response.name]
    if isinstance(col.dtype, pd.CategoricalDtype) and response.categorical:
        codes = col.cat.codes.to_numpy().astype(np.float64)  # the levels are its categories
    else:
        values = col.astype(object) if pd.api.types.is_bool_dtype(col.dtype) else col
        codes = pd.Categorical(values, categories=list(response.levels)).codes.astype(np.float64)
    codes[codes < 0] = np.nan  # missing (a value not among the levels cannot occur: they are all of them)
    out: pd.DataFrame = data.copy(deep=False)
    out[response.name] = codes
    return out


def used_levels(
    response: CategoricalResponse, codes: FloatArray, *, min_levels: int, model: str
) -> tuple[CategoricalResponse, IntArray]:
    """The levels that occur in the rows used and the codes renumbered to them.

    A Categorical's category that does not occur is an error (its threshold or coefficients
    would not be estimable); for other columns the levels are the values that occur.  Fewer
    than ``min_levels`` levels is an error naming the levels found.
    """
    y = codes.astype(np.intp)
    counts = np.bincount(y, minlength=len(response.levels))
    present = counts > 0
    if response.categorical and not present.all():
        empty = [level_label(v) for v, p in zip(response.levels, present, strict=True) if not p]
        noun = "level" if len(empty) == 1 else "levels"
        raise DataError(
            f"the response '{response.name}' has no observations of {noun} "
            f"{', '.join(repr(e) for e in empty)} in the {y.size} rows used; remove the unused categories "
            "(Series.cat.remove_unused_categories())"
        )
    levels = tuple(v for v, p in zip(response.levels, present, strict=True) if p)
    if len(levels) < min_levels:
        shown = ", ".join(repr(level_label(v)) for v in levels) or "none"
        raise DataError(
            f"{model} needs a response with at least {min_levels} levels; '{response.name}' has "
            f"{len(levels)} in the {y.size} rows used ({shown})"
        )
    new = np.cumsum(present) - 1
    out = CategoricalResponse(response.name, levels, response.categorical)
    return out, np.asarray(new[y], dtype=np.intp)
