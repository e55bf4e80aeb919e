"""rglm against statsmodels for every family x link, on data generated from that model.

For each family and each link R allows for it, data are drawn (numpy ``default_rng``, seed
fixed per case) from exactly that family/link, with the true mean kept well inside the
link's and the variance function's domain so that both packages converge cleanly.  Each
family/link is fitted three ways:

* ``plain``: ``y ~ x1 + x2 + C(g)``;
* ``weighted-offset``: the same with prior weights (statsmodels ``var_weights``) and an
  offset: ``offset(log(t))`` in the formula for log links, the ``offset=`` column ``o``
  otherwise (statsmodels ``offset=``);
* binomial families also with a ``proportion`` response and the trials as prior weights,
  R's alternative spelling of the ``cbind()`` model.

Then every group of results is compared (see ``_sm_parity.CHECKS``).  Extra tests cover
quasi-families against their likelihood counterparts, a fixed dispersion, aliased columns
and no-intercept models.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
import zlib

import _sm_parity as P
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import rglm

N = 150
N_NEW = 25

# -----------------------------------------------------------------------------------------
# data generation
# -----------------------------------------------------------------------------------------

#: Range of the true mean per (response kind, link); inside every link's domain.
_MU_RANGE: dict[str, dict[str, tuple[float, float]]] = {
    "gaussian": {"identity": (1.0, 5.0), "log": (2.0, 6.0), "inverse": (1.0, 3.0), "power(0.5)": (1.0, 5.0)},
    "binomial": {
        "logit": (0.15, 0.85),
        "probit": (0.15, 0.85),
        "cloglog": (0.15, 0.85),
        "cauchit": (0.15, 0.85),
        "log": (0.05, 0.5),
    },
    # identity-type links: means high enough that zero counts are rare, because R's first
    # IRLS step (from mustart = y + 0.1, i.e. heavy weights on zeros) may otherwise leave
    # the domain, which is an error in R's glm.fit (and rglm) without starting values.
    "count": {"log": (2.0, 15.0), "identity": (6.0, 20.0), "sqrt": (2.0, 15.0), "power(0.5)": (2.0, 15.0)},
    "gamma": {"inverse": (1.0, 5.0), "log": (1.0, 5.0), "identity": (1.0, 5.0), "power(1/3)": (1.0, 5.0)},
    "inverse_gaussian": {
        "1/mu^2": (1.0, 3.0),
        "inverse": (1.0, 3.0),
        "log": (1.0, 3.0),
        "identity": (1.0, 3.0),
    },
    "tweedie": {"log": (1.0, 5.0), "identity": (3.0, 8.0), "power(0.5)": (1.0, 5.0)},
}


def _link_fns(link: str) -> tuple:
    lk = P.sm_link(link)
    return lk, lk.inverse


def _seed(key: str) -> int:
    return zlib.crc32(key.encode())


def _covariates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x1": rng.uniform(0, 1, n),
            "x2": rng.uniform(0, 1, n),
            # every level present, in a shuffled order
            "g": rng.permutation(np.array(["a", "b", "c"])[np.arange(n) % 3]),
            "u": rng.uniform(0, 1, n),
            "w": rng.uniform(0.5, 3.0, n),
            "wi": rng.integers(1, 4, n).astype(float),
        }
    )


def _linear_predictor(
    d: pd.DataFrame, kind: str, link: str, with_offset: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(eta, offset): eta spans link(range) with the offset taking up to a fifth of it."""
    lk, _ = _link_fns(link)
    lo, hi = sorted(lk(np.array(_MU_RANGE[kind][link])))
    gidx = d["g"].map({"a": 0, "b": 1, "c": 2}).to_numpy(float)
    s = 0.4 * d["x1"].to_numpy() + 0.4 * d["x2"].to_numpy() + 0.1 * gidx
    if not with_offset:
        return lo + (hi - lo) * s, np.zeros(len(d))
    off = (hi - lo) * 0.2 * d["u"].to_numpy()
    return lo + (hi - lo) * 0.8 * s + off, off


def _kind(fam: P.Fam) -> str:
    f = fam.family
    if f in ("binomial", "quasibinomial") or (f == "quasi" and fam.variance == "mu(1-mu)"):
        return "binomial"
    if f in ("poisson", "quasipoisson", "negbin") or (f == "quasi" and fam.variance == "mu"):
        return "count"
    if f == "gamma" or (f == "quasi" and fam.variance == "mu^2"):
        return "gamma"
    if f == "inverse_gaussian" or (f == "quasi" and fam.variance == "mu^3"):
        return "inverse_gaussian"
    if f == "tweedie":
        return "tweedie"
    return "gaussian"


def _tweedie_draw(rng: np.random.Generator, mu: np.ndarray, p: float, phi: np.ndarray) -> np.ndarray:
    """Compound Poisson-gamma with mean mu and variance phi mu^p (1 < p < 2)."""
    lam = mu ** (2 - p) / (phi * (2 - p))
    alpha = (2 - p) / (p - 1)
    scale = phi * (p - 1) * mu ** (p - 1)
    counts = rng.poisson(lam)
    return np.array([rng.gamma(alpha * c, s) if c > 0 else 0.0 for c, s in zip(counts, scale, strict=True)])


def _response(
    rng: np.random.Generator, fam: P.Fam, mu: np.ndarray, d: pd.DataFrame, weighted: bool
) -> pd.DataFrame:
    """Draw the response for means ``mu`` from the family (prior weight w scaling the
    variance by 1/w where the family allows it)."""
    out = d.copy()
    kind = _kind(fam)
    f = fam.family
    w = d["w"].to_numpy() if weighted else np.ones(len(d))
    if kind == "binomial":
        trials = rng.integers(10, 41, len(d))
        p = mu
        if f != "binomial":  # overdispersed: beta-binomial
            c = 15.0
            p = rng.beta(mu * c, (1 - mu) * c)
        succ = rng.binomial(trials, p)
        out["succ"], out["fail"] = succ.astype(float), (trials - succ).astype(float)
        out["m"] = trials.astype(float)
        out["prop"] = succ / trials
        return out
    if kind == "count":
        if f == "poisson":
            y = rng.poisson(mu)
        else:  # negative binomial draws; over-dispersed for the quasi families
            th = fam.theta if f == "negbin" else 4.0
            y = rng.negative_binomial(th, th / (th + mu))
        out["y"] = y.astype(float)
        return out
    if kind == "gamma":
        shape = 4.0 * w
        out["y"] = rng.gamma(shape, mu / shape)
        return out
    if kind == "inverse_gaussian":
        out["y"] = rng.wald(mu, 8.0 * w)
        return out
    if kind == "tweedie":
        if fam.sm_as == "poisson":
            out["y"] = rng.poisson(mu).astype(float)
        elif fam.sm_as == "gamma":
            out["y"] = rng.gamma(4.0 * w, mu / (4.0 * w))
        elif fam.sm_as == "gaussian":
            out["y"] = mu + rng.normal(0, 0.4, len(d)) / np.sqrt(w)
        elif fam.sm_as == "inverse_gaussian":
            out["y"] = rng.wald(mu, 8.0 * w)
        else:
            out["y"] = _tweedie_draw(rng, mu, fam.var_power, 0.5 / w)
        return out
    lo, hi = _MU_RANGE["gaussian"][fam.link]
    out["y"] = mu + rng.normal(0, 0.1 * (hi - lo), len(d)) / np.sqrt(w)
    assert np.all(out["y"] > 0)
    return out


def make_data(fam: P.Fam, variant: str, n: int = N, seed_key: str = "") -> pd.DataFrame:
    rng = np.random.default_rng(_seed(seed_key or f"{fam.label}/{variant}"))
    d = _covariates(rng, n)
    kind = _kind(fam)
    with_offset = variant == "weighted-offset"
    eta, off = _linear_predictor(d, kind, fam.link, with_offset)
    d["o"] = off
    d["t"] = np.exp(off)  # exposure: log(t) is the offset of the log-link models
    _, inv = _link_fns(fam.link)
    mu = inv(eta)
    return _response(rng, fam, mu, d, weighted=with_offset and kind != "binomial")


def _newdata_fn(fam: P.Fam, variant: str):
    def fn(_: pd.DataFrame) -> pd.DataFrame:
        rng = np.random.default_rng(_seed(f"{fam.label}/{variant}/new"))
        d = _covariates(rng, N_NEW)
        _, off = _linear_predictor(d, _kind(fam), fam.link, variant == "weighted-offset")
        d["o"], d["t"] = off, np.exp(off)
        d.index = pd.RangeIndex(1000, 1000 + N_NEW)  # labels unlike the fitted rows'
        return d

    return fn


def _log_t(d: pd.DataFrame) -> np.ndarray:
    return np.log(d["t"].to_numpy())


def _column_o(d: pd.DataFrame) -> np.ndarray:
    return d["o"].to_numpy()


def make_case(fam: P.Fam, variant: str) -> P.Case:
    kind = _kind(fam)
    rhs = "x1 + x2 + C(g)"
    weights = None
    roffset = None
    sm_offset = None
    counts = None
    binomial_form = ""
    two_col = False
    if variant == "weighted-offset":
        weights = "wi" if kind == "binomial" else "w"
        if fam.link == "log":
            r_rhs = rhs + " + offset(log(t))"
            sm_offset = _log_t
        else:
            r_rhs = rhs
            roffset = "o"
            sm_offset = _column_o
    else:
        r_rhs = rhs
    if kind == "binomial" and fam.family != "quasi" and variant != "proportion":
        rf, sf = f"cbind(succ, fail) ~ {r_rhs}", f"succ + fail ~ {rhs}"
        counts = P.cbind_counts("succ", "fail", weights)
        binomial_form, two_col = "cbind", True
    elif kind == "binomial":
        # proportion response, trials as prior weights: statsmodels var_weights=trials
        # (freq_weights would also give these coefficients, but count sum(trials)
        # observations in df_resid).
        rf, sf = f"prop ~ {r_rhs}", f"prop ~ {rhs}"
        weights = "m"
        counts = P.proportion_counts("prop", "m")
        binomial_form = "proportion"
    else:
        rf, sf = f"y ~ {r_rhs}", f"y ~ {rhs}"
    case_id = f"{fam.label}-{variant}"
    return P.Case(
        id=case_id,
        fam=fam,
        load=lambda: make_data(fam, variant),
        rformula=rf,
        smformula=sf,
        weights=weights,
        sm_offset=sm_offset,
        roffset=roffset,
        counts=counts,
        sm_two_column=two_col,
        newdata=_newdata_fn(fam, variant),
        binomial_form=binomial_form,
    )


def _family_links() -> list[P.Fam]:
    out: list[P.Fam] = []
    for family, links in P.ALLOWED_LINKS.items():
        for link in links:
            out.append(P.Fam(family, link, theta=3.0 if family == "negbin" else None))
    # power links, given as link objects (R: gaussian(link = power(0.5)) etc.)
    out.append(P.Fam("gaussian", "power(0.5)"))
    out.append(P.Fam("poisson", "power(0.5)"))
    out.append(P.Fam("gamma", "power(1/3)"))
    # Tweedie: statsmodels' Tweedie, and the classical families with the same variance
    for p_ in (1.2, 1.5, 1.8):
        out.append(P.Fam("tweedie", "log", var_power=p_, sm_as="tweedie"))
    out.append(P.Fam("tweedie", "identity", var_power=1.5, sm_as="tweedie"))
    out.append(P.Fam("tweedie", "power(0.5)", var_power=1.5, sm_as="tweedie"))
    out.append(P.Fam("tweedie", "log", var_power=0.0, sm_as="gaussian"))
    out.append(P.Fam("tweedie", "log", var_power=1.0, sm_as="poisson"))
    out.append(P.Fam("tweedie", "log", var_power=2.0, sm_as="gamma"))
    out.append(P.Fam("tweedie", "log", var_power=3.0, sm_as="inverse_gaussian"))
    # quasi(variance, link) against the statsmodels family with that variance function
    for variance, links in (
        ("constant", ("identity", "log")),
        ("mu", ("log", "identity", "power(0.5)")),
        ("mu^2", ("log", "inverse", "power(1/3)")),
        ("mu^3", ("1/mu^2", "log")),
        ("mu(1-mu)", ("logit", "probit", "cloglog")),
    ):
        for link in links:
            out.append(P.Fam("quasi", link, variance=variance))
    return out


def _cases() -> list[P.Case]:
    cases = []
    for fam in _family_links():
        variants = ["plain", "weighted-offset"]
        if fam.family in ("binomial", "quasibinomial"):
            variants.append("proportion")
        for v in variants:
            cases.append(make_case(fam, v))
    return cases


def _large_case(fam: P.Fam, n: int, p: int) -> P.Case:
    """Large data take rglm's other numerical paths: above 100,000 elements the vectorised
    exp/log and sums instead of the scalar C-library replicas, and above n p^2 = 4e6 the
    LAPACK QR instead of the replica of R's LINPACK dqrdc2."""

    def load() -> pd.DataFrame:
        rng = np.random.default_rng(_seed(f"large/{fam.label}/{n}x{p}"))
        X = rng.uniform(0, 1, (n, p))
        d = pd.DataFrame(X, columns=[f"v{i}" for i in range(p)])
        eta = 0.5 + X @ np.linspace(-0.5, 0.5, p)
        mu = np.exp(eta)
        d["y"] = rng.poisson(mu).astype(float) if fam.family == "poisson" else rng.gamma(4.0, mu / 4)
        d["o"], d["t"] = 0.0, 1.0
        return d

    rhs = " + ".join(f"v{i}" for i in range(p))
    return P.Case(
        id=f"{fam.label}-large-{n}x{p}",
        fam=fam,
        load=load,
        rformula=f"y ~ {rhs}",
        smformula=f"y ~ {rhs}",
        newdata=lambda d: d.iloc[::997].assign(v0=lambda t: t.v0 * 1.1),
    )


CASES = _cases() + [
    _large_case(P.Fam("poisson", "log"), 120_000, 3),
    _large_case(P.Fam("gamma", "log"), 30_000, 12),
]
IDS = [c.id for c in CASES]


# -----------------------------------------------------------------------------------------
# the parity tests: one per group of results, for every case
# -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_coefficients(case: P.Case) -> None:
    P.check_coefficients(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_covariance(case: P.Case) -> None:
    P.check_covariance(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pvalues(case: P.Case) -> None:
    P.check_pvalues(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conf_int(case: P.Case) -> None:
    P.check_conf_int(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_deviance(case: P.Case) -> None:
    P.check_deviance(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dispersion(case: P.Case) -> None:
    P.check_dispersion(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fitted(case: P.Case) -> None:
    P.check_fitted(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_residuals(case: P.Case) -> None:
    P.check_residuals(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predict_insample(case: P.Case) -> None:
    P.check_predict_insample(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predict_newdata(case: P.Case) -> None:
    P.check_predict_newdata(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_likelihood(case: P.Case) -> None:
    P.check_likelihood(P.fit_case(case))


def test_every_allowed_link_is_covered() -> None:
    """The parametrization above really spans every family x allowed link."""
    covered = {(c.fam.family, c.fam.link) for c in CASES}
    for family, links in P.ALLOWED_LINKS.items():
        for link in links:
            assert (family, link) in covered, (family, link)
            # and rglm accepts exactly these links by name, as R does
            P.Fam(family, link, theta=1.0 if family == "negbin" else None).rglm()


# -----------------------------------------------------------------------------------------
# relationships
# -----------------------------------------------------------------------------------------

_QUASI_PAIRS = [
    # (quasi family, likelihood family with the same variance function, link)
    (P.Fam("quasipoisson", "log"), P.Fam("poisson", "log")),
    (P.Fam("quasipoisson", "sqrt"), P.Fam("poisson", "sqrt")),
    (P.Fam("quasibinomial", "logit"), P.Fam("binomial", "logit")),
    (P.Fam("quasibinomial", "cloglog"), P.Fam("binomial", "cloglog")),
    (P.Fam("quasi", "log", variance="mu"), P.Fam("poisson", "log")),
    (P.Fam("quasi", "log", variance="mu^2"), P.Fam("gamma", "log")),
    (P.Fam("quasi", "inverse", variance="mu^2"), P.Fam("gamma", "inverse")),
    (P.Fam("quasi", "1/mu^2", variance="mu^3"), P.Fam("inverse_gaussian", "1/mu^2")),
    (P.Fam("quasi", "identity", variance="constant"), P.Fam("gaussian", "identity")),
]


@pytest.mark.parametrize("quasi,base", _QUASI_PAIRS, ids=[f"{q.label}~{b.label}" for q, b in _QUASI_PAIRS])
def test_quasi_equals_likelihood_fit_rescaled(quasi: P.Fam, base: P.Fam) -> None:
    """A quasi fit has the coefficients and deviance of the likelihood family with the
    same variance and link; its standard errors are those scaled by sqrt(phi_quasi/phi),
    with phi_quasi = X^2/df_resid; its tests use t; it has no likelihood."""
    case = make_case(quasi, "weighted-offset")
    data = case.load()
    mq = P.fit_rglm(case, data)
    mb = P.fit_rglm(dataclasses.replace(case, fam=base, id=case.id + "~base"), data)
    P.close(mq.params, mb.params, "params")
    P.close(mq.deviance, mb.deviance, "deviance")
    P.close(mq.null_deviance, mb.null_deviance, "null_deviance")
    P.close(mq.fittedvalues, mb.fittedvalues, "fittedvalues")
    P.close(mq.scale, mq.pearson_chi2 / mq.df_resid, "scale == X2/df")
    P.close(mq.bse, mb.bse * math.sqrt(mq.scale / mb.scale), "bse scaled by sqrt(dispersion)")
    P.close(mq.tvalues, mb.tvalues * math.sqrt(mb.scale / mq.scale), "tvalues")
    P.close(mq.pvalues, 2 * stats.t.sf(np.abs(mq.tvalues.to_numpy()), mq.df_resid), "pvalues (t)")
    assert mq.use_t
    assert math.isnan(mq.llf) and math.isnan(mq.aic)
    assert not math.isnan(mb.llf)


_FIXED = [
    P.Fam("gamma", "log"),
    P.Fam("gaussian", "identity"),
    P.Fam("quasipoisson", "log"),
    P.Fam("inverse_gaussian", "log"),
    P.Fam("negbin", "log", theta=3.0),
]


@pytest.mark.parametrize("fam", _FIXED, ids=[f.label for f in _FIXED])
@pytest.mark.parametrize("dispersion", [0.3, 2.5])
def test_fixed_dispersion(fam: P.Fam, dispersion: float) -> None:
    """glm(dispersion=phi) is statsmodels' fit(scale=phi): same bse, z tests (normal)."""
    case = make_case(fam, "plain")
    data = case.load()
    m = P.fit_rglm(case, data, dispersion=dispersion)
    s = P.fit_sm(case, data, scale=dispersion)
    assert m.scale == dispersion and s.scale == dispersion
    assert not m.use_t
    o = P.sm_reorder(m.params.index, s.params.index)
    P.close(m.params, s.params.to_numpy()[o], "params")
    P.close(m.bse, s.bse.to_numpy()[o], "bse")
    cov = s.cov_params().to_numpy()[np.ix_(o, o)]
    P.close(m.cov_params().to_numpy(), cov, "cov_params", atol=P.cov_atol(cov))
    P.close(m.tvalues, s.tvalues.to_numpy()[o], "tvalues")
    P.close(m.pvalues, 2 * stats.norm.sf(np.abs(m.tvalues.to_numpy())), "pvalues (z)")
    P.close(m.conf_int().to_numpy(), s.conf_int().to_numpy()[o], "conf_int")
    nd = case.newdata(data)
    got = m.predict(nd, type="link", se_fit=True)
    p = s.get_prediction(nd, which="linear")
    P.close(got["se_fit"], p.se, "predict se_fit")


# (quasipoisson-sqrt is not used: statsmodels' IRLS on the rank-deficient design with that
# link oscillates and never converges, so there is no reference split fit.)
_ALIAS_FAMS = [
    P.Fam("gaussian", "identity"),
    P.Fam("poisson", "log"),
    P.Fam("binomial", "logit"),
    P.Fam("gamma", "inverse"),
    P.Fam("quasipoisson", "log"),
    P.Fam("binomial", "probit"),
]


@pytest.mark.parametrize("fam", _ALIAS_FAMS, ids=[f.label for f in _ALIAS_FAMS])
def test_aliased_column(fam: P.Fam) -> None:
    """x3 = x1 + x2 is collinear.  rglm (like R) reports NA (NaN) for the later column and
    fits the rest; statsmodels' pinv splits the effect over the collinear columns
    (minimum-norm solution).  So: rglm's non-aliased fit equals statsmodels' fit on the
    design without x3, and statsmodels' split fit has the same fitted values, deviance and
    the same effective coefficients (x1 + x3 and x2 + x3)."""
    base = make_case(fam, "plain")
    data = base.load()
    data["x3"] = data["x1"] + data["x2"]
    lhs_r, _ = base.rformula.split("~")
    lhs_s, _ = base.smformula.split("~")
    # R's glm.fit decides aliasing with the QR tolerance min(1e-7, tol/1000); at the suite's
    # tol = 1e-15 that is 1e-18, below the rounding of x1 + x2, so this fit uses tol = 1e-11
    # (QR tolerance 1e-14) -- then x3 is aliased, as in R with any usual tol.
    m = rglm.glm(f"{lhs_r}~ x1 + x2 + x3 + C(g)", data, family=fam.rglm(), tol=1e-11, max_iter=P.MAXITER)
    reduced = P.fit_sm(base, data)  # y ~ x1 + x2 + C(g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        split = smf.glm(f"{lhs_s}~ x1 + x2 + x3 + C(g)", data, family=fam.sm()).fit(
            scale="X2" if fam.estimated_scale else None, atol=0.0, rtol=P.FIT_TOL, maxiter=P.MAXITER
        )

    assert m.converged and split.converged and reduced.converged
    assert list(m.aliased[m.aliased].index) == ["x3"]
    assert np.isnan(m.params["x3"]) and np.isnan(m.bse["x3"])
    assert m.rank == len(m.params) - 1
    keep = ~m.aliased.to_numpy()
    o = P.sm_reorder(m.params.index[keep], reduced.params.index)
    P.close(m.params[keep], reduced.params.to_numpy()[o], "params (non-aliased)")
    P.close(m.bse[keep], reduced.bse.to_numpy()[o], "bse (non-aliased)")
    cov = m.cov_params().to_numpy()
    assert np.all(np.isnan(cov[~keep, :])) and np.all(np.isnan(cov[:, ~keep]))
    ref = reduced.cov_params().to_numpy()[np.ix_(o, o)]
    P.close(cov[np.ix_(keep, keep)], ref, "cov_params (non-aliased)", atol=P.cov_atol(ref))
    assert m.df_resid == reduced.df_resid == split.df_resid
    P.close(m.deviance, reduced.deviance, "deviance")
    P.close(m.scale, reduced.scale, "scale")
    # statsmodels' split fit defines the same fitted model
    P.close(m.deviance, split.deviance, "deviance vs pinv fit")
    P.close(m.fittedvalues, split.fittedvalues, "fitted vs pinv fit")
    P.close(m.params["x1"], split.params["x1"] + split.params["x3"], "x1 effect vs pinv split")
    P.close(m.params["x2"], split.params["x2"] + split.params["x3"], "x2 effect vs pinv split")
    # predictions treat the aliased coefficient as absent
    nd = base.newdata(data)
    nd["x3"] = nd["x1"] + nd["x2"]
    got = m.predict(nd, type="link", se_fit=True)
    p = reduced.get_prediction(nd, which="linear")
    P.close(got["fit"], p.predicted, "predict link (newdata)")
    P.close(got["se_fit"], p.se, "predict se_fit (newdata)")


_NOINT = [
    P.Fam("poisson", "log"),
    P.Fam("gaussian", "identity"),
    P.Fam("gamma", "log"),
    P.Fam("binomial", "logit"),
]


def _no_intercept_case(fam: P.Fam) -> P.Case:
    def load() -> pd.DataFrame:
        rng = np.random.default_rng(_seed(f"no-intercept/{fam.label}"))
        d = _covariates(rng, N)
        eta = {
            "log": 0.4 + 1.2 * d.x1 + 1.0 * d.x2,
            "identity": 1.0 + 3 * d.x1 + 2 * d.x2,
            "logit": -1.5 + 1.5 * d.x1 + 1.5 * d.x2,
        }[fam.link].to_numpy()
        _, inv = _link_fns(fam.link)
        d["o"], d["t"] = 0.0, 1.0
        return _response(rng, fam, inv(eta), d, weighted=False)

    binom = fam.family == "binomial"
    return P.Case(
        id=f"{fam.label}-no-intercept",
        fam=fam,
        load=load,
        rformula=("cbind(succ, fail)" if binom else "y") + " ~ 0 + x1 + x2",
        smformula=("succ + fail" if binom else "y") + " ~ 0 + x1 + x2",
        counts=P.cbind_counts("succ", "fail") if binom else None,
        sm_two_column=binom,
        binomial_form="cbind" if binom else "",
        intercept=False,
        newdata=lambda d: d.iloc[::7].assign(x1=lambda t: t.x1 * 0.9),
    )


@pytest.mark.parametrize("fam", _NOINT, ids=[f.label for f in _NOINT])
@pytest.mark.parametrize(
    "check", ["coefficients", "deviance", "dispersion", "residuals", "predict_newdata", "likelihood"]
)
def test_no_intercept(fam: P.Fam, check: str) -> None:
    """Models without an intercept; R's null deviance is then that of mu = linkinv(offset)
    (statsmodels would fit a constant, see _sm_parity._null_deviance_reference)."""
    P.CHECKS[check](P.fit_case(_no_intercept_case(fam)))


@pytest.mark.parametrize("link", P.ALLOWED_LINKS["binomial"])
def test_binomial_cbind_equals_proportion_with_weights(link: str) -> None:
    """R: a proportion response with the trials as prior weights is the cbind() model:
    same coefficients, standard errors, deviances, residuals, log-likelihood and AIC."""
    fam = P.Fam("binomial", link)
    data = make_data(fam, "plain")
    kw = {"family": fam.rglm(), "tol": P.FIT_TOL, "max_iter": P.MAXITER}
    a = rglm.glm("cbind(succ, fail) ~ x1 + x2 + C(g)", data, **kw)
    b = rglm.glm("prop ~ x1 + x2 + C(g)", data, weights="m", **kw)
    # R's binomial initialize turns cbind(s, f) into exactly this (proportion, weights)
    # pair, so the two fits run the same arithmetic: agreement is to rounding (1e-12).
    for name in (
        "params",
        "bse",
        "fittedvalues",
        "resid_deviance",
        "resid_pearson",
        "resid_response",
        "resid_working",
        "deviance",
        "null_deviance",
        "pearson_chi2",
        "llf",
        "aic",
        "bic",
        "scale",
    ):
        P.close(getattr(b, name), getattr(a, name), name, rtol=1e-12)
    assert a.df_resid == b.df_resid
