"""Plain variables of a model, evaluated by rglm itself rather than by formulaic.

formulaic's evaluation of a variable costs the same fixed Python overhead (expression parsing,
layered name look-ups, evaluation, encoding into a data frame) whatever its size; for a small
model that overhead is most of the model matrix's cost.  A variable is *plain* when it is a data
column or ``factor``/``C``/``as.factor`` of one: its values are those of the code formulaic
would evaluate (``_rvar(x)`` or ``_rvar(factor(x))``, the same functions of
:mod:`rglm.frame.formula`), and here they are encoded as formulaic encodes them:

* values of a numeric NumPy dtype are one column of float64 (formulaic's numerical factor,
  multiplied by 1, which changes no bit);
* a Categorical, or text (``object``/``str`` dtype, formulaic's test for a categorical), is
  coded by its levels: the Categorical's categories, else the sorted distinct values (pandas'
  ``factorize(sort=True)``, as ``Series.astype("category")``); its indicator matrix :math:`F`
  has :math:`F_{ik} = 1` when row :math:`i` holds level :math:`k` and 0 otherwise (a missing or
  unknown value gives a row of zeros, as ``pandas.get_dummies``).

On new data a factor is coded by the levels found in fitting, as formulaic's stateful encoder
does (``pandas.Categorical(values, categories=levels)``).  Every other variable (transforms,
``poly``, ``C(x, levels = ...)``, ``relevel``, ``ordered``, expressions) stays with formulaic.
"""

from __future__ import annotations

import keyword
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic.errors import DataMismatchWarning, FactorEncodingError, FactorEvaluationError

from rglm.frame.formula import _rvar, factor
from rglm.frame.rsyntax import Node, to_python

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["ENABLED", "Codes", "Direct", "learn", "replay", "usable"]

#: Whether plain variables are evaluated here (False: every variable goes through formulaic,
#: the path the tests compare this one with).
ENABLED = True

# Names the variables' code calls: a data column of that name would hide the function from
# formulaic (it looks names up in the data first), so then formulaic evaluates everything.
_CALLED = frozenset({"_rvar", "factor", "as_factor", "Q"})


class Codes:
    """A factor's values as level codes (``-1``: none of the levels), standing for its
    indicator matrix without building it until needed."""

    __slots__ = ("codes", "k")

    def __init__(self, codes: npt.NDArray[np.integer[Any]], k: int) -> None:
        self.codes = codes
        self.k = k

    def select(self, levels: IntArray) -> FloatArray:
        """Columns ``levels`` of the indicator matrix: 1.0 where the row holds the level, else
        0.0 (the product of the indicators and a 0/1 selection matrix, exactly)."""
        out: FloatArray = (self.codes[:, None] == levels[None, :]).astype(np.float64)
        return out

    def indicators(self) -> FloatArray:
        """The whole indicator matrix."""
        return self.select(np.arange(self.k, dtype=np.intp))


Block = FloatArray | Codes

#: From this many rows on, Arrow-backed text is factorized by Arrow (faster than the Python
#: strings' hash table for large data, slower for small).
_ARROW_FROM = 3000


@dataclass(frozen=True)
class Direct:
    """How a plain variable is evaluated on any data.

    Attributes
    ----------
    column : str
        The data column.
    code : str
        formulaic's code of the variable (``_rvar(x)``, ``_rvar(factor(x))``), named in errors.
    call : bool
        Whether the variable is ``factor(column)`` rather than the column itself.
    levels : tuple or None
        The factor's levels found in fitting; None for a numeric variable.
    """

    column: str
    code: str
    call: bool
    levels: tuple[Any, ...] | None


def usable(context: Mapping[str, Any], columns: frozenset[str]) -> bool:
    """Whether plain variables can be evaluated here: rglm's formula functions in ``context``
    and no data column named like one of them."""
    return (
        ENABLED
        and context.get("_rvar") is _rvar
        and context.get("factor") is factor
        and context.get("as_factor") is factor
        and not (_CALLED & columns)
    )


def _is_categorical(values: Any) -> bool:
    """formulaic's test (its pandas materializer) for values coded as a factor."""
    if isinstance(values, (pd.Series, pd.Categorical)):
        return bool(values.dtype in ("object", "str") or isinstance(values.dtype, pd.CategoricalDtype))
    return False


def _evaluated(column: str, call: bool, data: pd.DataFrame) -> Any:
    values = data[column]
    return factor(values) if call else _rvar(values)


def _categories(values: pd.Series) -> tuple[list[Any], npt.NDArray[np.integer[Any]]]:
    """The levels and codes formulaic's first encoding finds (``astype("category")``)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.categories.tolist(), values.cat.codes.to_numpy()
    text = values.dtype == "str"
    if text or pd.api.types.infer_dtype(values, skipna=True) == "string":
        # What Categorical's constructor does for sortable values (factorize, sorted).  Small
        # text columns are factorized as Python strings (they sort by code point as Arrow's
        # strings do, by UTF-8 bytes): pandas' hash table is then faster than Arrow's encoding.
        strings = values.to_numpy(dtype=object) if text and len(values) < _ARROW_FROM else values
        codes, uniques = pd.factorize(strings, sort=True)
        return uniques.tolist(), codes
    cat = values.astype("category")
    return list(cat.cat.categories), cat.cat.codes.to_numpy()


def learn(
    code: str, column: str | None, data: pd.DataFrame, columns: frozenset[str]
) -> tuple[Direct, Block] | None:
    """The :class:`Direct` of the variable whose formulaic code is ``code``, and its values
    in ``data``; None when it is not plain (formulaic evaluates it)."""
    if column is None:
        return None
    name = (
        column
        if column.isidentifier() and not keyword.iskeyword(column)
        else to_python(Node("name", column), columns)
    )
    if code == f"_rvar({name})":
        call = False
    elif code in (f"_rvar(factor({name}))", f"_rvar(as_factor({name}))"):
        call = True
    else:
        return None
    if not call:
        values = data[column]
        dtype = values.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            # _rvar leaves numbers as they are, and formulaic reads them as numbers
            return Direct(column, code, call, None), values.to_numpy(dtype=np.float64).reshape(-1, 1)
    try:
        values = _evaluated(column, call, data)
    except Exception:  # noqa: BLE001 - formulaic evaluates it again and reports the error
        return None
    if _is_categorical(values):
        try:
            levels, codes = _categories(values)
        except (TypeError, ValueError):
            return None
        return Direct(column, code, call, tuple(levels)), Codes(codes, len(levels))
    dtype = values.dtype
    if isinstance(values, pd.Series) and isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        return Direct(column, code, call, None), values.to_numpy(dtype=np.float64).reshape(-1, 1)
    return None


def _numbers_expected(code: str, values: Any, n: int) -> FloatArray:
    """What formulaic makes of factor values where the model has a numeric variable: one
    column per category, refused as the term's wrong columns (none: a column of zeros)."""
    cats = values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else _categories(values)[0]
    generated = [f"{code}[{c}]" for c in cats]
    if not generated:
        return np.zeros((n, 1))
    what = "too many columns" if len(generated) > 1 else "columns that are inconsistent with specification"
    raise FactorEncodingError(
        f"Term `{code}` has generated {what}{' compared to specification' if len(generated) > 1 else ''}: "
        f"generated {generated}, expecting {[code]}."
    )


def _same(a: list[Any], b: list[Any]) -> bool:
    """Whether two level lists hold the same values of the same types, in the same order."""
    return len(a) == len(b) and all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))


def replay(direct: Direct, data: pd.DataFrame) -> Block:
    """The values of the plain variable ``direct`` in new ``data``, coded as in fitting
    (formulaic's errors and warning where formulaic gives them)."""
    if direct.levels is None and not direct.call:
        values = data[direct.column]
        dtype = values.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            out: FloatArray = values.to_numpy(dtype=np.float64).reshape(-1, 1)
            return out
    try:
        values = _evaluated(direct.column, direct.call, data)
    except Exception as exc:
        raise FactorEvaluationError(
            f"Unable to evaluate factor `{direct.code}`. [{type(exc).__name__}: {exc}]"
        ) from exc
    if direct.levels is None:
        if _is_categorical(values):
            return _numbers_expected(direct.code, values, len(data))
        return np.asarray(values, dtype=np.float64).reshape(-1, 1)
    # numbers where the model has a factor are coded by value, as text is
    levels = list(direct.levels)
    if isinstance(values.dtype, pd.CategoricalDtype) and _same(list(values.cat.categories), levels):
        codes = values.cat.codes.to_numpy()
    else:
        codes = pd.Categorical(values, categories=levels).codes
        unknown = (codes < 0) & pd.notna(np.asarray(values, dtype=object)) if (codes < 0).any() else None
        if unknown is not None and unknown.any():
            extra = set(pd.unique(np.asarray(values, dtype=object)[unknown]))
            warnings.warn(
                "Data has categories outside of the nominated levels (or that were "
                f"not seen in original dataset): {extra}. They are being "
                " cast to nan, which will likely skew the results of your analyses.",
                DataMismatchWarning,
                stacklevel=2,
            )
    return Codes(codes, len(levels))
