"""Contrasts of estimated marginal means, as emmeans 1.8.4's ``contrast()``.

A contrast is a weighted sum :math:`\\sum_i c_i m_i` of the means of one ``by`` group, so
its linear function is :math:`\\sum_i c_i l_i` and its standard error follows from the
coefficients' covariance.  The coefficient sets (emmeans' ``.emmc`` functions), for means
:math:`m_1..m_k` labelled by their levels:

``pairwise`` / ``revpairwise``
    :math:`m_i - m_j` for :math:`i < j` (``revpairwise``: :math:`m_j - m_i`, in the order
    j = 2..k, i < j); default adjustment ``tukey``.
``trt.vs.ctrl``
    :math:`m_i - m_{ref}` for every other level (``ref``: the control's label, or several,
    whose average is then the control); default ``dunnettx``.
``consec``
    :math:`m_{i+1} - m_i`; default ``mvt``.
``poly``
    Orthogonal polynomial contrasts (R's ``poly()``) scaled to integers; default ``none``.
``eff``
    :math:`m_i - \\bar m`; default ``fdr``.
``del.eff``
    :math:`m_i - ` the mean of the others, i.e. ``eff`` scaled by :math:`k/(k-1)`; ``fdr``.
``identity``
    Each mean itself.
a dict ``{name: weights}``
    Custom coefficients; default ``none``.

Labels join the levels of several variables with a space, prefix numeric-looking levels
with their variable's name (``ldose1``), and put a label containing ``-``, ``+``, ``/`` or
``*`` in parentheses (emmeans' ``parens``).  On a log or logit scale a true contrast (its
coefficients sum to 0) is back-transformed as a ratio or an odds ratio (``A / B``) when the
summary is on the response scale; on other scales the contrast stays on the link scale.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rglm.exceptions import ArgumentError
from rglm.inference.emmeans import EMMGrid, by_groups

__all__ = ["ContrastSet", "METHODS", "contrast_grid"]

PARENS = re.compile(r"-|\+|/|\*")
LOG_TRANS = ("log", "log2", "log10", "logit", "log.o.r.")


@dataclass(frozen=True)
class ContrastSet:
    """One method's coefficients: ``coef[j]`` are contrast ``names[j]``'s weights."""

    names: list[str]
    coef: list[list[float]]
    adjust: str | None = None
    type: str | None = None
    fam_size: int | None = None


def _key(levs: Sequence[str], raw: Sequence[str], key: Any) -> list[int]:
    keys = list(key) if isinstance(key, (list, tuple)) else [key]
    out = []
    for k in keys:
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            pos = int(k) - 1  # R's 1-based position
        elif str(k) in raw:
            pos = list(raw).index(str(k))
        elif str(k) in levs:
            pos = list(levs).index(str(k))
        else:
            raise ArgumentError(f"ref {k!r} is not one of the levels {', '.join(raw)}")
        if not 0 <= pos < len(levs):
            raise ArgumentError(f"ref position {k!r} is out of range 1..{len(levs)}")
        out.append(pos)
    return out


def pairwise(levs: Sequence[str], **_: Any) -> ContrastSet:
    k = len(levs)
    names, coef = [], []
    for i in range(k - 1):
        for j in range(i + 1, k):
            c = [0.0] * k
            c[i], c[j] = 1.0, -1.0
            names.append(f"{levs[i]} - {levs[j]}")
            coef.append(c)
    return ContrastSet(names, coef, "tukey", "pairs", k)


def revpairwise(levs: Sequence[str], **_: Any) -> ContrastSet:
    k = len(levs)
    names, coef = [], []
    for i in range(1, k):
        for j in range(i):
            c = [0.0] * k
            c[i], c[j] = 1.0, -1.0
            names.append(f"{levs[i]} - {levs[j]}")
            coef.append(c)
    return ContrastSet(names, coef, "tukey", "pairs")


def trt_vs_ctrl(
    levs: Sequence[str], ref: Any = 1, reverse: bool = False, raw: Sequence[str] = (), **_: Any
) -> ContrastSet:
    refs = _key(levs, raw or levs, ref)
    k = len(levs)
    cname = levs[refs[0]] if len(refs) == 1 else "avg(" + ",".join(levs[r] for r in refs) + ")"
    names, coef = [], []
    for i in range(k):
        if i in refs:
            continue
        c = [0.0] * k
        for r in refs:
            c[r] = -1.0 / len(refs)
        c[i] = 1.0
        names.append(f"{cname} - {levs[i]}" if reverse else f"{levs[i]} - {cname}")
        coef.append([-v for v in c] if reverse else c)
    return ContrastSet(names, coef, "dunnettx")


def consec(levs: Sequence[str], reverse: bool = False, **_: Any) -> ContrastSet:
    k = len(levs)
    sgn = -1.0 if reverse else 1.0
    names, coef = [], []
    for i in range(k - 1):
        c = [0.0] * k
        c[i], c[i + 1] = -sgn, sgn
        names.append(f"{levs[i]} - {levs[i + 1]}" if reverse else f"{levs[i + 1]} - {levs[i]}")
        coef.append(c)
    return ContrastSet(names, coef, "mvt")


POLY_NAMES = ["linear", "quadratic", "cubic", "quartic"] + [f"degree {d}" for d in range(5, 21)]


def poly(levs: Sequence[str], max_degree: int | None = None, **_: Any) -> ContrastSet:
    """R's ``poly(1:k, degree)`` columns (orthonormal, :math:`Q\\,\\mathrm{diag}(R)` of the
    centred Vandermonde matrix's QR, so independent of the QR's signs), each scaled by
    emmeans to small integers."""
    k = len(levs)
    degree = min(6, k - 1) if max_degree is None else int(max_degree)
    degree = min(20, degree)
    x = np.arange(1, k + 1, dtype=np.float64)
    X = np.vander(x - x.mean(), degree + 1, increasing=True)
    q, r = np.linalg.qr(X)
    Z = q * np.diag(r)
    names, coef = [], []
    for j in range(1, degree + 1):
        con = Z[:, j] / np.sqrt(np.sum(Z[:, j] ** 2))
        con = con / np.min(con[con > 0.01])
        z = np.max(np.abs(con - np.round(con)))
        while z > 0.05:
            con = con / z
            z = np.max(np.abs(con - np.round(con)))
        names.append(POLY_NAMES[j - 1])
        coef.append([float(v) for v in np.round(con)])
    return ContrastSet(names, coef, "none")


def eff(levs: Sequence[str], wts: Sequence[float] | None = None, **_: Any) -> ContrastSet:
    k = len(levs)
    w = np.ones(k) if wts is None else np.asarray(wts, dtype=np.float64)
    w = w / w.sum()
    names, coef = [], []
    for i in range(k):
        c = -w.copy()
        c[i] += 1
        names.append(f"{levs[i]} effect")
        coef.append([float(v) for v in c])
    return ContrastSet(names, coef, "fdr")


def del_eff(levs: Sequence[str], **kwargs: Any) -> ContrastSet:
    base = eff(levs, **kwargs)
    coef = [[v / c[i] for v in c] for i, c in enumerate(base.coef)]
    return ContrastSet(base.names, coef, "fdr")


def identity(levs: Sequence[str], **_: Any) -> ContrastSet:
    k = len(levs)
    return ContrastSet(list(levs), [[1.0 if j == i else 0.0 for j in range(k)] for i in range(k)], "none")


METHODS: dict[str, Callable[..., ContrastSet]] = {
    "pairwise": pairwise,
    "tukey": pairwise,
    "revpairwise": revpairwise,
    "trt.vs.ctrl": trt_vs_ctrl,
    "dunnett": trt_vs_ctrl,
    "consec": consec,
    "poly": poly,
    "eff": eff,
    "del.eff": del_eff,
    "identity": identity,
}


def _is_num(values: Sequence[Any]) -> bool:
    """emmeans' ``.is.num``: every label reads as a number."""
    try:
        for v in values:
            float(str(v))
    except ValueError:
        return False
    return True


def _label(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.15g}"
    return str(v)


def _custom(method: Mapping[str, Sequence[float]], k: int) -> ContrastSet:
    names, coef = [], []
    for name, w in method.items():
        vals = [float(v) for v in w]
        if len(vals) != k:
            raise ArgumentError(f"contrast {name!r} has {len(vals)} coefficients; the means number {k}")
        names.append(str(name))
        coef.append(vals)
    return ContrastSet(names, coef, None)


def contrast_grid(  # noqa: C901 - follows contrast.emmGrid step by step
    emm: EMMGrid,
    method: Any = "eff",
    *,
    by: Any = ...,
    adjust: str | None = None,
    type: str | None = None,
    ratios: bool = True,
    **options: Any,
) -> EMMGrid:
    """emmeans' ``contrast(emm, method, ...)``; ``options`` go to the method (``ref``,
    ``reverse``, ``max_degree``, ``wts``)."""
    by_vars: list[str] = list(emm.by_vars) if by is ... else ([by] if isinstance(by, str) else list(by or []))
    for b in by_vars:
        if b not in emm.grid.columns:
            raise ArgumentError(f"by variable {b!r} is not in the grid ({', '.join(emm.grid.columns)})")
    args = emm.grid.copy()
    for col in args.columns:
        if col not in by_vars and _is_num(args[col].tolist()):
            args[col] = [f"{col}{_label(v)}" for v in args[col]]
        else:
            args[col] = [_label(v) for v in args[col]]
    groups = by_groups(emm.grid, by_vars)
    sizes = {g.size for g in groups}
    if len(sizes) > 1:
        raise ArgumentError("by groups are of irregular size; contrasts need a regular grid")
    label_cols = [c for c in args.columns if c not in by_vars]
    first = args.iloc[groups[0]]
    raw = [" ".join(r) for r in first[label_cols].itertuples(index=False, name=None)] if label_cols else []
    levs = [f"({v})" if PARENS.search(v) else v for v in raw]
    k = len(levs)
    if isinstance(method, Mapping):
        cset = _custom(method, k)
    elif isinstance(method, str):
        if method not in METHODS:
            raise ArgumentError(
                f"unknown contrast method {method!r}; use one of {', '.join(METHODS)} or a dict"
            )
        cset = (
            METHODS[method](levs, raw=raw, **options)
            if method in ("trt.vs.ctrl", "dunnett")
            else METHODS[method](levs, **options)
        )
    elif callable(method):
        cset = method(levs, **options)
    else:
        raise ArgumentError("method must be a contrast name, a dict of coefficient lists, or a function")
    cmat = np.array(cset.coef, dtype=np.float64).reshape(len(cset.names), k)
    nan_rows = np.any(np.isnan(emm.linfct), axis=1)
    lin = np.nan_to_num(emm.linfct)
    rows_l, offs, labels = [], [], []
    by_values: dict[str, list[Any]] = {b: [] for b in by_vars}
    for g in groups:
        block = cmat @ lin[g]
        bad = (np.abs(cmat) * nan_rows[g]).sum(axis=1) > 0
        block[bad] = np.nan
        rows_l.append(block)
        offs.append(cmat @ emm.offset[g])
        labels += cset.names
        for b in by_vars:
            by_values[b] += [emm.grid[b].iloc[g[0]]] * len(cset.names)
    linfct = np.vstack(rows_l) if rows_l else np.zeros((0, lin.shape[1]))
    name = "contrast"
    prev = sum(1 for c in by_vars if re.match(r"^contrast[0-9]?", c))
    if prev:
        name = f"contrast{prev}"
    grid = pd.DataFrame({name: labels, **by_values})
    sums = cmat.sum(axis=1)
    est_type = cset.type or ("contrast" if np.all(np.abs(sums) < 0.001) else "prediction")
    maxabs = np.max(np.abs(cmat), axis=1) if cmat.size else np.zeros(0)
    true_con = bool(np.all(np.abs(sums / (1e-6 + maxabs)) < 1e-6))
    tran, inv_label, log_contrast, init = emm.tran, emm.inv_label, False, []
    if tran is not None:
        if ratios and true_con and tran in LOG_TRANS:
            log_contrast = True
            if tran == "logit":
                inv_label, tran = "odds.ratio", "log.o.r."
            elif tran != "log.o.r.":
                inv_label = "ratio"
        else:
            init.append(f"Note: contrasts are still on the {tran} scale")
            tran, inv_label = None, None
    chosen = adjust if adjust is not None else (cset.adjust or "none")
    return EMMGrid(
        basis=emm.basis,
        grid=grid,
        linfct=linfct,
        offset=np.concatenate(offs) if offs else np.zeros(0),
        levels={
            name: list(dict.fromkeys(labels)),
            **{b: list(dict.fromkeys(v)) for b, v in by_values.items()},
        },
        pri_vars=[name],
        by_vars=by_vars,
        est_name="estimate",
        est_type=est_type,
        fam_size=cset.fam_size if cset.fam_size is not None else int(groups[0].size),
        adjust=chosen,
        infer=(False, True),
        level=emm.level,
        tran=tran,
        inv_label=inv_label,
        log_contrast=log_contrast,
        predict_type=type or emm.predict_type,
        avgd_over=list(emm.avgd_over),
        init_mesg=init,
    )
