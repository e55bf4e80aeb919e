"""predict(): per-term contributions and confidence intervals (rglm.inference.predict) against R.

The cases under tests/data/r_predict are made by tests/r/make_predict_cases.R: R 4.2.2's
``predict(fit, newdata, type = "terms", se.fit = TRUE)`` on new and on the fitted rows,
``type = "link"`` and ``"response"`` with standard errors, and the confidence intervals by
the rule rglm documents (R's predict.glm has none), with ``predict.lm(interval =
"confidence")`` as an independent check for Gaussian identity models.
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
from scipy import special, stats

import rglm
import rglm.numerics.design
from rglm.inference.predict import interval_quantile

HERE = Path(__file__).parent / "data"
CASE_FILES = sorted((HERE / "r_predict").glob("*.json"))
RTOL = 1e-6


def _key(label: str) -> str:
    """A spelling shared by R's and formulaic's labels of one term (interaction parts sorted,
    as R orders them by first appearance and formulaic as written)."""
    s = label.replace(" ", "").replace("**", "^")
    s = re.sub(r"(?:factor|C)\(([\w.]+)\)", r"\1", s)
    return ":".join(sorted(s.split(":")))


def _arr(values: Any) -> np.ndarray:
    return np.array(
        [
            [np.nan if v is None else v for v in row]
            if isinstance(row, list)
            else (np.nan if row is None else row)
            for row in values
        ],
        dtype=float,
    )


def _close(got: Any, want: Any, rtol: float = RTOL) -> None:
    g = np.asarray(got, dtype=float)
    w = _arr(want) if isinstance(want, list) else np.asarray(want, dtype=float)
    # Contributions that are zero in exact arithmetic (centred columns) compare on the scale.
    atol = 1e-10 * float(np.nanmax(np.abs(w), initial=1e-300))
    np.testing.assert_allclose(g, w.reshape(g.shape), rtol=rtol, atol=atol, equal_nan=True)


def _fit(case: dict[str, Any]) -> tuple[rglm.GLMResult, pd.DataFrame]:
    py = case["python"]
    data = pd.read_csv(HERE / "r_cases" / "data" / f"{py['data']}.csv")
    fam = getattr(rglm, py["family"])(**({"link": py["link"]} if py.get("link") else {}))
    extra = {k: py[k] for k in ("weights", "offset") if py.get(k)}
    if py.get("na_action"):
        extra["na_action"] = py["na_action"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these fits warned in R
        return rglm.glm(py["formula"], data, family=fam, **extra), data


@pytest.fixture(scope="module", params=CASE_FILES, ids=[p.stem for p in CASE_FILES])
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], rglm.GLMResult, pd.DataFrame]:
    c = json.loads(request.param.read_text())
    m, data = _fit(c)
    return c, m, data.iloc[c["r"]["rows"]]


def _terms_order(r: dict[str, Any], got: pd.DataFrame) -> list[str]:
    ours = {_key(t): t for t in got.columns}
    assert set(ours) == {_key(t) for t in r["term_labels"]}, (list(got.columns), r["term_labels"])
    # R's term order (terms by degree, in formula order) is the model's own.
    assert [_key(t) for t in got.columns] == [_key(t) for t in r["term_labels"]]
    return [ours[_key(t)] for t in r["term_labels"]]


# ---------------------------------------------------------------------------------------------
# type="terms" against R
# ---------------------------------------------------------------------------------------------


def test_terms_newdata(case: tuple) -> None:
    c, m, new = case
    r = c["r"]["terms_new"]
    p = m.predict(new, type="terms", se_fit=True)
    assert list(p.columns.get_level_values(0).unique()) == ["fit", "se_fit"]
    order = _terms_order(c["r"], p["fit"])
    pd.testing.assert_index_equal(p.index, new.index)
    _close(p["fit"][order], r["fit"])
    _close(p["se_fit"][order], r["se"])
    np.testing.assert_allclose(p.attrs["constant"], r["constant"], rtol=1e-10)
    plain = m.predict(new, type="terms")
    assert list(plain.columns) == list(p["fit"].columns)
    pd.testing.assert_frame_equal(plain, p["fit"])
    assert plain.attrs["constant"] == p.attrs["constant"]


def test_terms_fitted_rows(case: tuple) -> None:
    c, m, _ = case
    r = c["r"]["terms_in"]
    p = m.predict(type="terms", se_fit=True)
    order = _terms_order(c["r"], p["fit"])
    assert list(p.index) == r["rows"]  # R's rows: the fitted ones, NA-padded under na.exclude
    _close(p["fit"][order], r["fit"])
    _close(p["se_fit"][order], r["se"])
    # Under na.exclude R's napredict() rebuilds the matrix and loses the "constant"
    # attribute; the constant is a property of the model, the same as for new rows.
    constant = r["constant"] if r["constant"] is not None else c["r"]["terms_new"]["constant"]
    np.testing.assert_allclose(p.attrs["constant"], constant, rtol=1e-10)


def test_terms_add_up_to_the_linear_predictor(case: tuple) -> None:
    """Closed form: sum of the terms + constant + offset = the link-scale prediction."""
    _, m, new = case
    for newdata in (new, None):
        terms = m.predict(newdata, type="terms")
        link = m.predict(newdata, type="link")
        if newdata is None:
            offset = m.model_frame.pad(m.model_frame.offset)
        else:
            offset = pd.Series(m.model_frame.spec.offset(new), index=new.index)
        total = terms.sum(axis=1, skipna=False) + terms.attrs["constant"] + offset
        np.testing.assert_allclose(total, link, rtol=1e-10, atol=1e-12)


def test_terms_intervals_are_fit_minus_plus_q_se(case: tuple) -> None:
    _, m, new = case
    p = m.predict(new, type="terms", interval="confidence", level=0.9)
    assert list(p.columns.get_level_values(0).unique()) == ["fit", "se_fit", "lower", "upper"]
    q = interval_quantile(m, 0.9)
    np.testing.assert_allclose(p["lower"], p["fit"] - q * p["se_fit"], rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(p["upper"], p["fit"] + q * p["se_fit"], rtol=1e-14, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# link / response and intervals
# ---------------------------------------------------------------------------------------------


def test_link_and_response_with_se(case: tuple) -> None:
    c, m, new = case
    for kind in ("link", "response"):
        p = m.predict(new, type=kind, se_fit=True)
        _close(p["fit"], c["r"][kind]["fit"])
        _close(p["se_fit"], c["r"][kind]["se"])


def test_quantile_is_normal_or_t_by_dispersion(case: tuple) -> None:
    c, m, _ = case
    assert m.dispersion_is_estimated == c["r"]["estimated"]
    for iv in c["r"]["intervals"]:
        q = interval_quantile(m, iv["level"])
        np.testing.assert_allclose(q, iv["q"], rtol=1e-12)
        p = 1 - (1 - iv["level"]) / 2
        want = stats.t.ppf(p, m.df_resid) if m.dispersion_is_estimated else stats.norm.ppf(p)
        np.testing.assert_allclose(q, want, rtol=1e-12)


def test_confidence_intervals(case: tuple) -> None:
    c, m, new = case
    for iv in c["r"]["intervals"]:
        link = m.predict(new, type="link", interval="confidence", level=iv["level"])
        assert list(link.columns) == ["fit", "se_fit", "lower", "upper"]
        _close(link["lower"], iv["link_lower"])
        _close(link["upper"], iv["link_upper"])
        resp = m.predict(new, type="response", interval="confidence", level=iv["level"])
        assert list(resp.columns) == ["fit", "se_fit", "lower", "upper"]
        _close(resp["lower"], iv["response_lower"])
        _close(resp["upper"], iv["response_upper"])
        # Closed form on our own figures: eta -/+ q se(eta), through the inverse link.
        q = interval_quantile(m, iv["level"])
        np.testing.assert_allclose(link["lower"], link["fit"] - q * link["se_fit"], rtol=1e-14)
        ends = m.family.link.inverse(np.c_[link["lower"], link["upper"]])
        np.testing.assert_allclose(resp["lower"], np.min(ends, axis=1), rtol=1e-14)
        np.testing.assert_allclose(resp["upper"], np.max(ends, axis=1), rtol=1e-14)
        pd.testing.assert_series_equal(resp["fit"], m.predict(new, type="response"))
        pd.testing.assert_series_equal(resp["se_fit"], m.predict(new, type="response", se_fit=True)["se_fit"])
        ok = resp["lower"].notna()
        assert (resp["lower"][ok] <= resp["fit"][ok]).all() and (resp["fit"][ok] <= resp["upper"][ok]).all()


def test_gaussian_identity_interval_is_predict_lm(case: tuple) -> None:
    c, m, new = case
    if c["r"]["lm_confidence"] is None:
        assert not (m.family.name == "gaussian" and m.family.link.name == "identity")
        return
    for iv in c["r"]["lm_confidence"]:
        p = m.predict(new, type="link", interval="confidence", level=iv["level"])
        _close(p["fit"], iv["fit"])
        _close(p["lower"], iv["lower"])
        _close(p["upper"], iv["upper"])


# ---------------------------------------------------------------------------------------------
# Behaviour
# ---------------------------------------------------------------------------------------------


def test_decreasing_link_orders_the_ends() -> None:
    d = rglm.datasets.load("trees")
    m = rglm.glm("Volume ~ log(Girth) + log(Height)", d, family=rglm.Gamma())  # inverse link
    p = m.predict(d.head(5), interval="confidence")
    inv = 1 / np.c_[p["fit"].to_numpy(), p["lower"].to_numpy(), p["upper"].to_numpy()]
    assert (p["lower"] < p["fit"]).all() and (p["fit"] < p["upper"]).all()
    link = m.predict(d.head(5), type="link", interval="confidence")
    np.testing.assert_allclose(inv[:, 1], link["upper"], rtol=1e-14)  # 1/lower is the upper eta
    np.testing.assert_allclose(inv[:, 2], link["lower"], rtol=1e-14)


def test_fixed_dispersion_uses_normal_quantile() -> None:
    d = rglm.datasets.load("mtcars")
    m = rglm.glm("mpg ~ wt", d, dispersion=4.0)
    assert interval_quantile(m, 0.95) == pytest.approx(special.ndtri(0.975), rel=1e-15)
    p = m.predict(d.head(3), type="link", interval="confidence")
    np.testing.assert_allclose(p["upper"] - p["fit"], special.ndtri(0.975) * p["se_fit"], rtol=1e-13)


def test_in_sample_interval_keeps_the_index() -> None:
    d = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex + ldose", d, family=rglm.Binomial())
    p = m.predict(interval="confidence")
    pd.testing.assert_index_equal(p.index, m.fittedvalues.index)
    np.testing.assert_allclose(p["fit"], m.fittedvalues, rtol=1e-15)
    assert ((p["lower"] > 0) & (p["upper"] < 1)).all()


def test_intercept_only_terms_are_empty_with_the_constant() -> None:
    d = rglm.datasets.load("infert")
    m = rglm.glm("case ~ 1", d, family=rglm.Binomial())
    p = m.predict(d.head(3), type="terms", se_fit=True)
    assert p.shape == (3, 0)
    assert p.attrs["constant"] == pytest.approx(m.params["Intercept"], rel=1e-15)


def test_terms_need_no_offset_for_array_offset_models() -> None:
    d = rglm.datasets.load("ships")
    off = np.log(d.service.to_numpy())
    m = rglm.glm("incidents ~ type", d, family=rglm.Poisson(), offset=off)
    ref = rglm.glm("incidents ~ type + offset(log(service))", d, family=rglm.Poisson())
    pd.testing.assert_frame_equal(m.predict(d.iloc[:4], type="terms"), ref.predict(d.iloc[:4], type="terms"))


@pytest.mark.parametrize("as_category", [False, True])
def test_missing_factor_blanks_only_its_terms(as_category: bool) -> None:
    """As R's model.matrix under na.pass: a missing value makes NaN only the terms built
    from its variable; the row's other terms keep their contributions."""
    d = rglm.datasets.load("warpbreaks")
    m = rglm.glm("breaks ~ wool * tension", d, family=rglm.Poisson())
    new = d.iloc[[0, 30]].copy()
    if as_category:
        new["wool"] = new["wool"].astype("category")
    new.loc[new.index[1], "wool"] = None
    p = m.predict(new, type="terms", se_fit=True)
    full = m.predict(d.iloc[[0, 30]], type="terms", se_fit=True)
    for part in ("fit", "se_fit"):
        pd.testing.assert_frame_equal(p[part].iloc[[0]], full[part].iloc[[0]])
        assert p[part].iloc[1][["wool", "wool:tension"]].isna().all()
        assert p[part].iloc[1]["tension"] == full[part].iloc[1]["tension"]
    assert m.predict(new, type="link").isna().tolist() == [False, True]


def test_terms_of_a_split_design_match_the_dense_formula() -> None:
    """Large data keep factors as codes (rglm.numerics.design.SplitDesign); the centred contributions
    and their standard errors are those of the dense model matrix."""
    rng = np.random.default_rng(1)
    n = 25_000
    d = pd.DataFrame({"g": rng.choice(list("abcde"), n), "x": rng.normal(size=n)})
    d["y"] = rng.poisson(np.exp(0.3 * d["x"] + 0.5 * (d["g"] == "b")))
    m = rglm.glm("y ~ g * x", d, family=rglm.Poisson())
    assert isinstance(m.model_frame.X, rglm.numerics.design.SplitDesign)
    p = m.predict(type="terms", se_fit=True)
    X = m.model_frame.design.rows()
    avx, b, V = X.mean(axis=0), m.params.to_numpy(), m.cov_params().to_numpy()
    for label, cols in m.model_frame.spec.term_columns.items():
        if label == "1":
            continue
        xc = X[:, cols] - avx[cols]
        np.testing.assert_allclose(p["fit"][label], xc @ b[cols], rtol=1e-10, atol=1e-12)
        se = np.sqrt(np.einsum("ij,jk,ik->i", xc, V[np.ix_(cols, cols)], xc))
        np.testing.assert_allclose(p["se_fit"][label], se, rtol=1e-10, atol=1e-12)
    assert p.attrs["constant"] == pytest.approx(float(avx @ b), rel=1e-12)


def test_newdata_is_not_modified() -> None:
    d = rglm.datasets.load("warpbreaks")
    m = rglm.glm("breaks ~ wool * tension", d, family=rglm.Poisson())
    new = d.iloc[:5].copy()
    before = new.copy()
    m.predict(new, type="terms", interval="confidence")
    m.predict(new, type="response", interval="confidence")
    pd.testing.assert_frame_equal(new, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"type": "probability"}, "'terms'"),
        ({"interval": "prediction"}, "'confidence'"),
        ({"interval": "confidence", "level": 95}, "level"),
        ({"interval": "confidence", "level": 0.0}, "level"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    d = rglm.datasets.load("warpbreaks")
    m = rglm.glm("breaks ~ wool", d, family=rglm.Poisson())
    with pytest.raises(rglm.ArgumentError, match=match):
        m.predict(d.head(2), **kwargs)
