"""Likelihood-ratio tests between negative binomial fits with :math:`\\theta` estimated, as MASS's
``anova.negbin``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, RGLMWarning, warn
from rglm.results.negbin import NegBinStatistics

__all__ = ["anova_negbin"]


def anova_negbin(models: Sequence[NegBinStatistics], test: str = "Chisq") -> pd.DataFrame:
    """Likelihood-ratio tests between negative binomial fits, as MASS's ``anova.negbin``.

    The models are ordered by decreasing residual degrees of freedom; each row after the
    first tests it against the previous one with :math:`X^2 = 2\\ell_k - 2\\ell_{k-1}` on
    :math:`\\nu_{k-1} - \\nu_k` degrees of freedom, :math:`p = 1 - F_{\\chi^2}(X^2)`.  Each model
    has its own :math:`\\hat\\theta`.

    Parameters
    ----------
    models : sequence of NegBinStatistics
        Two or more fits with :math:`\\theta` estimated (``NegativeBinomial()`` without theta).
    test : str
        Only ``"Chisq"`` is implemented; anything else warns and is ignored, as in MASS.

    Returns
    -------
    DataFrame
        Columns ``Model``, ``theta``, ``Resid. df``, ``2 x log-lik.``, ``Test``, ``df``,
        ``LR stat.`` and ``Pr(Chi)``, rows numbered from 1; ``attrs["heading"]`` holds
        MASS's heading.  A single model's analysis of deviance (with :math:`\\theta` held
        fixed) is ``rglm.inference.anova``'s job.
    """
    models = list(models)
    if len(models) < 2:
        raise ArgumentError(
            "anova_negbin compares two or more negative binomial fits; for the terms of one fit "
            "use rglm.inference.anova (tests then hold theta fixed)"
        )
    for i, m in enumerate(models):
        if not isinstance(m, NegBinStatistics):
            raise ArgumentError(
                f"model {i + 1} is not a negative binomial fit with theta estimated; fit every model "
                "with family=NegativeBinomial() (no theta)"
            )
    if test != "Chisq":
        warn(f"only Chi-squared LR tests are implemented; test={test!r} is ignored", RGLMWarning)
    order = sorted(range(len(models)), key=lambda i: -models[i].df_resid)
    ms = [models[i] for i in order]
    dfs = [m.df_resid for m in ms]
    lls = [m.twologlik for m in ms]
    df = [math.nan] + [float(dfs[k - 1] - dfs[k]) for k in range(1, len(ms))]
    x2 = [math.nan] + [lls[k] - lls[k - 1] for k in range(1, len(ms))]
    pr = [math.nan]
    for k in range(1, len(ms)):
        # R's pchisq puts all its mass at 0 when df is 0.
        if df[k] == 0:
            cdf = 1.0 if x2[k] >= 0 else 0.0
        else:  # P(chi2 <= x), 0 below the support
            cdf = 0.0 if x2[k] < 0 else float(special.chdtr(df[k], x2[k]))
        pr.append(1 - cdf)
    out: pd.DataFrame = pd.DataFrame(
        {
            "Model": [_rhs(m.formula) for m in ms],
            "theta": [m.theta for m in ms],
            "Resid. df": dfs,
            "2 x log-lik.": lls,
            "Test": [""] + [f"{k} vs {k + 1}" for k in range(1, len(ms))],
            "df": df,
            "LR stat.": x2,
            "Pr(Chi)": pr,
        },
        index=pd.RangeIndex(1, len(ms) + 1),
    )
    responses = list(dict.fromkeys(m.model_frame.spec.parsed.response_label for m in ms))
    out.attrs["heading"] = [
        "Likelihood ratio tests of Negative Binomial Models\n",
        "Response: " + " ".join(responses),
    ]
    return out


def _rhs(formula: str) -> str:
    """The right-hand side of a formula with its spacing folded, as R deparses ``formula[3]``."""
    return " ".join(formula.split("~", 1)[1].split())
