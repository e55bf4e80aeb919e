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

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from rglm.numerics import rmath as _rmath
from rglm.numerics.jit_math import column_order_matvec, compiled_matvec

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Level codes of a factor: any integer type (int8 up to 127 levels keeps one byte a row).
CodeArray = npt.NDArray[np.integer[Any]]

__all__ = ["CategoricalBlock", "DenseDesign", "Design", "SplitDesign", "as_design"]

#: Rows per block when forming X'WX, so that no n-by-p temporary is ever allocated.
BLOCK_ROWS = 32_768


class Design:
    """What IRLS needs from a model matrix of shape ``(n, p)``."""

    shape: tuple[int, int]

    def matvec(self, beta: FloatArray, *, exact: bool | None = None) -> FloatArray:
        """:math:`X\\beta`.  ``exact``: in R's order of operations (a fit passes its plan's
        choice); None outside a fit, where the sizes of :func:`rglm.numerics.rmath.r_exact`
        decide, so that predictions of a model fitted exactly are R's to the last bit."""
        raise NotImplementedError

    def rmatvec(self, v: FloatArray) -> FloatArray:
        """:math:`X^T v`."""
        raise NotImplementedError

    def gram(self, w: FloatArray) -> FloatArray:
        """:math:`X^T \\mathrm{diag}(w) X`, with ``w`` one weight per row (0 drops a row)."""
        return self.normal_equations(w)[0]

    def normal_equations(self, w: FloatArray, z: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        """:math:`X^T W X` and :math:`X^T W z` (zeros without ``z``) in one read of the design."""
        raise NotImplementedError

    def threads_pay(self) -> bool:
        """Whether :meth:`normal_equations` on row blocks gains from running on several threads.

        Its sub-blocks are many small BLAS products and ``bincount`` s; with few numeric
        columns and few levels two threads contend (measured: 45 ms alone, 52 ms on two for a
        million rows of 11 columns and a 50-level factor), with many they gain (20 columns and
        1000 levels, or 50 columns: about 1.7 times faster).
        """
        return self.shape[1] >= 16

    def rows(self, idx: IntArray | npt.NDArray[np.bool_] | None = None) -> FloatArray:
        """The rows selected by ``idx`` (indices or a mask) as a dense array; all by default."""
        raise NotImplementedError

    def columns(self, keep: IntArray) -> Design:
        """The design made of the columns ``keep`` (ascending positions), for refits of
        sub-models on the same rows."""
        return DenseDesign(np.ascontiguousarray(self.rows()[:, keep]))

    def block(self, start: int, stop: int) -> Design:
        """Rows ``start`` to ``stop - 1`` as a design of their own (a view where possible), for
        passes over row blocks (:mod:`rglm.fit.accumulate`)."""
        return DenseDesign(self.rows(np.arange(start, stop)))

    def quad_form(self, cov: FloatArray) -> FloatArray:
        """:math:`\\mathrm{diag}(X C X^T)` row by row, without forming :math:`X` whole."""
        n = self.shape[0]
        out = np.empty(n)
        for start in range(0, n, BLOCK_ROWS):
            block = self.rows(np.arange(start, min(start + BLOCK_ROWS, n)))
            out[start : start + block.shape[0]] = np.einsum("ij,jk,ik->i", block, cov, block)
        return out


def sub_block_rows(k: int, n_levels: int = 0) -> int:
    """Rows per sub-block of the normal-equations kernel: small enough that a ``rows x k``
    buffer stays in a core's cache, large enough that the per-call overhead and a factor's
    per-level sums (``n_levels`` values per column) cost little next to the rows they sum."""
    m = 1 << max(10, min(13, int(math.log2(max(131_072 // max(k, 1), 1)))))
    while m < 16 * n_levels and m < 65_536:
        m *= 2
    return m


@dataclass(frozen=True, eq=False)
class NumericColumns:
    """The numeric columns of a :class:`SplitDesign`: an optional intercept and a block.

    The intercept is never stored (its products are sums of the weights), and the block
    may be the caller's own data: when the model's numeric columns are adjacent float
    columns of one pandas block, ``matrix`` is a read-only view of them rather than a copy.

    Attributes
    ----------
    matrix : ndarray, shape (n, m), Fortran order
        The numeric columns other than the intercept.
    intercept : bool
        Whether column 0 of this block is the intercept (a column of ones).
    owner : object, optional
        The pandas object a borrowed ``matrix`` belongs to.  Holding it keeps the view
        safe: under pandas' copy-on-write a later change to the caller's frame copies the
        frame's data instead of writing into ours.  Not pickled (``matrix`` is, as a copy).
    finite : bool
        Every value is known to be finite (the data's columns were checked already).
    """

    matrix: FloatArray
    intercept: bool = False
    owner: Any = field(default=None, repr=False, compare=False)
    finite: bool = False

    @classmethod
    def from_array(cls, a: FloatArray) -> NumericColumns:
        """A block holding a copy of the 2-D array ``a`` (no implicit intercept)."""
        return cls(np.asfortranarray(np.asarray(a, dtype=np.float64)))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["owner"] = None
        state["matrix"] = np.asfortranarray(self.matrix)
        return state

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def k(self) -> int:
        return int(self.matrix.shape[1]) + int(self.intercept)

    @property
    def data(self) -> tuple[FloatArray | None, ...]:
        """Column by column, None for the intercept."""
        cols: tuple[FloatArray | None, ...] = tuple(self.matrix[:, j] for j in range(self.matrix.shape[1]))
        return ((None,) + cols) if self.intercept else cols

    def take(self, idx: IntArray) -> FloatArray:
        """The rows ``idx`` as an ``(len(idx), k)`` array."""
        rows = self.matrix[idx]
        return np.column_stack([np.ones(idx.size), rows]) if self.intercept else rows

    def slice(self, start: int, stop: int) -> NumericColumns:
        return NumericColumns(self.matrix[start:stop], self.intercept, self.owner, self.finite)

    def select(self, keep: npt.NDArray[np.bool_]) -> NumericColumns:
        """The columns where ``keep`` holds (a copy, for refits of sub-models)."""
        keep = np.asarray(keep, dtype=bool)
        rest = keep[1:] if self.intercept else keep
        return NumericColumns(
            np.asfortranarray(self.matrix[:, rest]), bool(self.intercept and keep[0]), finite=self.finite
        )

    def matvec(self, b: FloatArray) -> FloatArray:
        """:math:`\\sum_j b_j c_j`."""
        if self.matrix.shape[1] == 0:
            return np.full(self.n, b[0] if self.intercept else 0.0)
        out = self.matrix @ b[int(self.intercept) :]
        if self.intercept:
            out += b[0]
        return out

    def rmatvec(self, v: FloatArray) -> FloatArray:
        """:math:`(c_j^T v)_j`."""
        rest: FloatArray = self.matrix.T @ v
        return np.r_[np.sum(v), rest] if self.intercept else rest

    def normal_equations(
        self, w: FloatArray, z: FloatArray | None, blocks: tuple[CategoricalBlock, ...] = ()
    ) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
        """:math:`C^T W C`, :math:`C^T W z` and, for each factor block, the per-level sums
        :math:`\\sum_{i: c_i = l} w_i v_i C_{ij}`, in one read of the block.

        Each cache-sized sub-block's :math:`W C_s` (or :math:`\\sqrt{W} C_s` without factors)
        gives :math:`C_s^T W C_s`, the right-hand side and, by a ``bincount`` per column, the
        factors' level sums.  The intercept's entries are sums of :math:`w`, :math:`w z` and
        :math:`W C` and never touch a column of ones.
        """
        mtx = self.matrix
        n, m = mtx.shape
        o = int(self.intercept)
        k = m + o
        g, r = np.zeros((k, k)), np.zeros(k)
        cross = [np.zeros((b.n_levels, k), order="F") for b in blocks]
        if m:
            most = max((b.n_levels for b in blocks), default=0)
            step = max(1, min(sub_block_rows(m, most), n))
            buf = np.empty((step, m), order="F")
            gm, rm, colsum = np.zeros((m, m)), np.zeros(m), np.zeros(m)
            # Without factors, sqrt(W) C_s and a symmetric rank-k update (half the work of a
            # general product: what matters with many columns).  With factors, W C_s serves the
            # product with C_s and, by a bincount per column, the factors' level sums alike.
            root = not blocks
            scale = np.sqrt(w) if root else w
            rhs = None if z is None else (scale * z if root else z)
            ones = np.ones(step)
            # A row-major block (a dense model matrix) is scaled into the column-major buffer
            # one column at a time: the same products, without NumPy's slow mixed-order loop.
            # Rows of a column-major block (a slice of one, as the passes' blocks are) are
            # scaled whole: column by column would read each strided column on its own.
            by_column = mtx.flags.c_contiguous and not mtx.flags.f_contiguous
            for start in range(0, n, step):
                stop = min(start + step, n)
                xs = mtx[start:stop]
                ws = buf[: stop - start]
                if by_column:
                    for j in range(m):
                        np.multiply(xs[:, j], scale[start:stop], out=ws[:, j])
                else:
                    np.multiply(xs, scale[start:stop, None], out=ws)
                if root:
                    gm += ws.T @ ws
                    if o:
                        colsum += scale[start:stop] @ ws
                else:
                    gm += ws.T @ xs
                    if o:
                        colsum += ones[: stop - start] @ ws
                if rhs is not None:
                    rm += rhs[start:stop] @ ws
                for b, c in zip(blocks, cross, strict=False):
                    codes = b.codes[start:stop]
                    vals = None if b.values is None else b.values[start:stop]
                    for j in range(m):
                        col = ws[:, j] if vals is None else ws[:, j] * vals
                        c[:, o + j] += np.bincount(codes, weights=col, minlength=b.n_levels)
            g[o:, o:] = _symmetric(gm)
            r[o:] = rm
            if o:
                g[0, 1:] = g[1:, 0] = colsum
        if o:
            g[0, 0] = np.sum(w)
            if z is not None:
                r[0] = w @ z
            for b, c in zip(blocks, cross, strict=False):
                c[:, 0] = np.bincount(b.codes, weights=b._weighted(w), minlength=b.n_levels)
        return g, r, cross


@dataclass(frozen=True, eq=False)
class DenseDesign(Design):
    """An ordinary dense model matrix."""

    X: FloatArray

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return self.X.shape

    def matvec(self, beta: FloatArray, *, exact: bool | None = None) -> FloatArray:
        x = self.X
        # On the R-exact path R's dgemv order (one column at a time) keeps eta bit-identical to R.
        if not (_rmath.r_exact(*x.shape) if exact is None else exact):
            return x @ beta
        kernel = compiled_matvec() if x.dtype == np.float64 else None
        if kernel is None:
            return column_order_matvec(x, beta)
        out = np.empty(x.shape[0])
        kernel(x, np.ascontiguousarray(beta, dtype=np.float64), out)
        return out

    def rmatvec(self, v: FloatArray) -> FloatArray:
        out: FloatArray = self.X.T @ v
        return out

    def normal_equations(self, w: FloatArray, z: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        g, r, _ = NumericColumns(self.X).normal_equations(w, z)  # the same sweep, over a view
        return g, r

    def rows(self, idx: IntArray | npt.NDArray[np.bool_] | None = None) -> FloatArray:
        return self.X if idx is None else self.X[idx]

    def columns(self, keep: IntArray) -> Design:
        return DenseDesign(np.ascontiguousarray(self.X[:, np.asarray(keep, dtype=np.intp)]))

    def block(self, start: int, stop: int) -> Design:
        return DenseDesign(self.X[start:stop])


def _symmetric(g: FloatArray) -> FloatArray:
    """``g`` made exactly symmetric: :math:`X^T (W X)` is so only up to rounding."""
    out: FloatArray = (g + g.T) * 0.5
    return out


@dataclass(frozen=True, eq=False)
class CategoricalBlock:
    """Columns of one categorical term: indicator of level ``codes[i]``, times ``values[i]``
    for an interaction with numeric factors.

    Attributes
    ----------
    codes : ndarray of int, shape (n,)
        Level of each row, ``0 .. n_levels - 1``, in any integer type wide enough for the
        levels (a model frame keeps pandas' narrow codes: one byte a row up to 127 levels).
    columns : ndarray of int, shape (n_levels,)
        Column of the full design that each level's indicator goes to, or -1 for the
        reference level (no column).
    values : ndarray, optional
        Per-row multiplier (the numeric part of ``g:x``); None for a plain factor.
    """

    codes: CodeArray
    columns: IntArray
    values: FloatArray | None = None

    @property
    def n_levels(self) -> int:
        return int(self.columns.size)

    def _weighted(self, w: FloatArray) -> FloatArray:
        return w if self.values is None else w * self.values


@dataclass(frozen=True, eq=False)
class SplitDesign(Design):
    """A design with dense columns ``dense`` (at positions ``dense_columns``) and
    categorical blocks; see the module docstring."""

    n: int
    p: int
    dense: NumericColumns
    dense_columns: IntArray
    blocks: tuple[CategoricalBlock, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.dense, NumericColumns):  # a plain n x k array
            object.__setattr__(self, "dense", NumericColumns.from_array(np.asarray(self.dense)))
        if self.dense.k != self.dense_columns.size:
            raise ValueError(f"{self.dense.k} numeric columns for {self.dense_columns.size} positions")

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return (self.n, self.p)

    def matvec(self, beta: FloatArray, *, exact: bool | None = None) -> FloatArray:
        out = self.dense.matvec(beta[self.dense_columns]) if self.dense_columns.size else np.zeros(self.n)
        for b in self.blocks:
            by_level = np.where(b.columns >= 0, beta[np.maximum(b.columns, 0)], 0.0)
            term = by_level[b.codes]
            out += term if b.values is None else term * b.values
        return out

    def rmatvec(self, v: FloatArray) -> FloatArray:
        out = np.zeros(self.p)
        if self.dense_columns.size:
            out[self.dense_columns] = self.dense.rmatvec(v)
        for b in self.blocks:
            sums = np.bincount(b.codes, weights=b._weighted(v), minlength=b.n_levels)
            has = b.columns >= 0
            out[b.columns[has]] += sums[has]
        return out

    def normal_equations(self, w: FloatArray, z: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        """:math:`X^T W X` and :math:`X^T W z`.

        The numeric block is read once (:meth:`NumericColumns.normal_equations`), which also
        gives every factor's cross block with it.  A factor's diagonal, its right-hand side
        and the joint counts of two factors are ``bincount`` s over the codes.
        """
        g, r = np.zeros((self.p, self.p)), np.zeros(self.p)
        dc = self.dense_columns
        wz = None if z is None else w * z
        cross: list[FloatArray] = []
        if dc.size:
            gd, rd, cross = self.dense.normal_equations(w, z, self.blocks)
            g[np.ix_(dc, dc)] = gd
            r[dc] = rd
            for b, c in zip(self.blocks, cross, strict=False):
                has = b.columns >= 0
                ca = b.columns[has]
                g[np.ix_(ca, dc)] += c[has]
                g[np.ix_(dc, ca)] += c[has].T
        for i, a in enumerate(self.blocks):
            wa = a._weighted(w)
            has_a = a.columns >= 0
            ca = a.columns[has_a]
            # Diagonal of the block with itself: sum of w * values^2 per level.  For a plain
            # factor that is its cross sum with the intercept, already formed.
            if a.values is None and cross and self.dense.intercept:
                diag = cross[i][:, 0]
            else:
                diag = np.asarray(
                    np.bincount(
                        a.codes, weights=wa if a.values is None else wa * a.values, minlength=a.n_levels
                    ),
                    dtype=np.float64,
                )
            g[ca, ca] += diag[has_a]
            if wz is not None:
                r[ca] += np.bincount(a.codes, weights=a._weighted(wz), minlength=a.n_levels)[has_a]
            for b in self.blocks[i + 1 :]:
                has_b = b.columns >= 0
                wab = wa if b.values is None else wa * b.values
                # In intp: the pair's code outgrows a narrow code type.
                pair = a.codes.astype(np.intp) * b.n_levels + b.codes
                joint = np.bincount(pair, weights=wab, minlength=a.n_levels * b.n_levels).reshape(
                    a.n_levels, b.n_levels
                )
                sub = joint[np.ix_(has_a, has_b)]
                cb = b.columns[has_b]
                g[np.ix_(ca, cb)] += sub
                g[np.ix_(cb, ca)] += sub.T
        return g, r

    def threads_pay(self) -> bool:
        return self.dense.k >= 16 or any(b.n_levels >= 256 for b in self.blocks)

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
        return SplitDesign(
            self.n,
            int(keep.size),
            self.dense.select(in_dense),
            new_pos[self.dense_columns[in_dense]],
            tuple(blocks),
        )

    def block(self, start: int, stop: int) -> Design:
        stop = min(stop, self.n)
        blocks = tuple(
            CategoricalBlock(
                b.codes[start:stop], b.columns, None if b.values is None else b.values[start:stop]
            )
            for b in self.blocks
        )
        return SplitDesign(stop - start, self.p, self.dense.slice(start, stop), self.dense_columns, blocks)

    def rows(self, idx: IntArray | npt.NDArray[np.bool_] | None = None) -> FloatArray:
        if idx is None:
            idx = np.arange(self.n)
        elif idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = np.asarray(idx, dtype=np.intp)
        out = np.zeros((idx.size, self.p))
        if self.dense_columns.size:
            out[:, self.dense_columns] = self.dense.take(idx)
        for b in self.blocks:
            cols = b.columns[b.codes[idx]]
            has = cols >= 0
            vals = np.ones(idx.size) if b.values is None else b.values[idx]
            out[np.flatnonzero(has), cols[has]] = vals[has]
        return out


def as_design(x: FloatArray | Design) -> Design:
    """A :class:`Design` for ``x`` (dense arrays are wrapped)."""
    return x if isinstance(x, Design) else DenseDesign(np.asarray(x, dtype=np.float64))
