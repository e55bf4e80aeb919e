"""Estimated marginal means and their contrasts as users meet them: :func:`emmeans`,
:func:`contrast`, :func:`pairs`, :func:`emtrends`, and the tables they return,
:class:`EMMeans` and :class:`Contrasts`.

The numbers come from :mod:`rglm.inference.emmeans` and :mod:`rglm.inference.contrasts`;
this module lays them out as emmeans 1.8.4's ``print.summary_emm`` does: numeric columns
through ``zapsmall``, estimates and their intervals to the digits emmeans picks from the
spread of estimate ± 2 SE (its ``opt.digits``), df rounded to 2 decimals, test statistics to
3, p-values to 4 (``<.0001`` below), ``nonEst`` for a mean that is not estimable, one block
per ``by`` group, and emmeans' notes below.  ``to_frame()`` gives broom-style columns, and
``to_markdown``/``to_latex``/``to_html`` render the same cells as the model summary does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from tabulate import tabulate

from rglm.exceptions import ArgumentError
from rglm.inference.contrasts import contrast_grid
from rglm.inference.emmeans import EMMGrid, SummaryTable, emmeans_grid, emtrends_grid, regrid_grid, summarize
from rglm.numerics.format import NA_REAL, format_real, r_round
from rglm.results.escape import html_escape, md_escape, tex_escape

__all__ = ["Contrasts", "EMMeans", "contrast", "emmeans", "emtrends", "pairs", "regrid"]

TEST_STATS = ("t.ratio", "z.ratio")
#: R's ``getOption("width")``.
PRINT_WIDTH = 80
RENAME = {"SE": "std_error", "df": "df", "z.ratio": "statistic", "t.ratio": "statistic", "p.value": "p_value"}


def _zapsmall(x: np.ndarray, digits: int = 7) -> np.ndarray:
    """R's ``zapsmall`` (R 4.2): round to ``digits - ceiling(log10(max |x|))`` decimals."""
    ok = ~np.isnan(x)
    if not ok.any():
        return x
    mx = float(np.max(np.abs(x[ok])))
    # R: digits - ceiling(log10(Inf)) is -Inf, so an infinite entry rounds to 0 decimals.
    d = 0 if math.isinf(mx) else max(0, digits - math.ceil(math.log10(mx))) if mx > 0 else digits
    out: np.ndarray = r_round(x, d)
    return out


def _opt_dig(row: np.ndarray) -> int:
    """emmeans' ``.opt.dig`` for (estimate - 2 SE, estimate, estimate + 2 SE)."""
    if np.any(np.isnan(row)):
        return 3
    mx = float(np.max(np.abs(row)))
    if mx == 0 or not math.isfinite(mx):
        return 3
    z = np.array([row.min(), row.max()]) / mx
    dz = float(_zapsmall(np.array([z[1] - z[0], z[0], z[1]]), 8)[0])
    if dz == 0:
        return 3
    zz = float(r_round(1.51 - math.log10(dz), 0))
    return max(int(zz) if math.isfinite(zz) else 3, 3)


def _na(x: np.ndarray) -> list[float]:
    return [NA_REAL if math.isnan(v) else float(v) for v in x]


def _fmt_labels(col: pd.Series, digits: int) -> tuple[list[str], str]:
    if pd.api.types.is_bool_dtype(col.dtype):
        # R formats a logical column right-justified ("FALSE", " TRUE") but aligns it as text.
        values = ["TRUE" if v else "FALSE" for v in col]
        width = max((len(v) for v in values), default=0)
        return [v.rjust(width) for v in values], "L"
    if pd.api.types.is_numeric_dtype(col.dtype):
        return format_real(_na(_zapsmall(col.to_numpy(dtype=np.float64))), digits=digits), "R"
    values = ["NA" if v is None else str(v) for v in col]
    width = max((len(v) for v in values), default=0)
    return [v.ljust(width) for v in values], "L"


def _cells(s: SummaryTable) -> tuple[list[str], list[str], list[list[str]], list[list[str]]]:
    """Column names, justification and formatted cells, as ``print.summary_emm`` makes them."""
    x = s.frame
    est = _zapsmall(x[s.est_name].to_numpy(dtype=np.float64))
    se = _zapsmall(x["SE"].to_numpy(dtype=np.float64))
    digits = 3
    for e, d in zip(est, se, strict=True):
        digits = max(digits, _opt_dig(np.array([e - 2 * d, e, e + 2 * d])))
    names, just, cols, raw = [], [], [], []
    for name in x.columns:
        col = x[name]
        if name in (s.est_name, "SE", "df", "null", "p.value", *TEST_STATS) or (
            s.cl_names is not None and name in s.cl_names
        ):
            v = _zapsmall(col.to_numpy(dtype=np.float64))
            if name == "df":
                v = r_round(v, 2)
            if name in TEST_STATS:
                cells = format_real(_na(r_round(v, 3)), digits=7, nsmall=3, scipen=100)
            elif name == "p.value":
                cells = format_real(_na(r_round(v, 4)), digits=7, nsmall=4, scipen=100)
                cells = ["<.0001" if c.strip() == "0.0000" else c for c in cells]
            elif name == s.est_name and np.any(np.isnan(v)):
                cells = format_real(_na(v), digits=digits)
                cells = ["nonEst" if math.isnan(e) else c for c, e in zip(cells, v, strict=True)]
            else:
                cells = format_real(_na(v), digits=digits)
            j = "R"
        else:
            cells, j = _fmt_labels(col, digits)
        raw.append(cells)
        width = max([1, len(name), *(len(c) for c in cells)])
        cells = [c.rjust(width) if j == "R" else c.ljust(width) for c in cells]
        names.append(name)
        just.append(j)
        cols.append(cells)
    return names, just, cols, raw


def _groups(s: SummaryTable, names: list[str], cols: list[list[str]]) -> list[tuple[str, list[int]]]:
    """(heading, rows) of each ``by`` group, in emmeans' order; one untitled group without by."""
    n = len(s.frame)
    if not s.by_vars:
        return [("", list(range(n)))]
    keys = []
    for b in s.by_vars:
        col = s.frame[b]
        order = list(dict.fromkeys(col.tolist()))
        if pd.api.types.is_numeric_dtype(col.dtype):
            keys.append([float(v) for v in col])
        else:
            keys.append([order.index(v) for v in col])
    rows = sorted(range(n), key=lambda i: tuple(k[i] for k in reversed(keys)))
    out: dict[str, list[int]] = {}
    for i in rows:
        label = ", ".join(f"{b} = {cols[names.index(b)][i]}" for b in s.by_vars)
        out.setdefault(label, []).append(i)
    return list(out.items())


def _column_blocks(widths: list[int], width: int = PRINT_WIDTH) -> list[list[int]]:
    """Columns in the blocks R's ``print`` of a matrix uses when a row is wider than
    ``width``: a column joins the block while the line stays narrower than ``width``."""
    blocks: list[list[int]] = []
    j = 0
    while j < len(widths):
        block, used = [j], 1 + widths[j]
        j += 1
        while j < len(widths) and used + 1 + widths[j] < width:
            block.append(j)
            used += 1 + widths[j]
            j += 1
        blocks.append(block)
    return blocks


class _EMMTable:
    """What :class:`EMMeans` and :class:`Contrasts` share: the grid, its summary and its
    printout."""

    def __init__(self, grid: EMMGrid) -> None:
        self._grid = grid
        self._summary: SummaryTable | None = None

    @property
    def grid(self) -> EMMGrid:
        """The linear functions behind the table (:class:`rglm.inference.emmeans.EMMGrid`)."""
        return self._grid

    def summary(self) -> SummaryTable:
        """emmeans' ``summary()``: the table with R's column names and its notes."""
        if self._summary is None:
            self._summary = summarize(self._grid)
        return self._summary

    @property
    def notes(self) -> list[str]:
        """emmeans' messages that are not part of the table (R prints them when the call
        is made): the note that the means average over an interaction involving them."""
        if self._grid.note_interaction:
            return ["NOTE: Results may be misleading due to involvement in interactions"]
        return []

    @property
    def messages(self) -> list[str]:
        """emmeans' notes printed below the table."""
        return list(self.summary().messages)

    def _frame(self, columns: list[str]) -> pd.DataFrame:
        s = self.summary()
        x = s.frame
        labels = [c for c in x.columns if c in (*s.pri_vars, *s.by_vars)]
        rename = {s.est_name: "estimate", **RENAME}
        if s.cl_names is not None:
            rename.update({s.cl_names[0]: "conf_low", s.cl_names[1]: "conf_high"})
        out = x.rename(columns=rename)
        picked: pd.DataFrame = out[labels + [c for c in columns if c in out.columns]].copy()
        return picked

    # -- R's text ------------------------------------------------------------------------------
    def _blocks(self) -> tuple[list[tuple[str, list[str], list[list[str]]]], list[str], list[str]]:
        s = self.summary()
        names, just, cols, raw = _cells(s)
        shown = [i for i, n in enumerate(names) if n not in s.by_vars]
        headers = []
        for i in shown:
            width = len(cols[i][0]) if cols[i] else len(names[i])
            headers.append(names[i].ljust(width) if just[i] == "L" else names[i])
        blocks = []
        for title, rows in _groups(s, names, raw):
            body = [[cols[i][r] for i in shown] for r in rows]
            blocks.append((title, headers, body))
        align = ["right" if just[i] == "R" else "left" for i in shown]
        return blocks, s.messages, align

    def __str__(self) -> str:
        blocks, messages, _ = self._blocks()
        lines: list[str] = []
        for title, headers, body in blocks:
            widths = [max([len(h), *(len(r[j]) for r in body)]) for j, h in enumerate(headers)]
            if title:
                lines.append(f"{title}:")
            for cols in _column_blocks(widths):
                lines.append("".join(" " + headers[j].rjust(widths[j]) for j in cols))
                lines += ["".join(" " + r[j].rjust(widths[j]) for j in cols) for r in body]
            lines.append("")
        lines += [f"{m} " for m in messages]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return str(self)

    # -- reports -------------------------------------------------------------------------------
    def _report(self, fmt: str, escape: Any) -> tuple[list[str], list[str]]:
        blocks, messages, align = self._blocks()
        tables = []
        for title, headers, body in blocks:
            rows = [[escape(c.strip()) for c in r] for r in body]
            table = tabulate(
                rows,
                headers=[escape(h.strip()) for h in headers],
                tablefmt=fmt,
                disable_numparse=True,
                colalign=align,
            )
            tables.append((escape(title) + ":\n\n" if title and fmt == "github" else "") + table)
        return tables, [escape(m) for m in messages]

    def to_markdown(self) -> str:
        """The table(s) as GitHub markdown, one per ``by`` group, with emmeans' notes."""
        tables, notes = self._report("github", md_escape)
        return "\n\n".join(tables) + "\n\n" + "".join(f"- {m}\n" for m in notes)

    def to_latex(self) -> str:
        """The table(s) as LaTeX ``tabular`` (booktabs), with emmeans' notes."""
        blocks, _, _ = self._blocks()
        tables, notes = self._report("latex_booktabs", lambda t: t)
        titled = [(f"{tex_escape(b[0])}:\n" if b[0] else "") + t for b, t in zip(blocks, tables, strict=True)]
        return "\n".join(titled) + "\n" + " \\\\\n".join(tex_escape(m) for m in notes) + "\n"

    def to_html(self) -> str:
        """The table(s) as HTML, with emmeans' notes as a list."""
        blocks, _, _ = self._blocks()
        tables, notes = self._report("html", html_escape)
        parts = [
            (f"<p>{html_escape(b[0])}:</p>" if b[0] else "") + t for b, t in zip(blocks, tables, strict=True)
        ]
        items = "".join(f"<li>{m}</li>" for m in notes)
        return f'<div class="rglm-emmeans">{"".join(parts)}<ul>{items}</ul></div>'

    def _repr_html_(self) -> str:
        return self.to_html()

    def confint(self, level: float | None = None, adjust: str | None = None) -> Any:
        """Confidence intervals, as R's ``confint(object, level, adjust)``: the same table
        with ``conf_low`` and ``conf_high`` and no tests.  ``adjust`` (default: the
        object's, i.e. ``none`` for means and the method's default for contrasts) widens
        the intervals for the family of each ``by`` group: ``"tukey"`` (pairwise only,
        else ``"sidak"``), ``"sidak"``, ``"bonferroni"`` (also used for holm, BH and the
        other p-value methods, as emmeans does), ``"dunnettx"`` or ``"none"``."""
        g = self._grid
        if level is not None and not 0 < level < 1:
            raise ArgumentError(f"level must be between 0 and 1, got {level!r}")
        changed = replace(
            g,
            infer=(True, False),
            level=g.level if level is None else float(level),
            adjust=g.adjust if adjust is None else adjust,
        )
        return type(self)(changed)


class EMMeans(_EMMTable):
    """Estimated marginal means (R's ``emmeans()`` / ``emtrends()`` result).

    ``str()`` prints R's table; :meth:`to_frame` gives the label columns and ``estimate``,
    ``std_error``, ``df``, ``conf_low``, ``conf_high``.
    """

    def to_frame(self) -> pd.DataFrame:
        """One row per mean: its labels, ``estimate``, ``std_error``, ``df``, ``conf_low``,
        ``conf_high`` (on the response scale for ``type="response"``)."""
        return self._frame(["estimate", "std_error", "df", "conf_low", "conf_high", "statistic", "p_value"])

    def contrast(self, method: Any = "pairwise", **kwargs: Any) -> Contrasts:
        """:func:`contrast` of these means."""
        return contrast(self, method, **kwargs)

    def pairs(self, **kwargs: Any) -> Contrasts:
        """:func:`pairs` of these means."""
        return pairs(self, **kwargs)


class Contrasts(_EMMTable):
    """Contrasts of estimated marginal means (R's ``contrast()`` / ``pairs()`` result).

    :meth:`to_frame` gives ``contrast``, the ``by`` columns and ``estimate``, ``std_error``,
    ``df``, ``statistic``, ``p_value`` (p-values adjusted as the table says).
    """

    def to_frame(self) -> pd.DataFrame:
        """One row per contrast: ``contrast``, ``by`` columns, ``estimate``, ``std_error``,
        ``df``, ``statistic``, ``p_value`` (``conf_low``, ``conf_high`` instead of the tests
        after :meth:`confint`)."""
        return self._frame(["estimate", "std_error", "df", "conf_low", "conf_high", "statistic", "p_value"])

    @property
    def adjust(self) -> str:
        """The p-value adjustment used (after emmeans' tukey-to-sidak rule)."""
        return self.summary().adjust


def emmeans(
    model: Any,
    specs: Any,
    *,
    by: Any = None,
    at: Mapping[str, Any] | None = None,
    type: str = "link",
    weights: Any = None,
    level: float = 0.95,
    vcov: Any = None,
    offset: float | None = None,
) -> EMMeans:
    """Estimated marginal means, as R's ``emmeans(model, specs, ...)`` (emmeans 1.8.4).

    Parameters
    ----------
    model : GLMResult (``glm``, ``glm_nb``) or any object with an ``emm_basis()`` method
    specs : str or list of str
        A factor name, a list of names, or a formula string: ``"~ g"``, ``"~ a * b"``,
        ``"~ g | h"`` (means of g within each level of h).
    by : str or list of str, optional
        Variables to group by (as ``|`` in ``specs``).
    at : dict, optional
        Values of predictors in the reference grid: a covariate's values (default: its mean)
        or a subset of a factor's levels.
    type : {"link", "response"}
        The scale of the estimates; ``"response"`` back-transforms them by the inverse link
        (delta-method standard errors, transformed limits), named ``rate``, ``prob`` or
        ``response`` as R names them.
    weights : {"equal", "proportional", "outer", "cells", "flat"} or sequence, optional
        How means are averaged over the other factors (default equal; see
        :mod:`rglm.inference.emmeans`).  Counts are observations, not prior weights.
    level : float
        Confidence level of the intervals.
    vcov : DataFrame or array, optional
        A covariance matrix of the coefficients to use instead of the model's (e.g.
        ``model.robust("HC3").cov_params()``).
    offset : float, optional
        The offset of every grid point (default: the mean of the model's offset vector).
    """
    return EMMeans(
        emmeans_grid(
            model, specs, by=by, at=at, type=type, weights=weights, level=level, vcov=vcov, offset=offset
        )
    )


def emtrends(
    model: Any,
    specs: Any,
    var: str,
    *,
    by: Any = None,
    at: Mapping[str, Any] | None = None,
    weights: Any = None,
    level: float = 0.95,
    vcov: Any = None,
) -> EMMeans:
    """Estimated marginal slopes in the covariate ``var`` on the link scale, as R's
    ``emtrends(model, specs, var)``: the forward difference of the linear predictor with
    step :math:`0.001\\,\\mathrm{range}(var)`, averaged as :func:`emmeans` averages."""
    return EMMeans(emtrends_grid(model, specs, var, by=by, at=at, weights=weights, level=level, vcov=vcov))


def _grid_of(emm: Any) -> EMMGrid:
    if isinstance(emm, _EMMTable):
        return emm.grid
    if isinstance(emm, EMMGrid):
        return emm
    raise ArgumentError(f"contrast needs the result of rglm.emmeans, got {type(emm).__name__}")


def contrast(
    emm: EMMeans | Contrasts,
    method: Any = "pairwise",
    *,
    adjust: str | None = None,
    ref: Any = None,
    type: str | None = None,
    by: Any = ...,
    **options: Any,
) -> Contrasts:
    """Contrasts of estimated marginal means, as R's ``contrast(emm, method, ...)``.

    Parameters
    ----------
    emm : EMMeans
    method : str or dict
        ``"pairwise"``, ``"revpairwise"``, ``"trt.vs.ctrl"``, ``"consec"``, ``"poly"``,
        ``"eff"``, ``"del.eff"``, ``"identity"``, or ``{name: coefficients}``.  (R's default
        is ``"eff"``.)
    adjust : str, optional
        ``"tukey"``, ``"sidak"``, ``"bonferroni"``, ``"holm"``, ``"hochberg"``, ``"hommel"``,
        ``"BH"``/``"fdr"``, ``"BY"``, ``"dunnettx"``, ``"mvt"`` or ``"none"``; by default the
        method's (tukey for pairwise, dunnettx for trt.vs.ctrl, mvt for consec, fdr for eff
        and del.eff, none otherwise).  Tukey on a family that is not pairwise becomes Sidak.
    ref : str or list, optional
        The control level(s) of ``trt.vs.ctrl`` (labels; integers are R's 1-based positions).
    type : {"link", "response"}, optional
        The scale of the summary (default: that of ``emm``); on a log or logit link the
        contrasts are then ratios or odds ratios, tested on the link scale.
    by : str or list, optional
        Grouping (default: that of ``emm``).
    options
        Passed to the method: ``reverse``, ``max_degree`` (poly), ``wts`` (eff).
    """
    if type not in (None, "link", "response"):
        raise ArgumentError(f"type must be 'link' or 'response', got {type!r}")
    if ref is not None:
        options["ref"] = ref
    options = {("max_degree" if k == "max.degree" else k): v for k, v in options.items()}
    return Contrasts(contrast_grid(_grid_of(emm), method, by=by, adjust=adjust, type=type, **options))


def pairs(
    emm: EMMeans | Contrasts, *, adjust: str | None = None, reverse: bool = False, **kwargs: Any
) -> Contrasts:
    """All pairwise differences (R's ``pairs(emm)``): ``contrast(emm, "pairwise")``, or
    ``"revpairwise"`` with ``reverse=True``."""
    return contrast(emm, "revpairwise" if reverse else "pairwise", adjust=adjust, **kwargs)


def regrid(emm: EMMeans) -> EMMeans:
    """The means re-expressed on the response scale as new estimates, as R's
    ``regrid(emm)``: their covariance follows by the delta method, so that contrasts of the
    result are differences of probabilities or rates (not ratios or odds ratios), tested on
    the response scale."""
    return EMMeans(regrid_grid(_grid_of(emm)))
