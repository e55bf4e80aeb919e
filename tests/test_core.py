"""The result core (rglm.results.core) on a model that is not a GLM: what a new model gets by
implementing its hooks (tests, intervals, information criteria, tidy/glance, compare)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import rglm
from rglm.models.base import ModelMethods
from rglm.results.core import ResultCore


class NormalMeans(ModelMethods):
    """Group means of normal data with known unit variance: theta_j = mean of group j."""

    def __init__(self, groups: list[np.ndarray]) -> None:
        self.__dict__["groups"] = groups

    @property
    def param_names(self) -> list[str]:
        return [f"mu{j}" for j in range(len(self.groups))]

    def param_vector(self) -> np.ndarray:
        return np.array([g.mean() for g in self.groups])

    def vcov_matrix(self) -> np.ndarray:
        return np.diag([1.0 / g.size for g in self.groups])

    @property
    def nobs(self) -> int:
        return sum(g.size for g in self.groups)

    @property
    def df_resid(self) -> int:
        return self.nobs - len(self.groups)

    @property
    def llf(self) -> float:
        return float(sum(stats.norm.logpdf(g, g.mean()).sum() for g in self.groups))

    @property
    def n_params(self) -> int:
        return len(self.groups)


RNG = np.random.default_rng(1)
Y1, Y2 = RNG.normal(0.0, 1.0, 30), RNG.normal(0.8, 1.0, 20)


@pytest.fixture
def big() -> NormalMeans:
    return NormalMeans([Y1, Y2])


@pytest.fixture
def small() -> NormalMeans:
    return NormalMeans([np.concatenate([Y1, Y2])])


def test_coefficient_table_and_intervals(big: NormalMeans) -> None:
    b, se = np.array([Y1.mean(), Y2.mean()]), np.sqrt([1 / 30, 1 / 20])
    np.testing.assert_allclose(big.params.to_numpy(), b)
    np.testing.assert_allclose(big.bse.to_numpy(), se)
    table = big.coef_table()
    assert list(table.columns) == ["Estimate", "Std. Error", "z value", "Pr(>|z|)"]
    np.testing.assert_allclose(table["Pr(>|z|)"], 2 * stats.norm.sf(np.abs(b / se)))
    ci = big.conf_int(0.9, params="mu1")
    np.testing.assert_allclose(ci.to_numpy()[0], b[1] + np.array([-1, 1]) * stats.norm.ppf(0.95) * se[1])
    assert not big.aliased.any()
    assert big.coef_lines()[0].split() == ["Estimate", "Std.", "Error", "z", "value", "Pr(>|z|)"]
    with pytest.raises(AttributeError, match="immutable"):
        big.groups = []  # type: ignore[misc]


def test_information_criteria(big: NormalMeans) -> None:
    assert big.aic == pytest.approx(-2 * big.llf + 4)
    assert big.bic == pytest.approx(-2 * big.llf + 2 * math.log(50))


def test_tests_tidy_glance_and_compare(big: NormalMeans, small: NormalMeans) -> None:
    w = big.wald_test("mu0 = mu1")
    d = Y1.mean() - Y2.mean()
    assert w.statistic == pytest.approx(d * d / (1 / 30 + 1 / 20)) and w.distribution == "chi2"
    lr = big.lr_test(small)
    assert lr.statistic == pytest.approx(2 * (big.llf - small.llf)) and lr.df == 1
    assert lr.p_value == pytest.approx(stats.chi2.sf(lr.statistic, 1))
    tidy = big.tidy(conf_int=True)
    assert list(tidy["term"]) == ["mu0", "mu1"]
    np.testing.assert_allclose(tidy["conf_low"], big.conf_int()["lower"])
    glance = big.glance()
    assert list(glance.columns) == ["logLik", "AIC", "BIC", "deviance", "df_residual", "nobs"]
    assert glance["nobs"].dtype == np.int64
    table = rglm.compare({"two means": big, "one mean": small}, extra=("nobs", "aic", "null_deviance"))
    frame = table.to_frame()
    assert frame.loc[("mu1", "estimate"), "one mean"] == ""
    assert frame.loc[("Null deviance", ""), "two means"] == "NA"


def test_a_glm_and_another_model_are_not_compared_by_lr(big: NormalMeans) -> None:
    m = rglm.glm("counts ~ C(outcome)", rglm.datasets.load("dobson"), family=rglm.Poisson())
    with pytest.raises(rglm.FamilyError):
        m.lr_test(big)
    with pytest.raises(rglm.ArgumentError):
        big.lr_test(m)
    assert isinstance(m, ResultCore)
    pd.testing.assert_frame_equal(m.coef_table(), m.summary().coefficients)
