"""Model frames of formulas with several right-hand sides: ``y ~ x1 + x2 | z1``.

R's ``Formula`` package gives ``betareg`` and ``DirichReg`` a mean model and, after ``|``, a
precision model.  Here formulaic's multi-part formulas do the parsing
(``formulaic.Formula("y ~ a | b").rhs`` is a tuple of parts).  As in R, the rows used are
those with no missing value in any variable of any part (``model.frame`` of the whole
formula), and each part is then a model frame of its own on those rows, built by
:func:`~rglm.frame.model_frame.build_frame`: its design matrix, its ``offset()`` terms and
the recipe to rebuild both for new data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula
from formulaic.errors import FormulaicError

from rglm.exceptions import FormulaError
from rglm.frame.columns import evaluate, to_frame
from rglm.frame.formula import call_argument, split_top_level
from rglm.frame.model_frame import ModelFrame, build_frame

FloatArray = npt.NDArray[np.float64]

__all__ = ["PartsFrame", "build_parts_frame", "split_parts"]


def _part_text(part: Any) -> str:
    """One right-hand side as formula text: formulaic's terms, with R's intercept rule made
    explicit (formulaic lists the intercept as the term ``1`` when the part has one)."""
    terms = [str(t) for t in part]
    others = [t for t in terms if t != "1"]
    if "1" in terms:
        return " + ".join(["1", *others])
    return " + ".join(others) + " - 1" if others else "0"


def split_parts(formula: str) -> tuple[str, list[str]]:
    """The response and the right-hand sides of ``formula``, split at ``|`` by formulaic.

    Examples
    --------
    >>> split_parts("y ~ x1 + x2 | z")
    ('y', ['1 + x1 + x2', '1 + z'])
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2 | z', got {formula!r}")
    try:
        parsed = Formula(formula)
        lhs, rhs = parsed.lhs, parsed.rhs
    except (FormulaicError, AttributeError, SyntaxError, ValueError) as exc:
        raise FormulaError(f"cannot read formula {formula!r}: {str(exc).splitlines()[0]}") from exc
    parts = list(rhs) if isinstance(rhs, tuple) else [rhs]
    response = " + ".join(str(t) for t in lhs)
    if not response:
        raise FormulaError(f"formula {formula!r} has no response on the left of '~'")
    return response, [_part_text(p) for p in parts]


def _responses(lhs: str, several: bool) -> tuple[str, ...]:
    if not several:
        return (lhs,)
    inner = call_argument(lhs, "cbind")
    args = [a.strip() for _, a in split_top_level(inner, ",")] if inner is not None else []
    if len(args) < 2 or not all(args):
        raise FormulaError(
            f"the response must be cbind() of two or more columns, e.g. cbind(a, b, c); got {lhs!r}"
        )
    return tuple(args)


@dataclass(frozen=True)
class PartsFrame:
    """The frame of a multi-part formula.

    Attributes
    ----------
    rows : ModelFrame
        The frame of all variables together: which rows are used (``index``,
        ``data_positions``, ``pad`` for ``na_action="exclude"``), the weights and the
        dropped rows.
    parts : tuple of ModelFrame
        One frame per right-hand side (a missing precision part is ``~ 1``): its design
        matrix ``X``, its ``offset`` (the ``offset=`` argument belongs to the first part)
        and ``spec`` to rebuild both for new data.
    responses : tuple of str
        The response expressions (several for ``cbind(a, b, c)``).
    y : ndarray, shape (n,) or (n, K)
    n_given_parts : int
        How many right-hand sides the formula had (1 without ``|``).
    """

    rows: ModelFrame
    parts: tuple[ModelFrame, ...]
    responses: tuple[str, ...]
    y: FloatArray
    n_given_parts: int

    @property
    def weights(self) -> FloatArray:
        return self.rows.weights

    @property
    def index(self) -> pd.Index:
        return self.rows.index

    def design(self, j: int) -> FloatArray:
        """The dense model matrix of part ``j``."""
        return np.asarray(self.parts[j].design.rows(), dtype=np.float64)

    def new_design(self, j: int, newdata: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
        """Part ``j``'s model matrix and offset for ``newdata`` (NaN rows for missing values)."""
        spec = self.parts[j].spec
        return spec.design(newdata), spec.offset(newdata)


def build_parts_frame(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    offset: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    max_parts: int = 2,
    several_responses: bool = False,
) -> PartsFrame:
    """Evaluate a formula with up to ``max_parts`` right-hand sides separated by ``|``.

    ``offset`` (a column name or one value per row) is added to the first part's offset;
    ``offset()`` terms belong to the part they are written in.  With ``several_responses``
    the response is ``cbind(a, b, ...)`` and ``y`` has one column per name.
    """
    lhs, parts = split_parts(formula)
    if len(parts) > max_parts:
        raise FormulaError(
            f"formula {formula!r} has {len(parts)} parts after '~'; at most {max_parts} are allowed"
        )
    responses = _responses(lhs, several_responses)
    frame = to_frame(data)
    # The rows used: no missing value in any variable of any part (R's model.frame of the whole
    # formula); the other responses are listed as terms only to take part in that.
    everything = " + ".join([*parts, *responses[1:]])
    rows = build_frame(
        f"{responses[0]} ~ {everything}",
        frame,
        weights=weights,
        offset=offset,
        subset=subset,
        na_action=na_action,
    )
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows.data_positions] = True
    texts = parts if len(parts) > 1 else [*parts, "1"]
    frames = tuple(
        build_frame(
            f"{responses[0]} ~ {text}",
            frame,
            weights=weights,
            offset=offset if j == 0 else None,
            subset=mask,
        )
        for j, text in enumerate(texts)
    )
    if several_responses:
        used = frame.iloc[rows.data_positions]
        y = np.column_stack([evaluate(e, used, f"cbind() column {e!r}") for e in responses])
    else:
        y = np.asarray(rows.y, dtype=np.float64)
    return PartsFrame(rows=rows, parts=frames, responses=responses, y=y, n_given_parts=len(parts))
