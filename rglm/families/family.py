"""GLM families: a variance function and a link, plus R's starting values, deviance and AIC.

Each class reproduces the R family object of the same name (``binomial()``, ``Gamma()``,
``statmod::tweedie()``, ``MASS::negative.binomial()``, ...): the same ``initialize``
expression (which decides the starting means and so the iteration count), the same unit
deviances, and the same ``aic`` function, so that rglm's AIC and log-likelihood equal R's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import DomainError, FamilyError, NonIntegerWarning, warn
from rglm.families.densities import log_dbinom, log_dgamma, log_dpois
from rglm.families.links import Inverse, Link, LinkLike, Log, Power, get_link
from rglm.families.variance import (
    Constant,
    Mu,
    MuCubed,
    MuOneMinusMu,
    MuSquared,
    NegBinVariance,
    PowerVariance,
    VarianceFunction,
    get_variance,
    y_log_y_fast,
)
from rglm.numerics import rmath as _rmath

FloatArray = npt.NDArray[np.float64]

#: R's threshold for fitted means "numerically" at 0 or 1: ``10 * .Machine$double.eps``.
_EPS10 = 10 * float(np.finfo(np.float64).eps)

__all__ = [
    "AICTotals",
    "Binomial",
    "Family",
    "Gamma",
    "Gaussian",
    "Initialized",
    "InverseGaussian",
    "NegativeBinomial",
    "Poisson",
    "Quasi",
    "QuasiBinomial",
    "QuasiPoisson",
    "Tweedie",
    "get_family",
]


@dataclass(frozen=True)
class Initialized:
    """What R's ``family$initialize`` leaves behind.

    Attributes
    ----------
    y : ndarray
        The response as IRLS sees it: proportions for a two-column binomial response.
    weights : ndarray
        Prior weights, multiplied by the number of trials for a two-column binomial response.
    mustart : ndarray or None
        Starting values of the mean; None where a fit over row blocks computes them block by
        block instead (every family's are elementwise in ``y`` and the weights, so the values
        are the same), and so holds no array of them through its passes.
    n : ndarray
        Binomial trials per row (ones for other families), used by the binomial AIC.
    """

    y: FloatArray
    weights: FloatArray
    mustart: FloatArray | None
    n: FloatArray


@dataclass(frozen=True)
class AICTotals:
    """The whole-data values in R's ``family$aic`` beyond sums over rows.

    Attributes
    ----------
    deviance : float
        The fit's deviance :math:`D` (the Gaussian, Gamma and inverse Gaussian AIC use :math:`D/n`
        or :math:`D/\\sum w`).
    n_rows : int
        All rows, zero weights included (R's ``nobs`` in the Gaussian AIC).
    sum_w : float
        :math:`\\sum_i w_i` of the prior weights after ``initialize``.
    any_trials : bool
        Some binomial row has more than one trial (R's ``any(n > 1)``).
    """

    deviance: float
    n_rows: int
    sum_w: float
    any_trials: bool

    @classmethod
    def of(cls, y: FloatArray, n: FloatArray, wt: FloatArray, dev: float) -> AICTotals:
        """The totals of data held whole in memory."""
        return cls(
            deviance=dev, n_rows=int(np.size(y)), sum_w=_rmath.rsum(wt), any_trials=bool(np.any(n > 1))
        )


def no_trials(y: FloatArray) -> FloatArray:
    """The trials of a family without them: 1 for every row, as a read-only view of one 1.0
    (the values of ``np.ones_like(y)`` without an array the size of the data)."""
    return np.broadcast_to(np.float64(1.0), np.shape(y))


def _domain_error(
    prefix: str, mask: npt.NDArray[np.bool_], values: FloatArray, suffix: str = ""
) -> DomainError:
    idx = np.flatnonzero(mask)
    return DomainError(prefix, int(idx.size), int(idx[0]), float(values[idx[0]]), suffix)


class Family:
    """Base class of the GLM families.

    Attributes
    ----------
    name : str
        R's family name, as printed in "(Dispersion parameter for NAME family ...)".
    link : Link
    variance : VarianceFunction
    allowed_links : tuple of str
        The links R's family constructor accepts by name.
    fixed_dispersion : bool
        True where R's ``summary.glm`` fixes the dispersion at 1 (binomial, Poisson).
    ll_extra_params : int
        Parameters beyond the coefficients counted in the log-likelihood's degrees of
        freedom (1 for the dispersion of the Gaussian, Gamma and inverse Gaussian).
    """

    name: str = ""
    default_link: str = "identity"
    allowed_links: tuple[str, ...] = ()
    fixed_dispersion: bool = False
    #: Whether :meth:`aic_rows` reads the whole-data deviance (known only after the pass that
    #: computes it), so that the rows' share cannot ride on the pass of the final point.
    aic_rows_read_deviance: bool = False
    ll_extra_params: int = 0
    is_quasi: bool = False

    link: Link
    variance: VarianceFunction

    def __init__(self, link: LinkLike | None = None) -> None:
        object.__setattr__(self, "link", self._checked_link(self.default_link if link is None else link))
        object.__setattr__(self, "variance", self._make_variance())

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; make a new family instead")

    def _make_variance(self) -> VarianceFunction:
        return Constant()

    def _checked_link(self, spec: LinkLike) -> Link:
        link = get_link(spec)
        power_ok = isinstance(link, Power) and "power" in self.allowed_links
        if (
            isinstance(spec, str)
            and self.allowed_links
            and link.name not in self.allowed_links
            and not power_ok
        ):
            allowed = ", ".join(f"'{a}'" for a in self.allowed_links)
            raise FamilyError(
                f"link '{link.name}' not available for {self.name} family; available links are {allowed}"
            )
        return link

    # -- the pieces IRLS needs -------------------------------------------------------------
    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        """Check the response and return R's starting means (``family$initialize``)."""
        y = self._vector_response(y)
        return Initialized(y, weights, self.variance.mustart(y), no_trials(y))

    def _vector_response(self, y: FloatArray) -> FloatArray:
        if y.ndim != 1:
            raise DomainError(
                f"a two-column response is only meaningful for the binomial family, not {self.name}"
            )
        return y

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        """Unit deviances :math:`d_i`; the deviance is :math:`\\sum_i d_i`."""
        return self.variance.dev_resids(y, mu, wt)

    def aic(self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, dev: float) -> float:
        """R's ``family$aic``: :math:`-2\\ell` (plus 2 where R counts the dispersion);
        NaN for quasi families, which have no likelihood.

        It is :meth:`aic_whole` of :meth:`aic_rows`, so that a fit over chunks of rows, which
        adds :meth:`aic_rows` over its chunks, gets the same number."""
        totals = AICTotals.of(y, n, wt, dev)
        return self.aic_whole(self.aic_rows(y, n, mu, wt, totals), totals)

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        """The part of the AIC that is a sum over rows (a chunk's share of it, given the
        whole-data ``totals``); NaN for families without a likelihood."""
        return math.nan

    def aic_whole(self, rows: float, totals: AICTotals) -> float:
        """The AIC from the sum of :meth:`aic_rows` over all rows and the whole-data ``totals``."""
        return rows

    def valid_mu(self, mu: FloatArray) -> bool:
        return self.variance.valid_mu(mu)

    def extreme_fit_message(self, mu_min: float, mu_max: float) -> str | None:
        """R's warning when the fitted means reach the edge of the family's range (binomial
        probabilities numerically 0 or 1, Poisson rates numerically 0), or None."""
        return None

    def valid_eta(self, eta: FloatArray) -> bool:
        return self.link.valid_eta(eta)

    # -- presentation ----------------------------------------------------------------------
    def _args(self) -> str:
        return f'link="{self.link.name}"'

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._args()})"

    def r_call(self) -> str:
        """How the family reads in an R call, e.g. ``binomial(link = "probit")``."""
        if self.link.name == self.default_link:
            return f"{self.name}()"
        return f'{self.name}(link = "{self.link.name}")'

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and repr(other) == repr(self)

    def __hash__(self) -> int:
        return hash(repr(self))


class Gaussian(Family):
    """Normal errors, :math:`V(\\mu) = 1`; AIC :math:`n(\\log(2\\pi D/n) + 1) + 2 - \\sum\\log w`."""

    name = "gaussian"
    default_link = "identity"
    allowed_links = ("inverse", "log", "identity")
    ll_extra_params = 1

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        y = self._vector_response(y)
        if not have_start and (
            (isinstance(self.link, Inverse) and np.any(y == 0))
            or (isinstance(self.link, Log) and np.any(y <= 0))
        ):
            raise DomainError(
                f"cannot find valid starting values for the gaussian family with the {self.link.name} link: "
                "the response has values outside the link's range; please supply start, etastart or mustart"
            )
        return Initialized(y, weights, y.copy(), no_trials(y))

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        with np.errstate(divide="ignore"):
            return -_rmath.rsum(_rmath.log(wt))

    def aic_whole(self, rows: float, totals: AICTotals) -> float:
        nobs = totals.n_rows
        return nobs * (_log_or_minus_inf(totals.deviance / nobs * 2 * math.pi) + 1) + 2 + rows


def _log_or_minus_inf(x: float) -> float:
    """:math:`\\log x`, with R's :math:`\\log 0 = -\\infty` (an exact fit's AIC) where ``math.log`` raises."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


class _BinomialBase(Family):
    default_link = "logit"
    allowed_links = ("logit", "probit", "cloglog", "cauchit", "log")
    warn_non_integer = True

    def _make_variance(self) -> VarianceFunction:
        return MuOneMinusMu()

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        if y.ndim == 2 and y.shape[1] == 2:
            if np.any(y < 0):
                raise _domain_error(
                    "binomial counts must be non-negative", np.any(y < 0, axis=1), y.min(axis=1)
                )
            if self.warn_non_integer and np.any(np.abs(y - np.round(y)) > 1e-3):
                warn(
                    "non-integer counts in a binomial glm: cbind() expects whole numbers of successes and "
                    "failures; use QuasiBinomial() for proportions that are not counts",
                    NonIntegerWarning,
                )
            n = y[:, 0] + y[:, 1]
            with np.errstate(invalid="ignore", divide="ignore"):
                prop = np.where(n == 0, 0.0, y[:, 0] / np.where(n == 0, 1.0, n))
            return Initialized(prop, weights * n, (n * prop + 0.5) / (n + 1), n)
        if y.ndim != 1:
            raise DomainError(
                f"for the '{self.name}' family, y must be a vector of 0 and 1's or a two-column "
                "cbind(successes, failures) response"
            )
        y = np.where(weights == 0, 0.0, y)
        bad = (y < 0) | (y > 1)
        if np.any(bad):
            hint = (
                "; for counts use cbind(successes, failures) or a proportion with weights=trials"
                if np.any(y > 1)
                else ""
            )
            raise _domain_error(f"y values must be 0 <= y <= 1 for the {self.name} family", bad, y, hint)
        m = weights * y
        if self.warn_non_integer and np.any(np.abs(m - np.round(m)) > 1e-3):
            warn(
                "non-integer #successes in a binomial glm: weights * y should be whole numbers; "
                "use QuasiBinomial() for proportions that are not counts",
                NonIntegerWarning,
            )
        return Initialized(y, weights, (weights * y + 0.5) / (weights + 1), no_trials(y))

    def valid_mu(self, mu: FloatArray) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all((mu > 0) & (mu < 1)))


class Binomial(_BinomialBase):
    """Binomial errors, :math:`V(\\mu) = \\mu(1-\\mu)`, dispersion fixed at 1.

    The response is 0/1 (or a proportion with ``weights`` giving the trials), a factor whose
    first level is failure, or ``cbind(successes, failures)``.  AIC is
    :math:`-2\\sum_i (w_i/m_i)\\log f(m_i y_i; m_i, \\mu_i)` with :math:`m_i` the trials.
    """

    name = "binomial"
    fixed_dispersion = True

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        m = n if totals.any_trials else wt
        k = np.round(m * y)
        size = np.round(m)
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = log_dbinom(k, size, mu)
            factor = np.where(m > 0, wt / np.where(m > 0, m, 1.0), 0.0)
            terms = np.where(factor == 0, 0.0, factor * ll)
        return -2.0 * _rmath.rsum(terms)

    def extreme_fit_message(self, mu_min: float, mu_max: float) -> str | None:
        if mu_max > 1 - _EPS10 or mu_min < _EPS10:
            return (
                "fitted probabilities numerically 0 or 1 occurred: the data may be (quasi-)separated, "
                "so some coefficients and standard errors are unreliable; check for a predictor or level "
                "that splits the outcomes perfectly, and remove or merge it, or refit with method='brglm' "
                "(bias-reduced, finite estimates)"
            )
        return None


class QuasiBinomial(_BinomialBase):
    """Binomial variance :math:`\\mu(1-\\mu)` with an estimated dispersion; no likelihood."""

    name = "quasibinomial"
    warn_non_integer = False
    is_quasi = True


class _PoissonBase(Family):
    default_link = "log"
    allowed_links = ("log", "identity", "sqrt")

    def _make_variance(self) -> VarianceFunction:
        return Mu()

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        y = self._vector_response(y)
        if np.any(y < 0):
            raise _domain_error(f"negative values not allowed for the '{self._label}' family", y < 0, y)
        return Initialized(y, weights, y + 0.1, no_trials(y))

    _label = "Poisson"

    def valid_mu(self, mu: FloatArray) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        if _rmath.fast(np.size(y)) and np.size(mu) and np.min(mu) > 0 and np.max(mu) < math.inf:
            # Large fits: the same quantity with in-place operations and no gathers.  With
            # 0 < mu < inf, y = 0 gives 0 * log(1 / mu) = 0, R's value.
            d = y_log_y_fast(y, mu)
            with np.errstate(invalid="ignore"):
                d -= y
                d += mu
                d *= wt
                d *= 2.0
            return d
        r = mu * wt
        pos = y > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            full = wt * (y * _rmath.log(np.where(pos, y, 1.0) / mu) - (y - mu))
        return 2.0 * np.where(pos, full, r)


class Poisson(_PoissonBase):
    """Poisson errors, :math:`V(\\mu) = \\mu`, dispersion fixed at 1;
    AIC :math:`-2\\sum_i w_i \\log f(y_i; \\mu_i)`."""

    name = "poisson"
    fixed_dispersion = True

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        whole = y == np.floor(y)
        if not np.all(whole | (wt == 0)):
            # R's dpois warns "non-integer x = %f" for each such count; its AIC is then Inf.
            bad = y[~whole & (wt != 0)]
            more = f" (and {bad.size - 1} more non-integer counts)" if bad.size > 1 else ""
            warn(
                f"non-integer x = {bad[0]:f}{more}: the Poisson likelihood and AIC need counts",
                NonIntegerWarning,
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = log_dpois(y, mu)  # a new array: weighted in place (large fits' n values)
            terms *= wt
            terms[wt == 0] = 0.0
        return -2.0 * _rmath.rsum(terms)

    def extreme_fit_message(self, mu_min: float, mu_max: float) -> str | None:
        if mu_min < _EPS10:
            return (
                "fitted rates numerically 0 occurred: some cells have zero counts that the model fits "
                "exactly, so some coefficients tend to minus infinity; check for levels with no events "
                "and merge or remove them"
            )
        return None


class QuasiPoisson(_PoissonBase):
    """Poisson variance :math:`\\mu` with an estimated dispersion; no likelihood."""

    name = "quasipoisson"
    _label = "quasiPoisson"
    is_quasi = True


class _PositiveResponse(Family):
    """Families for positive responses, started at :math:`\\mu = y` (Gamma, inverse Gaussian)."""

    _nonpositive: str = ""

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        y = self._vector_response(y)
        if np.any(y <= 0):
            raise _domain_error(self._nonpositive, y <= 0, y)
        return Initialized(y, weights, y.copy(), no_trials(y))


class Gamma(_PositiveResponse):
    """Gamma errors, :math:`V(\\mu) = \\mu^2`.  AIC uses the dispersion :math:`D/\\sum w`:
    :math:`-2\\sum_i w_i \\log f(y_i; 1/\\phi, \\mu_i\\phi) + 2`."""

    name = "Gamma"
    default_link = "inverse"
    allowed_links = ("inverse", "log", "identity")
    ll_extra_params = 1
    _nonpositive = "non-positive values not allowed for the 'Gamma' family"

    def _make_variance(self) -> VarianceFunction:
        return MuSquared()

    def valid_mu(self, mu: FloatArray) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))

    def dev_resids(self, y: FloatArray, mu: FloatArray, wt: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -2.0 * wt * (_rmath.log(np.where(y == 0, 1.0, y / mu)) - (y - mu) / mu)

    aic_rows_read_deviance = True

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        # NumPy division: an exact fit (deviance 0) gives shape inf and scale 0, whose density
        # is NaN (R's dgamma), not a ZeroDivisionError.
        disp = np.float64(totals.deviance) / np.float64(totals.sum_w)
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = log_dgamma(y, float(np.float64(1.0) / disp), mu * disp)
            terms = np.where(wt == 0, 0.0, ll * wt)
        return -2.0 * _rmath.rsum(terms)

    def aic_whole(self, rows: float, totals: AICTotals) -> float:
        return rows + 2.0


class InverseGaussian(_PositiveResponse):
    """Inverse Gaussian errors, :math:`V(\\mu) = \\mu^3`; AIC
    :math:`\\sum w(\\log(2\\pi\\phi) + 1) + 3\\sum w\\log y + 2` with :math:`\\phi = D/\\sum w`."""

    name = "inverse.gaussian"
    default_link = "1/mu^2"
    allowed_links = ("inverse", "log", "identity", "1/mu^2")
    ll_extra_params = 1
    _nonpositive = "positive values only are allowed for the 'inverse.gaussian' family"

    def _make_variance(self) -> VarianceFunction:
        return MuCubed()

    def valid_mu(self, mu: FloatArray) -> bool:
        return True  # R's inverse.gaussian() accepts any mean; the link guards eta

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 3 * _rmath.rsum(_rmath.log(y) * wt)

    def aic_whole(self, rows: float, totals: AICTotals) -> float:
        sw = totals.sum_w
        return sw * (1 + _log_or_minus_inf(totals.deviance / sw * 2 * math.pi)) + rows + 2


class Quasi(Family):
    """R's ``quasi(link, variance)``: any link with one of the variances ``"constant"``,
    ``"mu(1-mu)"``, ``"mu"``, ``"mu^2"``, ``"mu^3"``; dispersion estimated, no likelihood."""

    name = "quasi"
    default_link = "identity"
    allowed_links = ("logit", "probit", "cloglog", "identity", "inverse", "log", "1/mu^2", "sqrt", "power")
    is_quasi = True
    _variance_spec: VarianceFunction

    def __init__(self, variance: str | VarianceFunction = "constant", link: LinkLike | None = None) -> None:
        object.__setattr__(self, "_variance_spec", get_variance(variance))
        super().__init__(link)

    def _make_variance(self) -> VarianceFunction:
        return self._variance_spec

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        y = self._vector_response(y)
        return Initialized(y, weights, self.variance.mustart(y), no_trials(y))

    def _args(self) -> str:
        return f'variance="{self.variance.name}", link="{self.link.name}"'

    def r_call(self) -> str:
        return f'quasi(link = "{self.link.name}", variance = "{self.variance.name}")'


class Tweedie(Family):
    """Tweedie family of ``statmod::tweedie``: :math:`V(\\mu) = \\mu^p` with a power link.

    Parameters
    ----------
    var_power : float
        The variance power :math:`p` (0 Gaussian, 1 Poisson, 2 Gamma, 3 inverse Gaussian,
        between 1 and 2 the compound Poisson-gamma).
    link : str or Link, default "log"
        ``"log"``, ``"identity"``, ``"inverse"`` or any link object.
    link_power : float, optional
        statmod's ``link.power`` :math:`\\lambda`: the link :math:`\\eta = \\mu^\\lambda`
        (:math:`\\lambda = 0` is the log link).  Overrides ``link``.
    """

    name = "Tweedie"
    default_link = "log"
    allowed_links = ()
    var_power: float

    def __init__(
        self, var_power: float = 0.0, link: LinkLike | None = None, link_power: float | None = None
    ) -> None:
        p = float(var_power)
        if not math.isfinite(p) or 0 < p < 1:
            raise FamilyError(
                f"Tweedie var_power must be 0 or at least 1 (no distribution exists in (0, 1)), got {p}"
            )
        object.__setattr__(self, "var_power", p)
        if link_power is not None:
            lam = float(link_power)
            link = Log() if lam == 0 else Power(lmbda=lam, clamp=False, name=f"mu^{lam:g}")
        super().__init__(link)

    def _make_variance(self) -> VarianceFunction:
        return PowerVariance(name=f"mu^{self.var_power:g}", p=self.var_power)

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        y = self._vector_response(y)
        p = self.var_power
        if p >= 1 and np.any(y < 0):
            raise _domain_error(
                f"negative values not allowed for the Tweedie family with var_power={p:g}", y < 0, y
            )
        return Initialized(y, weights, y + 0.1 * (y == 0), no_trials(y))

    def _args(self) -> str:
        return f'var_power={self.var_power:g}, link="{self.link.name}"'

    def r_call(self) -> str:
        lam = 0.0 if isinstance(self.link, Log) else getattr(self.link, "lmbda", 1.0)
        return f"tweedie(var.power = {self.var_power:g}, link.power = {lam:g})"


def _positive_or_none(value: Any, what: str) -> float | None:
    """``value`` as a positive finite float, or None; a clear error otherwise."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise FamilyError(f"{what} must be a positive number, got {value!r}") from None
    if isinstance(value, bool) or not (math.isfinite(v) and v > 0):
        raise FamilyError(f"{what} must be a positive number, got {value!r}")
    return v


class NegativeBinomial(Family):
    """Negative binomial errors with :math:`V(\\mu) = \\mu + \\mu^2/\\theta`
    (``MASS::negative.binomial(theta)``).

    AIC :math:`2\\sum_i w_i[(y_i+\\theta)\\log(\\mu_i+\\theta) - y_i\\log\\mu_i + \\log y_i!
    - \\theta\\log\\theta + \\log\\Gamma(\\theta) - \\log\\Gamma(\\theta + y_i)]`.
    With ``theta=None`` the fit estimates :math:`\\theta`, as ``MASS::glm.nb`` does (see
    :mod:`rglm.fit.negbin`), starting from a Poisson fit or, given ``init_theta``, from the
    negative binomial with that :math:`\\theta`.
    """

    default_link = "log"
    allowed_links = ("log", "identity", "sqrt")
    theta: float | None
    init_theta: float | None

    def __init__(
        self, theta: float | None = None, link: LinkLike | None = None, init_theta: float | None = None
    ) -> None:
        object.__setattr__(self, "theta", _positive_or_none(theta, "theta"))
        object.__setattr__(self, "init_theta", _positive_or_none(init_theta, "init_theta"))
        if theta is not None and init_theta is not None:
            raise FamilyError(
                "init_theta is the starting value when theta is estimated; give a fixed theta or "
                "init_theta, not both"
            )
        super().__init__(link)

    @property
    def name(self) -> str:  # type: ignore[override]
        th = self.theta
        return (
            "Negative Binomial" if th is None else f"Negative Binomial({float(f'{round(th, 4):.15g}'):.7g})"
        )

    @property
    def _theta_value(self) -> float:
        return 1.0 if self.theta is None else self.theta

    def _make_variance(self) -> VarianceFunction:
        return NegBinVariance(theta=self._theta_value)

    def initialize(self, y: FloatArray, weights: FloatArray, *, have_start: bool = False) -> Initialized:
        y = self._vector_response(y)
        if np.any(y < 0):
            raise _domain_error("negative values not allowed for the negative binomial family", y < 0, y)
        return Initialized(y, weights, y + (y == 0) / 6.0, no_trials(y))

    def aic_rows(
        self, y: FloatArray, n: FloatArray, mu: FloatArray, wt: FloatArray, totals: AICTotals
    ) -> float:
        th = self._theta_value
        with np.errstate(divide="ignore", invalid="ignore"):
            term = (
                (y + th) * _rmath.log(mu + th)
                - y * _rmath.log(mu)
                + special.gammaln(y + 1)
                - th * math.log(th)
                + special.gammaln(th)
                - special.gammaln(th + y)
            )
        return 2.0 * _rmath.rsum(term * wt)

    def _args(self) -> str:
        extra = "" if self.init_theta is None else f", init_theta={self.init_theta!r}"
        return f'theta={self.theta!r}, link="{self.link.name}"{extra}'

    def r_call(self) -> str:
        return f"negative.binomial(theta = {self.theta:g})"


_FAMILIES: dict[str, type[Family]] = {
    "gaussian": Gaussian,
    "binomial": Binomial,
    "poisson": Poisson,
    "gamma": Gamma,
    "inverse.gaussian": InverseGaussian,
    "inverse_gaussian": InverseGaussian,
    "inversegaussian": InverseGaussian,
    "quasibinomial": QuasiBinomial,
    "quasipoisson": QuasiPoisson,
    "quasi": Quasi,
    "tweedie": Tweedie,
    "negativebinomial": NegativeBinomial,
    "negative.binomial": NegativeBinomial,
    "negbin": NegativeBinomial,
}


def get_family(spec: str | Family | type[Family], link: LinkLike | None = None) -> Family:
    """A family from R's name (``"poisson"``, ``"Gamma"``, ``"inverse.gaussian"``, ...), a
    class or an instance."""
    if isinstance(spec, Family):
        if link is not None:
            raise FamilyError("give the link inside the family object, e.g. Binomial(link='probit')")
        return spec
    if isinstance(spec, type) and issubclass(spec, Family):
        return spec(link=link)
    if not isinstance(spec, str):
        raise FamilyError(f"family must be a name or a rglm family, got {type(spec).__name__}")
    key = spec.strip().lower().replace(" ", "")
    if key not in _FAMILIES:
        known = ", ".join(sorted({c.__name__ for c in _FAMILIES.values()}))
        raise FamilyError(f"unknown family {spec!r}; known families are {known}")
    return _FAMILIES[key](link=link)
