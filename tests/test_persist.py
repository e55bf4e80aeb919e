"""Saving and loading models: pickle and rglm.save/load round trips."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.output import persist


def _model(**kwargs: object) -> rglm.GLMResult:
    df = rglm.datasets.load("insurance")
    return rglm.glm(
        "Claims ~ District + C(Group) + C(Age) + offset(np.log(Holders))", df, family=rglm.Poisson(), **kwargs
    )


def _same(a: rglm.GLMResult, b: rglm.GLMResult) -> None:
    pd.testing.assert_series_equal(a.params, b.params)
    pd.testing.assert_series_equal(a.bse, b.bse)
    assert a.deviance == b.deviance and a.aic == b.aic
    assert str(a.summary()) == str(b.summary())
    new = rglm.datasets.load("insurance").iloc[[0, 5, 17]]
    pd.testing.assert_frame_equal(a.predict(new, se_fit=True), b.predict(new, se_fit=True))


def test_pickle_round_trip() -> None:
    m = _model()
    _ = m.bse  # a filled cache must survive too
    _same(m, pickle.loads(pickle.dumps(m)))


def test_save_load_without_data(tmp_path: Path) -> None:
    m = _model()
    path = tmp_path / "model.rglm"
    m.save(path)
    back = rglm.load(path)
    _same(m, back)
    assert back.data is None
    with pytest.raises(rglm.ArgumentError, match="does not keep its data"):
        back.update(". ~ . - C(Age)")


def test_save_load_with_data(tmp_path: Path) -> None:
    m = _model()
    path = tmp_path / "model.rglm"
    rglm.output.persist.save(m, path, keep_data=True)
    back = rglm.load(path)
    _same(m, back)
    pd.testing.assert_frame_equal(back.data, m.data)
    smaller = back.update(". ~ . - C(Age)")
    direct = rglm.glm(
        "Claims ~ District + C(Group) + offset(np.log(Holders))",
        rglm.datasets.load("insurance"),
        family=rglm.Poisson(),
    )
    np.testing.assert_allclose(smaller.params, direct.params, rtol=1e-12)


def test_without_data_file_is_smaller(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=2000), "z": rng.normal(size=2000)})
    df["y"] = rng.poisson(np.exp(0.3 * df["x"]))
    m = rglm.glm("y ~ x", df, family=rglm.Poisson())
    m.save(tmp_path / "a.rglm")
    m.save(tmp_path / "b.rglm", keep_data=True)
    assert (tmp_path / "a.rglm").stat().st_size < (tmp_path / "b.rglm").stat().st_size


def test_not_a_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rglm"
    bad.write_bytes(b"not a pickle at all")
    with pytest.raises(rglm.DataError, match="is not a saved rglm model"):
        rglm.load(bad)
    other = tmp_path / "other.rglm"
    other.write_bytes(pickle.dumps({"some": "dict"}))
    with pytest.raises(rglm.DataError, match="is not a saved rglm model"):
        rglm.load(other)


def test_version_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = _model()
    path = tmp_path / "old.rglm"
    monkeypatch.setattr(rglm, "__version__", "0.0.1")
    m.save(path)
    monkeypatch.undo()
    with pytest.warns(rglm.RGLMWarning, match="saved by rglm 0.0.1"):
        back = rglm.load(path)
    _same(m, back)
    envelope = {"format": "rglm-model", "format_version": 99, "rglm_version": "9", "model": m}
    path.write_bytes(persist._pack(envelope, format_version=99))
    with pytest.raises(rglm.DataError, match="model format 99"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rglm.load(path)


def test_save_rejects_non_models(tmp_path: Path) -> None:
    with pytest.raises(rglm.ArgumentError, match="needs a fitted rglm model"):
        persist.save("model", tmp_path / "x")  # type: ignore[arg-type]
