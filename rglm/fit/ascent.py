"""The step of a Newton or Fisher-scoring maximiser of a log-likelihood, halved until it does
not go downhill: shared by the beta and Dirichlet regressions' solvers.

From :math:`\\theta` with log-likelihood :math:`\\ell` and a proposed step :math:`s`, the
step taken is :math:`h s` for the first :math:`h = 1, 1/2, 1/4, \\dots` whose log-likelihood is
finite and at least :math:`\\ell - 10^{-12} |\\ell|` (a relative slack for rounding at the
optimum); halving stops below :math:`h = 10^{-10}`, and the last candidate is returned as it is
(the caller stops when its log-likelihood is not finite).  The fit has converged when every
coordinate of the step taken is at most ``tol`` :math:`\\max(1, |\\theta_j|)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
S = TypeVar("S")

__all__ = ["halved_step"]


def halved_step(
    theta: FloatArray,
    step: FloatArray,
    ll: float,
    at: Callable[[FloatArray], tuple[S, float]],
    tol: float,
) -> tuple[FloatArray, S, float, bool]:
    """The candidate :math:`\\theta + h s`, what ``at`` computed there (its state and
    log-likelihood), and whether the step taken was small enough to stop."""
    h = 1.0
    while True:
        cand = theta + h * step
        state, cll = at(cand)
        if math.isfinite(cll) and cll >= ll - 1e-12 * abs(ll):
            break
        h /= 2
        if h < 1e-10:
            break
    done = bool(np.all(np.abs(h * step) <= tol * np.maximum(1.0, np.abs(theta))))
    return cand, state, cll, done
