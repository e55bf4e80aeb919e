"""Multinomial logit regression against nnet::multinom at the exact MLE.

The cases under tests/data/multinom are R's figures: the shared reference cases (housing,
warpbreaks, integer codes with weights and missing values) and those of
tests/r/make_multinom_cases.R (integer codes from mtcars, a cbind count response, a logical
response with a subset, no intercept, an aliased column, and two refusals).  R's fits were
polished by Newton steps to the exact MLE (nnet's BFGS stops ~1e-5 short) and cross-checked
with VGAM::vglm and brglm2 to 1e-12; every number is compared at 1e-6 relative (1e-7 for the
likelihood), the p-values at 1e-4 (R's 1 - pchisq), and the printed summary token by token.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import rglm
from rglm.cli import main as cli_main
from rglm.fit.multinom import MultinomControl, aliased_columns, block_sums, memory_sums, newton_multinom

HERE = Path(__file__).parent / "data" / "multinom"
# layout/: cases whose printout the shared checker cannot read (nnet prints a two-column count
# matrix as a one-row matrix); their data paths are relative to cases/ alike.
CASES = sorted([*(HERE / "cases").glob("*.json"), *(HERE / "layout").glob("*.json")])
FIT_CASES = [p for p in CASES if "expect_error" not in json.loads(p.read_text())]


def _with(key: str) -> list[Path]:
    return [p for p in FIT_CASES if json.loads(p.read_text())["r"].get(key)]


PREDICT_CASES, SUMMARY_CASES, ANOVA_CASES = _with("predict"), _with("summary_text"), _with("anova")
EST, LIK, PV = 1e-6, 1e-7, 1e-4


# -- reading a case
def canon(name: Any) -> str:
    """R's and formulaic's names of a coefficient, one spelling: ``(Intercept)``/``Intercept``,
    ``InflMedium``/``Infl[T.Medium]``."""
    s = str(name).replace(" ", "").replace("(Intercept)", "Intercept")
    return s.replace("[T.", "").replace("]", "")


def level(x: Any) -> str:
    s = str(x)
    return s.upper() if s.lower() in ("true", "false") else s


def as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list) else [x]


def matrix(rows: Any) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in as_list(r)] for r in as_list(rows)], dtype=float)


def read(case: dict[str, Any], rel: str) -> pd.DataFrame:
    data = pd.read_csv(HERE / "cases" / rel)
    for col, spec in (case["python"].get("categorical") or {}).items():
        if col in data.columns:
            data[col] = pd.Categorical(data[col], categories=as_list(spec["levels"]))
    return data


def fit_case(case: dict[str, Any], formula: str | None = None) -> tuple[Any, pd.DataFrame]:
    py = case["python"]
    data = read(case, py["data"])
    kwargs = dict(py.get("kwargs") or {})
    if py.get("subset"):
        kwargs["subset"] = (data[py["subset"]["column"]] == py["subset"]["equals"]).to_numpy()
    return rglm.multinom(formula or py["formula"], data, **kwargs), data


def close(got: Any, want: Any, rtol: float = EST) -> None:
    """Relative to max(|R|, 1e-3 max|R|), NaN where R has NA."""
    g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert g.shape == w.shape
    assert np.array_equal(np.isnan(g), np.isnan(w))
    ok = ~np.isnan(w)
    scale = np.maximum(np.abs(w[ok]), 1e-3 * np.max(np.abs(w[ok]), initial=0.0))
    assert np.all(np.abs(g[ok] - w[ok]) <= rtol * scale + 1e-12), np.max(np.abs(g[ok] - w[ok]) / scale)


def aligned(df: pd.DataFrame, rows: list[str], cols: list[str]) -> np.ndarray:
    """``df`` in R's row and column order (matched by canonical names)."""
    ri = [[level(i) for i in df.index].index(level(r)) for r in rows]
    ci = [[canon(c) for c in df.columns].index(canon(c)) for c in cols]
    return df.to_numpy(dtype=float)[np.ix_(ri, ci)]


def vc_key(label: str, levels: list[str]) -> tuple[str, str]:
    for lv in levels[1:]:
        if label.startswith(f"{lv}:"):
            return lv, canon(label[len(lv) + 1 :])
    return levels[1], canon(label)  # two classes: R writes the coefficient alone


_FITS: dict[Path, tuple[Any, dict[str, Any], pd.DataFrame]] = {}


def fitted_case(path: Path) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    """The fit of a case (once per session: fits are immutable)."""
    if path not in _FITS:
        case = json.loads(path.read_text())
        m, data = fit_case(case)
        _FITS[path] = (m, case, data)
    return _FITS[path]


@pytest.fixture(params=FIT_CASES, ids=[p.stem for p in FIT_CASES])
def fitted(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    return fitted_case(request.param)


# -- the numbers against R
def test_estimates_and_tests(fitted: Any) -> None:
    m, case, _ = fitted
    r = case["r"]
    rows, cols = [str(x) for x in as_list(r["coef_rows"])], [str(x) for x in as_list(r["coef_names"])]
    assert [level(v) for v in m.response.labels] == [level(v) for v in as_list(r["levels"])]
    for attr, key, tol in (
        ("params", "coef", EST),
        ("bse", "se", EST),
        ("tvalues", "z", EST),
        ("pvalues", "p", PV),
    ):
        close(aligned(getattr(m, attr), rows, cols), matrix(r[key]), tol)


def test_covariance_level_major(fitted: Any) -> None:
    m, case, _ = fitted
    r = case["r"]
    labels = [level(x) for x in as_list(r["levels"])]
    vc = m.cov_params()
    got = [vc_key(str(x), labels) for x in vc.index]
    want = [vc_key(str(x), labels) for x in as_list(r["vcov_names"])]
    idx = [got.index(w) for w in want]
    close(vc.to_numpy()[np.ix_(idx, idx)], matrix(r["vcov"]))
    assert [g[0] for g in got] == sorted((g[0] for g in got), key=labels.index)  # level-major
    extra = sorted(set(range(len(got))) - set(idx))
    assert np.isnan(vc.to_numpy()[extra]).all()  # aliased entries carry no covariance


def test_fit_figures(fitted: Any) -> None:
    m, case, _ = fitted
    r = case["r"]
    for attr, key in (("deviance", "deviance"), ("llf", "loglik"), ("aic", "aic"), ("bic", "bic")):
        close(getattr(m, attr), r[key], LIK)
    assert m.edf == r["edf"] and m.nobs == pytest.approx(r["nobs"], rel=1e-12) and m.converged
    assert m.n_rows == r["n_used"]
    close(m.fittedvalues.to_numpy(), matrix(r["fitted"]))


@pytest.mark.parametrize("path", PREDICT_CASES, ids=[p.stem for p in PREDICT_CASES])
def test_predict(path: Path) -> None:
    m, case, _ = fitted_case(path)
    rp = case["r"]["predict"]
    newdata = read(case, case["python"]["newdata"])
    close(m.predict(newdata, type="probs").to_numpy(), matrix(rp["probs"]))
    close(m.predict(newdata, type="link").to_numpy(), matrix(rp["link"]))
    got = [level(v) for v in m.predict(newdata, type="class")]
    assert got == [level(v) for v in as_list(rp["class"])]


def test_wald_intervals(fitted: Any) -> None:
    m, case, _ = fitted
    rc = case["r"]["confint_wald"]
    labels = [level(x) for x in as_list(case["r"]["levels"])]
    ci = m.conf_int()
    got = [vc_key(str(x), labels) for x in ci.index]
    idx = [got.index(vc_key(str(x), labels)) for x in as_list(rc["names"])]
    want = np.column_stack([as_list(rc["lower"]), as_list(rc["upper"])]).astype(float)
    arr = ci.to_numpy()[idx]
    scale = np.max(np.abs(want), axis=1, keepdims=True)
    assert np.all(np.abs(arr - want) <= EST * scale)


def _cells(text: str, header: str) -> dict[tuple[str, str], str]:
    """The numbers of one printed matrix, keyed by canonical (row, column)."""
    lines = text.splitlines()
    start = lines.index(header) + 1
    out: dict[tuple[str, str], str] = {}
    cols: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            break
        toks = line.split()
        if line.startswith(" "):
            cols = [canon(t) for t in toks]
            if "Std." in cols:  # nnet's two-class heading "Values Std. Err."
                cols = ["Values", "Std.Err."]
            continue
        for c, v in zip(cols, toks[-len(cols) :], strict=True):
            out[(level(canon(toks[0])), c)] = v
    return out


@pytest.mark.parametrize("path", SUMMARY_CASES, ids=[p.stem for p in SUMMARY_CASES])
def test_summary_prints_r_digits(path: Path) -> None:
    m, case, _ = fitted_case(path)
    r = case["r"]
    texts = [r["summary_text"], *as_list(r.get("summary_text_alt") or [])]
    mine = str(m.summary())
    headers = ["Coefficients:"] if r["is_binomial"] else ["Coefficients:", "Std. Errors:"]
    for header in headers:
        got = _cells(mine, header)
        wants = [_cells(t, header) for t in texts]
        assert got and set(got) == set(wants[0])
        for key, token in got.items():
            assert any(w[key] == token for w in wants), (header, key, token, wants[0][key])
    for key in ("Residual Deviance:", "AIC:"):
        line = next(x for x in mine.splitlines() if x.startswith(key))
        assert any(line.rstrip() in t.splitlines() or line in t for t in texts)


@pytest.mark.parametrize("path", ANOVA_CASES, ids=[p.stem for p in ANOVA_CASES])
def test_anova_matches_r(path: Path) -> None:
    m, case, _ = fitted_case(path)
    ra = case["r"]["anova"]
    other, _ = fit_case(case, case["python"]["anova"]["formula"])
    pair = (m, other) if case["python"]["anova"]["position"] == "after" else (other, m)
    a = rglm.anova(*pair)
    close(a["Resid. df"], as_list(ra["resid_df"]))
    close(a["Resid. Dev"], as_list(ra["resid_dev"]))
    close(a["LR stat."].iloc[1:], as_list(ra["lr_stat"])[1:])
    close(a["Pr(Chi)"].iloc[1:], as_list(ra["p"])[1:], PV)
    # The model labels are R's own here, so the whole printout is R's.
    assert [x.rstrip() for x in str(a).splitlines()] == [x.rstrip() for x in ra["text"].splitlines()]


# -- refusals as R refuses
@pytest.mark.parametrize("stem", ["one_level_error", "fruit_unseen_level_error"])
def test_r_refusals(stem: str) -> None:
    case = json.loads((HERE / "cases" / f"{stem}.json").read_text())
    if case["expect_error"]["stage"] == "fit":
        with pytest.raises(rglm.DataError, match="two or more categories"):
            fit_case(case)
    else:
        m, _ = fit_case(case)
        with pytest.raises(rglm.DataError, match="'d' not seen"):
            m.predict(read(case, case["python"]["newdata"]))


def _fruit() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "fruit.csv")


def test_bad_input_is_refused_clearly() -> None:
    d = _fruit()
    with pytest.raises(rglm.DataError, match="one value per row"):
        rglm.multinom("kind ~ x", d, weights=np.ones(5))
    empty = d.assign(kind=pd.Categorical(d["kind"], categories=["apple", "banana", "cherry", "date"]))
    with pytest.raises(rglm.DataError, match="no observations of level.*'date'"):
        rglm.multinom("kind ~ x", empty)
    g = pd.read_csv(HERE / "data" / "grouped_counts.csv").assign(none=0)
    with pytest.raises(rglm.DataError, match="no observations of level.*'none'"):
        rglm.multinom("cbind(fish, invert, none) ~ x", g)
    with pytest.raises(rglm.DataError, match="no observations"):
        rglm.multinom("cbind(fish, invert) ~ x", g.assign(fish=0, invert=0))
    with pytest.raises(rglm.FormulaError, match="must be a column"):
        rglm.multinom("log(x) ~ g", d)
    with pytest.raises(rglm.ArgumentError, match="start must have"):
        rglm.multinom("kind ~ x", d, start=[0.0, 1.0])


def test_factor_calls_in_the_response_read_the_column() -> None:
    # factor(gear) and C(gear) are gear read as a factor: the same fit as R's (mtcars_gear_codes)
    case = json.loads((HERE / "cases" / "mtcars_gear_codes.json").read_text())
    data = read(case, case["python"]["data"])
    for lhs in ("factor(gear)", "C(gear)", "as.factor(gear)"):
        m = rglm.multinom(f"{lhs} ~ mpg + hp", data)
        close(aligned(m.params, ["4", "5"], ["(Intercept)", "mpg", "hp"]), matrix(case["r"]["coef"]))
        assert m.response.label == lhs


def test_caller_data_unchanged() -> None:
    d = _fruit()
    d["kind"] = pd.Categorical(d["kind"])
    before = d.copy(deep=True)
    m = rglm.multinom("kind ~ x + g", d, subset=(d["x"] > -1).to_numpy())
    m.predict(d)
    pd.testing.assert_frame_equal(d, before)
    assert "_rglm_row_" not in d.columns


# -- separation: the MLE does not exist
def test_separation_warns_and_reaches_the_infimum() -> None:
    # In group b category C never occurs: the model is saturated in g, so the deviance's infimum is
    # the closed form -2 sum n_gk log(n_gk / n_g) over the observed cells, reached as C:g[T.b] -> -inf.
    d = pd.DataFrame(
        {"y": ["A"] * 10 + ["B"] * 7 + ["C"] * 5 + ["A"] * 6 + ["B"] * 9, "g": ["a"] * 22 + ["b"] * 15}
    )
    limit = -2 * sum(c * math.log(c / n) for c, n in ((10, 22), (7, 22), (5, 22), (6, 15), (9, 15)))
    with pytest.warns(rglm.SeparationWarning, match=r"C:g\[T\.b\] \(R: C:gb\)") as record:
        m = rglm.multinom("y ~ g", d)
    assert len(record) == 1
    assert limit <= m.deviance <= limit * (1 + 1e-8)
    assert m.params.loc["C", "g[T.b]"] < -15


# -- the solver on its own
def test_score_and_information_are_the_derivatives() -> None:
    # Against central differences of the log-likelihood (an independent route to both).
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(30), rng.normal(size=(30, 2))])
    y = rng.integers(0, 3, size=30).astype(float)
    w = rng.uniform(0.5, 2, size=30)
    B = rng.normal(scale=0.3, size=(2, 3))
    s = block_sums(X, y, w, B)

    def ll(flat: np.ndarray) -> float:
        return block_sums(X, y, w, flat.reshape(2, 3)).loglik

    h = 1e-5
    flat = B.ravel()
    grad = np.array([(ll(flat + h * e) - ll(flat - h * e)) / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(s.score.ravel(), grad, rtol=1e-7, atol=1e-8)

    def score(v: np.ndarray) -> np.ndarray:
        return block_sums(X, y, w, v.reshape(2, 3)).score.ravel()

    hess = np.array([(score(flat + h * e) - score(flat - h * e)) / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(s.info, -hess, rtol=1e-6, atol=1e-8)


def test_blocks_add_up_to_the_whole() -> None:
    rng = np.random.default_rng(4)
    X = np.column_stack([np.ones(500), rng.normal(size=(500, 3))])
    y = rng.integers(0, 4, size=500).astype(float)
    w = np.ones(500)
    B = rng.normal(scale=0.2, size=(3, 4))
    whole = block_sums(X, y, w, B, gram=True)
    parts = memory_sums(
        [(X[a : a + 97], y[a : a + 97], w[a : a + 97]) for a in range(0, 500, 97)], K=4, threads=2
    )(B, True)
    for a, b in ((whole.info, parts.info), (whole.score, parts.score), (whole.gram, parts.gram)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-10)
    assert whole.loglik == pytest.approx(parts.loglik, rel=1e-13)


@pytest.mark.parametrize("formula", ["y ~ g + x + z + u", "y ~ g * x + h"])
def test_factor_designs_give_the_dense_sums(formula: str) -> None:
    # Large enough for the frame to keep factors as codes (a split design): the information from
    # weighted Gram matrices (one product for a plain factor) equals the dense computation.
    from rglm.frame.multinom import multinom_frame
    from rglm.numerics.design import SplitDesign

    rng = np.random.default_rng(8)
    n = 60_000
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "u": rng.normal(size=n)})
    d["g"], d["h"] = rng.choice(list("abc"), n), rng.choice(list("uv"), n)
    d["y"] = rng.choice(list("pqrs"), n)
    frame, _, y = multinom_frame(formula, d)
    assert isinstance(frame.design, SplitDesign)
    B = rng.normal(scale=0.2, size=(3, frame.design.shape[1]))
    split = block_sums(frame.design, y, frame.weights, B, gram=True)
    dense = block_sums(frame.design.rows(None), y, frame.weights, B, gram=True)
    np.testing.assert_allclose(split.info, dense.info, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(split.score, dense.score, rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(split.gram, dense.gram, rtol=1e-12, atol=1e-8)
    assert split.loglik == pytest.approx(dense.loglik, rel=1e-13)


def test_rank_rule_is_r_s() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=50), rng.normal(size=50)
    X = np.column_stack([np.ones(50), a, b, a - 2 * b, b + 1e-9 * rng.normal(size=50)])
    # R: qr(X)$rank drops the exact combination and the column within 1e-7 of b (dqrdc2, tol 1e-7)
    assert aliased_columns(X.T @ X).tolist() == [False, False, False, True, True]


def test_larger_data_in_blocks_matches_statsmodels() -> None:
    # Two row blocks (one per worker thread) against statsmodels' MNLogit.
    rng = np.random.default_rng(6)
    n = 24_000
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("pqrs"), size=n)})
    eta = np.column_stack(
        [np.zeros(n), 0.3 + 0.5 * d.x, -0.2 * d.x + 0.4 * (d.g == "q"), 0.1 - 0.3 * (d.g == "s")]
    )
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    d["y"] = np.array(["a", "b", "c", "d"])[(rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)]
    m = rglm.multinom("y ~ x + g", d)
    X = np.column_stack([np.ones(n), d.x, d.g == "q", d.g == "r", d.g == "s"]).astype(float)
    ref = sm.MNLogit(pd.Categorical(d.y).codes, X).fit(method="newton", tol=1e-12, maxiter=50, disp=0)
    close(m.params.to_numpy(), ref.params.T, 1e-8)
    close(m.bse.to_numpy(), np.asarray(ref.bse).T, 1e-6)
    close(m.llf, ref.llf, 1e-12)


# -- out of core: the same fit from chunks
def _gen() -> tuple[pd.DataFrame, Any]:
    data = pd.read_csv(HERE / "data" / "gen_codes.csv")
    return data, rglm.multinom("y ~ x1 + x2 + g", data, weights="w")


def _same(a: Any, b: Any) -> None:
    for x, y in ((a.params, b.params), (a.bse, b.bse), (a.cov_params(), b.cov_params())):
        np.testing.assert_allclose(x.to_numpy(), y.to_numpy(), rtol=1e-9, atol=1e-12)
    assert a.deviance == pytest.approx(b.deviance, rel=1e-12)
    assert a.nobs == pytest.approx(b.nobs, rel=1e-12)  # a sum of weights, added in another order
    assert (a.edf, a.n_rows, a.levels, a.iterations) == (b.edf, b.n_rows, b.levels, b.iterations)


@pytest.mark.parametrize("kind", ["csv", "parquet", "frame"])
def test_chunked_fit_equals_in_memory(kind: str, tmp_path: Path) -> None:
    data, m0 = _gen()
    source: Any = data
    if kind == "csv":
        source = tmp_path / "d.csv"
        data.to_csv(source, index=False)
        source = str(source)
    elif kind == "parquet":
        source = str(tmp_path / "d.parquet")
        data.to_parquet(source)
    m = rglm.multinom("y ~ x1 + x2 + g", source, weights="w", chunksize=110)
    _same(m, m0)
    np.testing.assert_allclose(
        m.predict(data.head(8)).to_numpy(), m0.predict(data.head(8)).to_numpy(), rtol=1e-9
    )
    with pytest.raises(rglm.OutOfCoreError):
        _ = m.fittedvalues


def test_dask_fit_equals_in_memory() -> None:
    data, m0 = _gen()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # dask's head() on a small first partition
        m = rglm.multinom("y ~ x1 + x2 + g", dd.from_pandas(data, npartitions=3), weights="w")
    _same(m, m0)


def test_chunked_counts_and_categorical() -> None:
    g = pd.read_csv(HERE / "data" / "grouped_counts.csv")
    f = "cbind(fish, invert, reptile, bird) ~ x + site"
    _same(rglm.multinom(f, g, chunksize=25), rglm.multinom(f, g))
    case = json.loads((HERE / "cases" / "housing_sat_freq.json").read_text())
    h = read(case, case["python"]["data"])
    f = "Sat ~ Infl + Type + Cont"
    _same(rglm.multinom(f, h, weights="Freq", chunksize=40), rglm.multinom(f, h, weights="Freq"))


# -- the shared machinery
def test_core_methods_work_unchanged(tmp_path: Path) -> None:
    case = json.loads((HERE / "cases" / "housing_sat_freq.json").read_text())
    m, _ = fit_case(case)
    small, _ = fit_case(case, "Sat ~ Infl + Cont")
    lr = m.lr_test(small)
    assert lr.statistic == pytest.approx(case["r"]["anova"]["lr_stat"][1], rel=EST)
    assert lr.df == 6
    tidy = m.tidy(conf_int=True)
    assert list(tidy["term"][:2]) == ["Medium:Intercept", "Medium:Infl[T.Medium]"]
    np.testing.assert_allclose(tidy["estimate"], m.params.to_numpy().ravel())
    np.testing.assert_allclose(tidy["conf_low"], m.conf_int()["lower"])
    g = m.glance()
    assert g["AIC"].iloc[0] == pytest.approx(case["r"]["aic"], rel=LIK)
    table = str(rglm.compare([small, m]))
    assert "High:Type[T.Tower]" in table and "3498.084" in table
    w = m.wald_test("Medium:Type[T.Atrium] = 0")
    z = case["r"]["z"][0][3]
    assert w.statistic == pytest.approx(z * z, rel=EST)
    path = tmp_path / "m.rglm"
    m.save(path)
    back = rglm.load(path)
    pd.testing.assert_frame_equal(back.params, m.params)
    assert str(back.summary()) == str(m.summary())


def test_summary_with_tests_and_prediction_errors() -> None:
    case = json.loads((HERE / "cases" / "warpbreaks_tension_interaction.json").read_text())
    m, data = fit_case(case)
    text = str(m.summary(tests=True))
    z = matrix(case["r"]["z"])
    assert "Value/SE (Wald statistics):" in text and "Pr(>|z|):" in text
    assert f"{z[0, 0]:.6f}"[:8] in text
    probs, se = m.predict(data.head(4), se_fit=True)
    # The delta method against numerical derivatives of the probabilities in the coefficients.
    X = np.column_stack(
        [np.ones(4), data.breaks[:4], data.wool[:4] == "B", (data.wool[:4] == "B") * data.breaks[:4]]
    )
    B = m.params.to_numpy()

    def prob(flat: np.ndarray) -> np.ndarray:
        eta = np.column_stack([np.zeros(4), X @ flat.reshape(B.shape).T])
        e = np.exp(eta)
        return e / e.sum(axis=1, keepdims=True)

    h = 1e-6
    J = np.stack(
        [(prob(B.ravel() + h * e) - prob(B.ravel() - h * e)) / (2 * h) for e in np.eye(B.size)], axis=2
    )
    V = m.cov_params().to_numpy()
    want = np.sqrt(np.einsum("ikj,jl,ikl->ik", J, V, J))
    np.testing.assert_allclose(se.to_numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(probs.to_numpy(), prob(B.ravel()), rtol=1e-12)
    with pytest.raises(rglm.ArgumentError, match="type must be"):
        m.predict(data, type="response")


def test_solver_start_and_iteration_limit() -> None:
    case = json.loads((HERE / "cases" / "gen_codes_weights_na.json").read_text())
    m, data = fit_case(case)
    again = rglm.multinom("y ~ x1 + x2 + g", data, weights="w", start=m.params.to_numpy())
    assert again.iterations == 1
    close(again.params.to_numpy(), m.params.to_numpy(), 1e-12)
    with pytest.warns(rglm.ConvergenceWarning, match="did not converge"):
        short = rglm.multinom("y ~ x1 + x2 + g", data, weights="w", max_iter=1)
    assert not short.converged
    with pytest.raises(rglm.ArgumentError, match="tol"):
        rglm.multinom("y ~ x1", data, tol=0)


def test_solver_on_arrays_recovers_a_closed_form() -> None:
    # Intercept only: the MLE is log(n_k / n_0), the covariance diag(1/n_k) + 1/n_0 (closed forms).
    y = np.repeat([0.0, 1.0, 2.0], [20, 30, 50])
    X = np.ones((100, 1))
    fit = newton_multinom(memory_sums([(X, y, np.ones(100))], 3), 3, 1, MultinomControl())
    np.testing.assert_allclose(fit.coef.ravel(), np.log([30 / 20, 50 / 20]), rtol=1e-12)
    np.testing.assert_allclose(fit.cov, np.diag([1 / 30, 1 / 50]) + 1 / 20, rtol=1e-10)


def test_cli_fits_multinom(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(HERE / "data" / "warpbreaks.csv")
    assert (
        cli_main(["fit", "tension ~ breaks", "--data", path, "--model", "multinom", "--format", "json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    m = rglm.multinom("tension ~ breaks", pd.read_csv(path))
    assert doc["levels"] == list(m.response.labels)
    assert doc["deviance"] == pytest.approx(m.deviance, rel=1e-12)
    assert cli_main(["fit", "tension ~ breaks", "--data", path, "--model", "multinom"]) == 0
    assert "Residual Deviance:" in capsys.readouterr().out


# -- mean bias reduction: brglm2::brmultinom(type = "AS_mean") ----------------------------------------
def test_bias_reduced_fit_matches_brmultinom() -> None:
    # brglm2 0.9's figures for data where category C never occurs at level r of g (separation
    # under ML): the bias-reduced estimates are finite.  Compared at 1e-6 (brglm2 converged to a
    # sum of absolute steps below 1e-12).
    case = json.loads((HERE / "brglm" / "cases" / "multigen_brmultinom_AS_mean.json").read_text())
    r = case["r"]
    data = pd.read_csv(HERE / "brglm" / case["data"], keep_default_na=False, na_values=[""])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither a separation nor a convergence warning
        m = rglm.multinom("cat ~ x + g", data, method="brglm", type="AS_mean", tol=1e-12, max_iter=500)
    rows, cols = r["response_levels"], r["coef_names"]
    close(aligned(m.params, rows, cols), matrix(r["coef"]))
    close(aligned(m.bse, rows, cols), matrix(r["se"]))
    close(aligned(m.tvalues, rows, cols), matrix(r["stat"]))
    for attr, key in (("deviance", "deviance"), ("llf", "loglik"), ("aic", "aic")):
        close(getattr(m, attr), r[key])
    labels = [level(x) for x in r["levels"]]
    got = [vc_key(str(x), labels) for x in m.cov_params().index]
    idx = [got.index(vc_key(str(x), labels)) for x in r["vcov_names"]]
    close(m.cov_params().to_numpy()[np.ix_(idx, idx)], matrix(r["vcov"]))
    close(m.fittedvalues.to_numpy(), matrix(r["fitted"]))
    close(m.predict(pd.DataFrame(case["newdata"])).to_numpy(), matrix(r["predict_probs"]))
    text = str(m.summary())
    for line in r["summary_text"].splitlines():
        if line.startswith(("Residual Deviance", "Log-likelihood", "AIC", "Type of estimator")):
            assert line in text.splitlines()
    with pytest.raises(rglm.ArgumentError, match="AS_mean"):
        rglm.multinom("cat ~ x + g", data, method="brglm", type="AS_median")
