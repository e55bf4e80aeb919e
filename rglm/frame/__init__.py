"""The model frame: formula + data -> the arrays a fit needs, and the recipe to do it again.

The only layer that reads formulas with formulaic.

- :mod:`~rglm.frame.formula`: R's formula forms on top of formulaic (``cbind``, ``offset``);
- :mod:`~rglm.frame.columns`: data frame columns as the numbers a model needs;
- :mod:`~rglm.frame.steps`: the named steps of R's ``model.frame`` (variables, subset,
  missing values, response, offset, term columns and factor levels from formulaic's ``ModelSpec``);
- :mod:`~rglm.frame.model_frame`: :func:`~rglm.frame.model_frame.build_frame`, the in-memory frame;
- :mod:`~rglm.frame.parts`: formulas with a ``|`` part (mean and precision models), split by formulaic;
- :mod:`~rglm.frame.split_design`: factors kept as codes for large data;
- :mod:`~rglm.frame.chunked`: the same frame over chunks (scan, freeze, materialize);
- :mod:`~rglm.frame.state`: :class:`~rglm.frame.state.FrameState`, what results read of either frame.
"""
