"""Printing, tidying and plotting glmnet paths and their cross-validation.

``print(glmnet)`` and ``print(cv.glmnet)`` both print an ``anova``-classed data frame, i.e.
R's ``printCoefmat`` with every column but ``Df`` passed through ``zapsmall`` and formatted
with ``format(digits = )`` (5 digits for the path, 4 for CV, after ``signif(lambda, 4)`` for
the path).  :func:`anova_table` reproduces that; there are no p-values anywhere: a lasso
path has no honest ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.numerics.format import _print_char_matrix, r_round, signif
from rglm.numerics.format_real import format_real

FloatArray = npt.NDArray[np.float64]

__all__ = ["anova_table", "cv_text", "path_text", "plot_cv", "plot_path", "tidy_path"]


def _zapsmall(x: FloatArray, digits: int) -> FloatArray:
    """R's ``zapsmall``: round to ``digits - log10(max|x|)`` decimals (R rounds that count)."""
    finite = x[np.isfinite(x)]
    mx = float(np.max(np.abs(finite))) if finite.size else 0.0
    d = max(0.0, digits - math.log10(mx)) if mx > 0 else float(digits)
    return np.asarray(r_round(x, int(math.floor(d + 0.5))), dtype=float)


def anova_table(
    columns: Mapping[str, Sequence[float] | FloatArray],
    row_names: Sequence[str],
    digits: int,
    no_zap: Sequence[str] = (),
) -> list[str]:
    """The lines of ``print(<anova data frame>, digits = digits)``."""
    cells_by_col: list[list[str]] = []
    for name, values in columns.items():
        x = np.asarray(values, dtype=float)
        xz = x if name in no_zap else _zapsmall(x, digits)
        cells = [c.strip() for c in format_real(xz, digits)]
        for i, c in enumerate(cells):  # printCoefmat: a nonzero value shown as 0 gets fewer digits
            if xz[i] != 0 and np.isfinite(xz[i]) and float(c) == 0:
                cells[i] = format_real([xz[i]], max(1, digits - 1))[0].strip()
        cells_by_col.append(cells)
    rows = [[col[i] for col in cells_by_col] for i in range(len(row_names))]
    return _print_char_matrix(rows, list(row_names), list(columns), 80)


def path_text(call: str, df: Sequence[int], dev_ratio: Sequence[float], lambda_: Sequence[float]) -> str:
    """``print.glmnet``: the call, then Df, %Dev (rounded to 2 decimals) and Lambda (4
    significant digits) for each lambda."""
    dev = np.asarray(r_round(np.asarray(dev_ratio, dtype=float) * 100, 2), dtype=float)
    lam = np.asarray(signif(np.asarray(lambda_, dtype=float), 4), dtype=float)
    cols = {"Df": np.asarray(df, dtype=float), "%Dev": dev, "Lambda": lam}
    lines = anova_table(cols, [str(i + 1) for i in range(len(df))], 5, no_zap=("Df",))
    return f"\nCall:  {call} \n\n" + "\n".join(lines)


def cv_text(
    call: str,
    measure: str,
    lambdas: tuple[float, float],
    index: tuple[int, int],
    cvm: tuple[float, float],
    cvsd: tuple[float, float],
    nzero: tuple[int, int],
) -> str:
    """``print.cv.glmnet``: the call, the measure, and the lambda.min and lambda.1se rows."""
    cols = {
        "Lambda": list(lambdas),
        "Index": [float(i + 1) for i in index],
        "Measure": list(cvm),
        "SE": list(cvsd),
        "Nonzero": [float(n) for n in nzero],
    }
    lines = anova_table(cols, ["min", "1se"], 4)
    return f"\nCall:  {call} \n\nMeasure: {measure} \n\n" + "\n".join(lines)


def tidy_path(
    names: Sequence[str],
    coefs: FloatArray,
    lambda_: FloatArray,
    dev_ratio: FloatArray,
    return_zeros: bool = False,
) -> pd.DataFrame:
    """broom's ``tidy.glmnet``: one row per (term, step) with its estimate, lambda and
    dev.ratio; zero coefficients left out unless ``return_zeros``."""
    K = coefs.shape[1]
    frame = pd.DataFrame(
        {
            "term": np.repeat(np.asarray(names, dtype=object), K),
            "step": np.tile(np.arange(1, K + 1), len(names)),
            "estimate": coefs.reshape(-1),
            "lambda": np.tile(lambda_, len(names)),
            "dev_ratio": np.tile(dev_ratio, len(names)),
        }
    )
    if not return_zeros:
        frame = frame[frame["estimate"] != 0]
    out: pd.DataFrame = frame.sort_values(["step", "term"], kind="mergesort").reset_index(drop=True)
    return out


def plot_path(
    beta: FloatArray,
    lambda_: FloatArray,
    dev_ratio: FloatArray,
    xvar: str,
    label: bool,
    names: Sequence[str],
    ax: Any = None,
) -> Any:
    """``plot.glmnet``: each coefficient against the L1 norm, log(lambda) or the deviance
    explained, with the number of nonzero coefficients along the top."""
    import matplotlib.pyplot as plt  # optional dependency

    if ax is None:
        _, ax = plt.subplots()
    df = np.sum(beta != 0, axis=0)
    if xvar == "norm":
        x, xlab = np.sum(np.abs(beta), axis=0), "L1 Norm"
    elif xvar == "lambda":
        x, xlab = np.log(lambda_), "Log Lambda"
    elif xvar == "dev":
        x, xlab = dev_ratio, "Fraction Deviance Explained"
    else:
        raise ValueError(f"xvar must be 'norm', 'lambda' or 'dev', got {xvar!r}")
    which = np.flatnonzero(np.any(beta != 0, axis=1))
    for j in which:
        ax.plot(x, beta[j], lw=1)
        if label:
            ax.annotate(str(names[int(j)]), (x[-1], beta[j, -1]), fontsize=7)
    ax.set_xlabel(xlab)
    ax.set_ylabel("Coefficients")
    top = ax.secondary_xaxis("top")
    ticks = ax.get_xticks()
    lo, hi = ax.get_xlim()
    ticks = ticks[(ticks >= min(lo, hi)) & (ticks <= max(lo, hi))]
    order = np.argsort(x)
    idx = np.clip(np.searchsorted(x[order], ticks), 0, x.size - 1)
    top.set_xticks(ticks)
    top.set_xticklabels([str(int(df[order][i])) for i in idx])
    return ax


def plot_cv(
    lambda_: FloatArray,
    cvm: FloatArray,
    cvsd: FloatArray,
    nzero: npt.NDArray[np.intp],
    lambda_min: float,
    lambda_1se: float,
    measure: str,
    ax: Any = None,
) -> Any:
    """``plot.cv.glmnet``: the CV curve against log(lambda) with one-SE bars, the number of
    nonzero coefficients along the top, and dotted lines at lambda.min and lambda.1se."""
    import matplotlib.pyplot as plt  # optional dependency

    if ax is None:
        _, ax = plt.subplots()
    x = np.log(lambda_)
    ax.errorbar(x, cvm, yerr=cvsd, fmt="o", color="red", ecolor="darkgrey", ms=3, capsize=2)
    for v in (lambda_min, lambda_1se):
        ax.axvline(math.log(v), ls=":", color="black")
    ax.set_xlabel("Log(\u03bb)")
    ax.set_ylabel(measure)
    top = ax.secondary_xaxis("top")
    sel = np.linspace(0, x.size - 1, min(x.size, 10)).round().astype(int)
    top.set_xticks(x[sel])
    top.set_xticklabels([str(int(n)) for n in nzero[sel]])
    return ax
