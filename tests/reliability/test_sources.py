"""Out-of-core sources: a source that changes between passes, and files that cannot be read,
are one clear DataError through the Python API, never a fit of other data or a reader's error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rglm


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"x": rng.normal(size=300)})
    d["y"] = rng.poisson(np.exp(0.3 * d["x"]))
    return d


def test_source_shrinking_between_passes(data: pd.DataFrame) -> None:
    calls = 0

    def source() -> Iterator[pd.DataFrame]:
        nonlocal calls
        calls += 1  # the first rows, the scan, then the passes
        return iter([data.iloc[: 300 if calls <= 2 else 150]])

    with pytest.raises(rglm.DataError, match="changed between passes.*read 150 rows where the scan read 300"):
        rglm.glm("y ~ x", source, family=rglm.Poisson())


def test_source_growing_between_passes(data: pd.DataFrame) -> None:
    calls = 0

    def source() -> Iterator[pd.DataFrame]:
        nonlocal calls
        calls += 1
        return iter([data.iloc[:150]] + ([data.iloc[150:]] if calls > 2 else []))

    with pytest.raises(rglm.DataError, match="changed between passes.*more than the 150 rows the scan read"):
        rglm.glm("y ~ x", source, family=rglm.Poisson())


def test_file_rewritten_between_passes(data: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    calls = 0
    original = rglm.backends.sources._csv

    def rewriting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:  # after the first rows and the scan
            data.iloc[:200].to_csv(path, index=False)
        return original(*args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(rglm.backends.sources, "_csv", rewriting)
    try:
        with pytest.raises(rglm.DataError, match="read 200 rows where the scan read 300"):
            rglm.glm("y ~ x", str(path), family=rglm.Poisson(), chunksize=64)
    finally:
        mp.undo()


def test_exhausted_iterator_is_named(data: pd.DataFrame) -> None:
    it = iter([data.iloc[:100], data.iloc[100:]])
    with pytest.raises(rglm.DataError, match="must return a new iterator.*exhausted iterator"):
        rglm.glm("y ~ x", lambda: it, family=rglm.Poisson())


def test_unchanged_source_fits_as_in_memory(data: pd.DataFrame) -> None:
    def source() -> Iterator[pd.DataFrame]:
        return iter([data.iloc[:120], data.iloc[120:]])

    chunked = rglm.glm("y ~ x", source, family=rglm.Poisson())
    whole = rglm.glm("y ~ x", data, family=rglm.Poisson())
    np.testing.assert_allclose(chunked.params.to_numpy(), whole.params.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "it is empty"),
        ("fake.parquet", b"PAR1 this is not parquet", "cannot read Parquet file .*fake.parquet"),
        ("latin.csv", b"x,y\n1,\xff\xfe\n", "cannot read CSV file .*latin.csv.*decode"),
        ("gone.csv", None, "no such file: .*gone.csv"),
    ],
)
def test_unreadable_files_through_the_api(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(rglm.DataError, match=message):
        rglm.glm("y ~ x", str(path))


def test_directory_named_like_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dir.csv"
    path.mkdir()
    with pytest.raises(rglm.DataError, match="cannot read CSV file .*dir.csv"):
        rglm.glm("y ~ x", str(path))


def test_csv_column_types_come_from_the_whole_file(tmp_path: Path) -> None:
    """Codes that look numeric in the first chunks, and a logical column with a blank in a later
    chunk, are typed as the whole file is (as in memory), whatever the chunk size."""
    rng = np.random.default_rng(5)
    n = 400
    codes = np.where(np.arange(n) < 150, rng.choice(["1", "2", "3"], n), rng.choice(["1", "2", "A3"], n))
    flag = rng.choice(["True", "False"], n).astype(object)
    flag[300] = ""
    x = rng.normal(size=n)
    y = rng.poisson(np.exp(0.2 * x + (codes == "2") * 0.3))
    path = tmp_path / "types.csv"
    pd.DataFrame({"y": y, "x": x, "code": codes, "flag": flag, "k": np.arange(n) % 4}).to_csv(
        path, index=False
    )
    formula = "y ~ x + code + flag + C(k)"
    whole = rglm.glm(formula, pd.read_csv(path), family=rglm.Poisson())
    for chunksize in (100, 1000):
        m = rglm.glm(formula, str(path), family=rglm.Poisson(), chunksize=chunksize)
        assert list(m.params.index) == list(whole.params.index)
        np.testing.assert_allclose(m.params.to_numpy(), whole.params.to_numpy(), rtol=1e-10)
        assert m.nobs == whole.nobs == n - 1
