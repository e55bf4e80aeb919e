"""A multinomial logit model, as ``nnet::multinom`` returns it.

:class:`MultinomResult` is :class:`rglm.results.multinom.MultinomStatistics` (estimates,
covariance and fit figures on the result core) with the methods every model has
(:class:`rglm.models.base.ModelMethods`), prediction and nnet's summary.  The entry point is
:func:`rglm.multinom`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.backends.chunked import executor_for, merge_scan
from rglm.backends.dask import is_dask
from rglm.backends.sources import is_source
from rglm.exceptions import ArgumentError, DataError, SeparationWarning, warn
from rglm.fit.brmultinom import br_multinom
from rglm.fit.multinom import (
    MultinomControl,
    MultinomSums,
    block_sums,
    memory_sums,
    newton_multinom,
    probabilities,
)
from rglm.fit.passes import worker_threads
from rglm.frame.chunked import ChunkModel, Layout, ScanPart, freeze, layout, scan_chunk
from rglm.frame.multinom import (
    MultinomResponse,
    check_levels,
    chunk_levels,
    chunk_response,
    multinom_frame,
    response_parts,
    source_columns,
    with_row_column,
)
from rglm.models.base import ModelMethods
from rglm.output.multinom import MultinomSummary, multinom_summary
from rglm.results.multinom import MultinomStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["MultinomResult", "fit_multinom"]

PREDICT_TYPES = ("probs", "class", "link")


class MultinomResult(MultinomStatistics, ModelMethods):
    """A fitted multinomial logit model (nnet's ``multinom`` class)."""

    def summary(self, tests: bool = False) -> MultinomSummary:
        """nnet's ``summary(multinom)``: ``str()`` prints the call, the coefficient and
        standard-error matrices, the residual deviance and the AIC as R does.  ``tests=True``
        adds the z statistics (nnet's ``Wald.ratios``) and two-sided p-values."""
        return multinom_summary(self, tests=tests)

    def predict(self, newdata: Any = None, type: str = "probs", se_fit: bool = False) -> Any:
        """Predictions, as ``predict.multinom``.

        Parameters
        ----------
        newdata : DataFrame, optional
            New rows (the fitted rows by default).  A level of a factor not seen in fitting
            raises :class:`rglm.DataError`; a row with a missing predictor gives NaN.
        type : {"probs", "class", "link"}
            ``"probs"``: a DataFrame of probabilities, one column per level; ``"class"``: the
            most probable level of each row (a Categorical on the levels; an exact tie goes
            to the first of the tied levels, where R's ``max.col`` breaks it at random);
            ``"link"``: the log-odds against the baseline, :math:`x^T\\hat\\beta_k`, one
            column per non-baseline level.
        se_fit : bool
            With ``type="probs"``: also return the delta-method standard errors of the
            probabilities, as a second DataFrame of the same shape:
            :math:`\\mathrm{se}(\\pi_k) = \\sqrt{g_k^T V g_k}` with
            :math:`g_k = \\partial\\pi_k/\\partial\\theta`, whose block for level
            :math:`l \\ge 1` is :math:`\\pi_k(\\delta_{kl} - \\pi_l)\\,x`.

        Returns
        -------
        DataFrame, Categorical, or (DataFrame, DataFrame) with ``se_fit``
        """
        if type not in PREDICT_TYPES:
            raise ArgumentError(f"type must be one of {', '.join(map(repr, PREDICT_TYPES))}, got {type!r}")
        if se_fit and type != "probs":
            raise ArgumentError("se_fit applies to type='probs'")
        if newdata is None:
            frame = self._rows_frame()
            X = np.asarray(frame.design.rows(None), dtype=np.float64)
            index = frame.index
        else:
            X, index = self.design_for(newdata)
        coef = self.fit.coef
        labels = list(self.response.labels)
        if type == "link":
            return pd.DataFrame(X @ np.nan_to_num(coef).T, index=index, columns=pd.Index(labels[1:]))
        prob, _ = probabilities(X, coef)
        if type == "class":
            missing = np.isnan(prob).any(axis=1)
            codes = np.where(missing, -1, np.argmax(np.nan_to_num(prob, nan=-1.0), axis=1))
            return pd.Categorical.from_codes(codes, categories=pd.Index(self.levels))
        probs = pd.DataFrame(prob, index=index, columns=pd.Index(labels))
        if not se_fit:
            return probs
        return probs, pd.DataFrame(self._prob_se(X, prob), index=index, columns=pd.Index(labels))

    def _prob_se(self, X: np.ndarray, prob: np.ndarray) -> np.ndarray:
        """Delta-method standard errors of the probabilities (see :meth:`predict`)."""
        V = np.nan_to_num(self.vcov_matrix())
        n, K = prob.shape
        out = np.empty((n, K))
        for k in range(K):
            # gradient of pi_k with respect to beta_l (l = 1..K-1): pi_k (delta_kl - pi_l) x
            scale = prob[:, [k]] * ((np.arange(1, K) == k)[None, :] - prob[:, 1:])
            G = (scale[:, :, None] * X[:, None, :]).reshape(n, -1)
            out[:, k] = np.sqrt(np.einsum("ij,jk,ik->i", G, V, G))
        return out


# -- fitting: frame, row blocks or chunks, Newton, result ------------------------------------------------
def fit_multinom(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    control: MultinomControl,
    chunksize: int | None = None,
    progress: bool = False,
    call: dict[str, Any],
    data_name: str = "data",
    method: str = "ML",
    type: str = "AS_mean",
) -> MultinomResult:
    """:func:`rglm.multinom`'s work: the frame, the Newton fit over row blocks (in memory) or
    chunks (files, callables, Dask), and the result; ``method="brglm"``: the mean bias-reduced
    fit (:func:`rglm.fit.brmultinom.br_multinom`)."""
    if method not in ("ML", "brglm"):
        raise ArgumentError(f"method must be 'ML' or 'brglm', got {method!r}")
    if method == "brglm" and type != "AS_mean":
        raise ArgumentError(
            f"type={type!r} is not available for multinom; method='brglm' offers type='AS_mean' "
            "(brglm2::brmultinom's mean bias reduction)"
        )
    out_of_core = chunksize is not None or is_source(data) or is_dask(data)
    if method == "brglm" and out_of_core:
        raise ArgumentError("method='brglm' is not available for chunked or Dask data")
    if out_of_core:
        return _fit_chunked(
            formula,
            data,
            weights=weights,
            subset=subset,
            na_action=na_action,
            start=start,
            control=control,
            chunksize=chunksize,
            progress=progress,
            call=call,
            data_name=data_name,
        )
    frame, response, y = multinom_frame(formula, data, weights=weights, subset=subset, na_action=na_action)
    K, p = len(response.levels), len(frame.spec.column_names)
    design = frame.design
    n = design.shape[0]
    # Row blocks for the threads: views of the design (a split design keeps its factor codes).
    step = _block_rows(K, p, n)
    blocks = [
        (design.block(a, min(a + step, n)), y[a : a + step], frame.weights[a : a + step])
        for a in range(0, n, step)
    ]
    if method == "brglm":
        dense = [(np.asarray(X.rows(None), dtype=np.float64), yb, wb) for X, yb, wb in blocks]
        fit = br_multinom(dense, K, p, control, _start(start, K, p))
    else:
        fit = newton_multinom(
            memory_sums(blocks, K), K, p, control, _start(start, K, p), intercept=frame.spec.intercept_column
        )
    result = MultinomResult(
        fit, frame.spec, response, frame=frame, formula=formula, call=call, data_name=data_name, data=data
    )
    _warn_separation(result)
    return result


def _block_rows(K: int, p: int, n: int) -> int:
    """Rows per block: a block for each worker thread at least, and the dense information's
    (rows, (K-1)p) temporary within about 8 MB."""
    cap = max(4096, (1 << 20) // max((K - 1) * p, 1))
    return max(1, min(cap, -(-n // worker_threads())))


def _start(start: Any, K: int, p: int) -> FloatArray | None:
    if start is None:
        return None
    arr = np.asarray(start, dtype=np.float64)
    if arr.size != (K - 1) * p:
        raise ArgumentError(
            f"start must have (K - 1) x p = {K - 1} x {p} = {(K - 1) * p} values (one row per "
            f"non-baseline level, level-major), got {arr.size}"
        )
    return arr.reshape(K - 1, p)


def _warn_separation(m: MultinomResult) -> None:
    idx = m.fit.diverging
    if idx.size:
        names = [_with_r_spelling(m.param_names[i]) for i in idx]
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        warn(
            f"multinom: fitted probabilities numerically 0 or 1 occurred and the coefficients {shown} "
            "diverge (separation: the maximum likelihood estimates do not exist; the deviance shown "
            "is its infimum to rounding)",
            SeparationWarning,
        )


def _with_r_spelling(name: str) -> str:
    """``level:coef`` and, where R spells the coefficient differently, R's name after it."""
    level, _, coef = name.partition(":")
    r_coef = "(Intercept)" if coef == "Intercept" else coef.replace("[T.", "").replace("]", "")
    return name if r_coef == coef else f"{name} (R: {level}:{r_coef})"


def _scan(chunk: pd.DataFrame, lay: Layout, response: MultinomResponse) -> ScanPart:
    return scan_chunk(with_row_column(chunk, response), lay)


def _seen(chunk: pd.DataFrame, model: ChunkModel, response: MultinomResponse) -> tuple[frozenset[Any], Any]:
    _, _, seen = chunk_response(chunk, model, response)
    col = chunk[response.exprs[0]]
    cats = tuple(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else None
    return frozenset(seen), cats


def _merge_seen(a: tuple[frozenset[Any], Any], b: tuple[frozenset[Any], Any]) -> tuple[frozenset[Any], Any]:
    if a[1] == "start":
        return b
    return a[0] | b[0], a[1] if a[1] == b[1] else None


def _chunk_sums(
    chunk: pd.DataFrame, model: ChunkModel, response: MultinomResponse, coef: FloatArray | None, gram: bool
) -> MultinomSums:
    rows, y, _ = chunk_response(chunk, model, response)
    X = np.asarray(rows.design.rows(None), dtype=np.float64)
    return block_sums(X, y, rows.weights, coef, gram, len(response.levels))


def _merge_sums(a: MultinomSums, b: MultinomSums) -> MultinomSums:
    return a.merge(b)


def _fit_chunked(
    formula: str,
    data: Any,
    *,
    weights: Any,
    subset: Any,
    na_action: str,
    start: Any,
    control: MultinomControl,
    chunksize: int | None,
    progress: bool,
    call: dict[str, Any],
    data_name: str,
) -> MultinomResult:
    """The fit over chunks: a scan pass fixes the frame (:mod:`rglm.frame.chunked`), a pass
    finds the response levels, and each Newton iteration is one pass of :func:`block_sums`
    over the chunks (on the executor: chunks one after the other, or Dask tasks)."""
    response, coded = response_parts(formula)
    executor = executor_for(data, chunksize, progress)
    first = executor.first()
    if len(first) == 0:
        raise DataError("data has no rows")
    if not response.is_counts and response.exprs[0] not in first.columns:
        raise DataError(f"the response column '{response.exprs[0]}' is not in the data")
    lay = layout(
        coded, with_row_column(first, response), weights=weights, offset=None, subset=subset, binomial=False
    )
    executor.columns = source_columns(lay, response, first.columns)
    scan = executor.map_reduce(
        functools.partial(_scan, lay=lay, response=response), merge_scan, ScanPart(), "scan"
    )
    executor.n_chunks = scan.n_chunks
    model = freeze(lay, scan, na_action)
    if not response.is_counts:
        seen, cats = executor.map_reduce(
            functools.partial(_seen, model=model, response=response),
            _merge_seen,
            (frozenset(), "start"),
            "levels",
        )
        levels, categorical = chunk_levels(response, set(seen), cats)
        response = dataclasses.replace(response, levels=levels, categorical=categorical)
    K, p = len(response.levels), len(model.spec.column_names)

    def sums_at(coef: FloatArray | None, gram: bool) -> MultinomSums:
        fn = functools.partial(_chunk_sums, model=model, response=response, coef=coef, gram=gram)
        out: MultinomSums = executor.map_reduce(fn, _merge_sums, MultinomSums.empty(K - 1, p, gram), "newton")
        return out

    if not response.is_counts:
        check_levels(response, np.array([1.0 if lv in seen else 0.0 for lv in response.levels]))
    elif K < 2:
        check_levels(response, np.ones(K))
    fit = newton_multinom(sums_at, K, p, control, _start(start, K, p), intercept=model.spec.intercept_column)
    if response.is_counts:
        check_levels(response, fit.totals)
    result = MultinomResult(
        fit, model.spec, response, frame=None, formula=formula, call=call, data_name=data_name
    )
    _warn_separation(result)
    return result
