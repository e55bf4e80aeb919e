"""Likelihood-ratio tests between multinomial logit fits, as nnet's ``anova.multinom``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DataError
from rglm.numerics.format import NA_REAL, _print_char_matrix, format_real
from rglm.results.multinom import MultinomStatistics
from rglm.results.table import AnovaTable

__all__ = ["MultinomAnova", "anova_multinom"]


class MultinomAnova(AnovaTable):
    """nnet's ``Anova`` table: printed as MASS's ``print.Anova`` prints it, each column
    formatted as ``format.data.frame`` does (7 significant digits) and missing entries blank."""

    def lines(self, width: int = 80) -> list[str]:
        head = "".join(h + "\n" for h in self.heading).split("\n")[:-1] if self.heading else []
        cols = [str(c) for c in self.columns]
        formatted: list[list[str]] = []
        for j in range(len(cols)):
            s = self.iloc[:, j]
            if pd.api.types.is_numeric_dtype(s.dtype):
                values = s.to_numpy(dtype=np.float64)
                cells = format_real(values, 7)
                formatted.append(["" if np.isnan(v) else c for v, c in zip(values, cells, strict=True)])
            else:
                formatted.append([str(v) for v in s])
        body = [[formatted[j][i] for j in range(len(cols))] for i in range(len(self))]
        return head + _print_char_matrix(body, [str(r) for r in self.index], cols, width)


def anova_multinom(models: Sequence[MultinomStatistics], test: str | bool | None = "Chisq") -> MultinomAnova:
    """Likelihood-ratio tests between nested multinomial fits, as ``anova.multinom``.

    The models are sorted by their effective degrees of freedom (``edf``); each row after
    the first tests it against the one before: :math:`X^2 = D_{k-1} - D_k` on
    :math:`\\mathrm{edf}_k - \\mathrm{edf}_{k-1}` degrees of freedom, :math:`p = 1 -
    F_{\\chi^2}(X^2)`.  The residual df is nnet's :math:`n\\,(c - 1) - \\mathrm{edf}`, with
    :math:`n` the rows and :math:`c` the columns of nnet's residual matrix (:math:`K`, or 1
    for two classes, where nnet's figure is :math:`-\\mathrm{edf}`).

    Parameters
    ----------
    models : sequence of MultinomStatistics
        Two or more fits to the same rows.
    test : "Chisq" (default), or False / "none" to leave out the p-values

    Returns
    -------
    MultinomAnova
        Columns ``Model``, ``Resid. df``, ``Resid. Dev``, ``Test``, ``   Df``, ``LR stat.``
        and ``Pr(Chi)`` (R's names), rows 1, 2, ...; its heading is nnet's.
    """
    models = list(models)
    if len(models) < 2:
        raise ArgumentError(
            "anova of multinom fits compares two or more models (nnet has no single-model table)"
        )
    for i, m in enumerate(models):
        if not isinstance(m, MultinomStatistics):
            raise ArgumentError(f"model {i + 1} is a {type(m).__name__}, not a multinom fit")
    with_p = not (test is False or (isinstance(test, str) and test.lower() == "none"))
    if with_p and test != "Chisq":
        raise ArgumentError(f"test must be 'Chisq' or 'none', got {test!r}")
    if any(m.n_rows != models[0].n_rows for m in models):
        raise DataError("models were not all fitted to the same size of dataset")
    ms = sorted(models, key=lambda m: m.edf)
    first = models[0]
    cols = 1 if len(first.levels) == 2 and not first.response.is_counts else len(first.levels)
    dfs = [first.n_rows * (cols - 1) - m.edf for m in ms]
    devs = [m.deviance for m in ms]
    df = [NA_REAL] + [float(dfs[k - 1] - dfs[k]) for k in range(1, len(ms))]
    x2 = [NA_REAL] + [devs[k - 1] - devs[k] for k in range(1, len(ms))]
    pr = [NA_REAL]
    for k in range(1, len(ms)):
        if df[k] == 0:
            cdf = 1.0 if x2[k] >= 0 else 0.0  # R's pchisq with df 0: all mass at 0
        elif math.isnan(x2[k]):
            cdf = math.nan
        else:
            cdf = 0.0 if x2[k] < 0 else float(special.chdtr(df[k], x2[k]))
        pr.append(1 - cdf)
    data = {
        "Model": [_rhs(m.formula) for m in ms],
        "Resid. df": [float(d) for d in dfs],
        "Resid. Dev": devs,
        "Test": [""] + [f"{k} vs {k + 1}" for k in range(1, len(ms))],
        "   Df": df,
        "LR stat.": x2,
    }
    if with_p:
        data["Pr(Chi)"] = pr
    responses = list(dict.fromkeys(m.response.label for m in ms))
    heading = ["Likelihood ratio tests of Multinomial Models\n", "Response: " + " ".join(responses)]
    return MultinomAnova(data, index=pd.RangeIndex(1, len(ms) + 1), heading=heading)


def _rhs(formula: str) -> str:
    """The right-hand side with its spacing folded, as R deparses ``formula[3]``."""
    return " ".join(formula.split("~", 1)[1].split())
