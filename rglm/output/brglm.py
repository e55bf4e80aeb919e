"""Printing a bias-reduced GLM fit as brglm2 0.9 does: ``print(summary(brglmFit))``.

brglm2's printout is R's ``print.summary.glm`` of R < 4.3 (with its ``Deviance Residuals:``
block) with brglm2's dispersion, ``AIC:`` followed by two spaces, and a
``Type of estimator:`` line before the iteration count.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from rglm.numerics.format import format_real, r_round
from rglm.output.summary import Summary, deparse_call
from rglm.results.brglm import BrglmStatistics

__all__ = ["BrglmSummary", "brglm_call", "brglm_summary", "deviance_residual_lines"]


def _r_number(x: float) -> str:
    """A number as R's ``deparse`` writes it (15 significant digits)."""
    return format_real([x], digits=15)[0].strip()


def brglm_call(m: BrglmStatistics) -> str:
    """The call as R records it: ``glm(formula = ..., family = ..., data = ..., method =
    "brglmFit", type = "...", ...)``, with ``a``, ``epsilon``, ``maxit``, ``slowit`` and
    ``max_step_factor`` where they differ from brglm2's defaults."""
    info = m.brglm
    args = [f"formula = {m.formula}", f"family = {m.family.r_call()}", f"data = {m.data_name}"]
    frame, given = m.model_frame, m.call

    def named(key: str) -> str:
        value = given.get(key)
        return value if isinstance(value, str) else key

    if frame.weights_given:
        args.append(f"weights = {named('weights')}")
    if frame.offset_given:
        args.append(f"offset = {named('offset')}")
    args += ['method = "brglmFit"', f'type = "{info.type}"']
    if info.type == "MPL_Jeffreys" and info.a != 0.5:
        args.append(f"a = {_r_number(info.a)}")
    if info.tol != 1e-6:
        args.append(f"epsilon = {_r_number(info.tol)}")
    if info.max_iter != 100:
        args.append(f"maxit = {info.max_iter}")
    if info.slowit != 1.0:
        args.append(f"slowit = {_r_number(info.slowit)}")
    if info.max_step_factor != 12:
        args.append(f"max_step_factor = {info.max_step_factor}")
    return deparse_call("glm", args)


def _zapsmall(x: np.ndarray, digits: int) -> np.ndarray:
    """R 4.2's ``zapsmall``: ``round(x, max(0, digits - log10(max|x|)))``, where ``round``
    takes the nearest whole number of places (R 4.2 has no ``ceiling`` there)."""
    finite = x[np.isfinite(x)]
    mx = float(np.max(np.abs(finite))) if finite.size else 0.0
    places = math.floor(max(0.0, digits - math.log10(mx)) + 0.5) if mx > 0 else digits
    return np.asarray(r_round(x, places), dtype=np.float64)


def deviance_residual_lines(resid: np.ndarray, names: list[str], df_resid: int, width: int = 80) -> list[str]:
    """R < 4.3's ``Deviance Residuals:`` block: the five-number summary (R's quantile type 7)
    when there are more than 5 residual degrees of freedom, else every residual by row name;
    zapped to 5 digits and printed with 4 significant digits, two spaces after each cell."""
    if df_resid > 5:
        values = np.quantile(resid, [0.0, 0.25, 0.5, 0.75, 1.0])
        labels = ["Min", "1Q", "Median", "3Q", "Max"]
    else:
        values, labels = resid, names
    cells = format_real(_zapsmall(np.asarray(values, dtype=np.float64), 5), digits=4)
    w = max([len(c) for c in cells] + [len(lab) for lab in labels])
    per_line = max(1, width // (w + 2))
    lines: list[str] = []
    for start in range(0, len(cells), per_line):
        chunk = range(start, min(start + per_line, len(cells)))
        lines.append("".join(labels[i].rjust(w) + "  " for i in chunk))
        lines.append("".join(cells[i].strip().rjust(w) + "  " for i in chunk))
    return lines


@dataclass(frozen=True)
class BrglmSummary(Summary):
    """brglm2's summary: :class:`rglm.output.summary.Summary` with the estimator type and the
    deviance residuals, printed as brglm2's ``print.summary.brglmFit``.

    Attributes
    ----------
    estimator : str
        ``Type of estimator:`` line's text, e.g. ``AS_mean (mean bias-reducing adjusted score
        equations)``.
    residual_lines : tuple of str
        The ``Deviance Residuals:`` block.
    """

    estimator: str = ""
    residual_lines: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = ["", "Call:", self.call, "", "Deviance Residuals: ", *self.residual_lines, ""]
        lines += self._fit_lines()
        aic = "NA" if math.isnan(self.aic) else format_real([self.aic], digits=5)[0].strip()
        lines += [f"AIC:  {aic}", "", f"Type of estimator: {self.estimator}"]
        lines.append(f"Number of Fisher Scoring iterations: {self.iterations}")
        if not self.converged:
            lines.append("Warning: the algorithm did not converge")
        lines.append("")
        return "\n".join(lines) + "\n"

    def _footer(self) -> list[str]:
        foot = super()._footer()
        return [*foot[:-1], f"Type of estimator: {self.estimator}", foot[-1]]


def brglm_summary(m: BrglmStatistics) -> BrglmSummary:
    """``summary()`` of a brglm fit: R's ``summary.glm`` with brglm2's dispersion (z tests for
    every family), printed as brglm2 prints it."""
    base = Summary.from_result(m)
    resid = m.resid_deviance.to_numpy()
    keep = ~np.isnan(resid)
    names = [str(i) for i, k in zip(m.resid_deviance.index, keep, strict=True) if k]
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    fields.update(
        call=brglm_call(m),
        separation_note="",
        boundary=False,
        estimator=f"{m.type} {m.brglm.description}",
        residual_lines=tuple(deviance_residual_lines(resid[keep], names, m.df_resid)),
    )
    return BrglmSummary(**fields)
