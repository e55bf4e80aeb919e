"""Families: R's starting values, unit deviances and AIC, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

import rglm
from rglm import families as F
from rglm.exceptions import DomainError, FamilyError

RNG = np.random.default_rng(20261122)


def test_allowed_links_follow_r() -> None:
    expected = {
        F.Gaussian: {"identity", "log", "inverse"},
        F.Binomial: {"logit", "probit", "cloglog", "cauchit", "log"},
        F.QuasiBinomial: {"logit", "probit", "cloglog", "cauchit", "log"},
        F.Poisson: {"log", "identity", "sqrt"},
        F.QuasiPoisson: {"log", "identity", "sqrt"},
        F.Gamma: {"inverse", "log", "identity"},
        F.InverseGaussian: {"1/mu^2", "inverse", "log", "identity"},
        F.NegativeBinomial: {"log", "identity", "sqrt"},
    }
    for cls, allowed in expected.items():
        assert set(cls.allowed_links) == allowed
        for name in rglm.families.links.LINK_NAMES:
            if name in allowed:
                assert cls(link=name).link.name == name
            else:
                with pytest.raises(FamilyError, match="available links are"):
                    cls(link=name)


def test_default_links() -> None:
    assert [f().link.name for f in (F.Gaussian, F.Binomial, F.Poisson, F.Gamma, F.InverseGaussian)] == [
        "identity",
        "logit",
        "log",
        "inverse",
        "1/mu^2",
    ]
    assert F.Tweedie(1.5).link.name == "log"
    assert F.Quasi().link.name == "identity" and F.Quasi().variance.name == "constant"


def test_link_objects_accepted() -> None:
    fam = F.Binomial(link=rglm.families.links.Power(lmbda=0.5))
    assert fam.link.name == "mu^0.5"


def test_r_names_and_dispersion_rules() -> None:
    assert F.Binomial().fixed_dispersion and F.Poisson().fixed_dispersion
    for fam in (
        F.Gaussian(),
        F.Gamma(),
        F.InverseGaussian(),
        F.QuasiPoisson(),
        F.QuasiBinomial(),
        F.Tweedie(1.5),
        F.NegativeBinomial(2.0),
        F.Quasi(),
    ):
        assert not fam.fixed_dispersion
    assert F.NegativeBinomial(1.274892646).name == "Negative Binomial(1.2749)"
    assert F.NegativeBinomial(2).name == "Negative Binomial(2)"
    assert F.Gamma().name == "Gamma" and F.InverseGaussian().name == "inverse.gaussian"


def test_get_family() -> None:
    assert isinstance(F.get_family("Gamma"), F.Gamma)
    assert isinstance(F.get_family("inverse.gaussian"), F.InverseGaussian)
    assert F.get_family("binomial", link="probit").link.name == "probit"
    assert F.get_family(F.Poisson) == F.Poisson()
    with pytest.raises(FamilyError, match="unknown family 'gausian'"):
        F.get_family("gausian")


def test_families_are_immutable() -> None:
    fam = F.Poisson()
    with pytest.raises(AttributeError, match="immutable"):
        fam.link = rglm.families.links.Identity()  # type: ignore[misc]


def test_initialize_matches_r() -> None:
    y = np.array([0.0, 1.0, 3.0, 7.0])
    w = np.ones(4)
    np.testing.assert_array_equal(F.Poisson().initialize(y, w).mustart, y + 0.1)
    np.testing.assert_array_equal(F.Gamma().initialize(y + 1, w).mustart, y + 1)
    np.testing.assert_array_equal(F.NegativeBinomial(2).initialize(y, w).mustart, y + (y == 0) / 6)
    np.testing.assert_array_equal(F.Tweedie(1.5).initialize(y, w).mustart, y + 0.1 * (y == 0))
    np.testing.assert_array_equal(
        F.Quasi(variance="mu(1-mu)").initialize(np.array([0.0, 0.5, 1.0]), np.ones(3)).mustart,
        [0.001, 0.5, 0.999],
    )
    prop = np.array([0.0, 0.25, 1.0])
    wt = np.array([4.0, 4.0, 2.0])
    init = F.Binomial().initialize(prop, wt)
    np.testing.assert_array_equal(init.mustart, (wt * prop + 0.5) / (wt + 1))
    counts = np.array([[1.0, 3.0], [0.0, 0.0], [5.0, 5.0]])
    init = F.Binomial().initialize(counts, np.ones(3))
    np.testing.assert_array_equal(init.y, [0.25, 0.0, 0.5])
    np.testing.assert_array_equal(init.weights, [4.0, 0.0, 10.0])
    np.testing.assert_array_equal(init.n, [4.0, 0.0, 10.0])
    np.testing.assert_array_equal(init.mustart, (init.n * init.y + 0.5) / (init.n + 1))


def test_domain_errors() -> None:
    with pytest.raises(DomainError, match="non-positive values not allowed for the 'Gamma' family: 1 row"):
        F.Gamma().initialize(np.array([1.0, 0.0]), np.ones(2))
    with pytest.raises(DomainError, match="'inverse.gaussian'"):
        F.InverseGaussian().initialize(np.array([-1.0]), np.ones(1))
    with pytest.raises(DomainError, match="must be 0 <= y <= 1"):
        F.Binomial().initialize(np.array([0.5, 2.0]), np.ones(2))
    with pytest.raises(DomainError, match="two-column response is only meaningful for the binomial"):
        F.Poisson().initialize(np.ones((3, 2)), np.ones(3))
    with pytest.raises(FamilyError, match="var_power must be 0 or at least 1"):
        F.Tweedie(0.5)
    with pytest.raises(DomainError, match="cannot find valid starting values"):
        F.Gaussian(link="log").initialize(np.array([0.0, 1.0]), np.ones(2))


def _data(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = 40
    wt = RNG.uniform(0.5, 2.0, n)
    if kind == "binomial":
        mu = RNG.uniform(0.1, 0.9, n)
        y = RNG.integers(0, 2, n).astype(float)
    elif kind == "count":
        mu = RNG.uniform(0.5, 6.0, n)
        y = RNG.poisson(mu).astype(float)
    else:
        mu = RNG.uniform(0.5, 6.0, n)
        y = RNG.gamma(3.0, mu / 3.0)
    return y, mu, wt


def test_unit_deviances_closed_form() -> None:
    y, mu, wt = _data("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y / mu), 0.0)
    np.testing.assert_allclose(F.Poisson().dev_resids(y, mu, wt), 2 * wt * (ylogy - (y - mu)), rtol=1e-13)
    th = 2.5
    nb = (
        2
        * wt
        * (np.where(y > 0, y * np.log(np.maximum(y, 1) / mu), 0) - (y + th) * np.log((y + th) / (mu + th)))
    )
    np.testing.assert_allclose(F.NegativeBinomial(th).dev_resids(y, mu, wt), nb, rtol=1e-12)
    y, mu, wt = _data("binomial")
    expected = -2 * wt * (y * np.log(mu) + (1 - y) * np.log(1 - mu))
    np.testing.assert_allclose(F.Binomial().dev_resids(y, mu, wt), expected, rtol=1e-13)
    y, mu, wt = _data("positive")
    np.testing.assert_allclose(
        F.Gamma().dev_resids(y, mu, wt), -2 * wt * (np.log(y / mu) - (y - mu) / mu), rtol=1e-12
    )
    np.testing.assert_allclose(
        F.InverseGaussian().dev_resids(y, mu, wt), wt * (y - mu) ** 2 / (y * mu**2), rtol=1e-13
    )
    np.testing.assert_allclose(F.Gaussian().dev_resids(y, mu, wt), wt * (y - mu) ** 2, rtol=1e-15)
    # Tweedie unit deviance, p = 1.5
    p = 1.5
    tw = 2 * wt * (y ** (2 - p) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p) + mu ** (2 - p) / (2 - p))
    np.testing.assert_allclose(F.Tweedie(p).dev_resids(y, mu, wt), tw, rtol=1e-10)


def test_aic_closed_forms() -> None:
    y, mu, wt = _data("count")
    ll = np.sum(wt * stats.poisson.logpmf(y, mu))
    assert math.isclose(F.Poisson().aic(y, np.ones_like(y), mu, wt, 0.0), -2 * ll, rel_tol=1e-12)
    th = 1.7
    lnb = (
        special.gammaln(y + th)
        - special.gammaln(th)
        - special.gammaln(y + 1)
        + th * np.log(th / (mu + th))
        + y * np.log(mu / (mu + th))
    )
    assert math.isclose(
        F.NegativeBinomial(th).aic(y, np.ones_like(y), mu, wt, 0.0), -2 * np.sum(wt * lnb), rel_tol=1e-12
    )
    y, mu, wt = _data("positive")
    dev = float(np.sum(F.Gamma().dev_resids(y, mu, wt)))
    disp = dev / wt.sum()
    lg = np.sum(wt * stats.gamma.logpdf(y, 1 / disp, scale=mu * disp))
    assert math.isclose(F.Gamma().aic(y, np.ones_like(y), mu, wt, dev), -2 * lg + 2, rel_tol=1e-12)
    dev = float(np.sum(F.InverseGaussian().dev_resids(y, mu, wt)))
    disp = dev / wt.sum()
    lig = np.sum(wt * (-0.5 * np.log(2 * np.pi * disp * y**3) - (y - mu) ** 2 / (2 * disp * y * mu**2)))
    assert math.isclose(F.InverseGaussian().aic(y, np.ones_like(y), mu, wt, dev), -2 * lig + 2, rel_tol=1e-12)
    w1 = np.ones_like(y)
    dev = float(np.sum((y - mu) ** 2))
    sigma2 = dev / y.size
    ln = np.sum(stats.norm.logpdf(y, mu, np.sqrt(sigma2)))
    assert math.isclose(F.Gaussian().aic(y, w1, mu, w1, dev), -2 * ln + 2, rel_tol=1e-12)
    # binomial with trials: log-likelihood of the counts, binomial coefficient included
    n = np.array([5.0, 8.0, 3.0])
    k = np.array([2.0, 8.0, 0.0])
    p = np.array([0.3, 0.9, 0.2])
    lb = np.sum(stats.binom.logpmf(k, n, p))
    assert math.isclose(F.Binomial().aic(k / n, n, p, n, 0.0), -2 * lb, rel_tol=1e-12)
    for fam in (F.QuasiPoisson(), F.QuasiBinomial(), F.Quasi(), F.Tweedie(1.5)):
        assert math.isnan(fam.aic(y, w1, mu, w1, 1.0))


def test_repr_and_equality() -> None:
    assert repr(F.Binomial(link="probit")) == 'Binomial(link="probit")'
    assert F.Binomial(link="probit") == F.Binomial(link="probit") != F.Binomial()
    assert F.Binomial().r_call() == "binomial()"
    assert F.Gamma(link="log").r_call() == 'Gamma(link = "log")'
    assert F.Quasi(variance="mu^2", link="log").r_call() == 'quasi(link = "log", variance = "mu^2")'
