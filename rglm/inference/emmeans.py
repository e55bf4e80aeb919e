"""Estimated marginal means, as R's emmeans 1.8.4: ``emmeans``, ``emtrends`` and the
summary table behind their printout.

An estimated marginal mean is a linear function of the coefficients: the average, over the
reference grid's rows that share the mean's levels (see :mod:`rglm.inference.refgrid`), of
those rows of the design matrix, :math:`l = \\sum_r w_r x_r / \\sum_r w_r`, plus the average
offset.  Its estimate is :math:`l^T\\hat\\beta`, its standard error
:math:`\\sqrt{l^T V l}` over the estimable coefficients, and it is reported as ``nonEst`` when
:math:`l` is not estimable (:math:`\\|N^T l\\|^2 \\ge 10^{-8}\\|l\\|^2` for N a basis of the
null space of the model matrix, emmeans' ``is.estble``).

The averaging weights :math:`w_r` over the variables that are not in ``specs``:

* ``"equal"`` (the default): every combination alike;
* ``"proportional"``: the number of observations in each combination of the averaged-over
  variables (summed over the ``specs`` variables), the same for every mean;
* ``"outer"``: the product of the averaged-over variables' marginal counts;
* ``"cells"``: the observations in each cell of the grid, so each mean is the mean of the
  fitted cell means weighted as the data are;
* ``"flat"``: 1 for each cell that has observations, 0 for empty ones;
* a sequence of numbers, one per averaged-over combination.

Counts are observations, never prior weights.  Degrees of freedom are the model's (residual
df for gaussian and Gamma fits, else infinity); intervals are
:math:`\\hat\\eta \\pm q\\,\\mathrm{se}` with :math:`q` Student's or the normal quantile, and
on the response scale (``type="response"``) the estimate is :math:`g^{-1}(\\hat\\eta)`, its
standard error :math:`|d\\mu/d\\eta|\\,\\mathrm{se}` and its limits the transformed limits.

``emtrends`` estimates slopes in a covariate by emmeans' forward difference
:math:`(X(x + h) - X(x))/h` with :math:`h = 0.001\\,\\mathrm{range}(x)`, on the link scale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from rglm.exceptions import ArgumentError
from rglm.inference.adjust import P_ADJUST_METHODS, adjusted_p, critical_value, normalize_adjust
from rglm.inference.refgrid import ESTIMABLE_TOL, EMMBasis, RefGrid, basis_of, expand_grid, ref_grid
from rglm.inference.refgrid import trend_linfct as _trend_linfct

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "EMMGrid",
    "SummaryTable",
    "emmeans_grid",
    "emtrends_grid",
    "parse_specs",
    "regrid_grid",
    "summarize",
]

WEIGHTS = ("equal", "proportional", "outer", "cells", "flat")


@dataclass(frozen=True)
class EMMGrid:
    """Linear functions of a model's coefficients with their labels: emmeans' ``emmGrid``
    after ``emmeans()`` or ``contrast()``.

    ``grid`` holds the label columns (primary variables then ``by`` variables), ``linfct``
    one row per label row (NaN rows are not estimable), ``offset`` the constant added to
    each estimate.  The other fields are emmeans' ``misc`` entries that decide the summary.
    """

    basis: EMMBasis
    grid: pd.DataFrame
    linfct: FloatArray
    offset: FloatArray
    levels: dict[str, list[Any]]
    pri_vars: list[str]
    by_vars: list[str]
    est_name: str = "emmean"
    est_type: str = "prediction"
    fam_size: int = 1
    adjust: str = "none"
    infer: tuple[bool, bool] = (True, False)
    level: float = 0.95
    tran: str | None = None
    inv_label: str | None = None
    log_contrast: bool = False
    predict_type: str = "link"
    avgd_over: list[str] = field(default_factory=list)
    init_mesg: list[str] = field(default_factory=list)
    note_interaction: bool = False

    def by_rows(self) -> list[npt.NDArray[np.intp]]:
        """Row positions of each ``by`` group, groups in order of first appearance."""
        return by_groups(self.grid, self.by_vars)


def by_groups(grid: pd.DataFrame, by: Sequence[str]) -> list[npt.NDArray[np.intp]]:
    if not by:
        return [np.arange(len(grid))]
    keys = [tuple(r) for r in grid[list(by)].itertuples(index=False, name=None)]
    order: dict[tuple[Any, ...], list[int]] = {}
    for i, k in enumerate(keys):
        order.setdefault(k, []).append(i)
    return [np.array(v, dtype=np.intp) for v in order.values()]


# ----------------------------------------------------------------------------------- specs
def _names(text: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[+*:]", text):
        name = part.strip()
        if name and name not in out:
            out.append(name)
    return out


def parse_specs(specs: Any, by: Any) -> tuple[list[str], list[str]]:
    """``specs`` and ``by`` as emmeans reads them: a name, a list of names, or a formula
    string ``"~ a"``, ``"~ a * b"``, ``"~ a | b"``; returns (primary, by) variables."""
    by_list = [by] if isinstance(by, str) else list(by or [])
    if isinstance(specs, str):
        if "~" in specs:
            lhs, rhs = specs.split("~", 1)
            if lhs.strip():
                raise ArgumentError(
                    f"a contrast on the left of specs ({specs!r}) is not supported; call "
                    "rglm.contrast() or rglm.pairs() on the result"
                )
            main, _, grouping = rhs.partition("|")
            pri = _names(main)
            extra = _names(grouping)
            by_list = [b for b in [*extra, *by_list] if b not in pri]
            by_list = list(dict.fromkeys(by_list))
            return pri, by_list
        pri = [specs.strip()]
    else:
        pri = [str(s) for s in specs]
    if not pri:
        raise ArgumentError("specs names no variable")
    # As emmeans: the means are over union(specs, by); a name in both is a by variable.
    return [p for p in pri if p not in by_list], by_list


# ----------------------------------------------------------------------------------- emmeans
def _reduce_weights(
    weights: Any, rg: RefGrid, dims: list[int], row_idx: npt.NDArray[np.intp], avgd: list[int]
) -> tuple[FloatArray | None, str | None]:
    """emmeans' weights for averaging: a vector over the averaged-over combinations, or a
    per-cell rule ("fq" for cells, "fl" for flat)."""
    if weights is None or not avgd:
        return None, None
    wgt = rg.wgt
    if np.all(np.round(wgt, 7) == 0):
        wgt = wgt + 1
    wgt_arr = wgt[row_idx]
    if isinstance(weights, str):
        if weights not in WEIGHTS:
            raise ArgumentError(f"weights must be one of {', '.join(WEIGHTS)} or numbers, got {weights!r}")
        if weights == "equal":
            return np.ones(int(np.prod([dims[d] for d in avgd]))), None
        if weights in ("cells", "flat"):
            return None, "fq" if weights == "cells" else "fl"
        others = tuple(d for d in range(len(dims)) if d not in avgd)
        ftbl = wgt_arr.sum(axis=others) if others else wgt_arr
        if weights == "proportional":
            return np.asarray(ftbl, dtype=np.float64).ravel(order="F"), None
        total = float(ftbl.sum())
        w: Any = total
        for d in range(ftbl.ndim):
            margin = ftbl.sum(axis=tuple(a for a in range(ftbl.ndim) if a != d)) / total
            w = np.multiply.outer(w, margin)
        return np.asarray(w, dtype=np.float64).ravel(order="F"), None
    vec = np.asarray(weights, dtype=np.float64).ravel()
    return vec, None


def emmeans_grid(
    source: Any,
    specs: Any,
    *,
    by: Any = None,
    at: Mapping[str, Any] | None = None,
    type: str | None = None,
    weights: Any = None,
    level: float = 0.95,
    vcov: Any = None,
    offset: float | None = None,
    trend: str | None = None,
) -> EMMGrid:
    """emmeans' ``emmeans()`` (or, with ``trend``, ``emtrends()``) on a model."""
    if not 0 < level < 1:
        raise ArgumentError(f"level must be between 0 and 1, got {level!r}")
    if type not in (None, "link", "response"):
        raise ArgumentError(f"type must be 'link' or 'response', got {type!r}")
    basis = basis_of(source, vcov)
    pri, by_vars = parse_specs(specs, by)
    rg, _ = ref_grid(basis, at)
    linfct_all = rg.linfct
    tran, est_name = basis.link, "emmean"
    if trend is not None:
        linfct_all = _trend_linfct(basis, rg, trend)
        rg = RefGrid(rg.levels, rg.grid, linfct_all, np.zeros(len(rg.grid)), rg.wgt)
        tran, est_name = None, f"{trend}.trend"
    levels = dict(rg.levels)
    facs = list(dict.fromkeys([*pri, *by_vars]))
    if "1" in facs:
        levels["1"] = ["overall"]
    for f in facs:
        if f not in levels:
            raise ArgumentError(
                f"no variable named {f!r} in the reference grid (its variables: {', '.join(rg.levels)})"
            )
    names = list(levels)
    dims = [len(levels[n]) for n in names]
    row_idx = np.arange(len(rg.grid)).reshape(dims, order="F")
    use = [names.index(f) for f in facs]
    avgd = [d for d in range(len(dims)) if dims[d] > 1 and d not in use]
    wvec, cell_rule = _reduce_weights(weights, rg, dims, row_idx, avgd)
    combos = expand_grid({f: levels[f] for f in facs})
    p = linfct_all.shape[1]
    K = np.empty((len(combos), p))
    off = np.empty(len(combos))
    wgt_cell = rg.wgt if not np.all(np.round(rg.wgt, 7) == 0) else rg.wgt + 1
    for i, row in enumerate(combos.itertuples(index=False, name=None)):
        index: list[Any] = [slice(None)] * len(dims)
        for f, v in zip(facs, row, strict=True):
            index[names.index(f)] = levels[f].index(v)
        idx = np.asarray(row_idx[tuple(index)]).ravel(order="F")
        coefs = linfct_all[idx]
        offs = rg.offset[idx]
        if cell_rule is not None:
            fq = wgt_cell[idx]
            if cell_rule == "fl":
                fq = (fq > 0).astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                K[i] = (fq[:, None] * coefs).sum(axis=0) / fq.sum()
            off[i] = offs.mean()
        elif wvec is not None:
            if wvec.size != idx.size:
                raise ArgumentError(
                    f"weights must have {idx.size} values (one per averaged-over cell), got {wvec.size}"
                )
            total = float(wvec.sum())
            total = total if total > 1e-8 else math.nan
            K[i] = (wvec[:, None] * coefs).sum(axis=0) / total
            off[i] = float((wvec * offs).sum()) / total
        else:
            K[i] = coefs.mean(axis=0)
            off[i] = offs.mean()
    if offset is not None:
        off = np.full(len(combos), float(offset))
    avgd_names = [names[d] for d in avgd]
    return EMMGrid(
        basis=basis,
        grid=combos,
        linfct=K,
        offset=off,
        levels={f: levels[f] for f in facs},
        pri_vars=[f for f in facs if f not in by_vars],
        by_vars=by_vars,
        est_name=est_name,
        fam_size=len(combos),
        level=level,
        tran=tran,
        inv_label=basis.inv_label if tran is not None else None,
        predict_type=type or "link",
        avgd_over=avgd_names,
        note_interaction=_in_interaction(basis, [*facs, *([trend] if trend else [])]),
    )


def _in_interaction(basis: EMMBasis, names: Sequence[str]) -> bool:
    """emmeans' ``.some.term.contains``: some model term holds every one of ``names`` and
    more variables besides (so the means average over an interaction)."""
    wanted = [n for n in dict.fromkeys(names) if n != "1"]
    return bool(wanted) and any(set(wanted) <= t and len(t) > len(wanted) for t in basis.term_variables)


def emtrends_grid(source: Any, specs: Any, var: str, **kwargs: Any) -> EMMGrid:
    """emmeans' ``emtrends()``: marginal slopes in ``var`` on the link scale."""
    return emmeans_grid(source, specs, trend=var, **kwargs)


def regrid_grid(g: EMMGrid) -> EMMGrid:
    """emmeans' ``regrid(object)``: the estimates put on the response scale as new
    parameters, :math:`\\hat\\mu = g^{-1}(\\hat\\eta)` with covariance
    :math:`D V_\\eta D`, :math:`D = \\mathrm{diag}(d\\mu/d\\eta)`, so that contrasts
    of the result are differences of means on the response scale (differences of
    probabilities rather than odds ratios).  Non-estimable rows stay non-estimable."""
    est, _, df = _estimates(g)
    ok = ~np.isnan(est)
    active = g.basis.active
    L = np.nan_to_num(g.linfct[ok][:, active])
    cov = L @ g.basis.vcov @ L.T
    link = link_functions(g.tran) if g.tran is not None else None
    mu, est_name = est, g.est_name
    if link is not None:
        with np.errstate(all="ignore"):
            d = link[1](est[ok])
            mu = link[0](est)
        cov = cov * np.outer(d, d)
        est_name = g.inv_label or "response"
    n = est.size
    nbasis = np.eye(n)[:, ~ok] if not ok.all() else None
    edf = df[ok]
    basis = EMMBasis(
        coef=mu,
        vcov=cov,
        nbasis=nbasis,
        df=float(np.mean(edf)) if edf.size else math.nan,
        link=None,
        inv_label="response",
        predictors=g.basis.predictors,
        data=g.basis.data,
        factor_levels=g.basis.factor_levels,
        design=g.basis.design,
    )
    return EMMGrid(
        basis=basis,
        grid=g.grid.copy(),
        linfct=np.eye(n),
        offset=np.zeros(n),
        levels=dict(g.levels),
        pri_vars=list(g.pri_vars),
        by_vars=list(g.by_vars),
        est_name=est_name,
        est_type=g.est_type,
        fam_size=g.fam_size,
        adjust=g.adjust,
        infer=g.infer,
        level=g.level,
        avgd_over=list(g.avgd_over),
    )


# ----------------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class SummaryTable:
    """emmeans' ``summary_emm``: the table with R's column names and its annotations."""

    frame: pd.DataFrame
    est_name: str
    cl_names: tuple[str, str] | None
    pri_vars: list[str]
    by_vars: list[str]
    messages: list[str]
    adjust: str


#: emmeans' link functions where they differ from stats::make.link (clipped at 0).
def link_functions(name: str) -> tuple[Any, Any, str] | None:
    """(inverse, d mu/d eta, printed name) of emmeans' ``.make.link``; None if unknown."""

    def clip(e: Any) -> Any:
        return np.maximum(0.0, e)

    table: dict[str, tuple[Any, Any, str]] = {
        "log": (np.exp, np.exp, "log"),
        "logit": (special.expit, lambda e: special.expit(e) * (1 - special.expit(e)), "logit"),
        "probit": (special.ndtr, lambda e: np.maximum(stats.norm.pdf(e), np.finfo(float).eps), "probit"),
        "cauchit": (
            lambda e: np.clip(stats.cauchy.cdf(e), np.finfo(float).eps, 1 - np.finfo(float).eps),
            lambda e: np.maximum(stats.cauchy.pdf(e), np.finfo(float).eps),
            "cauchit",
        ),
        "cloglog": (
            lambda e: np.clip(-np.expm1(-np.exp(e)), np.finfo(float).eps, 1 - np.finfo(float).eps),
            lambda e: np.maximum(np.exp(e - np.exp(e)), np.finfo(float).eps),
            "cloglog",
        ),
        "identity": (lambda e: e, lambda e: np.ones_like(e), "identity"),
        "sqrt": (lambda e: clip(e) ** 2, lambda e: 2 * clip(e), "sqrt"),
        "1/mu^2": (lambda e: 1 / np.sqrt(clip(e)), lambda e: -1 / (2 * clip(e) ** 1.5), "1/mu^2"),
        "inverse": (lambda e: 1 / clip(e), lambda e: -1 / clip(e) ** 2, "inverse"),
        "log.o.r.": (np.exp, np.exp, "log odds ratio"),
        "log2": (lambda e: 2.0**e, lambda e: 2.0**e * np.log(2), "log2"),
        "log10": (lambda e: 10.0**e, lambda e: 10.0**e * np.log(10), "log10"),
    }
    return table.get(name)


def _estimates(g: EMMGrid) -> tuple[FloatArray, FloatArray, FloatArray]:
    b = g.basis
    active = b.active
    bhat = b.coef[active]
    n = g.linfct.shape[0]
    est, se, df = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        x = g.linfct[i]
        if np.any(np.isnan(x)):
            continue
        if b.nbasis is not None:
            chk = b.nbasis.T @ x
            ssq = float(x @ x)
            ssq = 1.0 if ssq < ESTIMABLE_TOL else ssq
            if float(chk @ chk) >= ESTIMABLE_TOL * ssq:
                continue
        xa = x[active]
        est[i] = float(xa @ bhat) + g.offset[i]
        se[i] = math.sqrt(max(float(xa @ b.vcov @ xa), 0.0))
        df[i] = b.df
    return est, se, df


def _fmt_level(level: float) -> str:
    return f"{level:.15g}"


def summarize(g: EMMGrid) -> SummaryTable:  # noqa: C901 - follows summary.emmGrid step by step
    """emmeans' ``summary.emmGrid`` for the inference ``g.infer`` asks for."""
    est, se, df = _estimates(g)
    labels = g.grid.copy()
    z_flag = bool(np.all(np.isnan(df) | np.isinf(df)))
    link = link_functions(g.tran) if g.tran is not None else None
    inv = g.predict_type == "response" and g.tran is not None
    mesg = list(g.init_mesg)
    if g.tran is not None and link is None:
        if inv:
            mesg.append(f'Unknown transformation "{g.tran}": no transformation done')
        inv = False
    link_name = link[2] if link is not None else (g.tran or "")
    est_name = g.est_name
    if inv:
        est_name = g.inv_label or "response"
        if g.log_contrast:
            for col in labels.columns:
                if not pd.api.types.is_numeric_dtype(labels[col].dtype):
                    labels[col] = [v.replace(" - ", " / ") if isinstance(v, str) else v for v in labels[col]]
    elif g.tran is not None and link is not None:
        mesg.append(f"Results are given on the {link_name} (not the response) scale.")
    et = {"prediction": 1, "contrast": 2, "pairs": 3}.get(g.est_type, 2)
    groups = g.by_rows()
    by_size = len(groups[0]) if groups else 0
    result: dict[str, FloatArray] = {est_name: est, "SE": se, "df": df}
    cl_names: tuple[str, str] | None = None
    adjust = g.adjust
    if g.infer[0]:
        q, cmesg = _critical_values(g, df, groups, by_size, et)
        cl_names = ("asymp.LCL", "asymp.UCL") if z_flag else ("lower.CL", "upper.CL")
        lo, hi = est - q * se, est + q * se
        mesg.append(f"Confidence level used: {_fmt_level(g.level)}")
        mesg += cmesg
        if inv and link is not None:
            with np.errstate(all="ignore"):
                a, b = link[0](lo), link[0](hi)
            diff = np.where(np.isnan(b - a), 0.0, b - a)
            if not np.all(diff >= 0):
                a, b = b, a
            lo, hi = a, b
            mesg.append(f"Intervals are back-transformed from the {link_name} scale")
        result[cl_names[0]] = lo
        result[cl_names[1]] = hi
    if g.infer[1]:
        tnm = "z.ratio" if z_flag else "t.ratio"
        null = 0.0
        if inv and link is not None:
            result["null"] = np.full(est.size, float(link[0](np.array(0.0))))
        with np.errstate(all="ignore"):
            tval = (est - null) / se
        result[tnm] = tval
        pval, adjust, amesg = _adjust(g, tval, df, groups, by_size, et)
        result["p.value"] = pval
        mesg += amesg
        if inv:
            mesg.append(f"Tests are performed on the {link_name} scale")
    if inv and link is not None:
        with np.errstate(all="ignore"):
            result["SE"] = np.abs(link[1](est) * se)
            result[est_name] = link[0](est)
    if g.avgd_over:
        mesg.insert(0, f"Results are averaged over the levels of: {', '.join(g.avgd_over)}")
    frame = pd.concat([labels.reset_index(drop=True), pd.DataFrame(result)], axis=1)
    return SummaryTable(
        frame=frame,
        est_name=est_name,
        cl_names=cl_names,
        pri_vars=[v for v in g.pri_vars if v not in g.by_vars],
        by_vars=list(g.by_vars),
        messages=list(dict.fromkeys(mesg)),
        adjust=adjust,
    )


def _critical_values(
    g: EMMGrid, df: FloatArray, groups: list[npt.NDArray[np.intp]], by_size: int, et: int
) -> tuple[FloatArray, list[str]]:
    """emmeans' ``.adj.critval``: each row's multiplier of its standard error, and the
    "Conf-level adjustment" note."""
    adjust = normalize_adjust(g.adjust)
    if by_size == 1:
        adjust = "none"
    if adjust not in ("none", "sidak", "bonferroni", "tukey", "dunnettx", "mvt"):
        adjust = "bonferroni"  # emmeans: other p.adjust methods give Bonferroni intervals
    if et != 3 and adjust == "tukey":
        adjust = "sidak"
    q = np.empty(df.size)
    for rows in groups:
        for i in rows:
            q[i] = critical_value(g.level, float(df[i]), adjust, fam_size=g.fam_size, n_contr=by_size)
    chk = {"none": 1, "tukey": 2}.get(adjust, 99)
    if chk > 1 and not (g.fam_size < 3 and chk < 10):
        extra = (
            f"for comparing a family of {g.fam_size} estimates"
            if adjust == "tukey"
            else f"for {by_size} estimates"
        )
        return q, [f"Conf-level adjustment: {adjust} method {extra}"]
    return q, []


def _adjust(
    g: EMMGrid, tval: FloatArray, df: FloatArray, groups: list[npt.NDArray[np.intp]], by_size: int, et: int
) -> tuple[FloatArray, str, list[str]]:
    """emmeans' ``.adj.p.value``: adjusted p-values, the method used and its message."""
    adjust = normalize_adjust(g.adjust)
    if by_size == 1:
        adjust = "none"
    if et != 3 and adjust == "tukey":
        adjust = "sidak"  # emmeans: tukey is only for one set of pairwise comparisons
    ragged = adjust in P_ADJUST_METHODS or adjust == "mvt"
    pval = np.full(tval.size, np.nan)
    corr = None
    if adjust == "mvt":
        corr = _contrast_corr(g)
    n_contr = by_size
    for rows in groups:
        c = corr[np.ix_(rows, rows)] if corr is not None else None
        pval[rows] = adjusted_p(tval[rows], df[rows], adjust, fam_size=g.fam_size, corr=c)
        if ragged:
            n_contr = rows.size
    chk = {"none": 1, "tukey": 2}.get(adjust, 99)
    if ragged:
        nc = max(r.size for r in groups)
        fs = (1 + math.sqrt(1 + 8 * nc)) / 2
    else:
        fs = g.fam_size
    if chk > 1 and not (fs < 3 and chk < 10):
        extra = (
            f"for comparing a family of {g.fam_size} estimates"
            if adjust == "tukey"
            else f"for {n_contr} tests"
        )
        return pval, adjust, [f"P value adjustment: {adjust} method {extra}"]
    return pval, adjust, []


def _contrast_corr(g: EMMGrid) -> FloatArray:
    active = g.basis.active
    L = np.nan_to_num(g.linfct[:, active])
    cov = L @ g.basis.vcov @ L.T
    d = np.sqrt(np.diag(cov))
    with np.errstate(all="ignore"):
        out: FloatArray = cov / np.outer(d, d)
    return out
