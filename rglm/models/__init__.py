"""The user-facing result classes: each model's statistics (:mod:`rglm.results`) with the
convenience methods that call inference and output (prediction, diagnostics, tests,
printing, saving, refitting).  One module per model.

How a model plugs in (the negative binomial is the smallest example):

1. the fit (:mod:`rglm.fit`) returns arrays and numbers, no result object
   (:func:`rglm.fit.negbin.fit_glm_nb` returns the last IRLS fit and a
   :class:`~rglm.fit.negbin.ThetaEstimate`);
2. its statistics are a :class:`rglm.results.core.ResultCore` subclass in :mod:`rglm.results`
   implementing the core's hooks (``param_names``, ``param_vector``, ``vcov_matrix``,
   ``nobs``, ``df_resid``, ``llf``, ``n_params``; :class:`rglm.results.negbin.NegBinStatistics`
   extends :class:`rglm.results.glm.GLMStatistics` and overrides ``llf``, ``aic`` and
   ``n_params``);
3. its printing goes in :mod:`rglm.output` (:mod:`rglm.output.negbin`) and its own tests
   in :mod:`rglm.inference` (:mod:`rglm.inference.negbin`);
4. the class users get lives here, deriving from the statistics and
   :class:`rglm.models.base.ModelMethods` (or a model that already does, as
   :class:`rglm.models.negbin.NegBinResult` derives from :class:`rglm.models.glm.GLMResult`):
   Wald and likelihood-ratio tests, ``tidy``, ``glance``, ``save``, :func:`rglm.compare`
   and :func:`rglm.load` then work unchanged;
5. :mod:`rglm.api` wires formula and data to the fit and builds that class.
"""
