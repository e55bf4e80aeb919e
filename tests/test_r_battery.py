"""The reference battery's inference parts against R: analysis of deviance, drop1, profile
intervals, influence and the negative binomial's theta.

The cases are R 4.2.2 fits in one JSON format: the shared battery (tests/data/r_shared) and
more datasets, families and links made the same way (tests/data/r_extra: a no-intercept
factor, a factor-by-factor interaction without main effects, a logical predictor, probit,
cloglog with weights, sqrt link, inverse Gaussian, Gamma log, quasi families, glm.nb with an
interaction, NA rows).  tests/test_r_reference.py checks the fits themselves.
"""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rcases import fit_case_file, r_key

import rglm

HERE = Path(__file__).parent / "data"
CASES = sorted((HERE / "r_shared" / "cases").glob("*.json")) + sorted(
    (HERE / "r_extra" / "cases").glob("*.json")
)


def _having(part: str) -> list[Path]:
    """The cases whose R figures include ``part`` (each test runs only where R reported it)."""
    return [p for p in CASES if json.loads(p.read_text())["r"].get(part)]


@functools.cache
def _fit(path: Path) -> tuple[rglm.GLMResult, dict[str, Any]]:
    return fit_case_file(path)


def _vec(values: list[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _close(got: Any, want: list[Any], rtol: float, what: str) -> None:
    w = _vec(want)
    g = np.asarray(got, dtype=float)
    assert g.shape == w.shape, f"{what}: {g.shape} vs R {w.shape}"
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"{what}: NaN pattern")
    scale = float(np.nanmax(np.abs(w), initial=0.0))
    np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-10 * max(scale, 1.0), err_msg=what)


def _params(part: str) -> Any:
    cases = _having(part)
    return pytest.mark.parametrize("path", cases, ids=[p.stem for p in cases])


@_params("anova")
def test_anova(path: Path) -> None:
    m, r = _fit(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rglm.AnovaWarning)  # glm.nb: tests without re-estimating theta
        a = rglm.anova(m, test=r["anova"]["test"])
    assert [r_key(t) for t in a.index] == [r_key(t) for t in r["anova"]["terms"]]
    for col, key in [
        ("Df", "df"),
        ("Deviance", "deviance"),
        ("Resid. Df", "resid_df"),
        ("Resid. Dev", "resid_dev"),
    ]:
        _close(a[col], r["anova"][key], 1e-6, f"anova {col}")
    _close(a.iloc[:, -1], r["anova"]["p"], 1e-6, "anova p")


@_params("drop1")
def test_drop1(path: Path) -> None:
    m, r = _fit(path)
    d = rglm.drop1(m, test="Chisq")
    want = r["drop1"]
    assert [r_key(t) for t in d.index] == [r_key(t) for t in want["terms"]]
    lrt = want.get("lrt_name", "LRT")
    assert lrt in d.columns
    columns = [("Df", "df"), ("Deviance", "deviance"), (lrt, "lrt")]
    if want["aic"]:
        columns.append(("AIC", "aic"))
    else:  # R has no AIC column for quasi families
        assert "AIC" not in d.columns
    for col, key in columns:
        _close(d[col], want[key], 1e-6, f"drop1 {col}")
    _close(d["Pr(>Chi)"], want["p"], 1e-6, "drop1 p")


@_params("confint_profile")
def test_profile_intervals(path: Path) -> None:
    """R's confint interpolates a spline through a grid of refits; rglm finds the exact roots
    (held to 1e-6 against exact R roots in tests/test_profile.py), so R's ends are met to
    R's own interpolation error."""
    m, r = _fit(path)
    where = {r_key(n): i for i, n in enumerate(m.exog_names)}
    idx = [where[r_key(n)] for n in r["coef_names"]]
    ci = m.conf_int(method="profile").to_numpy()[idx]
    _close(ci[:, 0], r["confint_profile"]["lower"], 2e-3, "profile lower")
    _close(ci[:, 1], r["confint_profile"]["upper"], 2e-3, "profile upper")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_influence(path: Path) -> None:
    m, r = _fit(path)
    infl = m.influence()
    for col, key in [("hat", "hat"), ("cooks_d", "cooks"), ("rstandard", "rstandard")]:
        _close(infl[col], r[key], 1e-6, f"influence {col}")


@_params("theta")
def test_theta(path: Path) -> None:
    m, r = _fit(path)
    assert m.theta == pytest.approx(r["theta"], rel=1e-6)
    assert m.theta_se == pytest.approx(r["se_theta"], rel=1e-6)
