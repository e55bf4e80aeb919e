"""Side-by-side regression tables: several fitted models, one column each.

:func:`compare` lines the coefficients of the models up by name, writes each estimate with
its standard error (or statistic, p-value or interval) beneath it, marks significance with
R's stars, and adds goodness-of-fit rows at the bottom, as R's ``modelsummary``,
``stargazer`` and ``texreg`` do.  The table renders as text, markdown, LaTeX (booktabs) and
HTML through tabulate; :meth:`CompareTable.to_frame` gives the cells as a DataFrame.
Output depends only on the models and the arguments, so it is identical run to run.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from tabulate import tabulate

from rglm.exceptions import ArgumentError
from rglm.numerics.format import sig_stars
from rglm.results.core import ResultCore
from rglm.results.escape import md_escape as _md_escape
from rglm.results.escape import tex_escape as _tex_escape

__all__ = ["GOF_STATS", "CompareTable", "compare"]

#: Goodness-of-fit rows :func:`compare` can add: key -> (label, how to get it, integer?).
GOF_STATS: dict[str, tuple[str, str, bool]] = {
    "nobs": ("Observations", "nobs", True),
    "aic": ("AIC", "aic", False),
    "bic": ("BIC", "bic", False),
    "llf": ("Log-likelihood", "llf", False),
    "deviance": ("Residual deviance", "deviance", False),
    "null_deviance": ("Null deviance", "null_deviance", False),
    "df_resid": ("Residual df", "df_resid", True),
    "dispersion": ("Dispersion", "scale", False),
}

_STATS = ("se", "t", "p", "ci")
_STAR_NOTE = "Signif. codes: *** p<0.001, ** p<0.01, * p<0.05, . p<0.1"


@dataclass(frozen=True)
class CompareTable:
    """A rendered comparison of models (see :func:`compare`).

    Attributes
    ----------
    model_names : list of str
    terms : list of str
        Coefficient names in table order.
    estimates, statistics : list of list of str
        ``[term][model]`` cell texts: the estimate (with stars) and the line beneath it;
        ``""`` where a model has no such term.
    gof_labels : list of str
    gof : list of list of str
        ``[row][model]`` goodness-of-fit cells.
    notes : list of str
        Lines printed under the table (what the bracketed figures are, the star legend).
    stat : str
        What the line beneath each estimate holds: "se", "t", "p" or "ci".
    """

    model_names: list[str]
    terms: list[str]
    estimates: list[list[str]]
    statistics: list[list[str]]
    gof_labels: list[str]
    gof: list[list[str]]
    notes: list[str]
    stat: str = "se"

    def _rows(self) -> list[list[str]]:
        rows: list[list[str]] = []
        for term, est, sub in zip(self.terms, self.estimates, self.statistics, strict=False):
            rows.append([term, *est])
            rows.append(["", *sub])
        return rows

    def _gof_rows(self) -> list[list[str]]:
        return [[label, *cells] for label, cells in zip(self.gof_labels, self.gof, strict=False)]

    def to_frame(self) -> pd.DataFrame:
        """The cells as strings: a row per estimate, a row per figure beneath it (index
        ``(term, "estimate")`` and ``(term, stat)``), then the goodness-of-fit rows
        (index ``(label, "")``)."""
        index: list[tuple[str, str]] = []
        data: list[list[str]] = []
        for term, est, sub in zip(self.terms, self.estimates, self.statistics, strict=False):
            index += [(term, "estimate"), (term, self.stat)]
            data += [est, sub]
        for label, cells in zip(self.gof_labels, self.gof, strict=False):
            index.append((label, ""))
            data.append(cells)
        out: pd.DataFrame = pd.DataFrame(
            data, index=pd.MultiIndex.from_tuples(index), columns=self.model_names
        )
        return out

    def _align(self) -> tuple[str, ...]:
        return ("left",) + ("center",) * len(self.model_names)

    def __str__(self) -> str:
        body: str = tabulate(
            self._rows() + [["", *[""] * len(self.model_names)]] + self._gof_rows(),
            headers=["", *self.model_names],
            tablefmt="simple",
            colalign=self._align(),
            disable_numparse=True,
        )
        return body + "\n" + "\n".join(self.notes) + "\n"

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self, tablefmt: str = "github") -> str:
        """A markdown table (``tablefmt`` "github" or "pipe"); notes follow as a paragraph."""
        if tablefmt not in ("github", "pipe"):
            raise ArgumentError(f"tablefmt must be 'github' or 'pipe', got {tablefmt!r}")
        esc = _md_escape
        rows = [[esc(c) for c in r] for r in self._rows() + self._gof_rows()]
        table: str = tabulate(
            rows,
            headers=["", *[esc(n) for n in self.model_names]],
            tablefmt=tablefmt,
            colalign=self._align(),
            disable_numparse=True,
        )
        return table + "\n\n" + "  \n".join(esc(n) for n in self.notes) + "\n"

    def to_latex(self) -> str:
        """A booktabs ``tabular``; special characters in names are escaped."""
        rows = self._rows() + [["\\midrule"]] + self._gof_rows()
        lines = [
            "\\begin{tabular}{l" + "c" * len(self.model_names) + "}",
            "\\toprule",
            " & ".join(["", *[_tex_escape(n) for n in self.model_names]]) + " \\\\",
            "\\midrule",
        ]
        for row in rows:
            if row == ["\\midrule"]:
                lines.append("\\midrule")
                continue
            lines.append(" & ".join(_tex_cell(c) for c in row) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        notes = [f"% {n}" for n in self.notes]
        return "\n".join(lines + notes) + "\n"

    def to_html(self) -> str:
        """An HTML ``<table>`` with the notes in its footer."""
        head = "".join(f"<th>{html.escape(n)}</th>" for n in ["", *self.model_names])
        body = []
        for row in self._rows():
            body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        gof = [
            '<tr class="gof">' + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self._gof_rows()
        ]
        span = len(self.model_names) + 1
        foot = "".join(f'<tr><td colspan="{span}">{html.escape(n)}</td></tr>' for n in self.notes)
        return (
            f'<table class="rglm-compare"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            f"{''.join(gof)}</tbody><tfoot>{foot}</tfoot></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _fixed(x: float, digits: int) -> str:
    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    text = f"{x:.{digits}f}"
    # "-0.000" reads as a sign error in a report.
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _tex_cell(text: str) -> str:
    """Escape a cell; trailing significance marks become a superscript."""
    body = text.rstrip("*.")
    marks = text[len(body) :]
    if not marks or not body or not body[-1].isdigit():
        return _tex_escape(text)
    return f"{_tex_escape(body)}$^{{{marks}}}$"


def compare(  # noqa: C901 - one branch per table row; to be split
    models: Sequence[ResultCore] | Mapping[str, ResultCore],
    names: Sequence[str] | None = None,
    stat: str = "se",
    stars: bool = True,
    digits: int = 3,
    extra: Sequence[str] = ("nobs", "aic", "bic", "deviance", "dispersion"),
    exponentiate: bool = False,
    level: float = 0.95,
) -> CompareTable:
    """A side-by-side table of fitted models.

    Parameters
    ----------
    models : sequence of ResultCore, or a mapping name -> ResultCore
    names : sequence of str, optional
        Column headings; by default the mapping's keys, else ``(1)``, ``(2)``, ...
    stat : {"se", "t", "p", "ci"}
        What goes beneath each estimate: the standard error in parentheses, the z or t
        statistic in parentheses, the p-value in parentheses, or the Wald interval
        :math:`\\hat\\beta \\pm z_{(1+\\text{level})/2}\\,\\mathrm{se}` in brackets.
    stars : bool
        Append R's significance stars (``***`` p < 0.001, ``**`` < 0.01, ``*`` < 0.05,
        ``.`` < 0.1) to the estimates, from each model's own p-values (z or t).
    digits : int
        Decimal places of every estimate and figure (counts excepted).
    extra : sequence of str
        Goodness-of-fit rows, from :data:`GOF_STATS`: ``nobs``, ``aic``, ``bic``, ``llf``,
        ``deviance``, ``null_deviance``, ``df_resid``, ``dispersion``.
    exponentiate : bool
        Report :math:`e^{\\hat\\beta}` (odds or rate ratios).  Standard errors become
        :math:`e^{\\hat\\beta}\\,\\mathrm{se}` (delta method) and intervals have their ends
        exponentiated; statistics and p-values are unchanged.
    level : float
        Confidence level for ``stat="ci"``.

    Returns
    -------
    CompareTable
        Terms in order of first appearance across the models; a model lacking a term has
        blank cells there; an aliased coefficient shows ``NA``.
    """
    if isinstance(models, Mapping):
        names = list(models) if names is None else list(names)
        fits = list(models.values())
    else:
        fits = list(models)
    if not fits:
        raise ArgumentError("compare() needs at least one model")
    for i, m in enumerate(fits):
        if not isinstance(m, ResultCore):
            raise ArgumentError(f"model {i + 1} is a {type(m).__name__}, not a fitted rglm model")
    names = [f"({i + 1})" for i in range(len(fits))] if names is None else [str(n) for n in names]
    if len(names) != len(fits):
        raise ArgumentError(f"{len(names)} names for {len(fits)} models")
    if stat not in _STATS:
        raise ArgumentError(f"stat must be one of {', '.join(_STATS)}, got {stat!r}")
    if int(digits) != digits or digits < 0:
        raise ArgumentError(f"digits must be a non-negative whole number, got {digits!r}")
    if not 0 < level < 1:
        raise ArgumentError(f"level must be between 0 and 1, got {level!r}")
    unknown = [e for e in extra if e not in GOF_STATS]
    if unknown:
        raise ArgumentError(f"unknown goodness-of-fit row {unknown[0]!r}; choose from {', '.join(GOF_STATS)}")

    terms: list[str] = []
    for m in fits:
        terms += [t for t in m.param_names if t not in terms]
    q = float(special.ndtri(0.5 + level / 2))
    estimates = [[""] * len(fits) for _ in terms]
    statistics = [[""] * len(fits) for _ in terms]
    for j, m in enumerate(fits):
        table = m.coef_table()  # flat, whatever layout a model gives params
        b, se = table.iloc[:, 0].to_numpy(), table.iloc[:, 1].to_numpy()
        t, p = table.iloc[:, 2].to_numpy(), table.iloc[:, 3].to_numpy()
        marks = sig_stars(p) if stars else [""] * len(b)
        for k, name in enumerate(m.param_names):
            i = terms.index(name)
            if np.isnan(b[k]):
                estimates[i][j], statistics[i][j] = "NA", ""
                continue
            est = math.exp(b[k]) if exponentiate else b[k]
            estimates[i][j] = _fixed(est, digits) + marks[k].strip()
            if stat == "se":
                statistics[i][j] = f"({_fixed(est * se[k] if exponentiate else se[k], digits)})"
            elif stat == "t":
                statistics[i][j] = f"({_fixed(t[k], digits)})"
            elif stat == "p":
                statistics[i][j] = f"({_fixed(p[k], digits)})"
            else:
                lo, hi = b[k] - q * se[k], b[k] + q * se[k]
                if exponentiate:
                    lo, hi = math.exp(lo), math.exp(hi)
                statistics[i][j] = f"[{_fixed(lo, digits)}, {_fixed(hi, digits)}]"
    gof_labels, gof = [], []
    for key in extra:
        label, attr, integer = GOF_STATS[key]
        gof_labels.append(label)
        # A statistic a model does not have (a null deviance, say) is left blank as NA.
        gof.append(
            [
                str(int(getattr(m, attr))) if integer else _fixed(float(getattr(m, attr, math.nan)), digits)
                for m in fits
            ]
        )
    what = {
        "se": "Standard errors in parentheses.",
        "t": "z or t statistics in parentheses.",
        "p": "p-values in parentheses.",
        "ci": f"{level:.0%} Wald confidence intervals in brackets.",
    }[stat]
    if exponentiate:
        what += " Estimates exponentiated."
    notes = [what] + ([_STAR_NOTE] if stars else [])
    return CompareTable(names, terms, estimates, statistics, gof_labels, gof, notes, stat)
