"""Higher derivatives of links, variance functions and dispersion cumulants (for brglm fits).

Bias-reducing adjusted scores (Kosmidis and Firth 2009, 2021; R's ``brglm2``) need more of a
family than IRLS does:

* :func:`d2mu_deta`: the second derivative :math:`d^2\\mu/d\\eta^2` of the inverse link, with
  the floors at :math:`\\epsilon` that R's ``enrichwith`` package uses, so that a fit far in the
  tails takes the same steps as R's;
* :func:`d1variance`: :math:`V'(\\mu)`;
* :func:`dispersion_cumulants`: the derivatives :math:`a'(\\zeta)`, :math:`a''(\\zeta)`,
  :math:`a'''(\\zeta)` of the function :math:`a` in the exponential-family density
  :math:`f(y) = \\exp\\{(y\\theta - b(\\theta))/\\phi\\cdot w - c(y) - a(\\zeta)/2 + \\dots\\}`
  written in :math:`\\zeta = -w/\\phi` (the parametrisation of ``enrichwith``).  The unit
  deviance has expectation :math:`w\\,a'(\\zeta)` (Gamma: :math:`w\\,(a'(\\zeta) - 2)`), and
  :math:`a''` and :math:`a'''` give the information and the bias of the dispersion.

Only the families and links for which ``brglm2`` defines these are covered
(:func:`supports`); this module is inside :mod:`rglm.families`, where a family's maths may
depend on its type.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import FamilyError
from rglm.families.family import Binomial, Family, Gamma, Gaussian, InverseGaussian, Poisson
from rglm.families.links import (
    Cauchit,
    CLogLog,
    Identity,
    Inverse,
    InverseSquare,
    Link,
    Log,
    Logit,
    Probit,
    Sqrt,
)
from rglm.numerics import rmath as _rmath

FloatArray = npt.NDArray[np.float64]

__all__ = ["d1variance", "d2mu_deta", "dispersion_cumulants", "has_dispersion", "supports"]

_EPS = float(np.finfo(np.float64).eps)

#: The families a bias-reduced fit accepts (brglm2 refuses quasi families; ``enrichwith``
#: has no cumulants for the others).
_FAMILIES: tuple[type[Family], ...] = (Binomial, Poisson, Gamma, InverseGaussian, Gaussian)
_LINKS: tuple[type[Link], ...] = (
    Logit,
    Probit,
    Cauchit,
    CLogLog,
    Identity,
    Log,
    Sqrt,
    Inverse,
    InverseSquare,
)


def supports(family: Family) -> None:
    """Raise :class:`rglm.FamilyError` unless ``family`` and its link have what a bias-reduced
    fit needs (the families and links of R's ``brglm2``)."""
    if type(family) not in _FAMILIES:
        names = "Binomial, Poisson, Gamma, InverseGaussian and Gaussian"
        raise FamilyError(
            f"method='brglm' does not support the {family.name} family ({type(family).__name__}); "
            f"as R's brglm2 it fits {names}"
        )
    if type(family.link) not in _LINKS:
        raise FamilyError(
            f"method='brglm' does not support the link '{family.link.name}'; the links are logit, "
            "probit, cauchit, cloglog, identity, log, sqrt, inverse and 1/mu^2"
        )


def has_dispersion(family: Family) -> bool:
    """Whether the family has a dispersion to estimate (all but binomial and Poisson)."""
    return not isinstance(family, (Binomial, Poisson))


def d2mu_deta(link: Link, eta: FloatArray) -> FloatArray:
    """:math:`d^2\\mu/d\\eta^2` at ``eta``, as ``enrichwith`` defines it for R's links.

    logit :math:`\\mu'(1 - 2\\mu)`; probit :math:`-\\eta\\max(\\phi(\\eta), \\epsilon)`;
    cauchit :math:`-2\\pi\\eta\\max(f(\\eta)^2, \\epsilon)` with :math:`f` the Cauchy density;
    cloglog :math:`(1 - e^\\eta)\\max(e^\\eta e^{-e^\\eta}, \\epsilon)`; log
    :math:`\\max(e^\\eta, \\epsilon)`; identity 0; sqrt 2; inverse :math:`2/\\eta^3`;
    1/mu^2 :math:`3/(4\\eta^{5/2})`.
    """
    e = np.asarray(eta, dtype=np.float64)
    with np.errstate(all="ignore"):
        if isinstance(link, Logit):
            out: FloatArray = link.mu_eta(e) * (1.0 - 2.0 * link.inverse(e))
        elif isinstance(link, Probit):
            dens = _rmath.exp(-0.5 * e * e) / math.sqrt(2.0 * math.pi)
            out = -e * np.maximum(dens, _EPS)
        elif isinstance(link, Cauchit):
            dens = 1.0 / (math.pi * (1.0 + e * e))
            out = -2.0 * math.pi * e * np.maximum(dens * dens, _EPS)
        elif isinstance(link, CLogLog):
            ee = _rmath.exp(e)
            out = (1.0 - ee) * np.maximum(ee * _rmath.exp(-ee), _EPS)
        elif isinstance(link, Log):
            out = np.maximum(_rmath.exp(e), _EPS)
        elif isinstance(link, Sqrt):
            out = np.full_like(e, 2.0)
        elif isinstance(link, Inverse):
            out = 2.0 / (e * e * e)
        elif isinstance(link, InverseSquare):
            out = 3.0 / (4.0 * np.power(e, 2.5))
        elif isinstance(link, Identity):
            out = np.zeros_like(e)
        else:
            raise FamilyError(f"no second derivative for the link '{link.name}'")
    return out


def d1variance(family: Family, mu: FloatArray) -> FloatArray:
    """:math:`V'(\\mu)`: binomial :math:`1 - 2\\mu`, Poisson 1, Gamma :math:`2\\mu`, inverse
    Gaussian :math:`3\\mu^2`, Gaussian 0."""
    m = np.asarray(mu, dtype=np.float64)
    if isinstance(family, Binomial):
        return 1.0 - 2.0 * m
    if isinstance(family, Poisson):
        return np.ones_like(m)
    if isinstance(family, Gamma):
        return 2.0 * m
    if isinstance(family, InverseGaussian):
        return 3.0 * m * m
    if isinstance(family, Gaussian):
        return np.zeros_like(m)
    raise FamilyError(f"no variance derivative for the {family.name} family")


def dispersion_cumulants(family: Family, zeta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:math:`(a'(\\zeta), a''(\\zeta), a'''(\\zeta))` at :math:`\\zeta = -w/\\phi`, with the
    Gamma family's :math:`a'` already less 2, so that the expected unit deviance is
    :math:`w\\,a'(\\zeta)` for every family.

    Gamma: :math:`a' = -2\\psi(-\\zeta) + 2\\log(-\\zeta)` (after the shift),
    :math:`a'' = 2\\psi'(-\\zeta) + 2/\\zeta`, :math:`a''' = -2\\psi''(-\\zeta) - 2/\\zeta^2`;
    Gaussian and inverse Gaussian: :math:`a' = -1/\\zeta`, :math:`a'' = 1/\\zeta^2`,
    :math:`a''' = -2/\\zeta^3`; binomial and Poisson have no dispersion (zeros).
    """
    z = np.asarray(zeta, dtype=np.float64)
    with np.errstate(all="ignore"):
        if isinstance(family, Gamma):
            d1 = -2.0 * special.digamma(-z) + 2.0 * np.log(-z) + 2.0 - 2.0
            d2 = 2.0 * special.polygamma(1, -z) + 2.0 / z
            d3 = -2.0 * special.polygamma(2, -z) - 2.0 / (z * z)
            return np.asarray(d1), np.asarray(d2), np.asarray(d3)
        if isinstance(family, (Gaussian, InverseGaussian)):
            return -1.0 / z, 1.0 / (z * z), -2.0 / (z * z * z)
    return np.zeros_like(z), np.zeros_like(z), np.zeros_like(z)
