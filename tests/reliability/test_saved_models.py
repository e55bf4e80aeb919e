"""A saved model loads as it was saved, or not at all: every damaged or foreign file is one
clear ``DataError`` naming the file, in the library and in the CLI."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest

import rglm
from rglm.cli import main
from rglm.output import persist

DOBSON = "counts ~ C(outcome) + C(treatment)"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[rglm.GLMResult, bytes]:
    m = rglm.glm(DOBSON, rglm.datasets.load("dobson"), family=rglm.Poisson())
    path = tmp_path_factory.mktemp("model") / "m.rglm"
    m.save(path)
    return m, path.read_bytes()


def test_round_trip_is_exact(saved: tuple[rglm.GLMResult, bytes], tmp_path: Path) -> None:
    m, raw = saved
    path = tmp_path / "m.rglm"
    path.write_bytes(raw)
    back = rglm.load(path)
    np.testing.assert_array_equal(back.params.to_numpy(), m.params.to_numpy())
    assert str(back.summary()) == str(m.summary())


def test_every_single_bit_flip_is_refused(saved: tuple[rglm.GLMResult, bytes], tmp_path: Path) -> None:
    """One flipped bit anywhere (header or payload) is an error, never a model with other numbers."""
    _, raw = saved
    path = tmp_path / "flipped.rglm"
    n_bits = 8 * len(raw)
    # Every bit of the header, then about 600 bits spread over the payload (an odd stride, so
    # every bit position within a byte is hit).
    stride = (n_bits // 600) | 1
    positions = list(range(8 * 100)) + list(range(8 * 100, n_bits, stride))
    for bit in positions:
        data = bytearray(raw)
        data[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(data))
        with pytest.raises(rglm.DataError, match="flipped.rglm"):
            rglm.load(path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: raw[: len(raw) // 2], "damaged"),
        (lambda raw: raw + b"\0", "damaged"),
        (lambda raw: b"", "is not a saved rglm model"),
        (lambda raw: b"PAR1 not parquet", "is not a saved rglm model"),
        (lambda raw: pickle.dumps({"format": "rglm-model", "model": 1}), "without a checksum"),
        (
            lambda raw: persist._pack({"format": "rglm-model", "model": {"coef": [1.0]}}),
            "holds a dict, not a fitted",
        ),
        (lambda raw: persist._pack([1, 2]), "is not a saved rglm model"),  # type: ignore[arg-type]
    ],
)
def test_foreign_and_damaged_files(
    saved: tuple[rglm.GLMResult, bytes], tmp_path: Path, mutate, message
) -> None:  # type: ignore[no-untyped-def]
    _, raw = saved
    path = tmp_path / "bad.rglm"
    path.write_bytes(mutate(raw))
    with pytest.raises(rglm.DataError, match=message) as info:
        rglm.load(path)
    assert "bad.rglm" in str(info.value)


def test_checksummed_payload_that_is_not_a_pickle(tmp_path: Path) -> None:
    payload = b"\x80\x05not really"
    path = tmp_path / "odd.rglm"
    digest = hashlib.sha256(payload).hexdigest()
    path.write_bytes(persist._MAGIC + f"2 {digest} {len(payload)}\n".encode() + payload)
    with pytest.raises(rglm.DataError, match="cannot be read as an rglm model"):
        rglm.load(path)


def test_missing_or_unreadable_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(rglm.DataError, match=r"cannot read the model file .*nope\.rglm"):
        rglm.load(tmp_path / "nope.rglm")
    with pytest.raises(rglm.DataError, match="cannot read the model file"):
        rglm.load(tmp_path)  # a directory


def test_cli_damaged_and_missing_model(
    saved: tuple[rglm.GLMResult, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, raw = saved
    bad = tmp_path / "bad.rglm"
    bad.write_bytes(raw[:-1] + bytes([raw[-1] ^ 4]))
    new = tmp_path / "new.csv"
    rglm.datasets.load("dobson").to_csv(new, index=False)
    assert main(["predict", "--model", str(bad), "--newdata", str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rglm: error: ") and "bad.rglm" in err and "checksum" in err
    assert main(["predict", "--model", str(tmp_path / "missing.rglm"), "--newdata", str(new)]) == 2
    err = capsys.readouterr().err
    assert "missing.rglm" in err and "No such file" in err
