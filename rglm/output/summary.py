"""``summary()`` of a fitted GLM: the data of R's ``summary.glm`` and its printout.

:class:`Summary` holds numbers only; :meth:`Summary.__str__` lays them out exactly as R's
``print.summary.glm`` (R 4.3 and later, which no longer prints the deviance residuals),
using :mod:`rglm.numerics.format` for R's number formatting.  The same content renders as
markdown, LaTeX and HTML through tabulate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tabulate import tabulate

from rglm.inference.robust import cov_description
from rglm.numerics.format import SIGNIF_LEGEND, coef_matrix_lines, format_pval, format_real, sig_stars
from rglm.results.escape import html_escape as _html_escape
from rglm.results.escape import md_escape as _md_escape
from rglm.results.escape import tex_escape as _tex_escape
from rglm.results.glm import GLMStatistics

__all__ = ["Summary"]


@dataclass(frozen=True)
class Summary:
    """What R's ``summary.glm`` reports.

    Attributes
    ----------
    call : str
        The fit as an R-style call.
    family_name, link_name : str
    coefficients : DataFrame
        Estimate, Std. Error, z or t value and p-value, one row per coefficient
        (aliased coefficients have NaN throughout).
    aliased : Series of bool
    dispersion : float
    dispersion_estimated : bool
    null_deviance, deviance : float
    df_null, df_resid : int
    aic : float
    iterations : int
    n_dropped : int
    separation_note : str
        A line naming the infinite estimates when a binomial fit is separated, else "".
    trailer : tuple of str
        Lines printed after R's ``print.summary.glm`` output (MASS's :math:`\\theta` lines
        of a negative binomial fit).
    cov_note : str
        A line naming the sandwich covariance behind the standard errors (for example
        ``Standard errors: sandwich (HC3)``), or "" for the model-based one, whose summary
        is R's ``summary.glm`` exactly.
    """

    call: str
    family_name: str
    link_name: str
    coefficients: pd.DataFrame
    aliased: pd.Series
    dispersion: float
    dispersion_estimated: bool
    null_deviance: float
    deviance: float
    df_null: int
    df_resid: int
    aic: float
    iterations: int
    n_dropped: int
    converged: bool = True
    boundary: bool = False
    separation_note: str = ""
    trailer: tuple[str, ...] = ()
    cov_note: str = ""

    @classmethod
    def from_result(cls, m: GLMStatistics) -> Summary:
        """The summary of ``m``.  The separation note is the check :func:`rglm.glm` made at
        fit time (printing never solves the linear program)."""
        check = m.separation_check
        return cls(
            call=_call(m),
            family_name=m.family.name,
            link_name=m.family.link.name,
            coefficients=m.coef_table(),
            aliased=m.aliased,  # a copy already
            dispersion=m.scale,
            dispersion_estimated=m.dispersion_is_estimated,
            null_deviance=m.null_deviance,
            deviance=m.deviance,
            df_null=m.df_null,
            df_resid=m.df_resid,
            aic=m.aic,
            iterations=m.iterations,
            n_dropped=m.n_dropped,
            converged=m.converged,
            boundary=m.boundary,
            separation_note="" if check is None else check.note(),
            cov_note=cov_description(m.cov_type, m.cov_kwds),
        )

    # -- R's text ----------------------------------------------------------------------------------
    def _coef_lines(self) -> list[str]:
        c = self.coefficients
        values = c.to_numpy(dtype=np.float64)  # one read of the table's four columns
        return coef_matrix_lines(
            values[:, 0],
            values[:, 1],
            values[:, 2],
            values[:, 3],
            row_names=list(c.index),
            col_names=list(c.columns),
            aliased=list(self.aliased.to_numpy()),
        )

    def _deviance_lines(self) -> list[str]:
        devs = format_real([self.null_deviance, self.deviance], digits=5)
        dfs = format_real([float(self.df_null), float(self.df_resid)], digits=7)
        return [
            f"    Null deviance: {devs[0]}  on {dfs[0]}  degrees of freedom",
            f"Residual deviance: {devs[1]}  on {dfs[1]}  degrees of freedom",
        ]

    def __str__(self) -> str:
        lines = ["", "Call:", self.call, "", *self._fit_lines()]
        aic = "NA" if math.isnan(self.aic) else format_real([self.aic], digits=5)[0].strip()
        lines += [f"AIC: {aic}", "", f"Number of Fisher Scoring iterations: {self.iterations}"]
        if not self.converged:
            lines.append("Warning: the algorithm did not converge")
        if self.boundary:
            lines.append("Warning: the algorithm stopped at a boundary value")
        if self.separation_note:
            lines.append(self.separation_note)
        lines.append("")
        return "\n".join(lines + list(self.trailer)) + "\n"

    def _fit_lines(self) -> list[str]:
        """From ``Coefficients:`` to the missingness line: the part of ``print.summary.glm``
        that summaries of other fitting methods (brglm2's) print the same way."""
        lines: list[str] = []
        nsing = int(self.aliased.sum())
        if len(self.coefficients) == 0:
            lines.append("No Coefficients")
        else:
            lines.append(
                f"Coefficients: ({nsing} not defined because of singularities)" if nsing else "Coefficients:"
            )
            lines.extend(self._coef_lines())
            if self.cov_note:
                lines.append(self.cov_note)
        disp = format_real([self.dispersion], digits=7)[0].strip()
        lines += ["", f"(Dispersion parameter for {self.family_name} family taken to be {disp})", ""]
        lines += self._deviance_lines()
        if self.n_dropped:
            noun = "observation" if self.n_dropped == 1 else "observations"
            lines.append(f"  ({self.n_dropped} {noun} deleted due to missingness)")
        return lines

    def __repr__(self) -> str:
        return str(self)

    # -- tables for reports ---------------------------------------------------------------------
    def _table_rows(self, escape: bool = False) -> tuple[list[str], list[list[str]]]:
        c = self.coefficients
        est_se = format_real(np.concatenate([c.iloc[:, 0].to_numpy(), c.iloc[:, 1].to_numpy()]), digits=4)
        n = len(c)
        stats_ = format_real(np.round(c.iloc[:, 2].to_numpy(), 3), digits=4)
        pvals = c.iloc[:, 3].to_numpy()
        stars = sig_stars(pvals)
        # As the printed summary (printCoefmat): the p-values formatted together by R's
        # format.pval with 3 digits, not one cell at a time.
        okp = [i for i in range(n) if not self.aliased.iloc[i] and not math.isnan(pvals[i])]
        ptexts = dict(zip(okp, (t.strip() for t in format_pval([pvals[i] for i in okp], 3)), strict=True))
        rows = []
        for i, name in enumerate(c.index):
            if self.aliased.iloc[i]:
                rows.append([name, "NA", "NA", "NA", "NA", ""])
                continue
            ptxt = ptexts.get(i, "NaN")
            rows.append(
                [name, est_se[i].strip(), est_se[n + i].strip(), stats_[i].strip(), ptxt, stars[i].strip()]
            )
        headers = ["", *list(c.columns), ""]
        return headers, rows

    def _footer(self) -> list[str]:
        disp = format_real([self.dispersion], digits=7)[0].strip()
        aic = "NA" if math.isnan(self.aic) else format_real([self.aic], digits=5)[0].strip()
        # As in the text form, the two deviances are formatted together (same decimals).
        devs = [d.strip() for d in format_real([self.null_deviance, self.deviance], digits=5)]
        foot = [self.cov_note] if self.cov_note else []
        foot += [
            f"Dispersion parameter for {self.family_name} family taken to be {disp}",
            f"Null deviance: {devs[0]} on {self.df_null} degrees of freedom",
            f"Residual deviance: {devs[1]} on {self.df_resid} degrees of freedom",
            f"AIC: {aic}",
            f"Number of Fisher Scoring iterations: {self.iterations}",
        ]
        if self.n_dropped:
            foot.insert(
                len(foot) - 2,
                f"{self.n_dropped} observation{'s' if self.n_dropped != 1 else ''} deleted due to "
                "missingness",
            )
        if self.separation_note:
            foot.append(self.separation_note)
        foot += [" ".join(line.split()) for line in self.trailer if line.strip()]
        return foot

    def to_markdown(self) -> str:
        """The coefficient table as a GitHub markdown table, followed by the fit figures."""
        headers, rows = self._table_rows()
        rows = [[_md_escape(cell) for cell in row] for row in rows]
        table = tabulate(
            rows,
            headers=[_md_escape(h) for h in headers],
            tablefmt="github",
            colalign=("left",) + ("right",) * 5,
            disable_numparse=True,  # the cells are R's digits already: "0.1750" must stay so
        )
        foot = "\n".join(f"- {_md_escape(line)}" for line in self._footer())
        legend = _md_escape(SIGNIF_LEGEND)
        return f"**{_md_escape(self.call)}**\n\n{table}\n\n{legend}\n\n{foot}\n"

    def to_latex(self) -> str:
        """The coefficient table as a LaTeX ``tabular`` (booktabs), with the fit figures below."""
        headers, rows = self._table_rows()
        # tabulate's latex_booktabs escapes LaTeX's special characters in every cell itself.
        body = tabulate(
            rows,
            headers=headers,
            tablefmt="latex_booktabs",
            colalign=("left",) + ("right",) * 5,
            disable_numparse=True,
        )
        foot = " \\\\\n".join(_tex_escape(line) for line in self._footer())
        return f"{body}\n{foot}\n"

    def to_html(self) -> str:
        """The coefficient table as an HTML table, with the fit figures as a list."""
        headers, rows = self._table_rows()
        table = tabulate(
            rows, headers=headers, tablefmt="html", colalign=("left",) + ("right",) * 5, disable_numparse=True
        )
        items = "".join(f"<li>{_html_escape(line)}</li>" for line in self._footer())
        call = f"<p><code>{_html_escape(self.call)}</code></p>"
        return f'<div class="rglm-summary">{call}{table}<ul>{items}</ul></div>'

    def _repr_html_(self) -> str:
        return self.to_html()


def _call(m: GLMStatistics) -> str:
    """An R-style call, wrapped as R's ``deparse`` wraps long calls (4-space continuation)."""
    args = [f"formula = {m.formula}", f"family = {m.family.r_call()}", f"data = {m.data_name}"]
    frame = m.model_frame
    if frame.weights_given:
        args.append("weights = weights")
    if frame.offset_given:
        args.append("offset = offset")
    return deparse_call("glm", args)


# Binary operators R's deparse may break a line after (its PP_BINARY operators, written with spaces).
_BREAKABLE_OPERATOR = re.compile(r"(?<= )(?:~|\+|-|\*|==|!=|<=|>=|<|>|&&|\|\||&|\|) ")


def deparse_call(function: str, args: list[str]) -> str:
    """``function(arg1, arg2, ...)`` wrapped as R's ``deparse`` wraps a long call.

    R writes an argument and its ", ", and starts a new line (indented 4 spaces for the
    rest of the call) once the line is past 60 characters; inside an argument it also
    checks after each binary operator such as ``~``, ``+`` or ``!=``, indenting the
    operand that follows by a further 4 spaces.
    """
    lines: list[str] = []
    current = function + "("
    arg_break = False
    for i, arg in enumerate(args):
        cuts = [mt.end() for mt in _BREAKABLE_OPERATOR.finditer(arg)]
        pieces = [arg[a:b] for a, b in zip([0, *cuts], [*cuts, len(arg)], strict=False)]
        for j, piece in enumerate(pieces):
            current += piece
            if j < len(pieces) - 1 and len(current) > 60:
                lines.append(current)
                current = "    " * (int(arg_break) + 1)
        if i < len(args) - 1:
            current += ", "
            if len(current) > 60:
                lines.append(current)
                arg_break = True
                current = "    "
    lines.append(current + ")")
    return "\n".join(lines)
