"""The statistics of a fitted GLM: :class:`GLMStatistics`, immutable, derived on demand.

The IRLS fit and the model frame are stored; standard errors, tests, residuals and the
likelihood are computed the first time they are asked for and cached.  Names follow
statsmodels (``params``, ``bse``, ``tvalues``, ...) and every number follows R's
definitions: see each attribute's docstring for the formula.  The coefficient table,
intervals, BIC and covariance come from the shared :class:`rglm.results.core.ResultCore`;
the user-facing class with prediction, diagnostics and printing on top is
:class:`rglm.models.glm.GLMResult`.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import DataError, FamilyError
from rglm.families.family import Family, NegativeBinomial
from rglm.fit.irls import GLMFit, IRLSControl
from rglm.fit.passes import PassFit
from rglm.frame.state import FrameState
from rglm.numerics.linalg import cov_unscaled
from rglm.results.core import ResultCore, computed_once
from rglm.results.table import AnovaTable

FloatArray = npt.NDArray[np.float64]

__all__ = ["GLMStatistics", "SeparationCheck"]

#: What a GLM is fitted to: the arrays of an in-memory fit or the sums of an out-of-core one
#: (both satisfy the fit layer's protocol); the frame is any :class:`rglm.frame.state.FrameState`.
FitState = GLMFit


class SeparationCheck(Protocol):
    """What :func:`rglm.api.glm` found when it checked a binomial fit for separation
    (:class:`rglm.inference.separation.SeparationResult`)."""

    @property
    def separated(self) -> bool: ...

    def note(self) -> str: ...


class GLMStatistics(ResultCore):
    """The statistics of a fitted generalized linear model.

    Do not construct directly; use :func:`rglm.glm`.  The object is immutable: every
    attribute is fixed at fit time or derived from what was fixed.
    """

    _fit: FitState
    _frame: FrameState
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
    _step_path: Any
    separation_check: SeparationCheck | None

    def __init__(
        self,
        fit: FitState,
        frame: FrameState,
        family: Family,
        *,
        null_deviance: float,
        control: IRLSControl,
        dispersion: float | None = None,
        formula: str = "",
        data_name: str = "data",
        data: Any = None,
        call: dict[str, Any] | None = None,
        cov_type: str = "nonrobust",
        cov: FloatArray | None = None,
        cov_kwds: dict[str, Any] | None = None,
        step_path: Any = None,
        separation_check: SeparationCheck | None = None,
    ) -> None:
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
        d["_cov_kwds"] = dict(cov_kwds or {})
        d["_step_path"] = step_path
        d["separation_check"] = separation_check

    def constructor_args(self) -> dict[str, Any]:
        """The arguments that rebuild this result (a subclass adds its own)."""
        return {
            "fit": self._fit,
            "frame": self._frame,
            "family": self.family,
            "null_deviance": self.null_deviance,
            "control": self.control,
            "dispersion": self._fixed_dispersion,
            "formula": self.formula,
            "data_name": self.data_name,
            "data": self._data,
            "call": self._call,
            "cov_type": self.cov_type,
            "cov": self._cov,
            "cov_kwds": self._cov_kwds,
            "step_path": self._step_path,
            "separation_check": self.separation_check,
        }

    def _replace(self, **changes: Any) -> Any:
        """A new result of the same class sharing this one's fit, with some constructor
        arguments changed (nothing cached is carried over)."""
        args = self.constructor_args()
        args.update(changes)
        fit, frame, family = args.pop("fit"), args.pop("frame"), args.pop("family")
        return type(self)(fit, frame, family, **args)

    def without_data(self) -> Any:
        """The same result without its reference to the training data."""
        return self._replace(data=None)

    @property
    def data(self) -> Any:
        """The data frame the model was fitted from (a reference, not a copy; needed by
        ``update``, ``add1`` and ``step``), or None when it was not kept."""
        return self._data

    @property
    def call(self) -> dict[str, Any]:
        """The arguments of the fitting call that ``update`` replays (a copy); ``"function"``
        is the fitting function itself, as the function name heads R's ``call``."""
        return dict(self._call)

    @property
    def step_path(self) -> AnovaTable | None:
        """For a model chosen by :func:`rglm.step`, the path that led to it (R's ``$anova``):
        an :class:`rglm.results.table.AnovaTable` with one row per step and columns ``Step``, ``Df``,
        ``Deviance``, ``Resid. Df``, ``Resid. Dev``, ``AIC``; None for other models."""
        path = self._step_path
        if path is None:
            return None
        return AnovaTable(path, heading=path.heading, print_style=path.print_style)

    def __repr__(self) -> str:
        return f"<GLMResult: {self.formula}, {self.family!r}, n={self.nobs}, deviance={self.deviance:.6g}>"

    # -- what the fit fixed --------------------------------------------------------------------
    @property
    def fit(self) -> FitState:
        """The underlying IRLS fit (arrays only)."""
        return self._fit

    @property
    def model_frame(self) -> FrameState:
        """The arrays the model was fitted to, with the recipe to rebuild them."""
        return self._frame

    @property
    def exog_names(self) -> list[str]:
        """Names of the model matrix columns (formulaic's names; the core's ``param_names``)."""
        return self.param_names

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
    def start_method(self) -> str:
        """Where IRLS started: ``"R"`` (R's starting values), or ``"intercept-only"`` when
        those led outside the family's domain (where R's ``glm`` stops) and the fit restarted
        from the intercept-only mean (with a :class:`rglm.StartWarning`)."""
        return str(getattr(self._fit, "start_method", "R"))

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

    # -- the core's hooks: coefficients and their covariance -------------------------------------
    @property
    def param_names(self) -> list[str]:
        """Names of the model matrix columns (formulaic's names)."""
        return list(self._frame.spec.column_names)

    def param_vector(self) -> FloatArray:
        """Coefficients :math:`\\hat\\beta`; NaN for aliased columns (R's NA)."""
        return self._fit.coef

    @computed_once
    def aliased(self) -> pd.Series:
        """True for coefficients not estimable because their column is collinear with earlier ones."""
        return self.coef_series(self._fit.aliased.copy(), "aliased")

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

    def _cov_unscaled(self) -> FloatArray:
        """:math:`(X^T W X)^{-1}` from the last step's R factor, computed once (never handed out:
        the public forms are copies)."""
        cache = self.__dict__.setdefault("_cache", {})
        cov = cache.get("_cov_unscaled")
        if cov is None:
            assert self._fit.wls is not None
            cov = cache["_cov_unscaled"] = cov_unscaled(self._fit.wls)
        out: FloatArray = cov
        return out

    @computed_once
    def normalized_cov_params(self) -> pd.DataFrame:
        """Unscaled covariance :math:`(X^T W X)^{-1}`, NaN rows and columns for aliased terms."""
        names = self.exog_names
        out: pd.DataFrame = pd.DataFrame(self._cov_unscaled().copy(), index=names, columns=names)
        return out

    def vcov_matrix(self) -> FloatArray:
        """Covariance of :math:`\\hat\\beta`: :math:`\\phi\\,(X^T W X)^{-1}` (R's ``vcov``), or
        the sandwich estimate named by ``cov_type`` (see ``robust``)."""
        if self._cov is not None:
            return self._cov
        # elementwise, as the product of the DataFrame and the dispersion: the same numbers
        out: FloatArray = self._cov_unscaled() * self.scale
        return out

    @property
    def use_t(self) -> bool:
        """True when the statistics are referred to a t distribution (estimated dispersion)."""
        return self.dispersion_is_estimated

    @property
    def label(self) -> str:
        return self.formula

    def check_comparable(self, other: ResultCore) -> None:
        """Raise unless ``other`` is a GLM of the same family fitted to the same rows, response
        and prior weights (what a likelihood-ratio test between nested GLMs needs)."""
        if not isinstance(other, GLMStatistics):
            raise FamilyError(
                f"a likelihood-ratio test of a GLM needs another GLM, not a {type(other).__name__}"
            )
        if self.family.r_call() != other.family.r_call():
            raise FamilyError(
                f"the models have different families ({self.family.r_call()} and "
                f"{other.family.r_call()}); a likelihood-ratio test needs the same one"
            )
        fa, fb = self.model_frame, other.model_frame
        if self.nobs != other.nobs or not fa.index.equals(fb.index):
            raise DataError(
                f"the models were fitted to different rows ({len(fa.index)} and {len(fb.index)} "
                f"rows, {self.nobs} and {other.nobs} observations); refit both on the same rows "
                "(e.g. drop rows with missing values first)"
            )
        if not np.array_equal(self.fit.y, other.fit.y):
            raise DataError("the models have different responses")
        if not np.array_equal(self.fit.prior_weights, other.fit.prior_weights):
            raise DataError("the models have different prior weights")

    def glance_row(self) -> dict[str, Any]:
        """broom's ``glance.glm`` columns."""
        return {
            "null_deviance": self.null_deviance,
            "df_null": self.df_null,
            "logLik": self.llf,
            "AIC": self.aic,
            "BIC": self.bic,
            "deviance": self.deviance,
            "df_residual": self.df_resid,
            "nobs": self.nobs,
        }

    # -- goodness of fit -------------------------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Observations with non-zero prior weight (R's ``nobs``)."""
        return self._fit.n_ok

    @property
    def nobs_bic(self) -> int:
        """The rows used, zero-weight rows included, as R's ``BIC``."""
        return self._fit.n_rows

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
        if isinstance(self._fit, PassFit):  # a fit over chunks keeps the sum only
            return float(self._fit.pearson_chi2)
        return float(np.nansum(self.resid_pearson.to_numpy() ** 2))

    @property
    def n_params(self) -> int:
        """:math:`k`: the coefficients, plus the dispersion for the Gaussian, Gamma and inverse
        Gaussian families."""
        return self.rank + self.family.ll_extra_params

    @cached_property
    def aic(self) -> float:
        """Akaike's criterion as R's ``AIC``: :math:`-2\\ell + 2k`, NaN for quasi families.

        :math:`k` counts the coefficients plus the dispersion for the Gaussian, Gamma and
        inverse Gaussian families; for those three :math:`\\ell` is evaluated at the
        dispersion :math:`D/n` (maximum likelihood), not at ``scale``.
        """
        return float(self._fit.aic) if not self.family.is_quasi else math.nan

    @cached_property
    def llf(self) -> float:
        """Log-likelihood :math:`\\ell = k - \\mathrm{AIC}/2` (R's ``logLik``), NaN for quasi families."""
        return self.n_params - self.aic / 2

    # -- negative binomial ------------------------------------------------------------------------
    @property
    def theta(self) -> float | None:
        """The negative binomial :math:`\\theta` of a fixed-theta family; None for other
        families (a fit that estimated it is a :class:`rglm.results.negbin.NegBinStatistics`)."""
        return self.family.theta if isinstance(self.family, NegativeBinomial) else None

    @property
    def theta_se(self) -> float | None:
        """Standard error of an estimated :math:`\\theta`; None: it was not estimated."""
        return None

    @property
    def twologlik(self) -> float | None:
        """:math:`2\\ell` of a fit with :math:`\\theta` estimated; None: it was not estimated."""
        return None

    @property
    def negbin(self) -> Any:
        """What the estimation of :math:`\\theta` added; None: it was not estimated."""
        return None

    # -- per observation ----------------------------------------------------------------------------
    @computed_once
    def fittedvalues(self) -> pd.Series:
        """Fitted means :math:`\\hat\\mu_i` (proportions for a binomial ``cbind`` response)."""
        return self._series(self._fit.mu.copy(), "fitted")

    @computed_once
    def linear_predictors(self) -> pd.Series:
        """Linear predictor :math:`\\hat\\eta_i = x_i^T\\hat\\beta + o_i`."""
        return self._series(self._fit.eta.copy(), "linear_predictor")

    @property
    def mu(self) -> pd.Series:
        return self.fittedvalues

    @computed_once
    def resid_response(self) -> pd.Series:
        """Response residuals :math:`y_i - \\hat\\mu_i`."""
        return self._series(self._fit.y - self._fit.mu, "resid_response")

    @computed_once
    def resid_working(self) -> pd.Series:
        """Working residuals :math:`(y_i - \\hat\\mu_i)\\, d\\eta/d\\mu`."""
        return self._series(self._fit.working_residuals.copy(), "resid_working")

    @computed_once
    def resid_pearson(self) -> pd.Series:
        """Pearson residuals :math:`(y_i - \\hat\\mu_i)\\sqrt{w_i / V(\\hat\\mu_i)}`."""
        f = self._fit
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (f.y - f.mu) * np.sqrt(f.prior_weights) / np.sqrt(self.family.variance(f.mu))
        return self._series(r, "resid_pearson")

    @computed_once
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

    @property
    def cov_kwds(self) -> dict[str, Any]:
        """How a sandwich covariance was computed (type, grouping names, cluster counts);
        empty for the model-based one."""
        return dict(self._cov_kwds)
