"""rglm: R's ``glm()`` for Python.

Fit generalized linear models from formulas and data frames and get R's numbers: the same
IRLS iterations, standard errors, deviances, AIC and ``summary.glm`` printout.

>>> import rglm
>>> m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", rglm.datasets.load("budworm"),
...              family=rglm.Binomial())
>>> print(m.summary())  # doctest: +SKIP
"""

from __future__ import annotations

from rglm import datasets, families
from rglm.api import cv_glmnet, glm, glm_nb, glmnet
from rglm.exceptions import (
    AnovaWarning,
    ArgumentError,
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    DataTypeError,
    DispersionWarning,
    DomainError,
    FamilyError,
    FitError,
    FitInterrupted,
    FormulaError,
    LeverageWarning,
    NonIntegerWarning,
    OutOfCoreError,
    PerfectFitWarning,
    ProfileWarning,
    RGLMError,
    RGLMWarning,
    SeparationWarning,
    StepHalvingWarning,
)
from rglm.families import (
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
    links,
)
from rglm.fit.negbin import ThetaConvergenceWarning
from rglm.inference.anova import anova
from rglm.inference.negbin import anova_negbin
from rglm.inference.select import add1, drop1, step
from rglm.inference.separation import SeparationResult, detect_separation
from rglm.models import negbin
from rglm.models.glm import GLMResult
from rglm.models.glmnet import CVGlmnet, GlmnetPath
from rglm.output import plot
from rglm.output.persist import load
from rglm.output.report import CompareTable, compare

__version__ = "0.1.0"

__all__ = [
    "CVGlmnet",
    "GlmnetPath",
    "cv_glmnet",
    "glmnet",
    "AnovaWarning",
    "ArgumentError",
    "Binomial",
    "BoundaryWarning",
    "CompareTable",
    "ConvergenceWarning",
    "DataError",
    "DataTypeError",
    "DispersionWarning",
    "DomainError",
    "Family",
    "FamilyError",
    "FitError",
    "FitInterrupted",
    "FormulaError",
    "GLMResult",
    "Gamma",
    "Gaussian",
    "InverseGaussian",
    "LeverageWarning",
    "NegativeBinomial",
    "NonIntegerWarning",
    "OutOfCoreError",
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
    "ThetaConvergenceWarning",
    "Tweedie",
    "__version__",
    "add1",
    "anova",
    "anova_negbin",
    "compare",
    "datasets",
    "detect_separation",
    "drop1",
    "families",
    "glm",
    "glm_nb",
    "links",
    "load",
    "negbin",
    "plot",
    "step",
]
