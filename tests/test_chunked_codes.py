"""Out-of-core chunks made cheaply: text factors read as codes, expressions evaluated by NumPy,
Dask tasks with a roomy allocator.  Each fast path against the slow one it replaces
(the same values or the same bits), and whole fits against the in-memory fit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _outofcore import close, same_fit

import rglm
from rglm.backends.sources import as_source
from rglm.frame.chunk_values import ChunkValues, as_codes, quick_evaluate, with_levels
from rglm.frame.columns import evaluate

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _data(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    levels = np.array(["q", "b", "zz", "a", "m"])  # written in an order that is not sorted
    h = levels[rng.integers(0, 5, n)].astype(object)
    h[rng.random(n) < 0.03] = None  # missing factor values: dropped rows
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": np.where(rng.random(n) < 0.4, "yes", "no"),
            "h": pd.array(h, dtype="str"),
            "t": rng.uniform(0.5, 2.0, n),
            "k": rng.integers(1, 9, n),
        }
    )
    eta = 0.2 + 0.3 * df.x + 0.4 * (df.g == "yes") + np.log(df.t)
    df["y"] = rng.poisson(np.exp(eta)).astype(np.float64)
    return df


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


@pytest.mark.parametrize(
    "expr",
    [
        "log(t)",
        "_rvar(x)",
        "_rvar(k)",
        "_rvar(log(t))",
        "sqrt(abs(x))",
        "exp(k)",
        "log(k)",
        "log10(x)",
        "abs(k)",
        "floor(x)",
        "log1p(x)",
        "log(x, 2)",  # not a one-argument call: through formulaic
        "log(t) + 1",
        "round(x)",
    ],
)
def test_quick_evaluation_gives_formulaic_bits(expr: str) -> None:
    df = _data(500)
    df.loc[3, "x"] = np.nan
    got, want = quick_evaluate(expr, df, "e"), evaluate(expr, df, "e")
    np.testing.assert_array_equal(_bits(got), _bits(want))  # NaN of log(-1) included
    assert not np.shares_memory(got, df["x"].to_numpy())


def test_chunk_values_evaluate_each_expression_once() -> None:
    df = _data(100)
    values = ChunkValues(df)
    a = values("log(t)", df, "e")
    assert values("log(t)", df, "e") is a
    other = df.iloc[:10]
    assert values("log(t)", other, "e").shape == (10,)  # another frame: not from the cache


def test_codes_and_levels_equal_pandas_categoricals() -> None:
    df = _data(400)
    col = df["h"]
    coded = as_codes(col)
    assert isinstance(coded.dtype, pd.CategoricalDtype)
    pd.testing.assert_series_equal(coded.astype(object), col.astype(object), check_dtype=False)
    levels = ("a", "b", "m", "q", "zz")
    want = pd.Categorical(col.astype(object), categories=list(levels))
    for frame, codes in ((pd.DataFrame({"h": col}), ()), (pd.DataFrame({"h": coded}), ("h",))):
        got = with_levels(frame, {"h": levels}, codes)["h"].array
        np.testing.assert_array_equal(np.asarray(got.codes), np.asarray(want.codes))
        assert list(got.categories) == list(levels)
    with pytest.raises(rglm.DataError, match="did not see"):
        with_levels(pd.DataFrame({"h": coded}), {"h": ("a", "b")}, ("h",))


def _write(df: pd.DataFrame, path: Path, row_group_size: int) -> str:
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=row_group_size)
    return str(path)


def test_parquet_text_read_as_codes_keeps_the_chunks(tmp_path: Path) -> None:
    df = _data()
    path = _write(df, tmp_path / "d.parquet", row_group_size=700)  # row groups across chunks
    source = as_source(path, 1000)
    cols = ["g", "h", "x", "y"]
    plain = list(source.chunks(cols))
    coded = list(source.chunks(cols, ("g", "h", "x")))  # x is not text: read as it is
    assert [len(c) for c in coded] == [len(c) for c in plain] == [1000, 1000, 1000]
    for a, b in zip(coded, plain, strict=True):
        assert isinstance(a["h"].dtype, pd.CategoricalDtype)
        assert a["x"].dtype == np.float64
        pd.testing.assert_index_equal(a.index, b.index)
        for c in cols:
            pd.testing.assert_series_equal(a[c].astype(object), b[c].astype(object))


def test_fit_from_parquet_codes_equals_in_memory_fit(tmp_path: Path) -> None:
    df = _data()
    path = _write(df, tmp_path / "d.parquet", row_group_size=700)
    formula = "y ~ x + g + h + offset(log(t))"
    m0 = rglm.glm(formula, df, family="poisson")
    m = rglm.glm(formula, path, family="poisson", chunksize=1000)
    same_fit(m, m0)
    assert m.exog_names == ["Intercept", "x", "g[T.yes]", "h[T.b]", "h[T.m]", "h[T.q]", "h[T.zz]"]
    # A subset reads its column as text (a comparison of strings, not of categories).
    sub = "h > 'b'"
    ms = rglm.glm(formula, path, family="poisson", chunksize=1000, subset=sub)
    ms0 = rglm.glm(formula, df, family="poisson", subset=sub)
    assert ms.exog_names == ms0.exog_names == ["Intercept", "x", "g[T.yes]", "h[T.q]", "h[T.zz]"]
    close(ms.params, ms0.params)
    close(ms.deviance, ms0.deviance)
    # predict_to copies the columns as the file has them.
    out = tmp_path / "p.parquet"
    m.predict_to(out, keep="h")
    kept = pq.read_table(out).column("h").to_pylist()
    assert kept == df["h"].astype(object).where(df["h"].notna(), None).tolist()


def test_a_callable_of_arrow_text_fits_as_in_memory() -> None:
    df = _data()

    def parts() -> Iterator[pd.DataFrame]:
        for a in range(0, len(df), 800):
            yield df.iloc[a : a + 800]

    formula = "y ~ x + g * h + offset(log(t))"
    same_fit(rglm.glm(formula, parts, family="poisson"), rglm.glm(formula, df, family="poisson"))


class _FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("trim", pad, 0))
        return 1


def test_roomy_malloc_raises_and_restores_dask_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    from rglm.backends import allocator

    fake = _FakeLibc()
    monkeypatch.setattr(allocator, "_LIBC", fake)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with allocator.roomy_malloc():
        pass
    assert fake.calls == []  # glibc's adaptive thresholds are left alone
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with allocator.roomy_malloc():
        with allocator.roomy_malloc():  # tasks at once in one worker: one raised period
            assert fake.calls == [("mallopt", -3, 32 << 20), ("mallopt", -1, 256 << 20)]
        assert len(fake.calls) == 2
    assert fake.calls[2:] == [("mallopt", -3, 128 * 1024), ("mallopt", -1, 65536), ("trim", 0, 0)]
