"""Influence measures against R's ``lm.influence`` / ``influence.measures`` and statsmodels.

The R figures come from tests/r/make_influence_cases.R (tests/data/r_influence): R's
``hatvalues``, ``influence()$sigma``, ``cooks.distance``, ``rstandard`` (both types),
``rstudent``, ``dfbeta`` and the whole ``influence.measures`` matrix, for Gaussian,
binomial (``cbind`` and 0/1, logit and probit), Poisson with an offset, Gamma, inverse
Gaussian, quasi-Poisson, quasi-binomial and negative binomial fits, a weighted fit with zero
weights, aliased columns, a factor level with a single row (hat value 1), a model with no
coefficients, and missing values with ``na_action`` "exclude" and "omit".

Tolerance: relative 1e-6, with an absolute floor of 1e-10 times the largest value of the
measure in the model (``dfbetas`` of coefficients that are exactly 0 in theory are rounding
noise of order 1e-16 in R and here alike).
"""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.exceptions import ArgumentError
from rglm.inference import influence as infl_mod
from rglm.numerics.design import BLOCK_ROWS

HERE = Path(__file__).parent / "data" / "r_influence"
CASE_FILES = sorted((HERE / "cases").glob("*.json"))
IDS = [p.stem for p in CASE_FILES]
RTOL = 1e-6


@functools.cache
def load(name: str) -> dict[str, Any]:
    return json.loads((HERE / "cases" / f"{name}.json").read_text())


def fit_case(name: str, **changes: Any) -> tuple[rglm.GLMResult, pd.DataFrame]:
    py = load(name)["python"]
    data = pd.read_csv(HERE / py["data"])
    kwargs = dict(py.get("family_args") or {})
    if py.get("link"):
        kwargs["link"] = py["link"]
    extra: dict[str, Any] = {k: py[k] for k in ("weights", "na_action") if py.get(k)}
    extra.update(changes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero weights, separation notes: not what is tested here
        m = rglm.glm(py["formula"], data, family=getattr(rglm, py["family"])(**kwargs), **extra)
    return m, data


@functools.cache
def fitted(name: str) -> rglm.GLMResult:
    return fit_case(name)[0]


def values(v: list[Any]) -> np.ndarray:
    """R's vector: null (NA) and "NaN" both as NaN."""
    return np.array([np.nan if (x is None or x == "NaN") else x for x in v], dtype=float)


def assert_r_close(got: Any, want: np.ndarray, what: str) -> None:
    got = np.asarray(got, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs R {want.shape}"
    np.testing.assert_array_equal(
        np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN pattern differs from R"
    )
    finite = ~np.isnan(want)
    floor = 1e-10 * float(np.max(np.abs(want[finite]), initial=0.0))
    np.testing.assert_allclose(got[finite], want[finite], rtol=RTOL, atol=floor, err_msg=what)


def r_rows(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row labels R reports (positions in the CSV), and which of them the model used
    (R reports the rows dropped by na.exclude too, with no residual)."""
    r = load(name)["r"]
    rows = np.asarray(r["rows"], dtype=int)
    return rows, ~np.isnan(values(r["dev_res"]))


def infmat(name: str) -> dict[str, np.ndarray]:
    r = load(name)["r"]
    return {k: values(v) for k, v in zip(r["infmat_columns"] or [], r["infmat"], strict=False)}


def on_r_rows(name: str, frame: pd.DataFrame | pd.Series) -> Any:
    rows, used = r_rows(name)
    return frame.loc[rows[used]]


# -- every measure of every case against R ----------------------------------------------------------------
MEASURES = {
    # our column -> (R's vector in the case, or a column of influence.measures)
    "hat": ("hatvalues", None),
    "sigma": ("sigma", None),
    "cooks_d": ("cooks", "cook.d"),
    "rstandard": ("rstandard", None),
    "rstudent": ("rstudent", None),
    "dffits": (None, "dffit"),
    "cov_ratio": (None, "cov.r"),
}


@pytest.mark.parametrize("name", IDS)
@pytest.mark.parametrize("column", list(MEASURES))
def test_measure_matches_r(name: str, column: str) -> None:
    key, im_key = MEASURES[column]
    _, used = r_rows(name)
    got = on_r_rows(name, fitted(name).influence()[column])
    if key is not None:
        assert_r_close(got, values(load(name)["r"][key])[used], f"{name} {column}")
    im = infmat(name)
    if im_key is not None and im:
        assert_r_close(got, im[im_key][used], f"{name} {column} (influence.measures)")


@pytest.mark.parametrize("name", IDS)
def test_influence_measures_hat_column(name: str) -> None:
    im = infmat(name)
    if not im:
        # R's influence.measures refuses a model without coefficients; its hatvalues are all 0.
        assert load(name)["r"]["aliased"] == [] and np.all(fitted(name).influence()["hat"] == 0)
        return
    _, used = r_rows(name)
    assert_r_close(on_r_rows(name, fitted(name).influence()["hat"]), im["hat"][used], f"{name} hat")


@pytest.mark.parametrize("name", IDS)
def test_dfbetas_match_influence_measures(name: str) -> None:
    m = fitted(name)
    frame = m.influence()
    dfb = [c for c in frame.columns if c.startswith("dfb_")]
    kept = [n for n, a in zip(m.exog_names, m.aliased, strict=False) if not a]
    assert dfb == [f"dfb_{n}" for n in kept]  # aliased coefficients have no column, as in R
    im = infmat(name)
    r_dfb = [k for k in im if k.startswith("dfb.")]
    assert len(r_dfb) == len(dfb)
    _, used = r_rows(name)
    for ours, theirs in zip(dfb, r_dfb, strict=False):
        assert_r_close(on_r_rows(name, frame[ours]), im[theirs][used], f"{name} {ours}")


@pytest.mark.parametrize("name", IDS)
def test_unscaled_dfbeta_matches_r(name: str) -> None:
    m = fitted(name)
    r = load(name)["r"]
    frame = m.influence(dfbeta="unscaled")
    cols = [c for c in frame.columns if c.startswith("dfbeta_")]
    assert not any(c.startswith("dfb_") for c in frame.columns)
    want_names = r["dfbeta_names"] or []
    assert [c.removeprefix("dfbeta_") for c in cols] == [
        n for n, a in zip(m.exog_names, m.aliased, strict=False) if not a
    ]
    assert len(cols) == len(want_names)
    direct = infl_mod.dfbeta(m)
    assert list(direct.columns) == [c.removeprefix("dfbeta_") for c in cols]
    _, used = r_rows(name)
    for j, col in enumerate(cols):
        want = values(r["dfbeta"][j])[used]
        assert_r_close(on_r_rows(name, frame[col]), want, f"{name} {col}")
        assert_r_close(on_r_rows(name, direct.iloc[:, j]), want, f"{name} dfbeta() {col}")


@pytest.mark.parametrize("name", IDS)
def test_rstandard_pearson_matches_r(name: str) -> None:
    _, used = r_rows(name)
    want = values(load(name)["r"]["rstandard_pearson"])[used]
    m = fitted(name)
    assert_r_close(on_r_rows(name, m.influence(rstandard="pearson")["rstandard"]), want, name)
    assert_r_close(on_r_rows(name, infl_mod.rstandard(m, type="pearson")), want, name)


@pytest.mark.parametrize(
    "name",
    [
        "mtcars_gaussian",
        "budworm_cbind",
        "insect_single_level_quasi",
        "airquality_gamma_exclude",
        "titanic_weights_zero",
        "mtcars_aliased",
    ],
)
def test_functions_agree_with_frame(name: str) -> None:
    m = fitted(name)
    frame = m.influence()
    pairs = [
        (infl_mod.hatvalues(m), "hat"),
        (infl_mod.rstandard(m), "rstandard"),
        (infl_mod.rstudent(m), "rstudent"),
        (infl_mod.cooks_distance(m), "cooks_d"),
        (infl_mod.dffits(m), "dffits"),
        (infl_mod.covratio(m), "cov_ratio"),
    ]
    for series, col in pairs:
        assert series.index.equals(frame.index)
        np.testing.assert_array_equal(series.to_numpy(), frame[col].to_numpy(), err_msg=col)
    scaled = infl_mod.dfbetas(m)
    np.testing.assert_array_equal(scaled.to_numpy(), frame.filter(like="dfb_").to_numpy())
    assert list(scaled.columns) == [c.removeprefix("dfb_") for c in frame.columns if c.startswith("dfb_")]


# -- rows that take no part --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["titanic_weights_zero", "mtcars_gaussian_weights_zero"])
def test_zero_weight_rows(name: str) -> None:
    m, data = fit_case(name)
    frame = m.influence()
    zero = np.asarray(data[load(name)["python"]["weights"]] == 0)
    assert zero.any()
    rows, _ = r_rows(name)
    # R leaves exactly the zero-weight rows out of lm.influence.
    assert sorted(rows) == sorted(np.flatnonzero(~zero))
    # ... and so does rglm: the frame holds the other rows, in order.
    assert frame.index.equals(data.index[~zero])
    assert frame[["hat", "sigma", "rstandard"]].notna().all().all()
    assert infl_mod.hatvalues(m).index.equals(data.index[~zero])
    assert np.all(infl_mod.lm_influence(m, do_coef=False).hat[zero] == 0.0)


@pytest.mark.parametrize("name", ["airquality_gaussian_exclude", "airquality_gamma_exclude"])
def test_na_exclude_pads_with_nan(name: str) -> None:
    m, data = fit_case(name)
    frame = m.influence()
    assert frame.index.equals(data.index)  # every row of the caller's frame
    dropped = data[["Ozone", "Solar.R", "Wind", "Temp"]].isna().any(axis=1).to_numpy()
    assert dropped.any()
    # R's lm.influence: omitted rows have hat 0, the model's sigma, no change in the
    # coefficients (so cov.r is 1); the measures built on their residuals are NA.
    na_cols = ["cooks_d", "rstandard", "rstudent", "dffits"]
    assert frame.loc[dropped, na_cols].isna().all().all()
    assert (frame.loc[dropped, "hat"] == 0).all()
    assert (frame.loc[dropped, "cov_ratio"] == 1).all()
    assert (frame.loc[dropped, [c for c in frame.columns if c.startswith("dfb_")]] == 0).all().all()
    assert (
        frame.loc[~dropped]
        .drop(columns=[c for c in frame.columns if c.startswith("dfb_")])
        .notna()
        .all()
        .all()
    )
    rows, used = r_rows(name)
    assert sorted(rows[~used]) == sorted(np.flatnonzero(dropped))
    omitted = fit_case(name, na_action="omit")[0].influence()
    assert omitted.index.equals(data.index[~dropped])
    pd.testing.assert_frame_equal(omitted, frame.loc[~dropped])


@pytest.mark.parametrize("name", ["insect_single_level", "insect_single_level_quasi"])
def test_leverage_one(name: str) -> None:
    """A factor level with one row fits that row exactly: R forces its hat value to 1, and
    every measure that divides by 1 - h is NaN; its dfbeta is 0 and sigma leaves nothing out."""
    m, data = fit_case(name)
    frame = m.influence(dfbeta="unscaled")
    single = int(np.flatnonzero(data["spray"] == "F")[0])
    row = frame.loc[single]
    assert row["hat"] == 1.0
    assert row[["cooks_d", "rstandard", "rstudent", "dffits", "cov_ratio"]].isna().all()
    assert (row.filter(like="dfbeta_") == 0).all()
    assert frame.drop(index=single)[["hat", "cooks_d", "rstandard"]].notna().all().all()
    e = fitted(name).resid_deviance.to_numpy()
    e = np.where(np.abs(e) < 100 * np.finfo(float).eps * np.median(np.abs(e)), 0, e)
    np.testing.assert_allclose(row["sigma"], np.sqrt(np.sum(e**2) / (len(data) - m.rank - 1)), rtol=1e-12)


# -- closed forms ------------------------------------------------------------------------------------------
def _dense_hat(m: rglm.GLMResult) -> np.ndarray:
    """diag(W^1/2 X (X'WX)^-1 X' W^1/2) from a Householder QR of the weighted kept columns."""
    x = m.model_frame.design.rows()[:, ~m.aliased.to_numpy()]
    q, _ = np.linalg.qr(x * np.sqrt(m.fit.working_weights)[:, None])
    return np.einsum("ij,ij->i", q, q)


@pytest.mark.parametrize("name", ["mtcars_aliased", "titanic_weights_zero", "insurance_poisson_offset"])
def test_hat_is_projection_diagonal(name: str) -> None:
    m = fitted(name)
    hat = infl_mod.lm_influence(m).hat
    np.testing.assert_allclose(hat, _dense_hat(m), rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(hat.sum(), m.rank, rtol=1e-8)


def test_hat_on_split_design_across_blocks() -> None:
    """A design large enough to keep factors as codes, spanning several row blocks: hat
    values are the projection diagonal (closed form) and sum to the rank."""
    rng = np.random.default_rng(7)
    n = BLOCK_ROWS + 7_001
    g = rng.choice(np.array(list("abcdefg")), n)
    x = rng.normal(size=n)
    data = pd.DataFrame(
        {"g": g, "x": x, "w": rng.uniform(0.5, 2, n), "y": rng.poisson(np.exp(0.3 + 0.4 * x + (g == "c")))}
    )
    data.loc[[3, 39_000], "w"] = 0.0
    m = rglm.glm("y ~ x * g", data, family=rglm.Poisson(), weights="w")
    assert type(m.model_frame.design).__name__ == "SplitDesign"
    frame = m.influence()
    used = np.asarray(data["w"] != 0)
    np.testing.assert_allclose(frame["hat"].to_numpy(), _dense_hat(m)[used], rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(frame["hat"].sum(), m.rank, rtol=1e-8)
    assert 3 not in frame.index and 39_000 not in frame.index  # zero weight: left out, as R
    assert np.all(infl_mod.lm_influence(m, do_coef=False).hat[[3, 39_000]] == 0.0)
    # dfbeta is (X'WX)^-1 W_i^1/2 x_i e_i / (1 - h_i): check a few rows against the dense formula.
    d = infl_mod.dfbeta(m)
    xw = m.model_frame.design.rows() * np.sqrt(m.fit.working_weights)[:, None]
    cov = m.normalized_cov_params.to_numpy()
    e = m.resid_deviance.to_numpy()
    h = _dense_hat(m)
    for i in (0, 1, BLOCK_ROWS - 1, BLOCK_ROWS, n - 1):
        np.testing.assert_allclose(
            d.loc[i].to_numpy(), cov @ xw[i] * e[i] / (1 - h[i]), rtol=1e-8, atol=1e-14
        )


def test_rank_zero_model() -> None:
    m = fitted("dobson_rank0")
    frame = m.influence()
    assert (frame["hat"] == 0).all() and not any(c.startswith("dfb") for c in frame.columns)
    # R: sigma is sqrt(deviance / df.residual) for every row.
    np.testing.assert_allclose(frame["sigma"], np.sqrt(m.deviance / m.df_resid), rtol=1e-12)


# -- statsmodels as a second oracle -------------------------------------------------------------------------
SM_CASES = [
    "mtcars_gaussian",
    "infert_logit",
    "budworm_cbind",
    "insurance_poisson_offset",
    "clotting_gamma",
    "trees_gamma_log",
    "trees_invgauss",
    "birthwt_probit",
    "mtcars_gaussian_weights_zero",
]


def _sm_family(m: rglm.GLMResult) -> Any:
    sm = pytest.importorskip("statsmodels.api")
    links = sm.families.links
    link = {
        "identity": links.Identity(),
        "logit": links.Logit(),
        "log": links.Log(),
        "probit": links.Probit(),
        "inverse": links.InversePower(),
    }[m.family.link.name]
    fam = {
        "gaussian": sm.families.Gaussian,
        "binomial": sm.families.Binomial,
        "poisson": sm.families.Poisson,
        "Gamma": sm.families.Gamma,
        "inverse.gaussian": sm.families.InverseGaussian,
    }[m.family.name]
    return fam(link=link)


@pytest.mark.parametrize("name", SM_CASES)
def test_statsmodels_influence(name: str) -> None:
    """statsmodels' GLMInfluence defines the hat values, Cook's distance and studentized
    Pearson residuals (R's rstandard type "pearson") the same way.  Both packages are iterated
    to machine precision so that they evaluate them at the same weights."""
    sm = pytest.importorskip("statsmodels.api")
    m = fit_case(name, tol=1e-15)[0]
    keep = m.fit.prior_weights > 0  # statsmodels has no notion of a zero-weight row
    f = m.fit
    x = m.model_frame.design.rows()[keep]
    # statsmodels' X2 scale uses the final fitted means, R's the last working weights: the same
    # at convergence, but statsmodels is given rglm's value so that only the influence formulas differ.
    scale = m.scale if m.dispersion_is_estimated else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' DomainWarning for Gamma's canonical link
        res = sm.GLM(
            f.y[keep],
            x,
            family=_sm_family(m),
            offset=m.model_frame.offset[keep],
            var_weights=f.prior_weights[keep],
        ).fit(tol=1e-13, maxiter=100, scale=scale)
    sm_infl = res.get_influence(observed=False)  # R's hat matrix uses the expected (Fisher) weights
    ours = m.influence(rstandard="pearson")  # zero-weight rows already left out, as in R
    for col, want in [
        ("hat", sm_infl.hat_matrix_diag),
        ("cooks_d", sm_infl.cooks_distance[0]),
        ("rstandard", sm_infl.resid_studentized),
    ]:
        # Same floor as against R: a Cook's distance of 1e-7 next to ones of 1e-2 (a Pearson
        # residual near 0) carries a relative error of a few 1e-7 in either package.
        np.testing.assert_allclose(ours[col], want, rtol=RTOL, atol=1e-10 * np.max(np.abs(want)), err_msg=col)


# -- arguments -------------------------------------------------------------------------------------
def test_bad_arguments() -> None:
    m = fitted("mtcars_gaussian")
    with pytest.raises(ArgumentError, match="dfbeta"):
        m.influence(dfbeta="raw")
    with pytest.raises(ArgumentError, match="rstandard"):
        m.influence(rstandard="response")
    with pytest.raises(ArgumentError, match="type"):
        infl_mod.rstandard(m, type="working")


def test_frame_is_fresh() -> None:
    """Editing what influence() returned does not change what the model gives next."""
    m = fitted("mtcars_gaussian")
    first = m.influence()
    first.loc[:, "hat"] = -1.0
    assert (m.influence()["hat"] > 0).all()
