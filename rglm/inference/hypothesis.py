"""Tests of linear hypotheses on a fitted GLM: Wald (joint and one by one) and likelihood ratio.

A linear hypothesis is :math:`L\\beta = q` with :math:`L` an :math:`r \\times p` matrix of full
row rank.  It can be written as text in the coefficient names, ``"x1 = x2, x3 = 0"`` or
``"2*x1 - x2 = 1"`` (a restriction without ``=`` means ``= 0``; names with spaces or operator
characters can be written exactly, as ``C(cyl)[T.6]``, or between backticks), as a list of
such strings, as the matrix :math:`L`, or as a pair ``(L, q)``.

The tests work on any fitted model (:class:`rglm.results.core.ResultCore`).  The Wald tests use
``m.cov_params()``, so a sandwich covariance set with :meth:`rglm.GLMResult.robust` or
``glm(cov_type=...)`` is honoured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DispersionWarning, warn
from rglm.numerics.format import format_pval, format_real
from rglm.results.core import ResultCore
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["LRTestResult", "WaldTestResult", "linear_restrictions", "lr_test", "t_test", "wald_test"]


@dataclass(frozen=True)
class _TestResult:
    """A statistic with its reference distribution."""

    statistic: float
    df: int
    df_denom: float | None
    p_value: float
    distribution: str

    def _stat_text(self) -> str:
        stat = format_real([self.statistic], digits=5)[0].strip()
        p = format_pval([self.p_value], digits=4)[0].strip()
        p = f"< {p[1:].strip()}" if p.startswith("<") else f"= {p}"
        if self.distribution == "F":
            denom = format_real([float(self.df_denom or math.nan)], digits=7)[0].strip()
            return f"F = {stat} on {self.df} and {denom} DF, p-value {p}"
        return f"Chisq = {stat} on {self.df} DF, p-value {p}"


@dataclass(frozen=True)
class WaldTestResult(_TestResult):
    """Joint Wald test of :math:`L\\beta = q`.

    Attributes
    ----------
    statistic : float
        :math:`W` when ``distribution == "chi2"``, :math:`W/r` when ``"F"``.
    df, df_denom : int, float or None
        :math:`r`, and the residual degrees of freedom for the F test (None for chi-square).
    p_value : float
    distribution : {"chi2", "F"}
    wald : float
        :math:`W = (L\\hat\\beta - q)^T (L V L^T)^{-1} (L\\hat\\beta - q)` whatever the distribution.
    restrictions : tuple of str
    """

    wald: float = math.nan
    restrictions: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """One row: statistic, df, df_denom, p_value, distribution."""
        out: pd.DataFrame = pd.DataFrame(
            {
                "statistic": [self.statistic],
                "df": [self.df],
                "df_denom": [self.df_denom],
                "p_value": [self.p_value],
                "distribution": [self.distribution],
            },
            index=pd.Index(["wald"]),
        )
        return out

    def __str__(self) -> str:
        lines = ["Wald test of linear restrictions:"] + [f"  {r}" for r in self.restrictions]
        return "\n".join([*lines, self._stat_text()])


@dataclass(frozen=True)
class LRTestResult(_TestResult):
    """Likelihood-ratio (analysis of deviance) test between two nested GLMs, as R's
    ``anova(small, big, test=)``.

    Attributes
    ----------
    statistic : float
        :math:`\\Delta D/\\phi` (chi-square) or :math:`\\Delta D/(\\Delta df\\,\\phi)` (F).
    df, df_denom : int, float or None
        :math:`\\Delta df`, and for F the bigger model's residual df.
    deviance : float
        :math:`\\Delta D = D_{small} - D_{big}`.
    dispersion : float
        :math:`\\phi`, the bigger model's dispersion.
    formulas : tuple of str
        The smaller and the bigger model's formulas.
    """

    deviance: float = math.nan
    dispersion: float = math.nan
    formulas: tuple[str, str] = ("", "")

    def to_frame(self) -> pd.DataFrame:
        """One row: deviance, df, statistic, df_denom, p_value, distribution."""
        out: pd.DataFrame = pd.DataFrame(
            {
                "deviance": [self.deviance],
                "df": [self.df],
                "statistic": [self.statistic],
                "df_denom": [self.df_denom],
                "p_value": [self.p_value],
                "distribution": [self.distribution],
            },
            index=pd.Index(["lr"]),
        )
        return out

    def __str__(self) -> str:
        dev = format_real([self.deviance], digits=5)[0].strip()
        return "\n".join(
            [
                "Likelihood-ratio test",
                f"  Model 1: {self.formulas[0]}",
                f"  Model 2: {self.formulas[1]}",
                f"Deviance = {dev} on {self.df} DF, dispersion "
                f"{format_real([self.dispersion], digits=5)[0].strip()}",
                self._stat_text(),
            ]
        )


# -- upper tail probabilities (scipy.special's, with scipy.stats's values outside the support) --------
def _chi2_sf(x: float, df: float) -> float:
    """:math:`P(\\chi^2_{df} > x)`: 1 for :math:`x < 0`."""
    return 1.0 if x < 0 else float(special.chdtrc(df, x))


def _f_sf(x: float, df1: float, df2: float) -> float:
    """:math:`P(F_{df_1, df_2} > x)`: 1 for :math:`x \\le 0`."""
    return 1.0 if x <= 0 else float(special.fdtrc(df1, df2, x))


# -- tests ---------------------------------------------------------------------------------------------
def wald_test(m: ResultCore, hypothesis: Any, use_f: bool | None = None) -> WaldTestResult:
    """Joint Wald test of the linear restrictions :math:`L\\beta = q`.

    :math:`W = (L\\hat\\beta - q)^T (L V L^T)^{-1} (L\\hat\\beta - q)` with :math:`V` =
    ``m.cov_params()`` (the sandwich one if set).  When the dispersion is known (binomial,
    Poisson, or fixed) :math:`W` is referred to :math:`\\chi^2_r`; when it is estimated
    (``m.use_t``) the statistic is :math:`F = W/r` on :math:`(r, n-p)` degrees of freedom, as
    statsmodels' ``wald_test(use_f=True)`` and ``car::linearHypothesis(test="F")``.
    ``use_f`` overrides that choice.

    Parameters
    ----------
    m : ResultCore
    hypothesis : str, list of str, array_like or (array_like, array_like)
        See the module docstring.
    use_f : bool, optional

    Raises
    ------
    ArgumentError
        Unknown names, restrictions that are not linear, linearly dependent restrictions, or
        restrictions on aliased coefficients.
    """
    L, q, labels = linear_restrictions(m, hypothesis)
    r = L.shape[0]
    if np.linalg.matrix_rank(L) < r:
        raise ArgumentError(
            f"the {r} restrictions are linearly dependent (rank {np.linalg.matrix_rank(L)}); "
            "drop the redundant ones"
        )
    kept, b, V = _estimates(m)
    d = L[:, kept] @ b - q
    S = L[:, kept] @ V @ L[:, kept].T
    eig = np.linalg.eigvalsh(S)
    if not np.all(np.isfinite(eig)) or eig[0] <= 1e-12 * max(eig[-1], 0.0):
        raise ArgumentError(
            "the covariance of the restrictions, L V L', is singular (for instance a clustered "
            "covariance with fewer clusters than restrictions); test fewer restrictions"
        )
    W = float(d @ np.linalg.solve(S, d))
    f_test = m.use_t if use_f is None else bool(use_f)
    if f_test:
        df_denom = float(m.df_resid)
        stat = W / r
        p = _f_sf(stat, r, df_denom) if df_denom > 0 else math.nan
        return WaldTestResult(stat, r, df_denom, p, "F", wald=W, restrictions=tuple(labels))
    return WaldTestResult(W, r, None, _chi2_sf(W, r), "chi2", wald=W, restrictions=tuple(labels))


def t_test(m: ResultCore, hypothesis: Any, alpha: float = 0.05) -> pd.DataFrame:
    """One Wald test per restriction :math:`l_j^T\\beta = q_j`.

    Columns ``estimate`` (:math:`l_j^T\\hat\\beta`), ``std_error``
    (:math:`\\sqrt{l_j^T V l_j}`), ``statistic`` (:math:`(l_j^T\\hat\\beta - q_j)/\\mathrm{se}`),
    ``p_value`` (two-sided), ``conf_low`` and ``conf_high`` (:math:`1-\\alpha` interval for
    :math:`l_j^T\\beta`).  The reference distribution is :math:`t_{n-p}` when the dispersion is
    estimated (``m.use_t``), else the normal, as the coefficient table of ``summary`` and
    statsmodels' ``t_test``; one row per restriction, indexed by its text.
    """
    if not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
    L, q, labels = linear_restrictions(m, hypothesis)
    kept, b, V = _estimates(m)
    est = L[:, kept] @ b
    se = np.sqrt(np.einsum("ij,jk,ik->i", L[:, kept], V, L[:, kept]))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = (est - q) / se
    if m.use_t:
        dfr = m.df_resid
        p = 2 * special.stdtr(dfr, -np.abs(stat)) if dfr > 0 else np.full(stat.shape, np.nan)
        crit = float(special.stdtrit(dfr, 1 - alpha / 2)) if dfr > 0 else math.nan
    else:
        p = 2 * special.ndtr(-np.abs(stat))
        crit = float(special.ndtri(1 - alpha / 2))
    out: pd.DataFrame = pd.DataFrame(
        {
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": p,
            "conf_low": est - crit * se,
            "conf_high": est + crit * se,
        },
        index=pd.Index(labels),
    )
    return out


def lr_test(m: ResultCore, other: ResultCore, test: str | None = None) -> LRTestResult:
    """Likelihood-ratio test of the smaller of two nested models against the bigger one.

    The bigger model is the one with fewer residual degrees of freedom; with
    :math:`\\Delta D` and :math:`\\Delta df` the differences in deviance and residual df and
    :math:`\\phi` the bigger model's dispersion, the test is, as R's
    ``anova(small, big, test=)``:

    * ``"Chisq"`` (the default when the dispersion is known): :math:`\\Delta D/\\phi` on
      :math:`\\chi^2_{\\Delta df}`;
    * ``"F"`` (the default when it is estimated): :math:`F = \\Delta D/(\\Delta df\\,\\phi)` on
      :math:`(\\Delta df, df_{big})` degrees of freedom (R uses infinite denominator df when
      :math:`\\phi = 1`).

    The models must share the family, the rows, the response and the prior weights; that one is
    nested in the other is the caller's responsibility (as in R).  A negative :math:`\\Delta D`
    (the bigger model fitting worse) gives a NaN p-value, as R's NA.
    """
    if not isinstance(other, ResultCore):
        raise ArgumentError(f"lr_test needs another fitted model (GLMResult), got {type(other).__name__}")
    kind = (
        {"chisq": "Chisq", "lrt": "Chisq", "chi2": "Chisq", "f": "F"}.get(str(test).lower()) if test else None
    )
    if test is not None and kind is None:
        raise ArgumentError(f"unknown test {test!r}; use 'Chisq' (or 'LRT') or 'F'")
    m.check_comparable(other)
    if m.df_resid == other.df_resid:
        raise ArgumentError(
            f"both models have {m.df_resid} residual degrees of freedom, so neither is nested in the other"
        )
    small, big = (m, other) if m.df_resid > other.df_resid else (other, m)
    ddev = small.deviance - big.deviance
    ddf = small.df_resid - big.df_resid
    phi = big.scale
    if kind is None:
        kind = "F" if big.dispersion_is_estimated else "Chisq"
    formulas = (small.label, big.label)
    if kind == "Chisq":
        stat = ddev / phi
        p = _chi2_sf(stat, ddf) if stat >= 0 else math.nan
        return LRTestResult(stat, ddf, None, p, "chi2", deviance=ddev, dispersion=phi, formulas=formulas)
    if not big.dispersion_is_estimated:
        family = f" ({big.family.name} family)" if isinstance(big, GLMStatistics) else ""
        warn(
            f"an F test with the dispersion fixed at {phi:g}{family} is inappropriate; use test='Chisq'",
            DispersionWarning,
        )
    df_denom = math.inf if phi == 1 else float(big.df_resid)
    stat = ddev / ddf / phi
    if not stat >= 0:
        p = math.nan
    elif math.isinf(df_denom):
        p = _chi2_sf(stat * ddf, ddf)
    else:
        p = _f_sf(stat, ddf, df_denom) if df_denom > 0 else math.nan
    return LRTestResult(stat, ddf, df_denom, p, "F", deviance=ddev, dispersion=phi, formulas=formulas)


def _estimates(m: ResultCore) -> tuple[npt.NDArray[np.intp], FloatArray, FloatArray]:
    """Positions, estimates and covariance of the non-aliased coefficients."""
    kept = np.flatnonzero(~m.aliased.to_numpy())
    V = m.cov_params().to_numpy()[np.ix_(kept, kept)]
    return kept, m.param_vector()[kept], V


# -- restrictions ----------------------------------------------------------------------------------------
def linear_restrictions(m: ResultCore, hypothesis: Any) -> tuple[FloatArray, FloatArray, list[str]]:
    """:math:`L`, :math:`q` and a label per restriction, from any accepted form of ``hypothesis``.

    Raises :class:`ArgumentError` for restrictions that involve aliased coefficients.
    """
    names = m.param_names
    p = len(names)
    if isinstance(hypothesis, str) or (
        isinstance(hypothesis, (list, tuple)) and hypothesis and all(isinstance(h, str) for h in hypothesis)
    ):
        texts = [hypothesis] if isinstance(hypothesis, str) else list(hypothesis)
        rows: list[tuple[FloatArray, float, str]] = []
        for text in texts:
            rows.extend(_Parser(text, names).restrictions())
        L = np.array([r[0] for r in rows], dtype=np.float64).reshape(len(rows), p)
        q = np.array([r[1] for r in rows], dtype=np.float64)
        labels = [r[2] for r in rows]
    else:
        L, q = _matrix_form(hypothesis, names)
        labels = [_label(row, qi, names) for row, qi in zip(L, q, strict=True)]
    if L.shape[0] == 0:
        raise ArgumentError("the hypothesis has no restrictions")
    aliased = m.aliased.to_numpy()
    hit = np.flatnonzero(np.any(L[:, aliased] != 0, axis=0))
    if hit.size:
        bad = [names[i] for i in np.flatnonzero(aliased)[hit]]
        raise ArgumentError(
            f"the hypothesis involves aliased coefficient(s) {', '.join(bad)}, which are not "
            "estimable (NA in the fit)"
        )
    return L, q, labels


def _matrix_form(hypothesis: Any, names: list[str]) -> tuple[FloatArray, FloatArray]:
    p = len(names)
    if isinstance(hypothesis, tuple) and len(hypothesis) == 2:
        raw_L, raw_q = hypothesis
    else:
        raw_L, raw_q = hypothesis, None
    if isinstance(raw_L, pd.DataFrame):
        unknown = [c for c in raw_L.columns if c not in names]
        if unknown:
            raise ArgumentError(
                f"restriction matrix column(s) {', '.join(map(str, unknown))} are not coefficients; "
                f"the coefficients are {', '.join(names)}"
            )
        raw_L = raw_L.reindex(columns=names, fill_value=0.0)
    try:
        L = np.atleast_2d(np.asarray(raw_L, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            f"hypothesis must be text, a list of text, a matrix L or a pair (L, q): {exc}"
        ) from None
    if L.ndim != 2 or L.shape[1] != p:
        raise ArgumentError(
            f"the restriction matrix must have {p} columns (one per coefficient), got shape {np.shape(raw_L)}"
        )
    q = np.zeros(L.shape[0]) if raw_q is None else np.atleast_1d(np.asarray(raw_q, dtype=np.float64))
    if q.shape != (L.shape[0],):
        raise ArgumentError(f"q must have one value per restriction ({L.shape[0]}), got shape {q.shape}")
    if not (np.all(np.isfinite(L)) and np.all(np.isfinite(q))):
        raise ArgumentError("the restriction matrix and q must be finite")
    return L, q


def _label(row: FloatArray, q: float, names: list[str]) -> str:
    """``2*x1 - x2 = 1`` for a row of L."""
    parts: list[str] = []
    for j in np.flatnonzero(row):
        c = float(row[j])
        mag = "" if abs(c) == 1 else f"{abs(c):g}*"
        sign = "-" if c < 0 else "+"
        parts.append(f"{sign} {mag}{names[j]}" if parts else f"{'-' if c < 0 else ''}{mag}{names[j]}")
    return f"{' '.join(parts) or '0'} = {q:g}"


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_.][\w.]*(?:\[[^\]]*\]|\([^)]*\))*")
_WORD_CHAR = re.compile(r"[\w.]")


class _Parser:
    """Recursive descent over ``expr (= expr)?`` separated by commas, into linear forms.

    A linear form is ``(coefficients, constant)``; products and quotients need a constant
    operand, so anything non-linear is refused.
    """

    def __init__(self, text: str, names: list[str]) -> None:
        self.text = text
        self.names = names
        squeeze: dict[str, int] = {}
        for i, n in enumerate(names):
            squeeze.setdefault(re.sub(r"\s+", "", n), i)
        if "Intercept" in names:
            squeeze.setdefault("(Intercept)", names.index("Intercept"))
        self.lookup = squeeze
        self.by_length = sorted(squeeze, key=len, reverse=True)
        self.tokens = self._tokenize()
        self.pos = 0

    # tokens are (kind, value, start): kind in {"num", "name", "op", "end"}
    def _tokenize(self) -> list[tuple[str, Any, int]]:
        s = self.text
        out: list[tuple[str, Any, int]] = []
        i = 0
        while i < len(s):
            ch = s[i]
            if ch.isspace():
                i += 1
                continue
            if ch == "`":
                j = s.find("`", i + 1)
                if j < 0:
                    raise self._error("unclosed backtick", i)
                name = re.sub(r"\s+", "", s[i + 1 : j])
                if name not in self.lookup:
                    raise self._unknown(s[i + 1 : j])
                out.append(("name", self.lookup[name], i))
                i = j + 1
                continue
            hit = self._match_name(i)
            if hit is not None:
                out.append(("name", self.lookup[hit[0]], i))
                i = hit[1]
                continue
            num = _NUMBER.match(s, i)
            if num:
                out.append(("num", float(num.group()), i))
                i = num.end()
                continue
            if s.startswith("==", i):
                out.append(("op", "=", i))
                i += 2
                continue
            if ch in "+-*/()=,;":
                out.append(("op", "," if ch == ";" else ch, i))
                i += 1
                continue
            word = _IDENT.match(s, i)
            raise self._unknown(word.group() if word else ch)
        out.append(("end", None, len(s)))
        return out

    def _match_name(self, i: int) -> tuple[str, int] | None:
        """The longest coefficient name starting at ``i`` (spaces ignored), and where it ends."""
        s = self.text
        chars: list[str] = []
        ends: list[int] = []
        for j in range(i, len(s)):
            if not s[j].isspace():
                chars.append(s[j])
                ends.append(j + 1)
        squeezed = "".join(chars)
        for name in self.by_length:
            if squeezed.startswith(name):
                end = ends[len(name) - 1]
                rest = s[end:].lstrip()
                # "x1" must not match the start of "x10" (or of an unknown "x1b").
                if _WORD_CHAR.match(name[-1]) and rest and _WORD_CHAR.match(rest[0]):
                    continue
                return name, end
        return None

    def _error(self, what: str, at: int) -> ArgumentError:
        return ArgumentError(f"cannot read hypothesis {self.text!r}: {what} at position {at}")

    def _unknown(self, word: str) -> ArgumentError:
        return ArgumentError(
            f"no coefficient named {word!r} in hypothesis {self.text!r}; the coefficients are "
            f"{', '.join(self.names)} (write names with special characters exactly, or in backticks)"
        )

    def _peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.pos]

    def _take(self) -> tuple[str, Any, int]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def restrictions(self) -> list[tuple[FloatArray, float, str]]:
        out = []
        while True:
            start = self._peek()[2]
            lhs = self._expr()
            rhs: tuple[FloatArray, float] = (np.zeros(len(self.names)), 0.0)
            if self._peek()[:2] == ("op", "="):
                self._take()
                rhs = self._expr()
            tok = self._peek()
            if not (tok[0] == "end" or tok[:2] == ("op", ",")):
                raise self._error(f"unexpected {tok[1]!r}", tok[2])
            coef = lhs[0] - rhs[0]
            if not np.any(coef):
                raise self._error("a restriction without coefficients", start)
            label = " ".join(self.text[start : tok[2]].split())
            out.append((coef, rhs[1] - lhs[1], label if "=" in label else f"{label} = 0"))
            self._take()
            if tok[0] == "end":
                return out

    def _expr(self) -> tuple[FloatArray, float]:
        coef, const = self._term()
        while self._peek()[:2] in (("op", "+"), ("op", "-")):
            sign = 1.0 if self._take()[1] == "+" else -1.0
            c2, k2 = self._term()
            coef, const = coef + sign * c2, const + sign * k2
        return coef, const

    def _term(self) -> tuple[FloatArray, float]:
        coef, const = self._factor()
        while self._peek()[:2] in (("op", "*"), ("op", "/")):
            op = self._take()
            at = op[2]
            c2, k2 = self._factor()
            if op[1] == "*":
                if np.any(coef) and np.any(c2):
                    raise self._error("a product of coefficients is not linear", at)
                coef, const = (coef * k2, const * k2) if np.any(coef) else (c2 * const, const * k2)
            else:
                if np.any(c2):
                    raise self._error("division by a coefficient is not linear", at)
                if k2 == 0:
                    raise self._error("division by zero", at)
                coef, const = coef / k2, const / k2
        return coef, const

    def _factor(self) -> tuple[FloatArray, float]:
        kind, value, at = self._take()
        zero = np.zeros(len(self.names))
        if kind == "num":
            return zero, float(value)
        if kind == "name":
            zero[int(value)] = 1.0
            return zero, 0.0
        if kind == "op" and value in "+-":
            c, k = self._factor()
            return (c, k) if value == "+" else (-c, -k)
        if kind == "op" and value == "(":
            inner = self._expr()
            close = self._take()
            if close[:2] != ("op", ")"):
                raise self._error("missing ')'", close[2])
            return inner
        raise self._error(
            "expected a coefficient name or a number" if kind != "end" else "unexpected end", at
        )
