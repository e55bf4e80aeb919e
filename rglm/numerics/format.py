"""R-compatible number formatting for printing GLM summaries.

This module reimplements, in plain Python, the parts of R's printing
machinery that ``print.summary.glm`` relies on, so that rglm can print
character-for-character what R (>= 4.3, Linux x86_64) prints:

* :func:`format_real` -- ``format(x, digits=, nsmall=)`` for doubles
  (C level ``formatReal()``, ``scientific()`` and ``EncodeReal0()``, in
  :mod:`rglm.numerics.format_real`);
* :func:`format_pval` -- ``format.pval()``;
* :func:`signif` and :func:`r_round` -- R's ``signif()`` and ``round()``
  (nmath ``fprec()`` and the R >= 4.0.0 ``fround()`` algorithm);
* :func:`sig_stars` and :data:`SIGNIF_LEGEND` -- the ``symnum()`` stars;
* :func:`coef_matrix_lines` -- ``printCoefmat()`` followed by
  ``print.default()`` of the resulting character matrix.

The reference is R on Linux x86_64, where ``scientific()`` works in 80-bit
long double and calls glibc's ``powl``; both are emulated exactly with
integer arithmetic, so results do not depend on the Python platform.

Missing values
--------------
R distinguishes ``NA`` (a NaN whose low word is 1954) from other NaNs and
prints them differently (``"NA"`` versus ``"NaN"``).  Here a float is NA
when it carries R's payload (see :data:`NA_REAL`, :func:`is_na`) or when
it is given as ``None``; any other NaN is NaN.  ``numpy.nan`` is
therefore a NaN, except in :func:`coef_matrix_lines` where a row that is
entirely NaN is an aliased coefficient and prints as ``NA`` (as in R).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from rglm.numerics.format_real import _DBL_DIG, NA_REAL, FloatsLike, _as_floats, format_real, is_na

__all__ = [
    "NA_REAL",
    "SIGNIF_LEGEND",
    "coef_matrix_lines",
    "format_pval",
    "format_real",
    "is_na",
    "r_round",
    "sig_stars",
    "signif",
]

#: The legend line printed by ``printCoefmat`` (with R's UTF-8 quotes).
SIGNIF_LEGEND = (
    "Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 "
    "\u2018.\u2019 0.1 \u2018 \u2019 1"
)

DBL_EPSILON = 2.220446049250313e-16

_M_LOG10_2 = 0.301029995663981195213738894724  # C's M_LOG10_2
_MAX10E = 308  # DBL_MAX_10_EXP


def _str_width(s: str) -> int:
    """Display width of a string as R's ``Rstrwid`` counts it (wide = 2)."""
    if s.isascii():
        return len(s)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        for ch in s
    )


# ---- round() and signif() ----------------------------------------------


def _pow_di(x: float, n: int) -> float:
    """R's ``R_pow_di``: x^n by repeated squaring in double precision."""
    xn = 1.0
    if n != 0:
        neg, n = n < 0, abs(n)
        while True:
            if n & 1:
                xn *= x
            n >>= 1
            if not n:
                break
            x *= x
        if neg:
            xn = 1.0 / xn
    return xn


def _rint(x: float) -> float:
    """C ``nearbyint``: round to nearest, ties to even, keeping the sign."""
    return math.copysign(float(round(x)), x)


def _fround(x: float, digits: int) -> float:
    """R (>= 4.0.0) ``fround``: the closer of the two candidates.

    ``x`` is bracketed by ``floor(x*10^d)/10^d`` and ``ceil(x*10^d)/10^d``
    (both computed in double) and the nearer one is returned, the even
    one on an exact tie; no rounding is done when ``x`` already has at
    most 15 significant digits to the left of that place.
    """
    if math.isnan(x) or math.isinf(x) or x == 0.0 or digits > _MAX10E + _DBL_DIG:
        return x
    if digits < -_MAX10E:
        return 0.0
    if digits == 0:
        return _rint(x)
    sgn = 1.0
    if x < 0.0:
        sgn, x = -1.0, -x
    l10x = _M_LOG10_2 * (0.5 + (math.frexp(x)[1] - 1))  # ~ log10(x) via logb
    if l10x + digits > _DBL_DIG:
        return sgn * x
    if digits <= _MAX10E:
        pow10 = _pow_di(10.0, digits)
        x10 = x * pow10
        i10 = float(math.floor(x10))
        xd, xu = i10 / pow10, float(math.ceil(x10)) / pow10
    else:  # |x| ~ 1e-305: split the scaling to avoid overflow of 10^d
        p10 = _pow_di(10.0, digits - _MAX10E)
        pow10 = _pow_di(10.0, _MAX10E)
        x10 = (x * pow10) * p10
        i10 = float(math.floor(x10))
        xd, xu = i10 / pow10 / p10, float(math.ceil(x10)) / pow10 / p10
    du, dd = xu - x, x - xd
    return sgn * (xu if (du < dd or (math.fmod(i10, 2.0) == 1 and du == dd)) else xd)


def _fprec(x: float, digits: int) -> float:
    """R's nmath ``fprec`` (``signif``), step by step in double precision."""
    if math.isnan(x) or math.isinf(x) or x == 0.0:
        return x
    dig = digits
    if dig > 22:
        return x
    dig = max(dig, 1)
    sgn = 1.0
    if x < 0.0:
        sgn, x = -1.0, -x
    l10 = math.log10(x)
    e10 = dig - 1 - math.floor(l10)
    if abs(l10) < _MAX10E - 2:
        p10 = 1.0
        if e10 > _MAX10E:  # below 10^(dig-1) * 1e-308: scale in two steps
            p10 = _pow_di(10.0, e10 - _MAX10E)
            e10 = _MAX10E
        if e10 > 0:  # multiply by an exact power >= 1 where possible
            pow10 = _pow_di(10.0, e10)
            return sgn * (_rint((x * pow10) * p10) / pow10) / p10
        pow10 = _pow_di(10.0, -e10)
        return sgn * (_rint(x / pow10) * pow10)
    # extremely large or small: scale by 10^(+-22) first
    do_round = _MAX10E - l10 >= _pow_di(10.0, -dig)
    e2 = dig + (22 if e10 > 0 else -22)
    p10 = _pow_di(10.0, e2)
    x *= p10
    big_p10 = _pow_di(10.0, e10 - e2)
    x *= big_p10
    if do_round:
        x += 0.5
    x = float(math.floor(x)) / p10
    return sgn * x / big_p10


def _vectorise(f: Callable[[float, int], float], x: FloatsLike, digits: int) -> np.ndarray:
    """Apply a scalar rounding function elementwise, keeping the shape."""
    shape = x.shape if isinstance(x, np.ndarray) else (len(x),)
    out = np.array([f(v, digits) for v in _as_floats(x)], dtype=float)
    return out.reshape(shape, order="F")


@overload
def signif(x: float, digits: int = ...) -> float: ...
@overload
def signif(x: FloatsLike, digits: int = ...) -> np.ndarray: ...
def signif(x: float | FloatsLike, digits: int = 6) -> float | np.ndarray:
    """R's ``signif(x, digits)``: round to ``digits`` significant digits.

    ``digits`` below 1 is treated as 1 and above 22 leaves ``x``
    unchanged; NA/NaN/Inf pass through.  A scalar gives a float, anything
    else a float ndarray of the same shape.
    """
    if isinstance(x, (int, float, np.number)):
        return _fprec(float(x), digits)
    return _vectorise(_fprec, x, digits)


@overload
def r_round(x: float, digits: int = ...) -> float: ...
@overload
def r_round(x: FloatsLike, digits: int = ...) -> np.ndarray: ...
def r_round(x: float | FloatsLike, digits: int = 0) -> float | np.ndarray:
    """R's ``round(x, digits)`` (R >= 4.0.0 algorithm, ties to even).

    A scalar gives a float, anything else a float ndarray of its shape.
    """
    if isinstance(x, (int, float, np.number)):
        return _fround(float(x), digits)
    return _vectorise(_fround, x, digits)


# ---- format.pval() and significance stars ------------------------------


def format_pval(pv: FloatsLike, digits: int, eps: float = DBL_EPSILON, na_form: str = "NA") -> list[str]:
    """R's ``format.pval(pv, digits, eps, na.form)``.

    Values below ``eps`` print as ``"<" + format(eps, digits=max(1,
    digits-2))`` (``"<2e-16"``; with a blank after ``<`` unless the other
    entries are at most 6 characters wide).  The remaining values are
    formatted with ``format(., digits=digits)`` in two groups, those with
    exponent >= -3 (or == -4 when ``digits > 1``) and the rest, so that
    fixed and scientific values do not share a format.  NA and NaN
    become ``na_form``.  The result is not padded to a common width.
    """
    vals = _as_floats(pv)
    rest = [v for v in vals if not math.isnan(v) and not v < eps]
    rr: list[str] = [""] * len(rest)
    # fixed-looking (exponent >= -3, or -4 if digits > 1) and the others are
    # formatted as two separate vectors; log10 >= -4 <=> floor(log10) >= -4
    l10 = [math.log10(v if v > 0 else 1e-50) for v in rest]
    for fixp in (True, False):
        idx = [i for i, lg in enumerate(l10) if (lg >= -3 or (lg >= -4 and digits > 1)) == fixp]
        for i, s in zip(idx, format_real([rest[i] for i in idx], digits), strict=False):
            rr[i] = s
    dig = max(1, digits - 2)
    if rest:
        nc = max(_str_width(s) for s in rr)
        if dig > 1 and dig + 6 > nc:
            dig = max(1, nc - 7)
        sep = "" if (dig == 1 and nc <= 6) else " "
    else:
        sep = "" if dig == 1 else " "
    small = "<" + sep + format_real([eps], dig)[0]
    it = iter(rr)
    return [na_form if math.isnan(v) else small if v < eps else next(it) for v in vals]


_CUTS = (0.0, 0.001, 0.01, 0.05, 0.1, 1.0)
_STARS = ("***", "**", "*", ".", " ")


def _symnum_star(p: float) -> str | None:
    """``symnum`` on one p-value: interval ``[0,.001], (.001,.01], ...``.

    Returns "" for NA/NaN (``na = FALSE``) and None (R's NA) outside [0, 1].
    """
    if math.isnan(p):
        return ""
    if p == _CUTS[0] or (p < 0 and abs(p) < 1e-5):  # include.lowest / eps fuzz
        return _STARS[0]
    for i in range(5):
        if _CUTS[i] < p <= _CUTS[i + 1]:
            return _STARS[i]
    return None


def sig_stars(pvalues: FloatsLike) -> list[str]:
    """Significance codes as ``printCoefmat`` shows them (unpadded).

    Cutpoints 0, 0.001, 0.01, 0.05, 0.1, 1 with right-closed intervals
    (so 0.05 gives ``"*"``): ``***``, ``**``, ``*``, ``.``, ``" "``;
    NA/NaN gives ``""`` and values outside [0, 1] give ``"NA"``.
    """
    return [s if s is not None else "NA" for s in map(_symnum_star, _as_floats(pvalues))]


# ---- printCoefmat ------------------------------------------------------


def _parse_num(s: str) -> float | None:
    """``as.numeric`` on a formatted entry (None for NA)."""
    try:
        return float(s.strip())
    except ValueError:
        return None


def _print_char_matrix(
    cells: list[list[str]], row_names: Sequence[str], col_names: Sequence[str], width: int
) -> list[str]:
    """``print.default(<character matrix>, quote=FALSE, right=TRUE)``.

    Row names are left-justified to their common width; each column is
    right-justified to the widest of its entries and label, preceded by
    one blank (``print.gap``).  Columns that do not fit in ``width`` go
    into further blocks, each repeating the header line.
    """
    nc = len(col_names)
    rlabw = max([_str_width(s) for s in row_names], default=0)
    w = [max([_str_width(row[j]) for row in cells] + [_str_width(col_names[j])]) for j in range(nc)]
    lines: list[str] = []
    jmin = 0
    while jmin < nc:
        jmax, tot = jmin, rlabw
        while True:  # do-while exactly as R's _PRINT_MATRIX_
            tot += w[jmax] + 1
            jmax += 1
            if not (jmax < nc and tot + w[jmax] + 1 < width):
                break
        lines.append(
            " " * rlabw
            + "".join(" " * (1 + w[j] - _str_width(col_names[j])) + col_names[j] for j in range(jmin, jmax))
        )
        for name, row in zip(row_names, cells, strict=False):
            lines.append(
                name
                + " " * (rlabw - _str_width(name))
                + "".join(" " * (1 + w[j] - _str_width(row[j])) + row[j] for j in range(jmin, jmax))
            )
        jmin = jmax
    return lines


def coef_matrix_lines(  # noqa: C901 - follows R's function step for step; to be split
    estimates: FloatsLike,
    std_errors: FloatsLike,
    statistics: FloatsLike,
    pvalues: FloatsLike | None,
    row_names: Sequence[str],
    col_names: Sequence[str],
    digits: int = 4,
    signif_stars: bool = True,
    dig_tst: int | None = None,
    has_pvalue: bool = True,
    na_print: str = "NA",
    *,
    signif_legend: bool | None = None,
    eps_pvalue: float = DBL_EPSILON,
    aliased: Sequence[bool] | None = None,
    width: int = 80,
) -> list[str]:
    """Lines printed by R's ``printCoefmat`` for a GLM coefficient table.

    Mirrors ``printCoefmat(coefs, digits, signif.stars, na.print="NA")`` as
    called by ``print.summary.glm`` (``digits = max(3, getOption("digits")
    - 3) = 4``):

    * Estimate and Std. Error are formatted together as
      ``format(round(cbind(est, se), dig), digits=digits)`` with
      ``dig = max(1, digits - 1 - floor(log10(min nonzero finite |value|)))``;
      entries that are nonzero but now read as 0 are re-formatted (jointly)
      with ``format(x, digits=max(1, digits-1))``.
    * The statistic uses ``format(round(stat, dig_tst), digits=digits)``,
      ``dig_tst = max(1, min(5, digits-1))`` by default.
    * P-values use :func:`format_pval` with ``digits=dig_tst``.
    * Stars (a column with an empty label) and, when ``signif_legend``
      (default ``signif_stars``), the ``---`` and legend lines appear only
      if some p-value is below 0.1.
    * NA cells print ``na_print``, NaN cells ``NaN``.  A row is NA (an
      aliased coefficient) if flagged in ``aliased`` or, by default, when
      all its values are NaN; otherwise a NaN is NA only if it is
      :data:`NA_REAL` or None.

    With ``has_pvalue=False`` the table has three columns (no p-values,
    no stars) and ``pvalues`` is ignored.  ``col_names`` gives the labels
    of the value columns.  Lines carry R's trailing blanks and no newline.
    """
    cols = [_as_floats(estimates), _as_floats(std_errors), _as_floats(statistics)]
    if has_pvalue:
        if pvalues is None:
            raise ValueError("pvalues required when has_pvalue is True")
        cols.append(_as_floats(pvalues))
    nc, nr = len(cols), len(row_names)
    if any(len(c) != nr for c in cols) or len(col_names) != nc:
        raise ValueError("inconsistent coefficient table dimensions")
    if dig_tst is None:
        dig_tst = max(1, min(5, digits - 1))
    if signif_legend is None:
        signif_legend = signif_stars
    if aliased is None:
        aliased = [all(math.isnan(c[i]) for c in cols) for i in range(nr)]
    # xm[j][i] = column j, row i; classify NA (is.na) and NaN (is.nan)
    xm = [[NA_REAL if aliased[i] else c[i] for i in range(nr)] for c in cols]
    ina = [[math.isnan(v) for v in c] for c in xm]
    inan = [[math.isnan(v) and not is_na(v) for v in c] for c in xm]
    cf = [[""] * nr for _ in range(nc)]

    # Estimate & Std. Error: common rounding then common formatting
    cs = [(j, i) for j in (0, 1) for i in range(nr)]
    acs = [abs(xm[j][i]) for j, i in cs]
    if any(math.isfinite(a) for a in acs):
        nz = [a for a in acs if math.isfinite(a) and a != 0]
        digmin = 1 + (math.floor(math.log10(min(nz))) if nz else 0)
        dig = max(1, digits - digmin)
        strs = format_real([_fround(xm[j][i], dig) for j, i in cs], digits)
        for (j, i), s in zip(cs, strs, strict=False):
            cf[j][i] = s
    cf[2] = format_real([_fround(v, dig_tst) for v in xm[2]], digits)

    # nonzero entries that rounding turned into zeros are re-formatted together
    bad = [
        (j, i)
        for j, i in cs
        if not ina[j][i] and (p := _parse_num(cf[j][i])) is not None and (xm[j][i] == 0) != (p == 0)
    ]
    if bad:
        for (j, i), s in zip(bad, format_real([xm[j][i] for j, i in bad], max(1, digits - 1)), strict=False):
            cf[j][i] = s
    for j, i in ((j, i) for j in range(nc) for i in range(nr) if ina[j][i]):
        cf[j][i] = "NaN" if inan[j][i] else na_print

    stars: list[str] = []
    show_stars = False
    if has_pvalue:
        pv = xm[3]
        okp = [i for i in range(nr) if not ina[3][i]]
        if okp:
            for i, s in zip(okp, format_pval([pv[i] for i in okp], dig_tst, eps_pvalue), strict=False):
                cf[3][i] = s
            show_stars = signif_stars and any(pv[i] < 0.1 for i in okp)
            if show_stars:
                raw = [_symnum_star(p) for p in pv]
                sw = max(2 if s is None else len(s) for s in raw)
                stars = [("NA" if s is None else s).ljust(sw) for s in raw]

    cells = [[cf[j][i] for j in range(nc)] + ([stars[i]] if show_stars else []) for i in range(nr)]
    labels = list(col_names) + ([""] if show_stars else [])
    lines = _print_char_matrix(cells, row_names, labels, width)
    if show_stars and signif_legend:
        lines += ["---", SIGNIF_LEGEND]
    return lines
