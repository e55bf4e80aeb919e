"""The result core every fitted model shares: estimates, covariance, tests, likelihood.

A fitted model, whatever its likelihood and solver, is summarised by a flat vector of named
parameter estimates :math:`\\hat\\theta`, their covariance :math:`V`, the number of
observations, the residual degrees of freedom and the maximised log-likelihood
:math:`\\ell`.  From those :class:`ResultCore` derives, lazily and once:

* the coefficient table: :math:`\\hat\\theta_j`, :math:`\\mathrm{se}_j = \\sqrt{V_{jj}}`,
  :math:`z_j = \\hat\\theta_j/\\mathrm{se}_j` (or :math:`t` on ``df_resid`` degrees of
  freedom) and the two-sided p-value, printed as R's ``printCoefmat``;
* Wald intervals :math:`\\hat\\theta_j \\pm z_{1-\\alpha/2}\\,\\mathrm{se}_j`;
* :math:`\\mathrm{AIC} = -2\\ell + 2k` and :math:`\\mathrm{BIC} = -2\\ell + k\\log n` with
  :math:`k` the estimated parameters;
* what :func:`rglm.inference.hypothesis.wald_test`, :func:`~rglm.inference.hypothesis.lr_test`,
  :func:`rglm.output.tidy.tidy`, :func:`~rglm.output.tidy.glance` and
  :func:`rglm.output.report.compare` read.

The core knows nothing about IRLS, formulas or data frames.  A model plugs in by
subclassing it and implementing the hooks (see :class:`ResultCore`); multinomial
coefficients (a matrix), ordinal thresholds or a beta model's precision coefficients are
all entries of the one flat vector, and :meth:`ResultCore.param_groups` says how a model
presents them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from rglm.exceptions import ArgumentError, DataError, warn
from rglm.numerics.format import coef_matrix_lines

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["ResultCore", "computed_once", "confidence_level"]

T = TypeVar("T", pd.Series, pd.DataFrame)


class computed_once(Generic[T]):
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
        out: T = self.cached(obj).copy()
        return out

    def cached(self, obj: Any) -> T:
        """The cached value itself, not a copy: for rglm's own reading, never to hand out."""
        cache = obj.__dict__.setdefault("_cache", {})
        if self.name not in cache:
            cache[self.name] = self.func(obj)
        value: T = cache[self.name]
        return value


class ResultCore:
    """A fitted model's estimates, covariance and likelihood, and what follows from them.

    Immutable: attributes are fixed at construction (write them with ``self.__dict__``)
    and everything else is derived on first use and cached.

    A model implements these hooks:

    ``param_names``
        Names of the entries of the flat parameter vector.
    ``param_vector()``
        The estimates, NaN for a parameter that is not estimable (R's NA).
    ``vcov_matrix()``
        Their covariance, NaN rows and columns for the non-estimable ones.
    ``nobs``, ``df_resid``
        Observations, and residual degrees of freedom (the t tests' df when ``use_t``).
    ``llf``, ``n_params``
        The maximised log-likelihood and the number of estimated parameters :math:`k`.

    and may override ``use_t`` (False: z tests), ``nobs_bic`` (``nobs``), ``deviance``
    (:math:`-2\\ell`), ``scale`` and ``dispersion_is_estimated`` (1 and False: the
    likelihood-ratio statistic is :math:`\\Delta D`), ``label`` (a one-line description,
    e.g. the formula), ``check_comparable`` (what two nested fits must share),
    ``glance_row`` (the model-level statistics), ``param_groups`` (how the parameters are
    presented, e.g. coefficients and thresholds) and ``without_data``.
    """

    # -- hooks --------------------------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        """Names of the parameters, in the order of :meth:`param_vector`."""
        raise NotImplementedError

    def param_vector(self) -> FloatArray:
        """The flat vector of estimates :math:`\\hat\\theta` (NaN where not estimable)."""
        raise NotImplementedError

    def vcov_matrix(self) -> FloatArray:
        """The covariance :math:`V` of :math:`\\hat\\theta`."""
        raise NotImplementedError

    @property
    def nobs(self) -> int:
        """Number of observations."""
        raise NotImplementedError

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom."""
        raise NotImplementedError

    @property
    def llf(self) -> float:
        """Maximised log-likelihood :math:`\\ell` (NaN when there is none)."""
        raise NotImplementedError

    @property
    def n_params(self) -> int:
        """:math:`k`, the parameters counted by AIC and BIC."""
        raise NotImplementedError

    @property
    def use_t(self) -> bool:
        """Whether the Wald statistics are referred to :math:`t_{\\mathrm{df\\_resid}}` rather
        than the normal."""
        return False

    @property
    def nobs_bic(self) -> int:
        """:math:`n` in BIC's :math:`k\\log n`."""
        return self.nobs

    @property
    def deviance(self) -> float:
        """The deviance compared by likelihood-ratio tests, :math:`-2\\ell` by default."""
        return -2.0 * self.llf

    @property
    def scale(self) -> float:
        """The dispersion :math:`\\phi` dividing a deviance difference (1 by default)."""
        return 1.0

    @property
    def dispersion_is_estimated(self) -> bool:
        """Whether :math:`\\phi` was estimated (then a likelihood-ratio test defaults to F)."""
        return False

    @property
    def label(self) -> str:
        """A one-line description of the model (its formula)."""
        return ""

    def check_comparable(self, other: ResultCore) -> None:
        """Raise unless ``other`` was fitted to the same observations, so that a
        likelihood-ratio test between the two is meaningful."""
        if not (isinstance(other, type(self)) or isinstance(self, type(other))):
            raise ArgumentError(
                f"a likelihood-ratio test compares two fits of the same model, not a "
                f"{type(self).__name__} and a {type(other).__name__}"
            )
        if self.nobs != other.nobs:
            raise DataError(
                f"the models were fitted to different numbers of observations ({self.nobs} and "
                f"{other.nobs}); refit both on the same rows"
            )

    def glance_row(self) -> dict[str, Any]:
        """Model-level statistics for :func:`rglm.output.tidy.glance`, in column order."""
        return {
            "logLik": self.llf,
            "AIC": self.aic,
            "BIC": self.bic,
            "deviance": self.deviance,
            "df_residual": self.df_resid,
            "nobs": self.nobs,
        }

    def param_groups(self) -> Mapping[str, list[str]]:
        """How the parameters are presented: heading -> names (one group by default; an
        ordinal model would add its thresholds, a beta model its precision coefficients)."""
        return {"Coefficients": self.param_names}

    def without_data(self) -> ResultCore:
        """The same result without a reference to the data it was fitted from."""
        return self

    # -- immutability -------------------------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot set {key!r}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot delete {key!r}")

    # -- the coefficient table ----------------------------------------------------------------------
    def param_index(self) -> pd.Index:
        """The parameter names as a pandas Index, made once (an Index is immutable, so every
        Series and table of the result shares it)."""
        cache = self.__dict__.setdefault("_cache", {})
        index = cache.get("_param_index")
        if index is None:
            index = cache["_param_index"] = pd.Index(self.param_names)
        out: pd.Index = index
        return out

    def coef_series(self, values: Any, name: str | None = None) -> pd.Series:
        """``values`` (one per parameter) as a Series indexed by the parameter names."""
        out: pd.Series = pd.Series(values, index=self.param_index(), name=name)
        return out

    @computed_once
    def params(self) -> pd.Series:
        """The estimates :math:`\\hat\\theta`; NaN where not estimable (R's NA)."""
        return self.coef_series(self.param_vector().copy(), "params")

    @computed_once
    def aliased(self) -> pd.Series:
        """True for the parameters that are not estimable."""
        return self.coef_series(np.isnan(self.param_vector()), "aliased")

    def cov_params(self) -> pd.DataFrame:
        """The covariance :math:`V` of the estimates (R's ``vcov``)."""
        names = self.param_names
        out: pd.DataFrame = pd.DataFrame(self.vcov_matrix().copy(), index=names, columns=names)
        return out

    @computed_once
    def bse(self) -> pd.Series:
        """Standard errors :math:`\\sqrt{V_{jj}}`."""
        var = np.diag(self.vcov_matrix())
        with np.errstate(invalid="ignore"):
            return self.coef_series(np.sqrt(var), "bse")

    @computed_once
    def tvalues(self) -> pd.Series:
        """Wald statistics :math:`\\hat\\theta_j / \\mathrm{se}_j` (z or t, see ``use_t``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.coef_series(self.params.to_numpy() / self.bse.to_numpy(), "tvalues")

    @computed_once
    def pvalues(self) -> pd.Series:
        """Two-sided p-values: :math:`2\\Phi(-|z|)`, or :math:`2F_{t,\\nu}(-|t|)` with
        :math:`\\nu` = ``df_resid`` when ``use_t`` (NaN when :math:`\\nu \\le 0`)."""
        t = np.abs(self.tvalues.to_numpy())
        if not self.use_t:
            p = 2.0 * special.ndtr(-t)
        elif self.df_resid > 0:
            p = 2.0 * special.stdtr(self.df_resid, -t)
        else:
            p = np.full_like(t, np.nan)
        return self.coef_series(p, "pvalues")

    def _read(self, name: str) -> FloatArray:
        """The values of the per-parameter attribute ``name`` (a :class:`computed_once`, or a
        subclass's own property), for building a table that copies them."""
        attr = getattr(type(self), name, None)
        series = attr.cached(self) if isinstance(attr, computed_once) else getattr(self, name)
        values: FloatArray = series.to_numpy()
        return values

    def coef_table(self) -> pd.DataFrame:
        """R's coefficient matrix: ``Estimate``, ``Std. Error``, ``z value`` or ``t value``
        and ``Pr(>|z|)`` or ``Pr(>|t|)``, one row per parameter."""
        stat, pcol = ("t value", "Pr(>|t|)") if self.use_t else ("z value", "Pr(>|z|)")
        # The cached columns, read without a copy each: the table holds its own copy of them.
        columns = {
            "Estimate": self._read("params"),
            "Std. Error": self._read("bse"),
            stat: self._read("tvalues"),
            pcol: self._read("pvalues"),
        }
        out: pd.DataFrame = pd.DataFrame(columns, index=self.param_index())
        return out

    def coef_lines(self, names: list[str] | None = None) -> list[str]:
        """The coefficient table (or the rows ``names``) printed as R's ``printCoefmat``."""
        table = self.coef_table()
        aliased = self.aliased
        if names is not None:
            table, aliased = table.loc[names], aliased.loc[names]
        return coef_matrix_lines(
            table.iloc[:, 0].to_numpy(),
            table.iloc[:, 1].to_numpy(),
            table.iloc[:, 2].to_numpy(),
            table.iloc[:, 3].to_numpy(),
            row_names=list(table.index),
            col_names=list(table.columns),
            aliased=list(aliased.to_numpy()),
        )

    def select_params(self, params: Any) -> list[str]:
        """Parameter names from names or positions, with a clear error for unknown ones."""
        names = self.param_names
        items = [params] if isinstance(params, (str, int, np.integer)) else list(params)
        out = []
        for item in items:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                if not -len(names) <= item < len(names):
                    raise ArgumentError(
                        f"coefficient position {item} is out of range; the model has {len(names)}"
                    )
                out.append(names[item])
            elif item in names:
                out.append(str(item))
            else:
                raise ArgumentError(f"no coefficient named {item!r}; the coefficients are {', '.join(names)}")
        return out

    def conf_int(
        self,
        level: float | None = None,
        method: str = "wald",
        params: Any = None,
        *,
        alpha: float | None = None,
    ) -> pd.DataFrame:
        """Wald intervals :math:`\\hat\\theta_j \\pm z_{1-\\alpha/2}\\,\\mathrm{se}_j` with the
        normal quantile (R's ``confint.default``) of coverage ``level`` (default 0.95; rglm's one
        keyword for a confidence level, as R's ``level``; ``alpha = 1 - level`` is accepted
        with a DeprecationWarning); ``params`` selects parameters by name or position (all by
        default)."""
        alpha = 1.0 - confidence_level(level, alpha=alpha)
        if method != "wald":
            raise ArgumentError(f"unknown interval method {method!r}; this model has 'wald' intervals")
        return self.wald_conf_int(alpha, params)

    def wald_conf_int(self, alpha: float, params: Any = None) -> pd.DataFrame:
        """The Wald intervals of :meth:`conf_int` (``alpha`` already checked)."""
        q = float(special.ndtri(1 - alpha / 2))
        b, se = self.params.to_numpy(), self.bse.to_numpy()
        out = pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=pd.Index(self.param_names))
        picked: pd.DataFrame = out if params is None else out.loc[self.select_params(params)]
        return picked

    # -- information criteria -------------------------------------------------------------------
    @cached_property
    def aic(self) -> float:
        """Akaike's criterion :math:`-2\\ell + 2k`."""
        return -2.0 * self.llf + 2.0 * self.n_params

    @cached_property
    def bic(self) -> float:
        """Schwarz's criterion :math:`-2\\ell + k\\log n` (:math:`n` = ``nobs_bic``)."""
        return -2 * self.llf + math.log(self.nobs_bic) * self.n_params


def confidence_level(level: Any = None, *, alpha: Any = None, conf_level: Any = None) -> float:
    """The coverage of an interval from rglm's keyword ``level`` (R's: ``confint(level=)``,
    ``predict(level=)``), accepting statsmodels' ``alpha`` (:math:`1 - \\text{level}`) and
    broom's ``conf_level`` with a DeprecationWarning that names ``level``."""
    given = [k for k, v in (("level", level), ("alpha", alpha), ("conf_level", conf_level)) if v is not None]
    if len(given) > 1:
        raise ArgumentError(f"give one of {' and '.join(given)}; rglm's keyword is level= (e.g. level=0.95)")
    value: Any = 0.95 if not given else {"level": level, "alpha": alpha, "conf_level": conf_level}[given[0]]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0 < value < 1
    ):
        raise ArgumentError(
            f"{given[0] if given else 'level'} must be a number between 0 and 1, got {value!r}"
        )
    if given and given[0] == "alpha":
        warn(
            f"alpha= is accepted for statsmodels' users; rglm's keyword is level= "
            f"(alpha={value} is level={1 - value:g})",
            DeprecationWarning,
        )
        return 1.0 - float(value)
    if given and given[0] == "conf_level":
        warn(
            f"conf_level= is accepted for broom's users; rglm's keyword is level= (level={value:g})",
            DeprecationWarning,
        )
    elif given and float(value) < 0.5:
        raise ArgumentError(
            f"level is the coverage of the interval (e.g. 0.95), got {value!r}; for alpha={value} write "
            f"level={1 - float(value):g}"
        )
    return float(value)
