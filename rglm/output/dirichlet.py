"""``summary()`` of a Dirichlet regression, laid out as DirichletReg's ``print.summary_DirichletRegModel``.

::

    Call:
    DirichReg(formula = ..., data = ...)

    Standardized Residuals:
              Min       1Q   Median      3Q     Max
    <component>  <quantiles of (y - mu) / sqrt(mu (1 - mu) / (1 + phi)), 4 decimals>

    ------------------------------------------------------------------
    Beta-Coefficients for variable no. 1: <component>      (common: one block per component)
    <printCoefmat, digits 4>
    ...                                                    (alternative: MEAN MODELS: with the
                                                            base omitted, then PRECISION MODEL:)
    Significance codes: ...

    Log-likelihood: <format(ll, digits = 4)> on <npar> df (<n> NR Iterations)
    AIC: <format(aic, digits = 4)>, BIC: <format(bic, digits = 4)>
    Number of Observations: <nobs>
    Link: Log                        (alternative: Links: Logit (Means) and Log (Precision))
    Parametrization: common          (or alternative)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rglm.numerics.format import coef_matrix_lines, format_real, r_round
from rglm.output.summary import deparse_call
from rglm.results.dirichlet import DirichletStatistics

__all__ = ["DirichletSummary"]

DASHES = "-" * 66
LEGEND = "Significance codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def _number(x: float) -> str:
    """R's ``format(x, digits = 4)`` of one number."""
    return format_real([x], digits=4)[0].strip()


def _matrix_lines(values: np.ndarray, rows: list[str], cols: list[str], gap: int = 2) -> list[str]:
    """R's ``print(m, print.gap = gap)``: each column formatted on its own (7 digits), row
    names left-aligned."""
    cells = [[s.strip() for s in format_real(list(values[:, j]), digits=7)] for j in range(values.shape[1])]
    widths = [max(len(c), *(len(v) for v in col)) for c, col in zip(cols, cells, strict=True)]
    rw = max(len(r) for r in rows)
    pad = " " * gap
    head = " " * rw + "".join(pad + c.rjust(w) for c, w in zip(cols, widths, strict=True))
    body = [
        r.ljust(rw) + "".join(pad + cells[j][i].rjust(widths[j]) for j in range(len(cols)))
        for i, r in enumerate(rows)
    ]
    return [head, *body]


@dataclass(frozen=True)
class DirichletSummary:
    """What ``summary(DirichReg_fit)`` reports; ``str()`` prints it as DirichletReg does.

    Attributes
    ----------
    call : str
    residual_quantiles : DataFrame
        Per component, the quantiles of the standardized residuals.
    tables : dict of str to DataFrame
        Coefficient tables by component (and ``(phi)``), rows named by term.
    components : list of str
    parametrization : str
    loglik, aic, bic, nobs : float
    n_params, iterations : int
    """

    call: str
    residual_quantiles: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    components: list[str]
    parametrization: str
    loglik: float
    aic: float
    bic: float
    nobs: float
    n_params: int
    iterations: int

    @classmethod
    def from_result(cls, m: DirichletStatistics) -> DirichletSummary:
        R = m.resid_array("standardized")
        q = np.asarray(r_round(np.quantile(R, [0, 0.25, 0.5, 0.75, 1], axis=0).T, 4))
        quants = pd.DataFrame(q, index=m.components, columns=["Min", "1Q", "Median", "3Q", "Max"])
        table = m.coef_table()
        tables = {}
        for comp, terms in m.blocks.items():
            t = table.loc[[f"{comp}:{term}" for term in terms]].copy()
            t.index = pd.Index(terms)
            tables[comp] = t
        args = [f"formula = {m.formula}", f"data = {m.data_name}"]
        if m.call.get("weights") is not None:
            w = m.call["weights"]
            args.append(f"weights = {w if isinstance(w, str) else 'weights'}")
        if m.alternative:
            args.append('model = "alternative"')
        return cls(
            call=deparse_call("DirichReg", args),
            residual_quantiles=quants,
            tables=tables,
            components=m.components,
            parametrization=m.parametrization,
            loglik=m.llf,
            aic=m.aic,
            bic=m.bic,
            nobs=float(m.nobs),
            n_params=m.n_params,
            iterations=m.iterations,
        )

    @staticmethod
    def _coef(t: pd.DataFrame) -> list[str]:
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
        q = self.residual_quantiles
        lines = ["Call:", self.call, "", "Standardized Residuals:"]
        lines += _matrix_lines(q.to_numpy(), list(q.index), list(q.columns))
        lines.append("")
        if self.parametrization == "common":
            for k, comp in enumerate(self.components, start=1):
                lines += [
                    DASHES,
                    f"Beta-Coefficients for variable no. {k}: {comp}",
                    *self._coef(self.tables[comp]),
                ]
            lines.append(DASHES)
        else:
            lines.append("MEAN MODELS:")
            for k, comp in enumerate(self.components, start=1):
                lines += [DASHES, f"Coefficients for variable no. {k}: {comp}"]
                if k == 1:
                    lines.append("- variable omitted (reference category) -")
                else:
                    lines += self._coef(self.tables[comp])
            lines += [DASHES, "", "PRECISION MODEL:", DASHES, *self._coef(self.tables["(phi)"]), DASHES]
        nobs = format_real([self.nobs], digits=15)[0].strip()
        links = (
            "Link: Log" if self.parametrization == "common" else "Links: Logit (Means) and Log (Precision)"
        )
        lines += [
            LEGEND,
            "",
            f"Log-likelihood: {_number(self.loglik)} on {self.n_params} df ({self.iterations} NR Iterations)",
            f"AIC: {_number(self.aic)}, BIC: {_number(self.bic)}",
            f"Number of Observations: {nobs}",
            links,
            f"Parametrization: {self.parametrization}",
        ]
        return "\n".join(lines)

    def _repr_pretty_(self, p: object, cycle: bool) -> None:  # IPython shows str()
        p.text(str(self))  # type: ignore[attr-defined]
