"""``rglm.glm`` and ``rglm.glm_nb``: the formula interface, wiring the model frame, IRLS and the result.

Data in memory is fitted by :func:`rglm.fit.irls.irls` on the model frame; chunked files,
callables and Dask DataFrames by passes (:func:`fit_out_of_core`); a negative binomial family
without :math:`\\theta` by MASS's alternation (:func:`rglm.fit.negbin.fit_glm_nb`).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import types
from typing import Any

import numpy as np

from rglm.backends.chunked import ChunkedFrame, LocalExecutor, executor_for, merge_scan
from rglm.backends.dask import is_dask
from rglm.backends.sources import is_source, read_if_small
from rglm.exceptions import ArgumentError, DataError, DomainError
from rglm.families.family import Binomial, Family, Gaussian, NegativeBinomial, QuasiBinomial, get_family
from rglm.fit.irls import FitPlan, IRLSControl, irls, null_deviance, warn_if_exact
from rglm.fit.negbin import fit_glm_nb
from rglm.fit.riders import fit_and_finish
from rglm.frame.chunked import Layout, ScanPart, freeze, layout, scan_chunk
from rglm.frame.model_frame import build_frame
from rglm.inference.outofcore import interrupted, pass_runner, release
from rglm.inference.robust import COV_TYPES, robust_result
from rglm.inference.separation import separation_at_fit, warn_if_separated
from rglm.models.brglm import brglm_control, fit_brglm
from rglm.models.glm import GLMResult
from rglm.models.negbin import NegBinResult
from rglm.results.negbin import NegBinInfo

__all__ = ["fit_out_of_core", "glm", "glm_nb"]


def glm(
    formula: str,
    data: Any,
    family: Family | str | type[Family] | None = None,
    *,
    weights: Any = None,
    offset: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    etastart: Any = None,
    mustart: Any = None,
    tol: float | None = None,
    max_iter: int | None = None,
    dispersion: float | None = None,
    trace: bool | int = False,
    cov_type: str = "nonrobust",
    cov_kwds: dict[str, Any] | None = None,
    chunksize: int | None = None,
    progress: bool = False,
    method: str = "glm.fit",
    type: str | None = None,
    a: float | None = None,
    slowit: float | None = None,
    max_step_factor: int | None = None,
    contrasts: dict[str, Any] | None = None,
    names: str = "default",
) -> GLMResult:
    """Fit a generalized linear model, as R's ``glm()``.

    Parameters
    ----------
    formula : str
        ``response ~ terms`` with R's meaning (R's ``terms`` and ``model.matrix``): ``.``,
        ``+ - * / : ^ %in%``, ``0 +``/``- 1``, ``offset()`` terms, a ``cbind(successes,
        failures)`` response, ``I(x^2)`` (a power), ``factor()``, ``relevel()``, ``C()``,
        ``poly()``, ``ns()``, ``bs()``.  Text and categorical columns are factors with
        treatment contrasts, ordered Categoricals with ``contr.poly``, as R's defaults; levels
        are sorted (or taken in a Categorical's order).  See ``docs/coming-from-r.md``.
    data : DataFrame or anything ``pandas.DataFrame`` accepts
    family : Family, default Gaussian()
        A family object such as ``rglm.Binomial(link="probit")``, or R's family name.
        ``NegativeBinomial()`` without ``theta`` estimates :math:`\\theta` as ``MASS::glm.nb``
        (see :mod:`rglm.fit.negbin`): the result then has ``theta``, ``theta_se`` and
        ``twologlik``, its dispersion is 1 and its AIC counts :math:`\\theta`.
    weights : str or array_like, optional
        Prior weights: a column name or one value per row.  For binomial, a proportion
        response with ``weights`` = trials is the same model as ``cbind``.
    offset : str or array_like, optional
        A known term added to the linear predictor (a column name or one value per row).
    subset : array of bool or str, optional
        Rows to use: a boolean mask or a ``DataFrame.eval`` expression.
    na_action : {"omit", "exclude", "fail"}
        Drop rows with missing values in any model variable (``"exclude"`` also drops them
        but pads per-row results such as fitted values and residuals with NaN at those rows,
        as R's ``na.exclude``), or raise naming the columns.
    start, etastart, mustart : array_like, optional
        Starting coefficients, linear predictor or means.
    tol, max_iter : float, int
        Convergence tolerance on :math:`|D - D_{old}|/(|D| + 0.1)` and the iteration limit,
        1e-8 and 25 by default (for ``glm.nb`` also the tolerance and limit of the alternation
        with :math:`\\theta`, and the limit of ``theta.ml``, as MASS's ``control``).  With
        ``method="brglm"``, brglm2's ``epsilon`` on the sum of absolute steps and ``maxit``,
        1e-6 and 100 by default.
    dispersion : float, optional
        Fix the dispersion (R's ``summary(fit, dispersion=)``); tests then use z.
    trace : bool or int
        Print the deviance at each iteration.  When :math:`\\theta` is estimated, MASS's
        levels: 1 reports :math:`\\theta` per alternation, 2 adds the deviances, 3 the steps
        of ``theta.ml``.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5", "cluster"}
        Covariance of the coefficients behind the standard errors, tests and intervals: the
        model-based :math:`\\phi (X^T W X)^{-1}` (R's ``vcov``) or a sandwich estimate as
        ``sandwich::vcovHC`` / ``vcovCL``; see :func:`rglm.inference.robust.robust_cov`.
    cov_kwds : dict, optional
        For ``cov_type="cluster"``: ``groups`` (a column name, several column names, or one
        value per row of ``data``), and optionally ``type`` (``"HC0"``, the default as in R,
        ``"HC1"``, ``"HC2"``, ``"HC3"``), ``cadjust`` and ``multi0`` as in ``vcovCL``.

    chunksize : int, optional
        Fit out of core: ``data`` is then a Parquet or CSV path (or a list of them), a
        callable returning a fresh iterator of DataFrames, a Dask DataFrame, or a DataFrame
        to process ``chunksize`` rows at a time; rows are read ``chunksize`` at a time in every
        pass and never all held in memory.  Paths, callables and Dask DataFrames are fitted
        this way whether or not ``chunksize`` is given (default 100,000 rows for files).  The
        numbers equal the in-memory fit's to rounding; per-row values come chunk by chunk
        (:meth:`GLMResult.iter_rows`, :meth:`GLMResult.predict_to`).  See
        :mod:`rglm.backends.chunked` and ``docs/scaling.md``.
    progress : bool
        With out-of-core data, show a tqdm progress bar of passes and chunks; an error for
        data fitted in memory (which takes no passes over chunks).
    method : {"glm.fit", "brglm"}
        ``"glm.fit"``: maximum likelihood by IRLS.  ``"brglm"``: R's ``brglm2`` (``method =
        "brglmFit"``), bias-reduced or penalized estimates, finite under separation; the
        result is a :class:`rglm.models.brglm.BrglmResult`.  See ``docs/brglm.md``.  Data in
        memory only (not chunked or Dask data).
    type : {"AS_mixed", "AS_mean", "AS_median", "MPL_Jeffreys", "correction", "ML"}, optional
        brglm2's estimator (default ``"AS_mixed"``); only with ``method="brglm"``.
    a, slowit, max_step_factor : optional
        brglm2's ``a`` (the power of Jeffreys' prior for ``MPL_Jeffreys``, default 1/2: Firth),
        ``slowit`` (a factor on every step, default 1) and ``max_step_factor`` (step halvings
        per iteration, default 12); only with ``method="brglm"``.
    contrasts : dict, optional
        R's ``contrasts``: variable (as written in the formula, or its column) -> contrasts,
        ``"contr.treatment"``, ``"contr.sum"``, ``"contr.helmert"``, ``"contr.poly"``,
        ``"contr.SAS"`` or a formulaic contrasts object.
    names : {"default", "R"}
        Coefficient names in formulaic's style (``sex[T.M]``, ``poly(wt, 2)[1]``) or exactly
        R's (``sexM``, ``poly(wt, 2)1``, ``(Intercept)``).

    Returns
    -------
    GLMResult

    Examples
    --------
    >>> import rglm
    >>> df = rglm.datasets.load("dobson")
    >>> m = rglm.glm("counts ~ C(outcome) + C(treatment)", df, family=rglm.Poisson())
    >>> round(m.deviance, 4)
    5.1291
    """
    _check_cov_args(cov_type, cov_kwds)
    data_name = _data_name(data)
    fam = Gaussian() if family is None else get_family(family)
    if dispersion is not None and not (
        isinstance(dispersion, (int, float, np.integer, np.floating))
        and not isinstance(dispersion, bool)
        and float(dispersion) > 0
        and math.isfinite(float(dispersion))
    ):
        raise DataError(f"dispersion must be a positive number, got {dispersion!r}")
    br = brglm_control(
        method, type, tol=tol, max_iter=max_iter, a=a, slowit=slowit, max_step_factor=max_step_factor
    )
    # What update() replays: the arguments that shape the model, not the starting values.
    # R's update() re-evaluates the call, which names the function: so does GLMResult.update.
    model_args: dict[str, Any] = {
        "function": glm,
        "family": fam,
        "weights": weights,
        "offset": offset,
        "subset": subset,
        "na_action": na_action,
        "dispersion": dispersion,
        "contrasts": contrasts,
        "names": names,
    }
    if br is not None:  # brglm2's fit: its own module does the checks and the wiring
        return fit_brglm(
            formula,
            data,
            fam,
            br,
            out_of_core=chunksize is not None or _out_of_core(data),
            unsupported={
                "cov_type": cov_type != "nonrobust",
                "etastart": etastart is not None,
                "mustart": mustart is not None,
                "trace": bool(trace),
            },
            weights=weights,
            offset=offset,
            subset=subset,
            na_action=na_action,
            start=start,
            dispersion=dispersion,
            data_name=data_name,
            call={
                **model_args,
                "tol": tol,
                "max_iter": max_iter,
                "method": method,
                "type": type,
                "a": a,
                "slowit": slowit,
                "max_step_factor": max_step_factor,
            },
            contrasts=contrasts,
            names=names,
        )
    tol = 1e-8 if tol is None else tol
    max_iter = 25 if max_iter is None else max_iter
    estimate_theta = isinstance(fam, NegativeBinomial) and fam.theta is None
    level = int(trace)
    control = IRLSControl(tol=tol, max_iter=max_iter, trace=bool(trace) and not estimate_theta)
    call: dict[str, Any] = {**model_args, "tol": tol, "max_iter": max_iter}
    if chunksize is None and not callable(data):
        # A file that fits in memory is read whole and fitted as a data frame (every per-row
        # result is then available); the result's call says so.
        whole, size = read_if_small(data)
        if whole is not None:
            data = whole
            call["data_in_memory"] = f"{data_name} read into memory (about {(size or 0) / 1e6:.3g} MB)"
    if chunksize is not None or _out_of_core(data):
        if cov_type != "nonrobust":
            raise ArgumentError("sandwich covariances (cov_type) are not available for chunked or Dask data")
        return fit_out_of_core(
            formula,
            data,
            fam,
            weights=weights,
            offset=offset,
            subset=subset,
            na_action=na_action,
            start=start,
            etastart=etastart,
            mustart=mustart,
            control=control,
            dispersion=dispersion,
            chunksize=chunksize,
            progress=progress,
            call={**call, "chunksize": chunksize, "progress": progress},
            data_name=data_name,
            contrasts=contrasts,
            names=names,
        )
    if progress:
        raise ArgumentError(
            "progress=True shows a bar of the passes over chunked data; this data is fitted in memory "
            "in one go. Give chunksize= (rows per chunk) to fit in chunks with a progress bar"
        )
    frame = build_frame(
        formula,
        data,
        weights=weights,
        offset=offset,
        subset=subset,
        na_action=na_action,
        binomial=isinstance(fam, (Binomial, QuasiBinomial)),
        contrasts=contrasts,
        names=names,
    )
    n, p = frame.X.shape

    def _vec(v: Any, what: str, size: int) -> np.ndarray | None:
        if v is None:
            return None
        arr = numeric_argument(v, what)
        if arr.shape != (size,):
            raise DataError(f"{what} must have {size} values, got {arr.size}")
        return arr

    start_, etastart_, mustart_ = (
        _vec(start, "start (one per coefficient)", p),
        _vec(etastart, "etastart", n),
        _vec(mustart, "mustart", n),
    )
    call.update(cov_type=cov_type, cov_kwds=cov_kwds)
    result: GLMResult
    if estimate_theta:
        assert isinstance(fam, NegativeBinomial)
        try:
            fit, fit_family, nulldev, estimate = fit_glm_nb(
                frame, fam, control=control, trace=level, start=start_, etastart=etastart_, mustart=mustart_
            )
        except DomainError as exc:
            raise exc.with_row_labels(frame.index) from None
        # summary.negbin fixes the dispersion at 1 (z tests), unless told otherwise.
        result = NegBinResult(
            fit,
            frame,
            fit_family,
            null_deviance=nulldev,
            control=control,
            dispersion=1.0 if dispersion is None else dispersion,
            formula=formula,
            data=data,
            call=call,
            negbin=NegBinInfo.from_estimate(estimate, fit.rank),
            data_name=data_name,
        )
    else:
        plan = FitPlan.for_problem(n, p)  # the one decision: R's digits, or sums over row blocks
        try:
            fit = irls(
                frame.X,
                frame.y,
                fam,
                weights=frame.weights,
                offset=frame.offset,
                start=start_,
                etastart=etastart_,
                mustart=mustart_,
                control=control,
                plan=plan,
            )
        except DomainError as exc:
            raise exc.with_row_labels(frame.index) from None
        warn_if_exact(fit.deviance, fam)
        nulldev = null_deviance(
            fit,
            fam,
            frame.offset,
            intercept=frame.spec.has_intercept,
            control=control,
            response=frame.y,
            weights=frame.weights,
            plan=plan,
        )
        # The separation check runs once, here; the result carries it to its summary.
        check = separation_at_fit(fit, frame.design, fam, frame.spec.column_names, control.tol)
        warn_if_separated(check)
        result = GLMResult(
            fit,
            frame,
            fam,
            null_deviance=nulldev,
            control=control,
            dispersion=dispersion,
            formula=formula,
            data=data,
            call=call,
            data_name=data_name,
            separation_check=check,
        )
    if cov_type != "nonrobust":
        options = dict(cov_kwds or {})
        groups = options.pop("groups", None)
        result = robust_result(result, cov_type, groups, **options)
    return result


def glm_nb(
    formula: str, data: Any, *, link: str = "log", init_theta: float | None = None, **kwargs: Any
) -> GLMResult:
    """``MASS::glm.nb``: :func:`glm` with ``family=NegativeBinomial(link=link,
    init_theta=init_theta)``; other keywords go to :func:`glm`."""
    return glm(formula, data, family=NegativeBinomial(link=link, init_theta=init_theta), **kwargs)


def fit_out_of_core(
    formula: str,
    data: Any,
    family: Family,
    *,
    weights: Any,
    offset: Any,
    subset: Any,
    na_action: str,
    start: Any,
    etastart: Any,
    mustart: Any,
    control: IRLSControl,
    dispersion: float | None,
    chunksize: int | None,
    progress: bool,
    call: dict[str, Any],
    data_name: str = "data",
    contrasts: dict[str, Any] | None = None,
    names: str = "default",
) -> GLMResult:
    """:func:`rglm.glm` on chunked files, a callable or a Dask DataFrame.

    1. a scan pass fixes the model frame (:mod:`rglm.frame.chunked`);
    2. R's IRLS loop runs as passes (:func:`rglm.fit.passes.fit_passes`) over the chunks, each
       pass summing :func:`rglm.fit.accumulate.accumulate` over them;
    3. an end-of-fit pass gives the AIC, Pearson's statistic, the dispersion and the null
       deviance.

    The result's numbers equal the in-memory fit's to rounding; its frame
    (:class:`rglm.backends.chunked.ChunkedFrame`) holds no rows.
    """
    if etastart is not None or mustart is not None:
        raise ArgumentError(
            "etastart and mustart (one value per row) are not available for chunked or Dask data; "
            "give start= (one value per coefficient) instead"
        )
    if isinstance(family, NegativeBinomial) and family.theta is None:
        raise ArgumentError(
            "estimating the negative binomial theta is not available for chunked or Dask data; "
            "give NegativeBinomial(theta=...) (for example estimated on a sample in memory)"
        )
    executor = executor_for(data, chunksize, progress)
    binomial = isinstance(family, (Binomial, QuasiBinomial))
    first = executor.first()
    if len(first) == 0:
        raise DataError("data has no rows")
    lay: Layout = layout(
        formula,
        first,
        weights=weights,
        offset=offset,
        subset=subset,
        binomial=binomial,
        contrasts=contrasts,
        names=names,
    )
    executor.columns = list(lay.columns)
    executor.coded = lay.coded
    scan = executor.map_reduce(functools.partial(scan_chunk, lay=lay), merge_scan, ScanPart(), "scan")
    executor.n_chunks = scan.n_chunks
    if isinstance(executor, LocalExecutor):
        executor.n_rows = scan.n_rows  # every pass must read the rows the scan read
    model = freeze(lay, scan, na_action)
    frame = ChunkedFrame(
        model,
        executor,
        scan.n_rows,
        scan.n_rows - scan.n_used,
        weights is not None,
        offset is not None,
        na_action,
    )
    p = len(model.spec.column_names)
    start_ = None
    if start is not None:
        start_ = numeric_argument(start, "start (one per coefficient)")
        if start_.shape != (p,):
            raise ArgumentError(
                f"length of 'start' should equal {p} and correspond to the coefficients, "
                f"got {start_.size} values"
            )
    run = pass_runner(frame)
    try:
        fit = fit_and_finish(
            run, p, family, control, start=start_, intercept_column=model.spec.intercept_column
        )
    except KeyboardInterrupt:
        raise interrupted(run, "the fit") from None
    finally:
        release(executor)
    warn_if_exact(fit.deviance, family)
    # PassFit and ChunkedFrame offer what the statistics read of an IRLSFit and a ModelFrame,
    # and raise OutOfCoreError for the per-row arrays they do not hold.
    return GLMResult(
        fit,
        frame,
        family,
        null_deviance=fit.null_deviance,
        control=control,
        dispersion=dispersion,
        formula=formula,
        data=data,
        call=call,
        data_name=data_name,
    )


def _out_of_core(data: Any) -> bool:
    """Paths, callables and Dask DataFrames are fitted by passes over chunks."""
    return is_source(data) or is_dask(data)


def numeric_argument(v: Any, what: str) -> np.ndarray:
    """``start``, ``etastart`` or ``mustart`` as float64, or an ArgumentError naming it."""
    if isinstance(v, (dict, set, str, bytes)):
        raise ArgumentError(f"{what} must be numbers in order (an array or list), got a {type(v).__name__}")
    try:
        return np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"{what} must be numbers, got {v!r:.80}: {exc}") from None


def _check_cov_args(cov_type: Any, cov_kwds: Any) -> None:
    """Fail before fitting on a misspelt covariance request."""
    if cov_type not in COV_TYPES:
        raise ArgumentError(f"unknown cov_type {cov_type!r}; choose one of {', '.join(map(repr, COV_TYPES))}")
    if cov_kwds is not None and not isinstance(cov_kwds, dict):
        raise ArgumentError(
            f"cov_kwds must be a dict such as {{'groups': 'firm'}}, got {type(cov_kwds).__name__}"
        )
    kwds = cov_kwds or {}
    if cov_type == "cluster":
        if "groups" not in kwds:
            raise ArgumentError("cov_type='cluster' needs cov_kwds={'groups': <column name(s) or values>}")
        unknown = set(kwds) - {"groups", "type", "cadjust", "multi0"}
        if unknown:
            raise ArgumentError(
                f"unknown cov_kwds key(s) {', '.join(sorted(map(str, unknown)))} for "
                "cov_type='cluster'; the keys are groups, type, cadjust and multi0"
            )
    elif kwds:
        raise ArgumentError(f"cov_kwds only applies to cov_type='cluster', not {cov_type!r}")


def _data_name(data: Any) -> str:
    """What the printed call shows for ``data``, as R's ``deparse(substitute(data))`` would:
    the caller's variable holding the data frame, or the file name; ``data`` otherwise."""
    if isinstance(data, (str, os.PathLike)):
        return repr(os.fspath(data))
    frame: types.FrameType | None = sys._getframe(1)
    try:
        # Skip rglm's own frames (update(), step()) to reach the user's code.
        while frame is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] == "rglm":
            frame = frame.f_back
        if frame is not None:
            for scope in (frame.f_locals, frame.f_globals):
                for name, value in scope.items():
                    if value is data and name.isidentifier() and not name.startswith("_"):
                        return name
    finally:
        del frame
    return "data"
