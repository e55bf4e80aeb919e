"""Printing a multinomial logit fit as nnet prints ``summary(multinom)``.

``print(summary(fit))`` in R writes the call, the ``Coefficients:`` and ``Std. Errors:``
matrices (one row per non-baseline level, each column formatted on its own with
``digits = 7``, as ``print.default`` formats a matrix, and wrapped at 80 characters), then
``Residual Deviance:`` and ``AIC:`` (``format()``, 7 significant digits).  A two-class fit
prints one table, coefficients down and ``Values`` / ``Std. Err.`` across.  With
``tests=True`` the summary adds what R users compute by hand: nnet's
``Value/SE (Wald statistics):`` matrix (``summary(fit, Wald.ratios = TRUE)``) and the
two-sided normal p-values :math:`2\\Phi(-|z|)` (``Pr(>|z|):``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.numerics.format import _print_char_matrix, format_real
from rglm.output.summary import deparse_call
from rglm.results.multinom import MultinomStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["MultinomSummary", "matrix_lines", "multinom_call", "multinom_document", "multinom_summary"]

#: R's ``options(digits)``, which ``summary.multinom`` passes on.
DIGITS = 7
WIDTH = 80


def matrix_lines(
    values: FloatArray, row_names: list[str], col_names: list[str], digits: int = DIGITS
) -> list[str]:
    """``print(<numeric matrix>, digits)``: each column formatted by R's ``formatReal`` on its
    own, right-justified under its name, row names left-justified, columns that do not fit in
    80 characters in further blocks."""
    values = np.asarray(values, dtype=np.float64).reshape(len(row_names), len(col_names))
    columns = [format_real(values[:, j], digits=digits) for j in range(values.shape[1])]
    cells = [[columns[j][i] for j in range(values.shape[1])] for i in range(values.shape[0])]
    return _print_char_matrix(cells, row_names, col_names, WIDTH)


def multinom_call(m: MultinomStatistics) -> str:
    """The call as R records it: ``multinom(formula = ..., data = ..., weights = ...)``, or
    ``brmultinom(..., type = "AS_mean")`` for a bias-reduced fit."""
    given: dict[str, Any] = m.call
    args = [f"formula = {m.formula}", f"data = {m.data_name}"]
    for key in ("weights", "subset"):
        value = given.get(key)
        if value is not None:
            args.append(f"{key} = {value if isinstance(value, str) else key}")
    if given.get("na_action", "omit") != "omit":
        args.append(f"na.action = na.{given['na_action']}")
    if given.get("method") == "brglm":
        return deparse_call("brmultinom", [*args, f'type = "{given.get("type", "AS_mean")}"'])
    return deparse_call("multinom", args)


@dataclass(frozen=True)
class MultinomSummary:
    """What ``summary(multinom)`` reports; ``str()`` prints it as R does."""

    call: str
    levels: list[str]
    coef_names: list[str]
    coefficients: FloatArray
    std_errors: FloatArray
    deviance: float
    aic: float
    tests: bool = False
    counts: bool = False
    #: brglm2's extra lines for a bias-reduced fit: (log-likelihood, type, iterations), or None.
    bias_reduced: tuple[float, str, int] | None = None

    @property
    def is_binomial(self) -> bool:
        """nnet's two-class layout: a factor response with two levels (a two-column ``cbind``
        count matrix prints as a matrix of one row)."""
        return len(self.levels) == 2 and not self.counts

    @property
    def z(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = self.coefficients / self.std_errors
        return out

    @property
    def p(self) -> FloatArray:
        out: FloatArray = 2.0 * special.ndtr(-np.abs(self.z))
        return out

    def lines(self) -> list[str]:
        out = ["Call:", self.call, "", "Coefficients:"]
        rows = self.levels[1:]
        if self.is_binomial:
            cols = [self.coefficients.ravel(), self.std_errors.ravel()]
            names = ["Values", "Std. Err."]
            if self.tests:
                cols += [self.z.ravel(), self.p.ravel()]
                names += ["Value/SE", "Pr(>|z|)"]
            out += matrix_lines(np.column_stack(cols), self.coef_names, names)
        else:
            out += matrix_lines(self.coefficients, rows, self.coef_names)
            out += ["", "Std. Errors:"]
            out += matrix_lines(self.std_errors, rows, self.coef_names)
            if self.tests:
                out += ["", "Value/SE (Wald statistics):"]
                out += matrix_lines(self.z, rows, self.coef_names)
                out += ["", "Pr(>|z|):"]
                out += matrix_lines(self.p, rows, self.coef_names)
        out += ["", f"Residual Deviance: {format_real([self.deviance], DIGITS)[0]} "]
        if self.bias_reduced is None:
            return out + [f"AIC: {format_real([self.aic], DIGITS)[0]} "]
        llf, kind, iterations = self.bias_reduced
        return out + [
            f"Log-likelihood: {format_real([llf], DIGITS)[0]} ",
            f"AIC: {format_real([self.aic], DIGITS)[0]}",
            "",
            f"Type of estimator: {kind} (mean bias-reducing adjusted score equations)",
            f"Number of Fisher Scoring iterations: {iterations}",
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return str(self)


def multinom_summary(m: MultinomStatistics, tests: bool = False) -> MultinomSummary:
    """nnet's ``summary(multinom)``; ``tests=True`` adds the z and p-value matrices."""
    return MultinomSummary(
        call=multinom_call(m),
        levels=list(m.response.labels),
        coef_names=m.coef_names,
        coefficients=m.params.to_numpy(),
        std_errors=m.bse.to_numpy(),
        deviance=m.deviance,
        aic=m.aic,
        tests=tests,
        counts=m.response.is_counts,
        bias_reduced=(m.llf, str(m.call.get("type")), m.iterations)
        if m.call.get("method") == "brglm"
        else None,
    )


def _num(x: Any) -> float | None:
    v = float(x)
    return v if np.isfinite(v) else None


def multinom_document(m: MultinomStatistics) -> dict[str, Any]:
    """The fit as a JSON-ready document (``rglm fit --model multinom --format json``): one
    coefficient entry per ``"level:coef"``, NaN and infinities as None."""
    table = m.coef_table()
    keys = ("estimate", "std_error", "statistic", "p_value")
    coefs = {
        str(name): {k: _num(v) for k, v in zip(keys, row.to_numpy(), strict=True)}
        for name, row in table.iterrows()
    }
    return {
        "formula": m.formula,
        "model": "multinom",
        "levels": [str(v) for v in m.response.labels],
        "coefficients": coefs,
        "deviance": _num(m.deviance),
        "edf": int(m.edf),
        "aic": _num(m.aic),
        "bic": _num(m.bic),
        "loglik": _num(m.llf),
        "nobs": _num(m.nobs),
        "iterations": int(m.iterations),
        "converged": bool(m.converged),
    }
