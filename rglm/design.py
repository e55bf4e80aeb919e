"""Model matrices as IRLS sees them: dense, or split into a dense block and categorical codes.

IRLS needs four things from the design :math:`X`: :math:`X\\beta`, :math:`X^T W X`,
:math:`X^T v` and, for the QR solvers, the rows themselves.  A categorical term with
:math:`L` levels adds :math:`L - 1` indicator columns that are almost all zero; storing them
densely makes every pass over the data :math:`L` times more expensive than it needs to be.
:class:`SplitDesign` keeps such a term as one integer code per row, so that

* its block of :math:`X^T W X` is diagonal, :math:`\\sum_{i: c_i = l} w_i` (a ``bincount``);
* its cross block with a dense column :math:`d` is :math:`\\sum_{i: c_i = l} w_i d_i`;
* :math:`X\\beta` adds :math:`\\beta_{c_i}` to each row.

A categorical-by-numeric interaction (``g:x``) is the same with a value per row.
:class:`DenseDesign` wraps an ordinary array.  Both expose the same methods, so the solvers do
not care which they get.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from . import _rmath

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["CategoricalBlock", "DenseDesign", "Design", "SplitDesign", "as_design"]

#: Rows per block when forming X'WX, so that no n-by-p temporary is ever allocated.
BLOCK_ROWS = 32_768


class Design:
    """What IRLS needs from a model matrix of shape ``(n, p)``."""

    shape: tuple[int, int]

    def matvec(self, beta: FloatArray) -> FloatArray:
        """:math:`X\\beta`."""
        raise NotImplementedError

    def rmatvec(self, v: FloatArray) -> FloatArray:
        """:math:`X^T v`."""
        raise NotImplementedError

    def gram(self, w: FloatArray) -> FloatArray:
        """:math:`X^T \\mathrm{diag}(w) X`, with ``w`` one weight per row (0 drops a row)."""
        raise NotImplementedError

    def rows(self, idx: IntArray | npt.NDArray[np.bool_] | None = None) -> FloatArray:
        """The rows selected by ``idx`` (indices or a mask) as a dense array; all by default."""
        raise NotImplementedError

    def columns(self, keep: IntArray) -> Design:
        """The design made of the columns ``keep`` (ascending positions), for refits of
        sub-models on the same rows."""
        return DenseDesign(np.ascontiguousarray(self.rows()[:, keep]))

    def block(self, start: int, stop: int) -> Design:
        """Rows ``start`` to ``stop - 1`` as a design of their own (a view where possible), for
        passes over row blocks (:mod:`rglm.accumulate`)."""
        return DenseDesign(self.rows(np.arange(start, stop)))

    def quad_form(self, cov: FloatArray) -> FloatArray:
        """:math:`\\mathrm{diag}(X C X^T)` row by row, without forming :math:`X` whole."""
        n = self.shape[0]
        out = np.empty(n)
        for start in range(0, n, BLOCK_ROWS):
            block = self.rows(np.arange(start, min(start + BLOCK_ROWS, n)))
            out[start:start + block.shape[0]] = np.einsum("ij,jk,ik->i", block, cov, block)
        return out


@dataclass(frozen=True, eq=False)
class DenseDesign(Design):
    """An ordinary dense model matrix."""

    X: FloatArray

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return self.X.shape

    def matvec(self, beta: FloatArray) -> FloatArray:
        x = self.X
        # On the R-exact path R's dgemv order (one column at a time) keeps eta bit-identical to R.
        if not _rmath.r_exact(*x.shape):
            return x @ beta
        out = np.zeros(x.shape[0])
        for j in range(x.shape[1]):
            out = out + beta[j] * x[:, j]
        return out

    def rmatvec(self, v: FloatArray) -> FloatArray:
        return self.X.T @ v

    def gram(self, w: FloatArray) -> FloatArray:
        return _dense_gram(self.X, w)

    def rows(self, idx: IntArray | npt.NDArray[np.bool_] | None = None) -> FloatArray:
        return self.X if idx is None else self.X[idx]

    def columns(self, keep: IntArray) -> Design:
        return DenseDesign(np.ascontiguousarray(self.X[:, np.asarray(keep, dtype=np.intp)]))

    def block(self, start: int, stop: int) -> Design:
        return DenseDesign(self.X[start:stop])


def _dense_gram(x: FloatArray, w: FloatArray) -> FloatArray:
    """:math:`X^T W X` accumulated over row blocks of :math:`\\sqrt{w} X`."""
    p = x.shape[1]
    g = np.zeros((p, p))
    sw = np.sqrt(w)
    for start in range(0, x.shape[0], BLOCK_ROWS):
        blk = x[start:start + BLOCK_ROWS] * sw[start:start + BLOCK_ROWS, None]
        g += blk.T @ blk
    return g


@dataclass(frozen=True, eq=False)
class CategoricalBlock:
    """Columns of one categorical term: indicator of level ``codes[i]``, times ``values[i]``
    for an interaction with numeric factors.

    Attributes
    ----------
    codes : ndarray of int, shape (n,)
        Level of each row, ``0 .. n_levels - 1``.
    columns : ndarray of int, shape (n_levels,)
        Column of the full design that each level's indicator goes to, or -1 for the
        reference level (no column).
    values : ndarray, optional
        Per-row multiplier (the numeric part of ``g:x``); None for a plain factor.
    """

    codes: IntArray
    columns: IntArray
    values: FloatArray | None = None

    @property
    def n_levels(self) -> int:
        return int(self.columns.size)

    def _weighted(self, w: FloatArray) -> FloatArray:
        return w if self.values is None else w * self.values

    def level_sums_of(self, w: FloatArray, dense: FloatArray) -> FloatArray:
        """:math:`S_{lj} = \\sum_{i: c_i = l} w_i v_i\\, d_{ij}` for every level :math:`l` and
        column :math:`j` of ``dense``: one weighted ``bincount`` per column (contiguous in the
        column-major blocks the split design keeps)."""
        wv = self._weighted(w)
        out = np.empty((self.n_levels, dense.shape[1]))
        for j in range(dense.shape[1]):
            out[:, j] = np.bincount(self.codes, weights=wv * dense[:, j], minlength=self.n_levels)
        return out


@dataclass(frozen=True, eq=False)
class SplitDesign(Design):
    """A design with dense columns ``dense`` (at positions ``dense_columns``) and
    categorical blocks; see the module docstring."""

    n: int
    p: int
    dense: FloatArray
    dense_columns: IntArray
    blocks: tuple[CategoricalBlock, ...] = field(default=())

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return (self.n, self.p)

    def matvec(self, beta: FloatArray) -> FloatArray:
        out = self.dense @ beta[self.dense_columns] if self.dense_columns.size else np.zeros(self.n)
        for b in self.blocks:
            by_level = np.where(b.columns >= 0, beta[np.maximum(b.columns, 0)], 0.0)
            term = by_level[b.codes]
            out += term if b.values is None else term * b.values
        return out

    def rmatvec(self, v: FloatArray) -> FloatArray:
        out = np.zeros(self.p)
        if self.dense_columns.size:
            out[self.dense_columns] = self.dense.T @ v
        for b in self.blocks:
            sums = np.bincount(b.codes, weights=b._weighted(v), minlength=b.n_levels)
            has = b.columns >= 0
            out[b.columns[has]] += sums[has]
        return out

    def gram(self, w: FloatArray) -> FloatArray:
        g = np.zeros((self.p, self.p))
        dc = self.dense_columns
        if dc.size:
            g[np.ix_(dc, dc)] = _dense_gram(self.dense, w)
        for i, a in enumerate(self.blocks):
            wa = a._weighted(w)
            has_a = a.columns >= 0
            ca = a.columns[has_a]
            # Diagonal of the block with itself: sum of w * values^2 per level.
            diag = np.bincount(a.codes, weights=wa if a.values is None else wa * a.values, minlength=a.n_levels)
            g[ca, ca] += diag[has_a]
            # Cross with the dense block: per-level sums of w * values * row.
            if dc.size:
                cross = a.level_sums_of(w, self.dense)[has_a]
                g[np.ix_(ca, dc)] += cross
                g[np.ix_(dc, ca)] += cross.T
            for b in self.blocks[i + 1:]:
                has_b = b.columns >= 0
                wab = wa if b.values is None else wa * b.values
                joint = np.bincount(a.codes * b.n_levels + b.codes, weights=wab,
                                    minlength=a.n_levels * b.n_levels).reshape(a.n_levels, b.n_levels)
                sub = joint[np.ix_(has_a, has_b)]
                cb = b.columns[has_b]
                g[np.ix_(ca, cb)] += sub
                g[np.ix_(cb, ca)] += sub.T
        return g

    def columns(self, keep: IntArray) -> Design:
        keep = np.asarray(keep, dtype=np.intp)
        if np.any(np.diff(keep) <= 0):
            raise ValueError("columns must be strictly ascending")
        new_pos = np.full(self.p, -1, dtype=np.intp)
        new_pos[keep] = np.arange(keep.size)
        in_dense = new_pos[self.dense_columns] >= 0
        blocks = []
        for b in self.blocks:
            cols = np.where(b.columns >= 0, new_pos[np.maximum(b.columns, 0)], -1)
            if np.any(cols >= 0):
                blocks.append(CategoricalBlock(b.codes, cols, b.values))
        return SplitDesign(self.n, int(keep.size), np.asfortranarray(self.dense[:, in_dense]),
                           new_pos[self.dense_columns[in_dense]], tuple(blocks))

    def block(self, start: int, stop: int) -> Design:
        stop = min(stop, self.n)
        blocks = tuple(CategoricalBlock(b.codes[start:stop], b.columns, None if b.values is None else b.values[start:stop])
                       for b in self.blocks)
        return SplitDesign(stop - start, self.p, self.dense[start:stop], self.dense_columns, blocks)

    def rows(self, idx: IntArray | npt.NDArray[np.bool_] | None = None) -> FloatArray:
        if idx is None:
            idx = np.arange(self.n)
        elif idx.dtype == bool:
            idx = np.flatnonzero(idx)
        out = np.zeros((idx.size, self.p))
        if self.dense_columns.size:
            out[:, self.dense_columns] = self.dense[idx]
        for b in self.blocks:
            cols = b.columns[b.codes[idx]]
            has = cols >= 0
            vals = np.ones(idx.size) if b.values is None else b.values[idx]
            out[np.flatnonzero(has), cols[has]] = vals[has]
        return out


def as_design(x: FloatArray | Design) -> Design:
    """A :class:`Design` for ``x`` (dense arrays are wrapped)."""
    return x if isinstance(x, Design) else DenseDesign(np.asarray(x, dtype=np.float64))
