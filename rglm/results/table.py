"""Tables of deviance and model selection that print like R's ``print.anova``.

:class:`AnovaTable` is a :class:`pandas.DataFrame` with a heading.  Its ``str()`` is what R
prints for the same table: the heading lines, then the body as ``printCoefmat`` lays it out
for ``print.anova`` (``digits = 5``; Df columns as they are; statistic columns such as
``F``, ``Cp`` and ``F value`` rounded to 4 decimals; every other column put through
``zapsmall``; p-values through ``format.pval`` with significance stars and their legend).
Missing entries print blank, as R's ``na.print = ""``.

Entries that R leaves structurally empty (the first row's Df, a p-value where Df is 0) are
stored as R's ``NA`` (:data:`rglm.numerics.format.NA_REAL`, a NaN with R's payload); a NaN that comes
from arithmetic prints ``NaN``, as in R.  Both are NaN to pandas.

Any slice or copy of the table is a plain DataFrame, so ordinary pandas work is unaffected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from tabulate import tabulate

from rglm.frame.formula import split_top_level
from rglm.numerics.format import (
    DBL_EPSILON,
    NA_REAL,
    SIGNIF_LEGEND,
    _fround,
    _print_char_matrix,
    _symnum_star,
    format_pval,
    format_real,
    is_na,
)
from rglm.results.escape import html_escape
from rglm.results.escape import md_escape as _md_escape
from rglm.results.escape import tex_escape as _tex_escape

__all__ = ["AnovaTable", "deparse_formula", "print_anova_lines"]

#: R's default ``getOption("digits") - 2`` used by ``print.anova``.
ANOVA_DIGITS = 5
#: R's ``width.cutoff`` for ``deparse``.
DEPARSE_CUTOFF = 60


class AnovaTable(pd.DataFrame):
    """A DataFrame that prints like R's ``anova`` objects.

    Attributes
    ----------
    heading : list of str
        R's ``attr(x, "heading")``: printed first, each element followed by a newline.
    print_style : {"anova", "data.frame"}
        ``"anova"`` prints as R's ``print.anova``; ``"data.frame"`` as ``print.data.frame``
        (used by the path of :func:`rglm.step`, a plain data frame in R).
    """

    _metadata: ClassVar[list[str]] = ["heading", "print_style"]
    heading: list[str]
    print_style: str

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        heading: Sequence[str] = (),
        print_style: str = "anova",
        **kwargs: Any,
    ) -> None:
        super().__init__(data, *args, **kwargs)  # type: ignore[call-arg]
        object.__setattr__(self, "heading", list(heading))
        object.__setattr__(self, "print_style", print_style)

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        # Slices, copies and arithmetic give plain frames: their heading would no longer be true.
        return pd.DataFrame

    # -- R's text -------------------------------------------------------------------------------
    def lines(self, width: int = 80) -> list[str]:
        """The printed lines, heading included, without trailing newlines."""
        head = "".join(h + "\n" for h in self.heading).split("\n")[:-1] if self.heading else []
        if self.print_style == "data.frame":
            return head + _data_frame_lines(self, width)
        return head + print_anova_lines(self, width=width)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return str(self)

    # -- report formats ---------------------------------------------------------------------------
    def _report_cells(self) -> tuple[list[str], list[list[str]], bool]:
        """Header, rows of formatted cells (as printed, blanks stripped), and whether the
        significance legend belongs under the table."""
        if self.print_style == "data.frame":
            names, cols, cells = _data_frame_cells(self)
            return (
                ["", *cols],
                [[n, *(c.strip() for c in row)] for n, row in zip(names, cells, strict=False)],
                False,
            )
        names, cols, cells, stars = _anova_cells(self)
        return (
            ["", *cols],
            [[n, *(c.strip() for c in row)] for n, row in zip(names, cells, strict=False)],
            stars,
        )

    def _cells(self, index: bool) -> tuple[list[str], list[list[str]], bool]:
        headers, rows, stars = self._report_cells()
        if not index:
            headers, rows = headers[1:], [row[1:] for row in rows]
        return headers, rows, stars

    def _export(self, kind: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
        """pandas' exporter signature: ``buf`` (first positional; a path or a file-like object,
        written to, returning None), ``index`` (show the row names), ``mode`` and ``encoding``
        for a path.  Any other pandas option is honoured by pandas' own exporter of the same
        numbers as a plain DataFrame (without R's formatting)."""
        if len(args) > 1 or set(kwargs) - {"buf", "index", "mode", "encoding"}:
            out: str | None = getattr(pd.DataFrame(self), f"to_{kind}")(*args, **kwargs)
            return out
        options = {"buf": args[0], **kwargs} if args else dict(kwargs)
        render = {"markdown": self._markdown, "latex": self._latex, "html": self._html}[kind]
        text = render(bool(options.get("index", True)))
        buf = options.get("buf")
        if buf is None:
            return text
        if hasattr(buf, "write"):
            buf.write(text)
        else:
            with open(buf, options.get("mode") or "w", encoding=options.get("encoding") or "utf-8") as fh:
                fh.write(text)
        return None

    def to_markdown(self, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        """The table as a GitHub (pipe) markdown table with the heading as text above it;
        pandas' arguments as :meth:`_export` describes (``buf``, ``index``, ...)."""
        return self._export("markdown", args, kwargs)

    def to_latex(self, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        """The table as a LaTeX ``tabular`` (booktabs), the heading as text above it; pandas'
        arguments as :meth:`_export` describes."""
        return self._export("latex", args, kwargs)

    def to_html(self, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        """The table as HTML, the heading as paragraphs above it; pandas' arguments as
        :meth:`_export` describes."""
        return self._export("html", args, kwargs)

    def _markdown(self, index: bool) -> str:
        headers, rows, stars = self._cells(index)
        esc = _md_escape
        table = tabulate(
            [[esc(c) for c in row] for row in rows],
            headers=[esc(h) for h in headers],
            tablefmt="github",
            colalign=(("left",) if index else ()) + ("right",) * (len(headers) - int(index)),
            disable_numparse=True,
        )
        parts = [esc(" ".join(h.split())) for h in self._heading_text()]
        parts.append(table)
        if stars:
            parts.append(esc(SIGNIF_LEGEND))
        return "\n\n".join(parts) + "\n"

    def _latex(self, index: bool) -> str:
        headers, rows, stars = self._cells(index)
        body: str = tabulate(
            rows,
            headers=headers,
            tablefmt="latex_booktabs",
            colalign=(("left",) if index else ()) + ("right",) * (len(headers) - int(index)),
            disable_numparse=True,
        )
        head = "".join(_tex_escape(" ".join(h.split())) + " \\\\\n" for h in self._heading_text())
        tail = _tex_escape(SIGNIF_LEGEND) + "\n" if stars else ""
        return head + body + "\n" + tail

    def _html(self, index: bool) -> str:
        headers, rows, stars = self._cells(index)
        body = tabulate(
            rows,
            headers=headers,
            tablefmt="html",
            colalign=(("left",) if index else ()) + ("right",) * (len(headers) - int(index)),
            disable_numparse=True,
        )
        head = "".join(f"<p>{html_escape(' '.join(h.split()))}</p>" for h in self._heading_text())
        tail = f"<p>{html_escape(SIGNIF_LEGEND)}</p>" if stars else ""
        return f'<div class="rglm-anova">{head}{body}{tail}</div>'

    def _repr_html_(self) -> str:
        return self._html(True)

    def _heading_text(self) -> list[str]:
        text = "".join(h + "\n" for h in self.heading)
        return [line for line in text.split("\n") if line.strip()]


# -- print.anova ------------------------------------------------------------------------------------
def _zapsmall(x: list[float], digits: int) -> list[float]:
    """R's ``zapsmall``: round to ``digits - log10(max |x|)`` decimals (R rounds a fractional
    ``digits`` argument of ``round`` to the nearest whole number)."""
    present = [abs(v) for v in x if not math.isnan(v)]
    if not present:
        return x
    mx = max(present)
    d = max(0.0, digits - math.log10(mx)) if mx > 0 else float(digits)
    dig = math.floor(d + 0.5)
    return [v if math.isnan(v) else _fround(v, dig) for v in x]


def _column_roles(cols: Sequence[str]) -> tuple[bool, set[int], set[int]]:
    """print.anova's choice: whether the last column is a p-value, which columns are test
    statistics (rounded to 4 decimals) and which are put through ``zapsmall``."""
    nc = len(cols)
    has_p = nc > 0 and (cols[-1].startswith("P(") or cols[-1].startswith("Pr("))
    tst = {j for j, c in enumerate(cols) if c[1:7] == " value"} | {
        j for j, c in enumerate(cols) if c in ("F", "Cp", "Chisq")
    }
    zap = set(range(nc - 1 if has_p else nc)) - tst - {j for j, c in enumerate(cols) if c.endswith("Df")}
    return has_p, tst, zap


def _anova_cells(  # noqa: C901 - follows R's function step for step; to be split
    table: pd.DataFrame, digits: int = ANOVA_DIGITS
) -> tuple[list[str], list[str], list[list[str]], bool]:
    """R's ``printCoefmat(x, cs.ind = NULL, zap.ind, tst.ind, na.print = "")`` as called by
    ``print.anova``: row names, column labels (the stars column last, unnamed) and cells."""
    cols = [str(c) for c in table.columns]
    rows = [str(r) for r in table.index]
    nr, nc = len(rows), len(cols)
    xm = [[float(v) for v in table.iloc[:, j].to_numpy(dtype=np.float64)] for j in range(nc)]
    has_p, tst, zap = _column_roles(cols)
    dig_tst = max(1, min(5, digits - 1))
    ina = [[math.isnan(v) for v in c] for c in xm]
    inan = [[math.isnan(v) and not is_na(v) for v in c] for c in xm]
    for j in sorted(zap):
        xm[j] = _zapsmall(xm[j], digits)
    cf = [[""] * nr for _ in range(nc)]
    for j in range(nc):
        if j in tst:
            cf[j] = format_real([_fround(v, dig_tst) for v in xm[j]], digits)
        elif not (has_p and j == nc - 1):
            cf[j] = format_real(xm[j], digits)
    # Entries whose formatting reads 0 although the value is not (or the reverse) are formatted
    # again, all together, with one digit less.
    ok_cols = [j for j in range(nc - 1 if has_p else nc) if j not in tst]
    bad: list[tuple[int, int]] = []
    for j in ok_cols:
        for i in range(nr):
            if ina[j][i]:
                continue
            try:
                shown = float(cf[j][i])
            except ValueError:
                continue
            if (xm[j][i] == 0) != (shown == 0):
                bad.append((j, i))
    if bad:
        for (j, i), s in zip(bad, format_real([xm[j][i] for j, i in bad], max(1, digits - 1)), strict=False):
            cf[j][i] = s
    for j in range(nc):
        for i in range(nr):
            if ina[j][i]:
                cf[j][i] = "NaN" if inan[j][i] else ""
    stars_col: list[str] = []
    show_stars = False
    if has_p:
        pv = xm[nc - 1]
        okp = [i for i in range(nr) if not ina[nc - 1][i]]
        if okp:
            for i, s in zip(okp, format_pval([pv[i] for i in okp], dig_tst, DBL_EPSILON), strict=False):
                cf[nc - 1][i] = s
            show_stars = any(pv[i] < 0.1 for i in okp)
            if show_stars:
                raw = [_symnum_star(p) for p in pv]
                texts = ["NA" if s is None else s for s in raw]
                sw = max(len(s) for s in texts)
                stars_col = [s.ljust(sw) for s in texts]
    cells = [[cf[j][i] for j in range(nc)] + ([stars_col[i]] if show_stars else []) for i in range(nr)]
    return rows, cols + ([""] if show_stars else []), cells, show_stars


def print_anova_lines(table: pd.DataFrame, width: int = 80) -> list[str]:
    """The body of R's ``print.anova`` for ``table`` (no heading), line by line."""
    rows, cols, cells, stars = _anova_cells(table)
    lines = _print_char_matrix(cells, rows, cols, width)
    if stars:
        lines += ["---", SIGNIF_LEGEND]
    return lines


# -- print.data.frame (the step path) -----------------------------------------------------------
def _data_frame_cells(table: pd.DataFrame) -> tuple[list[str], list[str], list[list[str]]]:
    cols = [str(c) for c in table.columns]
    formatted: list[list[str]] = []
    for j in range(len(cols)):
        s = table.iloc[:, j]
        if pd.api.types.is_numeric_dtype(s.dtype):
            formatted.append(format_real(s.to_numpy(dtype=np.float64), 7))
        else:
            formatted.append([str(v) for v in s])
    cells = [[formatted[j][i] for j in range(len(cols))] for i in range(len(table))]
    return [str(r) for r in table.index], cols, cells


def _data_frame_lines(table: pd.DataFrame, width: int) -> list[str]:
    rows, cols, cells = _data_frame_cells(table)
    return _print_char_matrix(cells, rows, cols, width)


# -- deparse ------------------------------------------------------------------------------------
def deparse_formula(formula: str, cutoff: int = DEPARSE_CUTOFF) -> list[str]:
    """A formula as R's ``deparse`` writes it: blanks around ``~``, ``+`` and ``-``, and a
    line break after an operator once a line is longer than ``cutoff`` characters, the next
    line indented by 4 blanks (``deparse``'s rule for binary operators, which R applies to
    the left-nested sum ``((a + b) + c)``).

    Terms are kept as written, e.g. ``C(cyl)`` or ``a:b``.
    """
    sides = [p.strip() for _, p in split_top_level(formula, "~")]
    lhs, rhs = (sides[0], sides[1]) if len(sides) == 2 else ("", sides[0])
    pieces = [(sep, " ".join(p.split())) for sep, p in split_top_level(rhs, "+-")]
    if len(pieces) > 1 and not pieces[0][1]:  # a leading sign, as in "-1 + x"
        pieces = [("", pieces[1][0] + pieces[1][1])] + pieces[2:]
    out = _Deparser(cutoff)
    broke_tilde = False
    if lhs:
        out.emit(f"{lhs} ~ ")
        broke_tilde = out.linebreak()
    else:
        out.emit("~")
    for k, (sep, term) in enumerate(pieces):
        if k == 0:
            out.emit(term)
            continue
        out.emit(f" {sep} ")
        broke = out.linebreak()
        out.emit(term)
        if broke:
            out.indent -= 1
    if broke_tilde:
        out.indent -= 1
    out.lines.append(out.buf)
    return out.lines


class _Deparser:
    """The line buffer of R's deparser: indentation of 4 blanks per level (2 beyond 4)."""

    def __init__(self, cutoff: int) -> None:
        self.cutoff = cutoff
        self.lines: list[str] = []
        self.buf = ""
        self.indent = 0
        self.start = True

    def emit(self, text: str) -> None:
        if self.start:
            self.start = False
            self.buf = "    " * min(self.indent, 4) + "  " * max(self.indent - 4, 0)
        self.buf += text

    def linebreak(self) -> bool:
        if len(self.buf) <= self.cutoff:
            return False
        self.indent += 1
        self.lines.append(self.buf)
        self.buf, self.start = "", True
        return True


def na_vector(n: int) -> np.ndarray:
    """``n`` copies of R's NA (which prints blank in an anova table)."""
    return np.full(n, NA_REAL)
