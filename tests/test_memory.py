"""What a large in-memory fit holds: no per-row array of its own beyond the model's columns.

The arrays reachable from a fitted model are summed (their own buffers, once each); those
of the caller's data frame, which the model references and borrows from, are left out.  A
large fit recomputes its per-row results from its coefficients when asked, keeps factors as
one-byte codes, and stores no column of ones for absent weights, so what it holds of its own
is the offset (8 bytes a row, computed from ``log(t)``) and one byte a row per factor.
"""

from __future__ import annotations

import gc
import types
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm

RNG = np.random.default_rng(2026)
N = 30_000  # above the size of R's bit-for-bit path and of the split design


def _data() -> pd.DataFrame:
    d = pd.DataFrame({"x1": RNG.normal(size=N), "x2": RNG.uniform(size=N)})
    d["g"] = np.where(RNG.integers(0, 2, N) == 1, "yes", "no")
    d["h"] = np.array([f"r{i:02d}" for i in range(20)])[RNG.integers(0, 20, N)]
    d["t"] = RNG.uniform(0.5, 2.0, N)
    eta = -0.5 + 0.3 * d.x1 - 0.2 * d.x2 + 0.25 * (d.g == "yes") + np.log(d.t)
    d["y"] = RNG.poisson(np.exp(eta)).astype(float)
    d["b"] = (d.y > 0).astype(float)
    return d


def _base(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def held_bytes(result: Any, data: pd.DataFrame) -> int:
    """Bytes of the distinct array buffers reachable from ``result``, those of ``data`` aside."""
    theirs = {id(_base(data[c].to_numpy())) for c in data.columns}
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    seen: set[int] = set()
    arrays: dict[int, np.ndarray] = {}
    stack: list[Any] = [result]
    while stack:
        o = stack.pop()
        if id(o) in seen or o is data or isinstance(o, skip):
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            b = _base(o)
            if id(b) not in theirs:
                arrays[id(b)] = b
            continue
        stack.extend(gc.get_referents(o))
    return sum(a.nbytes for a in arrays.values())


@pytest.mark.parametrize(
    ("formula", "family", "own"),
    [
        ("y ~ x1 + x2 + g + h + offset(log(t))", "poisson", 8 + 2),  # the offset, two codes
        ("b ~ x1 + x2 + g + h", "binomial", 2),  # two codes
    ],
)
def test_a_large_fit_holds_no_per_row_array_of_its_own(formula: str, family: str, own: int) -> None:
    d = _data()
    m = rglm.glm(formula, d, family=family)
    assert isinstance(m.model_frame.design, rglm.numerics.design.SplitDesign)  # the large path
    str(m.summary())
    held = held_bytes(m, d)
    # What the model must hold of its own, plus 1 byte a row of slack for small arrays
    # (the p x p matrices, the level tables); per-row arrays of 8 bytes would exceed it.
    assert held <= (own + 1) * N, f"{held / N:.1f} bytes a row held"
    # The per-row results are still there, recomputed when asked.
    assert m.fittedvalues.shape == (N,) and np.all(np.isfinite(m.resid_working))
