"""Sandwich covariances against R's sandwich package (vcovHC, vcovCL) and statsmodels.

The R figures come from tests/r/make_robust_cases.R (R 4.2.2, sandwich 3.0.2); each case holds
the full covariance for every type, NA rows and columns for aliased coefficients.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rcases import r_key as _key

import rglm
from rglm.inference.robust import COV_TYPES, HC_TYPES, cov_description, robust_cov
from rglm.inference.robust import leverages as hat_values

HERE = Path(__file__).parent / "data" / "r_robust"
CASES = sorted((HERE / "cases").glob("*.json"))
RTOL = 1e-6


def _data(spec: dict[str, Any]) -> pd.DataFrame:
    src = spec["data"]
    if src.startswith("datasets:"):
        return rglm.datasets.load(src.removeprefix("datasets:"))
    return pd.read_csv(HERE / src)


def _fit(path: Path) -> tuple[rglm.GLMResult, dict[str, Any], pd.DataFrame]:
    case = json.loads(path.read_text())
    py = case["python"]
    data = _data(py)
    if case["id"] == "clustered_subset_factor":
        # R's factor keeps the levels of clusters the subset removes; so does a Categorical.
        data["idf"] = pd.Categorical(data["id"])
    family = getattr(rglm, py["family"])(**({"link": py["link"]} if py["link"] else {}))
    kwargs: dict[str, Any] = {k: py[k] for k in ("weights", "subset") if py.get(k)}
    if py.get("offset"):
        assert py["offset"] == "log(expo)"
        kwargs["offset"] = np.log(data["expo"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = rglm.glm(py["formula"], data, family=family, **kwargs)
    return m, case["r"], data


def _matrix(rows: list[list[float | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


def _order(m: rglm.GLMResult, r: dict[str, Any]) -> list[int]:
    ours = {_key(n): i for i, n in enumerate(m.exog_names)}
    return [ours[_key(n)] for n in r["coef_names"]]


def _close(got: np.ndarray, want: np.ndarray, rtol: float = RTOL) -> None:
    # Covariances that are zero in exact arithmetic are compared on the matrix's scale.
    atol = 1e-10 * float(np.nanmax(np.abs(want), initial=0.0))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def _by(spec: dict[str, Any]) -> list[str]:
    return [spec["by"]] if isinstance(spec["by"], str) else list(spec["by"])


@pytest.fixture(scope="module", params=CASES, ids=[p.stem for p in CASES])
def case(request: pytest.FixtureRequest) -> tuple[rglm.GLMResult, dict[str, Any], pd.DataFrame]:
    return _fit(request.param)


# -- R's figures -------------------------------------------------------------------------------------
def test_model_covariance_matches_r(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    _close(m.cov_params().to_numpy()[np.ix_(idx, idx)], _matrix(r["vcov"]))


def test_hat_values_match_r(case: tuple) -> None:
    m, r, _ = case
    np.testing.assert_allclose(hat_values(m), r["hat"], rtol=RTOL, atol=1e-12)


def test_vcovhc_matches_r(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    assert r["hc"], "every case has at least one HC type"
    for cov_type, want in r["hc"].items():
        got = robust_cov(m, cov_type)[np.ix_(idx, idx)]
        _close(got, _matrix(want))
        # Aliased coefficients: NaN rows and columns, exactly where the model covariance has them.
        assert np.array_equal(np.isnan(got), np.isnan(m.cov_params().to_numpy()[np.ix_(idx, idx)]))


def test_vcovcl_matches_r(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    for spec in r["cluster"]:
        by = _by(spec)
        groups = by[0] if len(by) == 1 else by
        got = robust_cov(
            m, "cluster", groups, type=spec["type"], cadjust=spec["cadjust"], multi0=spec["multi0"]
        )
        _close(got[np.ix_(idx, idx)], _matrix(spec["vcov"]))
        res = m.robust("cluster", groups, type=spec["type"], cadjust=spec["cadjust"], multi0=spec["multi0"])
        assert res.cov_kwds["n_clusters"] == (
            spec["n_clusters"] if isinstance(spec["n_clusters"], list) else [spec["n_clusters"]]
        )


def test_result_statistics_follow_the_sandwich(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    cov_type = "HC3" if "HC3" in r["hc"] else "HC0"
    rob = m.robust(cov_type)
    want = _matrix(r["hc"][cov_type])
    se = np.sqrt(np.diag(want))
    _close(rob.bse.to_numpy()[idx], se)
    _close(rob.tvalues.to_numpy()[idx], m.params.to_numpy()[idx] / se)
    assert rob.cov_type == cov_type and m.cov_type == "nonrobust"
    # The fit itself is shared, untouched.
    np.testing.assert_array_equal(rob.params.to_numpy(), m.params.to_numpy())
    assert rob.deviance == m.deviance


# -- the glm() interface --------------------------------------------------------------------------------
def _petersen() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "petersen.csv")


def test_glm_cov_type_equals_robust() -> None:
    d = _petersen()
    m = rglm.glm("y ~ x", d)
    for cov_type in HC_TYPES:
        a = rglm.glm("y ~ x", d, cov_type=cov_type)
        np.testing.assert_array_equal(a.cov_params().to_numpy(), m.robust(cov_type).cov_params().to_numpy())
    c = rglm.glm("y ~ x", d, cov_type="cluster", cov_kwds={"groups": "firm", "type": "HC1"})
    np.testing.assert_array_equal(c.cov_params().to_numpy(), robust_cov(m, "cluster", "firm", type="HC1"))
    # The model-based covariance comes back on request.
    back = c.robust("nonrobust")
    np.testing.assert_array_equal(back.cov_params().to_numpy(), m.cov_params().to_numpy())
    assert back.cov_kwds == {}


def test_update_keeps_the_covariance_request() -> None:
    d = _petersen()
    m = rglm.glm("y ~ 1", d, cov_type="cluster", cov_kwds={"groups": "firm"})
    u = m.update(". ~ . + x")
    np.testing.assert_allclose(
        u.cov_params().to_numpy(), robust_cov(rglm.glm("y ~ x", d), "cluster", "firm"), rtol=1e-10
    )


def test_groups_in_every_form_give_the_same_answer() -> None:
    d = rglm.datasets.load("airquality")  # rows with missing values are dropped from the fit
    m = rglm.glm("Ozone ~ Temp + Wind", d)
    want = robust_cov(m, "cluster", "Month")
    used = d.loc[m.model_frame.index, "Month"]
    forms: list[Any] = [
        d["Month"],
        d["Month"].sample(frac=1.0, random_state=1),
        d["Month"].to_numpy(),
        list(d["Month"]),
        used.to_numpy(),
        ["Month"],
        d[["Month"]],
        d["Month"].astype(str).to_numpy(),
    ]
    for groups in forms:
        np.testing.assert_allclose(robust_cov(m, "cluster", groups), want, rtol=1e-10)
    two = robust_cov(m, "cluster", ["Month", "Day"])
    np.testing.assert_allclose(robust_cov(m, "cluster", d[["Month", "Day"]]), two, rtol=1e-10)
    np.testing.assert_allclose(robust_cov(m, "cluster", d[["Month", "Day"]].to_numpy()), two, rtol=1e-10)


def test_groups_follow_rows_not_labels() -> None:
    d = rglm.datasets.load("airquality")
    shuffled = d.set_index(pd.Index(np.r_[np.arange(1, len(d)), 1]))  # duplicate labels
    a = robust_cov(rglm.glm("Ozone ~ Temp + Wind", d), "cluster", "Month")
    b = robust_cov(rglm.glm("Ozone ~ Temp + Wind", shuffled), "cluster", "Month")
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_caller_data_is_not_modified() -> None:
    d = rglm.datasets.load("airquality")
    before = d.copy()
    rglm.glm("Ozone ~ Temp + Wind", d, cov_type="cluster", cov_kwds={"groups": ["Month", "Day"]})
    pd.testing.assert_frame_equal(d, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cov_type": "HC9"}, "unknown cov_type 'HC9'; choose one of 'nonrobust', 'HC0'"),
        ({"cov_type": "cluster"}, "needs cov_kwds"),
        ({"cov_type": "cluster", "cov_kwds": {"groups": "nope"}}, "groups column 'nope' is not in the data"),
        (
            {"cov_type": "cluster", "cov_kwds": {"groups": "Month", "type": "HC4"}},
            "unknown cluster type 'HC4'",
        ),
        ({"cov_type": "cluster", "cov_kwds": {"groups": "Month", "fix": True}}, "unknown cov_kwds key"),
        ({"cov_type": "HC1", "cov_kwds": {"groups": "Month"}}, "only applies to cov_type='cluster'"),
        ({"cov_type": "cluster", "cov_kwds": "Month"}, "cov_kwds must be a dict"),
        ({"cov_type": "cluster", "cov_kwds": {"groups": [1, 2, 3]}}, "groups has 3 values; expected 153"),
    ],
)
def test_bad_requests_raise_clear_errors(kwargs: dict[str, Any], match: str) -> None:
    d = rglm.datasets.load("airquality")
    with pytest.raises(rglm.RGLMError, match=re.escape(match)):
        rglm.glm("Ozone ~ Temp + Wind", d, **kwargs)


def test_missing_groups_and_single_cluster() -> None:
    d = rglm.datasets.load("airquality")
    d["site"] = np.where(d.index % 7 == 0, None, "a")
    m = rglm.glm("Ozone ~ Temp + Wind", d)
    with pytest.raises(rglm.DataError, match="groups 'site' has .* missing value"):
        robust_cov(m, "cluster", "site")
    d["one"] = "a"
    with pytest.raises(rglm.DataError, match="'one' has a single cluster"):
        robust_cov(rglm.glm("Ozone ~ Temp + Wind", d), "cluster", "one")
    with pytest.raises(rglm.ArgumentError, match="only go with cov_type='cluster'"):
        m.robust("HC0", "Month")
    with pytest.raises(rglm.ArgumentError, match="unknown option"):
        m.robust("cluster", "Month", kind="HC1")


def test_categorical_groups_count_their_categories_as_r_factors() -> None:
    d = rglm.datasets.load("airquality")
    d["m"] = pd.Categorical(d["Month"], categories=[4, 5, 6, 7, 8, 9])  # April: no rows
    m = rglm.glm("Ozone ~ Temp + Wind", d)
    five, six = robust_cov(m, "cluster", "Month"), robust_cov(m, "cluster", "m")
    # G/(G-1) with G = 6 instead of 5, as R's vcovCL with a factor.
    np.testing.assert_allclose(six, five * (6 / 5) / (5 / 4), rtol=1e-10)
    np.testing.assert_allclose(robust_cov(m, "cluster", pd.Categorical(d["m"])), six, rtol=1e-13)


# -- properties -------------------------------------------------------------------------------------------
def test_hc3_and_hc2_really_differ_from_hc0() -> None:
    """statsmodels' GLM HC2/HC3 equal its HC0; here they carry the leverage correction."""
    d = rglm.datasets.load("infert")
    m = rglm.glm("case ~ spontaneous + induced + age", d, family=rglm.Binomial())
    hc0, hc2, hc3 = (np.diag(robust_cov(m, t)) for t in ("HC0", "HC2", "HC3"))
    assert np.all(hc3 > hc2) and np.all(hc2 > hc0)
    assert np.min(hc3 / hc0) > 1.02


def test_hc1_is_hc0_times_n_over_residual_df() -> None:
    d = rglm.datasets.load("quine")
    m = rglm.glm("Days ~ Eth + Sex + Age + Lrn", d, family=rglm.QuasiPoisson())
    n, k = m.nobs, m.rank
    np.testing.assert_allclose(robust_cov(m, "HC1"), robust_cov(m, "HC0") * n / (n - k), rtol=1e-10)
    # Clusters of one row each reproduce the HC estimates (G/(G-1) = n/(n-1) aside).
    rows = np.arange(len(d))
    np.testing.assert_allclose(
        robust_cov(m, "cluster", rows, cadjust=False), robust_cov(m, "HC0"), rtol=1e-10
    )
    np.testing.assert_allclose(
        robust_cov(m, "cluster", rows, type="HC3", cadjust=False),
        robust_cov(m, "HC3") * (n - 1) / n,
        rtol=1e-10,
    )


def test_leverage_one_warns() -> None:
    d = rglm.datasets.load("trees")
    d["lone"] = (np.arange(len(d)) == 3).astype(float)  # a dummy for one row: h = 1 there
    m = rglm.glm("Volume ~ Girth + lone", d)
    assert hat_values(m)[3] == 1.0
    with pytest.warns(rglm.LeverageWarning, match="HC3 covariances become numerically unstable .* rows 3"):
        robust_cov(m, "HC3")


def test_large_split_design_matches_dense_closed_form() -> None:
    """A design large enough for the split (codes) representation, against the formula
    :math:`C (\\sum_i \\omega_i x_i x_i^T) C` evaluated densely."""
    rng = np.random.default_rng(7)
    n = 24_000
    d = pd.DataFrame(
        {"g": rng.integers(0, 40, n).astype(str), "x": rng.normal(size=n), "cl": rng.integers(0, 300, n)}
    )
    d["y"] = rng.poisson(np.exp(0.2 + 0.3 * d["x"]))
    m = rglm.glm("y ~ x + g", d, family=rglm.Poisson())
    assert type(m.model_frame.design).__name__ == "SplitDesign"
    X = m.model_frame.design.rows()
    w, u = m.fit.working_weights, m.fit.working_weights * m.fit.working_residuals
    C = np.linalg.inv(X.T @ (X * w[:, None]))
    h = np.einsum("ij,jk,ik->i", X, C, X) * w
    for cov_type, omega in (("HC0", u**2), ("HC3", u**2 / (1 - h) ** 2)):
        np.testing.assert_allclose(robust_cov(m, cov_type), C @ (X.T @ (X * omega[:, None])) @ C, rtol=1e-8)
    codes = d["cl"].to_numpy()
    S = np.zeros((300, X.shape[1]))
    np.add.at(S, codes, X * u[:, None])
    G = 300
    np.testing.assert_allclose(robust_cov(m, "cluster", "cl"), G / (G - 1) * C @ S.T @ S @ C, rtol=1e-8)


# -- statsmodels as a second oracle ----------------------------------------------------------------------
def _corr_close(got: np.ndarray, want: np.ndarray, tol: float = 1e-6) -> None:
    """Entries compared on the scale of sqrt(V_ii V_jj) (covariances near zero included)."""
    s = np.sqrt(np.outer(np.diag(want), np.diag(want)))
    assert np.max(np.abs(got - want) / s) < tol


@pytest.mark.parametrize(
    ("data", "formula", "family", "sm_family"),
    [
        ("infert", "case ~ spontaneous + induced + age", "Binomial", "Binomial"),
        ("insurance", "Claims ~ Group + Age + np.log(Holders)", "Poisson", "Poisson"),
        ("mtcars", "mpg ~ wt + hp + C(cyl)", "Gaussian", "Gaussian"),
    ],
)
def test_statsmodels_hc0_and_cluster_agree_for_canonical_links(
    data: str, formula: str, family: str, sm_family: str
) -> None:
    """statsmodels' GLM HC0 is sandwich's HC0 when the link is canonical (observed and expected
    information coincide), and its cluster estimate with the default correction is vcovCL
    type HC1.  (Its HC1 to HC3 for GLMs are HC0 again, and with non-canonical links it uses the
    observed information, so those are not compared.)"""
    sm = pytest.importorskip("statsmodels.api")
    smf = pytest.importorskip("statsmodels.formula.api")
    d = rglm.datasets.load(data)
    m = rglm.glm(formula, d, family=getattr(rglm, family)())
    fam = getattr(sm.families, sm_family)()
    names = m.exog_names  # patsy orders the columns its own way
    s = smf.glm(formula, d, family=fam).fit(cov_type="HC0")
    _corr_close(robust_cov(m, "HC0"), s.cov_params().loc[names, names].to_numpy())
    groups = pd.factorize(d.iloc[:, 0])[0] % 7
    s = smf.glm(formula, d, family=fam).fit(cov_type="cluster", cov_kwds={"groups": groups})
    _corr_close(robust_cov(m, "cluster", groups, type="HC1"), s.cov_params().loc[names, names].to_numpy())


# -- summary ------------------------------------------------------------------------------------------------
def test_summary_names_the_covariance_only_when_robust() -> None:
    d = _petersen()
    m = rglm.glm("y ~ x", d)
    plain = str(m.summary())
    assert "Standard errors" not in plain
    assert "Standard errors" not in m.summary().to_markdown()
    hc3 = str(m.robust("HC3").summary())
    assert "Standard errors: sandwich (HC3)\n" in hc3
    cl = m.robust("cluster", "firm", type="HC1").summary()
    line = "Standard errors: clustered by firm (HC1, 200 clusters)"
    assert line in str(cl)
    assert line in cl.to_markdown() and line in cl.to_latex() and line in cl.to_html()
    # Apart from that line and the standard errors, the text is the default one.
    lines = str(cl).splitlines()
    lines.remove(line)
    plain_lines = plain.splitlines()
    changed = [a for a, b in zip(lines, plain_lines, strict=True) if a != b]
    assert [a.split()[0] for a in changed] == m.exog_names  # the two coefficient rows
    two = m.robust("cluster", ["firm", "year"]).summary()
    assert "Standard errors: clustered by firm and year (HC0, 200 and 10 clusters)" in str(two)


def test_cov_description_texts() -> None:
    assert cov_description("nonrobust", {}) == ""
    assert cov_description("HC4m", {"type": "HC4m"}) == "Standard errors: sandwich (HC4m)"
    kw = {"type": "HC0", "names": ["firm"], "n_clusters": [50], "cadjust": False, "multi0": False}
    assert cov_description("cluster", kw) == (
        "Standard errors: clustered by firm (HC0, 50 clusters, no G/(G-1) adjustment)"
    )
    assert set(COV_TYPES) == {"nonrobust", "cluster", *HC_TYPES}
