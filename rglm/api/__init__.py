"""The formula interface: each entry point validates its arguments, builds the model frame,
fits and returns the model's result class.

:mod:`rglm.api.glms` holds ``glm``, ``glm_nb`` and the out-of-core driver; :mod:`rglm.api.models`
the other models' entry points.
"""

from rglm.api.glms import fit_out_of_core, glm, glm_nb
from rglm.api.models import betareg, dirichlet, multinom, polr
from rglm.models.betareg import BetaregResult
from rglm.models.dirichlet import DirichletResult
from rglm.models.glmnet import cv_glmnet, glmnet

__all__ = [
    "BetaregResult",
    "DirichletResult",
    "betareg",
    "cv_glmnet",
    "dirichlet",
    "fit_out_of_core",
    "glm",
    "glm_nb",
    "glmnet",
    "multinom",
    "polr",
]
