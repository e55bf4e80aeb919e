"""R's ``splines::bs`` and ``splines::ns`` as formulaic stateful transforms.

Both are B-spline bases of order 4 (cubic by default for ``bs``) on the knot sequence
``Aknots``: the boundary knots repeated ``ord`` times around the interior knots.  With ``df``
and no ``knots``, the interior knots are the quantiles (R's type 7) of ``x`` at
``1/(m+1), ..., m/(m+1)``, with :math:`m` = ``df - ord + 1 - intercept`` for ``bs`` and
``df - 1 - intercept`` for ``ns``.

``ns`` is the natural cubic spline: the basis :math:`B` (without its first column unless
``intercept``) projected on the null space of the second derivatives at the two boundary
knots, :math:`C`: with the full Householder QR :math:`C^T = QR`, the basis is the columns
:math:`3, 4, ...` of :math:`B Q` (R's ``qr.qty``).  Outside the boundary knots ``ns`` is
linear (value and slope at the knot); ``bs`` continues the polynomial of a pivot inside the
boundary interval and warns, as R does ("some 'x' values beyond boundary knots may cause
ill-conditioned bases").  The state is the interior and boundary knots, so new data reuse them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from formulaic.materializers.types import FactorValues
from formulaic.transforms import stateful_transform

from rglm.exceptions import ArgumentError, RGLMWarning, warn

FloatArray = npt.NDArray[np.float64]

__all__ = ["ExtrapolationWarning", "bs", "ns", "spline_design"]


class ExtrapolationWarning(RGLMWarning):
    """Values of a spline's variable outside its boundary knots (the basis is extrapolated)."""


def spline_design(knots: FloatArray, x: FloatArray, ord: int = 4, deriv: int = 0) -> FloatArray:
    """R's ``splineDesign(knots, x, ord, derivs)`` for ``x`` within the boundary knots:
    the B-spline basis (or its ``deriv``-th derivative) by the Cox-de Boor recursion."""
    t = np.asarray(knots, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    nb = len(t) - ord
    k0 = ord - deriv  # order of the basis that is differentiated
    # order 1: the indicator of the knot interval [t_j, t_j+1); the last non-empty interval
    # is closed on the right, so the right boundary knot has a basis.
    B = ((t[:-1][None, :] <= x[:, None]) & (x[:, None] < t[1:][None, :])).astype(np.float64)
    last = int(np.flatnonzero(t[:-1] < t[1:])[-1])
    B[x == t[last + 1], last] = 1.0
    for k in range(1, k0):
        nxt = np.zeros((len(x), B.shape[1] - 1))
        for j in range(B.shape[1] - 1):
            d1, d2 = t[j + k] - t[j], t[j + k + 1] - t[j + 1]
            if d1 > 0:
                nxt[:, j] += (x - t[j]) / d1 * B[:, j]
            if d2 > 0:
                nxt[:, j] += (t[j + k + 1] - x) / d2 * B[:, j + 1]
        B = nxt
    for k in range(k0, ord):  # d/dx B_{j,k+1} = k (B_{j,k}/(t_j+k - t_j) - B_{j+1,k}/(t_j+k+1 - t_j+1))
        nxt = np.zeros((len(x), B.shape[1] - 1))
        for j in range(B.shape[1] - 1):
            d1, d2 = t[j + k] - t[j], t[j + k + 1] - t[j + 1]
            if d1 > 0:
                nxt[:, j] += k * B[:, j] / d1
            if d2 > 0:
                nxt[:, j] -= k * B[:, j + 1] / d2
        B = nxt
    return B[:, :nb]


def _quantile7(x: FloatArray, probs: FloatArray) -> FloatArray:
    s = np.sort(x)
    h = (len(s) - 1) * probs
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, len(s) - 1)
    return np.asarray(s[lo] + (h - lo) * (s[hi] - s[lo]), dtype=np.float64)


def _knots(x: FloatArray, df: Any, knots: Any, n_inner: int, outside: Any) -> FloatArray:
    if knots is not None:
        return np.sort(np.atleast_1d(np.asarray(knots, dtype=np.float64)))
    if df is None or n_inner <= 0:
        return np.zeros(0)
    probs = np.linspace(0.0, 1.0, n_inner + 2)[1:-1]
    return _quantile7(x[~outside], probs)


def _setup(
    x: Any, df: Any, knots: Any, boundary: Any, n_inner: int, state: dict[str, Any]
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    values = np.asarray(x, dtype=np.float64).ravel()
    ok = ~np.isnan(values)
    xs = values[ok]
    if "knots" in state:
        inner = np.asarray(state["knots"], dtype=np.float64)
        bk = np.asarray(state["boundary"], dtype=np.float64)
    else:
        if boundary is not None:
            bk = np.sort(np.asarray(boundary, dtype=np.float64))
            outside = (xs < bk[0]) | (xs > bk[1])
        else:
            bk = np.array([xs.min(), xs.max()]) if xs.size else np.zeros(2)
            outside = np.zeros(xs.size, dtype=bool)
        inner = _knots(xs, df, knots, n_inner, outside)
        state["knots"] = inner.tolist()
        state["boundary"] = bk.tolist()
    return values, xs, np.concatenate([inner, bk]), ok


def _finish(values: FloatArray, ok: npt.NDArray[np.bool_], basis: FloatArray) -> FactorValues[Any]:
    out = np.full((values.size, basis.shape[1]), np.nan)
    out[ok] = basis
    return FactorValues(out, column_names=tuple(str(j + 1) for j in range(basis.shape[1])))


@stateful_transform  # type: ignore[untyped-decorator]
def ns(
    x: Any,
    df: Any = None,
    knots: Any = None,
    intercept: bool = False,
    Boundary_knots: Any = None,  # noqa: N803 (R's argument name)
    _state: dict[str, Any] = {},  # noqa: B006 (formulaic passes the state)
) -> FactorValues[Any]:
    """R's ``splines::ns``: a natural cubic spline basis (see the module docstring)."""
    n_inner = int(df) - 1 - int(bool(intercept)) if df is not None else 0
    if df is not None and n_inner < 0:
        raise ArgumentError(f"ns(): df = {df} is too small")
    values, xs, kn, ok = _setup(x, df, knots, Boundary_knots, n_inner, _state)
    inner, bk = kn[:-2], kn[-2:]
    aknots = np.sort(np.concatenate([np.repeat(bk, 4), inner]))
    left, right = xs < bk[0], xs > bk[1]
    inside = ~(left | right)
    basis = np.zeros((xs.size, len(aknots) - 4))
    basis[inside] = spline_design(aknots, xs[inside], 4)
    for side, pivot in ((left, bk[0]), (right, bk[1])):
        if side.any():
            tt = np.vstack([spline_design(aknots, np.array([pivot]), 4, d)[0] for d in (0, 1)])
            basis[side] = np.column_stack([np.ones(int(side.sum())), xs[side] - pivot]) @ tt
    const = np.vstack([spline_design(aknots, bk[i : i + 1], 4, 2)[0] for i in (0, 1)])
    if not intercept:
        const, basis = const[:, 1:], basis[:, 1:]
    q, _ = np.linalg.qr(const.T, mode="complete")
    return _finish(values, ok, (basis @ q)[:, 2:])


@stateful_transform  # type: ignore[untyped-decorator]
def bs(
    x: Any,
    df: Any = None,
    knots: Any = None,
    degree: int = 3,
    intercept: bool = False,
    Boundary_knots: Any = None,  # noqa: N803 (R's argument name)
    _state: dict[str, Any] = {},  # noqa: B006 (formulaic passes the state)
) -> FactorValues[Any]:
    """R's ``splines::bs``: a B-spline basis of ``degree`` (see the module docstring)."""
    ord = 1 + int(degree)
    n_inner = int(df) - ord + (1 - int(bool(intercept))) if df is not None else 0
    values, xs, kn, ok = _setup(x, df, knots, Boundary_knots, max(n_inner, 0), _state)
    inner, bk = kn[:-2], kn[-2:]
    aknots = np.sort(np.concatenate([np.repeat(bk, ord), inner]))
    left, right = xs < bk[0], xs > bk[1]
    inside = ~(left | right)
    basis = np.zeros((xs.size, len(aknots) - ord))
    basis[inside] = spline_design(aknots, xs[inside], ord)
    if left.any() or right.any():
        warn("some 'x' values beyond boundary knots may cause ill-conditioned bases", ExtrapolationWarning)
        scalef = np.array([math.gamma(k) for k in range(1, ord + 1)])
        e = 0.25
        pivots = ((left, (1 - e) * bk[0] + e * aknots[ord]), (right, (1 - e) * bk[1] + e * aknots[-ord - 1]))
        for side, pivot in pivots:
            if side.any():
                tt = np.vstack([spline_design(aknots, np.array([pivot]), ord, d)[0] for d in range(ord)])
                powers = np.column_stack([(xs[side] - pivot) ** k for k in range(ord)])
                basis[side] = powers @ (tt / scalef[:, None])
    if not intercept:
        basis = basis[:, 1:]
    return _finish(values, ok, basis)
