"""R's root finder: ``R_zeroin2``, Brent's method behind ``uniroot``, step for step.

brglm2 finds the ML dispersion at its start with ``uniroot``, and emmeans its Dunnett
quantile; both stop at R's tolerance, so a root found the same way is R's root to the digit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["zeroin"]

_EPS = float(np.finfo(np.float64).eps)


def zeroin(
    f: Callable[[float], float], lower: float, upper: float, tol: float, maxit: int = 1000
) -> float | None:
    """A root of ``f`` in ``[lower, upper]`` by Brent's method, as R's ``uniroot``: bisection
    safeguarding secant and inverse quadratic interpolation steps, stopping when the bracket
    is within :math:`2\\epsilon|b| + \\text{tol}/2` of the best point :math:`b`.  None when
    ``f`` has the same sign at both ends (R's ``uniroot`` stops there)."""
    a, b = lower, upper
    fa, fb = f(a), f(b)
    if math.isnan(fa) or math.isnan(fb) or fa * fb > 0:
        return None
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    c, fc = a, fa
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # two distinct points: the secant
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # inverse quadratic interpolation
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b
