"""rglm.glmnet and rglm.cv_glmnet against R's glmnet 4.1-6 (tests/data/glmnet, made by
tests/r/make_glmnet_cases.R with the shared battery's machinery), scikit-learn's L2
regressors, and closed forms.

Each case holds R's path at its optimum (``r_ref``); rglm's solver reaches the optimum, so
it is compared with that run: lambdas to 1e-10, coefficients to 1e-7 of the largest at each
lambda, predictions and CV figures to 1e-6.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn import linear_model

import rglm
from rglm.fit.glmnet_cd import solve_quadratic

HERE = Path(__file__).parent / "data" / "glmnet"
CASES = sorted(p.stem for p in (HERE / "cases").glob("*.json"))
# CV runs checked here (the family-object ones are the slow ones; one of them is enough)
CV_RUNS = [
    ("mtcars_gaussian_lasso", "mse"),
    ("mtcars_gaussian_enet_pf", "mae"),
    ("birthwt_binomial_auc", "auc"),
    ("budworm_binomial_cbind", "deviance"),
    ("insurance_poisson_offset_noint", "mae"),
    ("gen_gamma_log_weights", "deviance"),
    ("warpbreaks_poisson_ridge_sklearn", "mse"),
]


@cache
def load(case_id: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((HERE / "cases" / f"{case_id}.json").read_text())
    return case


def data_of(case: dict[str, Any], key: str) -> pd.DataFrame:
    return pd.read_csv(HERE / "cases" / case["python"][key])


def num(v: Any) -> float:
    return float(v.replace("Inf", "inf")) if isinstance(v, str) else float(v)


def kwargs_of(case: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in case["python"]["kwargs"].items():
        if isinstance(v, list):
            out[k] = np.array([num(e) for e in v])
        elif k in ("lower_limits", "upper_limits"):
            out[k] = num(v)
        else:
            out[k] = v
    return out


def family_of(case: dict[str, Any]) -> rglm.Family:
    spec = case["python"]["family"]
    fam: rglm.Family = getattr(rglm, spec["name"])(**(spec.get("args") or {}))
    return fam


@cache
def fitted(case_id: str) -> rglm.GlmnetPath:
    case = load(case_id)
    return rglm.glmnet(case["python"]["formula"], data_of(case, "data"), family_of(case), **kwargs_of(case))


def assert_coef(got: pd.DataFrame, want_rows: list[list[float]], intercept: bool) -> None:
    want = np.array([[num(v) for v in row] for row in want_rows])
    vals = got.to_numpy()
    assert vals.shape == want.shape
    scale = np.maximum(np.max(np.abs(want), axis=0), 1e-5)
    rel = np.max(np.abs(vals - want), axis=0) / scale
    assert rel.max() <= 1e-7, f"coef off by {rel.max():.2e} at column {rel.argmax()}"


def assert_close(got: Any, want: list[Any], rtol: float) -> None:
    g = np.asarray(got, dtype=float).reshape(-1)
    w = np.array([num(v) for v in want])
    assert g.shape == w.shape
    scale = np.maximum(np.abs(w), 1e-3 * np.max(np.abs(w)))
    assert np.all(np.abs(g - w) <= rtol * scale)


def allowed_counts(coef_rows: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Nonzero counts R allows, a coefficient within the tolerance of 0 counting either way."""
    m = np.array([[num(v) for v in row] for row in coef_rows])[1:]
    scale = np.max(np.abs(np.array([[num(v) for v in row] for row in coef_rows])), axis=0)
    return np.sum(np.abs(m) > 1e-7 * scale, axis=0), np.sum(m != 0, axis=0)


def table_rows(text: str, header: tuple[str, ...]) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if tuple(ln.split()[-len(header) :]) == header)
    return [ln.split()[-len(header) :] for ln in lines[start + 1 :] if ln.strip()]


@pytest.mark.parametrize("case_id", CASES)
def test_path_matches_r(case_id: str) -> None:
    case = load(case_id)
    ref = case["r_ref"]
    path = fitted(case_id)
    intercept = case["python"]["kwargs"].get("intercept", True)
    np.testing.assert_allclose(path.lambda_, [num(v) for v in ref["lambda"]], rtol=1e-10)
    assert_coef(path.coef(), ref["coef"], intercept)
    lo, hi = allowed_counts(ref["coef"])
    assert np.all((path.df >= np.minimum(lo, ref["df"])) & (path.df <= np.maximum(hi, ref["df"])))
    w = np.array(ref["dev_ratio"])
    assert np.max(np.abs(path.dev_ratio - w) / np.maximum(np.abs(w), 0.01)) <= 1e-7
    assert path.nulldev == pytest.approx(ref["nulldev"], rel=1e-7)
    assert_coef(path.coef(s=[p["s"] for p in ref["predict"]]), ref["coef_at_s"], intercept)
    newdata = data_of(case, "newdata")
    for p in ref["predict"]:
        for typ in ("link", "response"):
            assert_close(path.predict(newdata, s=p["s"], type=typ), p[typ], 1e-6)
        if "class" in p:
            got = path.predict(newdata, s=p["s"], type="class")
            assert [int(v) for v in got] == [int(v) for v in p["class"]]
    # print(fit): the Df / %Dev / Lambda rows, token by token (Df may differ only where a
    # coefficient is within the tolerance of zero)
    got_rows = table_rows(str(path), ("Df", "%Dev", "Lambda"))
    want_rows = table_rows(ref["print"], ("Df", "%Dev", "Lambda"))
    assert [r[1:] for r in got_rows] == [r[1:] for r in want_rows]


@pytest.mark.parametrize(("case_id", "measure"), CV_RUNS, ids=[f"{c}-{m}" for c, m in CV_RUNS])
def test_cv_matches_r(case_id: str, measure: str) -> None:
    case = load(case_id)
    k = case["cv"]["measures"].index(measure)
    ref = case["r_ref"]["cv"][k]
    cv = rglm.cv_glmnet(
        case["python"]["formula"],
        data_of(case, "data"),
        family_of(case),
        foldid=np.array(case["cv"]["foldid"]),
        type_measure=measure,
        **kwargs_of(case),
    )
    allowed_min = [ref["lambda_min"], *ref["near_ties_min"]]
    assert min(abs(cv.lambda_min / a - 1) for a in allowed_min) <= 1e-10
    allowed_1se = [ref["lambda_1se"], *ref["near_ties_1se"]]
    assert min(abs(cv.lambda_1se / a - 1) for a in allowed_1se) <= 1e-10
    for key in ("cvm", "cvsd", "cvup", "cvlo"):
        assert_close(getattr(cv, key), ref[key], 1e-6)
    np.testing.assert_array_equal(cv.nzero, ref["nzero"])
    newdata = data_of(case, "newdata")
    assert_close(cv.predict(newdata, s="lambda.min"), ref["predict_min"], 1e-6)
    assert_close(cv.predict(newdata, s="lambda.1se"), ref["predict_1se"], 1e-6)
    text = str(cv)
    assert f"Measure: {ref['name']}" in text
    got = [ln.split()[1:5] for ln in text.splitlines() if ln.split()[:1] in (["min"], ["1se"])]
    want = [ln.split()[1:5] for ln in ref["print"].splitlines() if ln.split()[:1] in (["min"], ["1se"])]
    assert got == want


@pytest.mark.parametrize("case_id", [c for c in CASES if "sklearn" in load(c)])
def test_sklearn_l2_regressors(case_id: str) -> None:
    """alpha=0, lambda_=a, standardize=False is scikit-learn's PoissonRegressor(alpha=a) and
    GammaRegressor(alpha=a), fitted here by scikit-learn itself."""
    case = load(case_id)
    sk = case["sklearn"]
    X, y = np.array(sk["X"]), np.array(sk["y"])
    coef = fitted(case_id).coef()
    for k, a in enumerate(sk["alphas"]):
        est = getattr(linear_model, sk["estimator"])(
            alpha=a, solver="newton-cholesky", tol=1e-12, max_iter=1000
        )
        est.fit(
            X, y, sample_weight=None if sk.get("sample_weight") is None else np.array(sk["sample_weight"])
        )
        want = np.concatenate([[est.intercept_], est.coef_])
        got = coef.iloc[:, k].to_numpy()
        assert np.max(np.abs(got - want)) / np.max(np.abs(want)) <= 1e-6


def test_sklearn_tweedie_regressor() -> None:
    """TweedieRegressor(power=1.5, link="log", alpha=a) with sample weights."""
    rng = np.random.default_rng(7)
    n = 300
    d = pd.DataFrame(
        {"x1": rng.normal(size=n), "x2": rng.uniform(size=n), "g": rng.choice(["a", "b", "c"], n)}
    )
    mu = np.exp(0.5 + 0.4 * d.x1 - 0.3 * d.x2 + 0.2 * (d.g == "b"))
    d["y"] = rng.gamma(2.0, mu / 2.0) * rng.binomial(1, 0.8, n)
    d["w"] = rng.uniform(0.5, 2.0, n)
    path = rglm.glmnet(
        "y ~ x1 + x2 + g",
        d,
        rglm.Tweedie(var_power=1.5, link_power=0),
        alpha=0.0,
        lambda_=[0.05, 0.01],
        standardize=False,
        weights="w",
        thresh=1e-14,
    )
    X = np.column_stack([d.x1, d.x2, d.g == "b", d.g == "c"]).astype(float)
    for k, a in enumerate([0.05, 0.01]):
        est = linear_model.TweedieRegressor(
            power=1.5, link="log", alpha=a, solver="newton-cholesky", tol=1e-12
        )
        est.fit(X, d.y, sample_weight=d.w)
        want = np.concatenate([[est.intercept_], est.coef_])
        got = path.coef().iloc[:, k].to_numpy()
        assert np.max(np.abs(got - want)) / np.max(np.abs(want)) <= 1e-6


def test_gaussian_ridge_closed_form() -> None:
    """glmnet's Gaussian ridge: (1/2) sum w (y - b0 - x b)^2 + lambda/(2 s_y) |b|^2 with w
    summing to 1 and s_y the response's weighted sd, solved as a linear system."""
    mt = data_of(load("mtcars_gaussian_lasso"), "data")
    lam = 0.7
    path = rglm.glmnet(
        "mpg ~ wt + hp + qsec", mt, alpha=0.0, lambda_=[lam], standardize=False, weights="carb"
    )
    w = mt.carb.to_numpy() / mt.carb.sum()
    X = mt[["wt", "hp", "qsec"]].to_numpy()
    y = mt.mpg.to_numpy()
    Xc, yc = X - w @ X, y - w @ y
    sy = np.sqrt(w @ yc**2)
    b = np.linalg.solve(Xc.T @ (w[:, None] * Xc) + lam / sy * np.eye(3), Xc.T @ (w * yc))
    b0 = w @ y - (w @ X) @ b
    np.testing.assert_allclose(path.coef().iloc[:, 0].to_numpy(), np.r_[b0, b], rtol=1e-8)


def test_coordinate_descent_reaches_closed_form() -> None:
    """With an orthogonal H the lasso solution is soft-thresholding, clipped to the box."""
    H = np.diag([2.0, 1.0, 4.0, 3.0])
    c = np.array([3.0, -0.2, -5.0, 1.0])
    l1 = np.array([1.0, 0.5, 1.0, 0.0])
    l2 = np.array([0.0, 0.0, 1.0, 1.0])
    lo, hi = np.array([-9.0, -9.0, -0.5, -9.0]), np.full(4, 9.0)
    got, _ = solve_quadratic(H, c, np.zeros(4), l1, l2, lo, hi, 1e-20, 1000)
    want = np.array([(3 - 1) / 2, 0.0, max((-5 + 1) / 5, -0.5), 1 / 4])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("item", load("mtcars_gaussian_limits_nostd")["bad_input"], ids=lambda i: i["why"])
def test_bad_input(item: dict[str, Any]) -> None:
    case = load("mtcars_gaussian_limits_nostd")
    kw = kwargs_of(case)
    for k, v in item["kwargs"].items():
        kw[k] = np.array(v) if isinstance(v, list) else v
    fn = rglm.cv_glmnet if item["call"] == "cv_glmnet" else rglm.glmnet
    with pytest.raises(rglm.RGLMError) as err:
        fn(case["python"]["formula"], data_of(case, "data"), rglm.Gaussian(), **kw)
    assert isinstance(err.value, ValueError)


def test_families_glmnet_cannot_fit() -> None:
    mt = data_of(load("mtcars_gaussian_lasso"), "data")
    with pytest.raises(rglm.FamilyError, match="theta"):
        rglm.glmnet("carb ~ wt + hp", mt, rglm.NegativeBinomial())
    with pytest.raises(rglm.FamilyError, match="multinomial"):
        rglm.glmnet("carb ~ wt + hp", mt, "multinomial")
    with pytest.raises(rglm.ArgumentError, match="nfolds"):
        rglm.cv_glmnet("mpg ~ wt + hp", mt, nfolds=2)


def test_outputs_without_p_values() -> None:
    matplotlib.use("Agg")
    path = fitted("mtcars_gaussian_lasso")
    tidy = path.tidy()
    assert list(tidy.columns) == ["term", "step", "estimate", "lambda", "dev_ratio"]
    assert len(tidy) == int(np.sum(path.coef().to_numpy() != 0))
    assert not re.search(r"p-?value|Pr\(", str(path) + tidy.to_string(), re.IGNORECASE)
    for xvar in ("norm", "lambda", "dev"):
        assert path.plot(xvar=xvar).get_xlabel()
    cv = rglm.cv_glmnet(
        "mpg ~ wt + hp + qsec + am", data_of(load("mtcars_gaussian_lasso"), "data"), nfolds=4, seed=3
    )
    again = rglm.cv_glmnet(
        "mpg ~ wt + hp + qsec + am", data_of(load("mtcars_gaussian_lasso"), "data"), nfolds=4, seed=3
    )
    np.testing.assert_array_equal(cv.foldid, again.foldid)
    assert sorted(np.bincount(cv.foldid)[1:].tolist()) == [8, 8, 8, 8]
    assert cv.plot().get_xlabel()


def test_max_iter_warns_and_one_lambda_cv_refused() -> None:
    mt = data_of(load("mtcars_gaussian_lasso"), "data")
    with pytest.warns(rglm.ConvergenceWarning, match="max_iter=1"):
        rglm.glmnet("mpg ~ wt + hp + disp + qsec", mt, max_iter=1, thresh=1e-30, nlambda=5)
    with pytest.raises(rglm.ArgumentError, match="more than one"):
        rglm.cv_glmnet("mpg ~ wt + hp", mt, lambda_=[0.1])
