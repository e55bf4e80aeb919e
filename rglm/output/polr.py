"""``summary()`` of a proportional-odds fit, printed as MASS's ``print.summary.polr``.

MASS prints two blocks from one matrix of ``Value``, ``Std. Error`` and ``t value``
(:math:`\\beta` then :math:`\\zeta`):

* ``Coefficients:``: the :math:`\\beta` rows as a numeric matrix, ``print(x, digits = 4)``,
  so each column is formatted on its own to 4 significant digits and right-justified;
* ``Intercepts:``: the :math:`\\zeta` rows of ``format(round(x, 4))``, a character matrix
  formatted over *all* rows (so its width depends on the coefficients too) and printed
  left-justified;

then ``Residual Deviance:`` and ``AIC:`` (``format(x, nsmall = 2)``) and, when rows were
dropped for missing values, R's ``naprint`` line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rglm.numerics.format import _print_char_matrix, _str_width, format_real, r_round
from rglm.output.summary import deparse_call
from rglm.results.polr import PolrStatistics

__all__ = ["PolrSummary", "polr_call", "polr_summary"]

#: MASS's ``digits = max(3, getOption("digits") - 3)``.
DIGITS = 4


def polr_call(m: PolrStatistics) -> str:
    """The call as R records it: ``polr(formula = ..., data = ..., weights = ..., method = ...)``."""
    given = m.call

    def named(key: str) -> str:
        value = given.get(key)
        return value if isinstance(value, str) else key

    args = [f"formula = {' '.join(m.formula.split())}", f"data = {m.data_name}"]
    if given.get("weights") is not None:
        args.append(f"weights = {named('weights')}")
    if given.get("subset") is not None:
        args.append(f"subset = {named('subset')}")
    if m.model_frame.na_action != "omit":
        args.append(f"na.action = na.{m.model_frame.na_action}")
    if m.method != "logistic":
        args.append(f'method = "{m.method}"')
    return deparse_call("polr", args)


def _left_matrix(cells: list[list[str]], row_names: Sequence[str], col_names: Sequence[str]) -> list[str]:
    """``print.default(<character matrix>, quote = FALSE)``: labels and entries left-justified,
    each column as wide as its widest entry or label, one blank between columns."""
    rlabw = max([_str_width(s) for s in row_names], default=0)
    widths = [
        max([_str_width(r[j]) for r in cells] + [_str_width(col_names[j])]) for j in range(len(col_names))
    ]

    def line(first: str, items: Sequence[str]) -> str:
        body = "".join(" " + s + " " * (w - _str_width(s)) for s, w in zip(items, widths, strict=True))
        return first + " " * (rlabw - _str_width(first)) + body

    return [line("", col_names)] + [line(n, row) for n, row in zip(row_names, cells, strict=True)]


@dataclass(frozen=True)
class PolrSummary:
    """What MASS's ``summary.polr`` reports.

    Attributes
    ----------
    call : str
    coefficients : DataFrame
        ``Value``, ``Std. Error`` and ``t value`` for the estimated coefficients then the
        thresholds (aliased coefficients, which MASS drops, are left out).
    n_coef : int
        How many of its rows are coefficients.
    deviance, aic : float
    n_dropped : int
        Rows dropped for missing values.
    converged : bool
    """

    call: str
    coefficients: pd.DataFrame
    n_coef: int
    deviance: float
    aic: float
    n_dropped: int = 0
    converged: bool = True

    def lines(self) -> list[str]:
        """The printed lines, without newlines."""
        c = self.coefficients
        names = [str(i) for i in c.index]
        cols = [str(x) for x in c.columns]
        values = c.to_numpy(dtype=np.float64)
        pc = self.n_coef
        out = ["Call:", *self.call.split("\n")]
        if pc > 0:
            formatted = [format_real(values[:pc, j], DIGITS) for j in range(values.shape[1])]
            cells = [[formatted[j][i] for j in range(values.shape[1])] for i in range(pc)]
            out += ["", "Coefficients:", *_print_char_matrix(cells, names[:pc], cols, 80)]
        else:
            out += ["", "No coefficients"]
        # format(round(x, digits)) over the whole matrix, column-major as R flattens it
        rounded = r_round(values, DIGITS)
        flat = format_real(rounded.ravel(order="F"), 7)
        text = np.array(flat, dtype=object).reshape(values.shape, order="F")
        cells = [list(text[i]) for i in range(pc, values.shape[0])]
        out += ["", "Intercepts:", *_left_matrix(cells, names[pc:], cols)]
        dev = format_real([self.deviance], 7, nsmall=2)[0]
        aic = format_real([self.aic], 7, nsmall=2)[0]
        out += ["", f"Residual Deviance: {dev} ", f"AIC: {aic} "]
        if self.n_dropped:
            k = self.n_dropped
            out.append(f"({k} observation{'s' if k != 1 else ''} deleted due to missingness)")
        if not self.converged:
            out.append("Warning: did not converge as iteration limit reached")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return str(self)


def polr_summary(m: PolrStatistics) -> PolrSummary:
    """The summary of ``m``: MASS's value, standard error and t value for each estimated
    coefficient and each threshold."""
    table = m.coef_table()
    keep = [n for n, a in zip(m.coef_names, m.kept, strict=True) if a] + m.zeta_names
    t = table.loc[keep]
    coefficients = pd.DataFrame(
        {"Value": t.iloc[:, 0], "Std. Error": t.iloc[:, 1], "t value": t.iloc[:, 2]}, index=t.index
    )
    return PolrSummary(
        call=polr_call(m),
        coefficients=coefficients,
        n_coef=int(np.sum(m.kept)),
        deviance=m.deviance,
        aic=m.deviance + 2 * m.edf,
        n_dropped=m.n_dropped,
        converged=m.converged,
    )


def polr_document(m: PolrStatistics) -> dict[str, object]:
    """The fit as a JSON-ready document (``rglm fit --model polr --format json``): the
    coefficients, then the thresholds, each with its test; NaN and infinities as None."""
    table = m.coef_table()

    def num(x: object) -> float | None:
        v = float(x)  # type: ignore[arg-type]
        return v if np.isfinite(v) else None

    def entry(name: str) -> dict[str, float | None]:
        row = table.loc[name]
        keys = ("estimate", "std_error", "statistic", "p_value")
        return {k: num(row.iloc[i]) for i, k in enumerate(keys)}

    return {
        "formula": m.formula,
        "model": "polr",
        "method": m.method,
        "levels": [str(v) for v in m.levels],
        "coefficients": {name: entry(name) for name in m.coef_names},
        "zeta": {name: entry(name) for name in m.zeta_names},
        "deviance": num(m.deviance),
        "edf": int(m.edf),
        "aic": num(m.aic),
        "bic": num(m.bic),
        "loglik": num(m.llf),
        "nobs": num(m.nobs),
        "iterations": int(m.iterations),
        "converged": bool(m.converged),
    }
