"""glmnet's rules around the solver: which algorithm a family gets, the lambda sequence and
the early stop of the path (R's glmnet 4.1-6 and ``glmnet.control()``'s factory values)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from rglm.families.family import Binomial, Family, Gaussian, Poisson
from rglm.families.links import Identity, Log, Logit

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "BIG",
    "DEVMAX",
    "EPS",
    "FDEV",
    "MNLAM",
    "PMIN",
    "lambda_sequence",
    "path_should_stop",
    "solver_kind",
]

#: glmnet.control() factory values.
FDEV, DEVMAX, EPS, BIG, MNLAM, PMIN = 1e-5, 0.999, 1e-6, 9.9e35, 5, 1e-9


def solver_kind(family: Family) -> str:
    """``"gaussian"``, ``"binomial"`` or ``"poisson"`` for glmnet's built-in solvers (those
    families with their canonical links), ``"path"`` for glmnet >= 4's family-object path."""
    if type(family) is Gaussian and isinstance(family.link, Identity):
        return "gaussian"
    if type(family) is Binomial and isinstance(family.link, Logit):
        return "binomial"
    if type(family) is Poisson and isinstance(family.link, Log):
        return "poisson"
    return "path"


def lambda_sequence(
    kind: str, p: int, lam_max: float, lambdas: FloatArray | None, nlambda: int, ratio: float | None, n: int
) -> tuple[FloatArray, bool]:
    """glmnet's lambdas: the user's (sorted decreasing), or the default geometric sequence
    from :math:`\\lambda_{\\max}` down to ``lambda_min_ratio`` times it (1e-2 when n < p, else
    1e-4).  The built-in solvers multiply by the ratio step one lambda at a time and report
    the first lambda as R's ``fix.lam`` does; the family-object path uses R's ``seq`` in logs."""
    if lambdas is not None:
        return np.sort(np.asarray(lambdas, dtype=float))[::-1].copy(), True
    nlam = nlambda
    if ratio is None:
        ratio = 1e-2 if n < p else 1e-4
    if kind == "path":
        lo, hi = math.log(lam_max), math.log(lam_max * ratio)
        by = (hi - lo) / (nlam - 1)
        logs = np.array([lo] + [lo + k * by for k in range(1, nlam - 1)] + [hi])
        return np.exp(logs), False
    alf = max(EPS, ratio) ** (1.0 / (nlam - 1))
    lams = np.empty(nlam)
    lam = lam_max
    for k in range(1, nlam):
        lam = lam * alf
        lams[k] = lam
    lams[0] = math.exp(2 * math.log(lams[1]) - math.log(lams[2])) if nlam > 2 else lam_max
    return lams, False


def path_should_stop(kind: str, family: Family, dev: list[float], k: int, mnl: int, fdev: float) -> bool:
    """glmnet's early stop after the ``k``-th lambda (0-based): the deviance explained passes
    0.999, or stops growing (relative change below ``fdev`` for Gaussian, ten times that over
    ``mnl`` lambdas for Poisson, absolute change below ``fdev`` otherwise)."""
    if k + 1 < mnl:
        return False
    if dev[k] > DEVMAX:
        return True
    prev = dev[k - 1] if k > 0 else 0.0
    name = family.name if kind == "path" else kind
    if name == "gaussian":
        return (dev[k] - prev) < fdev * dev[k] if dev[k] != 0 else False
    if name == "poisson":
        if kind == "path" and k == 0:
            return False
        return dev[k] - dev[k - mnl + 1] < 10 * fdev * dev[k]
    if kind == "path" and k == 0:
        return False
    return dev[k] - prev < fdev
