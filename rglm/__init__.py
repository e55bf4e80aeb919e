"""rglm: R's ``glm()`` for Python.

Fit generalized linear models from formulas and data frames and get R's numbers: the same
IRLS iterations, standard errors, deviances, AIC and ``summary.glm`` printout.

>>> import rglm
>>> m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", rglm.datasets.load("budworm"),
...              family=rglm.Binomial())
>>> print(m.summary())  # doctest: +SKIP
"""

from __future__ import annotations

from . import datasets, families, links
from .api import glm
from .exceptions import (
    ArgumentError,
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    DataTypeError,
    DispersionWarning,
    DomainError,
    FamilyError,
    FitError,
    FormulaError,
    NonIntegerWarning,
    PerfectFitWarning,
    ProfileWarning,
    RGLMError,
    RGLMWarning,
    SeparationWarning,
    StepHalvingWarning,
)
from .families import (
    Binomial,
    Family,
    Gamma,
    Gaussian,
    InverseGaussian,
    NegativeBinomial,
    Poisson,
    Quasi,
    QuasiBinomial,
    QuasiPoisson,
    Tweedie,
)
from .results import GLMResult
from .separation import SeparationResult, detect_separation

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "Binomial",
    "BoundaryWarning",
    "ConvergenceWarning",
    "DataError",
    "DataTypeError",
    "DispersionWarning",
    "DomainError",
    "Family",
    "FamilyError",
    "FitError",
    "FormulaError",
    "GLMResult",
    "Gamma",
    "Gaussian",
    "InverseGaussian",
    "NegativeBinomial",
    "NonIntegerWarning",
    "PerfectFitWarning",
    "Poisson",
    "ProfileWarning",
    "Quasi",
    "QuasiBinomial",
    "QuasiPoisson",
    "RGLMError",
    "RGLMWarning",
    "SeparationResult",
    "SeparationWarning",
    "StepHalvingWarning",
    "Tweedie",
    "__version__",
    "datasets",
    "detect_separation",
    "families",
    "glm",
    "links",
]
