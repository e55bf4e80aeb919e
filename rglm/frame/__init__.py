"""The model frame: formula + data -> the arrays a fit needs, and the recipe to do it again.

The only layer that reads formulas with formulaic.

- :mod:`~rglm.frame.formula`: R formulas (response, terms, offsets, ``update``), the functions
  formulas call;
- :mod:`~rglm.frame.rsyntax`, :mod:`~rglm.frame.rterms`: R's expression parser and ``terms``;
- :mod:`~rglm.frame.rdesign`, :mod:`~rglm.frame.contrasts`: R's ``model.matrix`` over the
  variables formulaic evaluates, and R's contrasts;
- :mod:`~rglm.frame.splines`: R's ``ns`` and ``bs``;
- :mod:`~rglm.frame.columns`: data frame columns as the numbers a model needs;
- :mod:`~rglm.frame.steps`: the named steps of R's ``model.frame`` (variables, subset,
  missing values, response, offset, term columns and factor levels);
- :mod:`~rglm.frame.model_frame`: :func:`~rglm.frame.model_frame.build_frame`, the in-memory frame;
- :mod:`~rglm.frame.parts`: formulas with a ``|`` part (mean and precision models), split by formulaic;
- :mod:`~rglm.frame.split_design`: factors kept as codes for large data;
- :mod:`~rglm.frame.chunked`: the same frame over chunks (scan, freeze, materialize);
- :mod:`~rglm.frame.state`: :class:`~rglm.frame.state.FrameState`, what results read of either frame.
"""
