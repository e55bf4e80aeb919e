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
from rglm.api import betareg, cv_glmnet, dirichlet, glm, glm_nb, glmnet, multinom, polr
from rglm.exceptions import (
    AnovaWarning,
    ArgumentError,
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    DataTypeError,
    DispersionWarning,
    DomainError,
    ExactFitWarning,
    FamilyError,
    FitError,
    FitInterrupted,
    FormulaError,
    FormulaWarning,
    LeverageWarning,
    NaNProducedWarning,
    NonIntegerWarning,
    OutOfCoreError,
    PerfectFitWarning,
    ProfileWarning,
    RankDeficientWarning,
    RGLMError,
    RGLMWarning,
    SeparationWarning,
    StartWarning,
    StepHalvingWarning,
)
from rglm.families import (
    Binomial,
    Exponential,
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
from rglm.models.brglm import BrglmResult
from rglm.models.glm import GLMResult
from rglm.models.glmnet import CVGlmnet, GlmnetPath
from rglm.models.margins import margins
from rglm.models.multinom import MultinomResult
from rglm.models.polr import PolrResult
from rglm.output import plot
from rglm.output.emmeans import Contrasts, EMMeans, contrast, emmeans, emtrends, pairs, regrid
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
    "BrglmResult",
    "CompareTable",
    "Contrasts",
    "ConvergenceWarning",
    "ExactFitWarning",
    "DataError",
    "DataTypeError",
    "DispersionWarning",
    "DomainError",
    "EMMeans",
    "Exponential",
    "Family",
    "FamilyError",
    "FitError",
    "FitInterrupted",
    "FormulaError",
    "FormulaWarning",
    "GLMResult",
    "Gamma",
    "Gaussian",
    "InverseGaussian",
    "LeverageWarning",
    "MultinomResult",
    "NegativeBinomial",
    "NaNProducedWarning",
    "NonIntegerWarning",
    "OutOfCoreError",
    "PerfectFitWarning",
    "PolrResult",
    "Poisson",
    "ProfileWarning",
    "Quasi",
    "QuasiBinomial",
    "QuasiPoisson",
    "RGLMError",
    "RGLMWarning",
    "RankDeficientWarning",
    "SeparationResult",
    "SeparationWarning",
    "StartWarning",
    "StepHalvingWarning",
    "ThetaConvergenceWarning",
    "Tweedie",
    "__version__",
    "add1",
    "betareg",
    "anova",
    "anova_negbin",
    "compare",
    "contrast",
    "datasets",
    "detect_separation",
    "dirichlet",
    "drop1",
    "emmeans",
    "emtrends",
    "families",
    "glm",
    "glm_nb",
    "links",
    "load",
    "margins",
    "multinom",
    "negbin",
    "pairs",
    "plot",
    "regrid",
    "polr",
    "step",
]
