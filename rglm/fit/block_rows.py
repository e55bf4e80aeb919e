"""Row blocks of in-memory data, and the per-row results of a large fit computed when asked.

A fit over row blocks (:func:`rglm.fit.passes.fit_in_memory`) needs only sums, so it keeps
no per-row array once its passes are done.  Its per-row results are those of its last two
points: the linear predictor and the means at the final coefficients, and the working
weights of the last least-squares step.  :class:`BlockRows` recomputes them from those
points, block by block with the passes' own functions (:func:`rglm.fit.accumulate.point_eta`,
:func:`rglm.fit.accumulate.point_weights`) and then on the whole arrays as the fit did, so
that every value is the one the fit's passes computed, to the last bit, while the fitted
model holds no array the size of the data besides the data's own (the model frame's
columns, which :class:`BlockRows` references).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from rglm.exceptions import collect_warnings
from rglm.families.family import Family, Initialized
from rglm.fit.accumulate import Chunk, PassRequest, Point, point_eta, point_weights
from rglm.fit.result import working_rss
from rglm.numerics import rmath as _rmath
from rglm.numerics.design import Design, as_design

FloatArray = npt.NDArray[np.float64]

__all__ = ["BlockRows", "memory_chunks"]


def memory_chunks(
    X: FloatArray | Design,
    y: FloatArray,
    weights: FloatArray,
    offset: FloatArray,
    etastart: FloatArray | None = None,
    mustart: FloatArray | None = None,
    *,
    block_rows: int,
    init: Initialized | None = None,
) -> list[Chunk]:
    """Row blocks of ``block_rows`` rows of in-memory arrays (views, not copies, where the
    design allows); with ``init`` (the family's ``initialize`` on all rows) each block carries
    its share of it."""
    design = as_design(X)
    n = design.shape[0]
    out = []
    for a in range(0, max(n, 1), block_rows):
        b = min(a + block_rows, n)
        part = (
            None
            if init is None
            else Initialized(
                init.y[a:b],
                init.weights[a:b],
                None if init.mustart is None else init.mustart[a:b],
                init.n[a:b],
            )
        )
        out.append(
            Chunk(
                design if (a, b) == (0, n) else design.block(a, b),
                y[a:b],
                weights[a:b],
                offset[a:b],
                None if etastart is None else etastart[a:b],
                None if mustart is None else mustart[a:b],
                init=part,
            )
        )
    return out


@dataclass(frozen=True, eq=False)
class BlockRows:
    """The per-row results of a fit over row blocks, recomputed from its points when asked
    (:class:`rglm.fit.result.PerRow`); nothing the size of the data is held but references to
    the fit's inputs, and nothing computed is kept but the AIC.

    Attributes
    ----------
    design : Design
    y_given, weights_given, offset : ndarray
        The response and prior weights as given to the fit (before the family's
        ``initialize``), and the offset.
    family : Family
    final, weights_at : Point
        The final point of the fit, and the point whose working weights its last
        least-squares step used.
    deviance : float
    rank : int
    n_ok : int
        Rows with a non-zero prior weight.
    have_start : bool
        Whether starting values were given (R's ``initialize`` checks differ).
    etastart, mustart : ndarray, optional
        Per-row starting values given to the fit.
    block_rows : int
        The fit's rows per block.
    """

    design: Design
    y_given: FloatArray
    weights_given: FloatArray
    offset: FloatArray
    family: Family
    final: Point
    weights_at: Point
    deviance: float
    rank: int
    n_ok: int
    block_rows: int
    have_start: bool = False
    etastart: FloatArray | None = None
    mustart: FloatArray | None = None

    def _init(self) -> Initialized:
        # The family's initialize again, as the fit ran it (its warnings were issued then).
        with collect_warnings():
            return self.family.initialize(self.y_given, self.weights_given, have_start=self.have_start)

    def _per_block(self, point: Point, weights: bool) -> FloatArray:
        """:math:`\\eta` (or the working weights) at ``point``, block by block as the passes
        computed them, into one array."""
        init = self._init()
        chunks = memory_chunks(
            self.design,
            self.y_given,
            self.weights_given,
            self.offset,
            self.etastart,
            self.mustart,
            block_rows=self.block_rows,
            init=init,
        )
        request = PassRequest(self.family, point, have_start=self.have_start)
        out = np.empty(self.n_rows)
        start = 0
        with _rmath.fast_kernels():
            for c in chunks:
                out[start : start + c.n] = point_weights(c, request) if weights else point_eta(c, request)
                start += c.n
        return out

    @property
    def n_rows(self) -> int:
        """All rows of the fit, zero weights included."""
        return int(self.design.shape[0])

    @property
    def eta(self) -> FloatArray:
        """:math:`\\eta = X\\beta + o` at the final coefficients."""
        return self._per_block(self.final, weights=False)

    @property
    def mu(self) -> FloatArray:
        """:math:`\\mu = g^{-1}(\\eta)`."""
        with _rmath.fast_kernels(), np.errstate(all="ignore"):
            return self.family.link.inverse(self.eta)

    @property
    def y(self) -> FloatArray:
        """The response as the family's ``initialize`` leaves it."""
        return self._init().y

    @property
    def prior_weights(self) -> FloatArray:
        return self._init().weights

    @property
    def trials(self) -> FloatArray:
        return self._init().n

    @property
    def working_weights(self) -> FloatArray:
        """:math:`W_i` of the last least-squares step (0 for rows that took no part)."""
        return self._per_block(self.weights_at, weights=True)

    @property
    def working_residuals(self) -> FloatArray:
        """:math:`(y_i - \\mu_i)\\, d\\eta/d\\mu` at the final :math:`\\mu`."""
        eta = self.eta
        with _rmath.fast_kernels(), np.errstate(all="ignore"):
            r = self.family.link.inverse(eta)
            np.subtract(self._init().y, r, out=r)
            r /= self.family.link.mu_eta(eta)  # in place: one n-vector fewer
        return r

    @cached_property
    def aic(self) -> float:
        """R's AIC, :math:`-2\\ell + 2\\,\\mathrm{rank}` (the family's ``aic`` on the whole rows)."""
        init = self._init()
        y, n, wt = init.y, init.n, init.weights
        del init  # its starting means are not needed: free them before the means are made
        mu = self.mu
        with _rmath.fast_kernels():
            return float(self.family.aic(y, n, mu, wt, self.deviance) + 2 * self.rank)

    @property
    def working_rss(self) -> float:
        """:math:`\\sum_{i: W_i > 0} W_i r_i^2` (R's dispersion sum)."""
        w = self.working_weights
        with _rmath.fast_kernels():
            return working_rss(w, self.working_residuals)
