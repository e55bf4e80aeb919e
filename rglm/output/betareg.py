"""``summary()`` of a beta regression, laid out as betareg's ``print.summary.betareg``.

::

    Call:
    betareg(formula = ..., data = ...)

    Standardized weighted residuals 2:
        Min      1Q  Median      3Q     Max
    <quantiles, rounded to 4 decimals>

    Coefficients (mean model with <link> link):
    <printCoefmat, digits 4>

    Phi coefficients (precision model with <link.phi> link):
    <printCoefmat; rows "(phi)" or the precision model's terms>
    ---
    Signif. codes: ...

    Type of estimator: ML (maximum likelihood)
    Log-likelihood: <formatC(ll, digits = 4)> on <k + m> Df
    Pseudo R-squared: <formatC(r2, digits = 4)>      (omitted when NA)
    Number of iterations: <n> (Fisher scoring)

rglm reaches the maximum by Fisher scoring alone, so the iteration line counts those steps
where betareg reports its BFGS and Fisher scoring iterations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rglm.numerics.format import SIGNIF_LEGEND, coef_matrix_lines, format_real, r_round
from rglm.output.summary import deparse_call
from rglm.results.betareg import BetaregStatistics

__all__ = ["BetaregSummary", "betareg_call", "quantile_lines"]


def quantile_lines(
    values: np.ndarray, names: tuple[str, ...] = ("Min", "1Q", "Median", "3Q", "Max")
) -> list[str]:
    """R's ``print`` of a named vector: each name right-aligned over its formatted value."""
    cells = [s.strip() for s in format_real(list(values), digits=7)]
    width = max(max(len(c) for c in cells), max(len(n) for n in names))
    return [" ".join(n.rjust(width) for n in names) + " ", " ".join(c.rjust(width) for c in cells) + " "]


def _format_g4(x: float) -> str:
    """R's ``formatC(x, digits = 4)``: C's ``%5.4g`` (formatC pads to ``digits + 1``)."""
    return f"{x:5.4g}"


def betareg_call(m: BetaregStatistics) -> str:
    """The call as ``betareg`` records it."""
    given = m.call

    def named(key: str) -> str:
        value = given.get(key)
        return value if isinstance(value, str) else key

    args = [f"formula = {m.formula}", f"data = {m.data_name}"]
    if given.get("subset") is not None:
        args.append(f"subset = {named('subset')}")
    if given.get("weights") is not None:
        args.append(f"weights = {named('weights')}")
    if given.get("offset") is not None:
        args.append(f"offset = {named('offset')}")
    if m.link.name != "logit":
        args.append(f'link = "{m.link.name}"')
    if given.get("link_phi") is not None:
        args.append(f'link.phi = "{m.link_phi.name}"')
    return deparse_call("betareg", args)


@dataclass(frozen=True)
class BetaregSummary:
    """What ``summary(betareg_fit)`` reports; ``str()`` prints it as betareg does.

    Attributes
    ----------
    call : str
    residual_quantiles : ndarray
        Min, quartiles and max of the standardized weighted residuals 2.
    mean, precision : DataFrame
        Estimate, Std. Error, z value and Pr(>|z|) of each model.
    link, link_phi : str
    loglik : float
    df : int
    pseudo_rsquared : float
        NaN when not defined (not printed then).
    iterations : int
    converged : bool
    """

    call: str
    residual_quantiles: np.ndarray
    mean: pd.DataFrame
    precision: pd.DataFrame
    link: str
    link_phi: str
    loglik: float
    df: int
    pseudo_rsquared: float
    iterations: int
    converged: bool = True

    @classmethod
    def from_result(cls, m: BetaregStatistics) -> BetaregSummary:
        table = m.coef_table()
        k = len(m.mean_names)
        prec = table.iloc[k:].copy()
        prec.index = pd.Index(["(phi)"] if m.precision_names == ["(phi)"] else m.precision_terms)
        q = np.quantile(m.resid_array("sweighted2"), [0.0, 0.25, 0.5, 0.75, 1.0])
        return cls(
            call=betareg_call(m),
            residual_quantiles=np.asarray(r_round(q, 4)),
            mean=table.iloc[:k].copy(),
            precision=prec,
            link=m.link.name,
            link_phi=m.link_phi.name,
            loglik=m.llf,
            df=m.n_params,
            pseudo_rsquared=m.pseudo_rsquared,
            iterations=m.iterations,
            converged=m.converged,
        )

    @staticmethod
    def _table(t: pd.DataFrame) -> list[str]:
        return coef_matrix_lines(
            t.iloc[:, 0].to_numpy(),
            t.iloc[:, 1].to_numpy(),
            t.iloc[:, 2].to_numpy(),
            t.iloc[:, 3].to_numpy(),
            row_names=list(map(str, t.index)),
            col_names=list(t.columns),
            signif_legend=False,
        )

    def __str__(self) -> str:
        lines = ["", "Call:", self.call, "", "Standardized weighted residuals 2:"]
        lines += quantile_lines(self.residual_quantiles)
        lines += ["", f"Coefficients (mean model with {self.link} link):", *self._table(self.mean)]
        lines += [
            "",
            f"Phi coefficients (precision model with {self.link_phi} link):",
            *self._table(self.precision),
        ]
        p = np.concatenate([self.mean.iloc[:, 3].to_numpy(), self.precision.iloc[:, 3].to_numpy()])
        if np.any(p < 0.1):
            lines += ["---", SIGNIF_LEGEND]
        lines += [
            "",
            "Type of estimator: ML (maximum likelihood)",
            f"Log-likelihood: {_format_g4(self.loglik)} on {self.df} Df",
        ]
        if not math.isnan(self.pseudo_rsquared):
            lines.append(f"Pseudo R-squared: {_format_g4(self.pseudo_rsquared)}")
        lines.append(f"Number of iterations: {self.iterations} (Fisher scoring)")
        if not self.converged:
            lines.append("Warning: the fit did not converge")
        return "\n".join(lines)

    def _repr_pretty_(self, p: object, cycle: bool) -> None:  # IPython shows str()
        p.text(str(self))  # type: ignore[attr-defined]
