"""Profile-likelihood confidence intervals (rglm.inference.profile) against R.

The cases under tests/data/r_profile are made by tests/r/make_profile_cases.R.  Each holds
what R's ``confint(glm)`` (MASS's profile.glm + confint.profile.glm) reports and, as a sharper
oracle, the exact ends of the same profile: roots of ``|z(b)| = qnorm(1 - alpha/2)`` found by
uniroot on deviances refitted to a tight tolerance.  R's own ends are read off a spline
through a coarse grid, so they are compared at 2e-3 relative; the exact ends at 1e-6.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rcases import r_key as _key
from scipy import special

import rglm
import rglm.inference.profile as profile_module
from rglm.inference.profile import profile_conf_int, profile_z

HERE = Path(__file__).parent / "data"
CASE_FILES = sorted((HERE / "r_profile").glob("*.json"))
R_RTOL = 2e-3  # R's spline interpolation error
EXACT_RTOL = 1e-6


def _fit(case: dict[str, Any]) -> rglm.GLMResult:
    py = case["python"]
    if py.get("inline"):
        data = pd.DataFrame(py["inline"])
    else:
        data = pd.read_csv(HERE / "r_cases" / "data" / f"{py['data']}.csv")
    kwargs = dict(py.get("family_args") or {})
    if py.get("link"):
        kwargs["link"] = py["link"]
    extra = {k: py[k] for k in ("weights", "offset") if py.get(k)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the separated cases warn, as R does
        return rglm.glm(py["formula"], data, family=getattr(rglm, py["family"])(**kwargs), **extra)


def _nan(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.fixture(scope="module", params=CASE_FILES, ids=[p.stem for p in CASE_FILES])
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], rglm.GLMResult, pd.DataFrame, list[str]]:
    c = json.loads(request.param.read_text())
    m = _fit(c)
    r = c["r"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ci = m.conf_int(level=r["level"], method="profile", params=c["python"]["params"])
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    return c, m, ci, messages


def test_names_follow_params(case: tuple) -> None:
    c, m, ci, _ = case
    assert list(ci.columns) == ["lower", "upper"]
    assert [_key(n) for n in ci.index] == [_key(n) for n in c["r"]["parm"]]
    want = c["python"]["params"] or m.exog_names
    assert list(ci.index) == list(want)


def test_matches_r_confint(case: tuple) -> None:
    c, _, ci, _ = case
    r = c["r"]
    if r["r_confint"] is None:
        want = np.full(ci.shape, np.nan)
    else:
        want = np.c_[_nan(r["r_confint"]["lower"]), _nan(r["r_confint"]["upper"])]
    have = ~np.isnan(want)
    if not have.any():
        # R's confint fails on these data, or gives nothing usable (the estimates are
        # infinite); the exact ends are the oracle there.
        assert c["id"] in {"separated_logit", "poisson_empty_level"}
        return
    np.testing.assert_allclose(ci.to_numpy()[have], want[have], rtol=R_RTOL)


def test_matches_exact_profile_roots(case: tuple) -> None:
    c, _, ci, _ = case
    r = c["r"]
    want = np.c_[_nan(r["exact"]["lower"]), _nan(r["exact"]["upper"])]
    got = ci.to_numpy()
    have = ~np.isnan(want)
    np.testing.assert_allclose(got[have], want[have], rtol=EXACT_RTOL)


def test_missing_ends_are_nan_for_aliased_and_infinite_otherwise(case: tuple) -> None:
    c, _, ci, messages = case
    r = c["r"]
    want = np.c_[_nan(r["exact"]["lower"]), _nan(r["exact"]["upper"])]
    coef = {_key(n): v for n, v in zip(r["coef_names"], r["coef"], strict=False)}
    aliased = np.array([coef[_key(n)] is None for n in ci.index])
    got = ci.to_numpy()
    assert np.isnan(got[aliased]).all()
    # Where no exact end exists for an estimable coefficient, the profile never reaches
    # the cutoff: -inf below, +inf above, each with a ProfileWarning naming the coefficient.
    missing = np.isnan(want) & ~aliased[:, None]
    assert np.array_equal(np.isneginf(got[:, 0]), missing[:, 0])
    assert np.array_equal(np.isposinf(got[:, 1]), missing[:, 1])
    profile_warnings = [msg for msg in messages if msg.startswith("ProfileWarning")]
    assert len(profile_warnings) == int(missing.sum())
    for name in ci.index[missing.any(axis=1)]:
        assert any(repr(name) in msg for msg in profile_warnings)
    assert not [msg for msg in messages if not msg.startswith("ProfileWarning")]


def test_ends_solve_the_profile_equation(case: tuple) -> None:
    """z(lower) = -q and z(upper) = q: the ends are roots, not grid readings."""
    c, m, ci, _ = case
    q = float(special.ndtri(1 - (1 - c["r"]["level"]) / 2))
    for name, (lo, hi) in ci.iterrows():
        ends = [v for v in (lo, hi) if np.isfinite(v)]
        if not ends:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z = profile_z(m, name, ends).to_numpy()
        np.testing.assert_allclose(np.abs(z), q, rtol=1e-7)
        assert np.all(np.sign(z) == np.sign(np.asarray(ends) - m.params[name]))


# ---------------------------------------------------------------------------------------------
# Closed forms and behaviour
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, "cyl"])
def test_gaussian_identity_profile_is_the_normal_wald_interval(weights: str | None) -> None:
    """For a Gaussian identity model D(b) - D = (b - bhat)^2 / [(X'WX)^-1]_jj exactly, so
    z(b) = (b - bhat) / se and the profile interval is bhat -/+ qnorm(1 - alpha/2) se."""
    d = rglm.datasets.load("mtcars")
    m = rglm.glm("mpg ~ wt + hp + C(cyl)", d, weights=weights)
    for alpha in (0.05, 0.2):
        prof = m.conf_int(level=1 - alpha, method="profile")
        q = special.ndtri(1 - alpha / 2)
        b, se = m.params.to_numpy(), m.bse.to_numpy()
        np.testing.assert_allclose(prof["lower"], b - q * se, rtol=1e-8)
        np.testing.assert_allclose(prof["upper"], b + q * se, rtol=1e-8)
    z = profile_z(m, "wt", m.params["wt"] + np.array([-2.0, 0.5, 3.0]) * m.bse["wt"])
    np.testing.assert_allclose(z, [-2.0, 0.5, 3.0], rtol=1e-8)


def test_params_by_name_position_and_single() -> None:
    d = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex + ldose", d, family=rglm.Binomial())
    full = profile_conf_int(m)
    pd.testing.assert_frame_equal(m.conf_int(method="profile"), full)
    pd.testing.assert_frame_equal(m.conf_int(method="profile", params="ldose"), full.loc[["ldose"]])
    pd.testing.assert_frame_equal(m.conf_int(method="profile", params=[2, 0]), full.iloc[[2, 0]])
    with pytest.raises(rglm.ArgumentError, match="'dose'"):
        m.conf_int(method="profile", params="dose")
    with pytest.raises(rglm.ArgumentError, match="alpha"):
        profile_conf_int(m, alpha=1.5)


def test_profile_z_of_aliased_coefficient_is_an_error() -> None:
    m = rglm.glm("mpg ~ wt + wt2 + hp", rglm.datasets.load("mtcars"))
    with pytest.raises(rglm.FitError, match="'wt2'"):
        profile_z(m, "wt2", [1.0])


def test_refits_are_few_and_warm_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each end costs a handful of refits of a few IRLS iterations each."""
    d = rglm.datasets.load("esoph")
    m = rglm.glm("cbind(ncases, ncontrols) ~ agegp + alcgp", d, family=rglm.Binomial())
    calls: list[int] = []
    real = profile_module.refit

    def counting(*args: Any, **kwargs: Any) -> Any:
        fit = real(*args, **kwargs)
        calls.append(fit.iterations)
        return fit

    monkeypatch.setattr(profile_module, "refit", counting)
    ci = m.conf_int(method="profile")
    assert np.isfinite(ci.to_numpy()).all()
    n_ends = 2 * len(m.params)
    assert len(calls) <= 10 * n_ends
    assert np.mean(calls) <= 5


def test_no_residual_df_gives_nan_with_warning() -> None:
    d = pd.DataFrame({"x": [1.0, 2.0, 4.0], "y": [1.0, 3.0, 2.0]})
    m = rglm.glm("y ~ x + I(x**2)", d)
    with pytest.warns(rglm.DispersionWarning, match="dispersion"):
        ci = m.conf_int(method="profile")
    assert ci.isna().all().all()


def test_unconverged_model_is_reported() -> None:
    """As profile.glm: a refit that beats the model's deviance means the model had not
    converged."""
    d = rglm.datasets.load("insectsprays")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = rglm.glm("count ~ spray", d, family=rglm.Poisson(), max_iter=1)
    # One Fisher scoring step leaves the deviance about 6 above its minimum.
    assert m.deviance > rglm.glm("count ~ spray", d, family=rglm.Poisson()).deviance + 1
    with pytest.raises(rglm.FitError, match="better fit"):
        m.conf_int(method="profile")


def test_does_not_touch_the_model() -> None:
    d = rglm.datasets.load("ships")
    m = rglm.glm("incidents ~ type + offset(log(service))", d, family=rglm.Poisson())
    before = (m.params.copy(), m.deviance, m.fit.eta.copy())
    ci = m.conf_int(method="profile", params=["type[T.B]"])
    assert math.isfinite(ci.iloc[0, 0])
    pd.testing.assert_series_equal(m.params, before[0])
    assert m.deviance == before[1]
    np.testing.assert_array_equal(m.fit.eta, before[2])
