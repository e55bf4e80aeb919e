"""Shared machinery of the statsmodels-parity suite.

A :class:`Case` describes one model twice: as an rglm call and as the statsmodels call that
defines *the same* model.  :func:`fit_case` fits both (cached, so the many comparisons of a
case cost one fit) and the ``check_*`` functions compare one group of results each.

Convergence
-----------
statsmodels is iterated until its coefficients change by less than ``1e-13`` (relative
and absolute), i.e. to machine precision; rglm until R's criterion
``|D - D_old| / (|D| + 0.1)`` falls below ``FIT_TOL = 1e-15`` (a few units in the last
place of the deviance).  Both are needed: with the usual ``tol=1e-8`` (or even ``1e-10``)
the deviance criterion stops the linearly converging non-canonical links (identity, sqrt,
cloglog, cauchit, power) while the coefficients are still ~1e-6 standard errors from the
optimum, and the covariance, which R and statsmodels both take from the working weights
of the penultimate iterate, is then only ~1e-6 accurate as well.  At these settings the two
packages agree to ~1e-8 relative on every statistic.  (R's QR rank tolerance is
``min(1e-7, tol/1000)``, so at ``tol=1e-15`` exact collinearity would no longer be detected;
the aliasing tests therefore fit with ``tol=1e-11``.)

Tolerances
----------
Every comparison uses ``rtol = RTOL = 1e-6``.  Quantities whose true value may be (near)
zero, where a relative error is meaningless, also get an absolute tolerance of RTOL times
their own standard error -- "agree to a millionth, relatively or in standard errors":

* coefficients: ``RTOL * se(b)`` (balanced designs have coefficients that are exactly 0
  in theory and rounding noise in practice, e.g. the treatment effects in R's ?glm Dobson
  example); t statistics: ``RTOL`` (they are in standard-error units);
* linear predictors, fitted values and predictions: ``RTOL * se_fit``;
* residuals: ``RTOL * se(mu_i)`` times the residual's derivative with respect to
  ``mu_i`` (1, ``|g'(mu)|``, ``sqrt(w/V(mu))``), i.e. the change a ``RTOL * se`` shift of
  the fitted mean makes in that residual;
* covariances: ``RTOL * sqrt(c_ii c_jj)`` (correlations agree to RTOL);
* confidence bounds ``b -/+ z se``: ``RTOL * (|b| + z se)``.

The observed agreement is 10-100 times inside these bounds.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.tools.sm_exceptions import DomainWarning

import rglm

RTOL = 1e-6
FIT_TOL = 1e-15
SM_PARAM_TOL = 1e-13
MAXITER = 100

L = sm.families.links

# -----------------------------------------------------------------------------------------
# families and links
# -----------------------------------------------------------------------------------------


def sm_link(name: str) -> Any:
    """The statsmodels link equivalent to R's link ``name``."""
    simple = {
        "logit": L.Logit,
        "probit": L.Probit,
        "cauchit": L.Cauchy,
        "cloglog": L.CLogLog,
        "log": L.Log,
        "identity": L.Identity,
        "inverse": L.InversePower,
        "sqrt": L.Sqrt,
        "1/mu^2": L.InverseSquared,
    }
    if name in simple:
        return simple[name]()
    if name.startswith("power(") and name.endswith(")"):
        return L.Power(power=_power_lambda(name))
    raise KeyError(name)


def _power_lambda(name: str) -> float:
    num, _, den = name[len("power(") : -1].partition("/")
    return float(num) / (float(den) if den else 1.0)


#: R's links per family (the links each rglm family accepts by name).
ALLOWED_LINKS: dict[str, tuple[str, ...]] = {
    "gaussian": ("identity", "log", "inverse"),
    "binomial": ("logit", "probit", "cloglog", "cauchit", "log"),
    "quasibinomial": ("logit", "probit", "cloglog", "cauchit", "log"),
    "poisson": ("log", "identity", "sqrt"),
    "quasipoisson": ("log", "identity", "sqrt"),
    "gamma": ("inverse", "log", "identity"),
    "inverse_gaussian": ("1/mu^2", "inverse", "log", "identity"),
    "negbin": ("log", "identity", "sqrt"),
}

#: statsmodels family with the same variance function as R's ``quasi(variance=)``.
_QUASI_SM = {
    "constant": sm.families.Gaussian,
    "mu": sm.families.Poisson,
    "mu^2": sm.families.Gamma,
    "mu^3": sm.families.InverseGaussian,
    "mu(1-mu)": sm.families.Binomial,
}


@dataclass(frozen=True)
class Fam:
    """One family/link, as rglm and as statsmodels.

    ``sm_as`` names the statsmodels family to compare a Tweedie fit with: ``"tweedie"``
    (statsmodels' own Tweedie) or a classical family with the same variance function.
    """

    family: str
    link: str
    theta: float | None = None
    var_power: float | None = None
    variance: str | None = None
    sm_as: str | None = None

    @property
    def label(self) -> str:
        extra = ""
        if self.theta is not None:
            extra = f"(theta={self.theta:g})"
        elif self.var_power is not None:
            other = self.sm_as if self.sm_as and self.sm_as != "tweedie" else None
            extra = f"(p={self.var_power:g}{',sm=' + other if other else ''})"
        elif self.variance is not None:
            extra = f"({self.variance})"
        return f"{self.family}{extra}-{self.link}"

    def _rglm_link(self) -> Any:
        # R's families other than quasi() take a power link as a link object, not by name.
        if self.link.startswith("power(") and self.family != "quasi":
            return rglm.families.links.power(_power_lambda(self.link))
        return self.link

    def rglm(self) -> rglm.Family:
        link = self._rglm_link()
        f = self.family
        if f == "gaussian":
            return rglm.Gaussian(link=link)
        if f == "binomial":
            return rglm.Binomial(link=link)
        if f == "quasibinomial":
            return rglm.QuasiBinomial(link=link)
        if f == "poisson":
            return rglm.Poisson(link=link)
        if f == "quasipoisson":
            return rglm.QuasiPoisson(link=link)
        if f == "gamma":
            return rglm.Gamma(link=link)
        if f == "inverse_gaussian":
            return rglm.InverseGaussian(link=link)
        if f == "negbin":
            return rglm.NegativeBinomial(theta=self.theta, link=link)
        if f == "tweedie":
            if self.link.startswith("power("):
                return rglm.Tweedie(var_power=self.var_power, link_power=_power_lambda(self.link))
            return rglm.Tweedie(var_power=self.var_power, link=link)
        if f == "quasi":
            return rglm.Quasi(variance=self.variance, link=link)
        raise KeyError(f)

    def sm(self) -> Any:
        link = sm_link(self.link)
        F = sm.families
        f = self.family
        # check_link=False: statsmodels refuses links outside its list for some families
        # (power links for Gaussian, Poisson, Gamma) although the model is well defined.
        ck = {"check_link": False}
        if f == "gaussian":
            return F.Gaussian(link=link, **ck)
        if f in ("binomial", "quasibinomial"):
            return F.Binomial(link=link, **ck)
        if f in ("poisson", "quasipoisson"):
            return F.Poisson(link=link, **ck)
        if f == "gamma":
            return F.Gamma(link=link, **ck)
        if f == "inverse_gaussian":
            return F.InverseGaussian(link=link, **ck)
        if f == "negbin":
            # MASS::negative.binomial(theta): V = mu + mu^2/theta; statsmodels: mu + alpha mu^2.
            return F.NegativeBinomial(alpha=1.0 / self.theta, link=link, **ck)
        if f == "tweedie":
            as_ = self.sm_as or "tweedie"
            if as_ == "tweedie":
                return F.Tweedie(var_power=self.var_power, link=link, eql=False, **ck)
            return {
                "gaussian": F.Gaussian,
                "poisson": F.Poisson,
                "gamma": F.Gamma,
                "inverse_gaussian": F.InverseGaussian,
            }[as_](link=link, **ck)
        if f == "quasi":
            return _QUASI_SM[self.variance](link=link, **ck)
        raise KeyError(f)

    @property
    def estimated_scale(self) -> bool:
        """R's summary.glm fixes the dispersion at 1 only for binomial and Poisson; it is
        estimated for everything else, negative.binomial(theta) included."""
        return self.family not in ("binomial", "poisson")

    @property
    def likelihood(self) -> str | None:
        """Which closed-form log-likelihood R's ``logLik`` uses (None: R gives NA)."""
        if self.family in ("quasibinomial", "quasipoisson", "quasi", "tweedie"):
            return None
        return self.family


# -----------------------------------------------------------------------------------------
# cases
# -----------------------------------------------------------------------------------------

CountsFn = Callable[[pd.DataFrame], "tuple[np.ndarray, np.ndarray, np.ndarray]"]


def cbind_counts(succ: str, fail: str, weights: str | None = None) -> CountsFn:
    """(successes, trials, prior weights) of a ``cbind(succ, fail)`` response."""

    def fn(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = d[succ].to_numpy(float)
        m = k + d[fail].to_numpy(float)
        w = np.ones(len(d)) if weights is None else d[weights].to_numpy(float)
        return k, m, w

    return fn


def proportion_counts(prop: str, trials: str) -> CountsFn:
    """A proportion response with the trials as prior weights: R's same binomial model."""

    def fn(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = d[trials].to_numpy(float)
        return np.round(d[prop].to_numpy(float) * m), m, np.ones(len(d))

    return fn


def bernoulli_counts(y: str, weights: str | None = None) -> CountsFn:
    def fn(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        yy = d[y].to_numpy(float)
        w = np.ones(len(d)) if weights is None else d[weights].to_numpy(float)
        return yy, np.ones(len(d)), w

    return fn


@dataclass(frozen=True)
class Case:
    """One model, as an rglm call and as the statsmodels call defining the same model.

    Attributes
    ----------
    rformula, smformula :
        rglm's formula (formulaic, ``cbind()``, ``offset()``, bare ``log``) and the
        statsmodels/patsy formula of the same design (``succ + fail ~`` for a two-column
        binomial response, ``np.log``).
    weights :
        Column of prior weights: rglm ``weights=``, statsmodels ``var_weights`` (the form
        with R's meaning: they scale each observation's variance, ``nobs`` is unchanged).
    sm_offset :
        The offset for statsmodels, from a data frame (rglm reads it from the formula's
        ``offset()`` or from ``roffset``).
    roffset :
        A column given to rglm as ``offset=``.
    counts :
        Binomial (successes, trials, prior weights), for the closed-form likelihood.
    sm_two_column :
        statsmodels was given a two-column (successes, failures) response; its response
        and working residuals are then on the count scale (see :func:`check_residuals`).
    sm_rows :
        The rows statsmodels is given (rows rglm drops itself: NA, subset, zero weight).
    binomial_form :
        ``"cbind"``, ``"proportion"`` (proportion response, trials as weights) or
        ``"bernoulli"`` (0/1 response) for binomial-type families.
    """

    id: str
    fam: Fam
    load: Callable[[], pd.DataFrame]
    rformula: str
    smformula: str
    weights: str | None = None
    sm_offset: Callable[[pd.DataFrame], np.ndarray] | None = None
    roffset: str | None = None
    counts: CountsFn | None = None
    sm_two_column: bool = False
    newdata: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    sm_rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    rglm_kwargs: tuple[tuple[str, Any], ...] = ()
    intercept: bool = True
    zero_weight_rows: bool = False
    binomial_form: str = ""

    def __str__(self) -> str:
        return self.id


@dataclass
class Fitted:
    """Both fits of a case: ``m`` (rglm, on ``data``) and ``s`` (statsmodels, on
    ``smdata``), with the binomial trials of statsmodels' two-column responses (else 1)."""

    case: Case
    data: pd.DataFrame
    smdata: pd.DataFrame
    m: rglm.GLMResult
    s: Any
    trials: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def msg(self) -> str:
        return f"[{self.case.id}]"


_CACHE: dict[str, Fitted | BaseException] = {}


def fit_rglm(case: Case, data: pd.DataFrame, **override: Any) -> rglm.GLMResult:
    kw: dict[str, Any] = dict(case.rglm_kwargs)
    if case.weights is not None:
        kw["weights"] = case.weights
    if case.roffset is not None:
        kw["offset"] = case.roffset
    kw = {"tol": FIT_TOL, "max_iter": MAXITER, **kw, **override}
    return rglm.glm(case.rformula, data, family=case.fam.rglm(), **kw)


def fit_sm(case: Case, smdata: pd.DataFrame, scale: Any = "default", **fit_kw: Any) -> Any:
    kw: dict[str, Any] = {}
    if case.weights is not None:
        kw["var_weights"] = smdata[case.weights].to_numpy(float)
    if case.sm_offset is not None:
        kw["offset"] = np.asarray(case.sm_offset(smdata), dtype=float)
    if scale == "default":
        scale = "X2" if case.fam.estimated_scale else None
    with warnings.catch_warnings():
        # statsmodels warns about links outside its "safe" list (e.g. binomial log); the
        # fits are still the maximum-likelihood fits being compared.
        warnings.simplefilter("ignore", DomainWarning)
        model = smf.glm(case.smformula, smdata, family=case.fam.sm(), **kw)
        fit_kw = {
            "tol_criterion": "params",
            "atol": SM_PARAM_TOL,
            "rtol": SM_PARAM_TOL,
            "maxiter": MAXITER,
            **fit_kw,
        }
        if scale == "X2" and case.sm_two_column:
            # statsmodels' "X2" scale leaves the trials out of the Pearson statistic of a
            # two-column binomial response (it is sum((y - mu)^2 / V(mu)) on proportions),
            # so the dispersion X^2/df_resid is passed as a number instead.
            first = model.fit(scale=1.0, **fit_kw)
            scale = float(first.pearson_chi2 / first.df_resid)
        return model.fit(scale=scale, **fit_kw)


def fit_case(case: Case) -> Fitted:
    """Fit both packages once per case (a failure is cached too and re-raised, so that a
    case that cannot be fitted fails each of its tests quickly and with the same error)."""
    cached = _CACHE.get(case.id)
    if isinstance(cached, BaseException):
        raise cached
    if cached is not None:
        return cached
    try:
        f = _fit_case(case)
    except Exception as exc:
        _CACHE[case.id] = exc
        raise
    _CACHE[case.id] = f
    return f


def _fit_case(case: Case) -> Fitted:
    data = case.load()
    smdata = case.sm_rows(data) if case.sm_rows is not None else data
    m = fit_rglm(case, data)
    s = fit_sm(case, smdata)
    assert m.converged, f"[{case.id}] rglm did not converge"
    assert not m.boundary, f"[{case.id}] rglm stopped at a boundary"
    assert s.converged, f"[{case.id}] statsmodels did not converge"
    trials = np.ones(len(smdata))
    if case.sm_two_column:
        assert case.counts is not None
        trials = case.counts(smdata)[1]
    return Fitted(case, data, smdata, m, s, trials)


# -----------------------------------------------------------------------------------------
# comparison helpers
# -----------------------------------------------------------------------------------------


def cov_atol(cov: Any) -> np.ndarray:
    """Absolute tolerance of a covariance matrix on the correlation scale,
    ``RTOL sqrt(c_ii c_jj)``: an off-diagonal covariance can be (nearly) zero, where its
    relative error is meaningless; this asks the correlations to agree to RTOL."""
    c = np.asarray(cov, dtype=float)
    d = np.sqrt(np.abs(np.diag(c)))
    return RTOL * np.outer(d, d)


def close(
    actual: Any, desired: Any, what: str, f: Fitted | None = None, *, atol: Any = 0.0, rtol: float = RTOL
) -> None:
    """``np.testing.assert_allclose``; ``atol`` may also be an array broadcasting against
    ``desired`` (one absolute tolerance per element)."""
    a, d = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    label = f"{f.msg if f else ''} {what}"
    if np.ndim(atol) == 0:
        np.testing.assert_allclose(a, d, rtol=rtol, atol=float(atol), err_msg=label)
        return
    assert a.shape == d.shape, f"{label}: shapes {a.shape} vs {d.shape}"
    allowed = np.broadcast_to(np.asarray(atol, dtype=float), d.shape) + rtol * np.abs(d)
    ok = (np.abs(a - d) <= allowed) | (np.isnan(a) & np.isnan(d))
    if not np.all(ok):
        bad = np.argwhere(~ok)[:5]
        detail = "; ".join(
            f"{tuple(i)}: {a[tuple(i)]!r} vs {d[tuple(i)]!r} (allowed {allowed[tuple(i)]:.3g})" for i in bad
        )
        raise AssertionError(f"{label}: {int((~ok).sum())} of {ok.size} elements differ: {detail}")


def sm_reorder(rglm_names: Any, sm_names: Any) -> np.ndarray:
    """Positions of statsmodels' coefficients in rglm's order (patsy puts categorical
    terms first; formulaic keeps the formula's order)."""
    rn = [_norm_name(n) for n in rglm_names]
    sn = [_norm_name(n) for n in sm_names]
    assert sorted(rn) == sorted(sn) and len(set(rn)) == len(rn), (
        f"design columns differ: {list(rglm_names)} vs {list(sm_names)}"
    )
    return np.array([sn.index(n) for n in rn])


def _norm_name(name: str) -> str:
    """patsy's names in rglm's spelling: a full set of indicators is ``g[a]`` in patsy and
    ``g[T.a]`` in rglm (as R writes ``ga`` for both kinds), and a boolean is ``b[T.True]``
    in patsy and ``b[T.TRUE]`` in rglm."""
    import re

    s = name.replace("np.", "").replace(" ", "").replace("[T.True]", "[T.TRUE]")
    return ":".join(re.sub(r"\[(?![A-Z]?\.)([^\]]*)\]$", r"[T.\1]", part) for part in s.split(":"))


def sm_order(f: Fitted) -> np.ndarray:
    """Positions of statsmodels' coefficients in rglm's order."""
    return sm_reorder(f.m.params.index, f.s.params.index)


def sm_coef(f: Fitted, values: Any) -> np.ndarray:
    """A statsmodels per-coefficient vector (or a coefficient x k table) in rglm's order."""
    return np.asarray(values, dtype=float)[sm_order(f)]


def sm_cov(f: Fitted) -> np.ndarray:
    o = sm_order(f)
    return np.asarray(f.s.cov_params(), dtype=float)[np.ix_(o, o)]


def _aligned(f: Fitted, r: pd.Series, s: Any) -> tuple[np.ndarray, np.ndarray]:
    """rglm's per-row Series against statsmodels' on the rows statsmodels fitted.

    rglm keeps rows of zero prior weight (R does, they get fitted values and residuals);
    statsmodels was given only the positive-weight rows there.
    """
    s_ser = s if isinstance(s, pd.Series) else pd.Series(np.asarray(s), index=f.smdata.index)
    if f.case.zero_weight_rows:
        assert set(s_ser.index) <= set(r.index), f"{f.msg} rows differ"
        r = r.loc[s_ser.index]
    else:
        pd.testing.assert_index_equal(r.index, s_ser.index, obj=f"{f.msg} row labels")
    return r.to_numpy(float), s_ser.to_numpy(float)


# -----------------------------------------------------------------------------------------
# the comparisons
# -----------------------------------------------------------------------------------------


def check_coefficients(f: Fitted) -> None:
    """params, bse and Wald statistics, coefficient by coefficient."""
    m, s = f.m, f.s
    se = sm_coef(f, s.bse)
    close(m.params, sm_coef(f, s.params), "params", f, atol=RTOL * se)
    close(m.bse, se, "bse", f)
    close(m.tvalues, sm_coef(f, s.tvalues), "tvalues", f, atol=RTOL)


def check_covariance(f: Fitted) -> None:
    cm, cs = f.m.cov_params(), sm_cov(f)
    assert list(cm.index) == list(cm.columns) == list(f.m.params.index)
    close(cm.to_numpy(), cs, "cov_params", f, atol=cov_atol(cs))
    # the covariance is symmetric and its diagonal is bse^2
    close(cm.to_numpy(), cm.to_numpy().T, "cov_params symmetric", f, atol=cov_atol(cm))
    close(np.diag(cm.to_numpy()), f.m.bse.to_numpy() ** 2, "diag(cov_params) == bse^2", f)


def check_pvalues(f: Fitted) -> None:
    """Two-sided p-values: z tests when the dispersion is fixed (statsmodels' default
    everywhere), t tests on ``df_resid`` degrees of freedom when it is estimated (R's
    summary.glm; statsmodels would use the normal distribution there too).

    A p-value is a function of t and df only, and its relative error is about ``t^2`` times
    that of t (1e-300 tails), so the reference is that function evaluated at rglm's own t,
    with statsmodels' df_resid; t itself is compared with statsmodels in
    :func:`check_coefficients`.
    """
    m, s = f.m, f.s
    t = np.abs(m.tvalues.to_numpy())
    if f.case.fam.estimated_scale and m._fixed_dispersion is None:
        assert m.use_t
        expected = 2 * stats.t.sf(t, s.df_resid)
    else:
        assert not m.use_t
        expected = 2 * stats.norm.sf(t)
        # statsmodels' own p-values are this function of its own t
        sm_t = np.abs(sm_coef(f, s.tvalues))
        close(sm_coef(f, s.pvalues), 2 * stats.norm.sf(sm_t), "statsmodels pvalues", f)
    close(m.pvalues, expected, "pvalues", f)


def check_conf_int(f: Fitted) -> None:
    """Wald intervals with the normal quantile (R's confint.default, statsmodels' default).

    A bound b - z se can be arbitrarily close to zero, where its relative error is
    meaningless; each bound is therefore compared with ``atol = RTOL (|b| + z se)``, which
    is exactly the error allowed by b and se each agreeing to RTOL.
    """
    for alpha in (0.05, 0.1):
        ci_m, ci_s = f.m.conf_int(level=1 - alpha), f.s.conf_int(alpha=alpha)
        assert list(ci_m.columns) == ["lower", "upper"]
        assert list(ci_m.index) == list(f.m.params.index)
        z = stats.norm.ppf(1 - alpha / 2)
        b, se = sm_coef(f, f.s.params), sm_coef(f, f.s.bse)
        atol = (RTOL * (np.abs(b) + z * se))[:, None]
        close(ci_m.to_numpy(), sm_coef(f, ci_s), f"conf_int(alpha={alpha})", f, atol=atol)
        # and they are b -/+ z se with the normal quantile, whatever the family
        close(ci_m["lower"], f.m.params - z * f.m.bse, "lower == b - z se", f)
        close(ci_m["upper"], f.m.params + z * f.m.bse, "upper == b + z se", f)


def _null_deviance_reference(f: Fitted) -> float:
    s = f.s
    if f.case.intercept:
        # statsmodels: the intercept-only model (refitted when there is an offset).
        return float(s.null_deviance)
    # R's null model without an intercept is mu = linkinv(offset), not a fitted constant
    # (statsmodels always fits a constant), so the reference is computed directly.
    off = s.model.offset if hasattr(s.model, "offset") and s.model.offset is not None else 0.0
    mu0 = s.family.link.inverse(np.zeros(len(s.model.endog)) + off)
    return float(s.family.deviance(s.model.endog, mu0, var_weights=s.model.var_weights))


def check_deviance(f: Fitted) -> None:
    m, s = f.m, f.s
    close(m.deviance, s.deviance, "deviance", f)
    close(m.null_deviance, _null_deviance_reference(f), "null_deviance", f)
    close(m.pearson_chi2, s.pearson_chi2, "pearson_chi2", f)


def check_dispersion(f: Fitted) -> None:
    """scale (R's dispersion): Pearson X^2 / df_resid when estimated, else 1; and the
    degrees of freedom that go with it."""
    m, s = f.m, f.s
    close(m.scale, s.scale, "scale", f)
    if f.case.fam.estimated_scale:
        close(m.scale, s.pearson_chi2 / s.df_resid, "scale == X2/df_resid", f)
    else:
        assert m.scale == 1.0
    assert m.df_resid == s.df_resid, f"{f.msg} df_resid {m.df_resid} vs {s.df_resid}"
    assert m.nobs == s.nobs, f"{f.msg} nobs {m.nobs} vs {s.nobs}"
    # statsmodels' GLM df_model is rank - 1 whether or not there is an intercept; rglm's
    # (R's convention, statsmodels' for OLS) is rank - intercept.
    assert m.rank == s.df_model + 1, f"{f.msg} rank {m.rank} vs statsmodels df_model + 1"
    if f.case.intercept:
        assert m.df_model == s.df_model, f"{f.msg} df_model {m.df_model} vs {s.df_model}"
        assert m.df_null == m.nobs - 1
    else:
        assert m.df_model == m.rank and m.df_null == m.nobs


def _sm_se(f: Fitted, which: str) -> np.ndarray:
    """statsmodels' standard errors of its in-sample predictions (``which``: "linear" or
    "mean"), the scale of the absolute tolerances of per-row quantities."""
    return _sm_prediction(f, None, which)[1]


def check_fitted(f: Fitted) -> None:
    m, s = f.m, f.s
    a, b = _aligned(f, m.fittedvalues, s.fittedvalues)
    close(a, b, "fittedvalues", f, atol=RTOL * _sm_se(f, "mean"))
    lin = s.predict(which="linear")
    if f.case.sm_offset is not None:
        # statsmodels' predict() leaves the offset out unless it is passed
        lin = s.predict(which="linear", offset=np.asarray(f.case.sm_offset(f.smdata), dtype=float))
    a, b = _aligned(f, m.linear_predictors, lin)
    close(a, b, "linear_predictors", f, atol=RTOL * _sm_se(f, "linear"))


def check_residuals(f: Fitted) -> None:
    """All four residual types.

    For a two-column binomial response statsmodels puts the response residual on the
    count scale, ``n (y - mu)``, where R's is on the proportion scale, ``y - mu``; and its
    working residual is ``resid_response * g'(mu) * n`` (``n^2`` times R's
    ``(y - mu) g'(mu)``, see the comment in statsmodels' ``resid_working``).  Those two are
    therefore compared with the relationship, the working residual rebuilt from
    statsmodels' response residual and link derivative.  Pearson and deviance residuals
    have the same definition in both.
    """
    m, s = f.m, f.s
    n = f.trials
    mu = np.asarray(s.mu, dtype=float)
    se_mu = _sm_se(f, "mean")
    wv = np.asarray(s.model.var_weights, dtype=float) * n
    gprime = np.asarray(s.family.link.deriv(mu), dtype=float)
    scaled = RTOL * se_mu * np.sqrt(wv / s.family.variance(mu))
    for name in ("resid_pearson", "resid_deviance"):
        a, b = _aligned(f, getattr(m, name), getattr(s, name))
        close(a, b, name, f, atol=scaled)
    resp = np.asarray(s.resid_response, dtype=float) / n
    a, b = _aligned(f, m.resid_response, resp)
    close(a, b, "resid_response", f, atol=RTOL * se_mu)
    working = resp * gprime
    a, b = _aligned(f, m.resid_working, working)
    close(a, b, "resid_working", f, atol=RTOL * se_mu * np.abs(gprime))
    if not f.case.sm_two_column:
        a, b = _aligned(f, m.resid_working, s.resid_working)
        close(a, b, "resid_working (statsmodels' own)", f, atol=RTOL * se_mu * np.abs(gprime))


def _sm_prediction(f: Fitted, newdata: pd.DataFrame | None, which: str) -> tuple[np.ndarray, np.ndarray]:
    kw: dict[str, Any] = {"which": which}
    if newdata is not None:
        kw["exog"] = newdata
    if f.case.sm_offset is not None:
        # statsmodels' get_prediction() leaves the offset out unless it is passed, even
        # for the rows it was fitted to.
        kw["offset"] = np.asarray(f.case.sm_offset(f.smdata if newdata is None else newdata), dtype=float)
    p = f.s.get_prediction(**kw)
    return np.asarray(p.predicted, dtype=float), np.asarray(p.se, dtype=float)


def check_predict_insample(f: Fitted) -> None:
    m = f.m
    for rtype, which in (("link", "linear"), ("response", "mean")):
        plain = m.predict(type=rtype)
        with_se = m.predict(type=rtype, se_fit=True)
        assert list(with_se.columns) == ["fit", "se_fit"]
        fit_s, se_s = _sm_prediction(f, None, which)
        a, b = _aligned(f, plain, fit_s)
        close(a, b, f"predict(type={rtype!r})", f, atol=RTOL * se_s)
        a, b = _aligned(f, with_se["fit"], fit_s)
        close(a, b, f"predict(type={rtype!r}, se_fit=True).fit", f, atol=RTOL * se_s)
        a, b = _aligned(f, with_se["se_fit"], se_s)
        close(a, b, f"predict(type={rtype!r}).se_fit", f)


def check_predict_newdata(f: Fitted) -> None:
    """Predictions for rows not in the fit: transforms, factor levels and offsets (formula
    ``offset()`` or the ``offset=`` column) are replayed on the new rows."""
    assert f.case.newdata is not None
    nd = f.case.newdata(f.data)
    for rtype, which in (("link", "linear"), ("response", "mean")):
        got = f.m.predict(nd, type=rtype, se_fit=True)
        plain = f.m.predict(nd, type=rtype)
        pd.testing.assert_index_equal(got.index, nd.index)
        fit_s, se_s = _sm_prediction(f, nd, which)
        close(plain.to_numpy(), fit_s, f"newdata predict(type={rtype!r})", f, atol=RTOL * se_s)
        close(got["fit"].to_numpy(), fit_s, f"newdata predict(type={rtype!r}).fit", f, atol=RTOL * se_s)
        close(got["se_fit"].to_numpy(), se_s, f"newdata predict(type={rtype!r}).se_fit", f)


def _n_for_bic(f: Fitted) -> int:
    # R's BIC uses attr(logLik, "nobs") = sum(!is.na(residuals)), and glm.fit computes the
    # working residuals of zero-weight rows too, so those rows count.
    return len(f.m.fittedvalues)


def check_likelihood(f: Fitted) -> None:
    """llf, aic and bic by R's definitions.

    * Poisson and binomial: statsmodels' llf is R's logLik (both include the factorial /
      binomial-coefficient terms), and also the closed form from scipy.
    * negative.binomial(theta): the NB log-likelihood at theta; statsmodels divides its
      llf by the (here Pearson-estimated) scale, so the reference is its family
      ``loglike`` at scale 1 and the scipy closed form.
    * Gaussian, Gamma, inverse Gaussian: R evaluates the likelihood at the dispersion
      ``D/n`` (``D/sum(w)`` for Gamma and inverse Gaussian) and counts the dispersion as a
      parameter in AIC; statsmodels uses the Pearson scale, so the reference is the scipy
      closed form at R's dispersion (and statsmodels' family ``loglike`` at that scale
      where the two define the weighted density the same way).
    * quasi families and Tweedie: no likelihood, R gives NA.
    """
    m, s = f.m, f.s
    kind = f.case.fam.likelihood
    if kind is None:
        assert math.isnan(m.llf) and math.isnan(m.aic) and math.isnan(m.bic), (
            f"{f.msg} a quasi-likelihood fit has no llf/aic/bic (R gives NA)"
        )
        return
    y = np.asarray(s.model.endog, dtype=float)
    mu = np.asarray(s.mu, dtype=float)
    w = np.asarray(s.model.var_weights, dtype=float)
    D = float(s.deviance)
    k = m.rank
    if kind == "poisson":
        ref = float(np.sum(w * stats.poisson.logpmf(y, mu)))
        close(m.llf, s.llf, "llf == statsmodels llf", f)
    elif kind == "binomial":
        assert f.case.counts is not None
        succ, trials, prior = f.case.counts(f.smdata)
        ref = float(np.sum(prior * stats.binom.logpmf(succ, trials, mu)))
        if f.case.binomial_form != "proportion":
            close(m.llf, s.llf, "llf == statsmodels llf", f)
        # (A proportion response with var_weights is the same *model* in statsmodels, but
        # its llf evaluates the binomial coefficient at the non-integer proportion, so
        # only the closed form, equal to the cbind() fit's llf, is the reference there.)
    elif kind == "negbin":
        th = f.case.fam.theta
        assert th is not None
        ref = float(np.sum(w * stats.nbinom.logpmf(y, th, th / (th + mu))))
        sm_ll = s.family.loglike(s.model.endog, mu, var_weights=w, scale=1.0)
        close(m.llf, sm_ll, "llf == statsmodels loglike at scale 1", f)
    elif kind == "gaussian":
        phi = D / len(y)
        ref = float(np.sum(stats.norm.logpdf(y, mu, np.sqrt(phi / w))))
        close(m.llf, s.llf_scaled(scale=phi), "llf == statsmodels llf at scale D/n", f)
        k += 1
    elif kind == "gamma":
        phi = D / float(np.sum(w))
        ref = float(np.sum(w * stats.gamma.logpdf(y, a=1 / phi, scale=mu * phi)))
        if np.all(w == 1):
            # statsmodels' weighted Gamma density has shape w/phi, R's is w * log f(shape 1/phi):
            # the two only coincide without weights.
            close(m.llf, s.llf_scaled(scale=phi), "llf == statsmodels llf at scale D/n", f)
        k += 1
    elif kind == "inverse_gaussian":
        phi = D / float(np.sum(w))
        ref = float(np.sum(w * stats.invgauss.logpdf(y, mu * phi, scale=1 / phi)))
        if np.all(w == 1):
            # statsmodels' weighted density has dispersion phi/w, R's is w * log f(phi).
            close(m.llf, s.llf_scaled(scale=phi), "llf == statsmodels llf at scale D/n", f)
        k += 1
    else:  # pragma: no cover
        raise AssertionError(kind)
    close(m.llf, ref, "llf (closed form)", f)
    close(m.aic, -2 * ref + 2 * k, "aic == -2 llf + 2 k", f)
    close(m.bic, -2 * ref + math.log(_n_for_bic(f)) * k, "bic == -2 llf + log(n) k", f)
    if kind in ("poisson", "binomial") and f.case.intercept and f.case.binomial_form != "proportion":
        # statsmodels' AIC counts df_model + 1 = rank parameters when there is an intercept.
        close(m.aic, s.aic, "aic == statsmodels aic", f)


CHECKS: dict[str, Callable[[Fitted], None]] = {
    "coefficients": check_coefficients,
    "covariance": check_covariance,
    "pvalues": check_pvalues,
    "conf_int": check_conf_int,
    "deviance": check_deviance,
    "dispersion": check_dispersion,
    "fitted": check_fitted,
    "residuals": check_residuals,
    "predict_insample": check_predict_insample,
    "predict_newdata": check_predict_newdata,
    "likelihood": check_likelihood,
}
