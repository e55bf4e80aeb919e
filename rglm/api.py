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

from rglm.backends.chunked import ChunkedFrame, executor_for, merge_scan
from rglm.backends.dask import is_dask
from rglm.backends.sources import is_source
from rglm.exceptions import ArgumentError, DataError, DomainError
from rglm.families.family import Binomial, Family, Gaussian, NegativeBinomial, QuasiBinomial, get_family
from rglm.fit.irls import FitPlan, IRLSControl, irls, null_deviance
from rglm.fit.negbin import fit_glm_nb
from rglm.fit.riders import fit_and_finish
from rglm.frame.chunked import Layout, ScanPart, freeze, layout, scan_chunk
from rglm.frame.model_frame import build_frame
from rglm.inference.outofcore import interrupted, pass_runner
from rglm.inference.robust import COV_TYPES, robust_result
from rglm.inference.separation import separation_at_fit, warn_if_separated
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
    tol: float = 1e-8,
    max_iter: int = 25,
    dispersion: float | None = None,
    trace: bool | int = False,
    cov_type: str = "nonrobust",
    cov_kwds: dict[str, Any] | None = None,
    chunksize: int | None = None,
    progress: bool = False,
) -> GLMResult:
    """Fit a generalized linear model, as R's ``glm()``.

    Parameters
    ----------
    formula : str
        ``response ~ terms`` in formulaic's syntax, plus R's ``cbind(successes, failures)``
        response, ``offset(expr)`` terms and bare function names (``log(x)``).  Text and
        categorical columns are factors with treatment contrasts; levels are sorted (or taken
        in a Categorical's order) and the first is the reference.  A pandas *ordered*
        Categorical is coded like an unordered one, whereas R codes an ordered factor with
        polynomial contrasts: write ``C(x, contr.poly)`` to get R's coefficients.
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
        Convergence tolerance on :math:`|D - D_{old}|/(|D| + 0.1)` and the iteration limit
        (for ``glm.nb`` also the tolerance and limit of the alternation with :math:`\\theta`,
        and the limit of ``theta.ml``, as MASS's ``control``).
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
        With out-of-core data, show a tqdm progress bar of passes and chunks.

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
    estimate_theta = isinstance(fam, NegativeBinomial) and fam.theta is None
    if dispersion is not None and not (float(dispersion) > 0 and math.isfinite(float(dispersion))):
        raise DataError(f"dispersion must be a positive number, got {dispersion!r}")
    level = int(trace)
    control = IRLSControl(tol=tol, max_iter=max_iter, trace=bool(trace) and not estimate_theta)
    # What update() replays: the arguments that shape the model, not the starting values.
    # R's update() re-evaluates the call, which names the function: so does GLMResult.update.
    call: dict[str, Any] = {
        "function": glm,
        "family": fam,
        "weights": weights,
        "offset": offset,
        "subset": subset,
        "na_action": na_action,
        "tol": tol,
        "max_iter": max_iter,
        "dispersion": dispersion,
    }
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
        )
    frame = build_frame(
        formula,
        data,
        weights=weights,
        offset=offset,
        subset=subset,
        na_action=na_action,
        binomial=isinstance(fam, (Binomial, QuasiBinomial)),
    )
    n, p = frame.X.shape

    def _vec(v: Any, what: str, size: int) -> np.ndarray | None:
        if v is None:
            return None
        arr = np.asarray(v, dtype=np.float64)
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
    lay: Layout = layout(formula, first, weights=weights, offset=offset, subset=subset, binomial=binomial)
    executor.columns = list(lay.columns)
    scan = executor.map_reduce(functools.partial(scan_chunk, lay=lay), merge_scan, ScanPart(), "scan")
    executor.n_chunks = scan.n_chunks
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
        start_ = np.asarray(start, dtype=np.float64)
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
