"""Profile-likelihood confidence intervals for GLM coefficients, as R's ``confint.glm``.

R's ``confint(glm)`` (MASS's ``profile.glm`` and ``confint.profile.glm``; in ``stats`` from
R 4.4) inverts the signed root of the scaled deviance difference.  For coefficient
:math:`j` held at the value :math:`b`, the other coefficients are refitted (column
:math:`j` leaves the design and :math:`b\\,x_j` joins the offset), giving the deviance
:math:`D(b)`, and

.. math::

    z(b) = \\mathrm{sign}(b - \\hat\\beta_j)\\,\\sqrt{\\frac{D(b) - \\hat D}{\\hat\\phi}},

with :math:`\\hat D` the model's deviance and :math:`\\hat\\phi` its ``summary`` dispersion
(1 for the binomial, Poisson and negative binomial families).  The interval is
:math:`\\{b : z_{\\alpha/2} \\le z(b) \\le z_{1-\\alpha/2}\\}` with the *normal* quantiles
:math:`z_p = \\Phi^{-1}(p)`, for every family: MASS's ``confint.profile.glm`` uses
``qnorm`` even when the dispersion is estimated (the F quantile of ``profile.glm`` only
sets how far its grid reaches).

R evaluates :math:`z` on a grid of steps of about half a standard error and reads the ends
off an interpolating spline, which carries an error of order :math:`10^{-3}` relative.
Here each end is a root of :math:`|z(b)| - z_{1-\\alpha/2}`: bracketed by stepping out from
:math:`\\hat\\beta_j` in multiples of the standard error, then located by Brent's method
(:func:`scipy.optimize.brentq`), each refit warm-started from the nearest one already done.
The refits use a convergence tolerance of at most :math:`10^{-10}` (R's profile uses the
model's), so the ends are those of the exact profile to about :math:`10^{-8}` relative;
they agree with R's spline readings to R's interpolation error (at most
:math:`9 \\times 10^{-4}` relative on the test cases, usually :math:`10^{-4}`).

Far from the estimate a warm start can send IRLS astray (fitted probabilities clamped at 0
or 1, steps that overshoot).  Because :math:`D(b)` is a minimum over the other coefficients,
any fit is an upper bound on it: a refit that warned is compared with one from R's default
starting values and the lower deviance kept, and a refit ending worse than its own starting
values is retried from a refit halfway to it.

Where the profile never reaches the cutoff, R gives ``NA`` (or, on separated data, a
meaningless reading off its grid); here that end is :math:`\\pm\\infty` and a
:class:`rglm.ProfileWarning` names the coefficient and side.  On separated binomial data the
directions of the infinite estimates are known (:mod:`rglm.inference.separation`), so those ends are
set directly; elsewhere (e.g. a Poisson level with no events) the search finds that the
profile has levelled off.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special

from rglm.exceptions import (
    ArgumentError,
    ConvergenceWarning,
    DispersionWarning,
    FitError,
    ProfileWarning,
    RGLMWarning,
    collect_warnings,
    warn,
)
from rglm.fit.irls import IRLSControl, IRLSFit
from rglm.inference.refit import refit
from rglm.inference.separation import checked_separation
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["profile_conf_int", "profile_z"]

#: Convergence tolerance of the refits (or the model's, if tighter): the root finder needs
#: D(b) smooth in b, and R's default 1e-8 leaves noise of that order in D.
_REFIT_TOL = 1e-10
#: How many times the search may step outward before calling the profile unbounded.
_MAX_EXPANSIONS = 60
#: A profile whose |z| grows by less than this over one outward step has levelled off.
_FLAT = 1e-7
#: Refits allowed in approaching one value of the coefficient through midpoints.
_MAX_REFITS = 50
#: R's tolerance for a refit that beats the original fit (profile.glm's ``zz > -0.001``).
_BETTER_FIT = 1e-3


class _Profile:
    """The profile of one coefficient: refits with it held fixed, cached and warm-started."""

    def __init__(self, m: GLMStatistics, j: int, control: IRLSControl) -> None:
        self.m = m
        self.j = j
        self.control = control
        design = m.model_frame.design
        self.x_j = design.columns(np.array([j], dtype=np.intp)).rows()[:, 0]
        aliased = m.fit.aliased
        # As profile.glm: the other estimable columns; aliased ones stay out of every refit.
        self.others = np.array([k for k in range(aliased.size) if k != j and not aliased[k]], dtype=np.intp)
        self.design_others = design.columns(self.others) if self.others.size else None
        self.b_hat = float(m.fit.coef[j])
        self.dev_hat = m.deviance
        self.phi = m.scale
        # Refits done so far: b -> (coefficients of the other columns, deviance, converged).
        self.points: dict[float, tuple[FloatArray, float, bool]] = {
            self.b_hat: (m.fit.coef[self.others].copy(), self.dev_hat, True)
        }
        self.budget = 0

    def _deviance_at(self, b: float, coef: FloatArray) -> float:
        """The deviance at ``b`` with the other coefficients at ``coef`` (not refitted): an
        upper bound on :math:`D(b)`, which is the minimum over them."""
        eta = self.m.model_frame.offset + b * self.x_j
        if self.design_others is not None:
            eta = eta + self.design_others.matvec(coef)
        fam, f = self.m.family, self.m.fit
        with np.errstate(all="ignore"):
            mu = fam.link.inverse(eta)
            if not (fam.valid_eta(eta) and fam.valid_mu(mu)):
                return math.inf
            dev = float(np.sum(fam.dev_resids(f.y, mu, f.prior_weights)))
        return dev if math.isfinite(dev) else math.inf

    def _attempt(self, b: float, start: FloatArray | None) -> tuple[IRLSFit | None, bool]:
        """One refit at ``b``; also whether IRLS warned (fitted values on the boundary, no
        convergence, halved steps)."""
        self.budget += 1
        # Collected in this thread only: a process-wide catch_warnings would swallow the
        # warnings of fits running meanwhile in other threads.
        with collect_warnings() as caught:
            try:
                fit: IRLSFit | None = refit(
                    self.m,
                    self.others,
                    offset=self.m.model_frame.offset + b * self.x_j,
                    start=start,
                    control=self.control,
                )
            except FitError:
                fit = None
        if fit is not None and not math.isfinite(fit.deviance):
            fit = None
        return fit, any(issubclass(category, RGLMWarning) for category, _ in caught)

    def _refit(self, b: float, depth: int = 0) -> tuple[FloatArray, float, bool] | None:
        """Refit at ``b``, warm-started from the nearest refit done.

        A refit that warned is compared with one from R's default starting values, and the
        lower deviance kept (:math:`D(b)` is a minimum, so either is an upper bound on it).
        Where every refit ends worse than its starting values (IRLS can overshoot from a
        distant start), the value halfway from the nearest refit is fitted first.
        """
        if b in self.points:
            return self.points[b]
        near = min(self.points, key=lambda v: abs(v - b))
        start = self.points[near][0]
        bound = self._deviance_at(b, start) + 1e-8 * (abs(self.dev_hat) + 1)
        best: IRLSFit | None = None
        fit, warned = self._attempt(b, start if self.others.size else None)
        if fit is not None and fit.deviance <= bound:
            best = fit
        if (best is None or warned) and self.others.size:
            fit, _ = self._attempt(b, None)
            if fit is not None and fit.deviance <= bound and (best is None or fit.deviance < best.deviance):
                best = fit
        if best is not None:
            point = (np.where(np.isnan(best.coef), 0.0, best.coef), best.deviance, best.converged)
            self.points[b] = point
            return point
        if (
            depth < 40
            and self.budget < _MAX_REFITS
            and abs(b - near) > 1e-10 * (abs(b) + 1)
            and self._refit(near + (b - near) / 2, depth + 1) is not None
        ):
            return self._refit(b, depth + 1)
        if math.isfinite(bound):
            # No refit beats the starting values: keep those (D(b) is at most their deviance).
            point = (start.copy(), self._deviance_at(b, start), False)
            self.points[b] = point
            return point
        return None

    def z(self, b: float) -> float:
        """The signed root :math:`z(b)`; ``nan`` when the constrained model cannot be fitted."""
        if b == self.b_hat:
            return 0.0
        self.budget = 0
        point = self._refit(b)
        if point is None:
            return math.nan
        diff = (point[1] - self.dev_hat) / self.phi
        if diff < -_BETTER_FIT:
            name = self.m.exog_names[self.j]
            raise FitError(
                f"profiling {name!r} found a better fit than the model's (deviance {point[1]:.10g} < "
                f"{self.dev_hat:.10g} at {name} = {b:.6g}), so the model had not converged; refit it "
                "with a smaller tol or a larger max_iter"
            )
        return math.copysign(math.sqrt(max(diff, 0.0)), b - self.b_hat)

    def converged_near(self, b: float) -> bool:
        """Whether the refit nearest to ``b`` (the one that settled the end) converged."""
        if not math.isfinite(b):
            return True
        return self.points[min(self.points, key=lambda v: abs(v - b))][2]

    def end(self, sign: int, q: float, se: float) -> float:
        """The interval end on side ``sign`` (-1 lower, +1 upper): where :math:`|z| = q`.

        Steps out from the estimate, first to the Wald end :math:`\\hat\\beta \\pm q\\,
        \\mathrm{se}`, then by linear extrapolation of :math:`z` to the cutoff, until
        :math:`|z| \\ge q`; a step that overshoots far is pulled back, so the bracket handed to
        Brent's method is tight.  A profile that stops rising before the cutoff gives an
        infinite end.
        """
        name = self.m.exog_names[self.j]
        side = "lower" if sign < 0 else "upper"

        def gap(d: float) -> float:
            z = abs(self.z(self.b_hat + sign * d))
            if math.isnan(z):
                raise _NoFit(d)
            # Far beyond the cutoff z can be astronomically large; capping it keeps Brent's
            # interpolation steps sensible without moving the root.
            return min(z, 4 * q) - q

        inner, inner_z, outer = 0.0, 0.0, math.inf
        no_fit = math.inf  # nearest distance known to have no fit
        d = q * se  # the Wald end: usually within a few percent of the root
        try:
            for _ in range(_MAX_EXPANSIONS):
                z_abs = abs(self.z(self.b_hat + sign * d))
                if math.isnan(z_abs):
                    # No fit out here: the root, if any, lies nearer; look halfway in.
                    no_fit, d = d, inner + (d - inner) / 2
                    if d - inner <= 1e-12 * (abs(self.b_hat) + se):
                        raise _NoFit(no_fit)
                    continue
                if z_abs >= q:
                    outer = d
                    if z_abs <= 4 * q or d - inner <= 1e-3 * se:
                        break
                    # Far past the cutoff: interpolate back towards it (z is about linear in b
                    # near the estimate), at most a factor 16 nearer.
                    d = inner + (d - inner) * max((q - inner_z) / (z_abs - inner_z), 1 / 16)
                    continue
                if math.isfinite(outer):
                    inner = d
                    break
                if z_abs - inner_z < _FLAT and inner > 0:
                    return self._unbounded(name, side, sign, q, z_abs)
                inner, inner_z = d, z_abs
                # Step out by the linear extrapolation to the cutoff, with some margin, at least
                # half again and at most four times as far (and short of where fits failed).
                grow = 1.2 * q / z_abs if z_abs > 0 else 4.0
                d = min(d * min(max(grow, 1.5), 4.0), (d + no_fit) / 2)
                if not math.isfinite(self.b_hat + sign * d):
                    break
            if not math.isfinite(outer):
                if math.isfinite(no_fit):
                    raise _NoFit(no_fit)
                return self._unbounded(name, side, sign, q, inner_z)
            tol = 1e-12 * max(se, abs(self.b_hat))
            d_root = optimize.brentq(gap, inner, outer, xtol=tol, rtol=4 * np.finfo(float).eps, maxiter=200)
        except _NoFit as exc:
            warn(
                f"the model cannot be refitted with {name!r} held at "
                f"{self.b_hat + sign * exc.args[0]:.6g}, so the "
                f"{side} end of its profile interval is NaN",
                ProfileWarning,
            )
            return math.nan
        return self.b_hat + sign * float(d_root)

    def _unbounded(self, name: str, side: str, sign: int, q: float, z_abs: float) -> float:
        warn(
            f"the profile of {name!r} levels off at |z| = {z_abs:.3g} before reaching the {side} cutoff "
            f"{q:.4g} (an infinite estimate or one on the boundary), so the {side} end is "
            f"{'-inf' if sign < 0 else 'inf'}; R's confint gives NA",
            ProfileWarning,
        )
        return -math.inf if sign < 0 else math.inf


class _NoFit(Exception):
    """The constrained model could not be fitted at some value of the coefficient."""


def _infinite_directions(m: GLMStatistics) -> dict[str, tuple[int, ...]]:
    """Coefficient -> the directions in which its estimate is infinite (binomial fits whose
    data are separated; see :mod:`rglm.inference.separation`).  Refits far out along such a direction
    have fitted probabilities of exactly 0 and 1 and cannot be trusted, so those ends are
    not searched for."""
    sep = checked_separation(m)
    if sep is None or not sep.separated:
        return {}
    out: dict[str, tuple[int, ...]] = {}
    for name, d, either in zip(sep.names, sep.directions, sep.either_sign, strict=False):
        if d != 0:
            out[name] = (-1, 1) if either else (int(d),)
    return out


def _control(m: GLMStatistics) -> IRLSControl:
    c = m.control
    return IRLSControl(tol=min(c.tol, _REFIT_TOL), max_iter=max(c.max_iter, 25), trace=False)


def profile_z(m: GLMStatistics, param: Any, values: Any) -> pd.Series:
    """The signed root :math:`z(b)` of the profile of one coefficient at the given values.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    param : str or int
        The coefficient, by name or position.
    values : array_like
        Values :math:`b` at which to hold it.

    Returns
    -------
    Series
        :math:`z(b) = \\mathrm{sign}(b - \\hat\\beta)\\sqrt{(D(b) - \\hat D)/\\hat\\phi}`
        indexed by ``values`` (R's ``profile(fit)[[param]]$z``, or ``$tau`` for families
        with an estimated dispersion).
    """
    (name,) = m.select_params(param)
    j = m.exog_names.index(name)
    if m.fit.aliased[j]:
        raise FitError(f"coefficient {name!r} is aliased (not estimable), so it has no profile")
    prof = _Profile(m, j, _control(m))
    b = np.asarray(values, dtype=np.float64).ravel()
    return pd.Series([prof.z(float(v)) for v in b], index=pd.Index(b, name=name), name="z")


def profile_conf_int(m: GLMStatistics, alpha: float = 0.05, params: Any = None) -> pd.DataFrame:
    """Profile-likelihood confidence intervals, as R's ``confint(fit, level = 1 - alpha)``.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    alpha : float
        One minus the confidence level.
    params : str, int or sequence of them, optional
        Coefficients by name or position; all by default.

    Returns
    -------
    DataFrame
        Columns ``lower`` and ``upper`` indexed by coefficient name: the values :math:`b`
        where :math:`z(b)`, the signed root of :math:`(D(b) - \\hat D)/\\hat\\phi` (see the
        module docstring), equals :math:`\\Phi^{-1}(\\alpha/2)` and
        :math:`\\Phi^{-1}(1-\\alpha/2)`.  Both quantiles are normal whatever the family,
        as in MASS.  Aliased coefficients get NaN; an end the profile never reaches is
        :math:`\\pm\\infty` with a :class:`rglm.ProfileWarning` (R gives NA).

    Notes
    -----
    R reads the ends off a spline through :math:`z` on a grid; here they are roots found by
    bracketing outward from :math:`\\hat\\beta_j` in steps of its standard error and
    refining with :func:`scipy.optimize.brentq`.  The two agree to R's interpolation error,
    about :math:`10^{-3}` relative.
    """
    if not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
    names = m.exog_names if params is None else m.select_params(params)
    q = float(special.ndtri(1 - alpha / 2))
    lower = np.full(len(names), np.nan)
    upper = np.full(len(names), np.nan)
    phi = m.scale
    se_all = m.bse
    control = _control(m)
    if not (math.isfinite(phi) and phi > 0):
        warn(
            f"the dispersion is {phi!r} (no residual degrees of freedom?), so the profile deviance cannot be "
            "scaled and the intervals are NaN",
            DispersionWarning,
        )
        nan_ci: pd.DataFrame = pd.DataFrame({"lower": lower, "upper": upper}, index=pd.Index(names))
        return nan_ci
    position = {n: i for i, n in enumerate(m.exog_names)}
    infinite = _infinite_directions(m)
    for k, name in enumerate(names):
        j = position[name]
        if m.fit.aliased[j]:
            continue  # R: NA for a coefficient that is not estimable
        se = float(se_all.iloc[j])
        if not (math.isfinite(se) and se > 0):
            continue
        prof = _Profile(m, j, control)
        for sign, ends in ((-1, lower), (+1, upper)):
            if sign in infinite.get(name, ()):
                # Separation: along this direction the likelihood rises to its supremum, so
                # the profile never comes back up to the cutoff.
                side = "lower" if sign < 0 else "upper"
                warn(
                    f"the maximum likelihood estimate of {name!r} is {'-' if sign < 0 else '+'}inf "
                    "(the data are "
                    f"separated), so its profile never reaches the {side} cutoff and the {side} end is "
                    f"{'-inf' if sign < 0 else 'inf'}; R's confint gives NA or an unreliable value there",
                    ProfileWarning,
                )
                ends[k] = sign * math.inf
            else:
                ends[k] = prof.end(sign, q, se)
        if not (prof.converged_near(lower[k]) and prof.converged_near(upper[k])):
            warn(
                f"some refits while profiling {name!r} did not converge; its interval may be inaccurate",
                ConvergenceWarning,
            )
    intervals: pd.DataFrame = pd.DataFrame({"lower": lower, "upper": upper}, index=pd.Index(names))
    return intervals
