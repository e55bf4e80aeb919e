"""One IRLS pass over a block of rows: everything R's ``glm.fit`` needs, as sums.

Every quantity Fisher scoring uses is a sum over rows.  At a point of the fit (a
coefficient vector :math:`\\beta`, or R's starting means) a block of rows contributes

.. math::

    X^T W X, \\quad X^T W z, \\quad D = \\sum_i d_i(y_i, \\mu_i), \\quad
    \\sum_i w_i, \\quad \\sum_i w_i y_i, \\quad n, \\ \\dots

with :math:`z_i = \\eta_i - o_i + (y_i - \\mu_i)\\, d\\eta/d\\mu` and
:math:`W_i = w_i (d\\mu/d\\eta)^2 / V(\\mu_i)` on R's ``good`` rows (prior weight > 0 and
:math:`d\\mu/d\\eta \\ne 0`).  The sums of the blocks are the sums of the whole data, so a
pass over blocks held in memory, read from files or computed on Dask workers gives the same
IRLS step as one over all rows at once: exactly, not approximately.

:func:`accumulate` is the only place where those sums are formed.  Its contract:

* input: a :class:`Chunk` (design rows, *raw* response and prior weights as the model frame
  gives them, offset) and a :class:`PassRequest` (where to evaluate, which columns, what to
  add);
* the family's ``initialize`` is applied to the chunk (it is row-local in every family), so a
  two-column binomial response becomes proportions and trials inside the pass;
* output: a :class:`Sums`, which :meth:`Sums.merge` combines associatively;
* cost: :math:`O(n p^2)` for the Gram matrix, a few length-:math:`n` temporaries and no
  :math:`n \\times p` temporary beyond the design's own row blocks.

Two extras are only computed on request: the triangular factor of
:math:`[\\sqrt{W}X, \\sqrt{W}z]` (``qr=True``, for the QR fallback of
:class:`rglm.numerics.linalg.NormalEquations`), and the end-of-fit sums (``finish``): the AIC terms,
Pearson's :math:`X^2`, R's dispersion sum :math:`\\sum W_i r_i^2` (working weights of the last
step times squared working residuals at the final fit) and the null deviance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from scipy import linalg as sla

from rglm.exceptions import DomainError, collect_warnings
from rglm.families.family import AICTotals, Family
from rglm.fit.working import Working, working
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import BLOCK_ROWS, Design

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = [
    "Chunk",
    "Finish",
    "Kept",
    "PassRequest",
    "Point",
    "RowState",
    "Sums",
    "accumulate",
    "evaluate_rows",
    "forget",
    "kept",
    "point_eta",
    "point_weights",
    "working_at",
]


@dataclass(frozen=True, eq=False)
class Chunk:
    """A block of model rows.

    Attributes
    ----------
    design : Design
        The model-matrix rows (all columns of the model).
    y : ndarray, shape (n,) or (n, 2)
        The response as the model frame gives it (``cbind`` counts stay two columns).
    weights, offset : ndarray, shape (n,)
        Prior weights as given (before ``initialize``) and the total offset.
    etastart, mustart : ndarray, optional
        Per-row starting values (in-memory fits only).
    labels : sequence, optional
        Row labels, used to name the offending row in a :class:`DomainError`.
    init : rglm.families.Initialized, optional
        The fit's family ``initialize`` already run on these rows (in-memory fits run it once
        for the whole data, so the passes need not repeat it).
    """

    design: Design
    y: FloatArray
    weights: FloatArray
    offset: FloatArray
    etastart: FloatArray | None = None
    mustart: FloatArray | None = None
    labels: Any = None
    init: Any = None

    @property
    def n(self) -> int:
        return int(self.design.shape[0])


@dataclass(frozen=True, eq=False)
class Point:
    """Where a pass evaluates the fit.

    ``beta``: :math:`\\eta = X\\beta + o` over the request's columns.  ``mu_beta``: R's
    ``mustart = fitted.values`` of another fit, :math:`\\eta = g(g^{-1}(X\\beta + o))` with all of
    the chunk's columns (the null-deviance refit starts there).  Neither: R's own start,
    ``etastart``, else :math:`g` of ``mustart``, else of the family's ``initialize`` means.
    """

    beta: FloatArray | None = None
    mu_beta: FloatArray | None = None


@dataclass(frozen=True, eq=False)
class Finish:
    """Whole-data values the end-of-fit sums need (known only after the fit).

    Attributes
    ----------
    totals : AICTotals
        The whole-data values of the family's AIC (deviance, rows, :math:`\\sum w`, trials).
    weights_point : Point
        The point whose working weights the last least-squares step used.
    null_mu : float or None
        The null model's constant mean (intercept, no offset), or None.
    null_at_offset : bool
        Null model :math:`\\mu = g^{-1}(o)` (no intercept).
    """

    totals: AICTotals
    weights_point: Point
    null_mu: float | None = None
    null_at_offset: bool = False


@dataclass(frozen=True, eq=False)
class PassRequest:
    """What one pass computes: the family, the point, the columns of a sub-model (all by
    default), whether the starting values were user-supplied (R's ``initialize`` checks differ),
    the QR factor and the end-of-fit sums.

    Passes over blocks held in memory may split a pass in two.  With ``keep`` the block keeps
    its working weights and response at the point (:class:`Kept`); with ``defer``, the normal
    equations are left out (``Sums.deferred``), so that a point whose deviance ends the fit
    never pays for them; ``from_kept`` then forms them from the kept values without
    evaluating the point again.

    ``also`` holds riders: requests of another loop (R's null refit) computed on the same
    rows in the same pass, their sums returned in ``Sums.also``."""

    family: Family
    point: Point
    columns: IntArray | None = None
    have_start: bool = False
    qr: bool = False
    finish: Finish | None = None
    label: str = ""
    keep: bool = False
    defer: bool = False
    from_kept: bool = False
    also: tuple[PassRequest, ...] = ()


@dataclass(frozen=True, eq=False)
class Sums:
    """The sums of one pass; see the module docstring.  Flags are per-row checks of R's loop
    combined with *or* (``valid`` with *and*)."""

    p: int
    n_rows: int = 0
    n_ok: int = 0
    sum_w: float = 0.0
    sum_wy: float = 0.0
    max_trials: float = 0.0
    offset_nonzero: bool = False
    deviance: float = 0.0
    valid: bool = True
    mu_min: float = math.inf
    mu_max: float = -math.inf
    nan_variance: bool = False
    zero_variance: bool = False
    nan_mu_eta: bool = False
    n_good: int = 0
    finite: bool = True
    xtwx: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    xtwz: FloatArray = field(default_factory=lambda: np.zeros(0))
    r_factor: FloatArray | None = None
    warnings: tuple[tuple[type[Warning], str], ...] = ()
    aic_part: float = 0.0
    pearson: float = 0.0
    working_rss: float = 0.0
    null_deviance: float = 0.0
    deferred: bool = False
    also: tuple[Sums, ...] = ()

    @classmethod
    def empty(cls, p: int, qr: bool = False) -> Sums:
        """The sums of no rows (the neutral element of :meth:`merge`)."""
        return cls(
            p=p, xtwx=np.zeros((p, p)), xtwz=np.zeros(p), r_factor=np.zeros((0, p + 1)) if qr else None
        )

    def merge(self, other: Sums) -> Sums:
        """The sums of both blocks of rows."""
        r: FloatArray | None = None
        if self.r_factor is not None and other.r_factor is not None:
            r = _combine_r(self.r_factor, other.r_factor)
        else:
            r = self.r_factor if other.r_factor is None else other.r_factor
        seen = dict.fromkeys(self.warnings + other.warnings)
        return Sums(
            p=self.p,
            n_rows=self.n_rows + other.n_rows,
            n_ok=self.n_ok + other.n_ok,
            sum_w=self.sum_w + other.sum_w,
            sum_wy=self.sum_wy + other.sum_wy,
            max_trials=max(self.max_trials, other.max_trials),
            offset_nonzero=self.offset_nonzero or other.offset_nonzero,
            deviance=self.deviance + other.deviance,
            valid=self.valid and other.valid,
            mu_min=min(self.mu_min, other.mu_min),
            mu_max=max(self.mu_max, other.mu_max),
            nan_variance=self.nan_variance or other.nan_variance,
            zero_variance=self.zero_variance or other.zero_variance,
            nan_mu_eta=self.nan_mu_eta or other.nan_mu_eta,
            n_good=self.n_good + other.n_good,
            finite=self.finite and other.finite,
            xtwx=_add(self.xtwx, other.xtwx),
            xtwz=_add(self.xtwz, other.xtwz),
            r_factor=r,
            warnings=tuple(seen),
            aic_part=self.aic_part + other.aic_part,
            pearson=self.pearson + other.pearson,
            working_rss=self.working_rss + other.working_rss,
            null_deviance=self.null_deviance + other.null_deviance,
            deferred=self.deferred or other.deferred,
            also=_merge_also(self.also, other.also),
        )

    @staticmethod
    def total(parts: list[Sums], p: int, qr: bool = False) -> Sums:
        """:meth:`merge` of a list, in order (the matrices added in place: with many
        coefficients a new ``p x p`` array per block would cost more than the adding)."""
        xtwx, xtwz = np.zeros((p, p)), np.zeros(p)
        out = Sums.empty(p, qr)
        for s in parts:
            if s.xtwx.size:
                xtwx += s.xtwx
                xtwz += s.xtwz
            out = out.merge(replace(s, xtwx=_NO_MATRIX, xtwz=_NO_VECTOR))
        return replace(out, xtwx=xtwx, xtwz=xtwz)


def _merge_also(a: tuple[Sums, ...], b: tuple[Sums, ...]) -> tuple[Sums, ...]:
    """The riders' sums of both blocks (a block of no rows has none)."""
    if not a or not b:
        return a or b
    return tuple(x.merge(y) for x, y in zip(a, b, strict=True))


#: Placeholders for sums without normal equations (deferred, or not computable): :func:`_add`
#: treats them as zeros of any shape.
_NO_MATRIX = np.zeros((0, 0))
_NO_VECTOR = np.zeros(0)


def _add(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a + b``, where an empty array stands for zeros of the other's shape."""
    if a.size == 0:
        return b
    if b.size == 0:
        return a
    return a + b


def _combine_r(a: FloatArray, b: FloatArray) -> FloatArray:
    """The triangular factor of the stacked rows of two triangular factors (TSQR's reduction)."""
    if a.shape[0] == 0:
        return b
    if b.shape[0] == 0:
        return a
    k = a.shape[1]
    return np.asarray(sla.qr(np.vstack([a, b]), mode="r", check_finite=False)[0][:k])


@dataclass(frozen=True, eq=False)
class RowState:
    """Per-row values at a point: the response and weights after ``initialize``, trials,
    :math:`\\eta` and :math:`\\mu`."""

    y: FloatArray
    weights: FloatArray
    trials: FloatArray
    eta: FloatArray
    mu: FloatArray


@dataclass(frozen=True, eq=False)
class Kept:
    """A block's working weights :math:`W` and working response :math:`z` at a point (both 0
    off the good rows), kept by a deferring ``keep`` pass until its normal equations are
    formed; then ``z`` is None and ``w`` empty, as when they cannot be formed.  Nothing else
    is kept: a fit's per-row results are recomputed when asked (:func:`point_eta`,
    :func:`point_weights`)."""

    point: Point
    w: FloatArray
    z: FloatArray | None


def kept(chunk: Chunk) -> Kept | None:
    """The values kept on ``chunk`` by the last ``keep`` pass, if any."""
    return cast(Kept | None, chunk.__dict__.get("_kept"))


def forget(chunk: Chunk) -> None:
    """Drop the values kept on ``chunk`` (a fit that has read them frees their memory before
    computing its per-row results)."""
    chunk.__dict__.pop("_kept", None)


def _keep(chunk: Chunk, value: Kept) -> None:
    chunk.__dict__["_kept"] = value  # frozen dataclass: per-fit scratch, not a field


def _from_kept(chunk: Chunk, request: PassRequest) -> Sums:
    """The normal equations of a deferred pass, from the values it kept."""
    design = _request_design(chunk, request)
    p = design.shape[1]
    k = kept(chunk)
    if k is None or k.point is not request.point:
        raise RuntimeError("no values kept for this point: run the pass with keep=True first")
    if k.z is None:
        return Sums(p=p, xtwx=_NO_MATRIX, xtwz=_NO_VECTOR)
    xtwx, xtwz = design.normal_equations(k.w, k.z)
    _keep(chunk, Kept(k.point, _NO_VECTOR, None))  # W and z are spent: free them
    return Sums(p=p, xtwx=xtwx, xtwz=xtwz)


def _initialize(
    family: Family, chunk: Chunk, have_start: bool
) -> tuple[Any, list[tuple[type[Warning], str]]]:
    if chunk.init is not None:
        return chunk.init, []
    # initialize may warn (non-integer binomial counts) in every block of every pass: record the
    # warnings so that the caller can issue each once, wherever the pass ran.
    # Collected in this thread only (catch_warnings would act on every thread).
    with collect_warnings() as caught:
        try:
            init = family.initialize(
                np.asarray(chunk.y, dtype=np.float64), chunk.weights, have_start=have_start
            )
        except DomainError as exc:
            raise (exc if chunk.labels is None else exc.with_row_labels(chunk.labels)) from None
    return init, list(caught)


def _eta_at(
    chunk: Chunk, design: Design, point: Point, family: Family, mustart: FloatArray | None
) -> FloatArray:
    link = family.link
    if point.beta is not None:
        return design.matvec(point.beta, exact=False) + chunk.offset
    if point.mu_beta is not None:
        with np.errstate(all="ignore"):
            return link.link(link.inverse(chunk.design.matvec(point.mu_beta, exact=False) + chunk.offset))
    if chunk.etastart is not None:
        return np.asarray(chunk.etastart, dtype=np.float64)
    means = mustart if chunk.mustart is None else chunk.mustart
    if means is None:
        # R's start: the family's starting means, computed for this block only (a fit over
        # row blocks does not keep them for all rows; initialize warned once on all rows)
        with collect_warnings():
            means = family.initialize(np.asarray(chunk.y, dtype=np.float64), chunk.weights).mustart
    assert means is not None, "R's start needs the family's starting means"
    with np.errstate(all="ignore"):
        return link.link(means)


def _request_design(chunk: Chunk, request: PassRequest) -> Design:
    """The chunk's design restricted to the request's columns (a sub-model's refit)."""
    return chunk.design if request.columns is None else chunk.design.columns(request.columns)


def evaluate_rows(
    chunk: Chunk, request: PassRequest, init: Any = None, design: Design | None = None
) -> tuple[RowState, list[tuple[type[Warning], str]]]:
    """:math:`\\eta`, :math:`\\mu` and the initialized response of ``chunk`` at the request's point.

    ``init`` (the family's ``initialize`` on the chunk) and ``design`` (the request's columns)
    are computed when not given; a pass that already has them passes them in.
    """
    caught: list[tuple[type[Warning], str]] = []
    if init is None:
        init, caught = _initialize(request.family, chunk, request.have_start)
    if design is None:
        design = _request_design(chunk, request)
    eta = _eta_at(chunk, design, request.point, request.family, init.mustart)
    with np.errstate(all="ignore"):
        mu = request.family.link.inverse(eta)
    return RowState(init.y, init.weights, init.n, eta, mu), caught


def point_eta(chunk: Chunk, request: PassRequest) -> FloatArray:
    """:math:`\\eta` of ``chunk`` at the request's point, computed as a pass computes it (so
    the same to the last bit): a large fit's per-row results are recomputed this way."""
    p, fam = request.point, request.family
    start = p.beta is None and p.mu_beta is None  # R's start: the family's means
    mustart = _initialize(fam, chunk, request.have_start)[0].mustart if start else None
    return _eta_at(chunk, _request_design(chunk, request), p, fam, mustart)


def point_weights(chunk: Chunk, request: PassRequest) -> FloatArray:
    """The working weights :math:`W` of ``chunk`` at the request's point (0 off R's good rows),
    computed as a pass computes them."""
    init, _ = _initialize(request.family, chunk, request.have_start)
    rows, _ = evaluate_rows(chunk, request, init=init)
    return _working(chunk, request.family, rows, _fixed(chunk, init)).W


def _working(chunk: Chunk, family: Family, rows: RowState, fixed: _Fixed) -> Working:
    """R's working weights and response of a pass (told what the block's fixed sums know)."""
    return working(
        family,
        rows.y,
        rows.weights,
        rows.eta,
        rows.mu,
        chunk.offset,
        fast=True,
        all_positive=fixed.all_positive,
        unit_weights=fixed.unit_weights,
        offset_nonzero=fixed.offset_nonzero,
    )


def working_at(family: Family, rows: RowState, offset: FloatArray) -> Working:
    """R's working weights and response at the point of ``rows`` (:func:`rglm.fit.working.working`,
    with the kernels of large fits)."""
    return working(family, rows.y, rows.weights, rows.eta, rows.mu, offset, fast=True)


def accumulate(chunk: Chunk, request: PassRequest) -> Sums:
    """The sums of one pass over ``chunk`` (NumPy's kernels throughout, see
    :func:`rglm.numerics.rmath.fast_kernels`); the contract is in the module docstring and
    :func:`_accumulate`."""
    with _rmath.fast_kernels():
        sums = _accumulate(chunk, request)
        if request.also:
            # Riders (another loop's point on the same rows) share the pass, not the rows' reading.
            sums = replace(sums, also=tuple(_accumulate(chunk, r) for r in request.also))
        return sums


@dataclass(frozen=True)
class _Fixed:
    """What a block contributes whatever the point: the sums of R's loop that depend only on
    the response, the prior weights and the offset."""

    n_ok: int
    sum_w: float
    sum_wy: float
    max_trials: float
    offset_nonzero: bool
    all_positive: bool
    unit_weights: bool


def _fixed(chunk: Chunk, init: Any) -> _Fixed:
    """The block's :class:`_Fixed` sums, kept on the chunk when its ``initialize`` is too
    (an in-memory fit reuses its chunks on every pass)."""
    cached = chunk.__dict__.get("_fixed")
    if cached is not None and init is chunk.init:
        return cast(_Fixed, cached)
    y, wt = init.y, init.weights
    fixed = _Fixed(
        n_ok=int(np.count_nonzero(wt)),
        sum_w=_rmath.rsum(wt),
        sum_wy=_rmath.rsum(wt * y),
        max_trials=float(np.max(init.n, initial=0.0)),
        offset_nonzero=bool(np.any(chunk.offset != 0)),
        all_positive=bool(np.all(wt > 0)),
        unit_weights=bool(np.all(wt == 1)),
    )
    if init is chunk.init:
        chunk.__dict__["_fixed"] = fixed  # frozen dataclass: a cache, not a field
    return fixed


def _accumulate(chunk: Chunk, request: PassRequest) -> Sums:
    """The sums of one pass over ``chunk``: see the module docstring for the contract.

    Parameters
    ----------
    chunk : Chunk
    request : PassRequest

    Returns
    -------
    Sums
        With ``xtwx`` :math:`= \\sum_{good} W_i x_i x_i^T` and ``xtwz``
        :math:`= \\sum_{good} W_i z_i x_i` over the request's columns (only when every
        :math:`W_i` and :math:`z_i` is finite, as R refuses the step otherwise).
    """
    if request.from_kept:
        return _from_kept(chunk, request)
    fam = request.family
    design = _request_design(chunk, request)
    p = design.shape[1]
    init, caught = _initialize(fam, chunk, request.have_start)
    fixed = _fixed(chunk, init)
    rows, _ = evaluate_rows(chunk, request, init=init, design=design)
    y, wt, eta, mu = rows.y, rows.weights, rows.eta, rows.mu
    n = eta.size
    with np.errstate(all="ignore"):
        dev = _rmath.rsum(fam.dev_resids(y, mu, wt))
        valid = bool(fam.valid_eta(eta) and fam.valid_mu(mu))
    wk = _working(chunk, fam, rows, fixed)
    good, z, wfull, n_good = wk.good, wk.z, wk.W, wk.n_good
    finite = wk.finite
    xtwx, xtwz = _NO_MATRIX, _NO_VECTOR
    r_factor = np.zeros((0, p + 1)) if request.qr else None
    zfull = wk.z_full() if finite and n_good else None
    deferred = request.defer and not request.qr
    if request.keep and deferred:
        _keep(chunk, Kept(request.point, wfull if zfull is not None else _NO_VECTOR, zfull))
    elif request.keep:
        forget(chunk)
    if zfull is not None and not deferred:
        xtwx, xtwz = design.normal_equations(wfull, zfull)
        if request.qr:
            rows_good = np.arange(n) if good is None else np.flatnonzero(good)
            w = np.sqrt(wfull[rows_good])
            r_factor = _qr_factor(design, rows_good, w, z if good is not None else z[rows_good])
    sums = Sums(
        p=p,
        n_rows=n,
        n_ok=fixed.n_ok,
        sum_w=fixed.sum_w,
        sum_wy=fixed.sum_wy,
        max_trials=fixed.max_trials,
        offset_nonzero=fixed.offset_nonzero,
        deviance=dev,
        valid=valid,
        mu_min=float(np.min(mu, initial=math.inf)),
        mu_max=float(np.max(mu, initial=-math.inf)),
        nan_variance=wk.nan_variance,
        zero_variance=wk.zero_variance,
        nan_mu_eta=wk.nan_mu_eta,
        n_good=n_good,
        finite=finite,
        xtwx=xtwx,
        xtwz=xtwz,
        r_factor=r_factor,
        warnings=tuple(caught),
        deferred=deferred,
    )
    if request.finish is not None:
        pearson, rss, null, aic = _finish_sums(chunk, request, rows, init, design)
        sums = replace(sums, pearson=pearson, working_rss=rss, null_deviance=null, aic_part=aic)
    return sums


def _qr_factor(design: Design, rows: IntArray, w: FloatArray, z: FloatArray) -> FloatArray:
    """Triangular factor of :math:`[\\sqrt{W}X, \\sqrt{W}z]` over the good rows, by row blocks."""
    p = design.shape[1]
    acc = np.zeros((0, p + 1))
    for start in range(0, rows.size, BLOCK_ROWS):
        sel = slice(start, start + BLOCK_ROWS)
        blk = np.column_stack([design.rows(rows[sel]) * w[sel, None], z[sel] * w[sel]])
        acc = _combine_r(acc, np.asarray(sla.qr(blk, mode="r", check_finite=False)[0][: p + 1]))
    return acc


def _finish_sums(
    chunk: Chunk, request: PassRequest, rows: RowState, init: Any, design: Design
) -> tuple[float, float, float, float]:
    """Pearson's statistic, R's dispersion sum, the null deviance and the AIC share of a block."""
    fin = request.finish
    assert fin is not None
    fam = request.family
    y, wt, mu = rows.y, rows.weights, rows.mu
    with np.errstate(all="ignore"):
        pearson = float(np.nansum(((y - mu) * np.sqrt(wt) / np.sqrt(fam.variance(mu))) ** 2))
        resid = (y - mu) / fam.link.mu_eta(rows.eta)
        # R's dispersion: the last step's working weights with the final working residuals.
        prev, _ = evaluate_rows(
            chunk, replace(request, point=fin.weights_point, finish=None), init=init, design=design
        )
        w2 = working_at(fam, prev, chunk.offset).W
        rss = _rmath.rsum((w2 * resid * resid)[w2 > 0])
        null = 0.0
        if fin.null_mu is not None:
            null = _rmath.rsum(fam.dev_resids(y, np.full(y.size, fin.null_mu), wt))
        elif fin.null_at_offset:
            null = _rmath.rsum(fam.dev_resids(y, fam.link.inverse(chunk.offset), wt))
        aic = fam.aic_rows(y, rows.trials, mu, wt, fin.totals)
    return pearson, rss, null, aic
