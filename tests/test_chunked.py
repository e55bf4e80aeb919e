"""Out-of-core fits (files read in chunks, callables, DataFrames in slices) against R and the
in-memory fit.

Every R reference case (tests/data/r_cases, made by tests/r/make_cases.R with R 4.2.2) is
fitted from its CSV file in chunks: the numbers must equal R's (1e-6, as every R test) and the
in-memory fit's to 1e-10, since both run the same IRLS iterations on the same sums.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _outofcore import close, same_fit

import rglm
from rglm.exceptions import FitInterrupted, OutOfCoreError

pq = pytest.importorskip("pyarrow.parquet")

HERE = Path(__file__).parent / "data" / "r_cases"
R_CASES = sorted((HERE / "cases").glob("*.json"))


def _case(path: Path) -> tuple[dict[str, Any], dict[str, Any], str, dict[str, Any]]:
    case = json.loads(path.read_text())
    py = case["python"]
    kwargs = dict(py.get("family_args") or {})
    if py.get("link"):
        kwargs["link"] = py["link"]
    extra = {k: py[k] for k in ("weights", "offset") if py.get(k)}
    extra["family"] = getattr(rglm, py["family"])(**kwargs)
    return py, case["r"], str(path.parent.parent / py["data"]), extra


@pytest.mark.parametrize("path", R_CASES, ids=[p.stem for p in R_CASES])
def test_r_cases_from_csv_chunks(path: Path) -> None:
    py, r, csv, extra = _case(path)
    n = len(pd.read_csv(csv))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these R fits warned
        m = rglm.glm(py["formula"], csv, chunksize=max(5, n // 3), **extra)
    m0 = rglm.glm(py["formula"], pd.read_csv(csv), **extra)
    same_fit(m, m0)
    coef = np.array([np.nan if v is None else v for v in r["coef"]], dtype=np.float64)
    close(m.params, coef, 1e-6)
    for ours, key in ((m.deviance, "deviance"), (m.null_deviance, "null_deviance"), (m.scale, "dispersion")):
        close(ours, r[key], 1e-6)
    if r["aic"] is not None:
        close(m.aic, r["aic"], 1e-6)
    assert m.iterations == r["iter"]
    rows = pd.concat(list(m.iter_rows()))
    close(rows["fitted"], r["fitted"], 1e-6)
    close(rows["resid_deviance"], m0.resid_deviance.dropna())
    close(rows["working_weights"], m0.working_weights.dropna())
    infl = m0.influence()  # R's rows: zero-weight rows left out (iter_rows keeps them, hat 0)
    close(rows.loc[infl.index, "hat"], infl["hat"])
    close(rows.loc[infl.index, "cooks_d"], infl["cooks_d"])


CASES = [
    ("quine", "Days ~ Eth + Sex + Age + Lrn", rglm.NegativeBinomial(theta=1.3), {}),
    ("budworm", "cbind(numdead, numalive) ~ sex * ldose", rglm.Binomial(), {}),
    ("clotting", "lot1 ~ log(u)", rglm.Gamma(), {}),
    ("clotting", "lot2 ~ log(u)", rglm.InverseGaussian(), {}),
    ("mtcars", "mpg ~ wt + hp + C(cyl)", rglm.Gaussian(), {"weights": "disp"}),
    ("insurance", "Claims ~ District + Group + Age + offset(log(Holders))", rglm.Poisson(), {}),
    ("mtcars", "mpg ~ wt + hp", rglm.Tweedie(var_power=1.5), {}),
    ("mtcars", "am ~ wt + hp", rglm.QuasiBinomial(), {}),
    ("mtcars", "mpg ~ wt + hp", rglm.Quasi(variance="mu", link="log"), {"offset": "qsec"}),
    ("mtcars", "mpg ~ wt + I(2 * wt) + hp", rglm.Gamma(link="log"), {}),
]


@pytest.mark.parametrize(("name", "formula", "family", "kw"), CASES, ids=[f"{c[0]}-{c[2]!r}" for c in CASES])
def test_families_from_parquet_row_groups(
    tmp_path: Path, name: str, formula: str, family: rglm.Family, kw: dict[str, Any]
) -> None:
    df = rglm.datasets.load(name)
    path = tmp_path / "d.parquet"
    df.to_parquet(path, row_group_size=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m0 = rglm.glm(formula, df, family=family, **kw)
        m = rglm.glm(formula, str(path), family=family, chunksize=11, **kw)
    same_fit(m, m0)


def test_levels_seen_in_one_chunk_only_get_their_columns_everywhere() -> None:
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"g": np.repeat(["d", "a", "c", "b"], n // 4), "x": rng.normal(size=n)})
    df["h"] = np.where(np.arange(n) < 300, "u", "v")  # 'v' only in the last chunk
    df["y"] = rng.poisson(np.exp(0.5 + 0.3 * df.x + (df.g == "c") * 0.4 + (df.h == "v") * 0.2))
    m0 = rglm.glm("y ~ g * x + h", df, family="poisson")
    m = rglm.glm("y ~ g * x + h", df, family="poisson", chunksize=100)
    same_fit(m, m0)
    # A callable whose chunks are Categoricals with the same custom order keeps that order.
    cats = pd.CategoricalDtype(["d", "c", "b", "a"])

    def parts() -> Iterator[pd.DataFrame]:
        for a in range(0, n, 150):
            yield df.iloc[a : a + 150].astype({"g": cats})

    mc = rglm.glm("y ~ g + x", parts, family="poisson")
    same_fit(mc, rglm.glm("y ~ g + x", df.astype({"g": cats}), family="poisson"))
    assert mc.exog_names[1] == "g[T.c]"
    with pytest.raises(rglm.DataError, match="'e' not seen"):
        m.predict(pd.DataFrame({"g": ["e"], "x": [0.0], "h": ["u"]}))
    new = df.sample(50, random_state=1)
    close(m.predict(new), m0.predict(new))
    close(
        m.predict(new, type="link", se_fit=True)["se_fit"],
        m0.predict(new, type="link", se_fit=True)["se_fit"],
    )


def test_missing_values_across_chunks_and_an_empty_chunk() -> None:
    df = rglm.datasets.load("airquality")
    formula = (
        "Ozone ~ Solar_R + Wind + C(Month)" if "Solar_R" in df.columns else "Ozone ~ Wind + Temp + C(Month)"
    )
    m0 = rglm.glm(formula, df, family=rglm.Gamma(link="log"))
    assert m0.n_dropped > 0

    def parts() -> Iterator[pd.DataFrame]:
        yield df.iloc[:40]
        yield df.iloc[:0]  # an empty chunk
        yield df.iloc[40:41].assign(Ozone=np.nan)  # a chunk with no complete row
        yield df.iloc[41:]

    one_more = df.copy()
    one_more.loc[one_more.index[40], "Ozone"] = np.nan
    same_fit(
        rglm.glm(formula, parts, family=rglm.Gamma(link="log")),
        rglm.glm(formula, one_more, family=rglm.Gamma(link="log")),
    )
    same_fit(rglm.glm(formula, df, family=rglm.Gamma(link="log"), chunksize=25), m0)
    with pytest.raises(rglm.DataError, match="missing values in 'Ozone'"):
        rglm.glm(formula, df, family=rglm.Gamma(link="log"), chunksize=25, na_action="fail")


def test_csv_errors_name_the_row(tmp_path: Path) -> None:
    lines = ["y,x,g"] + [f"{i % 3},{i / 10},{'ab'[i % 2]}" for i in range(40)]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:30] + ["1,2,a,9"] + lines[30:]) + "\n")
    with pytest.raises(rglm.DataError, match=r"line 31 has 4 fields"):
        rglm.glm("y ~ x + g", str(bad), family="poisson", chunksize=8)
    # A CSV column is typed from the whole file, as pandas reads it in memory: with one text
    # value, x is text (a factor) in every chunk, as in memory.
    text = tmp_path / "text.csv"
    text.write_text("\n".join(lines[:25] + ["1,oops,a"] + lines[25:]) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 41 coefficients for 41 rows: warnings as in memory
        chunked = rglm.glm("y ~ x + g", str(text), family="poisson", chunksize=8)
        whole = rglm.glm("y ~ x + g", pd.read_csv(text), family="poisson")
    assert list(chunked.params.index) == list(whole.params.index)
    # Chunks of other sources that change type are still an error naming the row.
    frame = pd.DataFrame(
        {
            "y": [i % 3 for i in range(40)],
            "x": [i / 10 for i in range(40)],
            "g": ["ab"[i % 2] for i in range(40)],
        }
    )
    mixed = frame.astype({"x": object})
    mixed.loc[24, "x"] = "oops"
    with pytest.raises(rglm.DataError, match=r"column 'x' holds the non-numeric value 'oops' at row 24"):
        rglm.glm("y ~ x + g", lambda: iter([frame.iloc[:8], mixed.iloc[8:]]), family="poisson")
    with pytest.raises(rglm.DataError, match="no such file"):
        rglm.glm("y ~ x", str(tmp_path / "missing.parquet"), family="poisson")


def test_non_convergence_and_interruption() -> None:
    df = rglm.datasets.load("infert")
    f = "case ~ spontaneous + induced + age"
    with pytest.warns(rglm.ConvergenceWarning):
        m0 = rglm.glm(f, df, family="binomial", max_iter=2)
    with pytest.warns(rglm.ConvergenceWarning, match="did not converge in 2 iterations"):
        m = rglm.glm(f, df, family="binomial", max_iter=2, chunksize=100)
    assert not m.converged
    close(m.params, m0.params)
    calls = {"n": 0}

    def parts() -> Iterator[pd.DataFrame]:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        yield df

    with pytest.raises(FitInterrupted, match="interrupted after 2 passes") as info:
        rglm.glm(f, parts, family="binomial")
    assert info.value.coef is not None
    resumed = rglm.glm(f, df, family="binomial", chunksize=100, start=info.value.coef)
    close(resumed.params, rglm.glm(f, df, family="binomial").params, 1e-6)


def test_per_row_values_are_chunk_wise_and_predict_to_writes_parquet(tmp_path: Path) -> None:
    df = rglm.datasets.load("quine")
    m0 = rglm.glm("Days ~ Eth + Sex + Age", df, family="quasipoisson")
    m = rglm.glm("Days ~ Eth + Sex + Age", df, family="quasipoisson", chunksize=50)
    for attribute in (
        "fittedvalues",
        "resid_deviance",
        "resid_pearson",
        "linear_predictors",
        "working_weights",
    ):
        with pytest.raises(OutOfCoreError, match="iter_rows"):
            getattr(m, attribute)
    with pytest.raises(OutOfCoreError):
        m.influence()
    with pytest.raises(OutOfCoreError):
        m.predict()
    chunks = list(m.iter_rows(["fitted", "resid_pearson"]))
    assert [len(c) for c in chunks] == [50, 50, 46]
    close(pd.concat(chunks)["fitted"], m0.fittedvalues)
    out = tmp_path / "pred.parquet"
    assert m.predict_to(out, type="link", keep="Eth") == len(df)
    written = pq.read_table(out).to_pandas()
    close(written["fit"], m0.predict(df, type="link"))
    assert list(written["Eth"]) == list(df["Eth"])


def test_anova_and_drop1_refit_through_the_passes() -> None:
    df = rglm.datasets.load("warpbreaks")
    for family, test in ((rglm.Poisson(), "Chisq"), (rglm.Gamma(), "F")):
        m0 = rglm.glm("breaks ~ wool * tension", df, family=family)
        m = rglm.glm("breaks ~ wool * tension", df, family=family, chunksize=20)
        a0, a = rglm.anova(m0, test=test), rglm.anova(m, test=test)
        close(a.to_numpy(dtype=float), a0.to_numpy(dtype=float))
        d0, d = rglm.drop1(m0, test=test), rglm.drop1(m, test=test)
        close(d.to_numpy(dtype=float), d0.to_numpy(dtype=float))
    with pytest.raises(OutOfCoreError):
        rglm.anova(m, test="Rao")


def test_unsupported_requests_are_refused_clearly() -> None:
    df = rglm.datasets.load("quine")
    with pytest.raises(rglm.ArgumentError, match="theta"):
        rglm.glm("Days ~ Eth", df, family=rglm.NegativeBinomial(), chunksize=50)
    with pytest.raises(rglm.ArgumentError, match="column name"):
        rglm.glm("Days ~ Eth", df, family="poisson", chunksize=50, weights=np.ones(len(df)))
    with pytest.raises(rglm.ArgumentError, match="sandwich"):
        rglm.glm("Days ~ Eth", df, family="poisson", chunksize=50, cov_type="HC0")


def test_passes_are_logged_with_deviance(caplog: pytest.LogCaptureFixture) -> None:
    df = rglm.datasets.load("dobson")
    with caplog.at_level(logging.INFO, logger="rglm.passes"):
        m = rglm.glm("counts ~ C(outcome) + C(treatment)", df, family="poisson", chunksize=4, progress=True)
    records = [r.getMessage() for r in caplog.records if r.name == "rglm.passes"]
    assert m.iterations + 1 == len(records) == m.fit.passes
    assert f"deviance {m.deviance:.10g}" in records[-1] and records[-1].startswith(
        f"pass {len(records)} (iteration {m.iterations})"
    )
    assert math.isclose(m.deviance, 5.129141077, rel_tol=1e-9)


def test_large_in_memory_fits_run_through_the_same_accumulation(monkeypatch: pytest.MonkeyPatch) -> None:
    from rglm.fit import passes as driver

    df = rglm.datasets.load("insurance")
    formula = "Claims ~ District + Group + Age + offset(log(Holders))"
    exact = rglm.glm(formula, df, family="poisson")
    calls = {"n": 0}
    real = driver.accumulate

    def counted(chunk: Any, request: Any) -> Any:
        calls["n"] += 1
        return real(chunk, request)

    monkeypatch.setattr(rglm.numerics.rmath, "R_EXACT_WORK", 0)  # as if the data were large
    monkeypatch.setattr(driver, "accumulate", counted)
    monkeypatch.setattr(driver, "MEMORY_BLOCK_ROWS", 20)
    big = rglm.glm(formula, df, family="poisson")
    assert calls["n"] > 0
    same_fit(big, exact)
    close(big.fittedvalues, exact.fittedvalues)
    close(big.working_weights, exact.working_weights)
    same_fit(rglm.glm(formula, df, family="poisson", chunksize=13), big)
