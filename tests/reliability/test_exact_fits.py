"""Exact fits and small dispersions: R's numbers, or R's -Inf/NaN with an ExactFitWarning, never
a raw ZeroDivisionError or math domain error; Gamma's AIC computed as R's dgamma does."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.cli import main
from rglm.families.densities import log_dgamma

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("case", json.loads((DATA / "gamma_small_dispersion.json").read_text()))
def test_gamma_aic_at_small_dispersion_is_r(case: dict) -> None:  # type: ignore[type-arg]
    """R's figures (make_gamma.R): the textbook log-density loses ~1000 in AIC at noise 1e-8."""
    d = pd.read_csv(DATA / "gamma_small_dispersion.csv")
    m = rglm.glm("y ~ x", d[d["noise"] == case["noise"]], family=rglm.Gamma(link="log"))
    np.testing.assert_allclose(m.params.to_numpy(), case["coef"], rtol=1e-6)
    np.testing.assert_allclose(m.deviance, case["deviance"], rtol=1e-6)
    np.testing.assert_allclose([m.aic, m.llf, m.bic], [case["aic"], case["loglik"], case["bic"]], rtol=1e-9)


def test_log_dgamma_matches_scipy_where_it_is_accurate() -> None:
    from scipy import stats

    y = np.array([0.1, 0.5, 1.0, 2.0, 7.5, 30.0])
    for shape in (0.3, 1.0, 2.5, 14.5, 40.0, 600.0):
        scale = np.array([0.2, 0.5, 1.0, 1.5, 3.0, 0.05])
        np.testing.assert_allclose(
            log_dgamma(y, shape, scale), stats.gamma.logpdf(y, shape, scale=scale), rtol=1e-10, atol=1e-10
        )


def test_log_dgamma_edge_cases_as_r() -> None:
    # R: dgamma(0, 1, scale=2, log=TRUE) = -log(2); dgamma(0, 0.5, log=TRUE) = Inf;
    # dgamma(0, 2, log=TRUE) = -Inf; dgamma(-1, 2, log=TRUE) = -Inf; dgamma(1, 2, scale=0) = NaN.
    assert log_dgamma(np.array([0.0]), 1.0, np.array([2.0]))[0] == -math.log(2.0)
    assert log_dgamma(np.array([0.0]), 0.5, np.array([1.0]))[0] == math.inf
    assert log_dgamma(np.array([0.0, -1.0]), 2.0, np.array([1.0, 1.0])).tolist() == [-math.inf] * 2
    assert math.isnan(log_dgamma(np.array([1.0]), 2.0, np.array([0.0]))[0])
    assert math.isnan(log_dgamma(np.array([1.0]), math.inf, np.array([1.0]))[0])


def test_gaussian_exact_fit_has_minus_inf_aic() -> None:
    d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6]})
    d["y"] = d["x"]
    with pytest.warns(rglm.ExactFitWarning, match="residual deviance is 0.*-Inf"):
        m = rglm.glm("y ~ x", d)
    assert m.deviance == 0 and m.aic == -math.inf and m.llf == math.inf and m.bic == -math.inf
    np.testing.assert_allclose(m.params.to_numpy(), [0.0, 1.0], atol=1e-14)
    assert "AIC: -Inf" in str(m.summary())


def test_constant_gamma_response_has_nan_aic() -> None:
    d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "y": 2.0})
    with pytest.warns(rglm.ExactFitWarning, match="NaN"):
        m = rglm.glm("y ~ 1", d, family=rglm.Gamma(link="log"))
    assert math.isnan(m.aic) and math.isnan(m.llf)
    assert m.params.iloc[0] == pytest.approx(math.log(2.0), rel=1e-12)
    str(m.summary())


def test_exact_fit_in_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame({"x": [1, 2, 3, 4], "y": [1, 2, 3, 4]}).to_csv(path, index=False)
    assert main(["fit", "y ~ x", "--data", str(path)]) == 0
    out = capsys.readouterr()
    assert "AIC: -Inf" in out.out and "rglm: warning: the residual deviance is 0" in out.err


@pytest.mark.parametrize("counts", [[0, 0, 0, 0, 0, 0], [3, 3, 3, 3, 3, 3]])
@pytest.mark.parametrize("formula", ["y ~ 1", "y ~ x"])
def test_negative_binomial_without_dispersion_is_a_clear_error(counts: list[int], formula: str) -> None:
    """MASS fails here with "missing value where TRUE/FALSE needed": theta has no estimate."""
    d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "y": counts})
    with pytest.raises(rglm.FitError, match="theta cannot be estimated.*fit a Poisson model"):
        rglm.glm(formula, d, family=rglm.NegativeBinomial())
