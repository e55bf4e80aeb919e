"""Penalized GLMs from a formula: ``rglm.glmnet`` and ``rglm.cv_glmnet`` (R's glmnet 4.1-6).

The design matrix is R's ``model.matrix(formula, data)[, -1]`` built by rglm's model frame,
so :meth:`GlmnetPath.predict` replays the formula (factor levels, transforms, the offset
column) on new data.  The path itself is fitted on arrays by :func:`rglm.fit.glmnet.glmnet_path`
and the cross-validation statistics come from :mod:`rglm.fit.glmnet_cv`.  A penalized path
has no standard errors or p-values, and none are shown.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError, DataError, FamilyError
from rglm.families.family import Binomial, Family, Gaussian, NegativeBinomial, Poisson, QuasiBinomial
from rglm.families.links import Logit
from rglm.fit.glmnet import GlmnetFit, GlmnetSettings, glmnet_path, solver_kind
from rglm.fit.glmnet_cv import MEASURES, cv_stats, lambda_interp, measure_name, optimal_lambdas
from rglm.frame.model_frame import build_frame
from rglm.numerics.design import DenseDesign, Design
from rglm.output.glmnet import cv_text, path_text, plot_cv, plot_path, tidy_path

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["CVGlmnet", "GlmnetPath", "cv_glmnet", "glmnet"]

_FAMILY_NAMES = {"gaussian": Gaussian, "binomial": Binomial, "poisson": Poisson}


def _family(family: Any) -> Family:
    """The family as an rglm family object, or a clear refusal."""
    if family is None:
        return Gaussian()
    if isinstance(family, str):
        if family in _FAMILY_NAMES:
            return _FAMILY_NAMES[family]()
        raise FamilyError(
            f"glmnet cannot fit family {family!r} here; use an rglm family object such as "
            "rglm.Gaussian(), rglm.Binomial(), rglm.Poisson() or rglm.Gamma(link='log')"
        )
    if not isinstance(family, Family):
        raise FamilyError(f"family must be an rglm family object, got {type(family).__name__}")
    if isinstance(family, NegativeBinomial) and family.theta is None:
        raise FamilyError(
            "glmnet cannot estimate theta: give the negative binomial a fixed theta, "
            "e.g. rglm.NegativeBinomial(theta=2)"
        )
    return family


def _vector(value: Any, p: int, what: str) -> FloatArray | None:
    """A per-column option: None, one value for every column, or one per column."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=float).reshape(-1)
    if arr.size == 1:
        return np.full(p, float(arr[0]))
    if arr.size != p:
        raise ArgumentError(f"{what} has {arr.size} values for {p} columns of the design matrix")
    return arr


def _settings(
    p: int,
    n: int,
    alpha: float,
    lambda_: Any,
    nlambda: int,
    lambda_min_ratio: float | None,
    standardize: bool,
    intercept: bool,
    penalty_factor: Any,
    lower_limits: Any,
    upper_limits: Any,
    thresh: float,
    max_iter: int,
) -> GlmnetSettings:
    """Check the options as glmnet does (and the issue asks), and collect them."""
    if not (isinstance(alpha, (int, float)) and 0 <= float(alpha) <= 1):
        raise ArgumentError(f"alpha must be in [0, 1], got {alpha!r}")
    lam = None
    if lambda_ is not None:
        lam = np.atleast_1d(np.asarray(lambda_, dtype=float))
        if lam.size == 0 or np.any(~np.isfinite(lam)) or np.any(lam < 0):
            raise ArgumentError(f"lambda_ must be non-negative finite numbers, got {lam.tolist()!r}")
    elif int(nlambda) < 2:
        raise ArgumentError(f"nlambda must be at least 2, got {nlambda!r}")
    if lambda_min_ratio is not None and not 0 < lambda_min_ratio < 1:
        raise ArgumentError(f"lambda_min_ratio must be in (0, 1), got {lambda_min_ratio!r}")
    if not thresh > 0 or int(max_iter) < 1:
        raise ArgumentError(
            f"thresh must be positive and max_iter at least 1, got {thresh!r} and {max_iter!r}"
        )
    pf = None
    if penalty_factor is not None:  # one per column, as glmnet requires
        pf = np.asarray(penalty_factor, dtype=float).reshape(-1)
        if pf.size != p:
            raise ArgumentError(f"penalty_factor has {pf.size} values for {p} columns of the design matrix")
        if np.any(np.isnan(pf)) or np.any(pf < 0):
            raise ArgumentError(f"penalty_factor must be non-negative, got {pf.tolist()!r}")
        if not np.any(np.isfinite(pf) & (pf > 0)):
            raise ArgumentError("penalty_factor: all penalty factors are zero or infinite")
    lo = _vector(lower_limits, p, "lower_limits")
    hi = _vector(upper_limits, p, "upper_limits")
    lo_c = np.full(p, -math.inf) if lo is None else lo
    hi_c = np.full(p, math.inf) if hi is None else hi
    bad = np.flatnonzero(lo_c > hi_c)
    if bad.size:
        raise ArgumentError(f"lower_limits greater than upper_limits for column(s) {bad.tolist()}")
    if np.any(lo_c > 0):
        raise ArgumentError("lower_limits must be non-positive (glmnet's rule)")
    if np.any(hi_c < 0):
        raise ArgumentError("upper_limits must be non-negative (glmnet's rule)")
    return GlmnetSettings(
        float(alpha),
        lam,
        int(nlambda),
        lambda_min_ratio,
        bool(standardize),
        bool(intercept),
        pf,
        lo,
        hi,
        float(thresh),
        int(max_iter),
    )


class _Data:
    """The arrays of one formula on one data set: design (ones first), y, weights, offset."""

    def __init__(self, formula: str, data: Any, family: Family, weights: Any, offset: Any) -> None:
        frame = build_frame(
            formula,
            data,
            weights=weights,
            offset=offset,
            binomial=isinstance(family, (Binomial, QuasiBinomial)),
        )
        if np.any(frame.weights < 0):
            raise DataError(
                f"weights must be non-negative ({int(np.sum(frame.weights < 0))} rows are negative)"
            )
        init = family.initialize(frame.y, frame.weights)
        D = frame.design
        names = list(frame.spec.column_names)
        if frame.spec.intercept_column == 0:
            names = names[1:]
        else:  # model.matrix(...)[, -1] drops the first column whatever it is
            X = D.rows()[:, 1:]
            D = DenseDesign(np.column_stack([np.ones(X.shape[0]), X]))
            names = names[1:]
        if len(names) < 2:
            raise DataError(
                f"glmnet needs a design matrix with 2 or more columns; {formula!r} gives {len(names)}"
            )
        self.D: Design = D
        self.y, self.w, self.offset = init.y, init.weights, frame.offset
        self.names, self.spec = names, frame.spec
        self.has_offset = frame.offset_in_model
        self.index = frame.index


class GlmnetPath:
    """A glmnet path: coefficients at each lambda on the columns' own scale.

    Attributes
    ----------
    lambda_ : ndarray, R's ``fit$lambda``
    df : ndarray, nonzero coefficients per lambda
    dev_ratio : ndarray, the fraction of the null deviance explained
    nulldev : float, the null deviance
    a0, beta : intercepts (K,) and coefficients (p, K)
    """

    _fit: GlmnetFit
    _data: _Data
    family: Family
    settings: GlmnetSettings
    call: str
    kind: str

    def __init__(
        self, fit: GlmnetFit, data: _Data, family: Family, settings: GlmnetSettings, call: str
    ) -> None:
        self.__dict__.update(
            _fit=fit, _data=data, family=family, settings=settings, call=call, kind=solver_kind(family)
        )

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("a glmnet path is immutable")

    @property
    def lambda_(self) -> FloatArray:
        out: FloatArray = self._fit.lambda_.copy()
        return out

    @property
    def df(self) -> IntArray:
        out: IntArray = self._fit.df.copy()
        return out

    @property
    def dev_ratio(self) -> FloatArray:
        out: FloatArray = self._fit.dev_ratio.copy()
        return out

    @property
    def nulldev(self) -> float:
        return self._fit.nulldev

    @property
    def a0(self) -> FloatArray:
        out: FloatArray = self._fit.a0.copy()
        return out

    @property
    def beta(self) -> FloatArray:
        out: FloatArray = self._fit.beta.copy()
        return out

    @property
    def names(self) -> list[str]:
        return list(self._data.names)

    def _coefs(self, s: Any) -> tuple[FloatArray, list[str]]:
        full = np.vstack([self._fit.a0, self._fit.beta])
        if s is None:
            return full, [f"s{k}" for k in range(full.shape[1])]
        s_arr = np.atleast_1d(np.asarray(s, dtype=float))
        if np.any(s_arr < 0):
            raise ArgumentError(f"s must be non-negative, got {s_arr.tolist()!r}")
        left, right, frac = lambda_interp(self._fit.lambda_, s_arr)
        out = full[:, left] * frac + full[:, right] * (1 - frac)
        return out, [f"s{k + 1}" for k in range(s_arr.size)]

    def coef(self, s: Any = None) -> pd.DataFrame:
        """Coefficients (rows ``Intercept`` and the design columns), one column per lambda, or
        per value of ``s`` (linear interpolation in lambda, clamped to the path: R's
        ``coef(fit, s = s, exact = FALSE)``)."""
        m, cols = self._coefs(s)
        out: pd.DataFrame = pd.DataFrame(m, index=["Intercept", *self._data.names], columns=cols)
        return out

    def predict(self, newdata: Any, s: Any = None, type: str = "link") -> pd.Series | pd.DataFrame:  # noqa: A002
        """Predictions for ``newdata`` at each lambda or at ``s``: the linear predictor
        (``"link"``, with the offset read from ``newdata``), the mean (``"response"``) or, for
        the binomial, the class 1/0 (``"class"``, probability above 1/2)."""
        if type not in ("link", "response", "class"):
            raise ArgumentError(f"type must be 'link', 'response' or 'class', got {type!r}")
        if type == "class" and not isinstance(self.family, (Binomial, QuasiBinomial)):
            raise ArgumentError("type='class' is only for the binomial family")
        new = newdata if isinstance(newdata, pd.DataFrame) else pd.DataFrame(newdata)
        X = self._data.spec.design(new)[:, 1:]  # model.matrix(...)[, -1]
        m, cols = self._coefs(s)
        eta = m[0] + X @ m[1:]
        if self._data.has_offset:
            eta = eta + self._data.spec.offset(new)[:, None]
        if type == "response":
            eta = self.family.link.inverse(eta)
        elif type == "class":
            logit = isinstance(self.family.link, Logit)
            eta = ((eta > 0) if logit else (self.family.link.inverse(eta) > 0.5)).astype(int)
        if s is not None and np.ndim(s) == 0:
            one: pd.Series = pd.Series(eta[:, 0], index=new.index)
            return one
        table: pd.DataFrame = pd.DataFrame(eta, index=new.index, columns=cols)
        return table

    def tidy(self, return_zeros: bool = False) -> pd.DataFrame:
        """Long form: term, step, estimate, lambda, dev_ratio (broom's ``tidy.glmnet``)."""
        full = np.vstack([self._fit.a0, self._fit.beta])
        return tidy_path(
            ["Intercept", *self._data.names], full, self._fit.lambda_, self._fit.dev_ratio, return_zeros
        )

    def plot(self, xvar: str = "norm", label: bool = False, ax: Any = None) -> Any:
        """The coefficient paths (``plot.glmnet``); ``xvar`` is ``"norm"``, ``"lambda"`` or ``"dev"``."""
        return plot_path(
            self._fit.beta, self._fit.lambda_, self._fit.dev_ratio, xvar, label, self._data.names, ax
        )

    def __str__(self) -> str:
        return path_text(
            self.call, self._fit.df.tolist(), self._fit.dev_ratio.tolist(), self._fit.lambda_.tolist()
        )

    def __repr__(self) -> str:
        return str(self)


def _call(fn: str, formula: str, family: Family, extra: dict[str, Any]) -> str:
    args = [repr(formula), f"family={family!r}"] + [f"{k}={v!r}" for k, v in extra.items() if v is not None]
    return f"rglm.{fn}({', '.join(args)})"


def _fit(data: _Data, family: Family, st: GlmnetSettings, rows: IntArray | None = None) -> GlmnetFit:
    if rows is None:
        return glmnet_path(data.D, data.y, data.w, data.offset, family, st)
    D = DenseDesign(data.D.rows(rows))
    return glmnet_path(D, data.y[rows], data.w[rows], data.offset[rows], family, st)


def glmnet(
    formula: str,
    data: Any,
    family: Any = None,
    *,
    alpha: float = 1.0,
    lambda_: Any = None,
    nlambda: int = 100,
    lambda_min_ratio: float | None = None,
    standardize: bool = True,
    intercept: bool = True,
    weights: Any = None,
    offset: Any = None,
    penalty_factor: Any = None,
    lower_limits: Any = None,
    upper_limits: Any = None,
    thresh: float = 1e-7,
    max_iter: int = 100_000,
) -> GlmnetPath:
    """R's ``glmnet(model.matrix(formula, data)[, -1], y, ...)``: the elastic-net path.

    Gaussian (identity), binomial (logit) and Poisson (log) use glmnet's built-in solvers'
    objective, lambda sequence and stopping rules; every other family and link that of
    glmnet >= 4's family-object path (``glmnet.path``).  See ``docs/glmnet.md``.
    """
    fam = _family(family)
    d = _Data(formula, data, fam, weights, offset)
    st = _settings(
        len(d.names),
        d.y.size,
        alpha,
        lambda_,
        nlambda,
        lambda_min_ratio,
        standardize,
        intercept,
        penalty_factor,
        lower_limits,
        upper_limits,
        thresh,
        max_iter,
    )
    call = _call(
        "glmnet",
        formula,
        fam,
        {"alpha": alpha, "lambda_": None if lambda_ is None else np.atleast_1d(lambda_).tolist()},
    )
    return GlmnetPath(_fit(d, fam, st), d, fam, st, call)


class CVGlmnet:
    """``cv.glmnet``: the path on all rows (``fit``) and the cross-validated error of each of
    its lambdas (``cvm``, ``cvsd``, ``cvup``, ``cvlo``), with ``lambda_min`` and
    ``lambda_1se``."""

    fit: GlmnetPath
    lambda_: FloatArray
    cvm: FloatArray
    cvsd: FloatArray
    cvup: FloatArray
    cvlo: FloatArray
    nzero: IntArray
    type_measure: str
    foldid: IntArray
    call: str
    lambda_min: float
    lambda_1se: float
    index: tuple[int, int]
    name: str

    def __init__(
        self,
        fit: GlmnetPath,
        lam: FloatArray,
        cvm: FloatArray,
        cvsd: FloatArray,
        nzero: IntArray,
        measure: str,
        foldid: IntArray,
        call: str,
    ) -> None:
        lmin, l1se, imin, i1se = optimal_lambdas(lam, cvm, cvsd, measure)
        self.__dict__.update(
            fit=fit,
            lambda_=lam,
            cvm=cvm,
            cvsd=cvsd,
            cvup=cvm + cvsd,
            cvlo=cvm - cvsd,
            nzero=nzero,
            type_measure=measure,
            foldid=foldid,
            call=call,
            lambda_min=lmin,
            lambda_1se=l1se,
            index=(imin, i1se),
            name=measure_name(fit.kind, measure),
        )

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("a cv_glmnet result is immutable")

    def _s(self, s: Any) -> Any:
        if isinstance(s, str):
            if s not in ("lambda.1se", "lambda.min", "lambda_1se", "lambda_min"):
                raise ArgumentError(f"s must be 'lambda.1se', 'lambda.min' or a number, got {s!r}")
            return self.lambda_1se if s.endswith("1se") else self.lambda_min
        return s

    def predict(self, newdata: Any, s: Any = "lambda.1se", type: str = "link") -> pd.Series | pd.DataFrame:  # noqa: A002
        """The full path's predictions at ``s``: ``"lambda.1se"`` (R's default), ``"lambda.min"``
        or a number."""
        return self.fit.predict(newdata, s=self._s(s), type=type)

    def coef(self, s: Any = "lambda.1se") -> pd.DataFrame:
        """The full path's coefficients at ``s`` (as :meth:`predict`)."""
        return self.fit.coef(s=np.atleast_1d(self._s(s)))

    def plot(self, ax: Any = None) -> Any:
        """The CV curve with one-SE bars (``plot.cv.glmnet``)."""
        return plot_cv(
            self.lambda_, self.cvm, self.cvsd, self.nzero, self.lambda_min, self.lambda_1se, self.name, ax
        )

    def __str__(self) -> str:
        i, j = self.index
        return cv_text(
            self.call,
            self.name,
            (self.lambda_min, self.lambda_1se),
            (i, j),
            (self.cvm[i], self.cvm[j]),
            (self.cvsd[i], self.cvsd[j]),
            (int(self.nzero[i]), int(self.nzero[j])),
        )

    def __repr__(self) -> str:
        return str(self)


def _foldid(foldid: Any, nfolds: int, n: int, seed: int | None) -> IntArray:
    if foldid is None:
        if int(nfolds) < 3:
            raise ArgumentError(f"nfolds must be at least 3, got {nfolds}")
        rng = np.random.default_rng(seed)
        return rng.permutation(np.resize(np.arange(1, int(nfolds) + 1), n)).astype(np.intp)
    f = np.asarray(foldid).reshape(-1)
    if f.size != n:
        raise ArgumentError(f"foldid has {f.size} values for {n} rows used in the fit")
    _, codes = np.unique(f, return_inverse=True)
    out = (codes + 1).astype(np.intp)
    if out.max() < 3:
        raise ArgumentError(f"cv_glmnet needs at least 3 folds; foldid has {int(out.max())}")
    return out


def cv_glmnet(
    formula: str,
    data: Any,
    family: Any = None,
    *,
    nfolds: int = 10,
    foldid: Any = None,
    type_measure: str = "default",
    seed: int | None = 1,
    **glmnet_args: Any,
) -> CVGlmnet:
    """R's ``cv.glmnet``: ``glmnet`` on all rows, then on the rows outside each fold; each
    fold's path predicts its held-out rows at the full path's lambdas (interpolated in
    lambda), and the errors are averaged as glmnet does.  Folds are ``foldid`` (one label per
    row used) or a random split into ``nfolds`` drawn with ``seed``."""
    fam = _family(family)
    lam_arg = glmnet_args.get("lambda_")
    if lam_arg is not None and np.atleast_1d(lam_arg).size < 2:
        raise ArgumentError("cv_glmnet needs more than one value of lambda_")
    path = glmnet(formula, data, fam, **glmnet_args)
    d: _Data = path._data
    kind = path.kind
    measure = MEASURES[kind][0] if type_measure == "default" else type_measure
    if measure not in MEASURES[kind]:
        raise ArgumentError(
            f"type_measure must be one of {', '.join(MEASURES[kind])} for this family, got {type_measure!r}"
        )
    n = d.y.size
    folds = _foldid(foldid, nfolds, n, seed)
    lam = path._fit.lambda_
    st = path.settings
    pred = np.full((n, lam.size), np.nan)
    for f in range(1, int(folds.max()) + 1):
        out = np.flatnonzero(folds == f)
        train = np.flatnonzero(folds != f)
        fit = _fit(d, fam, st, train)
        left, right, frac = lambda_interp(fit.lambda_, lam)
        full = np.vstack([fit.a0, fit.beta])
        coefs = full[:, left] * frac + full[:, right] * (1 - frac)
        X = d.D.rows(out)
        pred[out] = X[:, 1:] @ coefs[1:] + coefs[0] + d.offset[out][:, None]
    stats, used = cv_stats(kind, fam, measure, pred, d.y, d.w, folds)
    call = _call(
        "cv_glmnet",
        formula,
        fam,
        {"type_measure": used, **{k: v for k, v in glmnet_args.items() if k in ("alpha",)}},
    )
    return CVGlmnet(path, lam[stats.keep], stats.cvm, stats.cvsd, path._fit.df[stats.keep], used, folds, call)
