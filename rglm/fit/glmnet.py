"""glmnet's regularization path on arrays (R's glmnet 4.1-6).

The objective at each :math:`\\lambda` is glmnet's

.. math::

    \\frac{1}{2\\sum_i w_i} \\sum_i w_i\\, d(y_i, \\mu_i)
    + \\lambda \\sum_j v_j \\Big(\\alpha|\\beta_j| + \\frac{1-\\alpha}{2}\\beta_j^2\\Big),

with :math:`d` the family's unit deviance, the penalty on the *standardized* coefficients
(columns centred, when there is an intercept, and scaled by their weighted standard
deviation with divisor :math:`\\sum w`), and the penalty factors normalised to sum to the
number of columns, :math:`v = p\\,v / \\sum v`.  For glmnet's built-in Gaussian solver the
response is also scaled by its weighted standard deviation :math:`s_y`, which leaves the
lasso part unchanged but divides the ridge part by :math:`s_y`.

The steps, each a function below:

1. :func:`standardization`: the weighted means and 1/N standard deviations of the columns;
2. :func:`null_fit`: the intercept-only (or offset-only) model, giving the null deviance;
3. the fit at :math:`\\lambda = \\infty` (only unpenalized columns move) and the gradient there,
   whose largest entry gives :math:`\\lambda_{\\max}` (:func:`lambda_sequence`);
4. for each :math:`\\lambda`, warm-started from the previous one, :func:`fit_lambda`: IRLS
   (Newton for the canonical links, Fisher scoring otherwise) on the working set, each
   quadratic solved by coordinate descent (:mod:`rglm.fit.glmnet_cd`), the working set grown
   by the sequential strong rule and checked against every column's optimality condition;
5. glmnet's rules for stopping the path early (:func:`path_should_stop`).

The design is an :class:`rglm.numerics.design.Design` whose first column is ones; only
its moments :math:`D^T V D`, :math:`D^T V z` and products :math:`D\\beta`, :math:`D^T u` are used,
so a split design (numeric block plus factor codes) is never expanded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rglm.families.family import Family
from rglm.fit.glmnet_cd import solve_quadratic
from rglm.fit.glmnet_rules import BIG, FDEV, MNLAM, PMIN, lambda_sequence, path_should_stop, solver_kind
from rglm.fit.passes import single_threaded_blas
from rglm.numerics.design import DenseDesign, Design
from rglm.numerics.rmath import fast_kernels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["GlmnetFit", "GlmnetSettings", "glmnet_path", "solver_kind"]


@dataclass(frozen=True)
class GlmnetSettings:
    """The options of a path (validated by the caller)."""

    alpha: float = 1.0
    lambdas: FloatArray | None = None
    nlambda: int = 100
    lambda_min_ratio: float | None = None
    standardize: bool = True
    intercept: bool = True
    penalty_factor: FloatArray | None = None
    lower: FloatArray | None = None
    upper: FloatArray | None = None
    thresh: float = 1e-7
    max_iter: int = 100_000


@dataclass(frozen=True)
class GlmnetFit:
    """A fitted path on the original scale of the columns.

    Attributes
    ----------
    lambda_ : the lambdas, decreasing (R's ``fit$lambda``)
    a0 : intercepts, shape (K,)
    beta : coefficients, shape (p, K)
    dev_ratio : :math:`1 - D/D_0` at each lambda
    nulldev : :math:`D_0`
    df : nonzero coefficients at each lambda
    npasses : coordinate-descent sweeps over the path
    """

    lambda_: FloatArray
    a0: FloatArray
    beta: FloatArray
    dev_ratio: FloatArray
    nulldev: float
    df: IntArray
    npasses: int


@dataclass
class _Problem:
    """Everything fixed along the path: data, standardization and penalty."""

    D: Design
    y: FloatArray
    w: FloatArray  # prior weights normalised to sum 1
    offset: FloatArray
    family: Family
    kind: str
    xm: FloatArray  # the column means subtracted (0 without an intercept)
    xs: FloatArray  # the scales divided by
    shift: FloatArray  # what is subtracted from D's columns to get the standardized ones
    vp: FloatArray
    lo: FloatArray
    hi: FloatArray
    usable: npt.NDArray[np.bool_]
    alpha: float
    l2_scale: float
    intercept: bool
    thr: float
    max_iter: int

    @property
    def p(self) -> int:
        return self.xs.size

    def sub_design(self, cols: IntArray) -> Design:
        """The design of the intercept and ``cols``, kept while the working set stays the same
        (a split design's numeric block is copied for a subset of its columns)."""
        if cols.size == self.p:
            return self.D
        key = cols.tobytes()
        cached = self.__dict__.get("_sub")
        if cached is not None and cached[0] == key:
            design: Design = cached[1]
            return design
        design = self.D.columns(np.concatenate([[0], cols + 1]).astype(np.intp))
        self.__dict__["_sub"] = (key, design)
        return design

    def transform(self, cols: IntArray) -> FloatArray:
        """:math:`T` with :math:`\\tilde D = D T` for the intercept and the columns ``cols``."""
        T = np.zeros((cols.size + 1, cols.size + 1))
        T[0, 0] = 1.0
        T[0, 1:] = -self.shift[cols] / self.xs[cols]
        T[np.arange(1, cols.size + 1), np.arange(1, cols.size + 1)] = 1.0 / self.xs[cols]
        return T

    def eta(self, b0: float, beta: FloatArray) -> FloatArray:
        """The linear predictor for standardized coefficients ``beta``."""
        coef = np.concatenate([[b0 - float(np.sum(self.shift * beta / self.xs))], beta / self.xs])
        if not np.any(coef[1:]):
            flat: FloatArray = self.offset + coef[0]
            return flat
        eta: FloatArray = self.D.matvec(coef, exact=False) + self.offset
        return eta

    def mean(self, eta: FloatArray) -> FloatArray:
        mu: FloatArray = self.family.link.inverse(eta)
        return mu

    def deviance(self, mu: FloatArray) -> float:
        """:math:`\\sum_i w_i d(y_i, \\mu_i)` with the normalised weights; for the built-in
        Poisson and binomial from the saturated log-likelihood, worked out once."""
        if self.kind == "gaussian":
            return float(self.w @ (self.y - mu) ** 2)
        sat = self.__dict__.get("_saturated")
        if self.kind == "poisson":
            if sat is None:
                sat = self.__dict__["_saturated"] = float(self.w @ _xlogx(self.y))
            return 2 * (sat - float(self.w @ (self.y * np.log(mu) - mu + self.y)))
        if self.kind == "binomial":  # glmnet's lognet bounds the probabilities by pmin
            if sat is None:
                sat = self.__dict__["_saturated"] = float(self.w @ (_xlogx(self.y) + _xlogx(1 - self.y)))
            m = np.clip(mu, PMIN, 1 - PMIN)
            return 2 * (sat - float(self.w @ (self.y * np.log(m) + (1 - self.y) * np.log1p(-m))))
        return float(np.sum(self.family.dev_resids(self.y, mu, self.w)))

    def score(self, eta: FloatArray, mu: FloatArray) -> FloatArray:
        """:math:`u_i = w_i (y_i - \\mu_i)\\,\\mu'_i / V(\\mu_i)`, the score per row."""
        if self.kind != "path":
            return self.w * (self.y - mu)
        me = self.family.link.mu_eta(eta)
        return self.w * (self.y - mu) * me / self.family.variance(mu)

    def gradient(self, eta: FloatArray, mu: FloatArray) -> FloatArray:
        """:math:`\\tilde X^T u` for every standardized column (the lasso's correlations)."""
        u = self.score(eta, mu)
        g = self.D.rmatvec(u)
        out: FloatArray = (g[1:] - self.shift * g[0]) / self.xs
        return out

    def penalty(self, beta: FloatArray, lam: float) -> float:
        a = self.alpha
        return lam * float(np.sum(self.vp * (a * np.abs(beta) + (1 - a) / 2 * self.l2_scale * beta**2)))


def _xlogx(x: FloatArray) -> FloatArray:
    """:math:`x\\log x` with :math:`0 \\log 0 = 0`."""
    out: FloatArray = np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)
    return out


def standardization(
    D: Design, w: FloatArray, intercept: bool, standardize: bool
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Column means :math:`\\bar x_j = \\sum w_i x_{ij}` and 1/N standard deviations
    :math:`s_j = (\\sum w_i (x_{ij} - \\bar x_j)^2)^{1/2}` (weights summing to 1), and which
    columns vary.  glmnet scales by :math:`s_j` with or without an intercept; it centres only
    with one.  Returns (means subtracted, scales, varies)."""
    p = D.shape[1] - 1
    if isinstance(D, DenseDesign):
        X = D.rows()[:, 1:]
        m = w @ X
        var = w @ (X - m) ** 2
        varies = np.array([np.any(X[:, j] != X[0, j]) for j in range(p)], dtype=bool)
    else:
        G = D.gram(w)
        m = G[0, 1:].copy()
        var = np.maximum(np.diag(G)[1:] - m**2, 0.0)
        varies = var > 10 * np.finfo(float).eps * np.maximum(np.diag(G)[1:], 1.0)
    xs = np.sqrt(var) if standardize else np.ones(p)
    xs = np.where(varies & (xs > 0), xs, 1.0)
    xm = m if intercept else np.zeros(p)
    return xm, xs, varies


def _irls_weights(pb: _Problem, eta: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Working weights :math:`v = w\\mu'^2/V` and responses :math:`z = \\eta - o + (y-\\mu)/\\mu'`."""
    if pb.kind == "gaussian":
        return pb.w, pb.y - pb.offset
    if pb.kind == "binomial":
        v = pb.w * mu * (1 - mu)
        return v, eta - pb.offset + (pb.y - mu) / np.where(v > 0, mu * (1 - mu), 1.0)
    if pb.kind == "poisson":
        return pb.w * mu, eta - pb.offset + (pb.y - mu) / mu
    return _newton_weights(pb, eta, mu)


def _newton_weights(pb: _Problem, eta: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weights and responses of a Newton step for a non-canonical link.

    glmnet.fit scores with the expected information :math:`w\\mu'^2/V`, which converges only
    linearly.  The observed information
    :math:`W = w[\\mu'^2/V - (y-\\mu)\\,\\partial_\\eta(\\mu'/V)]` (the derivative by a central
    difference) converges quadratically; rows where it is not safely positive keep the
    expected one.  With :math:`z = \\eta - o + u/W`, :math:`u = w(y-\\mu)\\mu'/V`, the quadratic's
    gradient is the objective's whatever :math:`W` is, so the optimum is the same."""
    fam = pb.family
    me = fam.link.mu_eta(eta)
    fisher = pb.w * me**2 / fam.variance(mu)
    u = pb.w * (pb.y - mu) * me / fam.variance(mu)
    h = 1e-5 * np.maximum(1.0, np.abs(eta))
    with np.errstate(all="ignore"):
        up, dn = eta + h, eta - h
        ratio_up = fam.link.mu_eta(up) / fam.variance(fam.link.inverse(up))
        ratio_dn = fam.link.mu_eta(dn) / fam.variance(fam.link.inverse(dn))
        observed = fisher - pb.w * (pb.y - mu) * (ratio_up - ratio_dn) / (2 * h)
    ok = np.isfinite(observed) & (observed > 0.1 * fisher)
    W = np.where(ok, observed, fisher)
    return W, eta - pb.offset + np.where(W > 0, u / np.where(W > 0, W, 1.0), 0.0)


def _quadratic(
    pb: _Problem, cols: IntArray, v: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The working least-squares problem on ``cols``: :math:`\\tilde G = T^T D^T V D T`,
    :math:`\\tilde r = T^T D^T V z`, then (with an intercept) the intercept eliminated:
    :math:`H = \\tilde G_{11} - \\tilde G_{10}\\tilde G_{01}/\\tilde G_{00}`,
    :math:`c = \\tilde r_1 - \\tilde G_{10}\\tilde r_0/\\tilde G_{00}`.
    Returns H, c and the pieces that recover the intercept: :math:`\\tilde G_{0\\cdot}` and
    :math:`\\tilde r_0`."""
    sub = pb.sub_design(cols)
    G, r = sub.normal_equations(v, z)
    T = pb.transform(cols)
    Gt, rt = T.T @ G @ T, T.T @ r
    if not pb.intercept:
        return Gt[1:, 1:], rt[1:], Gt[0], rt[:1]
    g0 = Gt[0]
    H = Gt[1:, 1:] - np.outer(g0[1:], g0[1:]) / g0[0]
    c = rt[1:] - g0[1:] * rt[0] / g0[0]
    return H, c, g0, rt[:1]


@dataclass
class _State:
    b0: float
    beta: FloatArray
    eta: FloatArray
    mu: FloatArray
    sweeps: int = 0


def _reusable(pb: _Problem, cols: IntArray) -> tuple[FloatArray, ...] | None:
    """The last converged IRLS quadratic restricted to ``cols``, when it covers them.

    It was formed at the point before the last (negligible) step, so it serves as the first
    Newton step at the next lambda; a fresh quadratic always confirms convergence."""
    last = pb.__dict__.pop("_last_q", None)
    if last is None or cols.size == 0:
        return None
    lcols, H, c, g0, r0 = last
    pos = np.searchsorted(lcols, cols)
    if np.any(pos >= lcols.size) or np.any(lcols[np.minimum(pos, lcols.size - 1)] != cols):
        return None
    return H[np.ix_(pos, pos)], c[pos], np.concatenate([g0[:1], g0[1:][pos]]), r0


def _solve_on(
    pb: _Problem, st: _State, cols: IntArray, lam: float, gaussian_q: tuple[FloatArray, ...] | None
) -> _State:
    """IRLS on the columns ``cols`` at ``lam`` from ``st`` (all other columns stay 0)."""
    a = pb.alpha
    l1 = lam * a * pb.vp[cols]
    l2 = lam * (1 - a) * pb.vp[cols] * pb.l2_scale
    lo, hi = pb.lo[cols], pb.hi[cols]
    obj_old = pb.deviance(st.mu) / 2 + pb.penalty(st.beta, lam)
    canonical = pb.kind != "path"
    stale = None if gaussian_q is not None else _reusable(pb, cols)
    for it in range(100 if pb.kind != "gaussian" else 1):
        if gaussian_q is not None:
            H, c, g0, r0 = gaussian_q
            H, c, g0 = H[np.ix_(cols, cols)], c[cols], np.concatenate([g0[:1], g0[1:][cols]])
        elif it == 0 and stale is not None:
            H, c, g0, r0 = stale
        else:
            v, z = _irls_weights(pb, st.eta, st.mu)
            H, c, g0, r0 = _quadratic(pb, cols, v, z)
        old = st.beta[cols]
        new, sweeps = solve_quadratic(H, c, old, l1, l2, lo, hi, pb.thr, pb.max_iter)
        st.sweeps += sweeps
        b0 = float((r0[0] - g0[1:] @ new) / g0[0]) if pb.intercept else 0.0
        beta = st.beta.copy()
        beta[cols] = new
        eta = pb.eta(b0, beta)
        mu = pb.mean(eta)
        if pb.kind == "gaussian":  # one exact step: the quadratic is the objective itself
            if gaussian_q is None:
                pb.__dict__["_last_q"] = (cols, H, c, g0, r0)
            return _State(b0, beta, eta, mu, st.sweeps)
        obj = pb.deviance(mu) / 2 + pb.penalty(beta, lam)
        halvings = 0
        # a step that leaves the family's range or raises the objective is halved (glmnet.fit's rule)
        while (
            not np.all(np.isfinite(mu))
            or not pb.family.valid_mu(mu)
            or not math.isfinite(obj)
            or obj > obj_old + 1e-12 * abs(obj_old)
        ) and halvings < 30:
            halvings += 1
            b0 = (b0 + st.b0) / 2
            beta = (beta + st.beta) / 2
            eta = pb.eta(b0, beta)
            mu = pb.mean(eta)
            obj = pb.deviance(mu) / 2 + pb.penalty(beta, lam)
        d = beta[cols] - old
        dlx = max(float(np.max(np.diag(H) * d * d, initial=0.0)), float(g0[0]) * (b0 - st.b0) ** 2)
        st = _State(b0, beta, eta, mu, st.sweeps)
        obj_old = obj
        converged = dlx < pb.thr * (1.0 if canonical else 1e-2)
        if converged and not (it == 0 and stale is not None):
            pb.__dict__["_last_q"] = (cols, H, c, g0, r0)
            break
        if halvings == 30:
            break
    return st


def fit_lambda(
    pb: _Problem, st: _State, lam: float, strong: IntArray, gq: tuple[FloatArray, ...] | None
) -> tuple[_State, FloatArray]:
    """The optimum at ``lam``: solve on the working set, add the columns whose optimality
    condition fails (:math:`|\\tilde x_j^T u| > \\lambda\\alpha v_j`), and repeat."""
    cols = strong
    while True:
        st = _solve_on(pb, st, cols, lam, gq)
        g = pb.gradient(st.eta, st.mu)
        lim = lam * pb.alpha * pb.vp * (1 + 1e-9)
        out = np.ones(pb.p, dtype=bool)
        out[cols] = False
        bad = out & pb.usable & (((g > lim) & (pb.hi > 0)) | ((g < -lim) & (pb.lo < 0)))
        if not np.any(bad):
            return st, g
        cols = np.union1d(cols, np.flatnonzero(bad)).astype(np.intp)


def null_fit(pb: _Problem, w_raw: FloatArray) -> tuple[float, FloatArray]:
    """The intercept-only model (R's null model of glmnet): the weighted mean without an
    offset, the intercept-only GLM with one, :math:`g^{-1}(o)` without an intercept.
    Returns (intercept on the link scale, fitted means)."""
    if not pb.intercept:
        return 0.0, pb.mean(pb.offset)
    ybar = float(np.sum(pb.w * pb.y))
    if not np.any(pb.offset != 0):
        return float(pb.family.link.link(np.array([ybar]))[0]), np.full(pb.y.size, ybar)
    b0 = float(pb.family.link.link(np.array([ybar]))[0]) - float(np.sum(pb.w * pb.offset))
    for _ in range(100):
        eta = pb.offset + b0
        mu = pb.mean(eta)
        me = pb.family.link.mu_eta(eta)
        v = pb.w * me**2 / pb.family.variance(mu)
        step = float(np.sum(pb.w * (pb.y - mu) * me / pb.family.variance(mu)) / np.sum(v))
        b0 += step
        if abs(step) < 1e-15 * max(1.0, abs(b0)):
            break
    return b0, pb.mean(pb.offset + b0)


def _problem(
    D: Design,
    y: FloatArray,
    weights: FloatArray,
    offset: FloatArray,
    family: Family,
    settings: GlmnetSettings,
) -> _Problem:
    kind = solver_kind(family)
    p = D.shape[1] - 1
    w = weights / np.sum(weights)
    xm, xs, varies = standardization(D, w, settings.intercept, settings.standardize)
    pf = np.ones(p) if settings.penalty_factor is None else np.asarray(settings.penalty_factor, dtype=float)
    usable = varies & np.isfinite(pf)
    # glmnet.path gives excluded columns factor 1 before normalising; the built-in solvers
    # only the infinite ones
    pf = np.where(usable, pf, 1.0) if kind == "path" else np.where(np.isfinite(pf), pf, 1.0)
    vp = np.maximum(pf, 0.0)
    vp = vp * p / np.sum(vp)
    lo = np.full(p, -BIG) if settings.lower is None else np.maximum(np.asarray(settings.lower, float), -BIG)
    hi = np.full(p, BIG) if settings.upper is None else np.minimum(np.asarray(settings.upper, float), BIG)
    lo, hi = lo * xs, hi * xs
    lo = np.where(usable, lo, 0.0)
    hi = np.where(usable, hi, 0.0)
    if isinstance(D, DenseDesign) and (settings.intercept or settings.standardize):
        # standardize a dense design once: better conditioned moments, and no shift later
        X = D.rows().copy()  # the caller's design stays as it is
        X[:, 1:] = (X[:, 1:] - xm) / xs
        D = DenseDesign(X)
        shift, scale = np.zeros(p), np.ones(p)
    else:
        shift, scale = xm, xs
    yc = y - offset if kind == "gaussian" else y
    ys = 1.0
    if kind == "gaussian":
        ybar = float(np.sum(w * yc)) if settings.intercept else 0.0
        ys = math.sqrt(float(np.sum(w * (yc - ybar) ** 2)))
    pb = _Problem(
        D,
        y,
        w,
        offset,
        family,
        kind,
        xm,
        scale,
        shift,
        vp,
        lo,
        hi,
        usable,
        settings.alpha,
        1.0 / ys if kind == "gaussian" else 1.0,
        settings.intercept,
        settings.thresh,
        settings.max_iter,
    )
    pb.__dict__["orig_xs"] = xs
    return pb


def glmnet_path(
    D: Design,
    y: FloatArray,
    weights: FloatArray,
    offset: FloatArray,
    family: Family,
    settings: GlmnetSettings,
) -> GlmnetFit:
    """glmnet's path for the columns 1.. of ``D`` (column 0 is ones), response ``y`` (a
    vector: proportions with trials in ``weights`` for the binomial), prior ``weights`` and
    ``offset``.  See the module docstring for the steps.

    The products are many small ones (row blocks of the design, the working set's Gram
    matrix), which BLAS threads slow down rather than speed up, so BLAS runs on one thread
    here (when threadpoolctl is installed); NumPy's vectorized exp and log are used
    throughout (glmnet's digits are not R's ``glm.fit``'s, so R's slow elementwise path buys
    nothing)."""
    with fast_kernels(), single_threaded_blas():
        return _path(D, y, weights, offset, family, settings)


def _path(
    D: Design,
    y: FloatArray,
    weights: FloatArray,
    offset: FloatArray,
    family: Family,
    settings: GlmnetSettings,
) -> GlmnetFit:
    pb = _problem(D, y, weights, offset, family, settings)
    n, p = y.size, pb.p
    nulldev_scale = float(np.sum(weights))
    b0, mu0 = null_fit(pb, weights)
    nulldev = float(np.sum(family.dev_resids(y, mu0, weights)))
    pb.thr = settings.thresh * max(nulldev / nulldev_scale, 1e-300)
    eta0 = pb.offset + b0 if pb.intercept else pb.offset.copy()
    st = _State(b0, np.zeros(p), eta0, mu0)
    gq = None
    if pb.kind == "gaussian" and p <= 500:
        # glmnet's "covariance" mode: the Gram matrix of all columns once (with many columns,
        # its "naive" mode: the working set's only, as for the other families)
        H, c, g0, r0 = _quadratic(pb, np.arange(p), pb.w, pb.y - pb.offset)
        gq = (H, c, g0, r0)
    free = np.flatnonzero(pb.usable & (pb.vp == 0)).astype(np.intp)
    if free.size:  # lambda = infinity: only the unpenalized columns move
        st = _solve_on(pb, st, free, 0.0, gq)
    g = pb.gradient(st.eta, st.mu)
    pen = pb.usable & (pb.vp > 0)
    lam_max = float(np.max(np.abs(g[pen]) / pb.vp[pen])) / max(settings.alpha, 1e-3) if np.any(pen) else 0.0
    lams, user = lambda_sequence(
        pb.kind, p, lam_max, settings.lambdas, settings.nlambda, settings.lambda_min_ratio, n
    )
    mnl = min(MNLAM, lams.size)
    # a bound at zero switches glmnet's fdev rule off
    zero_bound = any(b is not None and np.any(np.asarray(b) == 0) for b in (settings.lower, settings.upper))
    fdev = 0.0 if zero_bound else FDEV
    a0s, betas, devs = [], [], []
    lam_prev = lam_max
    for k, lam in enumerate(lams):
        if k == 0 and not user:
            pass  # the fit at lambda = infinity: only unpenalized columns, done above
        else:
            thr_strong = settings.alpha * pb.vp * (2 * lam - lam_prev)
            strong = np.flatnonzero(pb.usable & ((st.beta != 0) | (pb.vp == 0) | (np.abs(g) >= thr_strong)))
            st, g = fit_lambda(pb, st, float(lam), strong.astype(np.intp), gq)
        lam_prev = float(lam)
        dev = pb.deviance(st.mu) * nulldev_scale
        devs.append(1 - dev / nulldev)
        betas.append(st.beta.copy())
        a0s.append(st.b0)
        if not user and (
            path_should_stop(pb.kind, family, devs, k, mnl, fdev)
            or (pb.kind == "binomial" and _too_small(pb, st.mu))
        ):
            break
    K = len(betas)
    xs = pb.__dict__["orig_xs"]
    beta = np.column_stack(betas) / xs[:, None]
    xm = pb.xm
    a0 = np.array(a0s) - (xm @ beta if pb.intercept else 0.0)
    if not pb.intercept:
        a0 = np.zeros(K)
    df = np.sum(beta != 0, axis=0).astype(np.intp)
    return GlmnetFit(lams[:K].copy(), a0, beta, np.array(devs), nulldev, df, st.sweeps)


def _too_small(pb: _Problem, mu: FloatArray) -> bool:
    """lognet's stop when the total IRLS weight :math:`\\sum w\\mu(1-\\mu)` is negligible."""
    vmin = (1 + PMIN) * PMIN * (1 - PMIN)
    return float(np.sum(pb.w * mu * (1 - mu))) <= vmin
