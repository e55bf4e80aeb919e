"""Link functions, each a small immutable object mirroring R's ``make.link``.

A link :math:`g` maps the mean :math:`\\mu` to the linear predictor
:math:`\\eta = g(\\mu)`.  Every link offers

* ``link(mu)``: :math:`g(\\mu)`;
* ``inverse(eta)``: :math:`g^{-1}(\\eta)`, clamped exactly where R clamps it;
* ``mu_eta(eta)``: :math:`d\\mu/d\\eta`, with R's floor at machine epsilon where R has one;
* ``valid_eta(eta)``: whether :math:`\\eta` lies in the link's domain.

The clamps matter: they are what keeps IRLS finite when a fitted probability reaches 0 or 1,
and reproducing them is part of reproducing R's iterations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import FamilyError
from rglm.numerics import rmath as _rmath

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "LINK_NAMES",
    "CLogLog",
    "Cauchit",
    "Identity",
    "Inverse",
    "InverseSquare",
    "Link",
    "Log",
    "Logit",
    "Power",
    "Probit",
    "Sqrt",
    "get_link",
    "power",
]

_EPS = float(np.finfo(np.float64).eps)
_THRESH = 30.0
_INVEPS = 1.0 / _EPS


def _arr(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


@dataclass(frozen=True)
class Link:
    """Base class: the identity link :math:`\\eta = \\mu`.  Subclasses override the maths."""

    name: str = "identity"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        """:math:`\\eta = g(\\mu)`."""
        out: FloatArray = _arr(mu).copy()
        return out

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        """:math:`\\mu = g^{-1}(\\eta)`."""
        out: FloatArray = _arr(eta).copy()
        return out

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        """:math:`d\\mu / d\\eta` evaluated at ``eta``."""
        return np.ones_like(_arr(eta))

    def mu_eta_at(self, eta: FloatArray, mu: FloatArray) -> FloatArray:
        """:meth:`mu_eta` at ``eta`` when :math:`\\mu = g^{-1}(\\eta)` is known too (links
        whose derivative is their inverse reuse it instead of computing it again).  The
        result may be ``mu`` itself: treat it as read-only."""
        return self.mu_eta(eta)

    def valid_eta(self, eta: npt.ArrayLike) -> bool:
        """Whether every :math:`\\eta` is inside the link's domain."""
        return True

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Identity(Link):
    """:math:`\\eta = \\mu`."""

    name: str = "identity"


@dataclass(frozen=True)
class Logit(Link):
    """:math:`\\eta = \\log(\\mu / (1 - \\mu))`.

    The inverse is :math:`e^\\eta / (1 + e^\\eta)` with :math:`e^\\eta` replaced by
    :math:`\\epsilon` below :math:`\\eta = -30` and by :math:`1/\\epsilon` above 30, and
    :math:`d\\mu/d\\eta = e^\\eta / (1 + e^\\eta)^2`, floored at :math:`\\epsilon` outside
    :math:`|\\eta| \\le 30` (R's ``C_logit_linkinv`` and ``C_logit_mu_eta``).
    """

    name: str = "logit"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _rmath.log(m / (1.0 - m))

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        e = _arr(eta)
        tmp = np.where(e < -_THRESH, _EPS, np.where(e > _THRESH, _INVEPS, _rmath.exp(np.clip(e, -31, 31))))
        return tmp / (1.0 + tmp)

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        e = _arr(eta)
        ex = _rmath.exp(np.clip(e, -31, 31))
        opexp = 1.0 + ex
        return np.where((e > _THRESH) | (e < -_THRESH), _EPS, ex / (opexp * opexp))


@dataclass(frozen=True)
class Probit(Link):
    """:math:`\\eta = \\Phi^{-1}(\\mu)`; the inverse clamps :math:`\\eta` to
    :math:`\\pm\\Phi^{-1}(1-\\epsilon)` and :math:`d\\mu/d\\eta = \\max(\\phi(\\eta), \\epsilon)`."""

    name: str = "probit"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        return np.asarray(special.ndtri(_arr(mu)), dtype=np.float64)

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        thresh = -float(special.ndtri(_EPS))
        return np.asarray(special.ndtr(np.clip(_arr(eta), -thresh, thresh)), dtype=np.float64)

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        e = _arr(eta)
        dens = _rmath.exp(-0.5 * e * e) / math.sqrt(2.0 * math.pi)
        return np.maximum(dens, _EPS)


def _tanpi(p: FloatArray) -> FloatArray:
    # tan(pi * p) computed on the reduced argument, so tanpi(0.25) is exactly 1 as in R.
    r = np.fmod(p, 1.0)
    r = np.where(r <= -0.5, r + 1.0, np.where(r > 0.5, r - 1.0, r))
    with np.errstate(divide="ignore"):
        return np.where(
            r == 0.0,
            0.0,
            np.where(r == 0.5, np.nan, np.where(np.abs(r) == 0.25, np.sign(r), np.tan(np.pi * r))),
        )


def _qcauchy(p: FloatArray) -> FloatArray:
    upper = p > 0.5
    q = np.where(upper, 1.0 - p, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = -1.0 / _tanpi(q)
    val = np.where(upper, -val, val)
    val = np.where(p == 0.5, 0.0, val)
    val = np.where(p == 1.0, np.inf, np.where(p == 0.0, -np.inf, val))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, val)


def _pcauchy(x: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        y = np.arctan(1.0 / x) / np.pi
    far = np.where(x > 0, 1.0 - y, -y)
    return np.where(np.abs(x) > 1, far, 0.5 + np.arctan(x) / np.pi)


@dataclass(frozen=True)
class Cauchit(Link):
    """:math:`\\eta = F^{-1}(\\mu)` for the standard Cauchy distribution :math:`F`."""

    name: str = "cauchit"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        return _qcauchy(_arr(mu))

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        thresh = -float(_qcauchy(np.array([_EPS]))[0])
        return _pcauchy(np.clip(_arr(eta), -thresh, thresh))

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        e = _arr(eta)
        return np.maximum(1.0 / (np.pi * (1.0 + e * e)), _EPS)


@dataclass(frozen=True)
class CLogLog(Link):
    """:math:`\\eta = \\log(-\\log(1 - \\mu))`; :math:`\\mu = 1 - e^{-e^\\eta}` kept inside
    :math:`[\\epsilon, 1 - \\epsilon]`."""

    name: str = "cloglog"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _rmath.log(-_rmath.log(1.0 - m))

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        mu = -_rmath.expm1(-_rmath.exp(_arr(eta)))
        return np.maximum(np.minimum(mu, 1.0 - _EPS), _EPS)

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        e = np.minimum(_arr(eta), 700.0)
        ee = _rmath.exp(e)
        return np.maximum(ee * _rmath.exp(-ee), _EPS)


@dataclass(frozen=True)
class Log(Link):
    """:math:`\\eta = \\log\\mu`; :math:`\\mu = \\max(e^\\eta, \\epsilon)`."""

    name: str = "log"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        return _rmath.log(_arr(mu))

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        return np.maximum(_rmath.exp(_arr(eta)), _EPS)

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        return np.maximum(_rmath.exp(_arr(eta)), _EPS)

    def mu_eta_at(self, eta: FloatArray, mu: FloatArray) -> FloatArray:
        return mu  # max(exp(eta), eps) is the inverse link itself


def _finite_positive(eta: npt.ArrayLike) -> bool:
    e = _arr(eta)
    return bool(np.all(np.isfinite(e)) and np.all(e > 0))


@dataclass(frozen=True)
class Sqrt(Link):
    """:math:`\\eta = \\sqrt\\mu`, defined for :math:`\\eta > 0`."""

    name: str = "sqrt"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        with np.errstate(invalid="ignore"):
            return np.sqrt(_arr(mu))

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        e = _arr(eta)
        return e * e

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        return 2.0 * _arr(eta)

    def valid_eta(self, eta: npt.ArrayLike) -> bool:
        return _finite_positive(eta)


@dataclass(frozen=True)
class InverseSquare(Link):
    """:math:`\\eta = 1/\\mu^2`, canonical for the inverse Gaussian; needs :math:`\\eta > 0`."""

    name: str = "1/mu^2"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        m = _arr(mu)
        with np.errstate(divide="ignore"):
            return 1.0 / (m * m)

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 / np.sqrt(_arr(eta))

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -1.0 / (2.0 * np.power(_arr(eta), 1.5))

    def valid_eta(self, eta: npt.ArrayLike) -> bool:
        return _finite_positive(eta)


@dataclass(frozen=True)
class Inverse(Link):
    """:math:`\\eta = 1/\\mu`, canonical for the Gamma family; needs :math:`\\eta \\ne 0`."""

    name: str = "inverse"

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        with np.errstate(divide="ignore"):
            return 1.0 / _arr(mu)

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        with np.errstate(divide="ignore"):
            return 1.0 / _arr(eta)

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        e = _arr(eta)
        with np.errstate(divide="ignore"):
            return -1.0 / (e * e)

    def valid_eta(self, eta: npt.ArrayLike) -> bool:
        e = _arr(eta)
        return bool(np.all(np.isfinite(e)) and np.all(e != 0))


def _pow(x: FloatArray, p: float) -> FloatArray:
    # R evaluates x^2 as x*x; elsewhere the C library's pow.
    with np.errstate(all="ignore"):
        return x * x if p == 2.0 else np.power(x, p)


@dataclass(frozen=True)
class Power(Link):
    """:math:`\\eta = \\mu^\\lambda` for :math:`\\lambda \\ne 0, 1` (R's ``power(lambda)``).

    The inverse :math:`\\eta^{1/\\lambda}` and the derivative
    :math:`\\lambda^{-1}\\eta^{1/\\lambda - 1}` are floored at :math:`\\epsilon` and
    :math:`\\eta` must be positive, as in R.  With ``clamp=False`` the floors and the domain
    check are dropped, as in ``statmod::tweedie(link.power=lambda)``.
    """

    name: str = ""
    lmbda: float = 0.5
    clamp: bool = True

    def __post_init__(self) -> None:
        if not math.isfinite(self.lmbda) or self.lmbda == 0:
            raise FamilyError(f"power link needs a finite non-zero lambda, got {self.lmbda!r}")
        if not self.name:
            object.__setattr__(self, "name", f"mu^{_fmt_lambda(self.lmbda)}")

    def link(self, mu: npt.ArrayLike) -> FloatArray:
        return _pow(_arr(mu), self.lmbda)

    def inverse(self, eta: npt.ArrayLike) -> FloatArray:
        v = _pow(_arr(eta), 1.0 / self.lmbda)
        return np.maximum(v, _EPS) if self.clamp else v

    def mu_eta(self, eta: npt.ArrayLike) -> FloatArray:
        v = (1.0 / self.lmbda) * _pow(_arr(eta), 1.0 / self.lmbda - 1.0)
        return np.maximum(v, _EPS) if self.clamp else v

    def valid_eta(self, eta: npt.ArrayLike) -> bool:
        return _finite_positive(eta) if self.clamp else True


def _fmt_lambda(lmbda: float) -> str:
    r = round(lmbda, 3)
    return str(int(r)) if r == int(r) else repr(r)


def power(lmbda: float = 1.0) -> Link:
    """R's ``power(lambda)``: the log link for :math:`\\lambda \\le 0`, identity for 1,
    otherwise :class:`Power`."""
    lam = float(lmbda)
    if math.isnan(lam):
        raise FamilyError("invalid argument 'lambda' for the power link: NaN")
    if lam <= 0:
        return Log()
    if lam == 1:
        return Identity()
    return Power(lmbda=lam)


_BY_NAME: dict[str, type[Link]] = {
    "logit": Logit,
    "probit": Probit,
    "cauchit": Cauchit,
    "cloglog": CLogLog,
    "identity": Identity,
    "log": Log,
    "sqrt": Sqrt,
    "1/mu^2": InverseSquare,
    "inverse": Inverse,
}

#: R's names for the links rglm knows; ``power(lambda)`` is accepted as well.
LINK_NAMES: tuple[str, ...] = tuple(_BY_NAME)

LinkLike = str | Link


def get_link(spec: LinkLike) -> Link:
    """Turn R's name of a link (``"logit"``, ``"1/mu^2"``, ``"power(1/3)"``, ...) into a link.

    Link objects are returned unchanged.
    """
    if isinstance(spec, Link):
        return spec
    if not isinstance(spec, str):
        raise FamilyError(
            f"link must be a name such as 'logit' or a rglm.families.links.Link, got {type(spec).__name__}"
        )
    key = spec.strip()
    if key in _BY_NAME:
        return _BY_NAME[key]()
    if key.startswith("power(") and key.endswith(")"):
        arg = key[len("power(") : -1]
        try:
            num, _, den = arg.partition("/")
            value = float(num) / (float(den) if den else 1.0)
        except ValueError as exc:
            raise FamilyError(f"cannot read the power link {spec!r}: lambda must be a number") from exc
        return power(value)
    if key.startswith("mu^"):
        try:
            return power(float(key[3:]))
        except ValueError as exc:
            raise FamilyError(f"cannot read the power link {spec!r}") from exc
    known = ", ".join(repr(n) for n in LINK_NAMES)
    raise FamilyError(f"unknown link {spec!r}; known links are {known} and 'power(lambda)'")
