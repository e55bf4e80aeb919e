"""emmeans' reference grid: what a model must provide, and the grid built from it.

The interface a model gives to :func:`rglm.emmeans` is :class:`EMMBasis`.  A model class
provides it with a method ``emm_basis() -> EMMBasis``; GLMs (``glm``, ``glm.nb``)
get theirs from :func:`glm_basis`, which reads only the result core's hooks
(``param_vector``, ``vcov_matrix``, ``df_resid``), the model frame (its rows, its offset
vector and its :class:`rglm.frame.model_frame.FrameSpec`, which rebuilds the design matrix
for new rows) and the family's link.  A model with several linear predictors (multinomial,
ordinal: emmeans' ``mode="prob"``) would build its basis the same way with the response
levels as one more grid variable and a design function that stacks the blocks; its
``mode="prob"`` means are then nonlinear in the coefficients (softmax or cumulative link of
the linear predictors), which needs one more step after the grid (emmeans' ``regrid``: the
estimates transformed and their covariance by the delta method) before averaging.

The reference grid (emmeans 1.8.4's ``ref_grid``) holds, for each predictor in the order
the formula names them:

* a factor (categorical, string or logical column): all its levels, or the ``at=`` values;
* a numeric covariate: its mean over the rows used in the fit, or the ``at=`` values; a
  covariate with at most two distinct values keeps them as levels (emmeans' ``cov.keep = 2``);
* the model's offset, ``.offset.``, treated as one more covariate: the mean of the model's
  offset vector (not the offset of the mean covariate).

The grid is every combination (the first variable varying fastest), its linear functions
are the rows of the design matrix at those points, and each row is weighted by the number
of observations in its cell (``.wgt.``; prior weights play no part).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import ArgumentError, DataError
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["OFFSET", "EMMBasis", "RefGrid", "basis_of", "glm_basis", "null_basis", "ref_grid"]

#: The reference grid's name for the model's offset (emmeans' ``.offset.``).
OFFSET = ".offset."
#: emmeans' ``estble.tol``.
ESTIMABLE_TOL = 1e-8


@dataclass(frozen=True)
class EMMBasis:
    """What a model gives emmeans.

    Attributes
    ----------
    coef : array (p,)
        The coefficients, NaN where not estimable (aliased).
    vcov : array (q, q)
        Covariance of the q estimable coefficients (the non-NaN entries of ``coef``).
    nbasis : array (p, r) or None
        An orthonormal basis of the null space of the model matrix (emmeans'
        ``nonest.basis``); None when every coefficient is estimable.
    df : float
        Degrees of freedom of every estimate (``inf`` for asymptotic z inference).
    link : str or None
        The link's name, emmeans' ``tran`` (None for the identity).
    inv_label : str
        The estimate's name on the response scale: ``"rate"``, ``"prob"`` or ``"response"``.
    predictors : tuple of str
        The grid's variables, in the order the formula names them.
    data : DataFrame
        The predictors' values in the rows used in the fit.
    factor_levels : mapping
        Categorical predictor -> its levels as coded in the fit.
    design : callable
        DataFrame of predictor values -> model matrix rows (p columns).
    offset : array or None
        The model's offset vector over the rows used, None without an offset.
    term_variables : tuple of frozenset
        The variables of each model term (to tell when a mean involves an interaction).
    """

    coef: FloatArray
    vcov: FloatArray
    nbasis: FloatArray | None
    df: float
    link: str | None
    inv_label: str
    predictors: tuple[str, ...]
    data: pd.DataFrame
    factor_levels: Mapping[str, tuple[Any, ...]]
    design: Callable[[pd.DataFrame], FloatArray]
    offset: FloatArray | None = None
    term_variables: tuple[frozenset[str], ...] = field(default_factory=tuple)

    @property
    def active(self) -> npt.NDArray[np.bool_]:
        """Which coefficients are estimable (not NaN)."""
        return ~np.isnan(self.coef)

    def with_vcov(self, vcov: Any, names: Sequence[str]) -> EMMBasis:
        """The same basis with a user covariance (a DataFrame labelled by coefficient, or an
        array over all or over the estimable coefficients)."""
        active = self.active
        q = int(active.sum())
        if isinstance(vcov, pd.DataFrame):
            missing = [n for n, a in zip(names, active, strict=True) if a and n not in vcov.index]
            if missing:
                raise ArgumentError(f"vcov has no row for coefficient(s) {', '.join(missing)}")
            keep = [n for n, a in zip(names, active, strict=True) if a]
            mat = vcov.loc[keep, keep].to_numpy(dtype=np.float64)
        else:
            arr = np.asarray(vcov, dtype=np.float64)
            if arr.shape == (len(names), len(names)):
                mat = arr[np.ix_(active, active)]
            elif arr.shape == (q, q):
                mat = arr
            else:
                raise ArgumentError(
                    f"vcov must be {len(names)} x {len(names)} (or {q} x {q} over the estimable "
                    f"coefficients), got shape {arr.shape}"
                )
        return EMMBasis(**{**self.__dict__, "vcov": mat})


def null_basis(gram: FloatArray, aliased: npt.NDArray[np.bool_]) -> FloatArray | None:
    """An orthonormal basis of the null space of X from :math:`G = X^TX`: one vector per
    aliased column j, :math:`e_j - b_j` with :math:`b_j` the regression of column j on the
    estimable columns (:math:`G_{aa} b = G_{aj}`), orthonormalized."""
    if not aliased.any():
        return None
    act = ~aliased
    vecs = []
    for j in np.flatnonzero(aliased):
        v = np.zeros(aliased.size)
        v[j] = 1.0
        if act.any():
            b = np.linalg.lstsq(gram[np.ix_(act, act)], gram[act, j], rcond=None)[0]
            v[act] = -b
        vecs.append(v)
    q, _ = np.linalg.qr(np.column_stack(vecs))
    out: FloatArray = q
    return out


def _link_labels(family_name: str, link_name: str) -> tuple[str | None, str]:
    """emmeans' ``.std.link.labels``: the transformation and the response-scale label."""
    if link_name == "identity":
        return None, "response"
    label = "response"
    if "binomial" in family_name:
        label = "prob"
    elif "poisson" in family_name:
        label = "rate"
    return link_name, label


def _formula_order(formula: str, names: Sequence[str]) -> tuple[str, ...]:
    """``names`` in the order they first appear on the formula's right-hand side (R's
    ``all.vars``)."""
    rhs = formula.split("~", 1)[-1]
    seen: list[str] = []
    for tok in re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", rhs):
        if tok in names and tok not in seen:
            seen.append(tok)
    seen += [n for n in names if n not in seen]
    return tuple(seen)


def glm_basis(m: GLMStatistics) -> EMMBasis:
    """The :class:`EMMBasis` of a GLM (``glm`` or ``glm.nb``)."""
    data = m.data
    frame = m.model_frame
    if data is None:
        raise DataError("emmeans needs the model's data; this model was saved without it")
    spec = frame.spec
    positions = frame.data_positions
    predictors = _formula_order(m.formula, spec.variables)
    table = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    rows = table.iloc[positions][list(predictors)].reset_index(drop=True)
    coef = m.param_vector().astype(np.float64)
    aliased = np.isnan(coef)
    cov = np.asarray(m.vcov_matrix(), dtype=np.float64)[np.ix_(~aliased, ~aliased)]
    nbasis = None
    if aliased.any():
        used = (frame.weights > 0).astype(np.float64)
        nbasis = null_basis(frame.design.gram(used), aliased)
    fam = m.family
    link, label = _link_labels(fam.name, fam.link.name)
    df = float(m.df_resid) if fam.name in ("gaussian", "Gamma") else float("inf")
    offset = np.asarray(frame.offset, dtype=np.float64)
    by_var = spec.rhs_spec.variable_indices()
    terms = []
    for cols in spec.term_columns.values():
        colset = set(int(c) for c in cols)
        terms.append(frozenset(v for v, idx in by_var.items() if colset & set(idx)))
    return EMMBasis(
        coef=coef,
        vcov=cov,
        nbasis=nbasis,
        df=df,
        link=link,
        inv_label=label,
        predictors=predictors,
        data=rows,
        factor_levels=dict(spec.levels),
        design=spec.design,
        offset=offset if np.any(offset != 0) else None,
        term_variables=tuple(terms),
    )


def basis_of(model: Any, vcov: Any = None) -> EMMBasis:
    """The model's :class:`EMMBasis` (its ``emm_basis()`` method, or :func:`glm_basis`),
    with ``vcov`` (a covariance matrix) in place of the model's own if given."""
    if hasattr(model, "emm_basis"):
        basis: EMMBasis = model.emm_basis()
    elif isinstance(model, GLMStatistics):
        basis = glm_basis(model)
    else:
        raise ArgumentError(
            f"emmeans needs a fitted rglm model (or an object with an emm_basis() method), "
            f"got {type(model).__name__}"
        )
    if vcov is not None:
        names = list(getattr(model, "param_names", [str(i) for i in range(basis.coef.size)]))
        basis = basis.with_vcov(vcov, names)
    return basis


@dataclass(frozen=True)
class RefGrid:
    """The reference grid.

    Attributes
    ----------
    levels : dict
        Grid variable -> its values, in grid order (the first varies fastest).
    grid : DataFrame
        One row per combination.
    linfct : array (rows, p)
        The design matrix at the grid rows.
    offset : array (rows,)
        The offset at each row (0 without one).
    wgt : array (rows,)
        Observations in each row's cell of the factor-like variables.
    """

    levels: dict[str, list[Any]]
    grid: pd.DataFrame
    linfct: FloatArray
    offset: FloatArray
    wgt: FloatArray


def expand_grid(levels: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """R's ``expand.grid``: every combination, the first variable varying fastest."""
    names = list(levels)
    if not names:
        # One point with no variables (R: a model with only an intercept).
        empty: pd.DataFrame = pd.DataFrame(index=pd.RangeIndex(1))
        return empty
    combos = list(itertools.product(*[list(levels[n]) for n in reversed(names)]))
    cols = {n: [c[len(names) - 1 - i] for c in combos] for i, n in enumerate(names)}
    out: pd.DataFrame = pd.DataFrame(cols, columns=names)
    return out


def _numeric_levels(x: pd.Series, at: Any) -> tuple[list[Any], bool]:
    """A numeric covariate's grid values and whether it is kept as levels (cov.keep)."""
    if at is not None:
        return [float(v) for v in np.atleast_1d(np.asarray(at, dtype=np.float64))], False
    vals = np.asarray(x, dtype=np.float64)
    uniq = np.unique(vals)
    if uniq.size <= 2:
        return [float(v) for v in uniq], True
    return [float(np.mean(vals))], False


def _grid_frame(
    basis: EMMBasis, grid: pd.DataFrame, shift: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The grid's predictor columns with the data's dtypes (categoricals, booleans)."""
    out: dict[str, Any] = {}
    for name in basis.predictors:
        col = grid[name]
        src = basis.data[name]
        if isinstance(src.dtype, pd.CategoricalDtype):
            out[name] = pd.Categorical(list(col), categories=src.cat.categories)
        elif pd.api.types.is_bool_dtype(src.dtype):
            out[name] = col.astype(bool)
        elif pd.api.types.is_numeric_dtype(src.dtype) and name not in basis.factor_levels:
            vals = col.astype(np.float64)
            if shift and name in shift:
                vals = vals + shift[name]
            out[name] = vals
        else:
            out[name] = col
    frame: pd.DataFrame = pd.DataFrame(out)
    return frame


def ref_grid(basis: EMMBasis, at: Mapping[str, Any] | None = None) -> tuple[RefGrid, list[str]]:
    """The reference grid of ``basis`` (emmeans' ``ref_grid``), and the names of the
    factor-like variables (those whose cells count observations)."""
    at = dict(at or {})
    levels: dict[str, list[Any]] = {}
    factor_like: list[str] = []
    for name in basis.predictors:
        x = basis.data[name]
        given = at.get(name)
        if name in basis.factor_levels:
            levels[name] = (
                list(np.atleast_1d(given)) if given is not None else list(basis.factor_levels[name])
            )
            factor_like.append(name)
        elif pd.api.types.is_bool_dtype(x.dtype) or not pd.api.types.is_numeric_dtype(x.dtype):
            uniq = sorted(pd.unique(x.dropna()).tolist())
            levels[name] = list(np.atleast_1d(given)) if given is not None else uniq
            factor_like.append(name)
        else:
            vals, keep = _numeric_levels(x, given)
            levels[name] = vals
            if keep:
                factor_like.append(name)
    if basis.offset is not None:
        vals, keep = _numeric_levels(pd.Series(basis.offset), at.get(OFFSET))
        levels[OFFSET] = vals
        if keep:
            factor_like.append(OFFSET)
    grid = expand_grid(levels)
    linfct = basis.design(_grid_frame(basis, grid)) if len(basis.predictors) else np.ones((len(grid), 1))
    offset = grid[OFFSET].to_numpy(dtype=np.float64) if OFFSET in grid else np.zeros(len(grid))
    wgt = _cell_counts(basis, grid, factor_like)
    return RefGrid(levels, grid, np.asarray(linfct, dtype=np.float64), offset, wgt), factor_like


def _cell_counts(basis: EMMBasis, grid: pd.DataFrame, names: list[str]) -> FloatArray:
    if not names:
        return np.ones(len(grid))
    data = basis.data.copy()
    if OFFSET in names and basis.offset is not None:
        data[OFFSET] = basis.offset

    def key(values: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else v
            for v in values
        )

    counts = Counter(key(r) for r in data[names].itertuples(index=False, name=None))
    return np.array(
        [counts.get(key(r), 0) for r in grid[names].itertuples(index=False, name=None)], dtype=float
    )


def trend_linfct(basis: EMMBasis, rg: RefGrid, var: str) -> FloatArray:
    """emmeans' ``emtrends`` finite difference: :math:`(X(x + h) - X(x)) / h` at each grid
    row, with :math:`h = 0.001\\,(\\max x - \\min x)` over the data."""
    if var not in basis.predictors or var in basis.factor_levels:
        raise ArgumentError(f"emtrends needs a numeric predictor of the model; {var!r} is not one")
    x = np.asarray(basis.data[var], dtype=np.float64)
    h = 0.001 * float(np.max(x) - np.min(x))
    if h == 0:
        raise DataError(f"variable {var!r} is constant, so it has no trend")
    base = basis.design(_grid_frame(basis, rg.grid))
    moved = basis.design(_grid_frame(basis, rg.grid, {var: h}))
    out: FloatArray = (np.asarray(moved) - np.asarray(base)) / h
    return out
