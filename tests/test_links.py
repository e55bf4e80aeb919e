"""Link functions: inverses, derivatives and R's clamps, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from rglm import links
from rglm.exceptions import FamilyError

EPS = np.finfo(float).eps

PROB_LINKS = [links.Logit(), links.Probit(), links.Cauchit(), links.CLogLog(), links.Log(), links.Identity()]
POS_LINKS = [
    links.Log(),
    links.Identity(),
    links.Sqrt(),
    links.Inverse(),
    links.InverseSquare(),
    links.Power(lmbda=1 / 3),
    links.Power(lmbda=2.5),
]


@pytest.mark.parametrize("link", PROB_LINKS, ids=lambda lk: lk.name)
def test_inverse_of_link_probabilities(link: links.Link) -> None:
    mu = np.linspace(0.01, 0.99, 99)
    np.testing.assert_allclose(link.inverse(link.link(mu)), mu, rtol=1e-12)


@pytest.mark.parametrize("link", POS_LINKS, ids=lambda lk: lk.name)
def test_inverse_of_link_positive(link: links.Link) -> None:
    mu = np.geomspace(0.05, 50, 101)
    np.testing.assert_allclose(link.inverse(link.link(mu)), mu, rtol=1e-12)


@pytest.mark.parametrize("link", PROB_LINKS + POS_LINKS, ids=lambda lk: lk.name)
def test_mu_eta_is_the_derivative(link: links.Link) -> None:
    mu = np.linspace(0.1, 0.9, 17)
    eta = link.link(mu)
    h = 1e-6 * np.maximum(1.0, np.abs(eta))
    numeric = (link.inverse(eta + h) - link.inverse(eta - h)) / (2 * h)
    np.testing.assert_allclose(link.mu_eta(eta), numeric, rtol=1e-6)


def test_closed_forms() -> None:
    eta = np.array([-2.0, -0.3, 0.0, 0.7, 3.0])
    np.testing.assert_allclose(links.Logit().inverse(eta), 1 / (1 + np.exp(-eta)), rtol=1e-14)
    np.testing.assert_allclose(links.Probit().inverse(eta), stats.norm.cdf(eta), rtol=1e-14)
    np.testing.assert_allclose(links.Cauchit().inverse(eta), stats.cauchy.cdf(eta), rtol=1e-14)
    np.testing.assert_allclose(links.CLogLog().inverse(eta), 1 - np.exp(-np.exp(eta)), rtol=1e-13)
    np.testing.assert_allclose(links.Probit().mu_eta(eta), stats.norm.pdf(eta), rtol=1e-14)
    np.testing.assert_allclose(links.Cauchit().mu_eta(eta), stats.cauchy.pdf(eta), rtol=1e-14)
    pos = np.array([0.2, 1.0, 4.0])
    np.testing.assert_allclose(links.InverseSquare().inverse(pos), 1 / np.sqrt(pos), rtol=1e-15)
    np.testing.assert_allclose(links.InverseSquare().mu_eta(pos), -0.5 * pos**-1.5, rtol=1e-15)
    np.testing.assert_allclose(links.Inverse().mu_eta(pos), -1 / pos**2, rtol=1e-15)


def test_r_clamps() -> None:
    # logit: exp(eta) replaced by eps below -30 and 1/eps above 30 (R's C_logit_linkinv)
    assert links.Logit().inverse([-40.0])[0] == EPS / (1 + EPS)
    assert links.Logit().inverse([40.0])[0] == (1 / EPS) / (1 + 1 / EPS)
    assert links.Logit().mu_eta([35.0])[0] == EPS
    assert links.Log().inverse([-800.0])[0] == EPS
    assert links.Log().mu_eta([-800.0])[0] == EPS
    assert links.CLogLog().inverse([5.0])[0] == 1 - EPS
    assert links.CLogLog().inverse([-50.0])[0] == EPS
    assert links.CLogLog().mu_eta([800.0])[0] == EPS
    thresh = -stats.norm.ppf(EPS)
    assert links.Probit().inverse([100.0])[0] == stats.norm.cdf(thresh)
    assert links.Power(lmbda=0.5).inverse([1e-200])[0] == EPS


def test_valid_eta() -> None:
    assert links.Sqrt().valid_eta([0.1, 2.0]) and not links.Sqrt().valid_eta([0.0, 2.0])
    assert not links.InverseSquare().valid_eta([np.inf])
    assert links.Inverse().valid_eta([-1.0, 1.0]) and not links.Inverse().valid_eta([0.0])
    assert links.Logit().valid_eta([-1e300])
    assert links.Power(lmbda=0.5, clamp=False).valid_eta([-1.0])


def test_names_and_power() -> None:
    for name in links.LINK_NAMES:
        assert links.get_link(name).name == name
    assert isinstance(links.power(0), links.Log)
    assert isinstance(links.power(-1), links.Log)
    assert isinstance(links.power(1), links.Identity)
    third = links.get_link("power(1/3)")
    assert isinstance(third, links.Power) and math.isclose(third.lmbda, 1 / 3) and third.name == "mu^0.333"
    assert links.get_link("mu^2").name == "mu^2"
    same = links.Logit()
    assert links.get_link(same) is same


def test_unknown_link() -> None:
    with pytest.raises(FamilyError, match="unknown link 'logitt'.*'logit'"):
        links.get_link("logitt")
    with pytest.raises(FamilyError, match="lambda must be a number"):
        links.get_link("power(a)")
    with pytest.raises(FamilyError, match="non-zero lambda"):
        links.Power(lmbda=0.0)


def test_links_are_immutable_and_hashable() -> None:
    lk = links.Logit()
    with pytest.raises(AttributeError):
        lk.name = "probit"  # type: ignore[misc]
    assert {links.Logit(), links.Logit()} == {links.Logit()}
