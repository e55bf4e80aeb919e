"""Leave-one-out influence measures, as R's ``lm.influence`` and ``influence.measures`` for a glm.

Everything here is computed from the final IRLS step: the working weights :math:`W`, the R
factor of :math:`W^{1/2}X` (kept columns only) and the model's residuals.  Following R
(``lm.influence`` and the C routine ``lminfl``):

* the *hat values* are :math:`h_i = W_i\\, x_i^T (X^T W X)^{-1} x_i`, the diagonal of
  :math:`W^{1/2} X (X^T W X)^{-1} X^T W^{1/2}` over the non-aliased columns.  With
  :math:`X^T W X = R^T R`, :math:`h_i = \\lVert R^{-T} W_i^{1/2} x_i \\rVert^2`, evaluated a
  block of rows at a time, so the cost is :math:`O(np^2)` and no n-by-n matrix is formed;
  values within rounding of 1 are set to 1;
* the residuals :math:`e_i` are the deviance residuals (R's ``weighted.residuals``), with
  those below :math:`100\\,\\epsilon\\,\\mathrm{median}|e|` set to 0;
* the leave-one-out scale is :math:`\\sigma_{(i)} = \\sqrt{(\\sum_j e_j^2 - e_i^2/(1-h_i)) /
  (n - p - 1)}` (:math:`\\sqrt{\\sum_j e_j^2/(n-p-1)}` where :math:`h_i = 1`), R's
  ``influence(m)$sigma``;
* the change in the coefficients when row :math:`i` is left out (R's ``dfbeta``) is
  :math:`(X^T W X)^{-1} W_i^{1/2} x_i\\, e_i / (1 - h_i)` (0 where :math:`h_i = 1`): the
  one-step approximation R uses, with the deviance residual in place of the working one.

Rows with zero prior weight take no part: R's ``lm.influence`` leaves them out, and so do
the outputs here (:func:`lm_influence` itself keeps them, with hat value 0, their leverage
as :math:`W_i = 0`, for the callers that need every row).  With ``na_action="exclude"`` the
rows dropped for missing values
are NaN throughout (R reports hat 0, ``dfbetas`` 0 and ``cov.r`` 1 for them in
``influence.measures``, and NA for the residual-based measures).  A value R makes infinite
(a division by :math:`1 - h_i = 0`) is NaN, as R's ``res[is.infinite(res)] <- NaN``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import linalg as sla

from rglm.exceptions import ArgumentError
from rglm.numerics.design import BLOCK_ROWS
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "Influence",
    "cooks_distance",
    "covratio",
    "dfbeta",
    "dfbetas",
    "dffits",
    "hatvalues",
    "influence_frame",
    "lm_influence",
    "rstandard",
    "rstudent",
]

_EPS = float(np.finfo(np.float64).eps)

#: R sets hat values above ``1 - 10 eps`` to 1.  Its hat values come from the Householder Q;
#: ours come from a triangular solve with R, whose rounding error on a leverage of exactly 1
#: is a few times larger, so the threshold here is wider.  Between the two thresholds a
#: leverage is 1 to within the accuracy either computation has.
HAT_ONE = 1 - 1e-10


@dataclass(frozen=True)
class Influence:
    """R's ``influence(model)`` for a glm, on the model's rows (before NaN padding).

    Attributes
    ----------
    used : ndarray of bool
        Rows with non-zero prior weight (the rows R's ``lm.influence`` reports).
    hat : ndarray
        Hat values :math:`h_i` (0 on rows that are not ``used``).
    sigma : ndarray
        Leave-one-out scale :math:`\\sigma_{(i)}` (NaN on rows not ``used``).
    dev_res, pear_res : ndarray
        Deviance residuals after R's zeroing of negligible ones, and Pearson residuals.
    coefficients : ndarray, shape (n, rank), or None
        Unscaled ``dfbeta``; columns are the non-aliased coefficients in model order.
    coef_positions : ndarray of int
        Positions of those coefficients among the model's columns.
    """

    used: npt.NDArray[np.bool_]
    hat: FloatArray
    sigma: FloatArray
    dev_res: FloatArray
    pear_res: FloatArray
    coefficients: FloatArray | None
    coef_positions: npt.NDArray[np.intp]


def model_rows(m: GLMStatistics, s: pd.Series) -> FloatArray:
    """The values of a per-row Series on the model's rows (undoing ``na_action="exclude"`` padding)."""
    values = s.to_numpy(dtype=np.float64)
    frame = m.model_frame
    return values if values.size == len(frame.index) else values[frame.used_positions]


def _kept_columns(m: GLMStatistics) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Positions of the non-aliased columns in the R factor's order, and the R factor."""
    wls = m.fit.wls
    if wls is None:
        return np.zeros(0, dtype=np.intp), np.zeros((0, 0))
    return np.asarray(wls.pivot[: wls.rank], dtype=np.intp), wls.r_factor


def lm_influence(m: GLMStatistics, do_coef: bool = True) -> Influence:
    """Hat values, leave-one-out scale and (optionally) ``dfbeta``, as R's ``influence.glm``.

    See the module docstring for the formulas.  Cost :math:`O(np^2)` time, and
    :math:`O(np)` memory only when ``do_coef``.
    """
    f = m.fit
    n = f.mu.size
    used = f.prior_weights != 0
    n_used = int(used.sum())
    dev = model_rows(m, m.resid_deviance)
    pear = model_rows(m, m.resid_pearson)
    piv, r = _kept_columns(m)
    k = piv.size
    hat = np.zeros(n)
    sigma = np.full(n, np.nan)
    e = np.where(used, dev, 0.0)
    if k == 0:
        # R's rank-0 branch: no leverage, one overall scale, residuals left as they are.
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma[used] = np.sqrt(m.deviance / m.df_resid) if m.df_resid else np.nan
        coefs = np.zeros((n, 0)) if do_coef else None
        return Influence(
            used, hat, sigma, np.where(used, dev, np.nan), np.where(used, pear, np.nan), coefs, piv
        )
    if n_used:
        # A residual that should be exactly 0 (a row with leverage 1) must not become Inf.
        tiny = 100 * _EPS * float(np.median(np.abs(e[used])))
        e = np.where(np.abs(e) < tiny, 0.0, e)
    design = m.model_frame.design
    sqrt_w = np.sqrt(f.working_weights)
    coefs = np.zeros((n, k)) if do_coef else None
    blocks: list[tuple[slice, FloatArray]] = []
    for start in range(0, n, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, n))
        b = design.rows(np.arange(rows.start, rows.stop))[:, piv] * sqrt_w[rows, None]
        # z_i = R^{-T} W_i^{1/2} x_i: the i-th row of the thin Q, so h_i = |z_i|^2.
        zt = sla.solve_triangular(r, b.T, trans="T", check_finite=False)
        hat[rows] = np.einsum("ij,ij->j", zt, zt)
        if coefs is not None:
            blocks.append((rows, zt))
    hat[hat >= HAT_ONE] = 1.0
    hat[~used] = 0.0
    if coefs is not None:
        one = hat == 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(one | ~used, 0.0, e / (1.0 - hat))
        for rows, zt in blocks:
            # (X'WX)^{-1} W_i^{1/2} x_i = R^{-1} z_i.
            coefs[rows] = sla.solve_triangular(r, zt, check_finite=False).T * scale[rows, None]
    total = float(np.sum(e[used] ** 2))
    denom = n_used - k - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        loo = np.where(hat < 1.0, total - e * e / (1.0 - hat), total) / denom
        sigma[used] = np.sqrt(loo[used])
    order = np.argsort(piv, kind="stable")  # coefficients in model order, as R names them
    return Influence(
        used,
        hat,
        sigma,
        np.where(used, e, np.nan),
        np.where(used, pear, np.nan),
        None if coefs is None else coefs[:, order],
        piv[order],
    )


def _finite(x: FloatArray) -> FloatArray:
    """R's ``x[is.infinite(x)] <- NaN``."""
    return np.where(np.isinf(x), np.nan, x)


def _pad(m: GLMStatistics, values: FloatArray, name: str | None, fill: float | None = None) -> pd.Series:
    r"""Per-row values on the caller's rows, as R reports influence measures: rows with zero
    prior weight are left out (``lm.influence`` drops them), rows dropped by
    ``na_action="exclude"`` are kept as NaN, or as ``fill`` (``lm.influence`` gives them a hat
    value of 0 and the model's :math:`\sigma`)."""
    s = m.model_frame.pad(values, name)
    if fill is not None and len(s) != values.shape[0]:
        omitted = np.ones(len(s), dtype=bool)
        omitted[m.model_frame.used_positions] = False
        s = s.copy()
        s.iloc[np.flatnonzero(omitted)] = fill
    zero = m.fit.prior_weights == 0
    if not zero.any():
        return s
    keep = np.ones(len(s), dtype=bool)
    if len(s) == values.shape[0]:
        keep[zero] = False
    else:
        keep[m.model_frame.used_positions[zero]] = False
    return s.iloc[keep]


def _coef_frame(m: GLMStatistics, values: FloatArray, infl: Influence, prefix: str = "") -> pd.DataFrame:
    names = [m.exog_names[j] for j in infl.coef_positions]
    # lm.influence: "omitted cases have 0 change" in the coefficients
    cols = {f"{prefix}{name}": _pad(m, values[:, j], None, 0.0) for j, name in enumerate(names)}
    out: pd.DataFrame
    if not cols:
        out = pd.DataFrame(index=_pad(m, np.zeros(values.shape[0]), None).index)
    else:
        out = pd.DataFrame(cols)
    return out


def _hat(infl: Influence) -> FloatArray:
    return infl.hat


def rstandard_values(m: GLMStatistics, infl: Influence, type: str = "deviance") -> FloatArray:
    """:math:`r_i / \\sqrt{\\phi (1 - h_i)}` with :math:`r` the deviance or Pearson residual."""
    if type not in ("deviance", "pearson"):
        raise ArgumentError(f"rstandard type must be 'deviance' or 'pearson', got {type!r}")
    res = infl.dev_res if type == "deviance" else infl.pear_res
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite(res / np.sqrt(m.scale * (1.0 - infl.hat)))


def _rstudent(m: GLMStatistics, infl: Influence) -> FloatArray:
    """R's ``rstudent.glm``: :math:`\\mathrm{sign}(d_i)\\sqrt{d_i^2 + h_i r_{P,i}^2/(1-h_i)}`,
    divided by :math:`\\sigma_{(i)}` unless the family is exactly binomial or Poisson."""
    d, h = infl.dev_res, infl.hat
    with np.errstate(divide="ignore", invalid="ignore"):
        r = _finite(np.sign(d) * np.sqrt(d * d + h * infl.pear_res**2 / (1.0 - h)))
        if m.family.name in ("binomial", "poisson"):
            return r
        return r / infl.sigma


def cooks_values(m: GLMStatistics, infl: Influence) -> FloatArray:
    """:math:`(r_{P,i} / (1 - h_i))^2\\, h_i / (\\phi p)`."""
    h = infl.hat
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite((infl.pear_res / (1.0 - h)) ** 2 * h / (m.scale * m.rank))


def _dffits(m: GLMStatistics, infl: Influence) -> FloatArray:
    """:math:`e_i \\sqrt{h_i} / (\\sigma_{(i)} (1 - h_i))` with the deviance residuals as they
    are (``influence.measures`` uses ``weighted.residuals``, not the zeroed ones)."""
    e = np.where(infl.used, model_rows(m, m.resid_deviance), np.nan)
    h = infl.hat
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite(e * np.sqrt(h) / (infl.sigma * (1.0 - h)))


def _overall_s(m: GLMStatistics, infl: Influence) -> float:
    """``influence.measures``' :math:`s = \\sqrt{\\sum e_i^2 / (n - p)}` over the used rows."""
    e = model_rows(m, m.resid_deviance)[infl.used]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(e * e) / m.df_resid)) if m.df_resid else float("nan")


def _covratio(m: GLMStatistics, infl: Influence) -> FloatArray:
    """:math:`(\\sigma_{(i)}/s)^{2p} / (1 - h_i)`, as ``influence.measures``' ``cov.r``."""
    s = _overall_s(m, infl)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _finite((infl.sigma / s) ** (2 * m.rank) / (1.0 - infl.hat))


def _dfbetas(m: GLMStatistics, infl: Influence) -> FloatArray:
    """``dfbeta`` divided by :math:`\\sigma_{(i)} \\sqrt{[(X^T W X)^{-1}]_{jj}}`."""
    assert infl.coefficients is not None
    xxi = np.diag(m.normalized_cov_params.to_numpy())[infl.coef_positions]
    with np.errstate(divide="ignore", invalid="ignore"):
        # sigma is NaN on the rows with zero weight, so they come out NaN.
        return _finite(infl.coefficients / np.outer(infl.sigma, np.sqrt(xxi)))


# -- public functions, one per R function ---------------------------------------------------------------
def hatvalues(m: GLMStatistics) -> pd.Series:
    """Hat values :math:`h_i` (R's ``hatvalues``); rows with zero prior weight are left out."""
    return _pad(m, lm_influence(m, do_coef=False).hat, "hat", fill=0.0)


def rstandard(m: GLMStatistics, type: str = "deviance") -> pd.Series:
    """Standardized residuals :math:`r_i / \\sqrt{\\phi(1-h_i)}` (R's ``rstandard.glm``), with
    :math:`r` the deviance (default) or Pearson residuals and :math:`\\phi` the model's dispersion."""
    return _pad(m, rstandard_values(m, lm_influence(m, do_coef=False), type), "rstandard")


def rstudent(m: GLMStatistics) -> pd.Series:
    """Studentized residuals as R's ``rstudent.glm`` (see :func:`lm_influence` for
    :math:`\\sigma_{(i)}`)."""
    return _pad(m, _rstudent(m, lm_influence(m, do_coef=False)), "rstudent")


def cooks_distance(m: GLMStatistics) -> pd.Series:
    """Cook's distances :math:`(r_{P,i}/(1-h_i))^2 h_i/(\\phi p)` (R's ``cooks.distance.glm``)."""
    return _pad(m, cooks_values(m, lm_influence(m, do_coef=False)), "cooks_d")


def dffits(m: GLMStatistics) -> pd.Series:
    """:math:`e_i\\sqrt{h_i}/(\\sigma_{(i)}(1-h_i))` (R's ``dffits``)."""
    return _pad(m, _dffits(m, lm_influence(m, do_coef=False)), "dffits")


def covratio(m: GLMStatistics) -> pd.Series:
    """Covariance ratios :math:`(\\sigma_{(i)}/s)^{2p}/(1-h_i)` (``influence.measures``' ``cov.r``)."""
    return _pad(m, _covratio(m, lm_influence(m, do_coef=False)), "cov_ratio", fill=1.0)


def dfbeta(m: GLMStatistics) -> pd.DataFrame:
    """Change in each non-aliased coefficient when a row is left out (R's ``dfbeta.glm``),
    one column per coefficient."""
    infl = lm_influence(m)
    assert infl.coefficients is not None
    values = np.where(infl.used[:, None], infl.coefficients, np.nan)
    return _coef_frame(m, values, infl)


def dfbetas(m: GLMStatistics) -> pd.DataFrame:
    """``dfbeta`` scaled by :math:`\\sigma_{(i)}` and the coefficient's unscaled standard error
    (R's ``dfbetas``), one column per non-aliased coefficient."""
    infl = lm_influence(m)
    return _coef_frame(m, _dfbetas(m, infl), infl)


def influence_frame(m: GLMStatistics, *, dfbeta: str = "scaled", rstandard: str = "deviance") -> pd.DataFrame:
    """All of R's influence measures for a glm, one row per observation.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    dfbeta : {"scaled", "unscaled"}
        ``"scaled"`` gives ``influence.measures``' ``dfbetas`` as columns ``dfb_<coef>``;
        ``"unscaled"`` gives R's ``dfbeta`` as columns ``dfbeta_<coef>``.  Aliased coefficients
        have no column, as in R.
    rstandard : {"deviance", "pearson"}
        The residual standardized in the ``rstandard`` column (R's ``rstandard.glm`` ``type``).

    Returns
    -------
    DataFrame
        On the caller's row index (with ``na_action="exclude"``, dropped rows are NaN), with
        columns

        ``hat``
            :math:`h_i`, R's ``hatvalues``;
        ``sigma``
            :math:`\\sigma_{(i)}`, R's ``influence(m)$sigma``;
        ``cooks_d``
            R's ``cooks.distance``, :math:`(r_{P,i}/(1-h_i))^2 h_i/(\\phi p)`;
        ``rstandard``
            R's ``rstandard``, :math:`r_i/\\sqrt{\\phi(1-h_i)}`;
        ``rstudent``
            R's ``rstudent``;
        ``dffits``
            ``influence.measures``' ``dffit``, :math:`e_i\\sqrt{h_i}/(\\sigma_{(i)}(1-h_i))`;
        ``cov_ratio``
            ``influence.measures``' ``cov.r``, :math:`(\\sigma_{(i)}/s)^{2p}/(1-h_i)`;
        ``dfb_<coef>`` or ``dfbeta_<coef>``
            see ``dfbeta``.

        :math:`\\phi` is the model's dispersion (``m.scale``), :math:`p` its rank, :math:`e`
        and :math:`r` deviance residuals and :math:`r_P` Pearson residuals.
    """
    if dfbeta not in ("scaled", "unscaled"):
        raise ArgumentError(f"dfbeta must be 'scaled' or 'unscaled', got {dfbeta!r}")
    if rstandard not in ("deviance", "pearson"):
        raise ArgumentError(f"rstandard must be 'deviance' or 'pearson', got {rstandard!r}")
    infl = lm_influence(m)
    assert infl.coefficients is not None
    cols = {
        "hat": _hat(infl),
        "sigma": infl.sigma,
        "cooks_d": cooks_values(m, infl),
        "rstandard": rstandard_values(m, infl, rstandard),
        "rstudent": _rstudent(m, infl),
        "dffits": _dffits(m, infl),
        "cov_ratio": _covratio(m, infl),
    }
    # R's lm.influence on rows omitted by na.exclude: hat 0 and the model's sigma, so
    # influence.measures' cov.r is 1; the measures built on their residuals are NA.
    sigma = float(np.sqrt(m.deviance / m.df_resid)) if m.df_resid > 0 else np.nan
    fills = {"hat": 0.0, "sigma": sigma, "cov_ratio": 1.0}
    out = pd.DataFrame({name: _pad(m, values, None, fills.get(name)) for name, values in cols.items()})
    if dfbeta == "scaled":
        coefs = _coef_frame(m, _dfbetas(m, infl), infl, "dfb_")
    else:
        coefs = _coef_frame(m, np.where(infl.used[:, None], infl.coefficients, np.nan), infl, "dfbeta_")
    table: pd.DataFrame = pd.concat([out, coefs], axis=1)
    return table
