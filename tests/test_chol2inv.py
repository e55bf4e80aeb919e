"""R's ``chol2inv`` to the last bit.

``tests/data/chol2inv/chol2inv.json`` holds upper-triangular QR factors and R 4.2.2's
``chol2inv`` of each (reference LAPACK 3.11), as hex floats, made by ``make_chol2inv.R`` in
the same folder: random designs of 1 to 63 columns (one column scaled by 1e6) and a Helmert
factorial design whose factor has exact zeros above the diagonal.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rglm.numerics import chol2inv as c2i

CASES = json.loads((Path(__file__).parent / "data" / "chol2inv" / "chol2inv.json").read_text())


def _matrix(rows: list[list[str]]) -> np.ndarray:
    return np.array([[float.fromhex(v) for v in row] for row in rows], dtype=np.float64)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("kernel", ["numpy", "compiled", "public"])
def test_chol2inv_is_r_bit_for_bit(name: str, kernel: str) -> None:
    r, expected = _matrix(CASES[name]["r"]), _matrix(CASES[name]["inv"])
    if kernel == "public":
        got = c2i.chol2inv(r)
        assert got is not None
    else:
        a = np.triu(r)
        if kernel == "numpy":
            c2i.chol2inv_numpy(a)
        else:
            import numba

            numba.njit(cache=False)(c2i.chol2inv_loops)(a)
        upper = np.triu(a)
        got = upper + np.triu(upper, 1).T
    assert got.tobytes() == expected.tobytes()


def test_blocked_orders_use_lapack_and_invert() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((200, 70))
    r = np.linalg.qr(x, mode="r")
    got = c2i.chol2inv(r)
    assert got is not None
    np.testing.assert_allclose(got, np.linalg.inv(x.T @ x), rtol=1e-10, atol=0)


def test_zero_on_the_diagonal_is_reported() -> None:
    r = np.triu(np.ones((3, 3)))
    r[1, 1] = 0.0
    assert c2i.chol2inv(r) is None


GLM = json.loads((Path(__file__).parent / "data" / "chol2inv" / "glm_se.json").read_text())


@pytest.mark.parametrize("family", ["poisson", "binomial"])
def test_glm_coefficients_and_standard_errors_are_r_bit_for_bit(family: str) -> None:
    import pandas as pd

    import rglm

    raw = GLM["data"]
    d = pd.DataFrame({k: [float.fromhex(v) for v in raw[k]] for k in ("x1", "x2", "x3")})
    d["g"], d["y"], d["b"] = raw["g"], raw["y"], raw["b"]
    case = GLM[family]
    m = rglm.glm(case["formula"], d, family=family)
    coef = np.array([float.fromhex(v) for v in case["coef"]])
    se = np.array([float.fromhex(v) for v in case["se"]])
    assert m.params.to_numpy().tobytes() == coef.tobytes()
    assert m.bse.to_numpy().tobytes() == se.tobytes()
