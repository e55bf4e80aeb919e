"""The fitted model: :class:`GLMResult`, immutable, with every statistic derived on demand.

The IRLS fit and the model frame are stored; standard errors, tests, residuals and the
likelihood are computed the first time they are asked for and cached.  Names follow
statsmodels (``params``, ``bse``, ``tvalues``, ...) and every number follows R's
definitions: see each attribute's docstring for the formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DispersionWarning, warn
from rglm.families.family import Family, NegativeBinomial
from rglm.fit.irls import GLMFit, IRLSControl
from rglm.frame.model_frame import ModelFrame
from rglm.numerics.linalg import cov_unscaled

if TYPE_CHECKING:
    from rglm.fit.negbin import NegBinInfo

FloatArray = npt.NDArray[np.float64]

__all__ = ["GLMResult"]

T = TypeVar("T", pd.Series, pd.DataFrame)


class _computed_once(Generic[T]):
    """A lazily computed Series/DataFrame attribute, cached on first use and handed out as a
    copy, so a caller editing what they got back cannot change the fitted model."""

    func: Callable[[Any], T]

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        cache = obj.__dict__.setdefault("_cache", {})
        if self.name not in cache:
            cache[self.name] = self.func(obj)
        return cache[self.name].copy()


class GLMResult:
    """A fitted generalized linear model.

    Do not construct directly; use :func:`rglm.glm`.  The object is immutable: every
    attribute is fixed at fit time or derived from what was fixed.
    """

    _fit: GLMFit
    _frame: ModelFrame
    _fixed_dispersion: float | None
    family: Family
    null_deviance: float
    control: IRLSControl
    formula: str
    data_name: str
    cov_type: str
    _cov: FloatArray | None
    _cov_kwds: dict[str, Any]
    _data: Any
    _call: dict[str, Any]
    _negbin: NegBinInfo | None
    _step_path: Any

    def __init__(self, fit: GLMFit, frame: ModelFrame, family: Family, *, null_deviance: float,
                 control: IRLSControl, dispersion: float | None = None, formula: str = "",
                 data_name: str = "data", data: Any = None, call: dict[str, Any] | None = None,
                 cov_type: str = "nonrobust", cov: FloatArray | None = None,
                 negbin: NegBinInfo | None = None, cov_kwds: dict[str, Any] | None = None,
                 step_path: Any = None) -> None:
        d = self.__dict__
        d["_fit"] = fit
        d["_frame"] = frame
        d["family"] = family
        d["null_deviance"] = float(null_deviance)
        d["control"] = control
        d["_fixed_dispersion"] = dispersion
        d["formula"] = formula
        d["data_name"] = data_name
        d["_data"] = data
        d["_call"] = dict(call or {})
        d["cov_type"] = cov_type
        d["_cov"] = cov
        d["_negbin"] = negbin
        d["_cov_kwds"] = dict(cov_kwds or {})
        d["_step_path"] = step_path

    def _replace(self, **changes: Any) -> GLMResult:
        """A new result sharing this one's fit, with some constructor arguments changed
        (nothing cached is carried over)."""
        args: dict[str, Any] = {
            "fit": self._fit, "frame": self._frame, "family": self.family, "null_deviance": self.null_deviance,
            "control": self.control, "dispersion": self._fixed_dispersion, "formula": self.formula,
            "data_name": self.data_name, "data": self._data, "call": self._call, "cov_type": self.cov_type,
            "cov": self._cov, "negbin": self._negbin, "cov_kwds": self._cov_kwds,
            "step_path": self._step_path}
        args.update(changes)
        fit, frame, family = args.pop("fit"), args.pop("frame"), args.pop("family")
        return type(self)(fit, frame, family, **args)

    @property
    def data(self) -> Any:
        """The data frame the model was fitted from (a reference, not a copy; needed by
        :meth:`update`, ``add1`` and ``step``), or None when it was not kept."""
        return self._data

    @property
    def step_path(self) -> Any:
        """For a model chosen by :func:`rglm.step`, the path that led to it (R's ``$anova``):
        an :class:`rglm.results.table.AnovaTable` with one row per step and columns ``Step``, ``Df``,
        ``Deviance``, ``Resid. Df``, ``Resid. Dev``, ``AIC``; None for other models."""
        path = self._step_path
        if path is None:
            return None
        from rglm.results.table import AnovaTable

        return AnovaTable(path, heading=path.heading, print_style=path.print_style)

    def update(self, formula: str | None = None, **changes: Any) -> GLMResult:
        """Refit with a changed formula or ``glm`` arguments, as R's ``update``.

        In ``formula``, ``.`` stands for the corresponding side of the current formula:
        ``update(". ~ . - x")`` drops ``x``, ``update(". ~ . + z")`` adds ``z``.
        """
        from rglm.api import glm
        from rglm.frame.formula import update_formula

        if self._data is None:
            raise ArgumentError("this model does not keep its data, so it cannot be refitted; "
                                "fit it again with rglm.glm")
        kwargs = dict(self._call)
        kwargs.update(changes)
        new_formula = self.formula if formula is None else update_formula(self.formula, formula)
        return glm(new_formula, self._data, **kwargs)._replace(data_name=self.data_name)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"GLMResult is immutable; cannot set {key!r}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"GLMResult is immutable; cannot delete {key!r}")

    def __repr__(self) -> str:
        return f"<GLMResult: {self.formula}, {self.family!r}, n={self.nobs}, deviance={self.deviance:.6g}>"

    # -- what the fit fixed --------------------------------------------------------------------
    @property
    def fit(self) -> GLMFit:
        """The underlying IRLS fit (arrays only)."""
        return self._fit

    @property
    def model_frame(self) -> ModelFrame:
        """The arrays the model was fitted to, with the recipe to rebuild them."""
        return self._frame

    @property
    def exog_names(self) -> list[str]:
        """Names of the model matrix columns (formulaic's names)."""
        return list(self._frame.spec.column_names)

    @property
    def deviance(self) -> float:
        """Residual deviance :math:`D = \\sum_i d_i(y_i, \\hat\\mu_i)`."""
        return self._fit.deviance

    @property
    def iterations(self) -> int:
        """Fisher scoring iterations taken (R's ``iter``)."""
        return self._fit.iterations

    @property
    def converged(self) -> bool:
        return self._fit.converged

    @property
    def boundary(self) -> bool:
        """Whether IRLS ended on a boundary (a step had to be halved into the valid region)."""
        return self._fit.boundary

    @property
    def rank(self) -> int:
        """Numerical rank of the model matrix (non-aliased coefficients)."""
        return self._fit.rank

    @property
    def n_dropped(self) -> int:
        """Rows dropped because of missing values."""
        return self._frame.n_dropped

    @property
    def has_intercept(self) -> bool:
        return self._frame.spec.has_intercept

    def _series(self, values: FloatArray, name: str | None = None) -> pd.Series:
        return self._frame.pad(values, name)

    def _coef_series(self, values: FloatArray, name: str | None = None) -> pd.Series:
        return pd.Series(values, index=pd.Index(self.exog_names), name=name)

    # -- coefficients and their covariance ------------------------------------------------------
    @_computed_once
    def params(self) -> pd.Series:
        """Coefficients :math:`\\hat\\beta`; NaN for aliased columns (R's NA)."""
        return self._coef_series(self._fit.coef.copy(), "params")

    @_computed_once
    def aliased(self) -> pd.Series:
        """True for coefficients not estimable because their column is collinear with earlier ones."""
        return self._coef_series(self._fit.aliased.copy(), "aliased")

    @cached_property
    def dispersion_is_estimated(self) -> bool:
        """Whether the dispersion was estimated (then the tests use t with ``df_resid`` df)."""
        return self._fixed_dispersion is None and not self.family.fixed_dispersion

    @cached_property
    def scale(self) -> float:
        """The dispersion :math:`\\phi` (R's ``summary(fit)$dispersion``).

        1 for binomial and Poisson; otherwise, unless fixed by ``glm(dispersion=...)``,
        :math:`\\hat\\phi = \\sum_{i: W_i > 0} W_i r_i^2 / (n - p)` with :math:`W_i` the working
        weights and :math:`r_i` the working residuals.  This is Pearson's :math:`X^2/(n-p)`
        evaluated, as R does, with the weights of the last IRLS step, so it agrees with
        ``pearson_chi2 / df_resid`` up to the convergence error of the fit.
        """
        if self._fixed_dispersion is not None:
            return float(self._fixed_dispersion)
        if self.family.fixed_dispersion:
            return 1.0
        if self.df_resid <= 0:
            return math.nan
        return self._fit.working_rss / self.df_resid

    @_computed_once
    def normalized_cov_params(self) -> pd.DataFrame:
        """Unscaled covariance :math:`(X^T W X)^{-1}`, NaN rows and columns for aliased terms."""
        names = self.exog_names
        assert self._fit.wls is not None
        return pd.DataFrame(cov_unscaled(self._fit.wls), index=names, columns=names)

    def cov_params(self) -> pd.DataFrame:
        """Covariance of :math:`\\hat\\beta`: :math:`\\phi\\,(X^T W X)^{-1}` (R's ``vcov``),
        or the sandwich estimate named by ``cov_type`` (see :meth:`robust`)."""
        if self._cov is not None:
            names = self.exog_names
            return pd.DataFrame(self._cov.copy(), index=names, columns=names)
        return self.normalized_cov_params * self.scale

    @_computed_once
    def bse(self) -> pd.Series:
        """Standard errors :math:`\\sqrt{\\phi\\,[(X^T W X)^{-1}]_{jj}}` (the square roots of
        the diagonal of :meth:`cov_params`)."""
        var = np.diag(self.cov_params().to_numpy())
        with np.errstate(invalid="ignore"):
            return self._coef_series(np.sqrt(var), "bse")

    @_computed_once
    def tvalues(self) -> pd.Series:
        """Wald statistics :math:`\\hat\\beta_j / \\mathrm{se}_j` (z or t, see ``use_t``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._coef_series(self.params.to_numpy() / self.bse.to_numpy(), "tvalues")

    @property
    def use_t(self) -> bool:
        """True when the statistics are referred to a t distribution (estimated dispersion)."""
        return self.dispersion_is_estimated

    @_computed_once
    def pvalues(self) -> pd.Series:
        """Two-sided p-values: :math:`2\\Phi(-|z|)`, or :math:`2F_{t, n-p}(-|t|)` when the
        dispersion is estimated (NaN when there are no residual degrees of freedom)."""
        t = np.abs(self.tvalues.to_numpy())
        if not self.use_t:
            p = 2.0 * special.ndtr(-t)
        elif self.df_resid > 0:
            p = 2.0 * special.stdtr(self.df_resid, -t)
        else:
            p = np.full_like(t, np.nan)
        return self._coef_series(p, "pvalues")

    def conf_int(self, alpha: float = 0.05, method: str = "wald", params: Any = None) -> pd.DataFrame:
        """Confidence intervals for the coefficients.

        ``method="wald"`` gives :math:`\\hat\\beta_j \\pm z_{1-\\alpha/2}\\,\\mathrm{se}_j` with
        the normal quantile whatever the family, as R's ``confint.default``.
        ``method="profile"`` inverts the profile likelihood as R's ``confint.glm``; see
        :func:`rglm.inference.profile.profile_conf_int`.  ``params`` selects coefficients by name or
        position (all by default).
        """
        if not 0 < alpha < 1:
            raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
        if method == "profile":
            from rglm.inference.profile import profile_conf_int

            return profile_conf_int(self, alpha=alpha, params=params)
        if method != "wald":
            raise ArgumentError(f"unknown interval method {method!r}; use 'wald' or 'profile'")
        q = float(special.ndtri(1 - alpha / 2))
        b, se = self.params.to_numpy(), self.bse.to_numpy()
        out = pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=pd.Index(self.exog_names))
        return out if params is None else out.loc[self._param_names(params)]

    def _param_names(self, params: Any) -> list[str]:
        """Coefficient names from names or positions, with a clear error for unknown ones."""
        names = self.exog_names
        items = [params] if isinstance(params, (str, int, np.integer)) else list(params)
        out = []
        for item in items:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                if not -len(names) <= item < len(names):
                    raise ArgumentError(f"coefficient position {item} is out of range; the model has {len(names)}")
                out.append(names[item])
            elif item in names:
                out.append(str(item))
            else:
                raise ArgumentError(f"no coefficient named {item!r}; the coefficients are {', '.join(names)}")
        return out

    # -- goodness of fit -------------------------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Observations with non-zero prior weight (R's ``nobs``)."""
        return self._fit.n_ok

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom, ``nobs - rank``."""
        return self.nobs - self.rank

    @property
    def df_null(self) -> int:
        """Degrees of freedom of the null model, ``nobs - intercept``."""
        return self.nobs - int(self.has_intercept)

    @property
    def df_model(self) -> int:
        """Model degrees of freedom, ``rank - intercept`` (statsmodels' ``df_model``)."""
        return self.rank - int(self.has_intercept)

    @cached_property
    def pearson_chi2(self) -> float:
        """Pearson's statistic :math:`X^2 = \\sum_i w_i (y_i - \\hat\\mu_i)^2 / V(\\hat\\mu_i)`."""
        held = getattr(self._fit, "pearson_chi2", None)  # a fit over chunks keeps the sum only
        return float(held) if held is not None else float(np.nansum(self.resid_pearson.to_numpy() ** 2))

    @cached_property
    def _ll_df(self) -> int:
        return self.rank + (1 if self._negbin is not None else self.family.ll_extra_params)

    @cached_property
    def aic(self) -> float:
        """Akaike's criterion as R's ``AIC``: :math:`-2\\ell + 2k`, NaN for quasi families.

        :math:`k` counts the coefficients plus the dispersion for the Gaussian, Gamma and
        inverse Gaussian families; for those three :math:`\\ell` is evaluated at the
        dispersion :math:`D/n` (maximum likelihood), not at ``scale``.  A negative binomial
        fit with :math:`\\theta` estimated counts :math:`\\theta` too (MASS's
        :math:`-2\\ell + 2\\,\\mathrm{rank} + 2`).
        """
        if self._negbin is not None:
            return self._negbin.aic
        return float(self._fit.aic) if not self.family.is_quasi else math.nan

    @cached_property
    def llf(self) -> float:
        """Log-likelihood :math:`\\ell = k - \\mathrm{AIC}/2` (R's ``logLik``), NaN for quasi families."""
        if self._negbin is not None:
            return self._negbin.twologlik / 2
        return self._ll_df - self.aic / 2

    # -- negative binomial (MASS::glm.nb) --------------------------------------------------------
    @property
    def negbin(self) -> NegBinInfo | None:
        """What the estimation of :math:`\\theta` added (:class:`rglm.fit.negbin.NegBinInfo`), or
        None unless the fit estimated :math:`\\theta`."""
        return self._negbin

    @property
    def theta(self) -> float | None:
        """The negative binomial :math:`\\theta`: MASS's estimate when it was estimated, the
        family's when it was fixed; None for other families."""
        if self._negbin is not None:
            return self._negbin.theta
        return self.family.theta if isinstance(self.family, NegativeBinomial) else None

    @property
    def theta_se(self) -> float | None:
        """Standard error of the estimated :math:`\\theta` (from its observed information, as
        MASS); None when :math:`\\theta` was not estimated."""
        return None if self._negbin is None else self._negbin.theta_se

    @property
    def twologlik(self) -> float | None:
        """:math:`2\\ell` of a fit with :math:`\\theta` estimated (MASS's ``twologlik``), else None."""
        return None if self._negbin is None else self._negbin.twologlik

    @cached_property
    def bic(self) -> float:
        """Schwarz's criterion :math:`-2\\ell + k\\log n`, with :math:`n` the rows used
        (zero-weight rows included, as R's ``BIC``)."""
        return -2 * self.llf + math.log(self._fit.n_rows) * self._ll_df

    # -- per observation ----------------------------------------------------------------------------
    @_computed_once
    def fittedvalues(self) -> pd.Series:
        """Fitted means :math:`\\hat\\mu_i` (proportions for a binomial ``cbind`` response)."""
        return self._series(self._fit.mu.copy(), "fitted")

    @_computed_once
    def linear_predictors(self) -> pd.Series:
        """Linear predictor :math:`\\hat\\eta_i = x_i^T\\hat\\beta + o_i`."""
        return self._series(self._fit.eta.copy(), "linear_predictor")

    @property
    def mu(self) -> pd.Series:
        return self.fittedvalues

    @_computed_once
    def resid_response(self) -> pd.Series:
        """Response residuals :math:`y_i - \\hat\\mu_i`."""
        return self._series(self._fit.y - self._fit.mu, "resid_response")

    @_computed_once
    def resid_working(self) -> pd.Series:
        """Working residuals :math:`(y_i - \\hat\\mu_i)\\, d\\eta/d\\mu`."""
        return self._series(self._fit.working_residuals.copy(), "resid_working")

    @_computed_once
    def resid_pearson(self) -> pd.Series:
        """Pearson residuals :math:`(y_i - \\hat\\mu_i)\\sqrt{w_i / V(\\hat\\mu_i)}`."""
        f = self._fit
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (f.y - f.mu) * np.sqrt(f.prior_weights) / np.sqrt(self.family.variance(f.mu))
        return self._series(r, "resid_pearson")

    @_computed_once
    def resid_deviance(self) -> pd.Series:
        """Deviance residuals :math:`\\mathrm{sign}(y_i - \\hat\\mu_i)\\sqrt{d_i}`
        (all zero when there are no residual degrees of freedom, as in R)."""
        f = self._fit
        if self.df_resid <= 0:
            return self._series(np.zeros_like(f.mu), "resid_deviance")
        d = np.sqrt(np.maximum(self.family.dev_resids(f.y, f.mu, f.prior_weights), 0))
        return self._series(np.where(f.y > f.mu, d, -d), "resid_deviance")

    @property
    def working_weights(self) -> pd.Series:
        """IRLS weights :math:`W_i` of the last iteration."""
        return self._series(self._fit.working_weights.copy(), "working_weights")

    @property
    def prior_weights(self) -> pd.Series:
        """Prior weights (times the trials for a binomial ``cbind`` response)."""
        return self._series(self._fit.prior_weights.copy(), "prior_weights")

    # -- prediction ---------------------------------------------------------------------------------
    def predict(self, newdata: Any = None, type: str = "response", se_fit: bool = False,
                interval: str | None = None, level: float = 0.95, offset: Any = None) -> pd.Series | pd.DataFrame:
        """Predictions on the link or response scale, or per term, as R's ``predict.glm``.

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows to predict; by default the rows the model was fitted to.  Transforms, factor
            levels and offsets are replayed from the fit.
        type : {"response", "link", "terms"}
            ``"link"``: :math:`\\hat\\eta = x^T\\hat\\beta + o`; ``"response"``:
            :math:`\\hat\\mu = g^{-1}(\\hat\\eta)`; ``"terms"``: each term's centred
            contribution, as R's ``predict(type = "terms")`` (see
            :func:`rglm.inference.predict.predict_terms`).
        se_fit : bool
            Also return standard errors: :math:`\\mathrm{se}(\\hat\\eta) =
            \\sqrt{\\phi\\, x^T (X^T W X)^{-1} x}` on the link scale and, by the delta method,
            :math:`|d\\mu/d\\eta|\\,\\mathrm{se}(\\hat\\eta)` on the response scale.
        interval : {None, "confidence"}
            Add ``lower`` and ``upper``: :math:`\\hat\\eta \\pm q\\,\\mathrm{se}(\\hat\\eta)`
            on the link scale; on the response scale those limits transformed by
            :math:`g^{-1}` (ordered so that lower <= upper even for a decreasing inverse
            link), so they stay within the mean's range and are not symmetric about the
            fit.  :math:`q` is the normal quantile when the dispersion is known and
            Student's t with ``df_resid`` degrees of freedom when it is estimated (as the
            ``summary`` tests; R's ``predict.glm`` has no intervals, and this matches
            ``predict.lm(interval = "confidence")`` for a Gaussian identity model).
        level : float
            Confidence level of the interval.
        offset : array_like, optional
            The offset for ``newdata`` when the model's ``offset=`` was an array.

        Returns
        -------
        Series of the fits; or a DataFrame with columns ``fit`` and ``se_fit`` (and ``lower``,
        ``upper``).  For ``type="terms"`` a DataFrame with one column per term, two-level
        (``fit``/``se_fit``/``lower``/``upper`` by term) when standard errors or intervals
        are asked for, and R's constant in ``attrs["constant"]``.
        """
        from rglm.inference.predict import predict

        return predict(self, newdata, type=type, se_fit=se_fit, interval=interval, level=level, offset=offset)

    @cached_property
    def separation(self) -> Any:
        """:class:`rglm.inference.separation.SeparationResult` of a binomial or quasi-binomial fit:
        which coefficients have infinite maximum likelihood estimates (Konis's linear
        program, as R's ``detectseparation``).  Raises :class:`rglm.FamilyError` for other
        families."""
        from rglm.inference.separation import separation_of

        return separation_of(self)

    # -- models fitted to chunked or Dask data -------------------------------------------------------------
    def iter_rows(self, columns: Any = None) -> Any:
        """Per-row values (fitted values, residuals, hat values, Cook's distances) of a model
        fitted to chunked or Dask data, one DataFrame per chunk; see
        :func:`rglm.backends.chunked.iter_rows`."""
        from rglm.backends.chunked import iter_rows

        return iter_rows(self, columns)

    def predict_to(self, path: Any, source: Any = None, *, type: str = "response", chunksize: int | None = None,
                   keep: Any = None) -> int:
        """Write predictions for ``source`` (by default the data fitted) to a Parquet file chunk by
        chunk; see :func:`rglm.backends.chunked.predict_to`."""
        from rglm.backends.chunked import predict_to

        return predict_to(self, path, source, type=type, chunksize=chunksize, keep=keep)

    # -- inference on the fitted model (each in its own module) -----------------------------------------
    def influence(self, dfbeta: str = "scaled", rstandard: str = "deviance") -> pd.DataFrame:
        """Per-observation influence measures (R's ``influence.measures``, ``rstandard``,
        ``rstudent``); see :func:`rglm.inference.influence.influence_frame`."""
        from rglm.inference.influence import influence_frame

        return influence_frame(self, dfbeta=dfbeta, rstandard=rstandard)

    @property
    def cov_kwds(self) -> dict[str, Any]:
        """How a sandwich covariance was computed (type, grouping names, cluster counts);
        empty for the model-based one."""
        return dict(self._cov_kwds)

    def robust(self, cov_type: str = "HC0", groups: Any = None, **options: Any) -> GLMResult:
        """The same fit with a sandwich covariance; see :func:`rglm.inference.robust.robust_cov`."""
        from rglm.inference.robust import robust_result

        return robust_result(self, cov_type, groups, **options)

    def wald_test(self, hypothesis: Any, use_f: bool | None = None) -> Any:
        """Joint Wald test of linear restrictions; see :func:`rglm.inference.hypothesis.wald_test`."""
        from rglm.inference.hypothesis import wald_test

        return wald_test(self, hypothesis, use_f=use_f)

    def t_test(self, hypothesis: Any, alpha: float = 0.05) -> pd.DataFrame:
        """One test per linear restriction; see :func:`rglm.inference.hypothesis.t_test`."""
        from rglm.inference.hypothesis import t_test

        return t_test(self, hypothesis, alpha=alpha)

    def lr_test(self, other: GLMResult, test: str | None = None) -> Any:
        """Likelihood-ratio test against a nested model; see :func:`rglm.inference.hypothesis.lr_test`."""
        from rglm.inference.hypothesis import lr_test

        return lr_test(self, other, test=test)

    def tidy(self, conf_int: bool = False, conf_level: float = 0.95, exponentiate: bool = False,
             conf_method: str = "profile") -> pd.DataFrame:
        """One row per coefficient, as broom's ``tidy``; see :func:`rglm.output.tidy.tidy`."""
        from rglm.output.tidy import tidy

        return tidy(self, conf_int=conf_int, conf_level=conf_level, exponentiate=exponentiate,
                    conf_method=conf_method)

    def glance(self) -> pd.DataFrame:
        """One row of model statistics, as broom's ``glance``; see :func:`rglm.output.tidy.glance`."""
        from rglm.output.tidy import glance

        return glance(self)

    def augment(self, newdata: Any = None, type_predict: str = "link", type_residuals: str = "deviance",
                se_fit: bool = False, *, data: Any = None) -> pd.DataFrame:
        """Data with per-row fitted values, residuals and influence, as broom's ``augment``;
        see :func:`rglm.output.tidy.augment`."""
        from rglm.output.tidy import augment

        return augment(self, newdata, type_predict, type_residuals, se_fit, data=data)

    def plot(self, which: Any = (1, 2, 3, 5), **kwargs: Any) -> Any:
        """R's diagnostic panels (``plot(fit)``) as a matplotlib Figure; see
        :func:`rglm.output.plot.diagnostics`."""
        from rglm.output.plot import diagnostics

        return diagnostics(self, which=which, **kwargs)

    def save(self, path: Any, keep_data: bool = False) -> None:
        """Write the model to ``path``; read it back with :func:`rglm.load`.  The training
        data is left out unless ``keep_data=True`` (see :func:`rglm.output.persist.save`)."""
        from rglm.output.persist import save

        save(self, path, keep_data=keep_data)

    # -- presentation ----------------------------------------------------------------------------------
    def summary(self) -> Any:
        """R's ``summary.glm``: a :class:`rglm.output.summary.Summary` that prints like R."""
        from rglm.output.summary import Summary

        if self._negbin is not None:
            from rglm.fit.negbin import negbin_summary

            return negbin_summary(self)
        if self.dispersion_is_estimated and self._fit.n_ok < self._fit.n_rows:  # some prior weight is 0
            warn("observations with zero weight not used for calculating dispersion", DispersionWarning)
        return Summary.from_result(self)
