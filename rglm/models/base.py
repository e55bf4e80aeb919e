"""What every model offers on top of the result core, through inference and output.

A new model is a class in this package deriving from its statistics (a subclass of
:class:`rglm.results.core.ResultCore` in :mod:`rglm.results`) and :class:`ModelMethods`:
Wald and likelihood-ratio tests, ``tidy``, ``glance`` and ``save`` then work as they do for
:class:`rglm.GLMResult`, and so do :func:`rglm.compare` and :func:`rglm.load`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from rglm.inference.hypothesis import LRTestResult, WaldTestResult, lr_test, t_test, wald_test
from rglm.output.persist import save
from rglm.output.tidy import glance, tidy
from rglm.results.core import ResultCore

__all__ = ["ModelMethods"]


class ModelMethods(ResultCore):
    """What every model offers through inference and output, from the core alone: Wald and
    likelihood-ratio tests, broom's ``tidy`` and ``glance``, and saving."""

    def wald_test(self, hypothesis: Any, use_f: bool | None = None) -> WaldTestResult:
        """Joint Wald test of linear restrictions; see :func:`rglm.inference.hypothesis.wald_test`."""
        return wald_test(self, hypothesis, use_f=use_f)

    def t_test(self, hypothesis: Any, alpha: float = 0.05) -> pd.DataFrame:
        """One test per linear restriction; see :func:`rglm.inference.hypothesis.t_test`."""
        return t_test(self, hypothesis, alpha=alpha)

    def lr_test(self, other: ResultCore, test: str | None = None) -> LRTestResult:
        """Likelihood-ratio test against a nested model; see :func:`rglm.inference.hypothesis.lr_test`."""
        return lr_test(self, other, test=test)

    def tidy(
        self,
        conf_int: bool = False,
        level: float | None = None,
        exponentiate: bool = False,
        conf_method: str = "wald",
        *,
        conf_level: float | None = None,
    ) -> pd.DataFrame:
        """One row per parameter, as broom's ``tidy``; see :func:`rglm.output.tidy.tidy`."""
        return tidy(
            self,
            conf_int=conf_int,
            level=level,
            exponentiate=exponentiate,
            conf_method=conf_method,
            conf_level=conf_level,
        )

    def glance(self) -> pd.DataFrame:
        """One row of model statistics, as broom's ``glance``; see :func:`rglm.output.tidy.glance`."""
        return glance(self)

    def save(self, path: Any, keep_data: bool = False) -> None:
        """Write the model to ``path``; read it back with :func:`rglm.load` (see
        :func:`rglm.output.persist.save`)."""
        save(self, path, keep_data=keep_data)
