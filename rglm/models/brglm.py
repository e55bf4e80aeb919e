"""Bias-reduced and penalized GLMs, as R's ``glm(..., method = "brglmFit")`` (brglm2 0.9).

:func:`fit_brglm` is what ``rglm.glm(..., method="brglm")`` runs: the model frame, the fit
(:func:`rglm.fit.brglm.brglm_fit`), brglm2's null deviance, and a :class:`BrglmResult`.
:class:`BrglmResult` is a :class:`rglm.models.glm.GLMResult` with the statistics of
:class:`rglm.results.brglm.BrglmStatistics` (brglm2's dispersion, z tests for every family)
and brglm2's printout (:mod:`rglm.output.brglm`).

The adjusted scores need the hat value of every row at every iteration, so a brglm fit
needs its rows in memory: chunked and Dask data are refused (:func:`rglm.glm` raises).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rglm.exceptions import ArgumentError, DataError, DomainError
from rglm.families.family import Binomial, Family
from rglm.fit.brglm import BRGLM_TYPES, BrglmControl, brglm_fit, brglm_null_deviance
from rglm.fit.plan import IRLSControl
from rglm.frame.model_frame import build_frame
from rglm.models.glm import GLMResult
from rglm.output.brglm import BrglmSummary, brglm_summary
from rglm.results.brglm import BrglmInfo, BrglmStatistics

__all__ = ["BRGLM_TYPES", "BrglmControl", "BrglmInfo", "BrglmResult", "brglm_control", "fit_brglm"]


class BrglmResult(GLMResult, BrglmStatistics):
    """A GLM fitted by brglm2's adjusted score equations (R's ``brglmFit`` class)."""

    def summary(self) -> BrglmSummary:
        """brglm2's ``summary``: ``summary.glm`` with brglm2's dispersion, z tests, and the
        ``Type of estimator:`` line."""
        return brglm_summary(self)

    def conf_int(
        self,
        level: float | None = None,
        method: str = "wald",
        params: Any = None,
        *,
        alpha: float | None = None,
    ) -> pd.DataFrame:
        """Wald intervals :math:`\\hat\\beta_j \\pm z_{1-\\alpha/2}\\mathrm{se}_j` (brglm2's
        ``confint``, R's ``confint.default``).  Profile-likelihood intervals are not defined
        for adjusted-score estimates."""
        if method != "wald":
            raise ArgumentError(
                f"a brglm fit has Wald intervals only (brglm2's confint), not method={method!r}"
            )
        return super().conf_int(level, method="wald", params=params, alpha=alpha)

    def tidy(
        self,
        conf_int: bool = False,
        level: float | None = None,
        exponentiate: bool = False,
        conf_method: str = "wald",
        *,
        conf_level: float | None = None,
    ) -> pd.DataFrame:
        """One row per coefficient, as broom's ``tidy``; intervals are Wald intervals."""
        if conf_method != "wald":
            raise ArgumentError(f"a brglm fit has Wald intervals only, not conf_method={conf_method!r}")
        return super().tidy(
            conf_int=conf_int,
            level=level,
            exponentiate=exponentiate,
            conf_method=conf_method,
            conf_level=conf_level,
        )

    def robust(self, cov_type: str = "HC0", groups: Any = None, **options: Any) -> GLMResult:
        """Not available: the sandwich estimators assume the ML score equations."""
        raise ArgumentError("sandwich covariances are not available for a brglm fit")


#: The fitting methods of :func:`rglm.glm`: R's ``glm.fit`` (IRLS to the ML estimate) and
#: brglm2's ``brglmFit``.
METHODS = ("glm.fit", "brglm")


def brglm_control(
    method: str,
    type: str | None,
    *,
    tol: float | None,
    max_iter: int | None,
    a: float | None,
    slowit: float | None,
    max_step_factor: int | None,
) -> BrglmControl | None:
    """brglm2's control from ``glm()``'s keywords, with brglm2's defaults where not given
    (``type="AS_mixed"``, ``tol=1e-6``, ``max_iter=100``, ``a=0.5``, ``slowit=1``,
    ``max_step_factor=12``); None for ``method="glm.fit"``.  Raises
    :class:`rglm.ArgumentError` for an unknown method or type, for brglm's keywords without
    ``method="brglm"``, and for ``MPL_Jeffreys`` with ``a <= 0``."""
    if method not in METHODS:
        raise ArgumentError(f"unknown method {method!r}; use 'glm.fit' (maximum likelihood) or 'brglm'")
    if method != "brglm":
        given = [
            name
            for name, value in (
                ("type", type),
                ("a", a),
                ("slowit", slowit),
                ("max_step_factor", max_step_factor),
            )
            if value is not None
        ]
        if given:
            raise ArgumentError(
                f"{', '.join(f'{g}=' for g in given)} only applies to bias-reduced fits: add method='brglm'"
            )
        return None
    d = BrglmControl()
    return BrglmControl(
        type=d.type if type is None else str(type),
        tol=d.tol if tol is None else float(tol),
        max_iter=d.max_iter if max_iter is None else max_iter,
        a=d.a if a is None else float(a),
        slowit=d.slowit if slowit is None else float(slowit),
        max_step_factor=d.max_step_factor if max_step_factor is None else max_step_factor,
    )


def fit_brglm(
    formula: str,
    data: Any,
    family: Family,
    control: BrglmControl,
    *,
    out_of_core: bool = False,
    unsupported: dict[str, bool] | None = None,
    weights: Any = None,
    offset: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    dispersion: float | None = None,
    call: dict[str, Any] | None = None,
    data_name: str = "data",
    contrasts: dict[str, Any] | None = None,
    names: str = "default",
) -> BrglmResult:
    """``glm(formula, data, family, method = "brglmFit", ...)``: build the frame, fit by
    brglm2's adjusted scores, and compute brglm2's null deviance.

    ``out_of_core`` (chunked or Dask data) and any true entry of ``unsupported`` (the
    ``glm()`` options a brglm fit does not take) raise :class:`rglm.ArgumentError`."""
    if out_of_core:
        raise ArgumentError(
            "method='brglm' needs the data in memory: its adjusted scores use every row's hat "
            "value at every iteration, so chunked and Dask data are not supported"
        )
    refused = [name for name, given in (unsupported or {}).items() if given]
    if refused:
        raise ArgumentError(f"{', '.join(refused)}: not available with method='brglm'")
    frame = build_frame(
        formula,
        data,
        weights=weights,
        offset=offset,
        subset=subset,
        na_action=na_action,
        binomial=isinstance(family, Binomial),
        contrasts=contrasts,
        names=names,
    )
    X = frame.X if isinstance(frame.X, np.ndarray) else frame.X.rows()
    start_ = None
    if start is not None:
        start_ = np.asarray(start, dtype=np.float64).ravel()
        if start_.size not in (X.shape[1], X.shape[1] + 1):
            raise DataError(
                f"start must hold {X.shape[1]} coefficients (or one more, the dispersion), got {start_.size}"
            )
    offset_ = frame.offset if frame.offset_in_model else None
    try:
        out = brglm_fit(
            X, frame.y, family, weights=frame.weights, offset=offset_, control=control, start=start_
        )
        nulldev = brglm_null_deviance(
            out,
            family,
            y=frame.y,
            weights=frame.weights,
            offset=offset_,
            intercept=frame.spec.has_intercept,
        )
    except DomainError as exc:
        raise exc.with_row_labels(frame.index) from None
    info = BrglmInfo(
        type=control.type,
        dispersion=out.dispersion,
        dispersion_ml=out.dispersion_ml,
        a=control.a,
        tol=control.tol,
        max_iter=control.max_iter,
        slowit=control.slowit,
        max_step_factor=control.max_step_factor,
    )
    return BrglmResult(
        out.fit,
        frame,
        family,
        null_deviance=nulldev,
        control=IRLSControl(tol=control.tol, max_iter=max(control.max_iter, 1)),
        dispersion=dispersion,
        formula=formula,
        data=data,
        call=call,
        data_name=data_name,
        brglm=info,
    )
