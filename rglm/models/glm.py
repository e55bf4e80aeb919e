"""The fitted GLM as users meet it: :class:`GLMResult`.

Its statistics are :class:`rglm.results.glm.GLMStatistics`; this class adds the methods
that go through inference and output, each a thin call into its own module: prediction,
influence, sandwich covariances, hypothesis tests, tidy frames, plots, saving, refitting
(``update``), separation and ``summary``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

import pandas as pd

from rglm.exceptions import ArgumentError, DispersionWarning, warn
from rglm.frame.formula import update_formula
from rglm.inference.influence import influence_frame
from rglm.inference.predict import predict
from rglm.inference.profile import profile_conf_int
from rglm.inference.robust import robust_result
from rglm.inference.rows import iter_rows, predict_to
from rglm.inference.scope import model_formula
from rglm.inference.separation import SeparationResult, separation_of
from rglm.models.base import ModelMethods
from rglm.output.plot import diagnostics
from rglm.output.summary import Summary
from rglm.output.tidy import augment, tidy
from rglm.results.core import confidence_level
from rglm.results.glm import GLMStatistics

__all__ = ["GLMResult"]


class GLMResult(GLMStatistics, ModelMethods):
    """A fitted generalized linear model.

    Do not construct directly; use :func:`rglm.glm`.  The object is immutable: every
    attribute is fixed at fit time or derived from what was fixed.
    """

    def update(self, formula: str | None = None, **changes: Any) -> GLMResult:
        """Refit with a changed formula or ``glm`` arguments, as R's ``update``.

        In ``formula``, ``.`` stands for the corresponding side of the current formula:
        ``update(". ~ . - x")`` drops ``x``, ``update(". ~ . + z")`` adds ``z``.  The model
        is refitted by the function that fitted it (kept in :attr:`call`, as R's ``update``
        re-evaluates the call).
        """
        if self._data is None:
            raise ArgumentError(
                "this model does not keep its data, so it cannot be refitted; fit it again with rglm.glm"
            )
        kwargs = self.call
        fitter = kwargs.pop("function", None)
        kwargs.pop("data_in_memory", None)  # a note on how the data was read, not an argument
        if fitter is None:
            raise ArgumentError(
                "this model does not record the function that fitted it, so it cannot be "
                "refitted; fit it again with rglm.glm"
            )
        kwargs.update(changes)
        new_formula = self.formula if formula is None else update_formula(model_formula(self), formula)
        refitted: GLMResult = fitter(new_formula, self._data, **kwargs)
        out: GLMResult = refitted._replace(data_name=self.data_name)
        return out

    def conf_int(
        self,
        level: float | None = None,
        method: str = "wald",
        params: Any = None,
        *,
        alpha: float | None = None,
    ) -> pd.DataFrame:
        """Confidence intervals for the coefficients, of coverage ``level`` (default 0.95; rglm's
        one keyword for a confidence level; ``alpha = 1 - level`` is accepted with a
        DeprecationWarning).

        ``method="wald"`` gives :math:`\\hat\\beta_j \\pm z_{1-\\alpha/2}\\,\\mathrm{se}_j` with
        the normal quantile whatever the family, as R's ``confint.default``.
        ``method="profile"`` inverts the profile likelihood as R's ``confint.glm``; see
        :func:`rglm.inference.profile.profile_conf_int`.  ``params`` selects coefficients by name or
        position (all by default).
        """
        alpha = 1.0 - confidence_level(level, alpha=alpha)
        if method == "profile":
            return profile_conf_int(self, alpha=alpha, params=params)
        if method != "wald":
            raise ArgumentError(f"unknown interval method {method!r}; use 'wald' or 'profile'")
        return self.wald_conf_int(alpha, params)

    # -- prediction ---------------------------------------------------------------------------------
    def predict(
        self,
        newdata: Any = None,
        type: str = "response",
        se_fit: bool = False,
        interval: str | None = None,
        level: float = 0.95,
        offset: Any = None,
    ) -> pd.Series | pd.DataFrame:
        """Predictions on the link or response scale, or per term, as R's ``predict.glm``.

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows to predict; by default the rows the model was fitted to.  Transforms, factor
            levels and offsets are replayed from the fit.
        type : {"response", "link", "terms"}
            ``"link"``: :math:`\\hat\\eta = x^T\\hat\\beta + o`; ``"response"``:
            :math:`\\hat\\mu = g^{-1}(\\hat\\eta)`; ``"terms"``: each term's centred
            contribution, as R's ``predict(type = "terms")`` (see
            :func:`rglm.inference.predict.predict_terms`).
        se_fit : bool
            Also return standard errors: :math:`\\mathrm{se}(\\hat\\eta) =
            \\sqrt{\\phi\\, x^T (X^T W X)^{-1} x}` on the link scale and, by the delta method,
            :math:`|d\\mu/d\\eta|\\,\\mathrm{se}(\\hat\\eta)` on the response scale.
        interval : {None, "confidence"}
            Add ``lower`` and ``upper``: :math:`\\hat\\eta \\pm q\\,\\mathrm{se}(\\hat\\eta)`
            on the link scale; on the response scale those limits transformed by
            :math:`g^{-1}` (ordered so that lower <= upper even for a decreasing inverse
            link), so they stay within the mean's range and are not symmetric about the
            fit.  :math:`q` is the normal quantile when the dispersion is known and
            Student's t with ``df_resid`` degrees of freedom when it is estimated (as the
            ``summary`` tests; R's ``predict.glm`` has no intervals, and this matches
            ``predict.lm(interval = "confidence")`` for a Gaussian identity model).
        level : float
            Confidence level of the interval.
        offset : array_like, optional
            The offset for ``newdata`` when the model's ``offset=`` was an array.

        Returns
        -------
        Series of the fits; or a DataFrame with columns ``fit`` and ``se_fit`` (and ``lower``,
        ``upper``).  For ``type="terms"`` a DataFrame with one column per term, two-level
        (``fit``/``se_fit``/``lower``/``upper`` by term) when standard errors or intervals
        are asked for, and R's constant in ``attrs["constant"]``.
        """
        return predict(self, newdata, type=type, se_fit=se_fit, interval=interval, level=level, offset=offset)

    @cached_property
    def separation(self) -> SeparationResult:
        """:class:`rglm.inference.separation.SeparationResult` of a binomial or quasi-binomial fit:
        which coefficients have infinite maximum likelihood estimates (Konis's linear
        program, as R's ``detectseparation``).  Raises :class:`rglm.FamilyError` for other
        families.  The check :func:`rglm.glm` made at fit time is reused when it solved the
        linear program."""
        if isinstance(self.separation_check, SeparationResult):
            return self.separation_check
        return separation_of(self)

    # -- models fitted to chunked or Dask data -------------------------------------------------------------
    def iter_rows(self, columns: Any = None) -> Iterator[pd.DataFrame]:
        """Per-row values (fitted values, residuals, hat values, Cook's distances) of a model
        fitted to chunked or Dask data, one DataFrame per chunk; see
        :func:`rglm.inference.rows.iter_rows`."""
        return iter_rows(self, columns)

    def predict_to(
        self,
        path: Any,
        source: Any = None,
        *,
        type: str = "response",
        chunksize: int | None = None,
        keep: Any = None,
    ) -> int:
        """Write predictions for ``source`` (by default the data fitted) to a Parquet file chunk by
        chunk; see :func:`rglm.inference.rows.predict_to`."""
        return predict_to(self, path, source, type=type, chunksize=chunksize, keep=keep)

    # -- inference on the fitted model (each in its own module) -----------------------------------------
    def influence(self, dfbeta: str = "scaled", rstandard: str = "deviance") -> pd.DataFrame:
        """Per-observation influence measures (R's ``influence.measures``, ``rstandard``,
        ``rstudent``); see :func:`rglm.inference.influence.influence_frame`."""
        return influence_frame(self, dfbeta=dfbeta, rstandard=rstandard)

    def robust(self, cov_type: str = "HC0", groups: Any = None, **options: Any) -> GLMResult:
        """The same fit with a sandwich covariance; see :func:`rglm.inference.robust.robust_cov`."""
        out: GLMResult = robust_result(self, cov_type, groups, **options)
        return out

    def tidy(
        self,
        conf_int: bool = False,
        level: float | None = None,
        exponentiate: bool = False,
        conf_method: str = "profile",
        *,
        conf_level: float | None = None,
    ) -> pd.DataFrame:
        """One row per coefficient, as broom's ``tidy``; see :func:`rglm.output.tidy.tidy`."""
        return tidy(
            self,
            conf_int=conf_int,
            level=level,
            exponentiate=exponentiate,
            conf_method=conf_method,
            conf_level=conf_level,
        )

    def augment(
        self,
        newdata: Any = None,
        type_predict: str = "link",
        type_residuals: str = "deviance",
        se_fit: bool = False,
        *,
        data: Any = None,
    ) -> pd.DataFrame:
        """Data with per-row fitted values, residuals and influence, as broom's ``augment``;
        see :func:`rglm.output.tidy.augment`."""
        return augment(self, newdata, type_predict, type_residuals, se_fit, data=data)

    def plot(self, which: Any = (1, 2, 3, 5), **kwargs: Any) -> Any:
        """R's diagnostic panels (``plot(fit)``) as a matplotlib Figure; see
        :func:`rglm.output.plot.diagnostics`."""
        return diagnostics(self, which=which, **kwargs)

    # -- presentation ----------------------------------------------------------------------------------
    def summary(self) -> Summary:
        """R's ``summary.glm``: a :class:`rglm.output.summary.Summary` that prints like R."""
        if self.dispersion_is_estimated and self.nobs < self.nobs_bic:  # some prior weight is 0
            warn("observations with zero weight not used for calculating dispersion", DispersionWarning)
        return Summary.from_result(self)
