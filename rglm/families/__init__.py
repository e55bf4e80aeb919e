"""R's family objects: links, variance functions and the families built from them.

Each family owns its maths (deviance residuals, AIC, initialisation, valid ranges); nothing
outside this package switches on a family's type.
"""

from __future__ import annotations

from rglm.families import links, variance
from rglm.families.exponential import Exponential
from rglm.families.family import (
    Binomial,
    Family,
    Gamma,
    Gaussian,
    Initialized,
    InverseGaussian,
    NegativeBinomial,
    Poisson,
    Quasi,
    QuasiBinomial,
    QuasiPoisson,
    Tweedie,
    get_family,
)

__all__ = [
    "Binomial",
    "Exponential",
    "Family",
    "Gamma",
    "Gaussian",
    "Initialized",
    "InverseGaussian",
    "NegativeBinomial",
    "Poisson",
    "Quasi",
    "QuasiBinomial",
    "QuasiPoisson",
    "Tweedie",
    "get_family",
    "links",
    "variance",
]
