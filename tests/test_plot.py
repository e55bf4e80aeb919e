"""rglm.plot: R's lowess reproduced, and the figures checked for what they draw."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rglm.plot import lowess

R_LOWESS = json.loads((Path(__file__).parent / "data" / "r_lowess.json").read_text())


def _scalar(v: object, default: float) -> float:
    if v is None:
        return default
    return float(v[0] if isinstance(v, list) else v)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(R_LOWESS))
def test_lowess_matches_r(name: str) -> None:
    case = R_LOWESS[name]
    fx, fy = lowess(np.array(case["x"], float), np.array(case["y"], float), frac=_scalar(case.get("f"), 2 / 3),
                    iterations=int(_scalar(case.get("iter"), 3)))
    np.testing.assert_array_equal(fx, case["fx"])
    np.testing.assert_allclose(fy, case["fy"], rtol=1e-10, atol=1e-12 * np.max(np.abs(case["fy"])))


def test_lowess_tiny_inputs() -> None:
    fx, fy = lowess(np.array([1.0]), np.array([2.0]))
    assert fx.tolist() == [1.0] and fy.tolist() == [2.0]
    # A straight line is reproduced exactly by local linear fits.
    x = np.linspace(0, 1, 50)
    np.testing.assert_allclose(lowess(x, 3 * x + 1)[1], 3 * x + 1, rtol=1e-12)
