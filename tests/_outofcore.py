"""Comparisons shared by the out-of-core tests: an out-of-core fit against the in-memory fit."""

from __future__ import annotations

from typing import Any

import numpy as np

import rglm

#: Out-of-core and in-memory fits run the same iterations on the same sums: they agree to rounding.
TIGHT = 1e-10


def close(a: Any, b: Any, rtol: float = TIGHT) -> None:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=1.0))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(1.0, scale) * 1e-2)


def same_fit(m: rglm.GLMResult, m0: rglm.GLMResult) -> None:
    """``m`` (out of core) equals ``m0`` (in memory) in every whole-data statistic and the summary."""
    assert list(m.params.index) == list(m0.params.index)
    close(m.params, m0.params)
    close(m.bse, m0.bse)
    for name in ("deviance", "null_deviance", "aic", "bic", "llf", "scale", "pearson_chi2"):
        close(getattr(m, name), getattr(m0, name))
    assert (m.nobs, m.df_resid, m.df_null, m.rank, m.iterations, m.converged, m.n_dropped) == (
        m0.nobs,
        m0.df_resid,
        m0.df_null,
        m0.rank,
        m0.iterations,
        m0.converged,
        m0.n_dropped,
    )

    # Everything after the call, which names the data as it was given (a file or a frame).
    def body(text: str) -> str:
        return text[text.index("Coefficients") :]

    assert body(str(m.summary())) == body(str(m0.summary()))
